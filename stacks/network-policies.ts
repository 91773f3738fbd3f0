/**
 * The stack's network, derived from what the program wires: every namespace the program creates
 * (itself or through a Helm release or manifest) is isolated with a default deny, and the flows
 * below are admitted. Nothing else is.
 *
 * - apps: a service reaches the stores in its `uses` (by its access labels), the collector, the
 *   mesh's control plane and DNS; it is reached by the gateway (routed services only), Prometheus
 *   and its `mesh.allowedCallers` (the AppService's own NetworkPolicy, as the mesh's authorization);
 * - data: the stores admit their clients by access label, their operator, their peers and Prometheus;
 * - gateway: Traefik from anywhere on its entry points, to the routed services, and the HTTP-01
 *   solvers cert-manager creates;
 * - monitoring: Prometheus to every scrape port, the collectors and Loki/Tempo/Grafana among
 *   themselves, object storage and alert receivers on 443;
 * - operator namespaces: the API server to their webhooks, them to the API server and their operands.
 *
 * A new add-on namespace is one entry of {@link addonNetworks}. kube-system is not isolated: the
 * program does not create it, and the targets' own pods there (CoreDNS, the CNI) are not the
 * program's to cut off. The metadata endpoint is excepted from every "anywhere" (see `ANYWHERE`),
 * except for the pods that use GKE Workload Identity on GKE.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
import {
  ACCESS_GRANTED,
  ACCESS_LABELS,
  ANYWHERE,
  API_SERVER,
  API_SERVER_PORTS,
  CNPG_NAMESPACE,
  DNS_PORTS,
  FLAGGER_NAMESPACE,
  ISTIO_ROOT_NAMESPACE,
  KEDA_NAMESPACE,
  KUBE_DNS,
  LINKERD_CNI_NAMESPACE,
  LINKERD_NAMESPACE,
  METADATA_CIDR,
  rabbitmqOperatorDefaults,
  resolveEksClusterArgs,
  resolveGkeClusterArgs,
  resolveMessageQueue,
  resolvePostgres,
  resolveRedis,
  VELERO_NAMESPACE,
  callerSelectorLabels,
  workloadSelectorLabels,
  type AddressPeer,
  type FlowPort,
  type KubernetesPlatform,
  type NetworkFlow,
  type PodPeer,
} from "../components";
import { clusterBackupsEnabled, k3sBucket } from "./backups";
import { DATA_NAMESPACE, dataStorePlacement, GATEWAY_NAMESPACE, messageQueueSettings, meshProvider, MONITORING_NAMESPACE, namespaceOf, postgresSettings, redisSettings, servicesOf, usesOf, type ProgramConfig } from "./compose";
import { COMPONENT_NAMES } from "./config/reserved";

/** The stack's network: the namespaces to isolate and the flows to admit. */
export interface StackNetwork {
  readonly namespaces: readonly string[];
  readonly flows: readonly NetworkFlow[];
}

/** An add-on namespace: its webhook ports (the API server calls them), its metrics ports, whether its pods call the internet on 443. */
interface AddonNetwork {
  readonly namespace: string;
  readonly webhookPorts: readonly number[];
  readonly metricsPorts: readonly FlowPort[];
  /** Egress on these ports to anywhere but the metadata endpoint (ACME, object storage). @default [] */
  readonly internetPorts?: readonly number[];
}

const tcp = (...ports: number[]): FlowPort[] => ports.map((port) => ({ port }));
/** The TCP ports `first` to `last`, listed one by one rather than as `endPort` (see FlowPort). */
const tcpRange = (first: number, last: number): FlowPort[] => tcp(...Array.from({ length: last - first + 1 }, (_, i) => first + i));
/** Every port: the rule lists none. */
const ALL_PORTS: FlowPort[] = [];
const pods = (namespace: string, matchLabels?: Record<string, string>): PodPeer => ({ namespace, ...(matchLabels ? { pods: { matchLabels } } : {}) });

/** Prometheus's pods (the operator labels them `app.kubernetes.io/name: prometheus`). @see https://github.com/prometheus-operator/prometheus-operator/blob/main/pkg/prometheus/statefulset.go */
const prometheus = pods(MONITORING_NAMESPACE, { "app.kubernetes.io/name": "prometheus" });
/** Traefik's pods (the chart's `app.kubernetes.io/name`). @see https://github.com/traefik/traefik-helm-chart/blob/master/traefik/templates/_helpers.tpl */
const traefik = pods(GATEWAY_NAMESPACE, { "app.kubernetes.io/name": "traefik" });
/** Traefik's container entry points in the chart (web 8000, websecure 8443). @see https://github.com/traefik/traefik-helm-chart/blob/master/traefik/values.yaml */
const TRAEFIK_ENTRY_PORTS = tcp(8000, 8443);
/**
 * The GKE metadata server that Workload Identity's pods call: 169.254.169.254:80, which Dataplane V2
 * serves from 169.254.169.252:988.
 * @see https://cloud.google.com/kubernetes-engine/docs/concepts/workload-identity#metadata_server
 */
const GKE_METADATA_SERVER: AddressPeer = { cidrs: [METADATA_CIDR, "169.254.169.252/32"] };
const GKE_METADATA_PORTS = tcp(80, 988);
/**
 * CloudNativePG's Job pods (initdb, join, full-recovery, snapshot-recovery): they carry
 * `cnpg.io/jobRole`, not `cnpg.io/podRole`.
 * @see https://github.com/cloudnative-pg/cloudnative-pg/blob/v1.30.0/pkg/specs/jobs.go
 */
const cnpgJobs: PodPeer = { namespace: DATA_NAMESPACE, pods: { matchExpressions: [{ key: "cnpg.io/jobRole", operator: "Exists" }] } };
/** The OTLP receivers of the collector (gRPC 4317, HTTP 4318). */
const OTLP_PORTS = tcp(4317, 4318);
/** The private address ranges. @see https://datatracker.ietf.org/doc/html/rfc1918 */
const PRIVATE_RANGES: AddressPeer = { cidrs: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"] };

/**
 * Any address: the API server calls webhooks from its own address (not a pod; the node on k3s, the
 * control plane's ENIs on EKS, its range on GKE), and the internet reaches the gateway. Only the
 * webhook and entry ports are open to it.
 */
const ANY_ADDRESS: AddressPeer = { cidrs: ["0.0.0.0/0"] };

/** Where the API server and the managed stores answer, as far as the target's config tells. */
interface ClusterAddresses {
  readonly apiServer: AddressPeer;
  readonly managedStores: AddressPeer;
}

/**
 * - EKS: the control plane's ENIs and RDS/ElastiCache/Amazon MQ sit in the VPC (`eks.vpcCidr`); the
 *   `kubernetes` Service's ClusterIP is in the service range EKS picks (10.100.0.0/16 or 172.20.0.0/16).
 * - GKE: private nodes reach the control plane's private endpoint in `gke.masterIpv4CidrBlock`, the
 *   Service in `gke.servicesCidr`; Cloud SQL and Memorystore answer on private-service-access
 *   ranges the config does not name (the RFC 1918 ranges).
 * - k3s: the servers' addresses are not in the config: anywhere but the metadata endpoint.
 * @see https://docs.aws.amazon.com/eks/latest/APIReference/API_KubernetesNetworkConfigRequest.html
 * @see https://cloud.google.com/kubernetes-engine/docs/concepts/private-cluster-concept
 */
function clusterAddresses(config: ProgramConfig): ClusterAddresses {
  if (config.target === "eks" && config.eks) {
    const { vpcCidr } = resolveEksClusterArgs({ environment: config.environment, ...config.eks });
    return { apiServer: { cidrs: [vpcCidr, "10.100.0.0/16", "172.20.0.0/16"] }, managedStores: { cidrs: [vpcCidr] } };
  }
  if (config.target === "gke" && config.gke) {
    const gke = resolveGkeClusterArgs({ environment: config.environment, ...config.gke });
    return { apiServer: { cidrs: [gke.masterIpv4CidrBlock, gke.servicesCidr] }, managedStores: PRIVATE_RANGES };
  }
  return { apiServer: API_SERVER, managedStores: PRIVATE_RANGES };
}

/**
 * The operator namespaces, when the stack installs them: one entry each.
 * @see https://cert-manager.io/docs/installation/best-practice/#network-requirements (webhook 10250, metrics 9402)
 * @see https://cloudnative-pg.io/documentation/current/security/#exposed-ports (webhook 9443, metrics 8080)
 * @see https://www.rabbitmq.com/kubernetes/operator/using-topology-operator (webhook 9443)
 * @see https://velero.io/docs/main/customize-installation/ (metrics 8085)
 * @see https://linkerd.io/2-edge/reference/cluster-configuration/#network-policies (8443, 9443; admin 9990-9998)
 * @see https://istio.io/latest/docs/ops/deployment/application-requirements/#ports-used-by-istio (15012, 15014, 15017)
 */
function addonNetworks(config: ProgramConfig, has: AddonsCreated & { velero: boolean }): AddonNetwork[] {
  const mesh = meshProvider(config);
  return [
    // KEDA: the API server calls its metrics API server (pod port 6443, the chart's `service.portHttpsTarget`)
    // and its admission webhooks (9443). @see https://keda.sh/docs/2.20/operate/cluster/#firewall
    ...(has.keda ? [{ namespace: KEDA_NAMESPACE, webhookPorts: [6443, 9443], metricsPorts: [] }] : []),
    // Flagger serves no webhook and its own metrics are not scraped; under Linkerd its chart meshes
    // it, and the linkerd-proxies PodMonitor scrapes its proxy (4191).
    ...(has.flagger ? [{ namespace: FLAGGER_NAMESPACE, webhookPorts: [], metricsPorts: mesh === "linkerd" ? tcp(4191) : [] }] : []),
    { namespace: "cert-manager", webhookPorts: [10250], metricsPorts: tcp(9402), internetPorts: [80, 443] },
    ...(has.cnpg ? [{ namespace: CNPG_NAMESPACE, webhookPorts: [9443], metricsPorts: tcp(8080) }] : []),
    ...(has.rabbitmq ? [{ namespace: rabbitmqOperatorDefaults.namespace, webhookPorts: [9443], metricsPorts: tcp(8080) }] : []),
    ...(has.velero ? [{ namespace: VELERO_NAMESPACE, webhookPorts: [], metricsPorts: tcp(8085), internetPorts: objectStorePorts(veleroBucketUrl(config)) }] : []),
    ...(mesh === "linkerd"
      ? [
          { namespace: LINKERD_NAMESPACE, webhookPorts: [8443, 9443], metricsPorts: [...tcpRange(9990, 9998), { port: 4191 }] },
          { namespace: LINKERD_CNI_NAMESPACE, webhookPorts: [], metricsPorts: [] },
        ]
      : []),
    ...(mesh === "istio" ? [{ namespace: ISTIO_ROOT_NAMESPACE, webhookPorts: [15017], metricsPorts: tcp(15014) }] : []),
  ];
}

/** Which add-ons the foundation and the program installed. */
export interface AddonsCreated {
  readonly cnpg: boolean;
  readonly rabbitmq: boolean;
  readonly keda?: boolean;
  readonly flagger?: boolean;
}

/** Prometheus's web port, which KEDA's Prometheus triggers and Flagger's analysis query. */
const PROMETHEUS_PORTS = tcp(9090);

/**
 * KEDA's and Flagger's own paths: KEDA's metrics API server calls its operator (gRPC 9666); the
 * operator reads a RabbitMQ queue's depth over AMQP as the service's user (5671, 5672 without TLS;
 * Amazon MQ in the VPC), NATS's monitoring endpoint (8222) and Prometheus; Flagger queries
 * Prometheus and, meshed by its chart's `linkerd.io/inject: enabled` under Linkerd, calls the
 * control plane.
 * @see https://github.com/kedacore/keda/blob/v2.20.2/pkg/scalers/rabbitmq_scaler.go
 * @see https://github.com/fluxcd/flagger/blob/v1.44.0/charts/flagger/values.yaml (podAnnotations)
 */
function controllerFlows(config: ProgramConfig, platform: KubernetesPlatform, has: AddonsCreated, managedStores: AddressPeer, observed: boolean): NetworkFlow[] {
  const flows: NetworkFlow[] = [];
  if (has.keda) {
    const operator = pods(KEDA_NAMESPACE);
    flows.push({ name: "keda-internal", from: operator, to: operator, ports: tcp(9666) });
    const queue = messageQueueSettings(config, dataStorePlacement(config));
    if (queue) {
      const broker = resolveMessageQueue(COMPONENT_NAMES.messageQueue, queue, platform);
      if (broker.broker === "nats") flows.push({ name: "keda-nats", from: operator, to: pods(DATA_NAMESPACE, { "app.kubernetes.io/name": "nats" }), ports: tcp(8222) });
      else if (broker.mode === "managed") flows.push({ name: "keda-amazon-mq", from: operator, to: managedStores, ports: tcp(5671) });
      else flows.push({ name: "keda-rabbitmq", from: operator, to: pods(DATA_NAMESPACE, { "app.kubernetes.io/component": "rabbitmq" }), ports: tcp(5671, 5672) });
    }
    if (observed) flows.push({ name: "keda-prometheus", from: operator, to: prometheus, ports: PROMETHEUS_PORTS });
  }
  if (has.flagger && observed) flows.push({ name: "flagger-prometheus", from: pods(FLAGGER_NAMESPACE), to: prometheus, ports: PROMETHEUS_PORTS });
  return flows;
}

/** The mesh's control-plane ports its proxies call: istiod's xDS/CA (15012); Linkerd's destination (8086), identity (8080) and policy (8090). */
function meshControlPlane(config: ProgramConfig): { peer: PodPeer; ports: FlowPort[] } | undefined {
  const provider = meshProvider(config);
  if (provider === "istio") return { peer: pods(ISTIO_ROOT_NAMESPACE, { app: "istiod" }), ports: tcp(15012) };
  if (provider === "linkerd") return { peer: pods(LINKERD_NAMESPACE), ports: tcp(8086, 8080, 8090) };
  return undefined;
}

/** The ports of an object store endpoint: 443, and the endpoint URL's own port if it has one. */
function objectStorePorts(url: string | undefined): number[] {
  const port = url ? Number(new URL(url).port || 443) : 443;
  return [...new Set([443, port])];
}

/** The PostgreSQL backups' bucket endpoint (the instances write there). */
const postgresBucketUrl = (config: ProgramConfig): string | undefined => config.postgres?.backup?.bucket?.endpointUrl;

/** Velero's bucket endpoint: on k3s `dr.clusterBackups.bucket`, else the PostgreSQL one (backups.ts); on EKS/GKE its own S3/GCS bucket on 443. */
const veleroBucketUrl = (config: ProgramConfig): string | undefined => (config.target === "k3s" ? k3sBucket(config)?.endpointUrl : undefined);

/** The data stores' client flows and internal ones, from each service's `uses`. */
function dataFlows(config: ProgramConfig, platform: KubernetesPlatform, apps: string, managedStores: AddressPeer): NetworkFlow[] {
  const placement = dataStorePlacement(config);
  const flows: NetworkFlow[] = [];
  const access = (label: string): PodPeer => ({ namespace: apps, pods: { matchLabels: { [label]: ACCESS_GRANTED } } });
  const pgSettings = postgresSettings(config, placement);
  const pg = pgSettings && resolvePostgres(COMPONENT_NAMES.postgres, pgSettings, platform);
  if (pg?.mode === "in-cluster") {
    const instances = pods(DATA_NAMESPACE, { "cnpg.io/podRole": "instance" });
    const pooler = { namespace: DATA_NAMESPACE, pods: { matchExpressions: [{ key: "cnpg.io/poolerName", operator: "Exists" as const }] } };
    flows.push(
      // Clients reach PgBouncer (DATABASE_URL) and, for what PgBouncer does not serve, the instances.
      { name: "postgres-clients", from: access(ACCESS_LABELS.postgres), to: instances, ports: tcp(5432) },
      { name: "postgres-clients-pooler", from: access(ACCESS_LABELS.postgres), to: pooler, ports: tcp(5432) },
      { name: "postgres-pooler", from: pooler, to: instances, ports: tcp(5432) },
      // The restore check's CronJob compares the primary with the restored cluster.
      { name: "postgres-restore-check", from: pods(DATA_NAMESPACE, { "app.kubernetes.io/name": "postgresql", "app.kubernetes.io/component": "restore-check" }), to: instances, ports: tcp(5432) },
      // Replication and the restore check's own cluster: instances to instances.
      { name: "postgres-replication", from: instances, to: instances, ports: tcp(5432) },
      { name: "postgres-operator", from: pods(CNPG_NAMESPACE), to: instances, ports: tcp(8000, 5432) },
      // A new replica's join Job clones the primary (pg_basebackup) before its instance pod starts.
      { name: "postgres-jobs", from: cnpgJobs, to: instances, ports: tcp(5432) },
      // A recovery Job restores the base backup and the WAL from the object store.
      ...(pg.backup.enabled ? [{ name: "postgres-jobs-backups", from: cnpgJobs, to: ANYWHERE, ports: tcp(...objectStorePorts(postgresBucketUrl(config))) }] : []),
      ...(pg.backup.enabled && config.target === "gke" ? [{ name: "postgres-jobs-gke-metadata", from: cnpgJobs, to: GKE_METADATA_SERVER, ports: GKE_METADATA_PORTS }] : []),
      // WAL archiving and base backups (the Barman Cloud plugin's sidecar) to the object store.
      ...(pg.backup.enabled ? [{ name: "postgres-backups", from: instances, to: ANYWHERE, ports: tcp(...objectStorePorts(postgresBucketUrl(config))) }] : []),
      // On GKE the instances write to GCS as their Workload Identity (backup-gcp.ts): the GKE metadata server.
      ...(pg.backup.enabled && config.target === "gke" ? [{ name: "postgres-gke-metadata", from: instances, to: GKE_METADATA_SERVER, ports: GKE_METADATA_PORTS }] : []),
    );
  } else if (pg) {
    flows.push({ name: "postgres-clients", from: access(ACCESS_LABELS.postgres), to: managedStores, ports: tcp(5432) });
  }
  const redisArgs = redisSettings(config, placement);
  const redis = redisArgs && resolveRedis(COMPONENT_NAMES.redis, redisArgs, platform);
  if (redis?.mode === "in-cluster") {
    const valkey = pods(DATA_NAMESPACE, { "app.kubernetes.io/name": "valkey", "app.kubernetes.io/instance": COMPONENT_NAMES.redis });
    flows.push(
      { name: "redis-clients", from: access(ACCESS_LABELS.redis), to: valkey, ports: tcp(6379, 26379) },
      // Replication, Sentinel's gossip and failover, HAProxy's checks.
      { name: "redis-peers", from: valkey, to: valkey, ports: tcp(6379, 26379) },
    );
  } else if (redis) {
    // ElastiCache answers on 6379; Memorystore with in-transit encryption (`SERVER_AUTHENTICATION`, components/redis/gcp.ts) on 6378.
    // @see https://cloud.google.com/memorystore/docs/redis/about-in-transit-encryption
    flows.push({ name: "redis-clients", from: access(ACCESS_LABELS.redis), to: managedStores, ports: tcp(config.target === "gke" ? 6378 : 6379) });
  }
  const queueArgs = messageQueueSettings(config, placement);
  const queue = queueArgs && resolveMessageQueue(COMPONENT_NAMES.messageQueue, queueArgs, platform);
  if (queue?.mode === "in-cluster" && queue.broker === "rabbitmq") {
    const broker = pods(DATA_NAMESPACE, { "app.kubernetes.io/name": COMPONENT_NAMES.messageQueue });
    flows.push(
      { name: "queue-clients", from: access(ACCESS_LABELS.messageQueue), to: broker, ports: tcp(5671, 5672) },
      // Clustering: epmd 4369, inter-node 25672, CLI tools 35672-35682.
      // @see https://www.rabbitmq.com/docs/networking#ports
      { name: "queue-peers", from: broker, to: broker, ports: [...tcp(4369, 25672), ...tcpRange(35672, 35682)] },
      { name: "queue-operators", from: pods(rabbitmqOperatorDefaults.namespace), to: broker, ports: tcp(15671, 15672) },
    );
  } else if (queue?.mode === "in-cluster") {
    const nats = pods(DATA_NAMESPACE, { "app.kubernetes.io/name": "nats" });
    flows.push(
      { name: "queue-clients", from: access(ACCESS_LABELS.messageQueue), to: nats, ports: tcp(4222) },
      // @see https://docs.nats.io/running-a-nats-service/configuration/clustering (6222)
      { name: "queue-peers", from: nats, to: nats, ports: tcp(6222) },
    );
  } else if (queue) {
    flows.push({ name: "queue-clients", from: access(ACCESS_LABELS.messageQueue), to: managedStores, ports: tcp(5671, 4222) });
  }
  return flows;
}

/**
 * The labels that grant a service's pods its stores: one {@link ACCESS_LABELS} label per store in
 * its `uses` (and a queue counts as the broker), and one for its cloud's APIs with a `cloudIdentity`
 * on EKS or GKE.
 */
export function accessLabels(service: Parameters<typeof usesOf>[0] & { readonly cloudIdentity?: unknown }, config: ProgramConfig): Record<string, string> {
  const uses = usesOf(service, config);
  return {
    ...(uses.postgres ? { [ACCESS_LABELS.postgres]: ACCESS_GRANTED } : {}),
    ...(uses.redis ? { [ACCESS_LABELS.redis]: ACCESS_GRANTED } : {}),
    ...(uses.queues.length > 0 ? { [ACCESS_LABELS.messageQueue]: ACCESS_GRANTED } : {}),
    ...(service.cloudIdentity && (config.target === "eks" || config.target === "gke") ? { [ACCESS_LABELS.cloudApis]: ACCESS_GRANTED } : {}),
  };
}

/**
 * The stack's network on Kubernetes.
 *
 * @param created - which add-ons the foundation installed.
 */
export function stackNetwork(config: ProgramConfig, platform: KubernetesPlatform, created: AddonsCreated): StackNetwork {
  const apps = namespaceOf(config);
  const observed = config.observability?.enabled !== false;
  const gatewayOn = config.gateway?.enabled !== false;
  const velero = clusterBackupsEnabled(config);
  const addons = addonNetworks(config, { ...created, velero });
  const addresses = clusterAddresses(config);
  const namespaces = [apps, DATA_NAMESPACE, ...(gatewayOn ? [GATEWAY_NAMESPACE] : []), ...(observed ? [MONITORING_NAMESPACE] : []), ...addons.map((a) => a.namespace)];
  const flows: NetworkFlow[] = [];
  const add = (...f: NetworkFlow[]) => flows.push(...f);

  for (const namespace of namespaces) {
    add({ name: `${namespace}-dns`, from: pods(namespace), to: KUBE_DNS, ports: DNS_PORTS });
  }
  const control = meshControlPlane(config);
  if (control) {
    const meshed = [apps, ...(gatewayOn ? [GATEWAY_NAMESPACE] : []), ...(observed ? [MONITORING_NAMESPACE] : []), ...(created.flagger && meshProvider(config) === "linkerd" ? [FLAGGER_NAMESPACE] : [])];
    for (const namespace of meshed) {
      add({ name: `${namespace}-mesh-control-plane`, from: pods(namespace), to: control.peer, ports: control.ports });
    }
  }
  for (const addon of addons) {
    add({ name: `${addon.namespace}-api-server`, from: pods(addon.namespace), to: addresses.apiServer, ports: API_SERVER_PORTS });
    if (addon.webhookPorts.length > 0) add({ name: `${addon.namespace}-webhooks`, from: ANY_ADDRESS, to: pods(addon.namespace), ports: tcp(...addon.webhookPorts) });
    if (observed && addon.metricsPorts.length > 0) add({ name: `${addon.namespace}-metrics`, from: prometheus, to: pods(addon.namespace), ports: addon.metricsPorts });
    if (addon.internetPorts?.length) add({ name: `${addon.namespace}-internet`, from: pods(addon.namespace), to: ANYWHERE, ports: tcp(...addon.internetPorts) });
  }
  // The mesh's control plane talks to itself (Linkerd's proxies on its own pods, identity), and
  // Linkerd's heartbeat CronJob (the chart's `disableHeartBeat: false`) reports to versioncheck.linkerd.io.
  if (meshProvider(config) === "linkerd") {
    add(
      { name: "linkerd-internal", from: pods(LINKERD_NAMESPACE), to: pods(LINKERD_NAMESPACE), ports: ALL_PORTS },
      { name: "linkerd-heartbeat", from: pods(LINKERD_NAMESPACE, { "linkerd.io/control-plane-component": "heartbeat" }), to: ANYWHERE, ports: tcp(443) },
    );
  }
  // DNS-01: cert-manager checks the TXT record on the zone's authoritative nameservers itself (port 53, not the cluster DNS).
  // @see https://cert-manager.io/docs/configuration/acme/dns01/#setting-nameservers-for-dns01-self-check
  if (gatewayOn && config.gateway?.tls?.acme?.solver === "dns01") add({ name: "cert-manager-dns01", from: pods("cert-manager"), to: ANYWHERE, ports: DNS_PORTS });
  if (created.cnpg) add({ name: "cnpg-internal", from: pods(CNPG_NAMESPACE), to: pods(CNPG_NAMESPACE), ports: ALL_PORTS });

  // CloudNativePG's instance manager (instances and PgBouncer pods) and RabbitMQ's Kubernetes peer discovery watch the API server.
  if (created.cnpg) {
    add(
      { name: "postgres-api-server", from: { namespace: DATA_NAMESPACE, pods: { matchExpressions: [{ key: "cnpg.io/podRole", operator: "Exists" }] } }, to: addresses.apiServer, ports: API_SERVER_PORTS },
      // The instance manager in the operator's Jobs reads the Cluster too.
      { name: "postgres-jobs-api-server", from: cnpgJobs, to: addresses.apiServer, ports: API_SERVER_PORTS },
    );
  }
  if (created.rabbitmq) add({ name: "queue-api-server", from: pods(DATA_NAMESPACE, { "app.kubernetes.io/component": "rabbitmq" }), to: addresses.apiServer, ports: API_SERVER_PORTS });
  add(...dataFlows(config, platform, apps, addresses.managedStores));
  add(...controllerFlows(config, platform, created, addresses.managedStores, observed));
  add(...serviceFlows(config, apps, { observed, gatewayOn }));
  if (gatewayOn) add(...gatewayFlows(addresses.apiServer));
  if (observed) add(...monitoringFlows(config, namespaces, apps, addresses.apiServer));
  return { namespaces, flows };
}

/** The services' own paths: to the collector, and to the services that admit them (`mesh.allowedCallers`). */
function serviceFlows(config: ProgramConfig, apps: string, on: { observed: boolean; gatewayOn: boolean }): NetworkFlow[] {
  const flows: NetworkFlow[] = [];
  const services = servicesOf(config);
  // Flagger's primary pods carry `app.kubernetes.io/name: <service>-primary`: a progressive service's
  // pods are selected by their instance label alone, as its own NetworkPolicy selects them.
  const mesh = meshProvider(config);
  const workload = (name: string) => {
    const service = services.find((s) => s.name === name);
    return pods(apps, workloadSelectorLabels(name, mesh !== undefined && service?.canary?.analysis !== undefined));
  };
  // A cloud identity (IRSA, Workload Identity) calls its cloud's APIs on 443, on GKE through the
  // metadata server: the service's pods and its Jobs' (under its ServiceAccount), by their access label.
  if (services.some((s) => s.cloudIdentity) && (config.target === "eks" || config.target === "gke")) {
    const identities = pods(apps, { [ACCESS_LABELS.cloudApis]: ACCESS_GRANTED });
    flows.push({ name: "apps-cloud-apis", from: identities, to: ANYWHERE, ports: tcp(443) });
    if (config.target === "gke") flows.push({ name: "apps-gke-metadata", from: identities, to: GKE_METADATA_SERVER, ports: GKE_METADATA_PORTS });
  }
  if (on.observed) flows.push({ name: "apps-otlp", from: pods(apps), to: pods(MONITORING_NAMESPACE, { "app.kubernetes.io/name": "opentelemetry-collector" }), ports: OTLP_PORTS });
  for (const callee of services) {
    const to = workload(callee.name);
    const port = tcp(callee.port);
    for (const caller of callee.mesh?.allowedCallers ?? []) flows.push({ name: `${caller}-to-${callee.name}`, from: pods(apps, callerSelectorLabels(caller)), to, ports: port });

    const routed = config.gateway?.routes?.some((r) => r.service === callee.name) ?? false;
    if (on.gatewayOn && routed) flows.push({ name: `gateway-to-${callee.name}`, from: traefik, to, ports: port });
    if (on.observed) flows.push({ name: `prometheus-to-${callee.name}`, from: prometheus, to, ports: [...port, ...(callee.metrics && callee.metrics.port ? tcp(callee.metrics.port) : [])] });
  }
  return flows;
}

/** Traefik: from anywhere on its entry points; to the API server (Gateway API provider); to cert-manager's HTTP-01 solvers. */
function gatewayFlows(apiServer: AddressPeer): NetworkFlow[] {
  // cert-manager's HTTP-01 solver pods, created in the gateway namespace for each challenge (port 8089).
  // @see https://cert-manager.io/docs/configuration/acme/http01/
  const solvers = pods(GATEWAY_NAMESPACE, { "acme.cert-manager.io/http01-solver": "true" });
  return [
    { name: "gateway-entry", from: ANY_ADDRESS, to: traefik, ports: TRAEFIK_ENTRY_PORTS },
    { name: "gateway-api-server", from: traefik, to: apiServer, ports: API_SERVER_PORTS },
    { name: "gateway-acme-solvers", from: traefik, to: solvers, ports: tcp(8089) },
    // cert-manager's HTTP-01 self check fetches the challenge from the gateway's public address; kube-proxy
    // (k3s's ServiceLB, GKE's Dataplane V2) short-circuits a load balancer IP inside the cluster to
    // Traefik's pods, which the policies then see on the container ports, not on 80/443.
    // @see https://cert-manager.io/docs/troubleshooting/acme/#http01-troubleshooting
    { name: "cert-manager-self-check", from: pods("cert-manager"), to: traefik, ports: TRAEFIK_ENTRY_PORTS },
  ];
}

/** The ports of the e-mail receivers' smarthosts (`smtp.example.com:587`). */
function smtpPorts(config: ProgramConfig): number[] {
  return (config.observability?.receivers ?? []).flatMap((r) => (r.kind === "email" && r.smarthost ? [Number(r.smarthost.split(":").at(-1))] : [])).filter((p) => Number.isInteger(p) && p > 0);
}

/** Prometheus to every scrape port; the monitoring namespace among itself; its calls out. */
function monitoringFlows(config: ProgramConfig, namespaces: readonly string[], apps: string, apiServer: AddressPeer): NetworkFlow[] {
  const gke = config.target === "gke";
  const flows: NetworkFlow[] = [
    // Loki, Tempo, Grafana, Alertmanager, the collectors and the exporters call each other.
    { name: "monitoring-internal", from: pods(MONITORING_NAMESPACE), to: pods(MONITORING_NAMESPACE), ports: ALL_PORTS },
    // The operator, kube-state-metrics, the collectors' k8sattributes and Prometheus's discovery.
    { name: "monitoring-api-server", from: pods(MONITORING_NAMESPACE), to: apiServer, ports: API_SERVER_PORTS },
    // The Prometheus operator's admission webhook. @see https://prometheus-operator.dev/docs/platform/webhook/
    { name: "monitoring-webhooks", from: ANY_ADDRESS, to: pods(MONITORING_NAMESPACE), ports: tcp(10250) },
    // Object storage (Loki, Tempo), alert receivers and the cloud's monitoring APIs (exporters), and
    // the e-mail receivers' smarthosts (`host:port`).
    { name: "monitoring-internet", from: pods(MONITORING_NAMESPACE), to: ANYWHERE, ports: tcp(...new Set([443, ...smtpPorts(config)])) },
    // The nodes: the kubelet's cAdvisor (10250) and node-exporter (9100, host network).
    { name: "prometheus-nodes", from: prometheus, to: ANYWHERE, ports: tcp(10250, 9100) },
    // The stores' exporters (metrics), RabbitMQ's Prometheus plugin (15691/15692), PgBouncer (9127), NATS (7777).
    // NATS's prometheus-nats-exporter sidecar (the chart's `promExporter.port`, `prom-metrics`, 7777).
    { name: "prometheus-data", from: prometheus, to: pods(DATA_NAMESPACE), ports: [{ port: "metrics" }, ...tcp(9187, 9121, 9127, 15691, 15692, 7777)] },
    { name: "prometheus-gateway", from: prometheus, to: traefik, ports: tcp(9100) },
    // kube-prometheus-stack's CoreDNS ServiceMonitor (its `coreDns` default). @see https://coredns.io/plugins/metrics/
    { name: "prometheus-dns", from: prometheus, to: KUBE_DNS, ports: tcp(9153) },
  ];
  const proxyPorts = meshProvider(config) === "linkerd" ? tcp(4191) : meshProvider(config) === "istio" ? tcp(15090, 15020) : [];
  if (proxyPorts.length > 0) {
    for (const namespace of [apps, GATEWAY_NAMESPACE].filter((n) => namespaces.includes(n))) flows.push({ name: `prometheus-proxies-${namespace}`, from: prometheus, to: pods(namespace), ports: proxyPorts });
  }
  // GKE Workload Identity: the GKE metadata server answers on 169.254.169.254:80 (and 169.254.169.252:988
  // with Dataplane V2) for the pods whose ServiceAccount is bound (Velero, the Stackdriver exporter, Loki and Tempo's buckets).
  // @see https://cloud.google.com/kubernetes-engine/docs/concepts/workload-identity#metadata_server
  if (gke) {
    for (const namespace of [MONITORING_NAMESPACE, ...(namespaces.includes(VELERO_NAMESPACE) ? [VELERO_NAMESPACE] : [])]) {
      flows.push({ name: `${namespace}-gke-metadata`, from: pods(namespace), to: GKE_METADATA_SERVER, ports: GKE_METADATA_PORTS });
    }
  }
  return flows;
}
