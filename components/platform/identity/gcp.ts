/**
 * Google Cloud identity for workloads: GKE Workload Identity, which lets a Kubernetes
 * ServiceAccount act as a Google service account. Pure functions shared by every backend and
 * add-on that binds one.
 *
 * @see https://cloud.google.com/kubernetes-engine/docs/how-to/workload-identity
 */

/** The ServiceAccount annotation that binds a pod to a Google service account. @see https://cloud.google.com/kubernetes-engine/docs/how-to/workload-identity#kubernetes-sa-to-iam */
export const WORKLOAD_IDENTITY_ANNOTATION = "iam.gke.io/gcp-service-account";

/**
 * The Workload Identity member of a Kubernetes ServiceAccount.
 * @returns `serviceAccount:<pool>[<namespace>/<serviceAccount>]`.
 * @see https://cloud.google.com/kubernetes-engine/docs/how-to/workload-identity#kubernetes-sa-to-iam
 */
export function workloadIdentityMember(workloadPool: string, namespace: string, serviceAccount: string): string {
  return `serviceAccount:${workloadPool}[${namespace}/${serviceAccount}]`;
}
