/**
 * The platform's alert rules, as one list that the Kubernetes backend writes into `PrometheusRule`s
 * and the Docker backend into a Prometheus rule file.
 *
 * Which metrics each rule reads, and who exposes them:
 * - HTTP: the Prometheus client conventions `http_requests_total` (a counter with the status code
 *   in a `status` label, as podinfo writes it, or in `code`, as Go's promhttp writes it) and the
 *   histogram `http_request_duration_seconds`, grouped by `namespace` and `service`: the target
 *   labels a ServiceMonitor adds (the Docker scrape configs must set the same two labels).
 * - Containers: cAdvisor's `container_cpu_usage_seconds_total` / `container_memory_working_set_bytes`
 *   (the kubelet) against kube-state-metrics' `kube_pod_container_resource_limits`; pods and PDBs
 *   from kube-state-metrics. Both ship with kube-prometheus-stack.
 * - Certificates: cert-manager's `certmanager_certificate_expiration_timestamp_seconds` (labels
 *   `name`, `namespace`; a ServiceMonitor without `honorLabels` renames the latter
 *   `exported_namespace`, so the description takes whichever is set).
 * - Postgres: CloudNativePG's default monitoring queries (`cnpg_backends_total`,
 *   `cnpg_pg_settings_setting`, `cnpg_pg_replication_lag`) and the Barman Cloud plugin's backup
 *   timestamps (`barman_cloud_cloudnative_pg_io_*`; the in-core `cnpg_collector_*_backup_*` stay at
 *   zero with plugin backups).
 * - Redis: oliver006/redis_exporter (`redis_up`, `redis_master_link_up`, `redis_instance_info`).
 *
 * @see https://prometheus.io/docs/prometheus/latest/configuration/alerting_rules/
 * @see https://github.com/stefanprodan/podinfo/blob/master/pkg/api/http/metrics.go
 * @see https://github.com/kubernetes/kube-state-metrics/tree/main/docs/metrics
 * @see https://cert-manager.io/docs/devops-tips/prometheus-metrics/
 * @see https://github.com/cloudnative-pg/cloudnative-pg/blob/main/config/manager/default-monitoring.yaml
 * @see https://github.com/cloudnative-pg/plugin-barman-cloud/blob/main/internal/cnpgi/instance/metrics.go
 * @see https://github.com/oliver006/redis_exporter/blob/master/exporter/exporter.go
 */
import { leveled, single, value, type AlertRule, type AlertRuleGroup } from "./alerts";
import type { ResolvedObservability } from "./spec";
import { managedRuleGroups } from "./managed";
import { errorPercent, latencyQuantile, limitPercent } from "./promql";
import { sloRuleGroups } from "./slo";

export { errorPercent, latencyQuantile, limitPercent, requestRate } from "./promql";
import { pgbouncerRuleGroup, rabbitmqRuleGroup } from "./rules-broker";

export type { AlertRule, AlertRuleGroup, RecordingRule } from "./alerts";

/**
 * An alert that always fires, as kube-prometheus-stack's: the dead man's switch. Alertmanager sends
 * it to the heartbeat URL; when it stops arriving, the alerting path is broken.
 * @see https://github.com/prometheus-community/helm-charts/blob/main/charts/kube-prometheus-stack/templates/prometheus/rules-1.14/general.rules.yaml
 */
const WATCHDOG: AlertRule = {
  alert: "Watchdog",
  expr: "vector(1)",
  for: "0m",
  labels: { severity: "none" },
  annotations: {
    summary: "The alerting pipeline works: this alert always fires.",
    description: "Always firing on {{ $externalLabels.environment }}, so that a heartbeat service pages when it stops arriving.",
    runbook: "If the heartbeat service pages, Prometheus or Alertmanager is down or cannot reach it: check both containers and their logs.",
  },
};

/** The window of every `rate()` in the rules. */
const RATE_WINDOW = "5m";

const svc = "{{ $labels.namespace }}/{{ $labels.service }}";
const ctr = "{{ $labels.namespace }}/{{ $labels.pod }} container {{ $labels.container }}";

/**
 * The platform's alert rules from the seeds' table, each threshold as a warning and a critical
 * rule (`<Name>Warning`, `<Name>Critical`, both labelled `alertfamily: <Name>` so Alertmanager can
 * inhibit the warning while the critical fires). Postgres and Redis rules are added only when
 * `dataStores.postgres` / `dataStores.redis` are set.
 *
 * Every rule carries `for`, `labels.severity`, and `summary`, `description` (with `$labels`
 * templating) and `runbook` (what to look at first) annotations.
 *
 * @see https://prometheus.io/docs/prometheus/latest/configuration/alerting_rules/
 * @see https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.Rule
 */
export function alertRuleGroups(spec: Pick<ResolvedObservability, "thresholds" | "dataStores" | "managedDataStores"> & { readonly services?: ResolvedObservability["services"] }, on: "kubernetes" | "docker" = "kubernetes"): AlertRuleGroup[] {
  const t = spec.thresholds;
  const w = RATE_WINDOW;
  const groups: AlertRuleGroup[] = [
    {
      name: "platform-http",
      rules: [
        ...leveled(t, {
          name: "HttpErrorRate",
          threshold: "httpErrorRatePercent",
          expr: (limit) => `${errorPercent("namespace, service", "", w)} > ${limit}`,
          for: "5m",
          summary: "A service answers too many requests with 5xx.",
          description: (limit) => `${value("%.2f")}% of ${svc}'s requests returned 5xx over ${w} (threshold ${limit}%).`,
          runbook: "Read the service's logs and recent deploys (kubectl rollout history); roll back a bad release; check its dependencies (database, Redis).",
        }),
        ...leveled(t, {
          name: "HttpLatencyP99",
          threshold: "latencyP99Seconds",
          expr: (limit) => `${latencyQuantile(0.99, "namespace, service", "", w)} > ${limit}`,
          for: "10m",
          summary: "A service's P99 latency is too high.",
          description: (limit) => `P99 latency of ${svc} is ${value("%.3f")} s (threshold ${limit} s).`,
          runbook: "Check the service's CPU throttling and saturation, slow database queries and traces in Grafana (Tempo); scale out if it is saturated.",
        }),
      ],
    },
  ];
  // cAdvisor, kube-state-metrics and cert-manager exist only on Kubernetes.
  if (on === "kubernetes") groups.push(
    {
      name: "platform-kubernetes",
      rules: [
        ...leveled(t, {
          name: "ContainerCpuNearLimit",
          threshold: "cpuPercent",
          expr: (limit) => `${limitPercent("cpu", "", w)} > ${limit}`,
          for: "15m",
          summary: "A container uses most of its CPU limit.",
          description: (limit) => `${ctr} uses ${value("%.0f")}% of its CPU limit (threshold ${limit}%).`,
          runbook: "A container at its CPU limit is throttled: raise the limit or the HPA's replicas, or find the hot path in a profile.",
        }),
        ...leveled(t, {
          name: "ContainerMemoryNearLimit",
          threshold: "memoryPercent",
          expr: (limit) => `${limitPercent("memory", "", w)} > ${limit}`,
          for: "15m",
          summary: "A container uses most of its memory limit.",
          description: (limit) => `${ctr} uses ${value("%.0f")}% of its memory limit (threshold ${limit}%).`,
          runbook: "At the limit the container is OOM-killed: raise the memory limit, or look for a leak (memory growing without load).",
        }),
        single(
          "PodCrashLooping",
          "warning",
          `max by (namespace, pod, container) (max_over_time(kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff"}[5m])) >= 1\n` +
            `or\nmax by (namespace, pod, container) (increase(kube_pod_container_status_restarts_total[15m])) > 3`,
          "10m",
          "A container is crash looping.",
          `${ctr} is in CrashLoopBackOff or restarted more than 3 times in 15 minutes.`,
          "kubectl logs --previous and kubectl describe pod: look for OOMKilled, failing probes, bad config or a missing secret.",
        ),
        single(
          "PodDisruptionBudgetAtLimit",
          "warning",
          `kube_poddisruptionbudget_status_pod_disruptions_allowed == 0\nand on (namespace, poddisruptionbudget)\nkube_poddisruptionbudget_status_expected_pods > 0`,
          "15m",
          "A PodDisruptionBudget allows no disruption.",
          "PodDisruptionBudget {{ $labels.namespace }}/{{ $labels.poddisruptionbudget }} allows 0 disruptions: node drains and upgrades will block.",
          "Find the unhealthy or pending pods the budget covers (kubectl get pdb,pods -n <namespace>); a budget must leave room for one eviction.",
        ),
        ...leveled(t, {
          name: "CertificateExpiring",
          threshold: "certificateExpiryDays",
          expr: (limit) => `(certmanager_certificate_expiration_timestamp_seconds - time()) / 86400 < ${limit}`,
          for: "1h",
          summary: "A certificate expires soon.",
          description: (limit) => `Certificate {{ or $labels.exported_namespace $labels.namespace }}/{{ $labels.name }} expires in ${value("%.1f")} days (threshold ${limit} days).`,
          runbook: "cert-manager should have renewed it: kubectl describe certificate, then its CertificateRequest and Order; check the issuer's status.",
        }),
      ],
    }
  );
  if (spec.dataStores.postgres && on === "docker") {
    // postgres-exporter's metrics: one instance, no replicas and no backups on Docker.
    groups.push({
      name: "platform-postgres",
      rules: leveled(t, {
        name: "PostgresConnections",
        threshold: "databaseConnectionsPercent",
        expr: (limit) => `100 * sum by (instance) (pg_stat_activity_count)\n/ max by (instance) (pg_settings_max_connections) > ${limit}`,
        for: "5m",
        summary: "Postgres is near its connection limit.",
        description: (limit) => `Postgres at {{ $labels.instance }} uses ${value("%.0f")}% of max_connections (threshold ${limit}%).`,
        runbook: "Connect through PgBouncer, lower the services' pool sizes, or raise max_connections.",
      }),
    });
  } else if (spec.dataStores.postgres) {
    const lastBackup = "max by (namespace, job) (barman_cloud_cloudnative_pg_io_last_available_backup_timestamp)";
    groups.push({
      name: "platform-postgres",
      rules: [
        ...leveled(t, {
          name: "PostgresConnections",
          threshold: "databaseConnectionsPercent",
          expr: (limit) =>
            `100 * sum by (namespace, pod) (cnpg_backends_total)\n/ max by (namespace, pod) (cnpg_pg_settings_setting{name="max_connections"}) > ${limit}`,
          for: "5m",
          summary: "A Postgres instance is near its connection limit.",
          description: (limit) => `Postgres {{ $labels.namespace }}/{{ $labels.pod }} uses ${value("%.0f")}% of max_connections (threshold ${limit}%).`,
          runbook: "Route clients through the PgBouncer Pooler, lower pool sizes in the services, or raise max_connections.",
        }),
        ...leveled(t, {
          name: "PostgresReplicationLag",
          threshold: "replicationLagSeconds",
          expr: (limit) => `max by (namespace, pod) (cnpg_pg_replication_lag) > ${limit}`,
          for: "5m",
          summary: "A Postgres replica lags behind the primary.",
          description: (limit) => `Replica {{ $labels.namespace }}/{{ $labels.pod }} is ${value("%.0f")} s behind the primary (threshold ${limit} s).`,
          runbook: "Check the replica's disk and network I/O and long queries on it; kubectl cnpg status <cluster> shows the streaming state.",
        }),
        ...leveled(t, {
          name: "PostgresBackupTooOld",
          threshold: "backupAgeHours",
          expr: (limit) => `(time() - ${lastBackup}) / 3600 > ${limit}`,
          for: "1h",
          summary: "The last Postgres backup is too old.",
          description: (limit) => `The last backup of {{ $labels.job }} is ${value("%.1f")} hours old (threshold ${limit} hours).`,
          runbook: "kubectl get backups,scheduledbackups -n <namespace>; check the Barman Cloud plugin's logs and the bucket's credentials.",
        }),
        single(
          "PostgresBackupFailed",
          "warning",
          `max by (namespace, job) (barman_cloud_cloudnative_pg_io_last_failed_backup_timestamp)\n> ${lastBackup}`,
          "5m",
          "The last Postgres backup failed.",
          "The most recent backup of {{ $labels.job }} failed after the last successful one.",
          "kubectl describe backup <latest> -n <namespace>; check the plugin sidecar's logs, the bucket and its credentials.",
        ),
      ],
    });
  }
  if (spec.dataStores.redis) {
    groups.push({
      name: "platform-redis",
      rules: [
        single(
          "RedisDown",
          "critical",
          "redis_up == 0",
          "2m",
          "A Redis instance is down.",
          "redis_exporter cannot reach Redis at {{ $labels.instance }}.",
          "kubectl get pods and logs of the Redis StatefulSet; check its volume and memory.",
        ),
        single(
          "RedisMasterLinkDown",
          "critical",
          "redis_master_link_up == 0",
          "2m",
          "A Redis replica lost its link to the master.",
          "Replica {{ $labels.instance }} has no link to master {{ $labels.master_host }}:{{ $labels.master_port }}.",
          "Check the master's health and the network between them; Sentinel fails over if the master is gone.",
        ),
        single(
          "RedisNoMaster",
          "critical",
          `count by (namespace, job) (redis_instance_info)\nunless\ncount by (namespace, job) (redis_instance_info{role="master"})`,
          "2m",
          "A Redis cluster has no master.",
          "No instance of {{ $labels.namespace }}/{{ $labels.job }} reports the master role: writes fail.",
          "Check Sentinel's view (SENTINEL masters) and quorum; a failover needs a majority of Sentinels.",
        ),
        single(
          "RedisFailover",
          "warning",
          `redis_instance_info{role="master"}\nand on (instance)\n(redis_instance_info{role=~"slave|replica"} offset 10m)`,
          "0m",
          "Redis failed over.",
          "{{ $labels.instance }} was a replica 10 minutes ago and is now the master.",
          "Find why the old master failed (its pod's events and logs); clients must follow the new master through Sentinel.",
        ),
      ],
    });
  }
  // kube-prometheus-stack ships Watchdog on Kubernetes; Docker gets the same always-firing alert.
  if (on === "docker") groups.push({ name: "platform-watchdog", rules: [WATCHDOG] });
  if (spec.dataStores.pgbouncer && on === "kubernetes") groups.push(pgbouncerRuleGroup(t, typeof spec.dataStores.pgbouncer === "object" ? spec.dataStores.pgbouncer.maxClientConnections : undefined));
  if (spec.dataStores.rabbitmq) groups.push(rabbitmqRuleGroup(t, on));
  groups.push(...managedRuleGroups(spec.managedDataStores, t));
  for (const service of spec.services ?? []) if (service.slo) groups.push(...sloRuleGroups({ name: service.name, namespace: service.namespace, slo: service.slo }));
  return groups;
}
