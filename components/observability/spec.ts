import type * as pulumi from "@pulumi/pulumi";
import type { ArgProblem } from "../contract/problems";
import type { ScrapeEndpoint } from "../contract/metrics";
import type { Environment, Platform, PlatformFacts } from "../contract/platform";
import { validateManagedDataStores, type ManagedDataStores } from "./managed";
import type { AlertThresholdsArgs, ResolvedThresholds, ThresholdArgs } from "./thresholds";

export type { AlertThresholdsArgs, ResolvedThresholds, ThresholdArgs } from "./thresholds";
import { resolveSlo, sloDefaults, validateSlo, type ResolvedSlo, type SloArgs } from "./slo";

/**
 * One workload Prometheus scrapes: an AppService's `/metrics`, found by its Service on Kubernetes
 * and by its container name on Docker.
 */
export interface ScrapeTarget {
  /** The service's name: its Service, its container alias, and the dashboard's title. */
  readonly name: string;
  /** The Service's namespace (Kubernetes). */
  readonly namespace: string;
  /** The labels that select the service's Service (and pods). */
  readonly selector: Readonly<Record<string, string>>;
  /** The Service port's name that serves metrics (`http`, or `metrics` when separate). */
  readonly portName: string;
  /** The container port that serves metrics (Docker scrapes it directly). */
  readonly port: number;
  /** The metrics path. @default "/metrics" */
  readonly path?: string;
  /** The service's objectives, or `false` for none (a worker serves no requests). @default see {@link SloArgs} */
  readonly slo?: SloArgs | false;
}

/**
 * The kinds of alert receiver. Each one's secret part (PagerDuty routing key, Opsgenie API key,
 * webhook URL, SMTP password) is read from a Pulumi secret and written only to a Kubernetes Secret
 * or a secret container upload.
 *
 * @see https://prometheus.io/docs/alerting/latest/configuration/#pagerduty_config
 * @see https://prometheus.io/docs/alerting/latest/configuration/#opsgenie_config
 * @see https://prometheus.io/docs/alerting/latest/configuration/#receiver-integration-settings
 */
export type ReceiverKind = (typeof RECEIVER_KINDS)[number];

/** The receiver kinds. */
export const RECEIVER_KINDS = ["pagerduty", "opsgenie", "slack", "webhook", "email"] as const;

/** The alert severities receivers route. */
export const ALERT_SEVERITIES = ["critical", "warning"] as const;

/** One alert receiver. */
export interface AlertReceiverArgs {
  /** The receiver's name; a DNS-1035 label. */
  readonly name: string;
  readonly kind: ReceiverKind;
  /** `pagerduty`: the Events API v2 integration (routing) key of the service to page (a secret). */
  readonly routingKey?: pulumi.Input<string>;
  /** `opsgenie`: the API integration's key (a secret). */
  readonly apiKey?: pulumi.Input<string>;
  /** `opsgenie`: the API's URL, `https://api.eu.opsgenie.com/` for EU accounts. @default Alertmanager's, https://api.opsgenie.com/ */
  readonly apiUrl?: string;
  /** `slack`/`webhook`: the https:// URL to post to (a secret: Slack URLs carry a token). */
  readonly url?: pulumi.Input<string>;
  /** `slack`: the channel, such as `#alerts`. */
  readonly channel?: string;
  /** `email`: the recipient. */
  readonly to?: string;
  /** `email`: the sender, SMTP host:port and user; the password is `smtpPassword`. */
  readonly from?: string;
  readonly smarthost?: string;
  readonly smtpUsername?: string;
  /** `email`: the SMTP password (a secret). */
  readonly smtpPassword?: pulumi.Input<string>;
  /** Which severities go to this receiver. @default ["critical", "warning"] */
  readonly severities?: readonly (typeof ALERT_SEVERITIES)[number][];
}

/**
 * The in-cluster data stores the stack alerts on: `postgres`/`redis` as documented on
 * {@link ObservabilityStackArgs.dataStores}; `pgbouncer`: CloudNativePG Poolers run (the stack
 * scrapes them with a PodMonitor of its own); `rabbitmq`: `true` where the broker's PodMonitor
 * scrapes RabbitMQ, or on Docker the broker's `metricsEndpoint` (its Prometheus plugin), which gets
 * a `rabbitmq` and a `rabbitmq-detailed` job.
 */
export interface DataStoresArgs {
  readonly postgres?: ScrapeEndpoint | boolean;
  readonly redis?: ScrapeEndpoint | boolean;
  /**
   * CloudNativePG Poolers run; with `maxClientConnections` (their `max_client_conn`, which the
   * Pooler's exporter does not report) the client connections alert divides by it, without it only
   * the waiting-clients and exporter alerts are generated.
   */
  readonly pgbouncer?: boolean | { readonly maxClientConnections: number };
  readonly rabbitmq?: ScrapeEndpoint | boolean;
}

/**
 * The arguments of an {@link ObservabilityStack}.
 */
export interface ObservabilityStackArgs {
  /** Where to deploy. */
  readonly platform: Platform;
  /** The namespace (Kubernetes). It must exist: the Prometheus operator CRDs' release creates it. @default "monitoring" */
  readonly namespace?: string;
  /**
   * Protect and retain the stateful objects (the Prometheus and Loki volumes' releases on
   * Kubernetes, the data volumes on Docker), as the data stores do.
   * @default true in prod, false otherwise
   * @see https://www.pulumi.com/docs/iac/concepts/options/protect/
   */
  readonly protect?: boolean;
  /** How long Prometheus keeps samples, in days. @default 15 in prod, 3 otherwise */
  readonly retentionDays?: number;
  /** Prometheus's volume, in GiB. @default 50 in prod, 10 otherwise */
  readonly storageGiB?: number;
  /** How long Loki keeps logs and Tempo traces, in days; their buckets (EKS, GKE) expire objects a day later. @default 14 in prod, 3 otherwise */
  readonly logRetentionDays?: number;
  /** Loki's volume, in GiB: its logs on k3s; with a bucket, each write pod's volume (write-ahead log, chunks not yet flushed). @default 50 in prod, 10 otherwise */
  readonly logStorageGiB?: number;
  /** Alert receivers. @default none: alerts show in Alertmanager only */
  readonly receivers?: readonly AlertReceiverArgs[];
  /**
   * The dead man's switch: Alertmanager posts the always-firing `Watchdog` alert to `url` every
   * minute, and the heartbeat service (Healthchecks.io, Dead Man's Snitch, Opsgenie or PagerDuty
   * heartbeats…) pages when the posts stop, that is when the alerting path itself is broken.
   * `url` is a secret (heartbeat URLs carry a token).
   * @default none
   */
  readonly heartbeat?: { readonly url: pulumi.Input<string> };
  /** Alert thresholds. @default see {@link AlertThresholdsArgs} */
  readonly thresholds?: AlertThresholdsArgs;
  /** The services to scrape, each with a ServiceMonitor and a dashboard. @default [] */
  readonly services?: readonly ScrapeTarget[];
  /**
   * Whether the stack has Postgres and Redis, for their alerts: `true` where their metrics are
   * scraped otherwise (a PodMonitor in the cluster), or on Docker the exporter to scrape (a data
   * store's `metricsEndpoint`), which gets a `postgres` or `redis` job. The stack never receives a
   * data store's credentials.
   * @default {} (no data-store alerts)
   */
  readonly dataStores?: DataStoresArgs;
  /**
   * The managed data stores (RDS/Aurora, ElastiCache, Amazon MQ on EKS; Cloud SQL, Memorystore on
   * GKE), watched through the CloudWatch or Stackdriver exporter the stack deploys with the
   * cluster's workload identity. See {@link ManagedDataStores}.
   * @default {} (no exporter)
   */
  readonly managedDataStores?: ManagedDataStores;
  /**
   * The service mesh the scraped services run in, if any. Prometheus then joins it so its scrapes
   * pass STRICT mTLS: with Istio it takes the sidecar's certificates (scrapes over https with
   * them), with Linkerd it is meshed. The mesh must admit {@link prometheusIdentity}.
   * @default none
   */
  readonly mesh?: "istio" | "linkerd";
  /** Kubernetes: the gateway's namespace, whose Traefik pods Prometheus scrapes. @default none (no gateway) */
  readonly gatewayNamespace?: string;
  /** Docker only: the host ports Prometheus and Grafana are published on. @default 9090 and 3000, their own ports */
  readonly docker?: { readonly prometheusHostPort?: number; readonly grafanaHostPort?: number };
  /**
   * What the stack's objects must be created after: the Prometheus operator CRDs' release.
   * Children of a component do not inherit its `dependsOn`, so it is passed here.
   * @default []
   */
  readonly dependsOn?: readonly pulumi.Resource[];
}

/** The settings of an ObservabilityStack: its arguments without the platform the composition root hands it. */
export type ObservabilityStackSettings = Omit<ObservabilityStackArgs, "platform">;

/** Defaults of {@link ObservabilityStackArgs}. */
export const observabilityDefaults = {
  namespace: "monitoring",
  /** Docker: Prometheus and Grafana published on their own ports. */
  docker: { prometheusHostPort: 9090, grafanaHostPort: 3000 },
  prod: { retentionDays: 15, storageGiB: 50, logRetentionDays: 14, logStorageGiB: 50 },
  other: { retentionDays: 3, storageGiB: 10, logRetentionDays: 3, logStorageGiB: 10 },
  thresholds: {
    httpErrorRatePercent: { warning: 1, critical: 5 },
    latencyP99Seconds: { warning: 1, critical: 5 },
    databaseConnectionsPercent: { warning: 80, critical: 95 },
    cpuPercent: { warning: 70, critical: 90 },
    memoryPercent: { warning: 80, critical: 95 },
    replicationLagSeconds: { warning: 30, critical: 300 },
    backupAgeHours: { warning: 26, critical: 50 },
    certificateExpiryDays: { warning: 14, critical: 7 },
    storagePercent: { warning: 80, critical: 90 },
    queueMessages: { warning: 1000, critical: 10000 },
    unackedMessages: { warning: 1000, critical: 5000 },
  } satisfies ResolvedThresholds,
} as const;

/**
 * The in-cluster endpoints the stack serves, derived from its namespace: what Grafana's data
 * sources and the services' `OTEL_EXPORTER_OTLP_ENDPOINT` point at.
 *
 * @see https://opentelemetry.io/docs/specs/otel/protocol/exporter/
 */
export function observabilityEndpoints(namespace: string): { prometheus: string; alertmanager: string; loki: string; tempo: string; otlpGrpc: string; otlpHttp: string } {
  const svc = (name: string, port: number) => `http://${name}.${namespace}.svc.cluster.local:${port}`;
  return {
    prometheus: svc("kube-prometheus-stack-prometheus", 9090),
    alertmanager: svc("kube-prometheus-stack-alertmanager", 9093),
    loki: svc("loki-gateway", 80),
    tempo: svc("tempo", 3200),
    otlpGrpc: svc("otel-collector", 4317),
    otlpHttp: svc("otel-collector", 4318),
  };
}

/**
 * Prometheus's workload identity: the namespace and ServiceAccount kube-prometheus-stack gives it
 * (release `kube-prometheus-stack`), which a mesh admits to every service's metrics.
 *
 * @see https://github.com/prometheus-community/helm-charts/tree/main/charts/kube-prometheus-stack
 */
export function prometheusIdentity(namespace: string): { namespace: string; serviceAccount: string } {
  return { namespace, serviceAccount: "kube-prometheus-stack-prometheus" };
}

/** An {@link ObservabilityStackArgs} with every default applied. */
export interface ResolvedObservability {
  readonly environment: Environment;
  readonly protect: boolean;
  readonly namespace: string;
  readonly retentionDays: number;
  readonly storageGiB: number;
  readonly logRetentionDays: number;
  readonly logStorageGiB: number;
  readonly receivers: readonly AlertReceiverArgs[];
  readonly heartbeat?: { readonly url: pulumi.Input<string> };
  readonly thresholds: ResolvedThresholds;
  readonly services: readonly (Omit<ScrapeTarget, "slo"> & { readonly path: string; readonly slo?: ResolvedSlo })[];
  readonly dataStores: DataStoresArgs;
  readonly managedDataStores: ManagedDataStores;
  readonly mesh?: "istio" | "linkerd";
  readonly gatewayNamespace?: string;
  readonly docker: { readonly prometheusHostPort: number; readonly grafanaHostPort: number };
  readonly dependsOn: readonly pulumi.Resource[];
}

/**
 * Applies the defaults to an {@link ObservabilityStackArgs}.
 * @see observabilityDefaults
 */
export function resolveObservability(args: ObservabilityStackSettings, on: Pick<PlatformFacts, "environment">): ResolvedObservability {
  const d = observabilityDefaults;
  const sized = sloSized(args, on);
  const thresholds = Object.fromEntries(
    Object.entries(d.thresholds).map(([key, value]) => [key, { ...value, ...args.thresholds?.[key as keyof AlertThresholdsArgs] }]),
  ) as unknown as ResolvedThresholds;
  return {
    environment: on.environment,
    protect: args.protect ?? on.environment === "prod",
    namespace: args.namespace ?? d.namespace,
    retentionDays: args.retentionDays ?? sized.retentionDays,
    storageGiB: args.storageGiB ?? sized.storageGiB,
    logRetentionDays: args.logRetentionDays ?? sized.logRetentionDays,
    logStorageGiB: args.logStorageGiB ?? sized.logStorageGiB,
    receivers: args.receivers ?? [],
    heartbeat: args.heartbeat,
    thresholds,
    services: (args.services ?? []).map(({ slo, ...s }) => ({ ...s, path: s.path ?? "/metrics", ...(slo === false ? {} : { slo: resolveSlo(slo) }) })),
    dataStores: args.dataStores ?? {},
    managedDataStores: args.managedDataStores ?? {},
    mesh: args.mesh,
    gatewayNamespace: args.gatewayNamespace,
    docker: { prometheusHostPort: args.docker?.prometheusHostPort ?? d.docker.prometheusHostPort, grafanaHostPort: args.docker?.grafanaHostPort ?? d.docker.grafanaHostPort },
    dependsOn: args.dependsOn ?? [],
  };
}

/** The scrape jobs the stack defines itself, which a service may not be named after. */
const RESERVED_JOBS = ["prometheus", "postgres", "redis"];

/** Whether any service of `args` has an SLO (every service has one unless it sets `slo: false`). */
const hasSlo = (args: ObservabilityStackSettings) => (args.services ?? []).some((s) => s.slo !== false);

/**
 * The retention and volume defaults of an environment. In prod, while a service has an SLO,
 * Prometheus keeps the SLO's whole budget period (30 days, not 15): the budget is a 30-day
 * `sum_over_time` and would silently cover only what Prometheus keeps. The volume grows in
 * proportion (disk, not node memory: the head block Prometheus holds in memory does not grow with
 * retention). Other environments keep their short retention: their budget covers what they keep.
 */
function sloSized(args: ObservabilityStackSettings, on: Pick<PlatformFacts, "environment">): { readonly retentionDays: number; readonly storageGiB: number; readonly logRetentionDays: number; readonly logStorageGiB: number } {
  const d = observabilityDefaults;
  if (on.environment !== "prod") return d.other;
  if (!hasSlo(args) || d.prod.retentionDays >= sloDefaults.periodDays) return d.prod;
  const retentionDays = sloDefaults.periodDays;
  return { ...d.prod, retentionDays, storageGiB: Math.ceil((d.prod.storageGiB * retentionDays) / d.prod.retentionDays) };
}

/** Receivers the stack configures itself. */
const RESERVED_RECEIVERS = ["null", "heartbeat"];

const RECEIVER_NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * Finds every problem with an observability stack's arguments, before any resource exists.
 *
 * @returns the problems, each with its field's path; empty when the arguments are usable.
 * @see https://prometheus.io/docs/prometheus/latest/storage/#operational-aspects
 */
export function validateObservability(args: ObservabilityStackSettings, on: PlatformFacts): ArgProblem[] {
  const problems: ArgProblem[] = [];
  const add = (path: (string | number)[], message: string) => problems.push({ path, message });
  const whole = (n: unknown) => typeof n === "number" && Number.isInteger(n) && n >= 1;
  for (const key of ["retentionDays", "storageGiB", "logRetentionDays", "logStorageGiB"] as const) {
    const value = args[key];
    if (value !== undefined && !whole(value)) add([key], `must be a whole number ≥ 1 (got ${value})${key.endsWith("Days") ? "; retention 0 would keep nothing" : ""}`);
  }
  if (on.environment === "prod" && hasSlo(args) && whole(args.retentionDays) && args.retentionDays! < sloDefaults.periodDays) {
    add(["retentionDays"], `must be at least ${sloDefaults.periodDays} in prod while services have SLOs (got ${args.retentionDays}): the error budget is measured over ${sloDefaults.periodDays} days; raise it, or leave it out (prod then keeps ${sloDefaults.periodDays} days)`);
  }
  for (const key of ["prometheusHostPort", "grafanaHostPort"] as const) {
    const port = args.docker?.[key];
    if (port !== undefined && !(whole(port) && port <= 65535)) add(["docker", key], `must be a TCP port from 1 to 65535 (got ${port})`);
  }
  const prometheusPort = args.docker?.prometheusHostPort ?? observabilityDefaults.docker.prometheusHostPort;
  if (prometheusPort === (args.docker?.grafanaHostPort ?? observabilityDefaults.docker.grafanaHostPort)) {
    add(["docker", "grafanaHostPort"], `must differ from prometheusHostPort (${prometheusPort}): one host port serves one container`);
  }
  for (const [key, pair] of Object.entries(args.thresholds ?? {}) as [keyof AlertThresholdsArgs, ThresholdArgs][]) {
    const resolved = { ...observabilityDefaults.thresholds[key], ...pair };
    for (const level of ["warning", "critical"] as const) {
      if (pair[level] !== undefined && !(typeof pair[level] === "number" && pair[level]! > 0)) add(["thresholds", key, level], `must be a number > 0 (got ${pair[level]})`);
      // A share of a whole can never exceed 100 %: such an alert would never fire.
      if (key.endsWith("Percent") && typeof pair[level] === "number" && pair[level]! >= 100) add(["thresholds", key, level], `must be below 100 (got ${pair[level]}): the alert could never fire`);
    }
    // Expiry counts down: the critical level is the smaller number of days.
    const inverted = key === "certificateExpiryDays";
    if (inverted ? resolved.warning < resolved.critical : resolved.warning > resolved.critical) {
      add(["thresholds", key, "warning"], inverted
        ? `(${resolved.warning} days) must be at least the critical level (${resolved.critical} days): warnings come first`
        : `(${resolved.warning}) must not be above the critical level (${resolved.critical})`);
    }
  }
  (args.services ?? []).forEach((service, i) => {
    // Prometheus refuses two jobs with one name; these are the stack's own jobs.
    if (RESERVED_JOBS.includes(service.name)) add(["services", i, "name"], `"${service.name}" is the name of one of the stack's own scrape jobs (${RESERVED_JOBS.join(", ")}); rename the service`);
    if (service.slo !== false) problems.push(...validateSlo(service.slo, ["services", i, "slo"]));
  });
  const names = new Set<string>();
  (args.receivers ?? []).forEach((r, i) => {
    const at = (field: string, message: string) => add(["receivers", i, field], message);
    if (!RECEIVER_NAME.test(r.name)) at("name", `"${r.name}" must be a DNS-1035 label`);
    if (names.has(r.name)) at("name", `"${r.name}" is declared twice`);
    names.add(r.name);
    if (!(RECEIVER_KINDS as readonly string[]).includes(r.kind)) {
      at("kind", `must be ${RECEIVER_KINDS.join(", ")} (got "${String(r.kind)}")`);
      return;
    }
    if (RESERVED_RECEIVERS.includes(r.name)) at("name", `"${r.name}" is the stack's own receiver (${RESERVED_RECEIVERS.join(", ")}); choose another name`);
    if (r.kind === "slack" || r.kind === "webhook") {
      if (r.url === undefined) at("url", `is required for a ${r.kind} receiver`);
      else if (typeof r.url === "string" && !/^https:\/\/\S+$/.test(r.url)) at("url", "must be an https:// URL: alerts carry internal details and must not travel in plain text");
    }
    if (r.kind === "pagerduty" && r.routingKey === undefined) at("routingKey", "is required for a pagerduty receiver: the Events API v2 integration key of the service to page");
    if (r.kind === "opsgenie" && r.apiKey === undefined) at("apiKey", "is required for an opsgenie receiver: the key of an API integration");
    if (r.apiUrl !== undefined && !/^https:\/\/\S+$/.test(r.apiUrl)) at("apiUrl", `must be an https:// URL such as https://api.eu.opsgenie.com/ (got "${r.apiUrl}")`);
    if (r.severities !== undefined && r.severities.length === 0) at("severities", "must list at least one severity (critical, warning), or leave it out for both: an empty list routes nothing");
    if (r.kind === "email") {
      for (const field of ["to", "from", "smarthost"] as const) if (!r[field]) at(field, "is required for an email receiver");
      if (r.smarthost && !/^[a-z0-9.-]+:\d+$/.test(r.smarthost)) at("smarthost", `must be host:port (got "${r.smarthost}")`);
    }
  });
  const url = args.heartbeat?.url;
  if (args.heartbeat !== undefined && (url === undefined || (typeof url === "string" && !/^https:\/\/\S+$/.test(url)))) {
    add(["heartbeat", "url"], "must be the https:// URL of a heartbeat check (Healthchecks.io, Dead Man's Snitch, an Opsgenie or PagerDuty heartbeat)");
  }
  // In production an alert nobody receives is an outage nobody hears of.
  const paged = (args.receivers ?? []).some((r) => (r.severities ?? ALERT_SEVERITIES).includes("critical"));
  if (on.environment === "prod" && !paged) {
    add(["receivers"], "prod needs a receiver for critical alerts, or they reach nobody: add one (kind pagerduty, opsgenie, slack, webhook or email) whose severities include critical, its secret set with `pulumi config set --secret --path 'platform:observability.receivers[0].routingKey' …`");
  }
  problems.push(...validateManagedDataStores(args.managedDataStores));
  return problems;
}
