/**
 * The DR region's copy of an in-cluster PostgresCluster's Barman archive on GKE: a GCS bucket in
 * `recovery.drRegion` and a Storage Transfer Service replication job (event-driven, continuous)
 * from the backup bucket into it, so a recovery in the DR region can restore from it after a
 * region loss. Google publishes no replication-time objective for it; the DR report says so.
 *
 * Objects already in the backup bucket when the job is created are not replicated (only new and
 * updated ones are): the component README's runbook says how to copy them once.
 *
 * @see https://cloud.google.com/storage-transfer/docs/cross-bucket-replication
 * @see https://cloud.google.com/storage/docs/using-cross-bucket-replication
 * @see https://cloud.google.com/storage-transfer/docs/sink-cloud-storage#grant_the_required_permissions
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { GcpCloud } from "../contract/platform";
import { statefulResourceOptions } from "../shared/options";
import type { ResolvedPostgres } from "./spec";

/**
 * The bucket roles Storage Transfer Service's agent needs for cross-bucket replication: on the
 * source, Storage Legacy Bucket Owner (it configures the bucket's Pub/Sub notification, as the
 * console grants it) and Object Viewer; on the DR bucket, Legacy Bucket Writer and Object Viewer
 * (`overwriteWhen: DIFFERENT` reads the sink's objects).
 * @see https://cloud.google.com/storage/docs/using-cross-bucket-replication
 * @see https://cloud.google.com/storage-transfer/docs/sink-cloud-storage#grant_the_required_permissions
 */
export const TRANSFER_ROLES = {
  source: ["roles/storage.legacyBucketOwner", "roles/storage.objectViewer"],
  sink: ["roles/storage.legacyBucketWriter", "roles/storage.objectViewer"],
} as const;

/**
 * The project roles of the two service agents event-driven replication relies on: Cloud Storage's
 * agent publishes the source bucket's change notifications to Pub/Sub; Storage Transfer Service's
 * agent creates the topic and subscription and consumes them (the roles `gcloud transfer authorize`
 * grants).
 * @see https://cloud.google.com/storage-transfer/docs/event-driven-transfers
 * @see https://cloud.google.com/storage-transfer/docs/iam-cloud#gcloud
 */
export const AGENT_PROJECT_ROLES = { storage: "roles/pubsub.publisher", transfer: "roles/pubsub.editor" } as const;

/** The APIs replication calls: Storage Transfer Service and Pub/Sub, which carries its events. */
export const REPLICATION_SERVICES = { storagetransfer: "storagetransfer.googleapis.com", pubsub: "pubsub.googleapis.com" } as const;

/**
 * The settings of a backup archive bucket, in the primary region and in the DR region alike:
 * uniform access, public access prevented, versioned, noncurrent versions deleted
 * `retentionDays + 7` days after they are replaced (Barman's retention deletes the current ones).
 *
 * @param location - the bucket's region.
 * @param retentionDays - the backups' retention in days.
 * @see https://cloud.google.com/storage/docs/lifecycle#dayssincenoncurrenttime
 */
export function archiveBucketArgs(location: string, retentionDays: number): gcp.storage.BucketArgs {
  return {
    location,
    uniformBucketLevelAccess: true,
    publicAccessPrevention: "enforced",
    versioning: { enabled: true },
    forceDestroy: false,
    lifecycleRules: [{ action: { type: "Delete" }, condition: { daysSinceNoncurrentTime: retentionDays + 7 } }],
  };
}

/**
 * Creates the DR bucket (same settings as the backup bucket, in the DR region) and the replication
 * job, after the Storage Transfer and Pub/Sub APIs and the service agents' grants.
 */
export function gcpBackupReplica(name: string, spec: ResolvedPostgres, cloud: GcpCloud, source: gcp.storage.Bucket, parent: pulumi.Resource): pulumi.Resource[] {
  const drRegion = spec.recovery.drRegion!;
  const opts = { parent, provider: cloud.provider };
  const apis = Object.entries(REPLICATION_SERVICES).map(
    ([role, service]) => new gcp.projects.Service(`${name}-api-${role}`, { project: cloud.project, service, disableOnDestroy: false }, opts),
  );
  const bucket = new gcp.storage.Bucket(`${name}-backup-bucket-dr`, archiveBucketArgs(drRegion, spec.backup.retentionDays), { ...opts, ...statefulResourceOptions(spec.protect) });
  const invoke = { parent, provider: cloud.provider };
  const transferAgent = pulumi.interpolate`serviceAccount:${gcp.storage.getTransferProjectServiceAccountOutput({ project: cloud.project }, invoke).email}`;
  const storageAgent = pulumi.interpolate`serviceAccount:${gcp.storage.getProjectServiceAccountOutput({ project: cloud.project }, invoke).emailAddress}`;
  const after = { ...opts, dependsOn: apis };
  const grants = [
    ...TRANSFER_ROLES.source.map((role) => new gcp.storage.BucketIAMMember(`${name}-transfer-source-${role.split(".").pop()}`, { bucket: source.name, role, member: transferAgent }, after)),
    ...TRANSFER_ROLES.sink.map((role) => new gcp.storage.BucketIAMMember(`${name}-transfer-sink-${role.split(".").pop()}`, { bucket: bucket.name, role, member: transferAgent }, after)),
    new gcp.projects.IAMMember(`${name}-transfer-pubsub`, { project: cloud.project, role: AGENT_PROJECT_ROLES.transfer, member: transferAgent }, after),
    new gcp.projects.IAMMember(`${name}-storage-pubsub`, { project: cloud.project, role: AGENT_PROJECT_ROLES.storage, member: storageAgent }, after),
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
    { ...opts, dependsOn: [...apis, ...grants] },
  );
  return [...apis, bucket, ...grants, job];
}
