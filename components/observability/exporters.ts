/**
 * Deploys the exporter of the platform's cloud for its managed data stores (see
 * exporter-values.ts); the cloud SDKs load only on their cloud.
 *
 * @see https://github.com/prometheus/cloudwatch_exporter
 * @see https://github.com/prometheus-community/stackdriver_exporter
 */
import type { AwsCloud, GcpCloud, KubernetesPlatform } from "../contract/platform";
import type { ExporterDeployContext } from "./exporter-values";
import type { ManagedDataStores } from "./managed";

export * from "./exporter-values";

/**
 * Deploys the exporter of the platform's cloud for the managed stores, if any: nothing on k3s or
 * when no store is managed.
 */
export function deployCloudExporters(name: string, namespace: string, stores: ManagedDataStores, platform: KubernetesPlatform, context: ExporterDeployContext): void {
  const cloud = platform.cloud;
  if (!cloud || Object.keys(stores).length === 0) return;
  /* eslint-disable @typescript-eslint/no-require-imports */
  if (cloud.kind === "aws") (require("./exporters-aws") as typeof import("./exporters-aws")).deployCloudwatchExporter(name, namespace, stores, cloud as AwsCloud, context);
  else (require("./exporters-gcp") as typeof import("./exporters-gcp")).deployStackdriverExporter(name, namespace, stores, cloud as GcpCloud, context);
  /* eslint-enable @typescript-eslint/no-require-imports */
}
