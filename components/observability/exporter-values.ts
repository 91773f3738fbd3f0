/**
 * The exporters' pinned charts, identities and Helm values (pure); exporters.ts deploys them.
 *
 * The exporters that bring managed data stores' metrics into Prometheus: the CloudWatch exporter
 * on EKS (an IAM role for its ServiceAccount through IRSA, allowed only to read CloudWatch metrics)
 * and the Stackdriver exporter on GKE (a Google service account through Workload Identity, with
 * `roles/monitoring.viewer` only). Each is a Helm release in the stack's namespace whose chart
 * creates the ServiceAccount and a ServiceMonitor. The cloud SDKs load only on their cloud.
 *
 * @see https://github.com/prometheus/cloudwatch_exporter
 * @see https://github.com/prometheus-community/stackdriver_exporter
 */
import { createHash } from "node:crypto";
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { cloudwatchExporterConfig, stackdriverPrefixes, type ManagedDataStores } from "./managed";

/**
 * The pinned exporter charts.
 *
 * - prometheus-cloudwatch-exporter 0.28.1: the Prometheus project's exporter (appVersion 0.16.0).
 * - prometheus-stackdriver-exporter 4.13.0: stackdriver_exporter v0.19.0, the first chart with
 *   `stackdriver.metrics.prefixes` and `projectIds`.
 *
 * @see https://github.com/prometheus-community/helm-charts/releases/tag/prometheus-cloudwatch-exporter-0.28.1
 * @see https://github.com/prometheus-community/helm-charts/releases/tag/prometheus-stackdriver-exporter-4.13.0
 */
export const exporterCharts = {
  cloudwatch: { repo: "https://prometheus-community.github.io/helm-charts", chart: "prometheus-cloudwatch-exporter", version: "0.28.1" },
  stackdriver: { repo: "https://prometheus-community.github.io/helm-charts", chart: "prometheus-stackdriver-exporter", version: "4.13.0" },
} as const;

/** The exporters' ServiceAccounts: the subjects of the IRSA trust policy and the Workload Identity binding. */
export const exporterServiceAccounts = { cloudwatch: "cloudwatch-exporter", stackdriver: "stackdriver-exporter" } as const;

/** Requests and limits of each exporter. */
export const exporterResources = {
  cloudwatch: { requests: { cpu: "50m", memory: "256Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
  stackdriver: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "250m", memory: "128Mi" } },
} as const;

const restricted = { runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } } as const;

/**
 * The IAM policy of the CloudWatch exporter: the two read actions it calls
 * (`cloudwatch:ListMetrics` to find each store's dimensions, `cloudwatch:GetMetricStatistics` for
 * the values). CloudWatch has no resource-level permissions for them, hence `*`.
 *
 * @see https://github.com/prometheus/cloudwatch_exporter#credentials-and-permissions
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/permissions-reference-cw.html
 */
export function cloudwatchReadPolicy(): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["cloudwatch:GetMetricStatistics", "cloudwatch:ListMetrics"], Resource: "*" }] });
}

/** Helm values of the CloudWatch exporter, with the IAM role its ServiceAccount assumes. @see https://github.com/prometheus-community/helm-charts/blob/main/charts/prometheus-cloudwatch-exporter/values.yaml */
export function cloudwatchExporterValues(region: string, stores: ManagedDataStores, roleArn: pulumi.Input<string>): Record<string, unknown> {
  return {
    serviceAccount: { create: true, name: exporterServiceAccounts.cloudwatch, annotations: { "eks.amazonaws.com/role-arn": roleArn } },
    aws: { stsRegional: { enabled: true } },
    config: stringify(cloudwatchExporterConfig(region, stores)),
    resources: exporterResources.cloudwatch,
    containerSecurityContext: restricted,
    // CloudWatch data points are a minute apart at best; a scrape costs API calls.
    serviceMonitor: { enabled: true, interval: "60s", timeout: "50s" },
  };
}

/** The account id the shipped GKE stack (`prod`) created its exporter's service account with. */
export const SHIPPED_STACKDRIVER_ACCOUNT_ID = "stackdriver-exporter";

/**
 * The id of the Stackdriver exporter's Google service account: one per Pulumi project and stack,
 * so two stacks in one Google Cloud project do not fight over one account (`sd-exporter-` and a
 * hash of `<project>/<stack>`, 24 characters). The shipped `prod` stack keeps the id it was
 * created with: the id cannot change without replacing the account.
 *
 * @returns an id of 6–30 characters: a lower-case letter, then letters, digits and hyphens.
 * @see https://cloud.google.com/iam/docs/service-accounts-create#creating
 */
export function stackdriverAccountId(project: string, stack: string): string {
  if (stack === "prod") return SHIPPED_STACKDRIVER_ACCOUNT_ID;
  return `sd-exporter-${createHash("sha256").update(`${project}/${stack}`).digest("hex").slice(0, 12)}`;
}

/** Helm values of the Stackdriver exporter, with the Google service account its ServiceAccount acts as. @see https://github.com/prometheus-community/helm-charts/blob/main/charts/prometheus-stackdriver-exporter/values.yaml */
export function stackdriverExporterValues(project: string, stores: ManagedDataStores, namespace: string, email: pulumi.Input<string>): Record<string, unknown> {
  return {
    serviceAccount: { create: true, name: exporterServiceAccounts.stackdriver, annotations: { "iam.gke.io/gcp-service-account": email } },
    stackdriver: { projectIds: [project], metrics: { prefixes: stackdriverPrefixes(stores), interval: "5m", ingestDelay: true, aggregateDeltas: true } },
    resources: exporterResources.stackdriver,
    securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: "RuntimeDefault" } },
    containerSecurityContext: restricted,
    serviceMonitor: { enabled: true, namespace, interval: "60s", scrapeTimeout: "50s" },
  };
}

/** What the Helm releases need besides their values. */
export interface ExporterDeployContext {
  readonly parent: pulumi.Resource;
  readonly dependsOn: pulumi.Resource[];
  readonly release: (role: string, releaseName: string, chart: { repo: string; chart: string; version: string }, values: Record<string, unknown>, dependsOn: pulumi.Resource[]) => k8s.helm.v3.Release;
}
