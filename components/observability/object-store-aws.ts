/**
 * Loki's and Tempo's buckets on EKS: an S3 bucket per component and an IAM role that only the
 * component's ServiceAccount can assume (IRSA), allowed on that bucket alone. Loaded only on AWS.
 *
 * @see https://grafana.com/docs/loki/latest/setup/install/helm/deployment-guides/aws/
 * @see https://grafana.com/docs/tempo/latest/configuration/hosted-storage/s3/
 * @see https://docs.aws.amazon.com/eks/latest/userguide/iam-roles-for-service-accounts.html
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AwsCloud } from "../contract/platform";
import { irsaAssumeRolePolicy, type IamPolicyDocument } from "../platform/identity/aws";
import { privateS3Bucket } from "../shared/s3-bucket";
import { storageServiceAccounts, type ObjectStore, type ObjectStoreRequest } from "./object-store-values";

/** The ServiceAccount annotation that binds a pod to an IAM role. @see https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html */
const IRSA_ANNOTATION = "eks.amazonaws.com/role-arn";

/**
 * The object actions each component needs, from its own docs: Loki lists, reads, writes and
 * deletes chunks and index files; Tempo also reads and writes object tags.
 *
 * @see https://grafana.com/docs/loki/latest/setup/install/helm/deployment-guides/aws/#create-the-loki-aws-iam-role
 * @see https://grafana.com/docs/tempo/latest/configuration/hosted-storage/s3/#permissions
 */
export const OBJECT_ACTIONS = {
  loki: ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"],
  tempo: ["s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:GetObjectTagging", "s3:PutObjectTagging"],
} as const satisfies Record<ObjectStoreRequest["component"], readonly string[]>;

/**
 * The IAM policy of a component's role: list its bucket, and the {@link OBJECT_ACTIONS} on the
 * bucket's objects; nothing on any other bucket, no bucket configuration.
 *
 * @param component - `loki` or `tempo`.
 * @param bucketArn - the bucket's ARN.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html
 */
export function storageBucketPolicy(component: ObjectStoreRequest["component"], bucketArn: string): IamPolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "Bucket", Effect: "Allow", Action: ["s3:ListBucket"], Resource: bucketArn },
      { Sid: "Objects", Effect: "Allow", Action: [...OBJECT_ACTIONS[component]], Resource: `${bucketArn}/*` },
    ],
  };
}

/**
 * Creates a component's S3 bucket and IRSA role.
 *
 * The bucket is encrypted with KMS (`aws:kms`, bucket key on), blocks every public access, refuses
 * plain HTTP, keeps no versions (Loki and Tempo rewrite and delete their own objects; old versions
 * would only cost), expires objects {@link ObjectStoreRequest.expirationDays} after they are
 * written and aborts multipart uploads left after a day.
 */
export function awsObjectStore(name: string, request: ObjectStoreRequest, cloud: AwsCloud, parent: pulumi.Resource): ObjectStore {
  const { component } = request;
  const opts = { parent, provider: cloud.provider };
  const id = `${name}-${component}-bucket`;
  const { bucket, settings } = privateS3Bucket(id, request.protect, opts);
  const lifecycle = new aws.s3.BucketLifecycleConfiguration(
    `${id}-lifecycle`,
    {
      bucket: bucket.bucket,
      rules: [{ id: "expire-after-retention", status: "Enabled", filter: {}, expiration: { days: request.expirationDays }, abortIncompleteMultipartUpload: { daysAfterInitiation: 1 } }],
    },
    { ...opts, dependsOn: [bucket] },
  );
  const serviceAccount = storageServiceAccounts[component];
  const role = new aws.iam.Role(
    `${name}-${component}-storage`,
    {
      description: `${component === "loki" ? "Loki" : "Tempo"} of the observability stack: its own S3 bucket (IRSA)`,
      assumeRolePolicy: pulumi.all([cloud.oidcProviderArn, cloud.oidcIssuerUrl]).apply(([arn, issuer]) => irsaAssumeRolePolicy(arn, issuer, request.namespace, serviceAccount)),
    },
    opts,
  );
  const policy = new aws.iam.RolePolicy(`${name}-${component}-storage`, { role: role.name, policy: bucket.arn.apply((arn) => JSON.stringify(storageBucketPolicy(component, arn))) }, opts);
  return {
    kind: "s3",
    bucket: bucket.bucket,
    region: cloud.region,
    serviceAccountAnnotations: { [IRSA_ANNOTATION]: role.arn },
    dependencies: [bucket, ...settings, lifecycle, role, policy],
  };
}
