/**
 * The recovery paths of the managed caches: ElastiCache replication groups (with a Global
 * Datastore secondary in another region, when the stack has one) and Memorystore for Redis.
 */
import { dependsOn, lag, UNKNOWN_RESTORE_TIME, type RecoveryPath, type RecoveryResource } from "./recovery-figures";

/**
 * How an ElastiCache Global Datastore secondary performs after a region loss, by AWS's disaster
 * recovery workshop: replication "generally less than 1 second" behind, and a promotion (manual:
 * `aws elasticache failover-global-replication-group`) that takes about a minute.
 * @see https://disaster-recovery.workshop.aws/en/services/databases/elasticache/global-datastore.html
 * @see https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Redis-Global-Datastores-Console.html
 */
export const GLOBAL_DATASTORE = { rpoSeconds: 1, rtoSeconds: 60, source: "https://disaster-recovery.workshop.aws/en/services/databases/elasticache/global-datastore.html" } as const;

/** Whether a replication group is a Global Datastore's secondary (its copy in another region), not a store of its own. */
export const isGlobalSecondary = (r: RecoveryResource): boolean => r.props.globalReplicationGroupId !== undefined;

export function elasticache(r: RecoveryResource, budget: number, all: readonly RecoveryResource[] = []): RecoveryPath[] {
  const p = r.props;
  const paths: RecoveryPath[] = [];
  if (p.automaticFailoverEnabled === true && p.multiAzEnabled === true && (p.numCacheClusters ?? 1) >= 2) {
    paths.push({ scenario: "primary-loss", method: "Multi-AZ failover to a replica", rpo: lag(budget, "replication"), rto: { seconds: 120, source: "assumed: ElastiCache documents no failover time; measure with `aws elasticache test-failover`" } });
  }
  if ((p.snapshotRetentionLimit ?? 0) >= 1) {
    paths.push({ scenario: "primary-loss", method: "restore of the daily snapshot", rpo: { seconds: 86_400, source: `one automatic snapshot a day (window ${p.snapshotWindow ?? "chosen by AWS"})` }, rto: UNKNOWN_RESTORE_TIME });
  }
  const globals = all.filter((x) => x.type === "aws:elasticache/globalReplicationGroup:GlobalReplicationGroup" && dependsOn(x, r));
  for (const secondary of all.filter((x) => x.type === r.type && isGlobalSecondary(x) && globals.some((g) => dependsOn(x, g)))) {
    paths.push({
      scenario: "region-loss",
      method: `promotion of the Global Datastore secondary in ${secondary.props.region ?? "another region"}`,
      rpo: { seconds: GLOBAL_DATASTORE.rpoSeconds, source: `AWS's DR workshop: Global Datastore replicates generally less than 1 s behind (asynchronous; ElastiCache reports it per secondary) (${GLOBAL_DATASTORE.source})` },
      rto: { seconds: GLOBAL_DATASTORE.rtoSeconds, source: `AWS's DR workshop: about 1 minute for the promotion (failover-global-replication-group), once someone starts it (${GLOBAL_DATASTORE.source})` },
    });
  }
  return paths;
}

const RDB_PERIOD_SECONDS: Record<string, number> = { ONE_HOUR: 3600, SIX_HOURS: 21_600, TWELVE_HOURS: 43_200, TWENTY_FOUR_HOURS: 86_400 };

/**
 * A note for every Memorystore for Redis instance: the product has no cross-region replication
 * (Memorystore for Redis Cluster and Memorystore for Valkey have it, as secondary clusters).
 * @see https://cloud.google.com/memorystore/docs/cluster/about-cross-region-replication
 */
export const MEMORYSTORE_REGION_NOTE =
  "Memorystore for Redis instances have no cross-region replication (Memorystore for Redis Cluster and Memorystore for Valkey do): a region loss loses this cache; its data must be rebuilt from the database";

export function memorystore(r: RecoveryResource, budget: number): RecoveryPath[] {
  const p = r.props;
  const paths: RecoveryPath[] = [];
  if (p.tier === "STANDARD_HA") {
    paths.push({ scenario: "primary-loss", method: "automatic failover to the replica", rpo: lag(budget, "replication"), rto: { seconds: 120, source: "assumed: Memorystore documents no failover time; measure with `gcloud redis instances failover`" } });
  }
  const period = p.persistenceConfig?.persistenceMode === "RDB" ? RDB_PERIOD_SECONDS[p.persistenceConfig.rdbSnapshotPeriod ?? "TWENTY_FOUR_HOURS"] : undefined;
  if (period !== undefined) {
    paths.push({ scenario: "primary-loss", method: "recovery from the RDB snapshot", rpo: { seconds: period, source: `RDB snapshot every ${period / 3600} h (persistenceConfig.rdbSnapshotPeriod)` }, rto: UNKNOWN_RESTORE_TIME });
  }
  return paths;
}
