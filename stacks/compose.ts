/**
 * The one mapping from stack config to the components' settings. Pure functions of the config
 * (and of what the program already knows, such as a namespace's name), used both by config
 * validation, which runs each component's `validate…` on exactly these settings before any
 * resource exists, and by the program, which constructs the components from them.
 *
 * @see https://www.pulumi.com/docs/iac/concepts/config/
 */
import * as pulumi from "@pulumi/pulumi";
import {
  appServiceDefaults,
  defaultMaxConnections,
  instanceMemoryGiB,
  resolvePostgres,
  type ManagedDataStores,
  dataStoreDefaults,
  flaggerServicePolicy,
  gatewayIdentity,
  gatewayRouteName,
  observabilityDefaults,
  resolveMesh,
  workloadSelectorLabels,
  type ProgressiveDeliveryArgs,
  observabilityEndpoints,
  prometheusIdentity,
  selectorLabels,
  type GatewayRouteArgs,
  type GatewaySettings,
  type MeshProvider,
  type MeshServiceArgs,
  type MessageQueueSettings,
  type ObservabilityStackSettings,
  type PlatformArgs,
  type PostgresSettings,
  type RedisSettings,
  type RouteBackend,
  type ScrapeTarget,
  type ServiceMeshSettings,
} from "../components";
import type { PlatformConfig, ServiceConfig } from "./config/schema";
import { DEMO_SERVICE, type SECRET_KEYS } from "./config/schema";

/** The namespace AppServices run in on Kubernetes unless config names another. */
export const DEFAULT_NAMESPACE = "apps";

/** The namespace of the gateway's controller and Gateway. */
export const GATEWAY_NAMESPACE = "gateway";

/** The namespace of the in-cluster data tier (Postgres, Redis, the broker). */
export const DATA_NAMESPACE = "data";

/** The namespace of the observability stack (created by the Prometheus operator CRDs' release). */
export const MONITORING_NAMESPACE = "monitoring";

/** Config without its secrets: what the settings of every component derive from. */
export type StackConfig = Omit<PlatformConfig, (typeof SECRET_KEYS)[number]>;

/** Config with its secret values wrapped as Pulumi secrets: what the program runs on. */
export interface ProgramConfig extends StackConfig {
  readonly kubeconfig?: pulumi.Output<string>;
  readonly postgresBackupAccessKeyId?: pulumi.Output<string>;
  readonly postgresBackupSecretAccessKey?: pulumi.Output<string>;
}

/** Whether stateful resources are protected and retained: `protect`, on by default in prod. @see https://www.pulumi.com/docs/iac/concepts/options/protect/ */
export function protectOf(config: Pick<StackConfig, "protect" | "environment">): boolean {
  return config.protect ?? config.environment === "prod";
}

/** The services the stack runs: `services`, or the demo service. */
export function servicesOf(config: Pick<StackConfig, "services">): readonly ServiceConfig[] {
  return config.services ?? [DEMO_SERVICE];
}

/** The data stores and broker queues one service is wired to: its `uses` block, each store only while the stack runs it. */
export interface ServiceUses {
  /** The service gets the PostgresCluster's connection settings. */
  readonly postgres: boolean;
  /** The service gets the RedisCluster's connection settings. */
  readonly redis: boolean;
  /** The broker queues (names from `messageQueue.queues`) the service publishes to or consumes from; any queue gives it the broker's connection settings. */
  readonly queues: readonly string[];
}

/**
 * What a service declares it uses (`services[].uses`), limited to the stores the stack runs. A
 * service gets the Secrets, roles and network paths of these only: least privilege, so a
 * service that declares nothing reaches no data store.
 *
 * @see https://kubernetes.io/docs/concepts/security/secrets-good-practices/#least-privilege-secret-access
 */
export function usesOf(service: Pick<ServiceConfig, "uses">, config: Pick<StackConfig, "postgres" | "redis" | "messageQueue">): ServiceUses {
  return {
    postgres: (service.uses?.postgres ?? false) && config.postgres?.enabled !== false,
    redis: (service.uses?.redis ?? false) && config.redis?.enabled !== false,
    queues: config.messageQueue?.enabled === false ? [] : (service.uses?.queues ?? []),
  };
}

/** The namespace of the services on Kubernetes. */
export function namespaceOf(config: Pick<StackConfig, "namespace">): string {
  return config.namespace ?? DEFAULT_NAMESPACE;
}

/**
 * The mesh provider a `mesh` block selects, or `undefined` when the mesh is off.
 *
 * @see https://www.pulumi.com/docs/iac/concepts/config/#structured-configuration
 */
export function meshProvider(config: Pick<StackConfig, "target" | "mesh">): MeshProvider | undefined {
  if (config.mesh?.enabled === false || (config.target === "docker" && config.mesh === undefined)) return undefined;
  return config.mesh?.linkerd && !config.mesh.istio ? "linkerd" : "istio";
}

/**
 * Maps stack config to the platform's arguments. `protect` defaults to on in prod.
 *
 * @see https://www.pulumi.com/docs/iac/concepts/options/protect/
 */
export function platformArgs(config: ProgramConfig): PlatformArgs {
  const environment = config.environment;
  const protect = protectOf(config);
  switch (config.target) {
    case "eks":
      return { target: "eks", eks: { environment, protect, ...config.eks! } };
    case "gke":
      return { target: "gke", gke: { environment, protect, ...config.gke! } };
    case "k3s":
      return { target: "k3s", k3s: { environment, kubeconfig: config.kubeconfig!, ...config.k3s } };
    case "docker":
      return { target: "docker", docker: { environment, ...config.docker } };
  }
}

/** Where a data store's objects go and which namespaces get its connection Secret. */
export interface DataStorePlacement {
  readonly namespace: pulumi.Input<string>;
  readonly clientNamespaces: readonly pulumi.Input<string>[];
}

/** Whether the stack runs the observability stack; the data stores export metrics for it only then, unless told. */
function observed(config: Pick<StackConfig, "observability">): boolean {
  return config.observability?.enabled !== false;
}

/** The placement of the data tier for validation, by name: the program passes the namespaces' outputs. */
export function dataStorePlacement(config: Pick<StackConfig, "namespace">): DataStorePlacement {
  return { namespace: DATA_NAMESPACE, clientNamespaces: [namespaceOf(config)] };
}

/** The PostgresCluster's settings, or `undefined` when `postgres.enabled` is false. */
export function postgresSettings(config: Pick<StackConfig, "postgres" | "protect" | "environment" | "observability" | "dr">, placement: DataStorePlacement): PostgresSettings | undefined {
  const { enabled = true, ...settings } = config.postgres ?? {};
  const recovery = config.dr ? { drRegion: config.dr.region, drill: config.dr.drill, verification: config.dr.verification, ...(config.dr.bucket ? { drBucket: config.dr.bucket } : {}) } : undefined;
  return enabled ? { ...settings, ...placement, protect: protectOf(config), monitoring: settings.monitoring ?? observed(config), ...(recovery ? { recovery } : {}) } : undefined;
}

/**
 * The PostgresCluster's settings with the backup's S3 access key pair from the secret keys
 * `postgresBackupAccessKeyId` and `postgresBackupSecretAccessKey`, when both are set (k3s: the
 * component writes them to a Secret of its own). The other site's bucket (`recovery.drBucket`, from
 * `dr.bucket`) is reached with the same pair.
 */
export function withBackupCredentials(settings: PostgresSettings, accessKeyId?: pulumi.Input<string>, secretAccessKey?: pulumi.Input<string>): PostgresSettings {
  if (accessKeyId === undefined || secretAccessKey === undefined) return settings;
  const backup = settings.backup ?? {};
  const credentials = { accessKeyId, secretAccessKey };
  const recovery = settings.recovery?.drBucket ? { recovery: { ...settings.recovery, drBucket: { ...settings.recovery.drBucket, credentials } } } : {};
  return { ...settings, backup: { ...backup, bucket: { ...backup.bucket, credentials } }, ...recovery };
}

/** The RedisCluster's settings, or `undefined` when `redis.enabled` is false. */
export function redisSettings(config: Pick<StackConfig, "redis" | "protect" | "environment" | "observability"> & Partial<Pick<StackConfig, "dr" | "target">>, placement: DataStorePlacement): RedisSettings | undefined {
  const { enabled = true, ...settings } = config.redis ?? {};
  // The cache crosses regions on EKS only (an ElastiCache Global Datastore); Memorystore for Redis cannot.
  const dr = config.target === "eks" && config.dr?.region ? { drRegion: config.dr.region } : {};
  return enabled ? { ...settings, ...placement, protect: protectOf(config), monitoring: settings.monitoring ?? observed(config), ...dr } : undefined;
}

/** The MessageQueue's settings, or `undefined` when `messageQueue.enabled` is false. */
export function messageQueueSettings(config: Pick<StackConfig, "messageQueue" | "protect" | "environment">, placement: DataStorePlacement): MessageQueueSettings | undefined {
  const { enabled = true, ...settings } = config.messageQueue ?? {};
  return enabled ? { ...settings, ...placement, protect: protectOf(config) } : undefined;
}

/** Whether Flagger drives the service's canary: `canary.analysis` is set. */
export function progressive(service: Pick<ServiceConfig, "canary">): boolean {
  return service.canary?.analysis !== undefined;
}

/** Whether the stack installs Flagger: a service has `canary.analysis` and the mesh is on. */
export function needsFlagger(config: Pick<StackConfig, "target" | "mesh" | "services">): boolean {
  return meshProvider(config) !== undefined && config.target !== "docker" && servicesOf(config).some(progressive);
}

/** One service as the mesh sees it: its Service's port and pod selector, with its `mesh` block and canary weights, or `progressive` when Flagger routes it. */
export function meshService(service: ServiceConfig, namespace: string): MeshServiceArgs {
  const flagger = progressive(service);
  return {
    name: service.name,
    namespace,
    port: service.servicePort ?? appServiceDefaults.servicePort,
    selector: workloadSelectorLabels(service.name, flagger),
    ...service.mesh,
    canary: service.canary?.weights && !flagger ? { weights: service.canary.weights } : undefined,
    ...(flagger ? { progressive: true } : {}),
  };
}

/**
 * A service's progressive delivery, or `undefined` without `canary.analysis` (or without a mesh):
 * the mesh, the analysis, the limits from `observability.thresholds` (the warning levels of
 * `httpErrorRatePercent` and `latencyP99Seconds`), the platform's Prometheus, and the mesh's policy
 * for what Flagger generates.
 */
export function progressiveSettings(config: StackConfig, index: number): ProgressiveDeliveryArgs | undefined {
  const service = servicesOf(config)[index];
  const mesh = meshProvider(config);
  if (!service?.canary?.analysis || !mesh || config.target === "docker") return undefined;
  const defaults = observabilityDefaults.thresholds;
  const thresholds = config.observability?.thresholds;
  const resolved = resolveMesh(meshSettings(config), { environment: config.environment }).services[index];
  return {
    mesh,
    analysis: service.canary.analysis,
    thresholds: {
      httpErrorRatePercent: thresholds?.httpErrorRatePercent?.warning ?? defaults.httpErrorRatePercent.warning,
      latencyP99Seconds: thresholds?.latencyP99Seconds?.warning ?? defaults.latencyP99Seconds.warning,
    },
    metricsServer: observabilityEndpoints(MONITORING_NAMESPACE).prometheus,
    service: flaggerServicePolicy(mesh, resolved),
  };
}

/**
 * The ServiceMesh's settings: the provider the `mesh` block selects (Istio when none), the
 * services, and the identities it must admit (the gateway's and Prometheus's, on Kubernetes).
 */
export function meshSettings(config: StackConfig): ServiceMeshSettings {
  const provider = meshProvider(config);
  const kubernetes = config.target !== "docker";
  const namespace = namespaceOf(config);
  return {
    provider: provider ?? "istio",
    mtls: config.mesh?.mtls,
    defaults: config.mesh?.defaults,
    replicas: provider ? config.mesh?.[provider]?.replicas : undefined,
    // The gateway is an allowed caller of the services it routes to only, as in the NetworkPolicies.
    services: servicesOf(config).map((s) => ({ ...meshService(s, namespace), routed: config.gateway?.routes?.some((r) => r.service === s.name) ?? false })),
    gateway: config.gateway?.enabled !== false && kubernetes ? gatewayIdentity(GATEWAY_NAMESPACE) : undefined,
    metricsScraper: config.observability?.enabled !== false && kubernetes ? prometheusIdentity(MONITORING_NAMESPACE) : undefined,
    tracing: config.observability?.enabled !== false && kubernetes ? { otlpService: `otel-collector.${MONITORING_NAMESPACE}.svc.cluster.local`, otlpPort: 4317 } : undefined,
  };
}

/** What Prometheus scrapes for one configured service: its Service's `http` port (or `metrics`). */
export function scrapeTarget(service: ServiceConfig, namespace: string): ScrapeTarget {
  const metrics = service.metrics === false ? undefined : service.metrics;
  const separate = metrics?.port !== undefined && metrics.port !== service.port;
  return {
    name: service.name,
    namespace,
    selector: selectorLabels(service.name),
    portName: separate ? "metrics" : "http",
    port: metrics?.port ?? service.port,
    path: metrics?.path,
    // A worker serves no requests: no availability or latency to promise.
    slo: service.worker ? false : service.slo,
  };
}

/**
 * The ObservabilityStack's settings, or `undefined` when `observability.enabled` is false. Receiver
 * URLs, routing and API keys, SMTP passwords and the heartbeat URL go through `secret` (the program
 * wraps them as Pulumi secrets).
 */
export function observabilitySettings(
  config: StackConfig,
  secret: (value: string) => pulumi.Input<string> = (value) => value,
): ObservabilityStackSettings | undefined {
  if (config.observability?.enabled === false) return undefined;
  const { enabled: _enabled, receivers, heartbeat, ...settings } = config.observability ?? {};
  const secretOf = (value: string | undefined) => (value === undefined ? undefined : secret(value));
  const namespace = namespaceOf(config);
  const kubernetes = config.target !== "docker";
  return {
    ...settings,
    protect: protectOf(config),
    receivers: receivers?.map((r) => ({ ...r, url: secretOf(r.url), routingKey: secretOf(r.routingKey), apiKey: secretOf(r.apiKey), smtpPassword: secretOf(r.smtpPassword) })),
    ...(heartbeat ? { heartbeat: { url: secret(heartbeat.url) } } : {}),
    namespace: MONITORING_NAMESPACE,
    services: servicesOf(config).map((s) => scrapeTarget(s, namespace)),
    dataStores: monitoredDataStores(config),
    managedDataStores: managedDataStores(config),
    mesh: kubernetes ? meshProvider(config) : undefined,
    gatewayNamespace: kubernetes && config.gateway?.enabled !== false ? GATEWAY_NAMESPACE : undefined,
  };
}

/**
 * The data stores Prometheus can see, for their alerts: in-cluster ones export metrics
 * (CloudNativePG and its PgBouncer Poolers, Valkey, RabbitMQ, or their exporters on Docker); RDS,
 * ElastiCache, Cloud SQL and Memorystore report to the cloud's own monitoring instead (see
 * {@link managedDataStores}).
 */
function monitoredDataStores(config: StackConfig): { postgres: boolean; redis: boolean; pgbouncer: false | { maxClientConnections: number }; rabbitmq: boolean } {
  const placement = dataStorePlacement(config);
  const inCluster = (settings: { mode?: string } | undefined) => settings !== undefined && (settings.mode ?? dataStoreDefaults.mode) === "in-cluster";
  const exported = (settings: PostgresSettings | RedisSettings | undefined) => inCluster(settings) && settings!.monitoring !== false;
  const postgres = postgresSettings(config, placement);
  const queue = messageQueueSettings(config, placement);
  const kubernetes = config.target !== "docker";
  return {
    postgres: exported(postgres),
    redis: exported(redisSettings(config, placement)),
    // The Pooler's exporter does not report max_client_conn: the alert divides by the configured one.
    pgbouncer: kubernetes && exported(postgres) && postgres!.pooler?.enabled !== false && { maxClientConnections: resolvePostgres("postgres", postgres!, { environment: config.environment }).pooler.maxClientConnections },
    // In a cluster the broker's PodMonitor scrapes RabbitMQ; on Docker its container's Prometheus plugin (see program.ts).
    rabbitmq: inCluster(queue) && (queue!.broker ?? "rabbitmq") === "rabbitmq",
  };
}

/**
 * The managed data stores the observability stack watches through the cloud's monitoring API, with
 * what its alerts need to know that the cloud does not report: Postgres's `max_connections`
 * (`postgres.parameters.max_connections`, else the service's default for the instance class or
 * tier), the instance's memory and the allocated storage.
 *
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Limits.html#RDS_Limits.MaxConnections
 */
export function managedDataStores(config: StackConfig): ManagedDataStores {
  if (config.target !== "eks" && config.target !== "gke") return {};
  const aws = config.target === "eks";
  const placement = dataStorePlacement(config);
  const settings = postgresSettings(config, placement);
  const managed = (s: { mode?: string } | undefined) => s !== undefined && s.mode === "managed";
  let postgres: ManagedDataStores["postgres"];
  if (managed(settings)) {
    const pg = resolvePostgres("postgres", settings!, { environment: config.environment });
    const service = aws ? pg.managed.awsEngine : "cloudsql";
    const machine = aws ? pg.managed.instanceClass : pg.managed.tier;
    const explicit = Number(pg.parameters.max_connections);
    postgres = {
      service,
      maxConnections: Number.isInteger(explicit) && explicit > 0 ? explicit : defaultMaxConnections(service, machine),
      ...(aws ? { memoryGiB: instanceMemoryGiB(machine) } : {}),
      ...(service === "rds" ? { storageGiB: pg.storageGiB } : {}),
    };
  }
  return {
    ...(postgres ? { postgres } : {}),
    ...(managed(redisSettings(config, placement)) ? { redis: { service: aws ? "elasticache" : "memorystore" } } : {}),
    ...(aws && managed(messageQueueSettings(config, placement)) ? { messageQueue: { service: "amazonmq" } } : {}),
  };
}

/**
 * Where a service's traffic goes, as its AppService will report it: the Service and its port on
 * Kubernetes, the container and its port on Docker.
 */
export function serviceBackend(service: ServiceConfig, config: Pick<StackConfig, "target" | "namespace" | "mesh">, namespace: pulumi.Input<string> = namespaceOf(config)): RouteBackend {
  const kubernetes = config.target !== "docker";
  return { serviceName: service.name, namespace, port: kubernetes ? (service.servicePort ?? appServiceDefaults.servicePort) : service.port, selector: workloadSelectorLabels(service.name, kubernetes && progressive(service)), ...gatewayRouteName(service.name, kubernetes && progressive(service) ? meshProvider(config) : undefined) };
}

/**
 * The Gateway's settings, or `undefined` when `gateway.enabled` is false: each route of
 * `gateway.routes` named after its service and sent to `backendOf(service)`.
 */
export function gatewaySettings(config: StackConfig, backendOf: (service: string) => RouteBackend): GatewaySettings | undefined {
  if (config.gateway?.enabled === false) return undefined;
  const { enabled: _enabled, routes = [], ...settings } = config.gateway ?? {};
  const gatewayRoutes: GatewayRouteArgs[] = routes.map(({ service, ...route }) => ({ ...route, name: service, backend: backendOf(service) }));
  // Traces start at the edge: Traefik sends them to the observability stack's collector.
  const traced = config.target !== "docker" && config.observability?.enabled !== false;
  const tracing = traced ? { otlpGrpcEndpoint: observabilityEndpoints(MONITORING_NAMESPACE).otlpGrpc.replace(/^http:\/\//, "") } : undefined;
  return { ...settings, namespace: GATEWAY_NAMESPACE, routes: gatewayRoutes, mesh: meshProvider(config), ...(tracing ? { tracing } : {}) };
}
