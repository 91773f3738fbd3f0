/**
 * The in-cluster RabbitMQ backend of the MessageQueue: the RabbitMQ Cluster Operator runs the
 * broker (a `RabbitmqCluster`), the Messaging Topology Operator declares its user, permissions and
 * queues (`User`, `Permission`, `Queue`), and cert-manager issues its TLS certificate. Both
 * operators come from their upstream release manifests, once per cluster.
 *
 * @see https://www.rabbitmq.com/kubernetes/operator/using-operator
 * @see https://www.rabbitmq.com/kubernetes/operator/using-topology-operator
 * @see https://www.rabbitmq.com/kubernetes/operator/tls-topology-operator
 */
import { createHash } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { rabbitmqOperatorDefaults, rabbitmqOperatorReleases } from "../addons/rabbitmq-operators";
import type { KubernetesPlatform } from "../contract/platform";
import { statefulResourceOptions } from "../shared/options";
import { monitoringCrdsOf } from "../data-store";
import { restrictedContainerSecurityContext } from "../shared/security";
import { deployRabbitmqClients } from "./rabbitmq-clients";
import type { BrokerBackendContext, BrokerEndpoints } from "./types";
import type { QueueArgs, ResolvedMessageQueue } from "./spec";

/**
 * The pinned releases: the operators' release manifests (the RabbitmqOperators add-on's) and the
 * broker image, which is the default image of that Cluster Operator release.
 *
 * @see https://github.com/rabbitmq/cluster-operator/releases/tag/v2.22.3
 */
export const rabbitmqVersions = {
  ...rabbitmqOperatorReleases,
  /** The `-management` variant: the operator's generated configuration expects the management plugin. */
  image: "rabbitmq:4.2.6-management",
} as const;

/**
 * Fixed settings of the in-cluster backend, as the operators name things.
 *
 * @see https://github.com/rabbitmq/cluster-operator/blob/main/internal/resource/statefulset.go
 * @see https://github.com/rabbitmq/cluster-operator/blob/main/internal/resource/configmap.go
 */
export const rabbitmqKubernetesDefaults = {
  clusterDomain: "cluster.local",
  /** Where both release manifests install their operators. */
  operatorNamespace: rabbitmqOperatorDefaults.namespace,
  ports: { amqp: 5672, amqps: 5671, management: 15672, managementTls: 15671 },
  /** The rabbitmq container's Prometheus port names: `prometheus` (15692), or `prometheus-tls` (15691) with TLS. */
  metricsPortName: { plain: "prometheus", tls: "prometheus-tls" },
  /** The vhost the user and queues live in. */
  vhost: "/",
  /** Quorum queues need a majority of at least 3 nodes to be worth it. */
  quorumMinReplicas: 3,
  /** The certificate's lifetime and renewal margin; RabbitMQ reloads renewed certificates. */
  certificate: { duration: "8760h", renewBefore: "720h" },
  /** The rabbitmq container's liveness probe: `rabbitmq-diagnostics -q ping`, patient, as RabbitMQ advises. */
  liveness: { initialDelaySeconds: 60, periodSeconds: 60, timeoutSeconds: 20, failureThreshold: 5 },
} as const;

const d = rabbitmqKubernetesDefaults;
type Queue = ResolvedMessageQueue["queues"][number];
type PodSpec = k8s.types.input.core.v1.PodSpec;

/**
 * The names of the in-cluster objects.
 *
 * @see https://www.rabbitmq.com/kubernetes/operator/using-operator
 */
export function rabbitmqNames(name: string) {
  return {
    /** The `RabbitmqCluster`; the operator names the client Service after it. */
    cluster: name,
    /** The operator's headless Service; pods are `<name>-server-<i>.<name>-nodes`. */
    headless: `${name}-nodes`,
    /** The broker's certificate (cert-manager): `tls.crt`, `tls.key`, `ca.crt`. */
    tls: `${name}-tls`,
    /** In each client namespace: the Secret whose `ca.crt` clients trust. */
    ca: `${name}-ca`,
    /** The credentials the `User` imports. */
    userCredentials: `${name}-user-credentials`,
    user: `${name}-user`,
  };
}

/**
 * The labels the Cluster Operator puts on the broker's pods, and selects them by.
 *
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/
 */
export function rabbitmqPodSelector(name: string): Record<string, string> {
  return { "app.kubernetes.io/name": name };
}

/**
 * The broker certificate's DNS names: the client Service in every form clients use, and every
 * node under the operator's headless Service (`<name>-server-<i>.<name>-nodes.<namespace>`, the
 * nodes' own names), so it also serves inter-node and CLI connections.
 *
 * @see https://www.rabbitmq.com/kubernetes/operator/using-operator#tls
 */
export function brokerCertificateDnsNames(name: string, namespace: string): string[] {
  const n = rabbitmqNames(name);
  const forms = (host: string) => [`${host}.${namespace}.svc.${d.clusterDomain}`, `${host}.${namespace}.svc`, `${host}.${namespace}`];
  return [...forms(n.cluster), n.cluster, ...forms(`*.${n.headless}`)];
}

/**
 * The queue type: quorum (replicated, Raft) when the broker has at least 3 nodes and the queue is
 * durable and has no priorities; classic otherwise. Quorum queues must be durable and refuse
 * `x-max-priority`, so a priority queue stays classic (one node holds it) even in prod.
 *
 * @see https://www.rabbitmq.com/docs/quorum-queues#feature-matrix
 * @see https://www.rabbitmq.com/docs/priority
 */
export function queueType(queue: Pick<QueueArgs, "durable" | "maxPriority">, replicas: number): "quorum" | "classic" {
  return replicas >= d.quorumMinReplicas && queue.durable !== false && queue.maxPriority === undefined ? "quorum" : "classic";
}

/**
 * The queue's arguments. Dead-lettering goes through the default exchange (`""`) with the target
 * queue's name as the routing key, which reaches exactly that queue.
 *
 * @see https://www.rabbitmq.com/docs/dlx
 * @see https://www.rabbitmq.com/docs/maxlength
 */
export function queueArguments(queue: Pick<QueueArgs, "deadLetter" | "maxLength" | "maxPriority">): Record<string, string | number> {
  return {
    ...(queue.deadLetter !== undefined ? { "x-dead-letter-exchange": "", "x-dead-letter-routing-key": queue.deadLetter } : {}),
    ...(queue.maxLength !== undefined ? { "x-max-length": queue.maxLength } : {}),
    ...(queue.maxPriority !== undefined ? { "x-max-priority": queue.maxPriority } : {}),
  };
}

/**
 * The Kubernetes name of a queue's `Queue` object: `<name>-<queue>` in lower case, with characters
 * a Kubernetes name cannot hold replaced by `-`; when anything was changed, a short hash of the
 * queue's real name keeps `Jobs` and `jobs` apart.
 *
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#dns-subdomain-names
 */
export function queueObjectName(name: string, queueName: string): string {
  const base = `${name}-${queueName}`;
  const cleaned = base.toLowerCase().replace(/[^a-z0-9.-]/g, "-").replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, "");
  return cleaned === base ? base : `${cleaned}-${createHash("sha256").update(queueName).digest("hex").slice(0, 8)}`;
}

/**
 * The `spec` of a topology-operator `Queue`. With `protect`, deleting the object leaves the queue
 * and its messages in RabbitMQ (`deletionPolicy: retain`).
 *
 * Arguments and type cannot change after a queue exists (the operator's webhook refuses it).
 *
 * @see https://www.rabbitmq.com/kubernetes/operator/using-topology-operator#queues-policies
 */
export function queueSpec(clusterName: string, queue: Queue, replicas: number, protect: boolean): Record<string, unknown> {
  const args = queueArguments(queue);
  return {
    name: queue.name,
    vhost: d.vhost,
    type: queueType(queue, replicas),
    durable: queue.durable,
    autoDelete: false,
    ...(Object.keys(args).length > 0 ? { arguments: args } : {}),
    deletionPolicy: protect ? "retain" : "delete",
    rabbitmqClusterReference: { name: clusterName },
  };
}

/**
 * `rabbitmq.conf` lines on top of the operator's defaults (which already derive the memory limit
 * from the container's and set `disk_free_limit`): partition handling stated explicitly, and with
 * TLS only TLS 1.2 and 1.3 on the AMQP and management listeners.
 *
 * @see https://www.rabbitmq.com/docs/partitions#automatic-handling
 * @see https://www.rabbitmq.com/docs/ssl#tls-versions
 * @see https://www.rabbitmq.com/docs/management#single-listener-https
 */
export function rabbitmqAdditionalConfig(tls: boolean): string {
  return [
    "cluster_partition_handling = pause_minority",
    ...(tls
      ? ["ssl_options.versions.1 = tlsv1.3", "ssl_options.versions.2 = tlsv1.2", "management.ssl.versions.1 = tlsv1.3", "management.ssl.versions.2 = tlsv1.2"]
      : []),
    "",
  ].join("\n");
}

/**
 * The override of the operator's pod template that meets the restricted Pod Security Standard.
 *
 * The operator runs both containers as UID 999 but sets neither `runAsNonRoot`, seccomp, nor any
 * container `securityContext`, and gives the `rabbitmq` container a readiness probe only. Patched
 * here by container name (a strategic merge):
 * - the pod: `runAsNonRoot`, seccomp `RuntimeDefault`;
 * - `setup-container` (init) and `rabbitmq`: no privilege escalation, all capabilities dropped,
 *   a read-only root filesystem (every path they write is a volume: `/var/lib/rabbitmq` and
 *   `/operator` are the operator's emptyDirs, the data its volume; `/tmp` and `/var/log/rabbitmq`
 *   get emptyDirs here);
 * - `rabbitmq`: a liveness probe (`rabbitmq-diagnostics -q ping`, which only asks whether the
 *   node's runtime answers), patient so a node busy syncing is not killed; the operator's TCP
 *   readiness probe on the AMQP port stays.
 *
 * @see https://github.com/rabbitmq/cluster-operator/blob/main/internal/resource/statefulset.go
 * @see https://www.rabbitmq.com/docs/monitoring#health-checks
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
 */
export function restrictedPodOverride(): PodSpec {
  return {
    securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
    initContainers: [{ name: "setup-container", securityContext: restrictedContainerSecurityContext() }],
    containers: [
      {
        name: "rabbitmq",
        securityContext: restrictedContainerSecurityContext(),
        livenessProbe: { exec: { command: ["rabbitmq-diagnostics", "-q", "ping"] }, ...d.liveness },
        volumeMounts: [
          { name: "tmp", mountPath: "/tmp" },
          { name: "log", mountPath: "/var/log/rabbitmq" },
        ],
      },
    ],
    volumes: [
      { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
      { name: "log", emptyDir: { sizeLimit: "256Mi" } },
    ],
  };
}

/**
 * Nodes apart on hosts: required in prod (one node failure takes at most one broker node),
 * preferred otherwise. The operator already spreads them across zones
 * (`topologySpreadConstraints` on `topology.kubernetes.io/zone`).
 *
 * @see https://www.rabbitmq.com/kubernetes/operator/using-operator#affinity
 */
export function brokerAffinity(name: string, requiredApart: boolean): k8s.types.input.core.v1.Affinity {
  const term = { labelSelector: { matchLabels: rabbitmqPodSelector(name) }, topologyKey: "kubernetes.io/hostname" };
  return {
    podAntiAffinity: requiredApart
      ? { requiredDuringSchedulingIgnoredDuringExecution: [term] }
      : { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] },
  };
}

/**
 * The `spec` of the `RabbitmqCluster`.
 *
 * @param spec - the resolved arguments.
 * @param storageClass - the platform's StorageClass for the nodes' volumes.
 * @see https://www.rabbitmq.com/kubernetes/operator/using-operator
 */
export function rabbitmqClusterSpec(spec: ResolvedMessageQueue, storageClass: string): Record<string, unknown> {
  return {
    replicas: spec.replicas,
    image: rabbitmqVersions.image,
    resources: { requests: { ...spec.resources.requests }, limits: { ...spec.resources.limits } },
    persistence: { storageClassName: storageClass, storage: `${spec.storageGiB}Gi` },
    // Only TLS listeners (AMQP 5671, management 15671, Prometheus 15691); clients authenticate
    // with their password, not a certificate, so no `caSecretName` (which turns on verify_peer).
    ...(spec.tls ? { tls: { secretName: rabbitmqNames(spec.name).tls, disableNonTLSListeners: true } } : {}),
    affinity: brokerAffinity(spec.name, spec.environment === "prod"),
    rabbitmq: { additionalConfig: rabbitmqAdditionalConfig(spec.tls) },
    override: { statefulSet: { spec: { template: { spec: restrictedPodOverride() } } } },
  };
}

/**
 * The `spec` of the PodMonitor: RabbitMQ's Prometheus endpoint on every node, aggregated
 * (`/metrics`) and per queue (`/metrics/detailed` with `queue_coarse_metrics`, which has
 * `rabbitmq_detailed_queue_messages{queue}`, the depth to scale workers on, and
 * `queue_consumer_count`, for the no-consumer alert). With TLS it scrapes
 * `prometheus-tls` and verifies the node against the broker certificate's CA under the client
 * Service's name (pods are scraped by IP).
 *
 * @see https://www.rabbitmq.com/docs/prometheus#metric-aggregation
 * @see https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.PodMetricsEndpoint
 */
export function brokerPodMonitorSpec(name: string, namespace: string, tls: boolean): Record<string, unknown> {
  const transport = tls
    ? {
        port: d.metricsPortName.tls,
        scheme: "https",
        tlsConfig: { ca: { secret: { name: rabbitmqNames(name).tls, key: "ca.crt" } }, serverName: `${name}.${namespace}.svc` },
      }
    : { port: d.metricsPortName.plain, scheme: "http" };
  return {
    selector: { matchLabels: rabbitmqPodSelector(name) },
    podMetricsEndpoints: [
      { ...transport, path: "/metrics" },
      { ...transport, path: "/metrics/detailed", params: { family: ["queue_coarse_metrics", "queue_consumer_count"] } },
    ],
  };
}

/**
 * Deploys RabbitMQ into the cluster. See the module comment.
 *
 * - Secret `<name>-user-credentials` and a topology `User` that imports it, so the broker user has
 *   the component's password (the operator's own `<name>-default-user`, an administrator with a
 *   random password, stays for the Topology Operator and the management UI), and a `Permission`
 *   on vhost `/`.
 * - Certificate `<name>-tls` and, in each client namespace, a Certificate whose Secret `<name>-ca`
 *   carries the CA (`ca.crt`).
 * - `RabbitmqCluster` `<name>` (see {@link rabbitmqClusterSpec}), protected with `protect`; a
 *   PodDisruptionBudget from 2 nodes; a `Queue` per declared queue; a PodMonitor with the
 *   Prometheus CRDs.
 *
 * @param name - the component's name; objects are named `${name}-<role>`.
 * @param spec - the resolved arguments.
 * @param platform - the cluster.
 * @param context - the credentials, the parent, cert-manager and the Prometheus CRDs.
 * @returns the client Service's endpoints.
 * @throws Error when `certManager` is missing: the Topology Operator's webhook needs it.
 * @see https://www.rabbitmq.com/kubernetes/operator/using-operator
 */
export function deployRabbitmqToKubernetes(name: string, spec: ResolvedMessageQueue, platform: KubernetesPlatform, context: BrokerBackendContext): BrokerEndpoints {
  const { certManager, rabbitmqOperators: operators } = context.addons;
  if (!certManager) throw new Error(`MessageQueue "${name}": \`certManager\` is required in \`addons\` for RabbitMQ in-cluster: the Messaging Topology Operator's webhook certificate comes from cert-manager`);
  if (!operators) throw new Error(`MessageQueue "${name}": \`rabbitmqOperators\` is required in \`addons\` for RabbitMQ in-cluster`);
  const opts: pulumi.CustomResourceOptions = { parent: context.parent, provider: platform.provider, dependsOn: [...spec.dependsOn] };
  const n = rabbitmqNames(name);
  const ns = spec.namespace;
  const labels = { ...spec.labels, "app.kubernetes.io/instance": name, "app.kubernetes.io/part-of": "message-queue", "app.kubernetes.io/managed-by": "pulumi" };
  const meta = (objectName: string, namespace: pulumi.Input<string> = ns) => ({ name: objectName, namespace, labels });
  const issuerRef = { name: certManager.caIssuerName, kind: "ClusterIssuer", group: "cert-manager.io" };
  const certificateTiming = { duration: d.certificate.duration, renewBefore: d.certificate.renewBefore };

  const before: pulumi.Resource[] = [operators.clusterOperator, ...spec.dependsOn];
  if (spec.tls) {
    before.push(
      new k8s.apiextensions.CustomResource(
        `${name}-tls`,
        {
          apiVersion: "cert-manager.io/v1",
          kind: "Certificate",
          metadata: meta(n.tls),
          spec: {
            secretName: n.tls,
            issuerRef,
            dnsNames: pulumi.output(ns).apply((namespace) => brokerCertificateDnsNames(name, namespace)),
            ...certificateTiming,
            privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
            usages: ["server auth", "client auth", "digital signature"],
          },
        },
        { ...opts, dependsOn: [...spec.dependsOn, certManager.release] },
      ),
    );
    // Clients cannot read this namespace's Secrets: a certificate from the same CA issuer in each
    // client namespace brings them the CA (`ca.crt`) to verify the broker with.
    spec.clientNamespaces.forEach((clientNamespace, index) =>
      new k8s.apiextensions.CustomResource(
        `${name}-client-ca-${index}`,
        {
          apiVersion: "cert-manager.io/v1",
          kind: "Certificate",
          metadata: meta(`${name}-client`, clientNamespace),
          spec: {
            secretName: n.ca,
            commonName: `${name}-client`,
            issuerRef,
            ...certificateTiming,
            privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
            usages: ["client auth", "digital signature"],
          },
        },
        { ...opts, dependsOn: [...spec.dependsOn, certManager.release] },
      ),
    );
  }

  const credentials = new k8s.core.v1.Secret(
    `${name}-user-credentials`,
    {
      metadata: meta(n.userCredentials),
      type: "Opaque",
      stringData: pulumi.secret(context.password.apply((password) => ({ username: context.username, password }))),
    },
    opts,
  );

  const cluster = new k8s.apiextensions.CustomResource(
    `${name}-cluster`,
    { apiVersion: "rabbitmq.com/v1beta1", kind: "RabbitmqCluster", metadata: meta(n.cluster), spec: rabbitmqClusterSpec(spec, platform.storageClass) },
    { ...opts, dependsOn: before, ...statefulResourceOptions(spec.protect) },
  );

  if (spec.replicas >= 2) {
    new k8s.policy.v1.PodDisruptionBudget(
      `${name}-pdb`,
      { metadata: meta(name), spec: { maxUnavailable: 1, selector: { matchLabels: rabbitmqPodSelector(name) } } },
      { ...opts, dependsOn: [...spec.dependsOn, cluster] },
    );
  }

  const topology = { ...opts, dependsOn: [...spec.dependsOn, operators.ready, cluster] };
  const user = new k8s.apiextensions.CustomResource(
    `${name}-user`,
    {
      apiVersion: "rabbitmq.com/v1beta1",
      kind: "User",
      metadata: meta(n.user),
      spec: { rabbitmqClusterReference: { name: n.cluster }, importCredentialsSecret: { name: n.userCredentials } },
    },
    { ...topology, dependsOn: [...topology.dependsOn, credentials] },
  );
  new k8s.apiextensions.CustomResource(
    `${name}-permission`,
    {
      apiVersion: "rabbitmq.com/v1beta1",
      kind: "Permission",
      metadata: meta(`${name}-permission`),
      spec: {
        vhost: d.vhost,
        userReference: { name: n.user },
        permissions: { configure: ".*", write: ".*", read: ".*" },
        rabbitmqClusterReference: { name: n.cluster },
      },
    },
    { ...topology, dependsOn: [...topology.dependsOn, user] },
  );
  // A user per client, limited to its own queues (rabbitmq-clients.ts).
  deployRabbitmqClients(name, context.clients ?? [], { cluster: n.cluster, namespace: ns, labels, opts: topology });
  for (const queue of spec.queues) {
    new k8s.apiextensions.CustomResource(
      `${name}-queue-${queue.name}`,
      { apiVersion: "rabbitmq.com/v1beta1", kind: "Queue", metadata: meta(queueObjectName(name, queue.name)), spec: queueSpec(n.cluster, queue, spec.replicas, spec.protect) },
      { ...topology, ...statefulResourceOptions(spec.protect) },
    );
  }

  const monitoringCrds = monitoringCrdsOf(context.addons);
  if (monitoringCrds) {
    new k8s.apiextensions.CustomResource(
      `${name}-pod-monitor`,
      {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PodMonitor",
        metadata: meta(name),
        spec: pulumi.output(ns).apply((namespace) => brokerPodMonitorSpec(name, namespace, spec.tls)),
      },
      { ...opts, dependsOn: [...spec.dependsOn, cluster, monitoringCrds] },
    );
  }

  const host = pulumi.interpolate`${n.cluster}.${ns}.svc.${d.clusterDomain}`;
  const port = spec.tls ? d.ports.amqps : d.ports.amqp;
  // `%2F` is the vhost `/`; a bare trailing `/` would name the empty vhost in the AMQP URI spec.
  const urlOf = (username: string, pw: pulumi.Output<string>) =>
    pulumi.secret(pulumi.all([host, pw]).apply(([h, password]) => `${spec.tls ? "amqps" : "amqp"}://${encodeURIComponent(username)}:${encodeURIComponent(password)}@${h}:${port}/%2F`));
  return {
    host,
    port: pulumi.output(port),
    url: urlOf(context.username, context.password),
    clientUrl: urlOf,
    managementUrl: spec.tls ? pulumi.interpolate`https://${host}:${d.ports.managementTls}` : pulumi.interpolate`http://${host}:${d.ports.management}`,
    ...(spec.tls && spec.clientNamespaces.length > 0 ? { caSecretName: n.ca } : {}),
  };
}
