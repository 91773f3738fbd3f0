/**
 * The DR region's copy of an in-cluster PostgresCluster's Barman archive on EKS: a bucket in
 * `recovery.drRegion` and S3 Cross-Region Replication from the backup bucket, with Replication
 * Time Control (99.99% of objects within 15 minutes, by AWS's SLA), so a replica cluster or a
 * recovery in the DR region can restore from it after a region loss.
 *
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication.html
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-time-control.html
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-config-for-kms-objects.html
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AwsCloud } from "../contract/platform";
import { statefulResourceOptions } from "../shared/options";
import type { ResolvedPostgres } from "./spec";

/** The replication time S3 Replication Time Control commits to, in minutes. @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-time-control.html */
export const S3_RTC_MINUTES = 15;

/**
 * The replication role's policy: read the source bucket's versions, replicate into the DR bucket,
 * decrypt the source objects (SSE-KMS with the AWS managed key) through S3 in the source region
 * and encrypt the replicas with the DR region's key through S3 in the DR region.
 *
 * Both buckets use S3 Bucket Keys, so the KMS encryption context S3 sends is the bucket's ARN,
 * not the object's: the conditions match the bucket ARN (and the object form, for objects written
 * before Bucket Keys were on). The destination key needs `kms:GenerateDataKey` as well as
 * `kms:Encrypt`, or every replication ends FAILED.
 *
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/setting-repl-config-perm-overview.html
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-config-for-kms-objects.html
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html#bucket-key-changes
 */
export function replicationPolicy(sourceArn: string, destinationArn: string, sourceRegion: string, destinationKeyArn: string, destinationRegion: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"], Resource: sourceArn },
      { Effect: "Allow", Action: ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"], Resource: `${sourceArn}/*` },
      { Effect: "Allow", Action: ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"], Resource: `${destinationArn}/*` },
      {
        Effect: "Allow",
        Action: ["kms:Decrypt"],
        Resource: "*",
        Condition: { StringLike: { "kms:ViaService": `s3.${sourceRegion}.amazonaws.com`, "kms:EncryptionContext:aws:s3:arn": [sourceArn, `${sourceArn}/*`] } },
      },
      {
        Effect: "Allow",
        Action: ["kms:Encrypt", "kms:GenerateDataKey"],
        Resource: destinationKeyArn,
        Condition: { StringLike: { "kms:ViaService": `s3.${destinationRegion}.amazonaws.com`, "kms:EncryptionContext:aws:s3:arn": [destinationArn, `${destinationArn}/*`] } },
      },
    ],
  });
}

/**
 * Creates the DR bucket (versioned, encrypted with a key of the DR region, public access blocked,
 * noncurrent versions expired like the source's) and the replication of `source` into it.
 *
 * @param source - the backup bucket (versioned), and the resource its versioning is.
 */
export function awsBackupReplica(name: string, spec: ResolvedPostgres, cloud: AwsCloud, source: { bucket: aws.s3.Bucket; versioning: pulumi.Resource }, parent: pulumi.Resource): pulumi.Resource[] {
  const drRegion = spec.recovery.drRegion!;
  const opts = { parent, provider: cloud.provider };
  const key = new aws.kms.Key(`${name}-backup-dr-key`, { region: drRegion, description: `Replicated backups of PostgresCluster ${name} in ${drRegion}`, enableKeyRotation: true, deletionWindowInDays: 30 }, opts);
  const bucket = new aws.s3.Bucket(`${name}-backup-bucket-dr`, { region: drRegion, forceDestroy: false }, { ...opts, ...statefulResourceOptions(spec.protect) });
  const child = { ...opts, dependsOn: [bucket] };
  const versioning = new aws.s3.BucketVersioning(`${name}-backup-bucket-dr-versioning`, { region: drRegion, bucket: bucket.bucket, versioningConfiguration: { status: "Enabled" } }, child);
  const created: pulumi.Resource[] = [
    key,
    bucket,
    versioning,
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-backup-bucket-dr-encryption`,
      { region: drRegion, bucket: bucket.bucket, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn }, bucketKeyEnabled: true }] },
      child,
    ),
    new aws.s3.BucketPublicAccessBlock(`${name}-backup-bucket-dr-public-access`, { region: drRegion, bucket: bucket.bucket, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true }, child),
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-backup-bucket-dr-lifecycle`,
      { region: drRegion, bucket: bucket.bucket, rules: [{ id: "expire-noncurrent-versions", status: "Enabled", filter: {}, noncurrentVersionExpiration: { noncurrentDays: spec.backup.retentionDays + 7 } }] },
      { ...opts, dependsOn: [bucket, versioning] },
    ),
  ];
  const role = new aws.iam.Role(
    `${name}-backup-replication`,
    {
      description: `S3 replication of PostgresCluster ${name}'s backups to ${drRegion}`,
      assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "s3.amazonaws.com" }, Action: "sts:AssumeRole" }] }),
    },
    opts,
  );
  const policy = new aws.iam.RolePolicy(
    `${name}-backup-replication`,
    { role: role.name, policy: pulumi.all([source.bucket.arn, bucket.arn, key.arn]).apply(([src, dst, keyArn]) => replicationPolicy(src, dst, cloud.region, keyArn, drRegion)) },
    opts,
  );
  const replication = new aws.s3.BucketReplicationConfig(
    `${name}-backup-replication`,
    {
      bucket: source.bucket.bucket,
      role: role.arn,
      rules: [
        {
          id: "dr-region",
          status: "Enabled",
          // The V2 rule form (a filter, a priority): Replication Time Control and delete-marker
          // replication need it; an empty prefix selects every object.
          priority: 1,
          filter: { prefix: "" },
          deleteMarkerReplication: { status: "Enabled" },
          sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
          destination: {
            bucket: bucket.arn,
            storageClass: "STANDARD",
            encryptionConfiguration: { replicaKmsKeyId: key.arn },
            replicationTime: { status: "Enabled", time: { minutes: S3_RTC_MINUTES } },
            metrics: { status: "Enabled", eventThreshold: { minutes: S3_RTC_MINUTES } },
          },
        },
      ],
    },
    { ...opts, dependsOn: [source.versioning, versioning, policy] },
  );
  return [...created, role, policy, replication];
}
