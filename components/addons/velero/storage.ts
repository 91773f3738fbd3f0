/**
 * Velero's bucket and cloud identity, created where the platform has a cloud:
 *
 * - EKS: an S3 bucket (versioned, KMS-encrypted, public access blocked, TLS only) and an IAM role
 *   for the server's ServiceAccount (IRSA) with the plugin's documented S3 permissions;
 * - GKE: a GCS bucket (uniform access, public access prevented, versioned) in the cluster's region
 *   and a Google service account with `roles/storage.objectAdmin` on it, impersonated through
 *   Workload Identity.
 *
 * Loaded only on the cloud that needs it, so k3s never loads `@pulumi/aws` or `@pulumi/gcp`.
 *
 * @see https://github.com/vmware-tanzu/velero-plugin-for-aws#set-permissions-for-velero
 * @see https://github.com/vmware-tanzu/velero-plugin-for-gcp#option-2-set-permissions-with-using-workload-identity-optional
 */
import * as pulumi from "@pulumi/pulumi";
import type { AwsCloud, GcpCloud } from "../../contract/platform";

/** What the cloud module returns: the bucket, the ServiceAccount's annotations, the BSL's config. */
export interface VeleroStore {
  readonly bucket: pulumi.Input<string>;
  readonly serviceAccountAnnotations: Readonly<Record<string, pulumi.Input<string>>>;
  readonly config: Readonly<Record<string, pulumi.Input<string>>>;
  readonly dependencies: pulumi.Resource[];
}

/** The IAM policy of Velero's role: the AWS plugin's object permissions on the bucket. */
export function veleroBucketPolicy(bucketArn: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:DeleteObject", "s3:PutObject", "s3:PutObjectTagging", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
        Resource: `${bucketArn}/*`,
      },
      { Effect: "Allow", Action: ["s3:ListBucket"], Resource: bucketArn },
    ],
  });
}

/* eslint-disable @typescript-eslint/no-require-imports */
/** The S3 bucket and IRSA role of Velero's server ServiceAccount `namespace/serviceAccount`. */
export function awsVeleroStore(name: string, cloud: AwsCloud, namespace: string, serviceAccount: string, protect: boolean, parent: pulumi.Resource): VeleroStore {
  const aws = require("@pulumi/aws") as typeof import("@pulumi/aws");
  const { irsaAssumeRolePolicy } = require("../../platform/identity/aws") as typeof import("../../platform/identity/aws");
  const opts = { parent, provider: cloud.provider };
  const bucket = new aws.s3.Bucket(`${name}-bucket`, { forceDestroy: false }, { ...opts, protect, retainOnDelete: protect });
  const child = { ...opts, dependsOn: [bucket] };
  const created: pulumi.Resource[] = [
    bucket,
    new aws.s3.BucketServerSideEncryptionConfiguration(`${name}-bucket-encryption`, { bucket: bucket.bucket, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true }] }, child),
    new aws.s3.BucketPublicAccessBlock(`${name}-bucket-public-access`, { bucket: bucket.bucket, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true }, child),
    new aws.s3.BucketVersioning(`${name}-bucket-versioning`, { bucket: bucket.bucket, versioningConfiguration: { status: "Enabled" } }, child),
  ];
  created.push(
    new aws.s3.BucketPolicy(
      `${name}-bucket-tls-only`,
      {
        bucket: bucket.bucket,
        policy: bucket.arn.apply((arn) =>
          JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [arn, `${arn}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } }] }),
        ),
      },
      { ...opts, dependsOn: created.slice() },
    ),
  );
  const role = new aws.iam.Role(
    `${name}-server`,
    {
      description: "Velero's server (IRSA): backups to its bucket",
      assumeRolePolicy: pulumi.all([cloud.oidcProviderArn, cloud.oidcIssuerUrl]).apply(([arn, issuer]) => irsaAssumeRolePolicy(arn, issuer, namespace, serviceAccount)),
    },
    opts,
  );
  const policy = new aws.iam.RolePolicy(`${name}-server`, { role: role.name, policy: bucket.arn.apply(veleroBucketPolicy) }, opts);
  return { bucket: bucket.bucket, serviceAccountAnnotations: { "eks.amazonaws.com/role-arn": role.arn }, config: { region: cloud.region }, dependencies: [...created, role, policy] };
}

/** The GCS bucket and the Google service account Velero's server ServiceAccount impersonates. */
export function gcpVeleroStore(name: string, cloud: GcpCloud, namespace: string, serviceAccount: string, protect: boolean, parent: pulumi.Resource): VeleroStore {
  const gcp = require("@pulumi/gcp") as typeof import("@pulumi/gcp");
  const { WORKLOAD_IDENTITY_ANNOTATION, workloadIdentityMember } = require("../../platform/identity/gcp") as typeof import("../../platform/identity/gcp");
  const opts = { parent, provider: cloud.provider };
  const bucket = new gcp.storage.Bucket(
    `${name}-bucket`,
    { location: cloud.region, uniformBucketLevelAccess: true, publicAccessPrevention: "enforced", versioning: { enabled: true }, forceDestroy: false },
    { ...opts, protect, retainOnDelete: protect },
  );
  const account = new gcp.serviceaccount.Account(`${name}-server`, { accountId: `${name.slice(0, 20)}-velero`.replace(/-+/g, "-"), displayName: "Velero's server: backups to its bucket" }, opts);
  const grant = new gcp.storage.BucketIAMMember(`${name}-server-object-admin`, { bucket: bucket.name, role: "roles/storage.objectAdmin", member: pulumi.interpolate`serviceAccount:${account.email}` }, opts);
  const identity = new gcp.serviceaccount.IAMMember(
    `${name}-server-workload-identity`,
    { serviceAccountId: account.name, role: "roles/iam.workloadIdentityUser", member: workloadIdentityMember(cloud.workloadPool, namespace, serviceAccount) },
    opts,
  );
  // Velero signs download URLs (`velero backup logs`, `velero backup download`) as this account.
  const signer = new gcp.serviceaccount.IAMMember(`${name}-server-token-creator`, { serviceAccountId: account.name, role: "roles/iam.serviceAccountTokenCreator", member: pulumi.interpolate`serviceAccount:${account.email}` }, opts);
  return { bucket: bucket.name, serviceAccountAnnotations: { [WORKLOAD_IDENTITY_ANNOTATION]: account.email }, config: { serviceAccount: account.email }, dependencies: [bucket, account, grant, identity, signer] };
}
/* eslint-enable @typescript-eslint/no-require-imports */
