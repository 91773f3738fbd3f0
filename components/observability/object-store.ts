/**
 * Where Loki and Tempo keep their data: on EKS an S3 bucket each, reached through an IRSA role;
 * on GKE a GCS bucket each, reached through Workload Identity; on k3s (no cloud) the volume the
 * charts mount. The cloud SDKs load only on their cloud (object-store-aws.ts, object-store-gcp.ts);
 * the shapes and chart values are in object-store-values.ts.
 *
 * @see https://grafana.com/docs/loki/latest/setup/install/helm/deployment-guides/aws/
 * @see https://grafana.com/docs/tempo/latest/configuration/hosted-storage/
 */
import type * as pulumi from "@pulumi/pulumi";
import type { AwsCloud, GcpCloud, KubernetesPlatform } from "../contract/platform";
import { bucketExpirationDays, type ObjectStoreRequest, type ObjectStores } from "./object-store-values";

export * from "./object-store-values";

/**
 * Creates Loki's and Tempo's buckets and identities on the platform's cloud.
 *
 * @returns the two stores, or `undefined` on k3s, where both keep their data on a volume.
 */
export function deployObjectStores(name: string, namespace: string, retentionDays: number, protect: boolean, platform: KubernetesPlatform, parent: pulumi.Resource): ObjectStores | undefined {
  const cloud = platform.cloud;
  if (!cloud) return undefined;
  const request = (component: keyof ObjectStores): ObjectStoreRequest => ({ component, expirationDays: bucketExpirationDays(retentionDays), namespace, protect });
  /* eslint-disable @typescript-eslint/no-require-imports */
  const create =
    cloud.kind === "aws"
      ? (r: ObjectStoreRequest) => (require("./object-store-aws") as typeof import("./object-store-aws")).awsObjectStore(name, r, cloud as AwsCloud, parent)
      : (r: ObjectStoreRequest) => (require("./object-store-gcp") as typeof import("./object-store-gcp")).gcpObjectStore(name, r, cloud as GcpCloud, parent);
  /* eslint-enable @typescript-eslint/no-require-imports */
  return { loki: create(request("loki")), tempo: create(request("tempo")) };
}
