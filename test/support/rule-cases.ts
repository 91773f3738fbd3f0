/**
 * Unit-test cases for every alert the platform generates, written as Prometheus's rule unit tests
 * are: input series → the alerts expected at an evaluation time. test/promtool.test.ts turns them
 * into `promtool test rules` files over each shipped stack's generated rule files.
 *
 * A threshold alert (`<Family>Warning`/`<Family>Critical`) has one builder that makes its
 * expression's value `v`; it is run at 5 % beyond the level (must fire) and 5 % short of it (must
 * not fire), for each level, with the levels taken from the seed defaults. Any other alert has an
 * explicit firing and quiet case.
 *
 * @see https://prometheus.io/docs/prometheus/latest/configuration/unit_testing_rules/
 */
import { observabilityDefaults, type ResolvedThresholds } from "../../components/observability/spec";

/** One input series: `metric{labels}` and its values in promtool's expanding notation. */
export interface InputSeries {
  readonly series: string;
  readonly values: string;
}

/** One scenario: its series, when to evaluate, and the labels the alert carries when it fires (besides the rule's own). */
export interface Scenario {
  readonly input: readonly InputSeries[];
  readonly evalTime: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The sampling interval. @default "1m" */
  readonly interval?: string;
}

/** What the target generates differently (Docker has no CloudNativePG). */
export type RuleTarget = "kubernetes" | "docker";

/**
 * What a stack's cases must know that its rules compute from the plan: the target and, for managed
 * stores, the service and the figures the seed thresholds are relative to, stated here from the
 * services' documented defaults rather than read back from the rules.
 */
export interface StackFacts {
  readonly target: RuleTarget;
  readonly postgres?: "rds" | "aurora" | "cloudsql";
  readonly redis?: "elasticache" | "memorystore";
  /** Postgres's max_connections. */
  readonly maxConnections?: number;
  readonly memoryGiB?: number;
  readonly storageGiB?: number;
}

/** A threshold family: its threshold key, the comparison, and a scenario whose expression evaluates to `v`. */
export interface ThresholdCase {
  readonly threshold: keyof ResolvedThresholds | ((levels: "warning" | "critical") => number);
  readonly op: ">" | "<";
  readonly at: (v: number, facts: StackFacts) => Scenario;
}

/** A single alert: one scenario where it fires, one where it stays quiet (none only for an alert that fires by design, saying why). */
export type SingleCase =
  | { readonly fires: (facts: StackFacts) => Scenario; readonly quiet: (facts: StackFacts) => Scenario }
  | { readonly fires: (facts: StackFacts) => Scenario; readonly quiet?: undefined; readonly alwaysFires: string };

/** Series notation: `name{a="b", …}`. */
export const s = (name: string, labels: Record<string, string> = {}): string =>
  `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(", ")}}`;
/** A constant gauge over `n` samples. */
export const gauge = (v: number, n = 180): string => `${v}x${n}`;
/** A counter growing by `perSecond` per second, sampled every minute. */
export const counter = (perSecond: number, n = 180): string => `0+${perSecond * 60}x${n}`;

const app = { namespace: "apps", service: "api" };
const ctr = { namespace: "apps", pod: "api-0", container: "api" };
const pg = { namespace: "data", pod: "postgres-1" };
const pgDocker = { instance: "postgres-exporter:9187" };

/** Cases of the threshold families, by family name. */
export const thresholdCases: Record<string, ThresholdCase> = {
  HttpErrorRate: {
    threshold: "httpErrorRatePercent",
    op: ">",
    at: (v) => ({
      input: [
        { series: s("http_requests_total", { ...app, status: "500" }), values: counter(v) },
        { series: s("http_requests_total", { ...app, status: "200" }), values: counter(100 - v) },
      ],
      evalTime: "20m",
      labels: app,
    }),
  },
  HttpLatencyP99: {
    threshold: "latencyP99Seconds",
    op: ">",
    // Every request in the bucket (0, le]: the 0.99 quantile interpolates to 0.99 × le.
    at: (v) => ({
      input: [
        { series: s("http_request_duration_seconds_bucket", { ...app, le: String(v / 0.99) }), values: counter(10) },
        { series: s("http_request_duration_seconds_bucket", { ...app, le: "+Inf" }), values: counter(10) },
      ],
      evalTime: "30m",
      labels: app,
    }),
  },
  ContainerCpuNearLimit: {
    threshold: "cpuPercent",
    op: ">",
    at: (v) => ({
      input: [
        { series: s("container_cpu_usage_seconds_total", { ...ctr, image: "api:1" }), values: counter(v / 100) },
        { series: s("kube_pod_container_resource_limits", { ...ctr, resource: "cpu" }), values: gauge(1) },
      ],
      evalTime: "40m",
      labels: ctr,
    }),
  },
  ContainerMemoryNearLimit: {
    threshold: "memoryPercent",
    op: ">",
    at: (v) => ({
      input: [
        { series: s("container_memory_working_set_bytes", { ...ctr, image: "api:1" }), values: gauge(v * 1e6) },
        { series: s("kube_pod_container_resource_limits", { ...ctr, resource: "memory" }), values: gauge(100e6) },
      ],
      evalTime: "40m",
      labels: ctr,
    }),
  },
  CertificateExpiring: {
    threshold: "certificateExpiryDays",
    op: "<",
    // time() is the evaluation time in seconds since 0: the certificate expires `v` days after 2h.
    at: (v) => ({
      input: [{ series: s("certmanager_certificate_expiration_timestamp_seconds", { namespace: "apps", name: "api-tls" }), values: gauge(7200 + v * 86400) }],
      evalTime: "2h",
      labels: { namespace: "apps", name: "api-tls" },
    }),
  },
  PostgresConnections: {
    threshold: "databaseConnectionsPercent",
    op: ">",
    at: (v, facts) =>
      facts.target === "docker"
        ? {
            input: [
              { series: s("pg_stat_activity_count", { ...pgDocker, datname: "app", state: "active" }), values: gauge(v) },
              { series: s("pg_settings_max_connections", pgDocker), values: gauge(100) },
            ],
            evalTime: "10m",
            labels: pgDocker,
          }
        : {
            input: [
              { series: s("cnpg_backends_total", { ...pg, datname: "app", usename: "app", state: "active" }), values: gauge(v) },
              { series: s("cnpg_pg_settings_setting", { ...pg, name: "max_connections" }), values: gauge(100) },
            ],
            evalTime: "10m",
            labels: pg,
          },
  },
  PostgresReplicationLag: {
    threshold: "replicationLagSeconds",
    op: ">",
    at: (v) => ({ input: [{ series: s("cnpg_pg_replication_lag", pg), values: gauge(v) }], evalTime: "10m", labels: pg }),
  },
  PostgresBackupTooOld: {
    threshold: "backupAgeHours",
    op: ">",
    // The last backup finished `v` hours before the evaluation at 3h (a timestamp before 0 is only a number).
    at: (v) => ({
      input: [{ series: s("barman_cloud_cloudnative_pg_io_last_available_backup_timestamp", { namespace: "data", job: "postgres" }), values: gauge(3 * 3600 - v * 3600) }],
      evalTime: "3h",
      labels: { namespace: "data", job: "postgres" },
    }),
  },
};

const redis = { instance: "redis-0:9121", namespace: "data", job: "redis" };

/** Cases of the single alerts, by alert name. */
/** The restore check's CronJob series, constant over the scenario (seconds since the test's start). */
function restoreCheck(at: { lastSchedule: number; lastSuccess: number; next: number }, evalTime: string): Scenario {
  const labels = { namespace: "data", cronjob: "postgres-restore-check" };
  return {
    input: [
      { series: s("kube_cronjob_status_last_schedule_time", labels), values: gauge(at.lastSchedule, 400) },
      { series: s("kube_cronjob_status_last_successful_time", labels), values: gauge(at.lastSuccess, 400) },
      { series: s("kube_cronjob_next_schedule_time", labels), values: gauge(at.next, 400) },
    ],
    evalTime,
    labels,
  };
}

export const singleCases: Record<string, SingleCase> = {
  Watchdog: { fires: () => ({ input: [], evalTime: "5m", labels: {} }), alwaysFires: "the dead man's switch: its silence is the alarm" },
  PodCrashLooping: {
    fires: () => ({
      input: [{ series: s("kube_pod_container_status_waiting_reason", { ...ctr, reason: "CrashLoopBackOff" }), values: gauge(1) }],
      evalTime: "30m",
      labels: ctr,
    }),
    quiet: () => ({
      input: [
        { series: s("kube_pod_container_status_waiting_reason", { ...ctr, reason: "CrashLoopBackOff" }), values: gauge(0) },
        { series: s("kube_pod_container_status_restarts_total", ctr), values: "0+1x3 3x177" },
      ],
      evalTime: "30m",
      labels: ctr,
    }),
  },
  PodDisruptionBudgetAtLimit: {
    fires: () => pdb(0),
    quiet: () => pdb(1),
  },
  PostgresBackupFailed: {
    fires: () => backups(2000, 1000),
    quiet: () => backups(1000, 2000),
  },
  // The restore check (components/postgres/kubernetes-recovery.ts): kube-state-metrics' CronJob
  // timestamps of the onprem stack's `postgres-restore-check` in `data`, hourly.
  PostgresRestoreCheckFailed: {
    // Last run at 1 h, last success at 0: the latest run failed, for longer than a run may last (25 min).
    fires: () => restoreCheck({ lastSchedule: 3600, lastSuccess: 0, next: 7200 }, "40m"),
    // The latest run succeeded after it was scheduled.
    quiet: () => restoreCheck({ lastSchedule: 3600, lastSuccess: 3700, next: 7200 }, "40m"),
  },
  PostgresRestoreCheckStale: {
    // At 5 h (18,000 s), no success since 0: more than 3 periods of 1 h (next − last schedule).
    fires: () => restoreCheck({ lastSchedule: 14400, lastSuccess: 0, next: 18000 }, "300m"),
    // The last success at 14,000 s is 4,000 s old: under 3 periods.
    quiet: () => restoreCheck({ lastSchedule: 14400, lastSuccess: 14000, next: 18000 }, "300m"),
  },
  RedisDown: { fires: () => redisGauge("redis_up", 0), quiet: () => redisGauge("redis_up", 1) },
  RedisMasterLinkDown: { fires: () => redisGauge("redis_master_link_up", 0), quiet: () => redisGauge("redis_master_link_up", 1) },
  RedisNoMaster: {
    fires: () => ({ input: [{ series: s("redis_instance_info", { ...redis, role: "slave" }), values: gauge(1) }], evalTime: "10m", labels: { namespace: "data", job: "redis" } }),
    quiet: () => ({
      input: [
        { series: s("redis_instance_info", { ...redis, role: "slave" }), values: gauge(1) },
        { series: s("redis_instance_info", { ...redis, instance: "redis-1:9121", role: "master" }), values: gauge(1) },
      ],
      evalTime: "10m",
      labels: { namespace: "data", job: "redis" },
    }),
  },
  RedisFailover: {
    // redis-0 is a replica for 15 minutes, then the master.
    fires: () => ({
      input: [
        { series: s("redis_instance_info", { ...redis, role: "slave" }), values: "1x15" },
        { series: s("redis_instance_info", { ...redis, role: "master" }), values: "_x15 1x30" },
      ],
      evalTime: "20m",
      labels: { ...redis, role: "master" },
    }),
    quiet: () => ({ input: [{ series: s("redis_instance_info", { ...redis, role: "master" }), values: gauge(1, 45) }], evalTime: "20m", labels: { ...redis, role: "master" } }),
  },
};

function pdb(allowed: number): Scenario {
  const labels = { namespace: "apps", poddisruptionbudget: "api" };
  return {
    input: [
      { series: s("kube_poddisruptionbudget_status_pod_disruptions_allowed", labels), values: gauge(allowed) },
      { series: s("kube_poddisruptionbudget_status_expected_pods", labels), values: gauge(2) },
    ],
    evalTime: "30m",
    labels,
  };
}

function backups(failed: number, available: number): Scenario {
  const labels = { namespace: "data", job: "postgres" };
  return {
    input: [
      { series: s("barman_cloud_cloudnative_pg_io_last_failed_backup_timestamp", labels), values: gauge(failed) },
      { series: s("barman_cloud_cloudnative_pg_io_last_available_backup_timestamp", labels), values: gauge(available) },
    ],
    evalTime: "10m",
    labels,
  };
}

function redisGauge(metric: string, value: number): Scenario {
  return { input: [{ series: s(metric, redis), values: gauge(value) }], evalTime: "10m", labels: redis };
}

/** The level of a threshold family for one severity, from the seed defaults. */
export function levelOf(c: ThresholdCase, level: "warning" | "critical"): number {
  return typeof c.threshold === "function" ? c.threshold(level) : observabilityDefaults.thresholds[c.threshold][level];
}
