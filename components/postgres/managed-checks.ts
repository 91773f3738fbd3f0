/**
 * The checks of the managed backends' settings (RDS/Aurora on EKS, Cloud SQL on GKE): read
 * replicas, the Cloud SQL edition against its tier, and the point-in-time-recovery window the
 * chosen edition can keep.
 *
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReadRepl.html
 * @see https://cloud.google.com/sql/docs/postgres/backup-recovery/pitr#log-retention
 */
import type { PlatformFacts } from "../contract/platform";
import type { ArgProblem } from "../contract/problems";
import { postgresDefaults, type ResolvedPostgres } from "./spec";

/** RDS allows up to 15 read replicas per source instance. @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReadRepl.html */
export const MAX_READ_REPLICAS = 15;

/** Enterprise Plus takes only the performance-optimized machine series. @see https://cloud.google.com/sql/docs/postgres/machine-series-overview */
const ENTERPRISE_PLUS_TIER = /^db-perf-optimized-N-\d+$/;

/**
 * Finds the problems of the managed settings on a target; none in-cluster or on Docker.
 *
 * - `managed.readReplicas`: a whole number from 0 to {@link MAX_READ_REPLICAS}; at least 1 in prod
 *   on RDS and Cloud SQL (so `readHost` is not the primary); refused above 0 on Aurora, whose
 *   readers are its `instances`, and on RDS without automated backups (`backup.enabled: false`),
 *   which RDS requires on the source of a read replica.
 * - Cloud SQL: `backup.retentionDays` within the edition's transaction-log retention (7 days on
 *   Enterprise, 35 on Enterprise Plus), and a tier of the edition's machine series.
 *
 * @returns the problems, each with its key path.
 */
export function managedPostgresProblems(spec: ResolvedPostgres, target: Pick<PlatformFacts, "flavour" | "environment">): ArgProblem[] {
  if (spec.mode !== "managed" || (target.flavour !== "eks" && target.flavour !== "gke")) return [];
  const problems: ArgProblem[] = [];
  const add = (path: (string | number)[], message: string) => problems.push({ path, message });
  const { readReplicas, edition, tier } = spec.managed;
  const aurora = target.flavour === "eks" && spec.managed.awsEngine === "aurora";
  if (!Number.isInteger(readReplicas) || readReplicas < 0 || readReplicas > MAX_READ_REPLICAS) {
    add(["managed", "readReplicas"], `must be a whole number from 0 to ${MAX_READ_REPLICAS} (got ${readReplicas})`);
  } else if (aurora && readReplicas > 0) {
    add(["managed", "readReplicas"], `must be 0 on Aurora, whose readers are its instances: set \`instances\` to ${readReplicas + 1} instead`);
  } else if (!aurora && target.environment === "prod" && readReplicas < 1) {
    add(["managed", "readReplicas"], "must be at least 1 in prod so reads (`readHost`) do not load the primary");
  } else if (target.flavour === "eks" && !aurora && readReplicas > 0 && !spec.backup.enabled) {
    add(["managed", "readReplicas"], `(${readReplicas}) needs automated backups on the source instance, which RDS requires for read replicas: set backup.enabled to true, or managed.readReplicas to 0`);
  }
  if (target.flavour === "gke") {
    const most = postgresDefaults.cloudSqlLogRetentionDays[edition];
    if (spec.backup.enabled && spec.backup.retentionDays > most) {
      add(
        ["backup", "retentionDays"],
        `(${spec.backup.retentionDays} days) is beyond what Cloud SQL ${edition} keeps for point-in-time recovery (${most} days of transaction logs): set managed.edition to ENTERPRISE_PLUS (35 days) or backup.retentionDays to at most ${most}`,
      );
    }
    if (edition === "ENTERPRISE_PLUS" && !ENTERPRISE_PLUS_TIER.test(tier)) {
      add(["managed", "tier"], `must be a db-perf-optimized-N-<vCPUs> tier on Enterprise Plus, such as "${postgresDefaults.managed.tier.enterprisePlus}" (got "${tier}")`);
    } else if (edition === "ENTERPRISE" && ENTERPRISE_PLUS_TIER.test(tier)) {
      add(["managed", "tier"], `"${tier}" is an Enterprise Plus tier; on Enterprise use a db-custom-<vCPUs>-<MiB> tier such as "${postgresDefaults.managed.tier.prod}"`);
    }
    if (edition === "ENTERPRISE" && spec.pooler.enabled && target.environment === "prod") {
      add(["pooler", "enabled"], "needs Cloud SQL Enterprise Plus (Managed Connection Pooling) in prod: set managed.edition to ENTERPRISE_PLUS");
    }
  }
  return problems;
}
