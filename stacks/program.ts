/**
 * The platform program: builds the target's platform and add-ons, composes the components onto
 * it, and returns the stack outputs. It takes parsed config and reads nothing else, so tests and
 * the offline plan run exactly what `pulumi up` runs.
 *
 * It runs in phases, each handing the next what it built:
 *
 * 1. **foundation**: the platform, namespaces and cluster add-ons (`foundation.ts`), then the
 *    mesh's control plane, which workloads must start after;
 * 2. **data**: Postgres, Redis and the broker, each handing every service that uses it (`uses`) its
 *    URL through a Secret of that service's own (`access.ts`);
 * 3. **services**: the observability stack (whose OTLP endpoint services get) and the AppServices;
 * 4. **edge**: the gateway, with a route per `gateway.routes` entry.
 *
 * Every component's settings come from `compose.ts`, the same mapping config validation checks.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  AppService,
  failureAccrualAnnotations,
  Flagger,
  Gateway,
  MessageQueue,
  NetworkPolicies,
  ObservabilityStack,
  PostgresCluster,
  RedisCluster,
  movedFrom,
  natsMonitoringEndpoint,
  observabilityEndpoints,
  workloadIdentity,
  resolveMesh,
  ServiceMesh,
  topLevelUrn,
  type ClusterAddons,
  type Platform,
  type ScrapeEndpoint,
  type TriggerSources,
} from "../components";
import {
  gatewaySettings,
  DATA_NAMESPACE,
  GATEWAY_NAMESPACE,
  meshProvider,
  meshSettings,
  needsFlagger,
  progressiveSettings,
  messageQueueSettings,
  MONITORING_NAMESPACE,
  namespaceOf,
  observabilitySettings,
  postgresSettings,
  withBackupCredentials,
  redisSettings,
  servicesOf,
  type DataStorePlacement,
  type ProgramConfig,
} from "./compose";
import { brokerCaEnv, serviceSecretEnv, serviceStores, storeClients, type DataStores } from "./access";
import { COMPONENT_NAMES } from "./config/reserved";
import { foundation, type Foundation } from "./foundation";
import { accessLabels, stackNetwork } from "./network-policies";

export { DATA_NAMESPACE, DEFAULT_NAMESPACE, GATEWAY_NAMESPACE, MONITORING_NAMESPACE, platformArgs, type ProgramConfig } from "./compose";

/** The stack outputs, filled phase by phase. */
type Outputs = Record<string, pulumi.Input<unknown>>;

/** What the mesh phase hands on: the mesh, and what workloads must wait for. */
interface MeshPhase {
  readonly mesh?: ServiceMesh;
  readonly ready: readonly pulumi.Resource[];
  /** Linkerd reads circuit breaking from the Service its clients call: annotations per service. */
  readonly serviceAnnotations: (index: number) => Readonly<Record<string, string>> | undefined;
  /** Flagger, when a service has `canary.analysis`: Canaries are created after it. */
  readonly flagger?: Flagger;
}

/** The mesh's control plane, then per service its policies; none where no provider is chosen (Docker, or `mesh.enabled: false`). */
function meshPhase(config: ProgramConfig, base: Foundation): MeshPhase {
  const provider = meshProvider(config);
  const settings = meshSettings(config);
  const args = { ...settings, platform: base.platform, dependsOn: [...base.namespaces, ...(base.addons.gatewayApiCrds ? [base.addons.gatewayApiCrds] : [])] };
  // No provider (Docker, or `mesh.enabled: false`): no mesh component, so no warning and no node in the plan.
  const mesh = provider ? new ServiceMesh(COMPONENT_NAMES.mesh, args) : undefined;
  const circuitBreakers = provider === "linkerd" ? resolveMesh(settings, base.platform).services.map((s) => failureAccrualAnnotations(s.circuitBreaker)) : [];
  // Flagger writes the mesh's routing objects for progressive services: after the mesh's CRDs and control plane.
  const flagger =
    provider && base.platform.kind === "kubernetes" && needsFlagger(config)
      ? new Flagger("flagger", { platform: base.platform, mesh: provider, metricsServer: observabilityEndpoints(MONITORING_NAMESPACE).prometheus, dependsOn: [...(mesh?.enrollment.ready ?? []), ...args.dependsOn] })
      : undefined;
  return { mesh, ready: mesh?.enrollment.ready ?? [], serviceAnnotations: (index) => circuitBreakers[index], flagger };
}

/** What the data phase hands on: the stores services wait for, the stores themselves (for each service's Secrets, see `serviceSecretEnv`), and their exporters on Docker. */
interface DataPhase {
  readonly stores: readonly pulumi.Resource[];
  readonly access: DataStores;
  readonly metrics: { postgres?: ScrapeEndpoint; redis?: ScrapeEndpoint; rabbitmq?: ScrapeEndpoint };
  /** Where KEDA triggers read the broker from: RabbitMQ through the services' own `secretEnv`, NATS's monitoring endpoint. */
  readonly triggerSources: TriggerSources;
}

/** The data tier. Each hands each service that uses it its URL through the service's own Secret in the services' namespace (on Docker, as a secret env value): never as a literal. */
function dataPhase(config: ProgramConfig, base: Foundation, outputs: Outputs): DataPhase {
  const { platform, addons } = base;
  const placement: DataStorePlacement = { namespace: base.dataNamespace, clientNamespaces: [base.servicesNamespace] };
  const stores: pulumi.Resource[] = [];
  const clients = storeClients(config, base.servicesNamespace);
  const access: { -readonly [K in keyof DataStores]: DataStores[K] } = {};
  const metrics: DataPhase["metrics"] = {};
  const triggerSources: { -readonly [K in keyof TriggerSources]: TriggerSources[K] } = {};
  // On Docker the stores run their exporters, which used to be the observability stack's.
  const exportersMoved = (store: string) =>
    platform.kind === "docker" ? { transformations: [movedFrom(topLevelUrn("platform:index:ObservabilityStack", "observability"), { [`${store}-exporter`]: `observability-${store}-exporter`, [`${store}-exporter-image`]: `observability-${store}-exporter-image` })] } : {};

  const settings = postgresSettings(config, placement);
  const postgresArgs = settings && withBackupCredentials(settings, config.postgresBackupAccessKeyId, config.postgresBackupSecretAccessKey);
  if (postgresArgs) {
    const postgres = new PostgresCluster(COMPONENT_NAMES.postgres, { ...postgresArgs, clients: clients.postgres, platform, addons }, exportersMoved("postgres"));
    stores.push(postgres);
    access.postgres = postgres;
    metrics.postgres = postgres.metricsEndpoint;
    outputs.postgres = { host: postgres.host, port: postgres.port, readHost: postgres.readHost, database: postgres.database, connectionString: postgres.connectionString };
  }
  const redisArgs = redisSettings(config, placement);
  if (redisArgs) {
    const redis = new RedisCluster(COMPONENT_NAMES.redis, { ...redisArgs, clients: clients.redis, platform, addons }, exportersMoved("redis"));
    stores.push(redis);
    access.redis = redis;
    metrics.redis = redis.metricsEndpoint;
    outputs.redis = { host: redis.host, port: redis.port, url: redis.url, ...(redis.sentinelHost ? { sentinelHost: redis.sentinelHost, sentinelPort: redis.sentinelPort } : {}) };
  }
  // The message broker between the API services and the workers, in the data namespace.
  const queueArgs = messageQueueSettings(config, placement);
  if (queueArgs) {
    const queue = new MessageQueue(COMPONENT_NAMES.messageQueue, { ...queueArgs, clients: clients.messageQueue, platform, addons });
    stores.push(queue);
    access.messageQueue = queue;
    metrics.rabbitmq = queue.metricsEndpoint;
    const caEnv = brokerCaEnv(queue.urlEnv);
    // Amazon MQ is amqps:// with a public CA; the in-cluster broker's CA is private. The trigger reads
    // the service's own URL and CA variables (its `secretEnv`, see access.ts).
    const tls = queue.spec.tls || queue.spec.mode === "managed";
    if (queue.spec.broker === "rabbitmq") triggerSources.rabbitmq = { hostEnv: queue.urlEnv, caEnv: queue.caSecretName ? caEnv : undefined, tls };
    else triggerSources.natsJetStream = { monitoringEndpoint: natsMonitoringEndpoint(COMPONENT_NAMES.messageQueue, DATA_NAMESPACE), account: "$G" };
    outputs.messageQueue = { host: queue.host, port: queue.port, url: queue.url, ...(queue.managementUrl ? { managementUrl: queue.managementUrl } : {}) };
  }
  if (config.observability?.enabled !== false) triggerSources.prometheus = { serverAddress: observabilityEndpoints(MONITORING_NAMESPACE).prometheus };
  return { stores, access, metrics, triggerSources };
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
    const { canary, mesh: _mesh, cloudIdentity, ...args } = service;
    const routed = gateway?.routes?.some((r) => r.service === service.name) ?? false;
    apps[service.name] = new AppService(service.name, {
      ...args,
      env: { ...otelEnv, ...(Object.keys(otelEnv).length > 0 ? { OTEL_SERVICE_NAME: service.name } : {}), ...args.env },
      platform: base.platform,
      namespace: base.servicesNamespace,
      // Only the Secrets of the stores the service declares in `uses` (access.ts).
      secretEnv: serviceSecretEnv(service.name, data.access),
      triggerSources: data.triggerSources,
      serviceAnnotations: mesh.serviceAnnotations(index),
      // The IRSA role or Google service account of `cloudIdentity` (EKS, GKE; refused elsewhere).
      serviceAccountAnnotations: cloudIdentity && base.platform.kind === "kubernetes" ? workloadIdentity(service.name, cloudIdentity, base.platform, { namespace: namespaceOf(config), name: service.name }) : undefined,
      // Meshed Jobs need the proxy as a native sidecar, or they never complete.
      jobPodAnnotations: base.enrollment?.jobPodAnnotations,
      canary: canary?.image && !canary.analysis ? { image: canary.image, replicas: canary.replicas } : undefined,
      progressive: progressiveSettings(config, index),
      // The gateway and Prometheus run in their own namespaces; the NetworkPolicy must admit them.
      allowFromNamespaces: base.platform.kind === "kubernetes" ? [...(routed ? [GATEWAY_NAMESPACE] : []), ...(observed ? [MONITORING_NAMESPACE] : [])] : [],
      // In its own namespace, only the callers the mesh admits (network-policies.ts admits them out of theirs).
      ...(base.platform.kind === "kubernetes" ? { allowedCallers: service.mesh?.allowedCallers ?? [], labels: accessLabels(service, config) } : {}),
      // Pods wait for the stores they use, and for the mesh's injector, or they would start without a
      // proxy; a ScaledObject needs KEDA's CRDs and webhooks, a Canary Flagger's.
      dependsOn: [...serviceStores(service.name, data.access), ...mesh.ready, ...(mesh.flagger ? [mesh.flagger.release] : []), ...(base.addons.keda ? [base.addons.keda.release] : [])],
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
function networkPhase(config: ProgramConfig, base: Foundation, mesh: MeshPhase, components: readonly pulumi.Resource[]): void {
  if (base.platform.kind !== "kubernetes") return;
  const network = stackNetwork(config, base.platform, {
    cnpg: base.addons.cloudNativePg !== undefined,
    rabbitmq: base.addons.rabbitmqOperators !== undefined,
    keda: base.addons.keda !== undefined,
    flagger: mesh.flagger !== undefined,
  });
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
  networkPhase(config, base, mesh, [...(mesh.mesh ? [mesh.mesh] : []), ...(mesh.flagger ? [mesh.flagger] : []), ...data.stores, ...(observability ? [observability] : []), ...Object.values(apps), ...(gateway ? [gateway] : [])]);
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
