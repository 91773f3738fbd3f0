import { validateResourceOfType, type ResourceValidationPolicy } from "@pulumi/policy";
import { isSet } from "./known";
import { isGlobalSecondaryGroup } from "./secondaries";
import { aws } from "./resource-types";

/**
 * Managed databases and caches encrypt their storage, snapshots and backups.
 *
 * - AWS RDS instance: `storageEncrypted: true` and `kmsKeyId` set, so the data is encrypted with
 *   a customer-managed KMS key whose policy and rotation the platform controls, not the account's
 *   `aws/rds` key. A `kmsKeyId` not known until the key exists counts as set.
 * - AWS RDS (Aurora) cluster: `storageEncrypted: true`.
 * - AWS ElastiCache replication group: `atRestEncryptionEnabled: true`, required explicitly even
 *   for the `valkey` engine, whose default is true, so the intent shows in the program.
 *
 * Not checked, because they cannot be unencrypted: S3 buckets (SSE-S3 for every new object since
 * January 2023), Google Cloud SQL and Memorystore (Google encrypts all data at rest).
 *
 * @severity high
 *
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.html
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Overview.Encryption.html
 * @see https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/at-rest-encryption.html
 * @see https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Redis-Global-Datastore.html
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/default-encryption-faq.html
 * @see https://cloud.google.com/docs/security/encryption/default-encryption
 */
export const dataStoreEncryptionAtRest: ResourceValidationPolicy = {
  name: "data-store-encryption-at-rest",
  description: "Managed databases and caches encrypt their storage at rest, RDS instances with a customer-managed KMS key.",
  severity: "high",
  enforcementLevel: "mandatory",
  validateResource: [
    validateResourceOfType(aws.rds.Instance, (instance, args, reportViolation) => {
      const label = `RDS instance "${args.name}"`;
      if (instance.storageEncrypted !== true) {
        reportViolation(`${label} does not set storageEncrypted: true.`);
      } else if (!isSet(() => instance.kmsKeyId)) {
        reportViolation(`${label} encrypts its storage with the AWS-managed key; set kmsKeyId to a customer-managed KMS key.`);
      }
    }),
    validateResourceOfType(aws.rds.Cluster, (cluster, args, reportViolation) => {
      if (cluster.storageEncrypted !== true) reportViolation(`RDS cluster "${args.name}" does not set storageEncrypted: true.`);
    }),
    validateResourceOfType(aws.elasticache.ReplicationGroup, (group, args, reportViolation) => {
      if (isGlobalSecondaryGroup(group)) return;
      if (group.atRestEncryptionEnabled !== true) {
        reportViolation(`ElastiCache replication group "${args.name}" does not set atRestEncryptionEnabled: true.`);
      }
    }),
  ],
};
