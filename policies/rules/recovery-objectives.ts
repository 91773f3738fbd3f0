/**
 * The recovery point and time objectives (RPO, RTO) each data store's configuration achieves,
 * derived from the stack's resources with the source of every figure: the replication mode, the
 * failover time the backend documents (or the platform's own timers), the WAL archive timeout, the
 * log-shipping interval, the snapshot period and the replica lag budget.
 *
 * Two scenarios:
 *
 * - **loss of the primary** (its node, its zone, or its data): a failover to a standby or replica,
 *   or a restore from backups; the store achieves the figures of its best path;
 * - **loss of the region**: a cross-region replica or backup copy, where the stack has one
 *   (`dr.region`); reported, not enforced.
 *
 * A restore's RTO depends on the data's size and is documented by no backend: it is reported as
 * unknown ("measure it with the restore drill"), so a store whose only path is a restore never
 * meets an RTO target on paper.
 *
 * Used by the `disaster-recovery-objectives` rule and by `npm run plan`, which prints the table and
 * writes it to the plan JSON.
 *
 * @see https://docs.aws.amazon.com/whitepapers/latest/disaster-recovery-workloads-on-aws/disaster-recovery-options-in-the-cloud.html
 */
import { Cron } from "croner";
import { RESTORE_DRILL_MARKS } from "../../components/contract/recovery";
import { elasticache, isGlobalSecondary, memorystore, MEMORYSTORE_REGION_NOTE } from "./recovery-caches";
import { dependsOn, lag, UNKNOWN_RESTORE_TIME, zero, type Figure, type RecoveryPath, type RecoveryResource } from "./recovery-figures";

export type { Figure, RecoveryPath, RecoveryResource } from "./recovery-figures";

/** A data store and its recovery paths. */
export interface StoreObjectives {
  /** The store, as the plan names it: its resource name, or `<namespace>/<name>` in Kubernetes. */
  readonly store: string;
  /** The resource type the store was found as. */
  readonly type: string;
  /** The resource's URN, where known. */
  readonly urn?: string;
  readonly paths: readonly RecoveryPath[];
  /** What the paths leave out, such as a Velero Schedule that backs up the store's objects but not its volumes. */
  readonly notes?: readonly string[];
}

/** The seeds' objectives: RPO 5 minutes, RTO 15 minutes. */
export const RECOVERY_TARGETS = { rpoSeconds: 300, rtoSeconds: 900 } as const;

/**
 * How far an asynchronous replica is assumed to lag at most: a budget, not a bound any backend
 * enforces. For CloudNativePG it matches the critical threshold of the `PostgresReplicationLag`
 * alert (`observability.thresholds.replicationLagSeconds.critical`, 300 s by default), which pages
 * when the lag exceeds it; ElastiCache, Memorystore, Valkey and Cloud SQL's cross-region replica
 * have no such alert, and the report marks their figure `assumed`.
 */
export const DEFAULT_REPLICA_LAG_BUDGET_SECONDS = 300;

/** Options of the derivation. */
export interface RecoveryOptions {
  /** See {@link DEFAULT_REPLICA_LAG_BUDGET_SECONDS}. */
  readonly replicaLagBudgetSeconds?: number;
}


/** {@link cronPeriodSeconds} by schedule: every store's Velero backups ask again for the same few schedules. */
const cronPeriods = new Map<string, number | undefined>();

/**
 * The longest gap between two runs of a cron schedule (five fields, or six with seconds) over a
 * week, in seconds, or `undefined` when the expression does not parse.
 *
 * @see https://croner.56k.guru/usage/pattern/
 */
export function cronPeriodSeconds(schedule: string): number | undefined {
  if (!cronPeriods.has(schedule)) cronPeriods.set(schedule, computeCronPeriodSeconds(schedule));
  return cronPeriods.get(schedule);
}

function computeCronPeriodSeconds(schedule: string): number | undefined {
  try {
    const start = Date.UTC(2026, 0, 5);
    const cron = new Cron(schedule, { timezone: "UTC", paused: true });
    // Two weeks, or the first 13 runs when they take longer (a monthly schedule's gaps differ over a
    // year): at most 2,000 runs, enumerated only as far as the first run past the end, a prefix of
    // the same enumeration (a daily schedule needs 15 runs, not 2,000 over five years).
    let runs: number[] = [];
    let end = start + 14 * 86_400_000;
    for (let count = 64; ; count = Math.min(2000, count * 4)) {
      runs = cron.nextRuns(count, new Date(start)).map((run) => run.getTime());
      end = Math.max(start + 14 * 86_400_000, runs[Math.min(12, runs.length - 1)] ?? 0);
      if (runs.length < count || count === 2000 || runs[runs.length - 1] >= end) break;
    }
    // A schedule that never runs, or runs once, has no period: no backup to count on.
    if (runs.length < 2) return undefined;
    let longest = 0;
    for (let i = 1; i < runs.length && runs[i - 1] < end; i++) longest = Math.max(longest, runs[i] - runs[i - 1]);
    return longest / 1000;
  } catch {
    return undefined;
  }
}

/**
 * A PostgreSQL duration setting such as `archive_timeout` (`"5min"`, `"300"`, `"1h"`) in seconds.
 * @see https://www.postgresql.org/docs/current/config-setting.html#CONFIG-SETTING-NAMES-VALUES
 */
export function postgresDurationSeconds(value: string): number | undefined {
  const match = /^\s*(\d+)\s*(ms|s|min|h|d)?\s*$/.exec(value);
  if (!match) return undefined;
  const unit: Record<string, number> = { ms: 0.001, s: 1, min: 60, h: 3600, d: 86_400 };
  return Number(match[1]) * unit[match[2] ?? "s"];
}

/** CloudNativePG's `archive_timeout` when the Cluster sets none. @see https://cloudnative-pg.io/documentation/current/postgresql_conf/#fixed-parameters */
const CNPG_DEFAULT_ARCHIVE_TIMEOUT = "5min";
/** CloudNativePG's liveness timeout when the Cluster sets none (`spec.probes`/`livenessProbeTimeout`, per the Cluster CRD). */
const CNPG_DEFAULT_LIVENESS_TIMEOUT_SECONDS = 30;
/**
 * How long a lost node's pods still look ready: kube-controller-manager's
 * `--node-monitor-grace-period`, 50 s by default since Kubernetes 1.32 (40 s before).
 * @see https://kubernetes.io/docs/reference/command-line-tools-reference/kube-controller-manager/
 */
const NODE_MONITOR_GRACE_SECONDS = 50;

/** The name of the critical alert of `family` (label `alertfamily`) a PrometheusRule of the stack defines, if any. */
function criticalAlert(all: readonly RecoveryResource[], family: string): string | undefined {
  type Rule = { alert?: string; labels?: Record<string, string> };
  const rules: Rule[] = all
    .filter((x) => x.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule")
    .flatMap((x) => (x.props.spec?.groups ?? []) as { rules?: Rule[] }[])
    .flatMap((g) => g.rules ?? []);
  return rules.find((rule) => rule.labels?.alertfamily === family && rule.labels?.severity === "critical")?.alert;
}

/** Velero Schedules that include `namespace`. */
function veleroSchedules(namespace: string | undefined, resources: readonly RecoveryResource[]): RecoveryResource[] {
  return resources
    .filter((r) => r.type === "kubernetes:velero.io/v1:Schedule" && r.props.spec?.paused !== true)
    .filter((r) => {
      const included: string[] = r.props.spec?.template?.includedNamespaces ?? ["*"];
      return namespace !== undefined && (included.includes("*") || included.includes(namespace));
    });
}

const veleroLabel = (r: RecoveryResource) => `${r.props.metadata?.namespace ?? "velero"}/${r.props.metadata?.name ?? r.name}`;
/** Whether a Schedule copies pods' volumes: file-system backup by default, or volume snapshots. */
const copiesVolumes = (r: RecoveryResource) => r.props.spec?.template?.defaultVolumesToFsBackup === true || r.props.spec?.template?.snapshotVolumes === true;

/**
 * The Velero Schedules that copy the volumes of `namespace`, with their period. A Schedule that
 * copies objects only restores no data and is no path (see {@link veleroNotes}).
 *
 * Velero's file-system backup copies a running pod's files without pre/post hooks: the copy is
 * crash-consistent, like a power loss, which Valkey's AOF/RDB and RabbitMQ's stores recover from.
 */
function veleroBackups(namespace: string | undefined, resources: readonly RecoveryResource[]): RecoveryPath[] {
  return veleroSchedules(namespace, resources)
    .filter(copiesVolumes)
    .map((r) => {
      const schedule = String(r.props.spec?.schedule ?? "");
      const period = cronPeriodSeconds(schedule);
      const label = veleroLabel(r);
      // A Schedule writing to a location other than the default one (`dr`, another site's store) is the copy a site loss leaves.
      const location = String(r.props.spec?.template?.storageLocation ?? "default");
      return {
        scenario: location === "default" ? ("primary-loss" as const) : ("region-loss" as const),
        method: `restore of the volumes from Velero Schedule "${label}"${location === "default" ? "" : ` (location "${location}")`}`,
        rpo: { seconds: period, source: `Velero Schedule "${label}" every ${period === undefined ? "?" : `${period / 60} min`} ("${schedule}"), a crash-consistent copy (no hooks)` },
        rto: UNKNOWN_RESTORE_TIME,
      };
    });
}

/** Notes for a store whose namespace only Schedules without volumes cover. */
function veleroNotes(namespace: string | undefined, resources: readonly RecoveryResource[]): string[] {
  const schedules = veleroSchedules(namespace, resources);
  if (schedules.length === 0 || schedules.some(copiesVolumes)) return [];
  return [
    `Velero (${schedules.map((r) => `"${veleroLabel(r)}"`).join(", ")}) backs up this store's Kubernetes objects only, no Schedule copies its volumes: on k3s with the local-path StorageClass they are hostPath volumes, which Velero's file-system backup does not support`,
  ];
}


function rdsInstance(r: RecoveryResource, all: readonly RecoveryResource[], budget: number): RecoveryPath[] {
  const p = r.props;
  const paths: RecoveryPath[] = [];
  if (p.multiAz === true) {
    paths.push({
      scenario: "primary-loss",
      method: "failover to the Multi-AZ standby",
      rpo: zero("Multi-AZ replicates synchronously to the standby"),
      rto: { seconds: 120, source: "RDS documents Multi-AZ failovers as typically 60–120 s" },
    });
  }
  if ((p.backupRetentionPeriod ?? 0) > 0) {
    paths.push({ scenario: "primary-loss", method: "point-in-time restore", rpo: { seconds: 300, source: "RDS uploads transaction logs to S3 every 5 minutes" }, rto: UNKNOWN_RESTORE_TIME });
  }
  const copied = all.some((x) => x.type === "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication" && dependsOn(x, r));
  if (copied) {
    paths.push({ scenario: "region-loss", method: "point-in-time restore from the backups replicated to the DR region", rpo: { source: "RDS documents no replication lag for automated backups; check LatestRestorableTime in the DR region" }, rto: UNKNOWN_RESTORE_TIME });
  }
  for (const replica of all.filter((x) => x.type === r.type && x.props.region !== undefined && x.props.region !== r.props.region && dependsOn(x, r) && x.props.replicateSourceDb !== undefined)) {
    paths.push({
      scenario: "region-loss",
      method: `promotion of the cross-region read replica in ${replica.props.region}`,
      rpo: lag(budget, "cross-region replica (RDS reports it as the ReplicaLag metric, https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReadRepl.Monitoring.html)"),
      rto: { seconds: 900, source: "assumed: a manual promotion (the component README's runbook), which RDS says \"can take several minutes or longer to complete, depending on the size of the read replica\" (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReadRepl.Promote.html)" },
    });
  }
  return paths;
}

function cloudSql(r: RecoveryResource, all: readonly RecoveryResource[], budget: number): RecoveryPath[] {
  const s = r.props.settings ?? {};
  const paths: RecoveryPath[] = [];
  if (s.availabilityType === "REGIONAL") {
    paths.push({
      scenario: "primary-loss",
      method: "failover to the regional standby",
      rpo: zero("REGIONAL instances write synchronously to a disk replicated across two zones"),
      rto: { seconds: 60, source: "assumed: Cloud SQL describes HA failover as taking about a minute; measure with `gcloud sql instances failover`" },
    });
  }
  if (s.backupConfiguration?.pointInTimeRecoveryEnabled === true) {
    paths.push({ scenario: "primary-loss", method: "point-in-time restore", rpo: { source: "Cloud SQL archives write-ahead logs continuously and documents no interval" }, rto: UNKNOWN_RESTORE_TIME });
  }
  const dr = all.filter((x) => x.type === r.type && x.props.masterInstanceName !== undefined && dependsOn(x, r) && x.props.region !== r.props.region);
  for (const replica of dr) {
    paths.push({ scenario: "region-loss", method: `promotion of the cross-region replica in ${replica.props.region}`, rpo: lag(budget, "cross-region replica"), rto: { seconds: 600, source: "assumed: a manual promotion (see the component README's runbook)" } });
  }
  return paths;
}

function cnpg(r: RecoveryResource, all: readonly RecoveryResource[], budget: number): RecoveryPath[] {
  const spec = r.props.spec ?? {};
  const paths: RecoveryPath[] = [];
  if ((spec.instances ?? 1) >= 2) {
    const delay = spec.failoverDelay ?? 0;
    const liveness = spec.livenessProbeTimeout ?? CNPG_DEFAULT_LIVENESS_TIMEOUT_SECONDS;
    paths.push({
      scenario: "primary-loss",
      method: "CloudNativePG failover to a replica",
      rpo: spec.minSyncReplicas > 0 || spec.postgresql?.synchronous ? zero("synchronous replication") : lag(budget, "streaming replication", criticalAlert(all, "PostgresReplicationLag")),
      rto: {
        seconds: delay + liveness + NODE_MONITOR_GRACE_SECONDS,
        source: `derived, not documented by CloudNativePG: spec.failoverDelay ${delay} s + liveness timeout ${liveness} s + ${NODE_MONITOR_GRACE_SECONDS} s until a lost node is NotReady (node-monitor-grace-period), then the promotion`,
      },
    });
  }
  const archiving = (spec.plugins ?? []).some((p: { isWALArchiver?: boolean }) => p.isWALArchiver === true) || spec.backup?.barmanObjectStore !== undefined;
  if (archiving) {
    const timeout = String(spec.postgresql?.parameters?.archive_timeout ?? CNPG_DEFAULT_ARCHIVE_TIMEOUT);
    paths.push({ scenario: "primary-loss", method: "point-in-time restore from the WAL archive", rpo: { seconds: postgresDurationSeconds(timeout), source: `archive_timeout ${timeout}: a WAL segment is archived at least this often` }, rto: UNKNOWN_RESTORE_TIME });
  }
  if (archiving) {
    // The archive's bucket, replicated to another region (S3 Cross-Region Replication with Replication Time Control).
    const objectName = (spec.plugins ?? []).find((p: { isWALArchiver?: boolean }) => p.isWALArchiver === true)?.parameters?.barmanObjectName;
    const store = all.find((x) => x.type === "kubernetes:barmancloud.cnpg.io/v1:ObjectStore" && (x.props.metadata?.name ?? x.name) === objectName);
    const bucket = /^s3:\/\/([^/]+)/.exec(String(store?.props.spec?.configuration?.destinationPath ?? ""))?.[1];
    const timeout = String(spec.postgresql?.parameters?.archive_timeout ?? CNPG_DEFAULT_ARCHIVE_TIMEOUT);
    for (const replication of all.filter((x) => x.type === "aws:s3/bucketReplicationConfig:BucketReplicationConfig" && bucket !== undefined && x.props.bucket === bucket)) {
      const minutes = replication.props.rules?.[0]?.destination?.replicationTime?.time?.minutes;
      const archived = postgresDurationSeconds(timeout);
      paths.push({
        scenario: "region-loss",
        method: "recovery from the archive replicated to the DR region",
        rpo: { seconds: minutes === undefined || archived === undefined ? undefined : archived + minutes * 60, source: `archive_timeout ${timeout} + S3 Replication Time Control ${minutes ?? "off (no SLA)"} min` },
        rto: UNKNOWN_RESTORE_TIME,
      });
    }
  }
  if (archiving) {
    // The archive's GCS bucket, replicated to another region by Storage Transfer Service.
    const objectName = (spec.plugins ?? []).find((p: { isWALArchiver?: boolean }) => p.isWALArchiver === true)?.parameters?.barmanObjectName;
    const store = all.find((x) => x.type === "kubernetes:barmancloud.cnpg.io/v1:ObjectStore" && (x.props.metadata?.name ?? x.name) === objectName);
    const bucket = /^gs:\/\/([^/]+)/.exec(String(store?.props.spec?.configuration?.destinationPath ?? ""))?.[1];
    if (bucket !== undefined && all.some((x) => x.type === "gcp:storage/transferJob:TransferJob" && x.props.replicationSpec?.gcsDataSource?.bucketName === bucket)) {
      paths.push({
        scenario: "region-loss",
        method: "recovery from the archive replicated to the DR region",
        rpo: { source: "Storage Transfer Service's event-driven replication publishes no replication-time objective: watch the job's lag" },
        rto: UNKNOWN_RESTORE_TIME,
      });
    }
  }
  // The archive at another site: a replica cluster of this one in the stack (it runs beside the
  // live one, so it is lost with the site) whose own WAL archiver writes to an ObjectStore on
  // another endpoint. The platform's restore check is marked as a drill and archives nothing.
  for (const copy of siteArchives(r, all)) {
    const timeout = String(spec.postgresql?.parameters?.archive_timeout ?? CNPG_DEFAULT_ARCHIVE_TIMEOUT);
    paths.push({
      scenario: "region-loss",
      method: `recovery from the archive at ${copy.endpoint} (ObjectStore "${copy.objectStore}"), written by replica cluster "${copy.cluster}"`,
      rpo: { seconds: postgresDurationSeconds(timeout), source: `archive_timeout ${timeout}: the replica cluster replays each archived segment and archives it again at the other site, seconds later (not bounded, and no alert watches it: the stack's Prometheus does not scrape the replica cluster; check its archiving with \`kubectl cnpg status ${copy.cluster}\`)` },
      rto: UNKNOWN_RESTORE_TIME,
    });
  }
  return paths;
}

/**
 * The other sites' archives of CloudNativePG Cluster `r`: replica clusters in the stack whose
 * `externalClusters` read `r`'s archive and whose WAL archiver writes to an ObjectStore on an
 * endpoint other than `r`'s own.
 *
 * @see https://cloudnative-pg.io/documentation/current/replica_cluster/#backup-and-symmetric-architectures
 */
function siteArchives(r: RecoveryResource, all: readonly RecoveryResource[]): { cluster: string; objectStore: string; endpoint: string }[] {
  const name = r.props.metadata?.name ?? r.name;
  const archiver = (x: RecoveryResource) => (x.props.spec?.plugins ?? []).find((p: { isWALArchiver?: boolean }) => p.isWALArchiver === true)?.parameters?.barmanObjectName as string | undefined;
  const storeOf = (objectName: string | undefined) => all.find((x) => x.type === "kubernetes:barmancloud.cnpg.io/v1:ObjectStore" && (x.props.metadata?.name ?? x.name) === objectName);
  const where = (store: RecoveryResource | undefined) => String(store?.props.spec?.configuration?.endpointURL ?? store?.props.spec?.configuration?.destinationPath ?? "");
  const own = where(storeOf(archiver(r)));
  return all
    .filter((x) => x.type === r.type && x.props.metadata?.labels?.[RESTORE_DRILL_MARKS.label] !== "true" && x.props.spec?.replica?.enabled === true)
    .filter((x) => x.props.spec?.externalClusters?.some((e: { name: string; plugin?: { parameters?: { serverName?: string } } }) => e.name === x.props.spec?.replica?.source && (e.plugin?.parameters?.serverName ?? e.name) === name))
    .map((x) => ({ cluster: String(x.props.metadata?.name ?? x.name), objectStore: archiver(x) ?? "", endpoint: where(storeOf(archiver(x))) }))
    .filter((copy) => copy.objectStore !== "" && copy.endpoint !== "" && copy.endpoint !== own);
}

/**
 * An Aurora cluster fails over to a reader only when it has one: a ClusterInstance besides the
 * writer. With one instance, Aurora re-creates the primary instance, on a best-effort basis and in
 * minutes, which the report does not count as a failover.
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.AuroraHighAvailability.html
 */
function aurora(r: RecoveryResource, all: readonly RecoveryResource[]): RecoveryPath[] {
  const instances = all.filter((x) => x.type === "aws:rds/clusterInstance:ClusterInstance" && (dependsOn(x, r) || (r.props.clusterIdentifier !== undefined && x.props.clusterIdentifier === r.props.clusterIdentifier)));
  const paths: RecoveryPath[] = [];
  if (instances.length >= 2) {
    paths.push({ scenario: "primary-loss", method: "Aurora failover to a reader", rpo: zero("Aurora keeps six copies of the data across three zones"), rto: { seconds: 60, source: `Aurora documents failovers as typically under 60 s with a reader (${instances.length - 1} here)` } });
  } else {
    paths.push({
      scenario: "primary-loss",
      method: "re-creation of the primary instance (no reader)",
      rpo: zero("the cluster volume keeps six copies of the data across three zones"),
      rto: { source: `Aurora re-creates the only instance on a best-effort basis, in minutes; add a reader ClusterInstance (${instances.length} instance${instances.length === 1 ? "" : "s"} here)` },
    });
  }
  if ((r.props.backupRetentionPeriod ?? 1) > 0) {
    paths.push({ scenario: "primary-loss", method: "point-in-time restore", rpo: { seconds: 300, source: "Aurora's continuous backup: LatestRestorableTime is typically within 5 minutes" }, rto: UNKNOWN_RESTORE_TIME });
  }
  return paths;
}

function valkey(r: RecoveryResource, all: readonly RecoveryResource[], budget: number): RecoveryPath[] {
  const namespace = r.props.metadata?.namespace;
  const instance = r.props.metadata?.labels?.["app.kubernetes.io/instance"];
  const paths: RecoveryPath[] = [];
  const sentinelScript = all
    .filter((x) => x.type === "kubernetes:core/v1:ConfigMap" && x.props.metadata?.namespace === namespace && x.props.metadata?.labels?.["app.kubernetes.io/instance"] === instance)
    .flatMap((x) => Object.values((x.props.data ?? {}) as Record<string, string>))
    .join("\n");
  const downAfter = /down-after-milliseconds\s+\S+\s+(\d+)/.exec(sentinelScript)?.[1];
  const failoverTimeout = /failover-timeout\s+\S+\s+(\d+)/.exec(sentinelScript)?.[1];
  const sentinels = all.some(
    (x) => x.type === r.type && x.props.metadata?.namespace === namespace && x.props.metadata?.labels?.["app.kubernetes.io/instance"] === instance && x.props.metadata?.labels?.["app.kubernetes.io/component"] === "sentinel",
  );
  if ((r.props.spec?.replicas ?? 1) >= 2 && ((downAfter && failoverTimeout) || sentinels)) {
    // Sentinel's own defaults when the stack does not show its settings. @see https://valkey.io/topics/sentinel/
    const [after, timeout, whence] = downAfter && failoverTimeout ? [downAfter, failoverTimeout, ""] : ["30000", "180000", ", Sentinel's defaults"];
    const seconds = (Number(after) + Number(timeout)) / 1000;
    paths.push({ scenario: "primary-loss", method: "Sentinel failover to a replica", rpo: lag(budget, "replication"), rto: { seconds, source: `Sentinel down-after-milliseconds ${after} + failover-timeout ${timeout} (the worst case${whence})` } });
  }
  return [...paths, ...veleroBackups(namespace, all)];
}

function rabbitmq(r: RecoveryResource, all: readonly RecoveryResource[]): RecoveryPath[] {
  const paths: RecoveryPath[] = [];
  if ((r.props.spec?.replicas ?? 1) >= 3) {
    paths.push({
      scenario: "primary-loss",
      method: "quorum queue leader election",
      rpo: zero("quorum queues confirm a message once a majority of replicas has written it (Raft); for quorum queues only: a classic queue lives on one node"),
      rto: { seconds: 60, source: "assumed: a new leader is elected within seconds; clients reconnect to the Service" },
    });
  }
  return [...paths, ...veleroBackups(r.props.metadata?.namespace, all)];
}

/** `store` with `notes` added. */
const withNotes = (store: StoreObjectives, notes: readonly string[]): StoreObjectives => (notes.length === 0 ? store : { ...store, notes: [...(store.notes ?? []), ...notes] });

/** A note naming the broker's classic queues, which the quorum-queue RPO of 0 does not cover. */
function classicQueueNotes(r: RecoveryResource, all: readonly RecoveryResource[]): string[] {
  const cluster = r.props.metadata?.name ?? r.name;
  const classic = all
    .filter((x) => x.type === "kubernetes:rabbitmq.com/v1beta1:Queue" && x.props.metadata?.namespace === r.props.metadata?.namespace && x.props.spec?.rabbitmqClusterReference?.name === cluster)
    .filter((x) => x.props.spec?.type !== "quorum")
    .map((x) => String(x.props.spec?.name ?? x.name));
  return classic.length === 0 ? [] : [`classic queue${classic.length === 1 ? "" : "s"} ${classic.map((q) => `"${q}"`).join(", ")} (non-durable or with priorities) live on one node and lose their messages with it: the RPO of 0 holds for quorum queues only`];
}


/**
 * The data stores of a stack and how each recovers.
 *
 * @param resources - every resource of the stack, with its inputs.
 * @returns one entry per data store, in the resources' order.
 */
export function recoveryObjectives(resources: readonly RecoveryResource[], options: RecoveryOptions = {}): StoreObjectives[] {
  const budget = options.replicaLagBudgetSeconds ?? DEFAULT_REPLICA_LAG_BUDGET_SECONDS;
  const k8sName = (r: RecoveryResource) => `${r.props.metadata?.namespace ?? "default"}/${r.props.metadata?.name ?? r.name}`;
  const stores: StoreObjectives[] = [];
  // Only a store's own props are read here: a caller may copy props lazily, on first read.
  for (const r of resources) {
    switch (r.type) {
      case "aws:rds/instance:Instance":
        if (r.props.replicateSourceDb === undefined && r.props.tags?.[RESTORE_DRILL_MARKS.tag] !== "true") stores.push({ store: r.name, type: r.type, urn: r.urn, paths: rdsInstance(r, resources, budget) });
        break;
      case "aws:rds/cluster:Cluster":
        stores.push({ store: r.name, type: r.type, urn: r.urn, paths: aurora(r, resources) });
        break;
      case "gcp:sql/databaseInstance:DatabaseInstance":
        if (r.props.masterInstanceName === undefined && r.props.clone === undefined && r.props.settings?.userLabels?.[RESTORE_DRILL_MARKS.userLabel] !== "true") stores.push({ store: r.name, type: r.type, urn: r.urn, paths: cloudSql(r, resources, budget) });
        break;
      case "kubernetes:postgresql.cnpg.io/v1:Cluster":
        if (r.props.metadata?.labels?.[RESTORE_DRILL_MARKS.label] !== "true" && r.props.spec?.replica?.enabled !== true) stores.push({ store: k8sName(r), type: r.type, urn: r.urn, paths: cnpg(r, resources, budget) });
        break;
      case "aws:elasticache/replicationGroup:ReplicationGroup":
        if (!isGlobalSecondary(r)) stores.push({ store: r.name, type: r.type, urn: r.urn, paths: elasticache(r, budget, resources) });
        break;
      case "gcp:redis/instance:Instance":
        stores.push({ store: r.name, type: r.type, urn: r.urn, paths: memorystore(r, budget), notes: [MEMORYSTORE_REGION_NOTE] });
        break;
      case "kubernetes:apps/v1:StatefulSet":
        if (r.props.metadata?.labels?.["app.kubernetes.io/name"] === "valkey" && r.props.metadata?.labels?.["app.kubernetes.io/component"] === "server") stores.push(withNotes({ store: k8sName(r), type: r.type, urn: r.urn, paths: valkey(r, resources, budget) }, veleroNotes(r.props.metadata?.namespace, resources)));
        break;
      case "docker:index/container:Container": {
        // Docker's data stores: one container each on a local volume (dev only: the config refuses
        // Docker in prod). Listed so the report names them, with no recovery path.
        const label = (key: string) => (r.props.labels as { label: string; value: string }[] | undefined)?.find((l) => l.label === key)?.value;
        const kind = label("app.kubernetes.io/name");
        const store = (kind === "postgresql" && label("app.kubernetes.io/component") === "database") || kind === "valkey" || kind === "rabbitmq";
        if (store) stores.push({ store: String(r.props.name ?? r.name), type: r.type, urn: r.urn, paths: [], notes: ["one Docker container on a local volume: no replica and no backup, for development only"] });
        break;
      }
      case "kubernetes:rabbitmq.com/v1beta1:RabbitmqCluster":
        stores.push(withNotes({ store: k8sName(r), type: r.type, urn: r.urn, paths: rabbitmq(r, resources) }, [...veleroNotes(r.props.metadata?.namespace, resources), ...classicQueueNotes(r, resources)]));
        break;
    }
  }
  return stores;
}

/** Whether a path meets the targets: both figures known and within them. */
export function meetsTargets(path: RecoveryPath, targets: { rpoSeconds: number; rtoSeconds: number } = RECOVERY_TARGETS): boolean {
  return path.rpo.seconds !== undefined && path.rto.seconds !== undefined && path.rpo.seconds <= targets.rpoSeconds && path.rto.seconds <= targets.rtoSeconds;
}

/**
 * The figures a store achieves if its primary is lost: the first path that meets the targets, else
 * the one with the shortest known RTO (then RPO). `undefined` when the store has no path at all.
 */
export function achieved(store: StoreObjectives, targets: { rpoSeconds: number; rtoSeconds: number } = RECOVERY_TARGETS): RecoveryPath | undefined {
  const paths = store.paths.filter((p) => p.scenario === "primary-loss");
  const inf = (f: Figure) => f.seconds ?? Number.POSITIVE_INFINITY;
  return paths.find((p) => meetsTargets(p, targets)) ?? [...paths].sort((a, b) => inf(a.rto) - inf(b.rto) || inf(a.rpo) - inf(b.rpo))[0];
}
