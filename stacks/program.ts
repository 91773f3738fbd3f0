/**
 * The platform program: builds the target's platform and add-ons, composes the components onto
 * it, and returns the stack outputs. It takes parsed config and reads nothing else, so tests and
 * the offline plan run exactly what `pulumi up` runs.
 *
 * It runs in phases, each handing the next what it built:
 *
 * 1. **foundation**: the platform, namespaces and cluster add-ons (`foundation.ts`), then the
 *    mesh's control plane, which workloads must start after;
 * 2. **data**: Postgres, Redis and the broker, each handing the services its URL through a Secret;
 * 3. **services**: the observability stack (whose OTLP endpoint services get) and the AppServices;
 * 4. **edge**: the gateway, with a route per `gateway.routes` entry.
 *
 * Every component's settings come from `compose.ts`, the same mapping config validation checks.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  AppService,
  failureAccrualAnnotations,
  Gateway,
  MessageQueue,
  NetworkPolicies,
  ObservabilityStack,
  PostgresCluster,
  RedisCluster,
  movedFrom,
  resolveMesh,
  ServiceMesh,
  topLevelUrn,
  type AppServiceArgs,
  type ClusterAddons,
  type Platform,
  type ScrapeEndpoint,
} from "../components";
import {
  gatewaySettings,
  GATEWAY_NAMESPACE,
  meshProvider,
  meshSettings,
  messageQueueSettings,
  MONITORING_NAMESPACE,
  observabilitySettings,
  postgresSettings,
  withBackupCredentials,
  redisSettings,
  servicesOf,
  type DataStorePlacement,
  type ProgramConfig,
} from "./compose";
import { COMPONENT_NAMES } from "./config/reserved";
import { foundation, type Foundation } from "./foundation";
import { accessLabels, stackNetwork } from "./network-policies";

export { DATA_NAMESPACE, DEFAULT_NAMESPACE, GATEWAY_NAMESPACE, MONITORING_NAMESPACE, platformArgs, type ProgramConfig } from "./compose";

/** The stack outputs, filled phase by phase. */
type Outputs = Record<string, pulumi.Input<unknown>>;

/** A Secret-backed environment variable for every service. */
type SecretEnv = NonNullable<AppServiceArgs["secretEnv"]>;

/** What the mesh phase hands on: the mesh, and what workloads must wait for. */
interface MeshPhase {
  readonly mesh?: ServiceMesh;
  readonly ready: readonly pulumi.Resource[];
  /** Linkerd reads circuit breaking from the Service its clients call: annotations per service. */
  readonly serviceAnnotations: (index: number) => Readonly<Record<string, string>> | undefined;
}

/** The mesh's control plane, then per service its policies; none where no provider is chosen (Docker, or `mesh.enabled: false`). */
function meshPhase(config: ProgramConfig, base: Foundation): MeshPhase {
  const provider = meshProvider(config);
  const settings = meshSettings(config);
  const args = { ...settings, platform: base.platform, dependsOn: [...base.namespaces, ...(base.addons.gatewayApiCrds ? [base.addons.gatewayApiCrds] : [])] };
  // No provider (Docker, or `mesh.enabled: false`): no mesh component, so no warning and no node in the plan.
  const mesh = provider ? new ServiceMesh(COMPONENT_NAMES.mesh, args) : undefined;
  const circuitBreakers = provider === "linkerd" ? resolveMesh(settings, base.platform).services.map((s) => failureAccrualAnnotations(s.circuitBreaker)) : [];
  return { mesh, ready: mesh?.enrollment.ready ?? [], serviceAnnotations: (index) => circuitBreakers[index] };
}

/** What the data phase hands on: the stores services wait for, their URLs as secret env, and their exporters on Docker. */
interface DataPhase {
  readonly stores: readonly pulumi.Resource[];
  readonly secretEnv: SecretEnv;
  readonly metrics: { postgres?: ScrapeEndpoint; redis?: ScrapeEndpoint; rabbitmq?: ScrapeEndpoint };
}

/** The data tier. Each hands the services its URL through a Secret in the services' namespace (on Docker, as a secret env value): never as a literal. */
function dataPhase(config: ProgramConfig, base: Foundation, outputs: Outputs): DataPhase {
  const { platform, addons } = base;
  const placement: DataStorePlacement = { namespace: base.dataNamespace, clientNamespaces: [base.servicesNamespace] };
  const stores: pulumi.Resource[] = [];
  const secretEnv: Record<string, SecretEnv[string]> = {};
  const metrics: DataPhase["metrics"] = {};
  // On Docker the stores run their exporters, which used to be the observability stack's.
  const exportersMoved = (store: string) =>
    platform.kind === "docker" ? { transformations: [movedFrom(topLevelUrn("platform:index:ObservabilityStack", "observability"), { [`${store}-exporter`]: `observability-${store}-exporter`, [`${store}-exporter-image`]: `observability-${store}-exporter-image` })] } : {};

  const settings = postgresSettings(config, placement);
  const postgresArgs = settings && withBackupCredentials(settings, config.postgresBackupAccessKeyId, config.postgresBackupSecretAccessKey);
  if (postgresArgs) {
    const postgres = new PostgresCluster(COMPONENT_NAMES.postgres, { ...postgresArgs, platform, addons }, exportersMoved("postgres"));
    stores.push(postgres);
    secretEnv.DATABASE_URL = { secretName: postgres.connectionSecretName, key: "DATABASE_URL", value: postgres.connectionString };
    metrics.postgres = postgres.metricsEndpoint;
    outputs.postgres = { host: postgres.host, port: postgres.port, readHost: postgres.readHost, database: postgres.database, connectionString: postgres.connectionString };
  }
  const redisArgs = redisSettings(config, placement);
  if (redisArgs) {
    const redis = new RedisCluster(COMPONENT_NAMES.redis, { ...redisArgs, platform, addons }, exportersMoved("redis"));
    stores.push(redis);
    secretEnv.REDIS_URL = { secretName: redis.connectionSecretName, key: "REDIS_URL", value: redis.url };
    metrics.redis = redis.metricsEndpoint;
    // The CA to verify `rediss://` against, where it is private (in-cluster TLS, Memorystore).
    if (redis.caSecretName) secretEnv.REDIS_CA_CERT = { secretName: redis.caSecretName, key: "ca.crt" };
    outputs.redis = { host: redis.host, port: redis.port, url: redis.url, ...(redis.sentinelHost ? { sentinelHost: redis.sentinelHost, sentinelPort: redis.sentinelPort } : {}) };
  }
  // The message broker between the API services and the workers, in the data namespace.
  const queueArgs = messageQueueSettings(config, placement);
  if (queueArgs) {
    const queue = new MessageQueue(COMPONENT_NAMES.messageQueue, { ...queueArgs, platform, addons });
    stores.push(queue);
    secretEnv[queue.urlEnv] = { secretName: queue.connectionSecretName, key: queue.urlEnv, value: queue.url };
    metrics.rabbitmq = queue.metricsEndpoint;
    if (queue.caSecretName) secretEnv[`${queue.urlEnv.replace(/_URL$/, "")}_CA_CERT`] = { secretName: queue.caSecretName, key: "ca.crt" };
    outputs.messageQueue = { host: queue.host, port: queue.port, url: queue.url, ...(queue.managementUrl ? { managementUrl: queue.managementUrl } : {}) };
  }
  return { stores, secretEnv, metrics };
}

/** Observability: scrapes every service and the data stores, and gives services the OTLP endpoint (their env). */
function observabilityPhase(
  config: ProgramConfig,
  platform: Platform,
  addons: ClusterAddons,
  mesh: MeshPhase,
  data: DataPhase,
  outputs: Outputs,
): { otelEnv: Record<string, pulumi.Input<string>>; observability?: ObservabilityStack } {
  // Receiver URLs and SMTP passwords are secrets (config validation insists on it).
  const settings = observabilitySettings(config, (value) => pulumi.secret(value));
  if (!settings) return { otelEnv: {} };
  // On Docker, Prometheus scrapes the stores' exporters where they run them, and the broker's Prometheus plugin.
  const observability = new ObservabilityStack(COMPONENT_NAMES.observability, {
    ...settings,
    dataStores: {
      ...settings.dataStores,
      postgres: data.metrics.postgres ?? settings.dataStores?.postgres,
      redis: data.metrics.redis ?? settings.dataStores?.redis,
      rabbitmq: data.metrics.rabbitmq ?? settings.dataStores?.rabbitmq,
    },
    platform,
    // Prometheus must start after the mesh's injector, or it runs without the proxy its scrapes need.
    dependsOn: [...(addons.prometheusOperatorCrds ? [addons.prometheusOperatorCrds.release] : []), ...mesh.ready],
  });
  outputs.observability = { grafanaUrl: observability.grafanaUrl, prometheusUrl: observability.prometheusUrl };
  return { otelEnv: { ...observability.otlpEnv }, observability };
}

/** The AppServices, after the data stores and the mesh's injector, with the broker's, the stores' and the collector's settings in their env. */
function servicesPhase(config: ProgramConfig, base: Foundation, mesh: MeshPhase, data: DataPhase, otelEnv: Record<string, pulumi.Input<string>>): Record<string, AppService> {
  const observed = config.observability?.enabled !== false;
  const gateway = config.gateway?.enabled === false ? undefined : config.gateway;
  const apps: Record<string, AppService> = {};
  servicesOf(config).forEach((service, index) => {
    const { canary, mesh: _mesh, ...args } = service;
    const routed = gateway?.routes?.some((r) => r.service === service.name) ?? false;
    apps[service.name] = new AppService(service.name, {
      ...args,
      env: { ...otelEnv, ...(Object.keys(otelEnv).length > 0 ? { OTEL_SERVICE_NAME: service.name } : {}), ...args.env },
      platform: base.platform,
      namespace: base.servicesNamespace,
      secretEnv: data.secretEnv,
      serviceAnnotations: mesh.serviceAnnotations(index),
      canary: canary ? { image: canary.image, replicas: canary.replicas } : undefined,
      // The gateway and Prometheus run in their own namespaces; the NetworkPolicy must admit them.
      allowFromNamespaces: base.platform.kind === "kubernetes" ? [...(routed ? [GATEWAY_NAMESPACE] : []), ...(observed ? [MONITORING_NAMESPACE] : [])] : [],
      // In its own namespace, only the callers the mesh admits (network-policies.ts admits them out of theirs).
      ...(base.platform.kind === "kubernetes" ? { allowedCallers: service.mesh?.allowedCallers ?? [], labels: accessLabels(service, config) } : {}),
      // Pods wait for the mesh's injector, or they would start without a proxy.
      dependsOn: [...data.stores, ...mesh.ready],
    });
  });
  return apps;
}

/** The edge: one gateway, a route per `gateway.routes` entry to the named service's backend. */
function edgePhase(config: ProgramConfig, base: Foundation, mesh: MeshPhase, apps: Record<string, AppService>, outputs: Outputs): Gateway | undefined {
  const settings = gatewaySettings(config, (service) => apps[service].backend);
  if (!settings) return undefined;
  const gateway = new Gateway(
    COMPONENT_NAMES.gateway,
    {
      ...settings,
      platform: base.platform,
      addons: base.addons,
      namespaceLabels: base.enrollment?.namespaceLabels,
      podAnnotations: base.enrollment?.gatewayPodAnnotations,
      dependsOn: [...(base.addons.gatewayApiCrds ? [base.addons.gatewayApiCrds] : []), ...mesh.ready],
    },
    { dependsOn: Object.values(apps) },
  );
  outputs.gateway = { address: gateway.address, urls: gateway.urls };
  return gateway;
}

/**
 * Kubernetes: default deny in every namespace the program created, then the paths it wired
 * (network-policies.ts), after everything else, so that the namespaces Helm releases create exist
 * and no webhook of the first `pulumi up` is cut off. Docker has one bridge network and no policies.
 */
function networkPhase(config: ProgramConfig, base: Foundation, components: readonly pulumi.Resource[]): void {
  if (base.platform.kind !== "kubernetes") return;
  const network = stackNetwork(config, base.platform, { cnpg: base.addons.cloudNativePg !== undefined, rabbitmq: base.addons.rabbitmqOperators !== undefined });
  new NetworkPolicies("network", { platform: base.platform, ...network, dependsOn: [...base.namespaces, ...base.installed, ...components] });
}

/**
 * Runs the program.
 *
 * @param config - validated stack config, with secrets wrapped.
 * @returns the stack outputs: target, service URLs, and for Kubernetes the cluster name and
 *   kubeconfig (a secret).
 * @see https://www.pulumi.com/docs/iac/concepts/stacks/#outputs
 */
export function main(config: ProgramConfig): Record<string, pulumi.Input<unknown>> {
  const outputs: Outputs = {};
  const base = foundation(config);
  const mesh = meshPhase(config, base);
  const data = dataPhase(config, base, outputs);
  const { otelEnv, observability } = observabilityPhase(config, base.platform, base.addons, mesh, data, outputs);
  const apps = servicesPhase(config, base, mesh, data, otelEnv);
  const gateway = edgePhase(config, base, mesh, apps, outputs);
  networkPhase(config, base, [...(mesh.mesh ? [mesh.mesh] : []), ...data.stores, ...(observability ? [observability] : []), ...Object.values(apps), ...(gateway ? [gateway] : [])]);
  if (mesh.mesh) outputs.mesh = { provider: mesh.mesh.provider ?? "none" };

  const platform = base.platform;
  return {
    target: config.target,
    environment: config.environment,
    serviceUrls: Object.fromEntries(Object.entries(apps).map(([name, app]) => [name, app.url])),
    ...outputs,
    ...(platform.kind === "kubernetes" ? { clusterName: platform.clusterName, kubeconfig: platform.kubeconfig } : { dockerNetwork: platform.networkName }),
  };
}
