/**
 * The in-cluster NATS backend of MessageQueue: NATS with JetStream from the official chart
 * (`nats-io/k8s`, chart `nats`), file storage on a PVC per server, a cluster of `replicas` servers,
 * TLS for clients and routes from cert-manager, and one user whose password reaches the server only
 * through an environment variable read from a Secret.
 *
 * Declared queues are **not** created as streams here. The NACK controller's `Stream` CRD is not
 * among the pinned upstream CRDs this project validates against, so a `Stream` could not be
 * checked; services declare their streams at start with the JetStream API (`CreateOrUpdateStream`,
 * idempotent), subjects `<queue>.>`. NATS has no dead-letter queue either: a message that exhausts
 * `MaxDeliver` raises a `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES` advisory that a consumer may
 * copy to another stream, so `deadLetter` maps to nothing automatic.
 *
 * @see https://github.com/nats-io/k8s/tree/main/helm/charts/nats
 * @see https://docs.nats.io/running-a-nats-service/nats-kubernetes
 * @see https://docs.nats.io/running-a-nats-service/configuration/securing_nats/auth_intro/username_password
 * @see https://docs.nats.io/nats-concepts/jetstream/consumers#dead-letter-queues-type-functionality
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { KubernetesPlatform } from "../contract/platform";
import { statefulResourceOptions } from "../shared/options";
import { monitoringCrdsOf } from "../data-store";
import { restrictedContainerSecurityContext } from "../shared/security";
import type { BrokerBackendContext, BrokerEndpoints } from "./types";
import type { ResolvedMessageQueue } from "./spec";

/**
 * The pinned chart. 2.12.x is the first line whose major.minor follows the NATS server's (2.12);
 * its default images (server, exporter) are pinned by the chart version.
 * @see https://github.com/nats-io/k8s/releases (nats-2.12.3)
 */
export const natsChart = { repo: "https://nats-io.github.io/k8s/helm/charts/", chart: "nats", version: "2.12.3" } as const;

/** Fixed settings of the NATS backend. */
export const natsDefaults = {
  clusterDomain: "cluster.local",
  clientPort: 4222,
  /** The servers' HTTP monitoring port (the chart's `config.monitor`, plain HTTP), on the headless Service. */
  monitorPort: 8222,
  /** The server's user and group: the image runs as root unless told otherwise. */
  user: 1000,
  /** The environment variable the server config reads the password from. */
  passwordEnv: "NATS_PASSWORD",
  certificate: { duration: "8760h", renewBefore: "720h" },
  exporterResources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
} as const;

const d = natsDefaults;

/**
 * The names of the objects: the chart's (`fullnameOverride` is the component name) and ours.
 *
 * @see https://github.com/nats-io/k8s/blob/main/helm/charts/nats/values.yaml
 */
export function natsNames(name: string) {
  return { service: name, headless: `${name}-headless`, auth: `${name}-auth`, tls: `${name}-tls`, clientCa: `${name}-ca` };
}

/**
 * The servers' monitoring endpoint, `host:port` on the headless Service (which publishes the
 * monitor port, unlike the client Service), so that KEDA's `nats-jetstream` scaler can also reach
 * each server as `<pod>.<headless>` to read a consumer from its leader.
 *
 * @see https://github.com/nats-io/k8s/blob/main/helm/charts/nats/files/headless-service.yaml
 * @see https://keda.sh/docs/2.20/scalers/nats-jetstream/
 */
export function natsMonitoringEndpoint(name: string, namespace: string): string {
  return `${natsNames(name).headless}.${namespace}.svc.${d.clusterDomain}:${d.monitorPort}`;
}

/**
 * The labels the chart selects the server pods by (`nats.selectorLabels`).
 * @see https://github.com/nats-io/k8s/blob/main/helm/charts/nats/templates/_helpers.tpl
 */
export function natsSelector(release: string): Record<string, string> {
  return { "app.kubernetes.io/name": "nats", "app.kubernetes.io/instance": release, "app.kubernetes.io/component": "nats" };
}

/**
 * The server certificate's DNS names: the client Service and every server under the headless
 * Service, in the short forms the chart's routes use (`tls://<pod>.<headless>:6222`) and the long
 * forms clients use, and `localhost`.
 *
 * @see https://docs.nats.io/running-a-nats-service/configuration/securing_nats/tls
 */
export function natsCertificateDnsNames(name: string, namespace: string): string[] {
  const n = natsNames(name);
  const forms = (host: string) => [host, `${host}.${namespace}`, `${host}.${namespace}.svc`, `${host}.${namespace}.svc.${d.clusterDomain}`];
  return [...forms(n.service), ...forms(`*.${n.headless}`), "localhost"];
}

/** What {@link natsValues} needs besides the spec. */
export interface NatsValuesOptions {
  readonly username: string;
  readonly storageClass: string;
  /** Run the Prometheus exporter sidecar and the chart's PodMonitor. */
  readonly monitoring: boolean;
}

/**
 * The chart's values (1.x/2.x schema: NATS settings under `config`, Kubernetes objects under
 * `container`, `podTemplate`, `promExporter`, …).
 *
 * - JetStream with file storage on a PVC of `storageGiB`; a cluster of `replicas` when > 1.
 * - The password: the config holds `<< $NATS_PASSWORD >>`, which the chart writes unquoted, so the
 *   server reads the variable, set by `container.env` from the auth Secret.
 * - TLS for clients and routes from the cert-manager Secret, its `ca.crt` as `tlsCA`.
 * - Non-root with a read-only root filesystem; the reloader sidecar is off (it has no health
 *   endpoint to probe), so a renewed certificate is read at the next restart; nats-box is off.
 *
 * @see https://github.com/nats-io/k8s/blob/main/helm/charts/nats/values.yaml
 * @see https://docs.nats.io/running-a-nats-service/configuration#variables
 */
export function natsValues(name: string, spec: ResolvedMessageQueue, options: NatsValuesOptions): Record<string, unknown> {
  const n = natsNames(name);
  const prod = spec.environment === "prod";
  const clustered = spec.replicas > 1;
  const tls = (on: boolean) => (on ? { tls: { enabled: true, secretName: n.tls } } : {});
  const restricted = restrictedContainerSecurityContext();
  return {
    fullnameOverride: name,
    config: {
      cluster: { enabled: clustered, ...(clustered ? { replicas: spec.replicas, ...tls(spec.tls) } : {}) },
      jetstream: {
        enabled: true,
        fileStore: { enabled: true, pvc: { enabled: true, size: `${spec.storageGiB}Gi`, storageClassName: options.storageClass } },
      },
      nats: { port: d.clientPort, ...tls(spec.tls) },
      merge: { authorization: { user: options.username, password: `<< $${d.passwordEnv} >>` } },
    },
    ...(spec.tls ? { tlsCA: { enabled: true, secretName: n.tls } } : {}),
    container: {
      env: { [d.passwordEnv]: { valueFrom: { secretKeyRef: { name: n.auth, key: "password" } } } },
      merge: { resources: { requests: { ...spec.resources.requests }, limits: { ...spec.resources.limits } }, securityContext: restricted },
    },
    reloader: { enabled: false },
    natsBox: { enabled: false },
    promExporter: {
      enabled: options.monitoring,
      podMonitor: { enabled: options.monitoring },
      merge: {
        resources: { requests: { ...d.exporterResources.requests }, limits: { ...d.exporterResources.limits } },
        securityContext: restricted,
        readinessProbe: { httpGet: { path: "/metrics", port: "prom-metrics" }, periodSeconds: 10, timeoutSeconds: 3 },
        livenessProbe: { tcpSocket: { port: "prom-metrics" }, initialDelaySeconds: 10, periodSeconds: 30, failureThreshold: 5 },
      },
    },
    podDisruptionBudget: { enabled: clustered },
    podTemplate: {
      topologySpreadConstraints: {
        "kubernetes.io/hostname": { maxSkew: 1, whenUnsatisfiable: prod ? "DoNotSchedule" : "ScheduleAnyway" },
        "topology.kubernetes.io/zone": { maxSkew: 1, whenUnsatisfiable: "ScheduleAnyway" },
      },
      merge: {
        metadata: { labels: { ...spec.labels } },
        spec: {
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, runAsUser: d.user, runAsGroup: d.user, fsGroup: d.user, fsGroupChangePolicy: "OnRootMismatch", seccompProfile: { type: "RuntimeDefault" } },
        },
      },
    },
  };
}

/**
 * The client URL: `tls://` makes NATS clients require TLS, `nats://` otherwise.
 * @see https://docs.nats.io/using-nats/developer/connecting/tls
 */
export function natsUrl(tls: boolean, username: string, password: string, host: string, port: number): string {
  return `${tls ? "tls" : "nats"}://${encodeURIComponent(username)}:${encodeURIComponent(password)}@${host}:${port}`;
}

/**
 * Deploys NATS with JetStream into the cluster. See the module comment.
 *
 * @param name - the component's name: the Helm release and the chart's objects' names.
 * @param spec - the resolved arguments.
 * @param platform - the cluster; its `storageClass` backs the JetStream volumes.
 * @param context - the user and password, the parent, cert-manager (with `tls`), and the
 *   Prometheus CRDs (`addons.prometheusOperatorCrds`; no exporter nor PodMonitor without them).
 * @returns the client Service; with TLS, the CA Secret created in each client namespace.
 * @throws Error when `tls` is on without `certManager`.
 * @see https://docs.nats.io/running-a-nats-service/nats-kubernetes
 */
export function deployNatsToKubernetes(name: string, spec: ResolvedMessageQueue, platform: KubernetesPlatform, context: BrokerBackendContext): BrokerEndpoints {
  const opts: pulumi.CustomResourceOptions = { parent: context.parent, provider: platform.provider, dependsOn: [...spec.dependsOn] };
  const n = natsNames(name);
  const ns = spec.namespace;
  const labels = { ...spec.labels, ...natsSelector(name), "app.kubernetes.io/managed-by": "pulumi" };
  const dependsOn: pulumi.Resource[] = [...spec.dependsOn];

  dependsOn.push(
    new k8s.core.v1.Secret(
      n.auth,
      { metadata: { name: n.auth, namespace: ns, labels }, type: "Opaque", stringData: pulumi.secret(context.password.apply((password) => ({ password }))) },
      opts,
    ),
  );

  if (spec.tls) {
    const certManager = context.addons.certManager;
    if (!certManager) throw new Error(`MessageQueue "${name}": \`certManager\` is required in \`addons\` in-cluster with \`tls\``);
    const issuerRef = { name: certManager.caIssuerName, kind: "ClusterIssuer", group: "cert-manager.io" };
    const certificate = { duration: d.certificate.duration, renewBefore: d.certificate.renewBefore, privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" } };
    dependsOn.push(
      certManager.release,
      new k8s.apiextensions.CustomResource(
        n.tls,
        {
          apiVersion: "cert-manager.io/v1",
          kind: "Certificate",
          metadata: { name: n.tls, namespace: ns, labels },
          spec: {
            secretName: n.tls,
            issuerRef,
            dnsNames: pulumi.output(ns).apply((namespace) => natsCertificateDnsNames(name, namespace)),
            ...certificate,
            // Routes between servers are TLS both ways.
            usages: ["server auth", "client auth", "digital signature"],
          },
        },
        { ...opts, dependsOn: [...spec.dependsOn, certManager.release] },
      ),
    );
    // Clients in other namespaces cannot read this namespace's Secrets: a client certificate from
    // the same CA issuer in each of them brings the CA (`ca.crt`) to verify the servers with.
    spec.clientNamespaces.forEach(
      (clientNamespace, index) =>
        new k8s.apiextensions.CustomResource(
          `${name}-client-ca-${index}`,
          {
            apiVersion: "cert-manager.io/v1",
            kind: "Certificate",
            metadata: { name: `${name}-client`, namespace: clientNamespace, labels: { ...spec.labels, "app.kubernetes.io/managed-by": "pulumi" } },
            spec: { secretName: n.clientCa, commonName: `${name}-client`, issuerRef, ...certificate, usages: ["client auth", "digital signature"] },
          },
          { ...opts, dependsOn: [...spec.dependsOn, certManager.release] },
        ),
    );
  }
  const monitoringCrds = monitoringCrdsOf(context.addons);
  if (monitoringCrds) dependsOn.push(monitoringCrds);

  new k8s.helm.v3.Release(
    `${name}-release`,
    {
      name,
      chart: natsChart.chart,
      version: natsChart.version,
      repositoryOpts: { repo: natsChart.repo },
      namespace: ns,
      atomic: true,
      values: natsValues(name, spec, { username: context.username, storageClass: platform.storageClass, monitoring: monitoringCrds !== undefined }),
    },
    { ...opts, dependsOn, ...statefulResourceOptions(spec.protect) },
  );

  const host = pulumi.interpolate`${n.service}.${ns}.svc.${d.clusterDomain}`;
  return {
    host,
    port: pulumi.output(d.clientPort),
    url: pulumi.secret(pulumi.all([host, context.password]).apply(([h, password]) => natsUrl(spec.tls, context.username, password, h, d.clientPort))),
    ...(spec.tls && spec.clientNamespaces.length > 0 ? { caSecretName: n.clientCa } : {}),
  };
}
