/**
 * A workload's Google service account on GKE: only the workload's ServiceAccount may act as it
 * (`roles/iam.workloadIdentityUser`), and it gets the configured roles on the cluster's project.
 * Loaded only on Google Cloud.
 *
 * @see https://cloud.google.com/kubernetes-engine/docs/how-to/workload-identity
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { GcpCloud } from "../../contract/platform";
import { WORKLOAD_IDENTITY_ANNOTATION, workloadIdentityMember } from "./gcp";
import { workloadAccountId, workloadRoleGrantName, type WorkloadServiceAccount } from "./workload-account";

/** Creates the Google service account, its Workload Identity binding and its project roles; returns the ServiceAccount's annotation. */
export function gcpWorkloadIdentity(name: string, roles: readonly string[], cloud: GcpCloud, account: WorkloadServiceAccount, parent?: pulumi.Resource): Record<string, pulumi.Output<string>> {
  const opts = { parent, provider: cloud.provider };
  const serviceAccount = new gcp.serviceaccount.Account(
    `${name}-identity`,
    { project: cloud.project, accountId: workloadAccountId(pulumi.getStack(), account), displayName: `Workload identity of ${account.namespace}/${account.name}` },
    opts,
  );
  new gcp.serviceaccount.IAMMember(
    `${name}-identity-workload-identity`,
    { serviceAccountId: serviceAccount.name, role: "roles/iam.workloadIdentityUser", member: workloadIdentityMember(cloud.workloadPool, account.namespace, account.name) },
    opts,
  );
  for (const role of roles) {
    new gcp.projects.IAMMember(workloadRoleGrantName(name, role), { project: cloud.project, role, member: serviceAccount.member }, opts);
  }
  return { [WORKLOAD_IDENTITY_ANNOTATION]: serviceAccount.email };
}
