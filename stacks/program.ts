/**
 * The platform program: builds the target's platform, composes the components onto it, and
 * returns the stack outputs. It takes parsed config and reads nothing else, so tests and the
 * offline plan run exactly what `pulumi up` runs.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AppService, type AppServiceArgs } from "../components/app-service";
import { CertManager } from "../components/cert-manager";
import { Gateway, type GatewayArgs, type GatewayRouteArgs } from "../components/gateway";
import { GatewayApiCrds } from "../components/gateway/crds";
import { gatewayIdentity } from "../components/gateway/kubernetes";
import { appServiceDefaults, selectorLabels } from "../components/app-service";
import { MessageQueue, type MessageQueueArgs } from "../components/message-queue";
import { ObservabilityStack, prometheusIdentity, type DockerExporterTarget, type ReceiverKind, type ScrapeTarget } from "../components/observability";
import { failureAccrualAnnotations, meshEnrollment, resolveMesh, ServiceMesh, type MeshServiceArgs } from "../components/mesh";
import { PrometheusOperatorCrds } from "../components/observability/crds";
import { createPlatform, type PlatformArgs } from "../components/platform";
import type { KubernetesPlatform } from "../components/platform/types";
import { PostgresCluster } from "../components/postgres";
import { RedisCluster } from "../components/redis";
import { DEMO_SERVICE, meshProvider, type PlatformConfig } from "./config";

/** The namespace AppServices run in on Kubernetes unless config names another. */
export const DEFAULT_NAMESPACE = "apps";

/** The namespace of the gateway's controller and Gateway. */
export const GATEWAY_NAMESPACE = "gateway";

/** The namespace of the in-cluster data tier (Postgres, Redis). */
export const DATA_NAMESPACE = "data";

/**
 * A namespace whose pods must meet the restricted Pod Security Standard.
 * @see https://kubernetes.io/docs/concepts/security/pod-security-admission/
 */
function restrictedNamespace(
  name: string,
  platform: KubernetesPlatform,
  mesh: { labels?: Readonly<Record<string, string>>; annotations?: Readonly<Record<string, string>> } = {},
): k8s.core.v1.Namespace {
  return new k8s.core.v1.Namespace(
    `${name}-namespace`,
    {
      metadata: {
        name,
        labels: {
          ...mesh.labels,
          "pod-security.kubernetes.io/enforce": "restricted",
          "pod-security.kubernetes.io/enforce-version": "latest",
          "pod-security.kubernetes.io/warn": "restricted",
        },
        annotations: { ...mesh.annotations },
      },
    },
    { provider: platform.provider },
  );
}

/** The namespace of the observability stack (created by the Prometheus operator CRDs' release). */
export const MONITORING_NAMESPACE = "monitoring";

/** What Prometheus scrapes for one configured service: its Service's `http` port (or `metrics`). */
function scrapeTarget(service: NonNullable<PlatformConfig["services"]>[number], namespace: string): ScrapeTarget {
  const metrics = service.metrics === false ? undefined : service.metrics;
  const separate = metrics?.port !== undefined && metrics.port !== service.port;
  return {
    name: service.name,
    namespace,
    selector: selectorLabels(service.name),
    portName: separate ? "metrics" : "http",
    port: metrics?.port ?? service.port,
    path: metrics?.path,
  };
}

/**
 * The data stores Prometheus can see, for their alerts: on Docker each with its exporter's (secret)
 * URL; on Kubernetes only the in-cluster ones (CloudNativePG and Valkey export metrics; RDS,
 * ElastiCache, Cloud SQL and Memorystore report to the cloud's own monitoring instead).
 */
function monitoredDataStores(
  kind: "kubernetes" | "docker",
  config: Pick<PlatformConfig, "postgres" | "redis">,
  postgresUrl: pulumi.Output<string> | undefined,
  redisUrl: pulumi.Output<string> | undefined,
): { postgres?: DockerExporterTarget | boolean; redis?: DockerExporterTarget | boolean } {
  if (kind === "docker") return { postgres: postgresUrl ? { url: postgresUrl } : undefined, redis: redisUrl ? { url: redisUrl } : undefined };
  const inCluster = (block: { mode?: string } | undefined, url: unknown) => url !== undefined && (block?.mode ?? "in-cluster") === "in-cluster";
  return { postgres: inCluster(config.postgres, postgresUrl), redis: inCluster(config.redis, redisUrl) };
}

/** Config with its secret values wrapped as Pulumi secrets. */
export interface ProgramConfig extends Omit<PlatformConfig, "kubeconfig"> {
  readonly kubeconfig?: pulumi.Output<string>;
}

/**
 * Maps stack config to the platform's arguments. `protect` defaults to on in prod.
 *
 * @see https://www.pulumi.com/docs/iac/concepts/options/protect/
 */
export function platformArgs(config: ProgramConfig): PlatformArgs {
  const environment = config.environment;
  const protect = config.protect ?? environment === "prod";
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

/**
 * Runs the program.
 *
 * @param config - validated stack config, with secrets wrapped.
 * @returns the stack outputs: target, service URLs, and for Kubernetes the cluster name and
 *   kubeconfig (a secret).
 * @see https://www.pulumi.com/docs/iac/concepts/stacks/#outputs
 */
export function main(config: ProgramConfig): Record<string, pulumi.Input<unknown>> {
  const platform = createPlatform("platform", platformArgs(config));

  const protect = config.protect ?? config.environment === "prod";
  const services: readonly NonNullable<PlatformConfig["services"]>[number][] = config.services ?? [DEMO_SERVICE];
  const namespaceName = config.namespace ?? DEFAULT_NAMESPACE;
  const gatewayConfig = config.gateway?.enabled === false ? undefined : (config.gateway ?? {});

  // Cluster-wide pieces first: the services' namespace, enrolled in the mesh by its labels (known
  // before the mesh exists), cert-manager, and the CRDs that custom resources need.
  const provider = meshProvider(config);
  const enrolled = provider ? meshEnrollment(provider) : undefined;
  let namespace: pulumi.Input<string> = "default";
  let dataNamespace: pulumi.Input<string> = "default";
  const namespaces: pulumi.Resource[] = [];
  let certManager: CertManager | undefined;
  let monitoringCrds: pulumi.Resource | undefined;
  let gatewayApiCrds: GatewayApiCrds | undefined;
  if (platform.kind === "kubernetes") {
    const appsNamespace = restrictedNamespace(namespaceName, platform, { labels: enrolled?.namespaceLabels, annotations: enrolled?.namespaceAnnotations });
    namespaces.push(appsNamespace);
    namespace = appsNamespace.metadata.name;
    dataNamespace = restrictedNamespace(DATA_NAMESPACE, platform).metadata.name;
    gatewayApiCrds = new GatewayApiCrds("gateway-api-crds", { platform });
    // cert-manager's Gateway API support exits at start when the Gateway API CRDs are missing.
    monitoringCrds = new PrometheusOperatorCrds("prometheus-crds", { platform }).release;
    certManager = new CertManager("cert-manager", {
      platform,
      dependsOn: [gatewayApiCrds.ready, monitoringCrds],
      serviceMonitor: config.observability?.enabled !== false,
    });
  }

  // The mesh: its control plane, then per service its policies. On Docker it only says that there is none.
  let mesh: ServiceMesh | undefined;
  const meshServices: MeshServiceArgs[] = services.map((s) => ({
    name: s.name,
    namespace: namespaceName,
    port: s.servicePort ?? appServiceDefaults.servicePort,
    selector: selectorLabels(s.name),
    ...s.mesh,
    canary: s.canary ? { weights: s.canary.weights } : undefined,
  }));
  const meshArgs = {
    platform,
    provider: provider ?? "istio",
    mtls: config.mesh?.mtls,
    defaults: config.mesh?.defaults,
    replicas: provider ? config.mesh?.[provider]?.replicas : undefined,
    services: meshServices,
    gateway: gatewayConfig && platform.kind === "kubernetes" ? gatewayIdentity(GATEWAY_NAMESPACE) : undefined,
    metricsScraper: config.observability?.enabled !== false && platform.kind === "kubernetes" ? prometheusIdentity(MONITORING_NAMESPACE) : undefined,
    dependsOn: [...namespaces, ...(gatewayApiCrds ? [gatewayApiCrds] : [])],
  } as const;
  if (provider || (platform.kind === "docker" && config.mesh?.enabled !== false)) mesh = new ServiceMesh("mesh", meshArgs);
  const meshReady = mesh?.enrollment.ready ?? [];
  // Linkerd reads circuit breaking from the Service its clients call: the AppService's own.
  const serviceAnnotations = (index: number) => (provider === "linkerd" ? failureAccrualAnnotations(resolveMesh(meshArgs).services[index].circuitBreaker) : undefined);

  // The data tier. Each hands the services its URL through a Secret in the services' namespace
  // (on Docker, as a secret env value): never as a literal.
  const { enabled: postgresEnabled = true, ...postgresArgs } = config.postgres ?? {};
  const { enabled: redisEnabled = true, ...redisArgs } = config.redis ?? {};
  const dataStores: pulumi.Resource[] = [];
  const secretEnv: Record<string, NonNullable<AppServiceArgs["secretEnv"]>[string]> = {};
  const outputs: Record<string, pulumi.Input<unknown>> = {};
  let postgresUrl: pulumi.Output<string> | undefined;
  let redisUrl: pulumi.Output<string> | undefined;
  if (postgresEnabled) {
    const postgres = new PostgresCluster("postgres", { ...postgresArgs, platform, namespace: dataNamespace, clientNamespaces: [namespace], certManager, monitoringCrds, protect });
    dataStores.push(postgres);
    secretEnv.DATABASE_URL = { secretName: postgres.connectionSecretName, key: "DATABASE_URL", value: postgres.connectionString };
    postgresUrl = postgres.connectionString;
    outputs.postgres = { host: postgres.host, port: postgres.port, readHost: postgres.readHost, database: postgres.database, connectionString: postgres.connectionString };
  }
  if (redisEnabled) {
    const redis = new RedisCluster("redis", { ...redisArgs, platform, namespace: dataNamespace, clientNamespaces: [namespace], certManager, monitoringCrds, protect });
    dataStores.push(redis);
    secretEnv.REDIS_URL = { secretName: redis.connectionSecretName, key: "REDIS_URL", value: redis.url };
    redisUrl = redis.url;
    // The CA to verify `rediss://` against, where it is private (in-cluster TLS, Memorystore).
    if (redis.caSecretName) secretEnv.REDIS_CA_CERT = { secretName: redis.caSecretName, key: "ca.crt" };
    outputs.redis = { host: redis.host, port: redis.port, url: redis.url, ...(redis.sentinelHost ? { sentinelHost: redis.sentinelHost, sentinelPort: redis.sentinelPort } : {}) };
  }

  // The message broker between the API services and the workers, in the data namespace.
  const { enabled: queueEnabled = true, ...queueArgs } = config.messageQueue ?? {};
  if (queueEnabled) {
    const queue = new MessageQueue("queue", {
      ...queueArgs,
      broker: queueArgs.broker as MessageQueueArgs["broker"],
      platform,
      namespace: dataNamespace,
      clientNamespaces: [namespace],
      certManager,
      monitoringCrds,
      protect,
    });
    dataStores.push(queue);
    secretEnv[queue.urlEnv] = { secretName: queue.connectionSecretName, key: queue.urlEnv, value: queue.url };
    if (queue.caSecretName) secretEnv[`${queue.urlEnv.replace(/_URL$/, "")}_CA_CERT`] = { secretName: queue.caSecretName, key: "ca.crt" };
    outputs.messageQueue = { host: queue.host, port: queue.port, url: queue.url, ...(queue.managementUrl ? { managementUrl: queue.managementUrl } : {}) };
  }

  // Observability: scrapes every service and the data stores, and gives services the OTLP endpoint.
  const observabilityConfig = config.observability?.enabled === false ? undefined : (config.observability ?? {});
  let otelEnv: Record<string, pulumi.Input<string>> = {};
  if (observabilityConfig) {
    const { enabled: _enabled, receivers, ...observabilityArgs } = observabilityConfig;
    const observability = new ObservabilityStack("observability", {
      ...observabilityArgs,
      // Receiver URLs and SMTP passwords are secrets (config validation insists on it).
      receivers: receivers?.map((r) => ({ ...r, kind: r.kind as ReceiverKind, url: r.url === undefined ? undefined : pulumi.secret(r.url), smtpPassword: r.smtpPassword === undefined ? undefined : pulumi.secret(r.smtpPassword) })),
      platform,
      namespace: MONITORING_NAMESPACE,
      services: services.map((s) => scrapeTarget(s, namespaceName)),
      dataStores: monitoredDataStores(platform.kind, config, postgresUrl, redisUrl),
      mesh: provider,
      // Prometheus must start after the mesh's injector, or it runs without the proxy its scrapes need.
      dependsOn: [...(monitoringCrds ? [monitoringCrds] : []), ...meshReady],
    });
    otelEnv = { ...observability.otlpEnv };
    outputs.observability = { grafanaUrl: observability.grafanaUrl, prometheusUrl: observability.prometheusUrl };
  }

  const urls: Record<string, pulumi.Output<string>> = {};
  const apps: Record<string, AppService> = {};
  services.forEach((service, index) => {
    const { canary, mesh: _mesh, ...args } = service;
    const routed = gatewayConfig?.routes?.some((r) => r.service === service.name) ?? false;
    const app = new AppService(service.name, {
      ...args,
      env: { ...otelEnv, ...(Object.keys(otelEnv).length > 0 ? { OTEL_SERVICE_NAME: service.name } : {}), ...args.env },
      platform,
      namespace,
      secretEnv,
      serviceAnnotations: serviceAnnotations(index),
      canary: canary ? { image: canary.image, replicas: canary.replicas } : undefined,
      // The gateway and Prometheus run in their own namespaces; the NetworkPolicy must admit them.
      allowFromNamespaces: platform.kind === "kubernetes" ? [...(routed ? [GATEWAY_NAMESPACE] : []), ...(observabilityConfig ? [MONITORING_NAMESPACE] : [])] : [],
      // Pods wait for the mesh's injector, or they would start without a proxy.
      dependsOn: [...dataStores, ...meshReady],
    });
    apps[service.name] = app;
    urls[service.name] = app.url;
  });

  // The edge: one gateway, a route per `gateway.routes` entry to the named service.
  if (gatewayConfig) {
    const { enabled: _enabled, routes = [], ...gatewayArgs } = gatewayConfig;
    const gatewayRoutes: GatewayRouteArgs[] = routes.map(({ service, ...route }) => ({ ...route, name: service, backend: apps[service].backend }));
    const gateway = new Gateway(
      "gateway",
      {
        ...gatewayArgs,
        tls: gatewayArgs.tls as GatewayArgs["tls"],
        platform,
        certManager,
        namespace: GATEWAY_NAMESPACE,
        routes: gatewayRoutes,
        mesh: provider,
        namespaceLabels: enrolled?.namespaceLabels,
        podAnnotations: enrolled?.gatewayPodAnnotations,
        dependsOn: [...(gatewayApiCrds ? [gatewayApiCrds] : []), ...meshReady],
      },
      { dependsOn: Object.values(apps) },
    );
    outputs.gateway = { address: gateway.address, urls: gateway.urls };
  }
  if (mesh) outputs.mesh = { provider: mesh.provider ?? "none" };

  return {
    target: config.target,
    environment: config.environment,
    serviceUrls: urls,
    ...outputs,
    ...(platform.kind === "kubernetes" ? { clusterName: platform.clusterName, kubeconfig: platform.kubeconfig } : { dockerNetwork: platform.networkName }),
  };
}
