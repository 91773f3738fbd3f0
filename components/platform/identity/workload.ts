/**
 * A cloud identity for one workload's ServiceAccount, target-neutral: on EKS an IAM role that only
 * that ServiceAccount may assume (IRSA), on GKE a Google service account that only it may act as
 * (Workload Identity). Each cloud's module loads only on its target, so nothing here names a type
 * of `@pulumi/aws` or `@pulumi/gcp`.
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/iam-roles-for-service-accounts.html
 * @see https://cloud.google.com/kubernetes-engine/docs/how-to/workload-identity
 */
import type * as pulumi from "@pulumi/pulumi";
import type { KubernetesPlatform } from "../../contract/platform";
import type { WorkloadServiceAccount } from "./workload-account";

export { IRSA_ANNOTATION } from "./aws";
export { workloadAccountId, workloadRoleGrantName, type WorkloadServiceAccount } from "./workload-account";

/** What a workload may do in the cloud: the IAM policy (EKS) and the project roles (GKE); the other cloud's part is ignored. */
export interface WorkloadIdentityArgs {
  /** EKS: the inline policy of the workload's IAM role, an IAM policy document (`Version`, `Statement`; the stack config validates it). */
  readonly aws?: { readonly policy: Readonly<Record<string, unknown>> };
  /** GKE: the IAM roles (`roles/storage.objectViewer`…) the workload's Google service account gets on the cluster's project. */
  readonly gcp?: { readonly roles: readonly string[] };
}

/**
 * Creates the workload's cloud identity and returns the annotations its ServiceAccount needs.
 *
 * @param name - the resource name's stem (the service's name).
 * @param args - the policy or the roles.
 * @param platform - an EKS or GKE platform (its `cloud`).
 * @param account - the ServiceAccount that gets the identity.
 * @param parent - the owner of the cloud resources.
 * @returns `{ "eks.amazonaws.com/role-arn": <arn> }` or `{ "iam.gke.io/gcp-service-account": <email> }`.
 * @throws Error on a platform without a cloud (k3s, Docker), or when the target's part of `args` is missing (config validation refuses both first).
 */
export function workloadIdentity(name: string, args: WorkloadIdentityArgs, platform: KubernetesPlatform, account: WorkloadServiceAccount, parent?: pulumi.Resource): Record<string, pulumi.Output<string>> {
  const cloud = platform.cloud;
  /* eslint-disable @typescript-eslint/no-require-imports */
  if (cloud?.kind === "aws" && args.aws) return (require("./workload-aws") as typeof import("./workload-aws")).awsWorkloadIdentity(name, args.aws.policy, cloud, account, parent);
  if (cloud?.kind === "gcp" && args.gcp) return (require("./workload-gcp") as typeof import("./workload-gcp")).gcpWorkloadIdentity(name, args.gcp.roles, cloud, account, parent);
  /* eslint-enable @typescript-eslint/no-require-imports */
  throw new Error(`"${name}": a cloud identity needs EKS with \`aws.policy\` or GKE with \`gcp.roles\` (target ${platform.flavour})`);
}
