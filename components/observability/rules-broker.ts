/**
 * Alert groups of the in-cluster broker and connection pooler:
 *
 * - RabbitMQ, from its built-in Prometheus plugin as the broker's PodMonitor scrapes it: the
 *   aggregated `/metrics` (alarms) and `/metrics/detailed` with the `queue_coarse_metrics` and
 *   `queue_consumer_count` families (`rabbitmq_detailed_queue_*{queue, vhost}`);
 * - PgBouncer, from the exporter CloudNativePG builds into every Pooler pod (`cnpg_pgbouncer_*`,
 *   port `metrics`), scraped by the stack's own PodMonitor.
 *
 * @see https://www.rabbitmq.com/docs/prometheus#metric-aggregation
 * @see https://github.com/rabbitmq/rabbitmq-server/blob/main/deps/rabbitmq_prometheus/metrics-detailed.md
 * @see https://cloudnative-pg.io/documentation/current/connection_pooling/#monitoring
 */
import { leveled, single, value, type AlertRuleGroup } from "./alerts";
import type { ResolvedThresholds } from "./thresholds";

const pod = "{{ $labels.namespace }}/{{ $labels.pod }}";
/** A RabbitMQ node: `namespace/pod` in a cluster, the container's host on Docker (no namespace). */
const node = "{{ with $labels.namespace }}{{ . }}/{{ end }}{{ $labels.pod }}";
/** A queue: `namespace/vhost/queue` in a cluster, `vhost/queue` on Docker. */
const brokerQueue = "{{ with $labels.namespace }}{{ . }}/{{ end }}{{ $labels.vhost }}/{{ $labels.queue }}";

/**
 * RabbitMQ's alerts: queue depth and unacknowledged messages (seed-style warning/critical pairs),
 * a queue with messages and no consumer, the memory and disk alarms (which block every publisher)
 * and a node whose metrics endpoint is down.
 *
 * The expressions are the same on Docker, whose Prometheus labels the broker's scrapes with `pod`
 * and `container` as the PodMonitor's are (it has no `namespace`); only the runbooks differ.
 *
 * @param t - the thresholds (`queueMessages`, `unackedMessages`).
 * @param on - where the broker runs, for the runbooks. @default "kubernetes"
 * @see https://www.rabbitmq.com/docs/alarms
 */
export function rabbitmqRuleGroup(t: ResolvedThresholds, on: "kubernetes" | "docker" = "kubernetes"): AlertRuleGroup {
  const docker = on === "docker";
  const byQueue = (metric: string) => `max by (namespace, vhost, queue) (rabbitmq_detailed_queue_${metric})`;
  return {
    name: "platform-rabbitmq",
    rules: [
      ...leveled(t, {
        name: "RabbitMQQueueDepth",
        threshold: "queueMessages",
        expr: (limit) => `${byQueue("messages_ready")} > ${limit}`,
        for: "15m",
        summary: "Messages pile up in a RabbitMQ queue.",
        description: (limit) => `Queue ${brokerQueue} holds ${value("%.0f")} ready messages (threshold ${limit}).`,
        runbook: docker
          ? "Start more consumers, or find why they slowed down (logs, errors, a poison message)."
          : "Scale the queue's consumers out (the KEDA trigger reads the same depth), or find why they slowed down (logs, errors, a poison message).",
      }),
      ...leveled(t, {
        name: "RabbitMQUnackedMessages",
        threshold: "unackedMessages",
        expr: (limit) => `${byQueue("messages_unacked")} > ${limit}`,
        for: "15m",
        summary: "Consumers hold many unacknowledged messages.",
        description: (limit) => `Queue ${brokerQueue} has ${value("%.0f")} unacknowledged messages (threshold ${limit}).`,
        runbook: "Consumers take messages and do not ack them: look for stuck handlers, or lower their prefetch.",
      }),
      single(
        "RabbitMQQueueNoConsumers",
        "warning",
        `${byQueue("consumers")} == 0\nand on (namespace, vhost, queue)\n${byQueue("messages_ready")} > 0`,
        "10m",
        "Messages wait in a queue that has no consumer.",
        `Queue ${brokerQueue} has ready messages and no consumer.`,
        "Check that the queue's consumers run and can reach the broker (credentials, TLS, the mesh).",
      ),
      single(
        "RabbitMQMemoryAlarm",
        "critical",
        "max by (namespace, pod) (rabbitmq_alarms_memory_used_watermark) > 0",
        "2m",
        "A RabbitMQ node hit its memory watermark and blocks publishers.",
        `RabbitMQ node ${node} raised the memory alarm: every publishing connection is blocked.`,
        "Drain the queues (scale consumers); raise messageQueue.resources.limits.memory if the load is legitimate.",
      ),
      single(
        "RabbitMQDiskAlarm",
        "critical",
        "max by (namespace, pod) (rabbitmq_alarms_free_disk_space_watermark) > 0",
        "2m",
        "A RabbitMQ node hit its free-disk limit and blocks publishers.",
        `RabbitMQ node ${node} raised the disk alarm: every publishing connection is blocked.`,
        docker ? "Drain the queues, or free disk space on the Docker host (a Docker volume has no size of its own)." : "Drain the queues, or raise messageQueue.storageGiB (the volume can be expanded).",
      ),
      single(
        "RabbitMQNodeDown",
        "critical",
        'max by (namespace, pod) (up{container="rabbitmq"}) == 0',
        "2m",
        "A RabbitMQ node does not answer.",
        `RabbitMQ node ${node} does not serve its metrics: it is down or partitioned.`,
        docker ? "docker ps and docker logs of the broker container; its healthcheck runs rabbitmq-diagnostics ping." : "kubectl describe pod and logs; quorum queues keep serving while a majority of nodes is up.",
      ),
      // RabbitMQNodeDown needs an `up` series: with every node gone (or no scrape matching) there is none.
      single(
        "RabbitMQAbsent",
        "critical",
        'absent(up{container="rabbitmq"})',
        "10m",
        "Prometheus scrapes no RabbitMQ node at all.",
        docker
          ? "No RabbitMQ node (container {{ $labels.container }}) has been scraped for 10 minutes: the broker container is gone, or Prometheus cannot reach its port 15692."
          : "No RabbitMQ node (container {{ $labels.container }}) has been scraped for 10 minutes: the broker is gone, or its PodMonitor no longer matches its pods.",
        docker ? "docker ps -a for the broker container; if it runs, check Prometheus's targets page (job rabbitmq)." : "kubectl get pods of the broker; if they run, check the PodMonitor's selector and Prometheus's targets page.",
      ),
    ],
  };
}

/**
 * PgBouncer's alerts: client connections as a share of `max_client_conn` (the seed's connection
 * thresholds; only when `maxClientConnections` is given), clients waiting for a server connection,
 * and an exporter that cannot read PgBouncer's statistics.
 *
 * @param maxClientConnections - each Pooler pod's `max_client_conn`: CloudNativePG's exporter runs
 *   only SHOW LISTS, POOLS and STATS, so no series reports it.
 * @see https://www.pgbouncer.org/usage.html#show-pools
 * @see https://cloudnative-pg.io/documentation/current/connection_pooling/#monitoring
 */
export function pgbouncerRuleGroup(t: ResolvedThresholds, maxClientConnections?: number): AlertRuleGroup {
  return {
    name: "platform-pgbouncer",
    rules: [
      ...(maxClientConnections === undefined ? [] : leveled(t, {
        name: "PgBouncerClientConnections",
        threshold: "databaseConnectionsPercent",
        expr: (limit) =>
          `100 * sum by (namespace, pod) (cnpg_pgbouncer_pools_cl_active + cnpg_pgbouncer_pools_cl_waiting)\n/ ${maxClientConnections} > ${limit}`,
        for: "5m",
        summary: "A PgBouncer pod is near its client connection limit.",
        description: (limit) => `PgBouncer ${pod} serves ${value("%.0f")}% of its ${maxClientConnections} client connections (threshold ${limit}%).`,
        runbook: "Raise postgres.pooler.maxClientConnections or instances, or lower the services' pool sizes.",
      })),
      single(
        "PgBouncerClientsWaiting",
        "warning",
        "max by (namespace, pod) (cnpg_pgbouncer_pools_maxwait) > 5",
        "5m",
        "Clients wait for a Postgres connection in PgBouncer.",
        `The oldest client waiting in PgBouncer ${pod} has waited ${value("%.0f")} s.`,
        "The server pool is exhausted: raise postgres.pooler.defaultPoolSize (within max_connections) or find long transactions.",
      ),
      single(
        "PgBouncerExporterErrors",
        "warning",
        "max by (namespace, pod) (cnpg_pgbouncer_last_collection_error) > 0",
        "10m",
        "PgBouncer's statistics cannot be read.",
        `The exporter in ${pod} cannot query PgBouncer's admin console.`,
        "kubectl logs the pooler pod; PgBouncer itself may be down or refusing the exporter's user.",
      ),
    ],
  };
}

/**
 * The `spec` of the stack's PodMonitor for PgBouncer: every CloudNativePG Pooler pod (the
 * `cnpg.io/poolerName` label), in any namespace, on its `metrics` port (9127).
 *
 * @see https://cloudnative-pg.io/documentation/current/connection_pooling/#monitoring
 * @see https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.PodMonitor
 */
export function pgbouncerPodMonitorSpec(): Record<string, unknown> {
  return {
    namespaceSelector: { any: true },
    selector: { matchExpressions: [{ key: "cnpg.io/poolerName", operator: "Exists" }] },
    podMetricsEndpoints: [{ port: "metrics", interval: "30s" }],
  };
}
