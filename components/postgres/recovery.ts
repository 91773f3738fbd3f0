/**
 * The checks of a PostgresCluster's recovery settings (`recovery-args.ts`): the region backups are
 * copied to (disaster recovery) and the restore drill, a recovery database created from the
 * backups beside the live one.
 *
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReplicateBackups.html
 * @see https://cloud.google.com/sql/docs/postgres/replication/cross-region-replicas
 * @see https://cloudnative-pg.io/documentation/current/recovery/
 */
import type { PlatformFacts } from "../contract/platform";
import type { ArgProblem } from "../contract/problems";
import type { ResolvedPostgres } from "./spec";

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Finds the problems of the recovery settings: a drill needs backups (there is nothing to restore
 * otherwise) and runs nowhere on Docker; its `targetTime` is RFC 3339 with an offset.
 *
 * @returns the problems, each with its key path.
 */
export function recoveryProblems(spec: ResolvedPostgres, target: Pick<PlatformFacts, "flavour">): ArgProblem[] {
  const problems: ArgProblem[] = [];
  const { drill } = spec.recovery;
  if (drill.enabled && target.flavour === "docker") problems.push({ path: ["recovery", "drill", "enabled"], message: "is not available on Docker, which keeps no backups to restore" });
  else if (drill.enabled && spec.mode === "managed" && target.flavour === "eks" && spec.managed.awsEngine === "aurora") {
    problems.push({ path: ["recovery", "drill", "enabled"], message: "is built for RDS, CloudNativePG and Cloud SQL, not Aurora yet: restore an Aurora cluster with `aws rds restore-db-cluster-to-point-in-time`" });
  } else if (drill.enabled && !spec.backup.enabled) problems.push({ path: ["recovery", "drill", "enabled"], message: "needs backups: set backup.enabled to true" });
  if (drill.targetTime !== undefined && (!RFC3339.test(drill.targetTime) || Number.isNaN(Date.parse(drill.targetTime)))) {
    problems.push({ path: ["recovery", "drill", "targetTime"], message: `must be an RFC 3339 time with an offset, such as "2026-12-01T09:30:00Z" (got "${drill.targetTime}")` });
  }
  const { verification } = spec.recovery;
  if (verification.enabled && (spec.mode !== "in-cluster" || target.flavour === "docker")) {
    problems.push({ path: ["recovery", "verification", "enabled"], message: "runs only in-cluster (CloudNativePG); managed databases are checked with the restore drill (dr.drill)" });
  } else if (verification.enabled && !spec.backup.enabled) problems.push({ path: ["recovery", "verification", "enabled"], message: "needs backups: set backup.enabled to true" });
  if (!/^\S+\s+\S+\s+\S+\s+\S+\s+\S+$/.test(verification.schedule)) {
    problems.push({ path: ["recovery", "verification", "schedule"], message: `must be a five-field cron expression such as "15 * * * *" (got "${verification.schedule}")` });
  }
  return problems;
}
