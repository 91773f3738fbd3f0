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

/** Whether two endpoint URLs name the same host and port (trailing slashes and case aside). */
function sameEndpoint(a: string, b: string | undefined): boolean {
  if (b === undefined) return false;
  const key = (url: string) => {
    try {
      const u = new URL(url);
      return `${u.protocol}//${u.host.toLowerCase()}`;
    } catch {
      return url.toLowerCase().replace(/\/+$/, "");
    }
  };
  return key(a) === key(b);
}

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
  const { drRegion, drBucket } = spec.recovery;
  if (drRegion !== undefined && spec.mode === "managed" && target.flavour === "eks" && spec.managed.awsEngine === "aurora") {
    problems.push({ path: ["recovery", "drRegion"], message: "is built for RDS, CloudNativePG and Cloud SQL, not Aurora: an Aurora global database (aws.rds.GlobalCluster) is not built yet; use awsEngine rds, or copy snapshots with AWS Backup" });
  } else if (drRegion !== undefined && spec.mode === "managed" && !spec.backup.enabled) {
    problems.push({ path: ["recovery", "drRegion"], message: "needs backups: the cross-region replica and the replicated backups need automated backups on the source; set backup.enabled to true" });
  }
  if (drBucket !== undefined) {
    if (spec.mode !== "in-cluster" || target.flavour === "docker" || target.flavour === "eks" || target.flavour === "gke") {
      problems.push({ path: ["recovery", "drBucket"], message: "applies only in-cluster on k3s (an S3-compatible store at another site); on EKS and GKE set the DR region instead (dr.region in the stack config, recovery.drRegion on the component)" });
    } else if (!spec.backup.enabled) problems.push({ path: ["recovery", "drBucket"], message: "needs backups: the replica cluster replays the backup archive; set backup.enabled to true" });
    else if (!drBucket.name || !drBucket.endpointUrl) problems.push({ path: ["recovery", "drBucket", drBucket.name ? "endpointUrl" : "name"], message: "is required: the bucket at the other site, such as {name: postgres-backups, endpointUrl: https://s3.site-b.example.com}" });
    else if (sameEndpoint(drBucket.endpointUrl, spec.backup.bucket.endpointUrl)) {
      problems.push({ path: ["recovery", "drBucket", "endpointUrl"], message: `is the backup bucket's own endpoint (${drBucket.endpointUrl}): a site loss would lose both copies; give the object store of another site` });
    } else if (!drBucket.credentials && !drBucket.credentialsSecret) problems.push({ path: ["recovery", "drBucket", "credentials"], message: "or credentialsSecret is required: the access key pair of the other site's store" });
    else if (drBucket.endpointCA && "certificate" in drBucket.endpointCA && !/-----BEGIN CERTIFICATE-----/.test(drBucket.endpointCA.certificate)) {
      // As for backup.bucket: anything else fails every WAL upload's TLS verification at the other site.
      problems.push({ path: ["recovery", "drBucket", "endpointCA", "certificate"], message: "must be a PEM certificate (-----BEGIN CERTIFICATE-----)" });
    }
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
