/**
 * Unit-test cases of the broker, pooler and managed-store alerts (see rule-cases.ts for the
 * shape). Series names are written out as the exporters document them, not derived with the
 * code's own naming functions, so a naming mistake fails here.
 *
 * @see https://github.com/prometheus/cloudwatch_exporter#configuration
 * @see https://github.com/prometheus-community/stackdriver_exporter#metrics
 * @see https://github.com/rabbitmq/rabbitmq-server/blob/main/deps/rabbitmq_prometheus/metrics-detailed.md
 */
import { counter, gauge, s, type Scenario, type SingleCase, type StackFacts, type ThresholdCase } from "./rule-cases";

const GiB = 2 ** 30;
const rdsDb = { dbinstance_identifier: "postgres-rds-1a2b" };
const sqlDb = { database_id: "acme-platform-prod:postgres-9f8e", project_id: "acme-platform-prod", region: "europe-west1" };
const cache = { cache_cluster_id: "redis-0001-001" };
const memorystore = { instance_id: "projects/acme-platform-prod/locations/europe-west1/instances/redis", node_id: "node-0", region: "europe-west1" };
/**
 * RabbitMQ's series as each target's Prometheus labels them: in a cluster the PodMonitor's
 * `namespace`/`pod`/`container`; on Docker the static jobs' `pod` (the container's host) and
 * `container`, with no namespace (components/observability/docker.ts).
 */
type Labels = Record<string, string>;
const rabbit = (f: StackFacts): { aggregated: Labels; detailed: Labels; node: Labels } =>
  f.target === "docker"
    ? { aggregated: { job: "rabbitmq", instance: "queue:15692", pod: "queue", container: "rabbitmq" }, detailed: { job: "rabbitmq-detailed", instance: "queue:15692", pod: "queue", container: "rabbitmq" }, node: { pod: "queue" } }
    : { aggregated: { namespace: "data", pod: "broker-server-0", container: "rabbitmq", job: "data/broker" }, detailed: { namespace: "data", pod: "broker-server-0", container: "rabbitmq", job: "data/broker" }, node: { namespace: "data", pod: "broker-server-0" } };
const queueOf = (f: StackFacts) => ({ ...rabbit(f).detailed, vhost: "/", queue: "orders" });
const queueKeyOf = (f: StackFacts): Labels => ({ ...(f.target === "docker" ? {} : { namespace: "data" }), vhost: "/", queue: "orders" });
/** A RabbitMQ alarm or `up` series at `v` on each target. */
const rabbitPair = (series: string, fires: number, quiet: number): SingleCase => ({
  fires: (f) => one(s(series, rabbit(f).aggregated), fires, rabbit(f).node),
  quiet: (f) => one(s(series, rabbit(f).aggregated), quiet, rabbit(f).node),
});
const pooler = { namespace: "data", pod: "postgres-pooler-rw-abc" };
const broker = { broker: "message-queue-mq" };
/** Amazon MQ for RabbitMQ's node metrics carry the dimensions Broker and Node. */
const brokerNode = { broker: "message-queue-mq", node: "rabbit@ip-10-0-1-23.eu-west-1.compute.internal" };

/** A gauge scenario of one series, evaluated at 30m. */
const one = (series: string, v: number, labels: Record<string, string>, evalTime = "30m"): Scenario => ({ input: [{ series, values: gauge(v) }], evalTime, labels });
const sql = (metric: string) => `stackdriver_cloudsql_database_cloudsql_googleapis_com_database_${metric}`;
const redisSd = (metric: string) => `stackdriver_redis_instance_redis_googleapis_com_${metric}`;
const sqlKey = { database_id: sqlDb.database_id };
const memorystoreKey = { instance_id: memorystore.instance_id };

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`the stack's facts lack ${what}`);
  return value;
}

export const dataThresholdCases: Record<string, ThresholdCase> = {
  ManagedPostgresConnections: {
    threshold: "databaseConnectionsPercent",
    op: ">",
    at: (v, f) => {
      const n = (v / 100) * need(f.maxConnections, "maxConnections");
      // Cloud SQL counts backends per database: two databases of n/2 each, so only their sum reaches v.
      const backends = (database: string) => ({ series: s(sql("postgresql_num_backends"), { ...sqlDb, database }), values: gauge(n / 2) });
      return f.postgres === "cloudsql" ? { input: [backends("app"), backends("postgres")], evalTime: "30m", labels: sqlKey } : one(s("aws_rds_database_connections_maximum", rdsDb), n, rdsDb);
    },
  },
  ManagedPostgresReplicationLag: {
    threshold: "replicationLagSeconds",
    op: ">",
    at: (v, f) =>
      f.postgres === "cloudsql"
        ? one(s(sql("replication_replica_lag"), sqlDb), v, sqlKey)
        : f.postgres === "aurora"
          ? one(s("aws_rds_aurora_replica_lag_maximum", rdsDb), v * 1000, rdsDb)
          : one(s("aws_rds_replica_lag_maximum", rdsDb), v, rdsDb),
  },
  ManagedPostgresStorage: {
    threshold: "storagePercent",
    op: ">",
    at: (v, f) =>
      f.postgres === "cloudsql" ? one(s(sql("disk_utilization"), sqlDb), v / 100, sqlKey) : one(s("aws_rds_free_storage_space_minimum", rdsDb), (1 - v / 100) * need(f.storageGiB, "storageGiB") * GiB, rdsDb),
  },
  ManagedPostgresMemory: {
    threshold: "memoryPercent",
    op: ">",
    at: (v, f) =>
      f.postgres === "cloudsql" ? one(s(sql("memory_utilization"), sqlDb), v / 100, sqlKey) : one(s("aws_rds_freeable_memory_minimum", rdsDb), (1 - v / 100) * need(f.memoryGiB, "memoryGiB") * GiB, rdsDb),
  },
  ManagedRedisMemory: {
    threshold: "memoryPercent",
    op: ">",
    at: (v, f) => (f.redis === "memorystore" ? one(s(redisSd("stats_memory_usage_ratio"), memorystore), v / 100, memorystoreKey) : one(s("aws_elasticache_database_memory_usage_percentage_maximum", cache), v, cache)),
  },
  ManagedRedisReplicationLag: {
    threshold: "replicationLagSeconds",
    op: ">",
    at: (v, f) => (f.redis === "memorystore" ? one(s(redisSd("replication_master_slaves_lag"), memorystore), v, memorystoreKey) : one(s("aws_elasticache_replication_lag_maximum", cache), v, cache)),
  },
  ManagedBrokerQueueDepth: { threshold: "queueMessages", op: ">", at: (v) => one(s("aws_amazonmq_message_count_maximum", broker), v, broker) },
  ManagedBrokerUnacked: { threshold: "unackedMessages", op: ">", at: (v) => one(s("aws_amazonmq_message_unacknowledged_count_maximum", broker), v, broker) },
  RabbitMQQueueDepth: { threshold: "queueMessages", op: ">", at: (v, f) => one(s("rabbitmq_detailed_queue_messages_ready", queueOf(f)), v, queueKeyOf(f)) },
  RabbitMQUnackedMessages: { threshold: "unackedMessages", op: ">", at: (v, f) => one(s("rabbitmq_detailed_queue_messages_unacked", queueOf(f)), v, queueKeyOf(f)) },
  PgBouncerClientConnections: {
    threshold: "databaseConnectionsPercent",
    op: ">",
    // max_client_conn 1000 (the shipped pooler's, which no series reports): v % of it are active clients.
    at: (v) => ({
      input: [
        { series: s("cnpg_pgbouncer_pools_cl_active", { ...pooler, database: "app", user: "app" }), values: gauge(v * 10) },
        { series: s("cnpg_pgbouncer_pools_cl_waiting", { ...pooler, database: "app", user: "app" }), values: gauge(0) },
      ],
      evalTime: "30m",
      labels: pooler,
    }),
  },
};

const pair = (series: string, labels: Record<string, string>, fires: number, quiet: number, key = labels): SingleCase => ({ fires: () => one(s(series, labels), fires, key), quiet: () => one(s(series, labels), quiet, key) });
const exporterPod = (pod: string) => ({ namespace: "monitoring", pod });

export const dataSingleCases: Record<string, SingleCase> = {
  ManagedRedisEvictions: {
    // Memorystore's evicted_keys reaches Prometheus as a counter (the exporter's aggregateDeltas): it
    // fires while it grows and goes quiet once it stops growing, however high it stays.
    fires: (f: StackFacts) =>
      f.redis === "memorystore" ? { input: [{ series: s(redisSd("stats_evicted_keys"), memorystore), values: counter(0.05) }], evalTime: "30m", labels: memorystoreKey } : one(s("aws_elasticache_evictions_sum", cache), 3, cache),
    quiet: (f: StackFacts) =>
      f.redis === "memorystore" ? { input: [{ series: s(redisSd("stats_evicted_keys"), memorystore), values: "0+3x10 30x170" }], evalTime: "60m", labels: memorystoreKey } : one(s("aws_elasticache_evictions_sum", cache), 0, cache),
  },
  ManagedBrokerNoConsumers: {
    fires: () => ({ input: [{ series: s("aws_amazonmq_consumer_count_minimum", broker), values: gauge(0) }, { series: s("aws_amazonmq_message_count_maximum", broker), values: gauge(5) }], evalTime: "30m", labels: broker }),
    quiet: () => ({ input: [{ series: s("aws_amazonmq_consumer_count_minimum", broker), values: gauge(1) }, { series: s("aws_amazonmq_message_count_maximum", broker), values: gauge(5) }], evalTime: "30m", labels: broker }),
  },
  ManagedBrokerMemoryAlarm: {
    fires: () => ({ input: [{ series: s("aws_amazonmq_rabbit_mqmem_used_maximum", brokerNode), values: gauge(100) }, { series: s("aws_amazonmq_rabbit_mqmem_limit_minimum", brokerNode), values: gauge(100) }], evalTime: "30m", labels: brokerNode }),
    quiet: () => ({ input: [{ series: s("aws_amazonmq_rabbit_mqmem_used_maximum", brokerNode), values: gauge(60) }, { series: s("aws_amazonmq_rabbit_mqmem_limit_minimum", brokerNode), values: gauge(100) }], evalTime: "30m", labels: brokerNode }),
  },
  ManagedBrokerDiskAlarm: {
    fires: () => ({ input: [{ series: s("aws_amazonmq_rabbit_mqdisk_free_minimum", brokerNode), values: gauge(40) }, { series: s("aws_amazonmq_rabbit_mqdisk_free_limit_maximum", brokerNode), values: gauge(50) }], evalTime: "30m", labels: brokerNode }),
    quiet: () => ({ input: [{ series: s("aws_amazonmq_rabbit_mqdisk_free_minimum", brokerNode), values: gauge(500) }, { series: s("aws_amazonmq_rabbit_mqdisk_free_limit_maximum", brokerNode), values: gauge(50) }], evalTime: "30m", labels: brokerNode }),
  },
  CloudWatchExporterErrors: pair("cloudwatch_exporter_scrape_error", exporterPod("cloudwatch-exporter-0"), 1, 0),
  StackdriverExporterErrors: pair("stackdriver_monitoring_last_scrape_error", exporterPod("stackdriver-exporter-0"), 1, 0),
  RabbitMQQueueNoConsumers: {
    fires: (f) => ({ input: [{ series: s("rabbitmq_detailed_queue_consumers", queueOf(f)), values: gauge(0) }, { series: s("rabbitmq_detailed_queue_messages_ready", queueOf(f)), values: gauge(3) }], evalTime: "30m", labels: queueKeyOf(f) }),
    quiet: (f) => ({ input: [{ series: s("rabbitmq_detailed_queue_consumers", queueOf(f)), values: gauge(2) }, { series: s("rabbitmq_detailed_queue_messages_ready", queueOf(f)), values: gauge(3) }], evalTime: "30m", labels: queueKeyOf(f) }),
  },
  RabbitMQMemoryAlarm: rabbitPair("rabbitmq_alarms_memory_used_watermark", 1, 0),
  RabbitMQDiskAlarm: rabbitPair("rabbitmq_alarms_free_disk_space_watermark", 1, 0),
  RabbitMQNodeDown: rabbitPair("up", 0, 1),
  RabbitMQAbsent: {
    fires: () => ({ input: [{ series: s("up", { namespace: "apps", pod: "api-0", container: "api", job: "apps/api" }), values: gauge(1) }], evalTime: "30m", labels: { container: "rabbitmq" } }),
    // A node that is down still has its `up` series: that is RabbitMQNodeDown's, not this alert's.
    quiet: (f) => ({ input: [{ series: s("up", rabbit(f).aggregated), values: gauge(0) }], evalTime: "30m", labels: { container: "rabbitmq" } }),
  },
  PgBouncerClientsWaiting: pair("cnpg_pgbouncer_pools_maxwait", { ...pooler, database: "app", user: "app" }, 12, 1, pooler),
  PgBouncerExporterErrors: pair("cnpg_pgbouncer_last_collection_error", pooler, 1, 0),
};
