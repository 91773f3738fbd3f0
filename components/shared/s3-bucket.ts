/**
 * A private S3 bucket as the platform makes every one: encrypted with KMS, every public access
 * blocked, plain HTTP refused. Loaded only by AWS code, so other targets never load `@pulumi/aws`.
 *
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { statefulResourceOptions } from "./options";

/**
 * A bucket policy that refuses every request not made over TLS.
 *
 * @param bucketArn - the bucket's ARN.
 * @returns the policy document as JSON.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html#transit
 */
export function tlsOnlyBucketPolicy(bucketArn: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
  });
}

/** The bucket and the resources that configure it. */
export interface PrivateS3Bucket {
  readonly bucket: aws.s3.Bucket;
  /** Encryption, public access block and TLS-only policy, in that order. */
  readonly settings: readonly pulumi.Resource[];
}

/**
 * Creates `id` (a bucket, `forceDestroy: false`, protected and retained when `protect`), and
 * `<id>-encryption` (`aws:kms`, bucket key on), `<id>-public-access` (all four blocks on) and
 * `<id>-tls-only` (a bucket policy denying `aws:SecureTransport: false`).
 *
 * @param opts - the parent and the cloud's provider.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
 */
export function privateS3Bucket(id: string, protect: boolean, opts: { parent: pulumi.Resource; provider: pulumi.ProviderResource }): PrivateS3Bucket {
  const bucket = new aws.s3.Bucket(id, { forceDestroy: false }, { ...opts, ...statefulResourceOptions(protect) });
  const child = { ...opts, dependsOn: [bucket] };
  const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
    `${id}-encryption`,
    { bucket: bucket.bucket, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true }] },
    child,
  );
  const publicAccess = new aws.s3.BucketPublicAccessBlock(
    `${id}-public-access`,
    { bucket: bucket.bucket, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
    child,
  );
  const tlsOnly = new aws.s3.BucketPolicy(`${id}-tls-only`, { bucket: bucket.bucket, policy: bucket.arn.apply(tlsOnlyBucketPolicy) }, { ...opts, dependsOn: [bucket, publicAccess] });
  return { bucket, settings: [encryption, publicAccess, tlsOnly] };
}
