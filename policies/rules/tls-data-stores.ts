import * as aws from "@pulumi/aws";
import * as gcp from "@pulumi/gcp";
import type * as pulumi from "@pulumi/pulumi";
import { validateResourceOfType, type ReportViolation, type ResourceValidationPolicy } from "@pulumi/policy";

/** Parameter-group families of PostgreSQL engines, where `rds.force_ssl` exists. */
const POSTGRES_FAMILY = /^(?:postgres|aurora-postgresql)\d/;

/** The Cloud SQL `sslMode` values that refuse unencrypted connections. */
const CLOUD_SQL_TLS_MODES = ["ENCRYPTED_ONLY", "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"];

type Parameter = pulumi.Unwrap<aws.types.input.rds.ParameterGroupParameter>;

function checkForceSsl(
  label: string,
  group: { family: string; parameters?: Parameter[] },
  reportViolation: ReportViolation,
): void {
  if (!POSTGRES_FAMILY.test(group.family)) return;
  const forceSsl = (group.parameters ?? []).find((p) => p.name === "rds.force_ssl");
  if (!forceSsl) {
    reportViolation(`${label} (family ${group.family}) does not set rds.force_ssl to "1".`);
  } else if (String(forceSsl.value) !== "1") {
    reportViolation(`${label} (family ${group.family}) sets rds.force_ssl to "${forceSsl.value}"; set it to "1".`);
  }
}

/**
 * Connections to databases and caches are encrypted in transit.
 *
 * - AWS ElastiCache replication group: `transitEncryptionEnabled: true`, and
 *   `transitEncryptionMode` not `preferred` (which still accepts plaintext).
 * - AWS RDS parameter group and cluster parameter group of a `postgres*` or
 *   `aurora-postgresql*` family: the parameter `rds.force_ssl` is `"1"`. It is required explicitly,
 *   whatever the family's default, so the intent shows in the program.
 * - Google Cloud SQL instance: `settings.ipConfiguration.sslMode` is `ENCRYPTED_ONLY` or
 *   `TRUSTED_CLIENT_CERTIFICATE_REQUIRED`.
 * - Google Memorystore for Redis instance: `transitEncryptionMode: "SERVER_AUTHENTICATION"`.
 *
 * Amazon MQ brokers are not checked: their endpoints accept TLS only.
 *
 * @severity high
 *
 * @see https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/in-transit-encryption.html
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/PostgreSQL.Concepts.General.SSL.html#PostgreSQL.Concepts.General.SSL.Requiring
 * @see https://cloud.google.com/sql/docs/postgres/configure-ssl-instance#enforce-ssl
 * @see https://cloud.google.com/memorystore/docs/redis/about-in-transit-encryption
 * @see https://github.com/pulumi/compliance-policies/tree/main/vendor-aws
 */
export const tlsDataStores: ResourceValidationPolicy = {
  name: "tls-data-stores",
  description: "Databases and caches accept only TLS connections.",
  severity: "high",
  enforcementLevel: "mandatory",
  validateResource: [
    validateResourceOfType(aws.elasticache.ReplicationGroup, (group, args, reportViolation) => {
      const label = `ElastiCache replication group "${args.name}"`;
      if (group.transitEncryptionEnabled !== true) {
        reportViolation(`${label} does not set transitEncryptionEnabled: true.`);
      } else if (group.transitEncryptionMode === "preferred") {
        reportViolation(`${label} sets transitEncryptionMode "preferred", which still accepts plaintext connections; use "required".`);
      }
    }),
    validateResourceOfType(aws.rds.ParameterGroup, (group, args, reportViolation) =>
      checkForceSsl(`RDS parameter group "${args.name}"`, group, reportViolation),
    ),
    validateResourceOfType(aws.rds.ClusterParameterGroup, (group, args, reportViolation) =>
      checkForceSsl(`RDS cluster parameter group "${args.name}"`, group, reportViolation),
    ),
    validateResourceOfType(gcp.sql.DatabaseInstance, (instance, args, reportViolation) => {
      const label = `Cloud SQL instance "${args.name}"`;
      const sslMode = instance.settings?.ipConfiguration?.sslMode;
      if (sslMode === undefined) {
        reportViolation(`${label} does not set settings.ipConfiguration.sslMode; set "ENCRYPTED_ONLY" or "TRUSTED_CLIENT_CERTIFICATE_REQUIRED".`);
      } else if (!CLOUD_SQL_TLS_MODES.includes(sslMode)) {
        reportViolation(`${label} has settings.ipConfiguration.sslMode "${sslMode}", which accepts unencrypted connections; set "ENCRYPTED_ONLY" or "TRUSTED_CLIENT_CERTIFICATE_REQUIRED".`);
      }
    }),
    validateResourceOfType(gcp.redis.Instance, (instance, args, reportViolation) => {
      if (instance.transitEncryptionMode !== "SERVER_AUTHENTICATION") {
        const current = instance.transitEncryptionMode === undefined ? "is unset (DISABLED)" : `is "${instance.transitEncryptionMode}"`;
        reportViolation(`Memorystore instance "${args.name}" transitEncryptionMode ${current}; set "SERVER_AUTHENTICATION".`);
      }
    }),
  ],
};
