import type * as awsSdk from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { validateResourceOfType, type ReportViolation, type ResourceValidation, type ResourceValidationPolicy } from "@pulumi/policy";
import { aws, gcp } from "./resource-types";
import { isGlobalSecondaryGroup } from "./secondaries";

/** Parameter-group families of PostgreSQL engines, where `rds.force_ssl` exists. */
const POSTGRES_FAMILY = /^(?:postgres|aurora-postgresql)\d/;

/** The Cloud SQL `sslMode` values that refuse unencrypted connections. */
const CLOUD_SQL_TLS_MODES = ["ENCRYPTED_ONLY", "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"];

type Parameter = pulumi.Unwrap<awsSdk.types.input.rds.ParameterGroupParameter>;

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

const CNPG_CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster";

/** The `pg_hba` lines that reject non-TLS connections: one for every address, or one per address family. */
const HBA_REJECT_ALL = ["hostnossl all all all reject"];
const HBA_REJECT_PER_FAMILY = ["hostnossl all all 0.0.0.0/0 reject", "hostnossl all all ::/0 reject"];

/**
 * Where a CloudNativePG `spec.postgresql.pg_hba` starts rejecting non-TLS connections: the index
 * of the line that completes {@link HBA_REJECT_ALL} or {@link HBA_REJECT_PER_FAMILY}, with
 * whitespace and comments ignored, or `undefined` when it never does.
 *
 * @see https://www.postgresql.org/docs/current/auth-pg-hba-conf.html
 */
export function hbaRejectsNonTlsAt(lines: readonly string[]): number | undefined {
  const normalized = lines.map((line) => line.replace(/#.*/, "").trim().split(/\s+/).join(" "));
  const at = (wanted: string[]) => {
    const indexes = wanted.map((w) => normalized.indexOf(w));
    return indexes.includes(-1) ? undefined : Math.max(...indexes);
  };
  const candidates = [at(HBA_REJECT_ALL), at(HBA_REJECT_PER_FAMILY)].filter((i): i is number => i !== undefined);
  return candidates.length > 0 ? Math.min(...candidates) : undefined;
}

/** CloudNativePG clusters: `pg_hba` rejects non-TLS connections before any `host` line accepts them. */
const validateCnpgHba: ResourceValidation = (args, reportViolation) => {
  if (args.type !== CNPG_CLUSTER) return;
  const label = `CloudNativePG Cluster "${args.props.metadata?.namespace ?? "default"}/${args.props.metadata?.name ?? args.name}"`;
  const lines = (args.props.spec?.postgresql?.pg_hba ?? []) as string[];
  const rejectAt = hbaRejectsNonTlsAt(lines);
  if (rejectAt === undefined) {
    reportViolation(`${label} does not reject non-TLS connections: add "${HBA_REJECT_ALL[0]}" to spec.postgresql.pg_hba.`);
    return;
  }
  const hostAt = lines.findIndex((line) => /^\s*host\s/.test(line));
  if (hostAt !== -1 && hostAt < rejectAt) {
    reportViolation(`${label} has the "host" line "${lines[hostAt].trim()}" before its hostnossl reject line in spec.postgresql.pg_hba, so that line accepts non-TLS connections first.`);
  }
};

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
 * - CloudNativePG Cluster (`postgresql.cnpg.io/v1`): `spec.postgresql.pg_hba` has
 *   `hostnossl all all all reject` (or the pair for `0.0.0.0/0` and `::/0`; extra whitespace and
 *   comments ignored) before any `host` line, since PostgreSQL uses the first line that matches and
 *   CloudNativePG's own catch-all `host` line, which accepts both, comes after the user's lines.
 *
 * Amazon MQ brokers are not checked: their endpoints accept TLS only. The in-cluster Valkey server
 * is checked by `redis-tls`.
 *
 * @severity high
 *
 * @see https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/in-transit-encryption.html
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/PostgreSQL.Concepts.General.SSL.html#PostgreSQL.Concepts.General.SSL.Requiring
 * @see https://cloud.google.com/sql/docs/postgres/configure-ssl-instance#enforce-ssl
 * @see https://cloud.google.com/memorystore/docs/redis/about-in-transit-encryption
 * @see https://cloudnative-pg.io/documentation/current/postgresql_conf/
 * @see https://www.postgresql.org/docs/current/auth-pg-hba-conf.html
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
      if (isGlobalSecondaryGroup(group)) return;
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
    validateCnpgHba,
  ],
};
