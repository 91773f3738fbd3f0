/**
 * The DR region's copy of an in-cluster PostgresCluster's Barman archive on GKE: a GCS bucket in
 * `recovery.drRegion` and a Storage Transfer Service replication job (event-driven, continuous)
 * from the backup bucket into it, so a recovery in the DR region can restore from it after a
 * region loss. Google publishes no replication-time objective for it; the DR report says so.
 *
 * @see https://cloud.google.com/storage-transfer/docs/cross-bucket-replication
 * @see https://cloud.google.com/storage-transfer/docs/sink-cloud-storage#grant_the_required_permissions
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { GcpCloud } from "../contract/platform";
import { statefulResourceOptions } from "../shared/options";
import type { ResolvedPostgres } from "./spec";

/**
 * The roles Storage Transfer Service's agent needs: read the source bucket's objects and metadata,
 * write (and delete) in the DR bucket.
 * @see https://cloud.google.com/storage-transfer/docs/sink-cloud-storage#grant_the_required_permissions
 */
export const TRANSFER_ROLES = {
  source: ["roles/storage.objectViewer", "roles/storage.legacyBucketReader"],
  sink: ["roles/storage.legacyBucketWriter", "roles/storage.objectViewer"],
} as const;

/**
 * Creates the DR bucket (same settings as the backup bucket, in the DR region) and the replication
 * job, after the Storage Transfer API and the agent's grants.
 */
export function gcpBackupReplica(name: string, spec: ResolvedPostgres, cloud: GcpCloud, source: gcp.storage.Bucket, parent: pulumi.Resource): pulumi.Resource[] {
  const drRegion = spec.recovery.drRegion!;
  const opts = { parent, provider: cloud.provider };
  const api = new gcp.projects.Service(`${name}-api-storagetransfer`, { project: cloud.project, service: "storagetransfer.googleapis.com", disableOnDestroy: false }, opts);
  const bucket = new gcp.storage.Bucket(
    `${name}-backup-bucket-dr`,
    {
      location: drRegion,
      uniformBucketLevelAccess: true,
      publicAccessPrevention: "enforced",
      versioning: { enabled: true },
      forceDestroy: false,
      lifecycleRules: [{ action: { type: "Delete" }, condition: { daysSinceNoncurrentTime: spec.backup.retentionDays + 7 } }],
    },
    { ...opts, ...statefulResourceOptions(spec.protect) },
  );
  const agent = gcp.storage.getTransferProjectServiceAccountOutput({ project: cloud.project }, { parent, provider: cloud.provider });
  const member = pulumi.interpolate`serviceAccount:${agent.email}`;
  const grants = [
    ...TRANSFER_ROLES.source.map((role) => new gcp.storage.BucketIAMMember(`${name}-transfer-source-${role.split(".").pop()}`, { bucket: source.name, role, member }, { ...opts, dependsOn: [api] })),
    ...TRANSFER_ROLES.sink.map((role) => new gcp.storage.BucketIAMMember(`${name}-transfer-sink-${role.split(".").pop()}`, { bucket: bucket.name, role, member }, { ...opts, dependsOn: [api] })),
  ];
  const job = new gcp.storage.TransferJob(
    `${name}-backup-replication`,
    {
      project: cloud.project,
      description: `Replication of PostgresCluster ${name}'s backups to ${drRegion}`,
      replicationSpec: {
        gcsDataSource: { bucketName: source.name },
        gcsDataSink: { bucketName: bucket.name },
        transferOptions: { deleteObjectsUniqueInSink: false, overwriteWhen: "DIFFERENT" },
      },
    },
    { ...opts, dependsOn: [api, ...grants] },
  );
  return [api, bucket, ...grants, job];
}
