/**
 * A workload's IAM role on EKS (IRSA): trusted only by the workload's ServiceAccount, with the
 * policy from config as its inline policy. Loaded only on AWS.
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/iam-roles-for-service-accounts.html
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AwsCloud } from "../../contract/platform";
import { IRSA_ANNOTATION, irsaAssumeRolePolicy } from "./aws";
import type { WorkloadServiceAccount } from "./workload-account";

/** Creates the role and its inline policy; returns the ServiceAccount's annotation. */
export function awsWorkloadIdentity(name: string, policy: Readonly<Record<string, unknown>>, cloud: AwsCloud, account: WorkloadServiceAccount, parent?: pulumi.Resource): Record<string, pulumi.Output<string>> {
  const opts = { parent, provider: cloud.provider };
  const role = new aws.iam.Role(
    `${name}-identity`,
    {
      // IAM's 64 characters less the provider's 26-character suffix.
      namePrefix: `svc-${name.slice(0, 33).replace(/-+$/, "")}-`,
      description: `Workload identity of ${account.namespace}/${account.name} (IRSA)`,
      assumeRolePolicy: pulumi.all([cloud.oidcProviderArn, cloud.oidcIssuerUrl]).apply(([arn, url]) => irsaAssumeRolePolicy(arn, url, account.namespace, account.name)),
    },
    opts,
  );
  new aws.iam.RolePolicy(`${name}-identity`, { role: role.name, policy: JSON.stringify(policy) }, opts);
  return { [IRSA_ANNOTATION]: role.arn };
}
