/**
 * The Stackdriver exporter on GKE: a Google service account with `roles/monitoring.viewer` on the
 * project, which only the exporter's ServiceAccount may act as (Workload Identity), and the chart's
 * release. Loaded only on Google Cloud.
 *
 * @see https://cloud.google.com/kubernetes-engine/docs/how-to/workload-identity
 * @see https://cloud.google.com/monitoring/access-control#monitoring-viewer
 */
import * as gcp from "@pulumi/gcp";
import type { GcpCloud } from "../contract/platform";
import { workloadIdentityMember } from "../platform/identity/gcp";
import * as pulumi from "@pulumi/pulumi";
import { exporterCharts, exporterServiceAccounts, stackdriverAccountId, stackdriverExporterValues, type ExporterDeployContext } from "./exporter-values";
import type { ManagedDataStores } from "./managed";

/** Deploys the Stackdriver exporter with its Workload Identity binding. */
export function deployStackdriverExporter(name: string, namespace: string, stores: ManagedDataStores, cloud: GcpCloud, context: ExporterDeployContext): void {
  const opts = { parent: context.parent, provider: cloud.provider };
  const account = new gcp.serviceaccount.Account(`${name}-stackdriver-exporter`, { accountId: stackdriverAccountId(pulumi.getProject(), pulumi.getStack()), displayName: "Prometheus Stackdriver exporter (managed data stores)" }, opts);
  const viewer = new gcp.projects.IAMMember(`${name}-stackdriver-exporter-viewer`, { project: cloud.project, role: "roles/monitoring.viewer", member: account.member }, opts);
  const binding = new gcp.serviceaccount.IAMMember(
    `${name}-stackdriver-exporter-workload-identity`,
    { serviceAccountId: account.name, role: "roles/iam.workloadIdentityUser", member: workloadIdentityMember(cloud.workloadPool, namespace, exporterServiceAccounts.stackdriver) },
    opts,
  );
  context.release("stackdriver-exporter", "stackdriver-exporter", exporterCharts.stackdriver, stackdriverExporterValues(cloud.project, stores, namespace, account.email), [...context.dependsOn, viewer, binding]);
}
