/**
 * Backups of an in-cluster PostgresCluster on GKE: a GCS bucket (unless one is named) and a Google
 * service account that the Cluster's ServiceAccount impersonates through Workload Identity. Loaded
 * only on Google Cloud, so other targets never load `@pulumi/gcp`.
 *
 * @see https://cloudnative-pg.io/plugin-barman-cloud/docs/object_stores/#google-cloud-storage
 * @see https://cloud.google.com/kubernetes-engine/docs/how-to/workload-identity
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { GcpCloud } from "../contract/platform";
import { WORKLOAD_IDENTITY_ANNOTATION, workloadIdentityMember } from "../platform/identity/gcp";
import { statefulResourceOptions } from "../shared/options";
import { archiveBucketArgs, gcpBackupReplica } from "./backup-gcp-dr";
import type { BackupStore } from "./types";
import type { ResolvedPostgres } from "./spec";

/**
 * The roles the backup service account gets on the bucket: objects read, written and deleted
 * (`objectAdmin`), and the bucket's metadata read (`legacyBucketReader`, `storage.buckets.get`),
 * which Barman checks before it writes.
 * @see https://cloud.google.com/storage/docs/access-control/iam-roles
 */
export const BACKUP_BUCKET_ROLES = { "object-admin": "roles/storage.objectAdmin", "bucket-reader": "roles/storage.legacyBucketReader" } as const;

/**
 * The Google service account ID for a cluster's backups: 6–30 characters, `<name>-pg-backup` with
 * the name cut to fit.
 * @see https://cloud.google.com/iam/docs/service-accounts-create#creating
 */
export function backupServiceAccountId(name: string): string {
  return `${name.slice(0, 20).replace(/-+$/, "")}-pg-backup`;
}

/**
 * Creates the GCS bucket (unless `backup.bucket.name` names one), a Google service account with
 * access to it, and the Workload Identity binding for the Cluster's ServiceAccount (named after the
 * Cluster by CloudNativePG).
 *
 * The bucket is in the cluster's region, with uniform bucket-level access, public access
 * prevention enforced and versioning; noncurrent versions are deleted `retentionDays + 7` days
 * after they are replaced (Barman's retention policy deletes the current ones).
 *
 * @see https://cloudnative-pg.io/plugin-barman-cloud/docs/object_stores/#google-cloud-storage
 */
export function gcpBackupStore(name: string, spec: ResolvedPostgres, cloud: GcpCloud, parent: pulumi.Resource): BackupStore {
  const opts = { parent, provider: cloud.provider };
  const created: pulumi.Resource[] = [];
  let bucketName: pulumi.Input<string>;
  if (spec.backup.bucket.name) {
    bucketName = spec.backup.bucket.name;
  } else {
    const bucket = new gcp.storage.Bucket(`${name}-backup-bucket`, archiveBucketArgs(cloud.region, spec.backup.retentionDays), { ...opts, ...statefulResourceOptions(spec.protect) });
    bucketName = bucket.name;
    created.push(bucket);
    // With a DR region, the archive is replicated there (backup-gcp-dr.ts).
    if (spec.recovery.drRegion) created.push(...gcpBackupReplica(name, spec, cloud, bucket, parent));
  }

  const account = new gcp.serviceaccount.Account(
    `${name}-backup`,
    { accountId: backupServiceAccountId(name), displayName: `Backups of PostgresCluster ${name}` },
    opts,
  );
  const member = pulumi.interpolate`serviceAccount:${account.email}`;
  const grants = Object.entries(BACKUP_BUCKET_ROLES).map(
    ([role, id]) => new gcp.storage.BucketIAMMember(`${name}-backup-${role}`, { bucket: bucketName, role: id, member }, { ...opts, dependsOn: created }),
  );
  const workloadIdentity = new gcp.serviceaccount.IAMMember(
    `${name}-backup-workload-identity`,
    {
      serviceAccountId: pulumi.interpolate`projects/${cloud.project}/serviceAccounts/${account.email}`,
      role: "roles/iam.workloadIdentityUser",
      member: pulumi.output(spec.namespace).apply((namespace) => workloadIdentityMember(cloud.workloadPool, namespace, name)),
    },
    opts,
  );
  return {
    bucket: bucketName,
    serviceAccountAnnotations: { [WORKLOAD_IDENTITY_ANNOTATION]: account.email },
    dependencies: [...created, account, ...grants, workloadIdentity],
  };
}
