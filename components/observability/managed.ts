/**
 * Managed data stores in the same alerting path as in-cluster ones: RDS/Aurora, ElastiCache and
 * Amazon MQ through the Prometheus project's CloudWatch exporter; Cloud SQL and Memorystore through
 * the Prometheus community's Stackdriver exporter. Both exporters turn the cloud's metrics into
 * Prometheus series whose names this file derives with the exporters' own naming rules, so the
 * exporter configuration and the alert rules come from one list.
 *
 * @see https://github.com/prometheus/cloudwatch_exporter#configuration
 * @see https://github.com/prometheus-community/stackdriver_exporter#metrics
 */
import type { ArgProblem } from "../contract/problems";
import { leveled, single, value, type AlertRule, type AlertRuleGroup } from "./alerts";
import type { ResolvedThresholds } from "./thresholds";

/**
 * The managed data stores of a stack, watched through the cloud's monitoring API.
 *
 * - `postgres.maxConnections`: the server's `max_connections`, which neither CloudWatch nor Cloud
 *   Monitoring reports; the connection alerts divide by it. See {@link defaultMaxConnections}.
 * - `postgres.memoryGiB`: the instance's memory, for the RDS memory alert (CloudWatch reports only
 *   `FreeableMemory` in bytes). See {@link instanceMemoryGiB}.
 * - `postgres.storageGiB`: the allocated storage, for the RDS storage alert (Aurora's storage grows
 *   by itself and has no such alert).
 */
export interface ManagedDataStores {
  readonly postgres?: { readonly service: "rds" | "aurora" | "cloudsql"; readonly maxConnections?: number; readonly memoryGiB?: number; readonly storageGiB?: number };
  readonly redis?: { readonly service: "elasticache" | "memorystore" };
  readonly messageQueue?: { readonly service: "amazonmq" };
}

/**
 * A CloudWatch metric's name as the CloudWatch exporter writes it:
 * `<namespace lower-cased>_<metric in snake_case>_<statistic lower-cased>`, every character outside
 * `[a-zA-Z0-9:_]` replaced and runs of `_` merged.
 *
 * @example cloudwatchSeries("AWS/RDS", "DatabaseConnections", "Maximum") === "aws_rds_database_connections_maximum"
 * @see https://github.com/prometheus/cloudwatch_exporter/blob/master/src/main/java/io/prometheus/cloudwatch/CloudWatchCollector.java
 */
export function cloudwatchSeries(namespace: string, metric: string, statistic: string): string {
  const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
  const safe = (s: string) => s.replace(/[^a-zA-Z0-9:_]/g, "_").replace(/__+/g, "_");
  return `${safe(`${namespace.toLowerCase()}_${snake(metric)}`)}_${safe(snake(statistic))}`;
}

/** A dimension's label as the CloudWatch exporter writes it (`DBInstanceIdentifier` → `dbinstance_identifier`). */
export const cloudwatchLabel = (dimension: string): string => dimension.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();

/**
 * A Cloud Monitoring metric's name as the Stackdriver exporter writes it:
 * `stackdriver_<monitored resource>_<metric type with . and / as _>`.
 *
 * @example stackdriverSeries("cloudsql_database", "cloudsql.googleapis.com/database/disk/utilization")
 * @see https://github.com/prometheus-community/stackdriver_exporter#metrics
 */
export function stackdriverSeries(resource: string, metricType: string): string {
  return `stackdriver_${resource}_${metricType}`.replace(/[^a-zA-Z0-9_]/g, "_").replace(/__+/g, "_");
}

/** One CloudWatch metric the exporter reads. */
interface CloudwatchMetric {
  readonly namespace: string;
  readonly metric: string;
  /** The metric's full dimension set: the exporter drops a data point whose dimensions differ from it. */
  readonly dimensions: readonly string[];
  readonly statistic: "Average" | "Maximum" | "Minimum" | "Sum";
}

const rds = (metric: string, statistic: CloudwatchMetric["statistic"]): CloudwatchMetric => ({ namespace: "AWS/RDS", metric, dimensions: ["DBInstanceIdentifier"], statistic });
const cache = (metric: string, statistic: CloudwatchMetric["statistic"]): CloudwatchMetric => ({ namespace: "AWS/ElastiCache", metric, dimensions: ["CacheClusterId"], statistic });
const mq = (metric: string, statistic: CloudwatchMetric["statistic"]): CloudwatchMetric => ({ namespace: "AWS/AmazonMQ", metric, dimensions: ["Broker"], statistic });
/** An Amazon MQ for RabbitMQ node metric: published per node, with the dimensions Broker and Node. */
const mqNode = (metric: string, statistic: CloudwatchMetric["statistic"]): CloudwatchMetric => ({ namespace: "AWS/AmazonMQ", metric, dimensions: ["Broker", "Node"], statistic });

/**
 * The CloudWatch metrics each AWS service's alerts read.
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-metrics.html
 * @see https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheMetrics.Redis.html
 * @see https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/amazon-mq-accessing-metrics.html
 * @see https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/rabbitmq-logging-monitoring.html (node metrics: dimensions Node and Broker)
 */
export const cloudwatchMetrics = {
  rds: [rds("DatabaseConnections", "Maximum"), rds("ReplicaLag", "Maximum"), rds("FreeStorageSpace", "Minimum"), rds("FreeableMemory", "Minimum")],
  aurora: [rds("DatabaseConnections", "Maximum"), rds("AuroraReplicaLag", "Maximum"), rds("FreeableMemory", "Minimum")],
  elasticache: [cache("DatabaseMemoryUsagePercentage", "Maximum"), cache("Evictions", "Sum"), cache("ReplicationLag", "Maximum")],
  amazonmq: [mq("MessageCount", "Maximum"), mq("MessageUnacknowledgedCount", "Maximum"), mq("ConsumerCount", "Minimum"), mqNode("RabbitMQMemUsed", "Maximum"), mqNode("RabbitMQMemLimit", "Minimum"), mqNode("RabbitMQDiskFree", "Minimum"), mqNode("RabbitMQDiskFreeLimit", "Maximum")],
} as const satisfies Record<string, readonly CloudwatchMetric[]>;

/** The series of one CloudWatch metric of {@link cloudwatchMetrics}. */
const cw = (m: CloudwatchMetric) => cloudwatchSeries(m.namespace, m.metric, m.statistic);

/**
 * The CloudWatch exporter's configuration: the region and, for each managed store, its metrics by
 * their one identifying dimension, at a 60 s period read 10 minutes back (CloudWatch publishes
 * late; the exporter keeps the newest data point), with ListMetrics cached for 10 minutes (the
 * exporter otherwise lists every metric on each scrape, an API call per metric a minute).
 *
 * It reads every instance, cluster and broker of the region: the alerts then cover stores of other
 * stacks in the same account and region too (see the README's limits).
 *
 * @see https://github.com/prometheus/cloudwatch_exporter#configuration
 */
export function cloudwatchExporterConfig(region: string, stores: ManagedDataStores): Record<string, unknown> {
  const services = [stores.postgres?.service, stores.redis?.service, stores.messageQueue?.service].filter((s): s is keyof typeof cloudwatchMetrics => s !== undefined && s in cloudwatchMetrics);
  return {
    region,
    period_seconds: 60,
    range_seconds: 600,
    delay_seconds: 120,
    list_metrics_cache_ttl: 600,
    metrics: services.flatMap((s) => cloudwatchMetrics[s]).map((m) => ({ aws_namespace: m.namespace, aws_metric_name: m.metric, aws_dimensions: [...m.dimensions], aws_statistics: [m.statistic] })),
  };
}

/** Cloud Monitoring metric types the Stackdriver exporter reads, by service. @see https://cloud.google.com/monitoring/api/metrics_gcp */
export const stackdriverMetrics = {
  cloudsql: {
    resource: "cloudsql_database",
    backends: "cloudsql.googleapis.com/database/postgresql/num_backends",
    replicaLag: "cloudsql.googleapis.com/database/replication/replica_lag",
    disk: "cloudsql.googleapis.com/database/disk/utilization",
    memory: "cloudsql.googleapis.com/database/memory/utilization",
  },
  memorystore: {
    resource: "redis_instance",
    memory: "redis.googleapis.com/stats/memory/usage_ratio",
    evictions: "redis.googleapis.com/stats/evicted_keys",
    replicaLag: "redis.googleapis.com/replication/master/slaves/lag",
  },
} as const;

/** The metric type prefixes the Stackdriver exporter is given (`stackdriver.metrics.prefixes`). */
export function stackdriverPrefixes(stores: ManagedDataStores): string[] {
  const { cloudsql, memorystore } = stackdriverMetrics;
  return [
    ...(stores.postgres?.service === "cloudsql" ? [cloudsql.backends, cloudsql.replicaLag, cloudsql.disk, cloudsql.memory] : []),
    ...(stores.redis?.service === "memorystore" ? [memorystore.memory, memorystore.evictions, memorystore.replicaLag] : []),
  ];
}

/**
 * The nominal memory of an RDS instance class, in GiB, from the class name's family and size
 * (`db.r7g.large`: memory-optimised, 2 vCPU × 8 GiB), or `undefined` for a class it cannot read.
 *
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.DBInstanceClass.Summary.html
 */
export function instanceMemoryGiB(instanceClass: string): number | undefined {
  const match = /^db\.([a-z]+)\d+[a-z]*\.(micro|small|medium|large|xlarge|(\d+)xlarge)$/.exec(instanceClass);
  if (!match) return undefined;
  const [, family, size, times] = match;
  if (family === "t") return { micro: 1, small: 2, medium: 4, large: 8, xlarge: 16 }[size] ?? (times ? 16 * Number(times) : undefined);
  const perVcpu: Record<string, number> = { m: 4, r: 8, x: 16, z: 8 };
  const vcpus = size === "large" ? 2 : size === "xlarge" ? 4 : times ? 4 * Number(times) : undefined;
  return perVcpu[family] && vcpus ? perVcpu[family] * vcpus : undefined;
}

/**
 * PostgreSQL's default `max_connections` on a managed service, when the stack does not set one:
 *
 * - RDS and Aurora: `LEAST({DBInstanceClassMemory/9531392}, 5000)`, computed on the class's nominal
 *   memory (RDS reserves some for the OS, so the real value is a little lower and the alert fires
 *   a little late; set `postgres.parameters.max_connections` for an exact figure);
 * - Cloud SQL: the limit by memory of Cloud SQL's quotas page, from a `db-custom-<vCPU>-<MiB>` tier
 *   or an Enterprise Plus `db-perf-optimized-N-<vCPU>` tier.
 *
 * @returns the connection limit, or `undefined` when the class or tier is not one it can read.
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Limits.html#RDS_Limits.MaxConnections
 * @see https://cloud.google.com/sql/docs/postgres/quotas#maximum_concurrent_connections
 * @see https://cloud.google.com/sql/docs/postgres/machine-series-overview
 */
export function defaultMaxConnections(service: "rds" | "aurora" | "cloudsql", machine: string): number | undefined {
  if (service !== "cloudsql") {
    const memory = instanceMemoryGiB(machine);
    return memory === undefined ? undefined : Math.min(Math.floor((memory * 2 ** 30) / 9531392), 5000);
  }
  // Enterprise: `db-custom-<vCPU>-<MiB>`. Enterprise Plus: `db-perf-optimized-N-<vCPU>`, N2 machines
  // with 8 GB per vCPU (the 128-vCPU tier has 864 GB).
  const custom = /^db-custom-\d+-(\d+)$/.exec(machine);
  const optimized = /^db-perf-optimized-N-(\d+)$/.exec(machine);
  if (!custom && !optimized) return undefined;
  const gb = custom ? Number(custom[1]) / 1024 : Number(optimized![1]) === 128 ? 864 : 8 * Number(optimized![1]);
  const limits: [number, number][] = [[120, 1000], [60, 800], [30, 600], [15, 500], [7.5, 400], [6, 200], [3.75, 100]];
  return limits.find(([floor]) => gb >= floor)?.[1] ?? 50;
}

/** Problems with {@link ManagedDataStores}. */
export function validateManagedDataStores(stores: ManagedDataStores | undefined): ArgProblem[] {
  const problems: ArgProblem[] = [];
  for (const key of ["maxConnections", "memoryGiB", "storageGiB"] as const) {
    const n = stores?.postgres?.[key];
    if (n !== undefined && !(Number.isFinite(n) && n > 0)) problems.push({ path: ["managedDataStores", "postgres", key], message: `must be a number > 0 (got ${n})` });
  }
  return problems;
}

const GiB = 2 ** 30;

/**
 * The alert groups of the managed data stores, from the seed table's thresholds: connections as a
 * share of `max_connections`, replication lag, storage, memory and (Redis) evictions; Amazon MQ's
 * queue depth, unacknowledged messages, consumers and memory/disk limits; and the exporters' own
 * scrape errors, so a broken exporter does not look like a healthy database.
 *
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-metrics.html
 * @see https://cloud.google.com/monitoring/api/metrics_gcp
 */
export function managedRuleGroups(stores: ManagedDataStores, t: ResolvedThresholds): AlertRuleGroup[] {
  const groups: AlertRuleGroup[] = [];
  const pg = stores.postgres;
  if (pg && pg.service !== "cloudsql") {
    const m = cloudwatchMetrics[pg.service];
    const db = `max by (dbinstance_identifier) (${cw(m[0])})`;
    const who = "{{ $labels.dbinstance_identifier }}";
    const rules: AlertRule[] = [];
    if (pg.maxConnections) rules.push(...connections(t, `100 * ${db} / ${pg.maxConnections}`, who, pg.maxConnections));
    const lag = pg.service === "aurora" ? `max by (dbinstance_identifier) (${cw(m[1])}) / 1000` : `max by (dbinstance_identifier) (${cw(m[1])})`;
    rules.push(...replicaLag(t, "ManagedPostgresReplicationLag", lag, `Replica ${who}`));
    if (pg.service === "rds" && pg.storageGiB) rules.push(...storage(t, `100 * (1 - min by (dbinstance_identifier) (${cw(cloudwatchMetrics.rds[2])}) / ${pg.storageGiB * GiB})`, who));
    if (pg.memoryGiB) rules.push(...memory(t, "ManagedPostgresMemory", `100 * (1 - min by (dbinstance_identifier) (${cw(m[m.length - 1])}) / ${pg.memoryGiB * GiB})`, `Postgres ${who}`));
    groups.push({ name: "platform-managed-postgres", rules });
  }
  if (pg?.service === "cloudsql") {
    const s = stackdriverMetrics.cloudsql;
    const sd = (metric: string) => `max by (database_id) (${stackdriverSeries(s.resource, metric)})`;
    const who = "{{ $labels.database_id }}";
    groups.push({
      name: "platform-managed-postgres",
      rules: [
        // num_backends is per database (label `database`); max_connections bounds their sum.
        ...(pg.maxConnections ? connections(t, `100 * sum by (database_id) (${stackdriverSeries(s.resource, s.backends)}) / ${pg.maxConnections}`, who, pg.maxConnections) : []),
        ...replicaLag(t, "ManagedPostgresReplicationLag", sd(s.replicaLag), `Replica ${who}`),
        ...storage(t, `100 * ${sd(s.disk)}`, who),
        ...memory(t, "ManagedPostgresMemory", `100 * ${sd(s.memory)}`, `Postgres ${who}`),
      ],
    });
  }
  if (stores.redis?.service === "elasticache") {
    const m = cloudwatchMetrics.elasticache;
    const by = (i: number) => `max by (cache_cluster_id) (${cw(m[i])})`;
    const who = "{{ $labels.cache_cluster_id }}";
    groups.push({ name: "platform-managed-redis", rules: [...memory(t, "ManagedRedisMemory", by(0), `Redis ${who}`), evictions(`${by(1)} > 0`, who), ...replicaLag(t, "ManagedRedisReplicationLag", by(2), `Redis replica ${who}`)] });
  }
  if (stores.redis?.service === "memorystore") {
    const s = stackdriverMetrics.memorystore;
    const by = (metric: string) => `max by (instance_id) (${stackdriverSeries(s.resource, metric)})`;
    const who = "{{ $labels.instance_id }}";
    groups.push({
      name: "platform-managed-redis",
      // The exporter's aggregateDeltas turns the DELTA evicted_keys into a counter that never falls: its increase, not its value.
      rules: [...memory(t, "ManagedRedisMemory", `100 * ${by(s.memory)}`, `Redis ${who}`), evictions(`sum by (instance_id) (increase(${stackdriverSeries(s.resource, s.evictions)}[15m])) > 0`, who), ...replicaLag(t, "ManagedRedisReplicationLag", by(s.replicaLag), `Redis replica ${who}`)],
    });
  }
  if (stores.messageQueue?.service === "amazonmq") groups.push({ name: "platform-managed-broker", rules: amazonMqRules(t) });
  const aws = pg?.service === "rds" || pg?.service === "aurora" || stores.redis?.service === "elasticache" || stores.messageQueue !== undefined;
  const gcp = pg?.service === "cloudsql" || stores.redis?.service === "memorystore";
  if (aws || gcp) groups.push({ name: "platform-managed-exporters", rules: exporterRules(aws, gcp) });
  return groups;
}

function connections(t: ResolvedThresholds, expr: string, who: string, max: number): AlertRule[] {
  return leveled(t, {
    name: "ManagedPostgresConnections",
    threshold: "databaseConnectionsPercent",
    expr: (limit) => `${expr} > ${limit}`,
    for: "5m",
    summary: "A managed Postgres is near its connection limit.",
    description: (limit) => `Postgres ${who} uses ${value("%.0f")}% of its ${max} connections (threshold ${limit}%).`,
    runbook: "Route clients through a pooler, lower the services' pool sizes, or raise max_connections (postgres.parameters) or the instance size.",
  });
}

function replicaLag(t: ResolvedThresholds, name: string, expr: string, who: string): AlertRule[] {
  return leveled(t, {
    name,
    threshold: "replicationLagSeconds",
    expr: (limit) => `${expr} > ${limit}`,
    for: "5m",
    summary: "A managed replica lags behind its primary.",
    description: (limit) => `${who} is ${value("%.0f")} s behind its primary (threshold ${limit} s).`,
    runbook: "Check the primary's write load and the replica's CPU and I/O in the cloud console; a lagging replica serves stale reads and slows a failover.",
  });
}

function storage(t: ResolvedThresholds, expr: string, who: string): AlertRule[] {
  return leveled(t, {
    name: "ManagedPostgresStorage",
    threshold: "storagePercent",
    expr: (limit) => `${expr} > ${limit}`,
    for: "15m",
    summary: "A managed Postgres is running out of storage.",
    description: (limit) => `Postgres ${who} uses ${value("%.0f")}% of its storage (threshold ${limit}%).`,
    runbook: "Raise postgres.storageGiB, or find what grows (bloat, WAL kept by a stuck replication slot, logs); a full disk stops writes.",
  });
}

function memory(t: ResolvedThresholds, name: string, expr: string, who: string): AlertRule[] {
  return leveled(t, {
    name,
    threshold: "memoryPercent",
    expr: (limit) => `${expr} > ${limit}`,
    for: "15m",
    summary: "A managed data store is short of memory.",
    description: (limit) => `${who} uses ${value("%.0f")}% of its memory (threshold ${limit}%).`,
    runbook: "Look for large or growing keys and queries with big sorts; move to a larger instance or node type.",
  });
}

function evictions(expr: string, who: string): AlertRule {
  return single("ManagedRedisEvictions", "warning", expr, "15m", "A managed Redis evicts keys.", `Redis ${who} evicted keys: it is full and drops data to make room.`, "Raise the node type or memory size, set TTLs on cache keys, or find the keys that grow.");
}

function amazonMqRules(t: ResolvedThresholds): AlertRule[] {
  const m = cloudwatchMetrics.amazonmq;
  const by = (i: number) => `max by (broker) (${cw(m[i])})`;
  const who = "{{ $labels.broker }}";
  return [
    ...leveled(t, { name: "ManagedBrokerQueueDepth", threshold: "queueMessages", expr: (limit) => `${by(0)} > ${limit}`, for: "15m", summary: "Messages pile up in the managed broker.", description: (limit) => `Broker ${who} holds ${value("%.0f")} messages (threshold ${limit}).`, runbook: "Scale the consumers out, or find why they stopped (logs, errors, a poison message)." }),
    ...leveled(t, { name: "ManagedBrokerUnacked", threshold: "unackedMessages", expr: (limit) => `${by(1)} > ${limit}`, for: "15m", summary: "Consumers hold many unacknowledged messages.", description: (limit) => `Broker ${who} has ${value("%.0f")} unacknowledged messages (threshold ${limit}).`, runbook: "Consumers take messages and do not ack them: look for stuck handlers or a prefetch that is too high." }),
    single("ManagedBrokerNoConsumers", "warning", `min by (broker) (${cw(m[2])}) == 0 and ${by(0)} > 0`, "10m", "Messages wait and no consumer is connected.", `Broker ${who} has messages and no consumer.`, "Check that the consumers run and can reach the broker (credentials, TLS, network)."),
    // Memory and disk are node metrics: each node against its own limit.
    single("ManagedBrokerMemoryAlarm", "critical", `max by (broker, node) (${cw(m[3])}) >= min by (broker, node) (${cw(m[4])})`, "2m", "The managed broker hit its memory limit and blocks publishers.", `Broker ${who} node {{ $labels.node }} reached its memory high watermark: publishers are blocked.`, "Drain the queues (scale consumers), or move to a larger broker instance."),
    single("ManagedBrokerDiskAlarm", "critical", `min by (broker, node) (${cw(m[5])}) <= max by (broker, node) (${cw(m[6])})`, "2m", "The managed broker hit its disk limit and blocks publishers.", `Broker ${who} node {{ $labels.node }} reached its free-disk limit: publishers are blocked.`, "Drain the queues; messages on disk hold the space."),
  ];
}

function exporterRules(aws: boolean, gcp: boolean): AlertRule[] {
  return [
    ...(aws ? [single("CloudWatchExporterErrors", "warning", "max by (namespace, pod) (cloudwatch_exporter_scrape_error) > 0", "15m", "The CloudWatch exporter cannot read CloudWatch.", "The CloudWatch exporter {{ $labels.namespace }}/{{ $labels.pod }} fails to read CloudWatch: managed data stores are not watched.", "kubectl logs the exporter: an AccessDenied means its IAM role (IRSA) or policy is wrong; a throttling error means too many metrics.")] : []),
    ...(gcp ? [single("StackdriverExporterErrors", "warning", "max by (namespace, pod) (stackdriver_monitoring_last_scrape_error) > 0", "15m", "The Stackdriver exporter cannot read Cloud Monitoring.", "The Stackdriver exporter {{ $labels.namespace }}/{{ $labels.pod }} fails to read Cloud Monitoring: managed data stores are not watched.", "kubectl logs the exporter: a PermissionDenied means its Workload Identity binding or roles/monitoring.viewer is missing.")] : []),
  ];
}
