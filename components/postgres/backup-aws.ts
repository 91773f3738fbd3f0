/**
 * Backups of an in-cluster PostgresCluster on EKS: an S3 bucket (unless one is named) and an IAM
 * role for the Cluster's ServiceAccount (IRSA). Loaded only on AWS, so other targets never load
 * `@pulumi/aws`.
 *
 * @see https://cloudnative-pg.io/plugin-barman-cloud/docs/object_stores/#aws-s3
 * @see https://docs.aws.amazon.com/eks/latest/userguide/iam-roles-for-service-accounts.html
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { irsaAssumeRolePolicy } from "../platform/identity/aws";
import type { AwsCloud } from "../contract/platform";
import { privateS3Bucket } from "../shared/s3-bucket";
import { awsBackupReplica } from "./backup-aws-dr";
import type { BackupStore } from "./types";
import type { ResolvedPostgres } from "./spec";

/** The ServiceAccount annotation that binds a pod to an IAM role. @see https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html */
export const IRSA_ANNOTATION = "eks.amazonaws.com/role-arn";

/**
 * The IAM policy of the backup role: list and locate the bucket, and read, write and delete
 * objects under the cluster's folder only.
 *
 * @param bucketArn - the bucket's ARN.
 * @param folder - the folder in the bucket (the cluster's name).
 * @returns the policy document as JSON.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html
 */
export function backupBucketPolicy(bucketArn: string, folder: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Sid: "Bucket", Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: bucketArn },
      { Sid: "Objects", Effect: "Allow", Action: ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"], Resource: `${bucketArn}/${folder}/*` },
    ],
  });
}

/**
 * Creates the S3 bucket (unless `backup.bucket.name` names one) and the IRSA role of the Cluster's
 * ServiceAccount, which CloudNativePG names after the Cluster.
 *
 * The bucket is encrypted with KMS (`aws:kms`, bucket key on), blocks every public access, refuses
 * plain HTTP, keeps versions, and expires noncurrent versions `retentionDays + 7` days after they
 * are replaced (Barman's retention policy deletes the current ones). With `recovery.drRegion` it
 * is replicated to a bucket in that region (`backup-aws-dr.ts`).
 *
 * @see https://cloudnative-pg.io/documentation/current/cloudnative-pg.v1/#postgresql-cnpg-io-v1-ClusterSpec (serviceAccountName)
 */
export function awsBackupStore(name: string, spec: ResolvedPostgres, cloud: AwsCloud, parent: pulumi.Resource): BackupStore {
  const opts = { parent, provider: cloud.provider };
  const created: pulumi.Resource[] = [];
  let bucketName: pulumi.Input<string>;
  if (spec.backup.bucket.name) {
    bucketName = spec.backup.bucket.name;
  } else {
    const { bucket, settings } = privateS3Bucket(`${name}-backup-bucket`, spec.protect, opts);
    const child = { ...opts, dependsOn: [bucket] };
    const versioning = new aws.s3.BucketVersioning(`${name}-backup-bucket-versioning`, { bucket: bucket.bucket, versioningConfiguration: { status: "Enabled" } }, child);
    const lifecycle = new aws.s3.BucketLifecycleConfiguration(
      `${name}-backup-bucket-lifecycle`,
      {
        bucket: bucket.bucket,
        rules: [
          {
            id: "expire-noncurrent-versions",
            status: "Enabled",
            filter: {},
            noncurrentVersionExpiration: { noncurrentDays: spec.backup.retentionDays + 7 },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
          },
        ],
      },
      { ...opts, dependsOn: [bucket, versioning] },
    );
    bucketName = bucket.bucket;
    created.push(bucket, ...settings, versioning, lifecycle);
    // With a DR region, the archive is replicated there (backup-aws-dr.ts).
    if (spec.recovery.drRegion) created.push(...awsBackupReplica(name, spec, cloud, { bucket, versioning }, parent));
  }

  const partition = aws.getPartitionOutput({}, { parent, provider: cloud.provider }).partition;
  const bucketArn = pulumi.interpolate`arn:${partition}:s3:::${bucketName}`;
  const role = new aws.iam.Role(
    `${name}-backup`,
    {
      description: `Backups of PostgresCluster ${name} (IRSA for its CloudNativePG ServiceAccount)`,
      assumeRolePolicy: pulumi
        .all([cloud.oidcProviderArn, cloud.oidcIssuerUrl, spec.namespace])
        .apply(([arn, issuer, namespace]) => irsaAssumeRolePolicy(arn, issuer, namespace, name)),
    },
    opts,
  );
  const policy = new aws.iam.RolePolicy(`${name}-backup`, { role: role.name, policy: bucketArn.apply((arn) => backupBucketPolicy(arn, name)) }, opts);
  return { bucket: bucketName, serviceAccountAnnotations: { [IRSA_ANNOTATION]: role.arn }, dependencies: [...created, role, policy] };
}
