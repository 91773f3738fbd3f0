/**
 * The CloudWatch exporter on EKS: an IAM role that only the exporter's ServiceAccount can assume
 * (IRSA), with {@link cloudwatchReadPolicy}, and the chart's release. Loaded only on AWS.
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/iam-roles-for-service-accounts.html
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AwsCloud } from "../contract/platform";
import { irsaAssumeRolePolicy } from "../platform/identity/aws";
import { cloudwatchExporterValues, cloudwatchReadPolicy, exporterCharts, exporterServiceAccounts, type ExporterDeployContext } from "./exporter-values";
import type { ManagedDataStores } from "./managed";

/** Deploys the CloudWatch exporter with its IRSA role. */
export function deployCloudwatchExporter(name: string, namespace: string, stores: ManagedDataStores, cloud: AwsCloud, context: ExporterDeployContext): void {
  const opts = { parent: context.parent, provider: cloud.provider };
  const role = new aws.iam.Role(
    `${name}-cloudwatch-exporter`,
    {
      description: "Prometheus CloudWatch exporter: reads the metrics of the platform's managed data stores",
      assumeRolePolicy: pulumi.all([cloud.oidcProviderArn, cloud.oidcIssuerUrl]).apply(([arn, url]) => irsaAssumeRolePolicy(arn, url, namespace, exporterServiceAccounts.cloudwatch)),
    },
    opts,
  );
  const policy = new aws.iam.RolePolicy(`${name}-cloudwatch-exporter`, { role: role.name, policy: cloudwatchReadPolicy() }, opts);
  context.release("cloudwatch-exporter", "cloudwatch-exporter", exporterCharts.cloudwatch, cloudwatchExporterValues(cloud.region, stores, role.arn), [...context.dependsOn, policy]);
}
