/**
 * The EKS target's access entries: the IAM roles and users (CI, operators) that get into the cluster
 * besides its creator, each with an AWS managed access policy. The cluster uses the `API`
 * authentication mode, so an access entry is the only way in; without one a principal's requests
 * are refused (401) whatever its IAM permissions.
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/access-entries.html
 * @see https://docs.aws.amazon.com/eks/latest/userguide/access-policy-permissions.html
 */
import * as aws from "@pulumi/aws";
import type { EksChildOptions } from "./provider";
import { accessEntryKey, EKS_ACCESS_POLICY_ARNS, type ResolvedEksClusterArgs } from "./spec";

/** One principal's way into the cluster. */
export interface EksAccess {
  readonly entry: aws.eks.AccessEntry;
  readonly policy: aws.eks.AccessPolicyAssociation;
}

/**
 * Creates, per `settings.accessEntries` entry, an access entry of type `STANDARD` for the principal
 * and the association of its access policy ({@link EKS_ACCESS_POLICY_ARNS}) over the whole cluster.
 * Resources are named after the principal ({@link accessEntryKey}), not its position, so reordering
 * the list replaces nothing.
 *
 * The identity that creates the cluster already has an entry (`bootstrapClusterCreatorAdminPermissions`);
 * listing it again fails with `ResourceInUseException`.
 *
 * @param name - the component's name; resources are named `${name}-access-<account>-<role|user>-<name>` and `…-policy`.
 * @param settings - the resolved cluster settings (`accessEntries`).
 * @param cluster - the EKS cluster.
 * @param opts - the component as parent and its AWS provider.
 * @returns one entry and policy association per principal, in order.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/creating-access-entries.html
 * @see https://www.pulumi.com/registry/packages/aws/api-docs/eks/accessentry/
 * @see https://www.pulumi.com/registry/packages/aws/api-docs/eks/accesspolicyassociation/
 */
export function createEksAccessEntries(
  name: string,
  settings: Pick<ResolvedEksClusterArgs, "accessEntries">,
  cluster: aws.eks.Cluster,
  opts: EksChildOptions,
): EksAccess[] {
  return settings.accessEntries.map(({ principalArn, policy }) => {
    const key = `${name}-access-${accessEntryKey(principalArn)}`;
    const entry = new aws.eks.AccessEntry(key, { clusterName: cluster.name, principalArn, type: "STANDARD" }, opts);
    const association = new aws.eks.AccessPolicyAssociation(
      `${key}-policy`,
      { clusterName: cluster.name, principalArn: entry.principalArn, policyArn: EKS_ACCESS_POLICY_ARNS[policy], accessScope: { type: "cluster" } },
      opts,
    );
    return { entry, policy: association };
  });
}
