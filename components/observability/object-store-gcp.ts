/**
 * Loki's and Tempo's buckets on GKE: a GCS bucket per component and a Google service account,
 * allowed on that bucket alone, that only the component's ServiceAccount may act as (Workload
 * Identity). Loaded only on Google Cloud.
 *
 * @see https://grafana.com/docs/loki/latest/configure/storage/#gcp-deployment-gcs-single-store
 * @see https://grafana.com/docs/tempo/latest/configuration/hosted-storage/gcs/
 * @see https://cloud.google.com/kubernetes-engine/docs/how-to/workload-identity
 */
import * as gcp from "@pulumi/gcp";
import type * as pulumi from "@pulumi/pulumi";
import type { GcpCloud } from "../contract/platform";
import { WORKLOAD_IDENTITY_ANNOTATION, workloadIdentityMember } from "../platform/identity/gcp";
import { statefulResourceOptions } from "../shared/options";
import { storageServiceAccounts, type ObjectStore, type ObjectStoreRequest } from "./object-store-values";

/**
 * The one role each component's service account gets, on its bucket only: objects listed, read,
 * written and deleted (`storage.objects.*`), no bucket settings and no other bucket.
 * @see https://cloud.google.com/storage/docs/access-control/iam-roles
 */
export const STORAGE_BUCKET_ROLE = "roles/storage.objectAdmin";

/** The Google service account ID of a component's storage (6–30 characters). */
export function storageServiceAccountId(component: ObjectStoreRequest["component"]): string {
  return `${component}-object-store`;
}

/**
 * Creates a component's GCS bucket, its Google service account and the Workload Identity binding.
 *
 * The bucket is in the cluster's region, with uniform bucket-level access, public access
 * prevention enforced and no versioning; objects are deleted
 * {@link ObjectStoreRequest.expirationDays} after they are written.
 */
export function gcpObjectStore(name: string, request: ObjectStoreRequest, cloud: GcpCloud, parent: pulumi.Resource): ObjectStore {
  const { component } = request;
  const opts = { parent, provider: cloud.provider };
  const bucket = new gcp.storage.Bucket(
    `${name}-${component}-bucket`,
    {
      location: cloud.region,
      uniformBucketLevelAccess: true,
      publicAccessPrevention: "enforced",
      versioning: { enabled: false },
      forceDestroy: false,
      lifecycleRules: [{ action: { type: "Delete" }, condition: { age: request.expirationDays } }],
    },
    { ...opts, ...statefulResourceOptions(request.protect) },
  );
  const account = new gcp.serviceaccount.Account(
    `${name}-${component}-storage`,
    { accountId: storageServiceAccountId(component), displayName: `${component === "loki" ? "Loki" : "Tempo"} of the observability stack: its own GCS bucket` },
    opts,
  );
  const grant = new gcp.storage.BucketIAMMember(`${name}-${component}-storage-object-admin`, { bucket: bucket.name, role: STORAGE_BUCKET_ROLE, member: account.member }, opts);
  const binding = new gcp.serviceaccount.IAMMember(
    `${name}-${component}-storage-workload-identity`,
    { serviceAccountId: account.name, role: "roles/iam.workloadIdentityUser", member: workloadIdentityMember(cloud.workloadPool, request.namespace, storageServiceAccounts[component]) },
    opts,
  );
  return { kind: "gcs", bucket: bucket.name, serviceAccountAnnotations: { [WORKLOAD_IDENTITY_ANNOTATION]: account.email }, dependencies: [bucket, account, grant, binding] };
}
