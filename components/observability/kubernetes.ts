/**
 * The Kubernetes backend of ObservabilityStack (EKS, GKE, k3s):
 *
 * - kube-prometheus-stack: the Prometheus operator, Prometheus, Alertmanager, Grafana,
 *   kube-state-metrics and node-exporter (the operator's CRDs stay in PrometheusOperatorCrds'
 *   own release);
 * - Loki and an OpenTelemetry Collector DaemonSet that reads pod logs and pushes them to Loki over
 *   OTLP; Tempo (monolithic) behind an OpenTelemetry Collector Deployment, the `otel-collector`
 *   Service that services send OTLP to. On EKS and GKE both keep their data in a bucket of their
 *   own (object-store.ts), Loki replicated in prod; on k3s on a volume;
 * - per service a `ServiceMonitor` and a Grafana dashboard ConfigMap, and the alert rules as one
 *   `PrometheusRule`.
 *
 * @see https://github.com/prometheus-community/helm-charts/tree/main/charts/kube-prometheus-stack
 * @see https://grafana.com/docs/loki/latest/setup/install/helm/install-monolithic/
 * @see https://github.com/open-telemetry/opentelemetry-helm-charts/tree/main/charts/opentelemetry-collector
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { KubernetesPlatform } from "../contract/platform";
import { statefulResourceOptions } from "../shared/options";
import { serviceDashboard } from "./dashboards";
import { TRACK_LABEL } from "../contract/labels";
import { alertmanagerConfigFile } from "./alertmanager";
import type { ObservabilityContext, ObservabilityEndpoints } from "./types";
import { alertRuleGroups } from "./rules";
import { platformDashboards } from "./dashboards-platform";
import { pgbouncerPodMonitorSpec } from "./rules-broker";
import { ISTIO_PROM_CERTS, meshScrapeTls, platformMonitors } from "./scrape";

export { ISTIO_PROM_CERTS } from "./scrape";
import { deployCloudExporters } from "./exporters";
import { deployObjectStores, lokiStorage, storageServiceAccounts, tempoTraceStorage, type ObjectStore, type ObjectStores } from "./object-store";
import { observabilityEndpoints, type ResolvedObservability, type ScrapeTarget } from "./spec";
import { LOKI_REPLICAS, observabilityResources, restrictedContainer, smallVolumesGiB } from "./sizing";

export { LOKI_REPLICAS, observabilityResources, smallVolumesGiB } from "./sizing";

/** A pinned chart: repository, name and version. */
export interface PinnedChart {
  readonly repo: string;
  readonly chart: string;
  readonly version: string;
}

/**
 * The pinned charts of this backend.
 *
 * - kube-prometheus-stack 88.2.0: `appVersion: v0.93.0`, the operator whose CRDs
 *   PrometheusOperatorCrds installs (88.0.0 bumped the operator to v0.93.0; 91.0.0 to v0.94.0).
 * - loki 6.29.0 (Loki 3.4.2), tempo 1.12.0: the Grafana charts' monolithic modes.
 * - opentelemetry-collector 0.158.2 (collector 0.153.0); 0.158.3 was never published (0.158.2 is followed by 0.159.0).
 *
 * @see https://github.com/prometheus-community/helm-charts/releases/tag/kube-prometheus-stack-88.0.0
 * @see https://github.com/grafana/loki/blob/main/production/helm/loki/Chart.yaml
 * @see https://github.com/grafana/helm-charts/releases/tag/tempo-1.12.0
 * @see https://github.com/open-telemetry/opentelemetry-helm-charts/releases/tag/opentelemetry-collector-0.158.2
 */
export const observabilityCharts = {
  kubePrometheusStack: { repo: "https://prometheus-community.github.io/helm-charts", chart: "kube-prometheus-stack", version: "88.2.0" },
  loki: { repo: "https://grafana.github.io/helm-charts", chart: "loki", version: "6.29.0" },
  tempo: { repo: "https://grafana.github.io/helm-charts", chart: "tempo", version: "1.12.0" },
  otelCollector: { repo: "https://open-telemetry.github.io/opentelemetry-helm-charts", chart: "opentelemetry-collector", version: "0.158.2" },
} as const satisfies Record<string, PinnedChart>;

/**
 * The collector image: the Kubernetes distribution (filelog, k8sattributes, OTLP in and out), which
 * the chart requires to be named explicitly, at the chart's appVersion.
 * @see https://github.com/open-telemetry/opentelemetry-helm-charts/blob/main/charts/opentelemetry-collector/UPGRADING.md
 */
export const otelCollectorImage = { repository: "otel/opentelemetry-collector-k8s", tag: "0.153.0" } as const;

/** The Helm release names; the Service names in {@link observabilityEndpoints} derive from them. */
export const releaseNames = { stack: "kube-prometheus-stack", loki: "loki", tempo: "tempo", otelCollector: "otel-collector", otelLogs: "otel-logs" } as const;

/** Tempo's own Services (the chart serves HTTP on 3100); the `tempo` Service on 3200 is ours. */
const TEMPO_FULLNAME = "tempo-server";
/** Tempo's HTTP port in the chart's Service and container. @see https://github.com/grafana/helm-charts/blob/main/charts/tempo/templates/service.yaml */
const TEMPO_CHART_HTTP_PORT = 3100;

/** The Secrets this backend creates, in the stack's namespace. */
export const secretNames = { alertmanager: "alertmanager-platform-config", grafanaAdmin: "grafana-admin" } as const;



/**
 * Prometheus's pod settings to scrape through a service mesh's STRICT mTLS.
 *
 * - Istio: the documented integration: a sidecar that intercepts no traffic, writes its
 *   certificate (`OUTPUT_CERTS`) to an in-memory `istio-certs` volume mounted at
 *   {@link ISTIO_PROM_CERTS} in Prometheus, which then scrapes over https with it.
 * - Linkerd: the pod is meshed; its proxy originates mTLS for every scrape.
 *
 * @returns keys of kube-prometheus-stack's `prometheus.prometheusSpec`; empty without a mesh.
 * @see https://istio.io/latest/docs/ops/integrations/prometheus/#tls-settings
 * @see https://linkerd.io/2/tasks/external-prometheus/
 */
export function meshPrometheusSettings(mesh: ResolvedObservability["mesh"]): Record<string, unknown> {
  // Meshed, Prometheus would inherit the cluster-wide all-authenticated inbound policy and refuse
  // Grafana's plain-text queries; its own port stays open to unmeshed clients.
  if (mesh === "linkerd") return { podMetadata: { annotations: { "linkerd.io/inject": "enabled", "config.linkerd.io/default-inbound-policy": "all-unauthenticated" } } };
  if (mesh !== "istio") return {};
  return {
    podMetadata: {
      labels: { "sidecar.istio.io/inject": "true" },
      annotations: {
        "traffic.sidecar.istio.io/includeInboundPorts": "",
        "traffic.sidecar.istio.io/includeOutboundIPRanges": "",
        "proxy.istio.io/config": "proxyMetadata:\n  OUTPUT_CERTS: /etc/istio-output-certs\n",
        "sidecar.istio.io/userVolumeMount": JSON.stringify([{ name: "istio-certs", mountPath: "/etc/istio-output-certs" }]),
      },
    },
    volumes: [{ name: "istio-certs", emptyDir: { medium: "Memory" } }],
    volumeMounts: [{ name: "istio-certs", mountPath: ISTIO_PROM_CERTS }],
  };
}

/**
 * The `spec` of a service's ServiceMonitor: its Service by labels in its namespace, the named
 * port and path every 30 s; under Istio over https with the sidecar's certificates (the mesh
 * identity, not a hostname, is what Istio checks, hence `insecureSkipVerify` as Istio documents).
 *
 * @see https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.ServiceMonitor
 * @see https://istio.io/latest/docs/ops/integrations/prometheus/#tls-settings
 */
export function serviceMonitorSpec(target: ScrapeTarget & { readonly path: string }, mesh: ResolvedObservability["mesh"]): Record<string, unknown> {
  return {
    namespaceSelector: { matchNames: [target.namespace] },
    // The mesh's per-track Services (Linkerd canaries) carry the same labels: scrape each pod once.
    selector: { matchLabels: { ...target.selector }, matchExpressions: [{ key: TRACK_LABEL, operator: "DoesNotExist" }] },
    endpoints: [{ port: target.portName, path: target.path, interval: "30s", ...meshScrapeTls(mesh) }],
  };
}


/** A PersistentVolumeClaim spec of `sizeGiB` on `storageClass`. */
const claim = (storageClass: string, sizeGiB: number) => ({
  storageClassName: storageClass,
  accessModes: ["ReadWriteOnce"],
  resources: { requests: { storage: `${sizeGiB}Gi` } },
});

/**
 * Helm values of kube-prometheus-stack.
 *
 * - `crds.enabled: false`: the CRDs come from PrometheusOperatorCrds' release.
 * - Prometheus: retention and a volume from the spec, two replicas in prod, and the `*NilUsesHelmValues`
 *   flags off with empty namespace selectors, so it selects every ServiceMonitor, PodMonitor,
 *   Probe, ScrapeConfig and PrometheusRule in every namespace, not only the chart's own.
 * - Alertmanager: a volume, and its configuration from {@link secretNames}.alertmanager
 *   (`useExistingSecret` + `configSecret`), so no receiver secret passes through Helm values.
 * - Grafana: the admin from {@link secretNames}.grafanaAdmin, anonymous access off, dashboards
 *   from ConfigMaps labelled `grafana_dashboard: "1"` in any namespace, Loki and Tempo data
 *   sources beside the chart's Prometheus, a volume in prod.
 * - No scraping of etcd, the scheduler, the controller manager or kube-proxy, and none of their
 *   rules: EKS and GKE manage the control plane (its endpoints are not reachable from the nodes),
 *   k3s runs those components inside its own process with their metrics on localhost, and GKE's
 *   Dataplane V2 has no kube-proxy. Scraped anyway, their targets are down and their alerts fire
 *   for ever. See {@link UNREACHABLE_CONTROL_PLANE}.
 *
 * @see https://github.com/prometheus-community/helm-charts/blob/main/charts/kube-prometheus-stack/values.yaml
 * @see https://github.com/grafana/helm-charts/blob/main/charts/grafana/values.yaml
 */
export function kubePrometheusStackValues(spec: ResolvedObservability, storageClass: string): Record<string, unknown> {
  const prod = spec.environment === "prod";
  const endpoints = observabilityEndpoints(spec.namespace);
  const r = observabilityResources;
  return {
    crds: { enabled: false },
    prometheusOperator: { resources: r.operator },
    prometheus: {
      prometheusSpec: {
        replicas: prod ? 2 : 1,
        retention: `${spec.retentionDays}d`,
        resources: r.prometheus,
        storageSpec: { volumeClaimTemplate: { spec: claim(storageClass, spec.storageGiB) } },
        serviceMonitorSelectorNilUsesHelmValues: false,
        podMonitorSelectorNilUsesHelmValues: false,
        ruleSelectorNilUsesHelmValues: false,
        probeSelectorNilUsesHelmValues: false,
        scrapeConfigSelectorNilUsesHelmValues: false,
        serviceMonitorNamespaceSelector: {},
        podMonitorNamespaceSelector: {},
        ruleNamespaceSelector: {},
        probeNamespaceSelector: {},
        // Tempo's metrics generator writes the service graph and span metrics here.
        enableRemoteWriteReceiver: true,
        ...meshPrometheusSettings(spec.mesh),
      },
    },
    alertmanager: {
      alertmanagerSpec: {
        replicas: prod ? 2 : 1,
        useExistingSecret: true,
        configSecret: secretNames.alertmanager,
        resources: r.alertmanager,
        storage: { volumeClaimTemplate: { spec: claim(storageClass, smallVolumesGiB.alertmanager) } },
      },
    },
    grafana: {
      admin: { existingSecret: secretNames.grafanaAdmin, userKey: "admin-user", passwordKey: "admin-password" },
      "grafana.ini": {
        "auth.anonymous": { enabled: false },
        users: { allow_sign_up: false },
        analytics: { reporting_enabled: false, check_for_updates: false },
      },
      persistence: prod
        ? { enabled: true, type: "pvc", storageClassName: storageClass, accessModes: ["ReadWriteOnce"], size: `${smallVolumesGiB.grafana}Gi` }
        : { enabled: false },
      resources: r.grafana,
      sidecar: {
        resources: r.grafanaSidecar,
        dashboards: { enabled: true, label: "grafana_dashboard", labelValue: "1", searchNamespace: "ALL" },
      },
      additionalDataSources: [
        { name: "Loki", type: "loki", uid: "loki", access: "proxy", url: endpoints.loki },
        {
          name: "Tempo",
          type: "tempo",
          uid: "tempo",
          access: "proxy",
          url: endpoints.tempo,
          // The service graph and RED metrics Tempo's generator writes to Prometheus.
          jsonData: { tracesToLogsV2: { datasourceUid: "loki" }, serviceMap: { datasourceUid: "prometheus" }, nodeGraph: { enabled: true } },
        },
      ],
    },
    "kube-state-metrics": { resources: r.kubeStateMetrics },
    "prometheus-node-exporter": { resources: r.nodeExporter },
    ...Object.fromEntries(UNREACHABLE_CONTROL_PLANE.map((component) => [component, { enabled: false }])),
    defaultRules: { rules: Object.fromEntries(UNREACHABLE_CONTROL_PLANE_RULES.map((rules) => [rules, false])) },
  };
}

/**
 * The control-plane components kube-prometheus-stack scrapes by default that no target of the
 * platform exposes to Prometheus: managed on EKS and GKE, in-process on k3s (metrics on
 * localhost), and kube-proxy absent under GKE's Dataplane V2.
 *
 * @see https://github.com/prometheus-community/helm-charts/tree/main/charts/kube-prometheus-stack#kubeproxy
 * @see https://docs.aws.amazon.com/eks/latest/userguide/view-raw-metrics.html
 */
export const UNREACHABLE_CONTROL_PLANE = ["kubeEtcd", "kubeScheduler", "kubeControllerManager", "kubeProxy"] as const;

/** The chart's default rule groups on those components, turned off with them. */
const UNREACHABLE_CONTROL_PLANE_RULES = ["etcd", "kubeSchedulerAlerting", "kubeSchedulerRecording", "kubeControllerManager", "kubeProxy"] as const;

/**
 * Helm values of Loki: the compactor applying `logRetentionDays`, no auth (one tenant, in-cluster
 * only), the chart's gateway as the `loki-gateway` Service, no caches, canary or Helm test, the
 * TSDB index with schema v13, and the chunks and index:
 *
 * - with a bucket (EKS, GKE) in it, reached through the ServiceAccount's cloud identity; in prod in
 *   SimpleScalable mode ({@link LOKI_REPLICAS} write, read and backend pods, replication factor 3,
 *   `logStorageGiB` per write pod for the write-ahead log and unflushed chunks), otherwise one
 *   SingleBinary pod;
 * - without one (k3s), on the SingleBinary pod's volume of `logStorageGiB`: the chart runs its
 *   scalable modes on object storage only, so a k3s stack keeps one replica.
 *
 * @see https://grafana.com/docs/loki/latest/setup/install/helm/install-scalable/
 * @see https://grafana.com/docs/loki/latest/setup/install/helm/install-monolithic/
 * @see https://grafana.com/docs/loki/latest/operations/storage/retention/
 */
export function lokiValues(spec: ResolvedObservability, storageClass: string, store?: ObjectStore): Record<string, unknown> {
  const r = observabilityResources;
  const objectStore = store?.kind ?? "filesystem";
  const scalable = store !== undefined && spec.environment === "prod";
  const replicas = scalable ? LOKI_REPLICAS : 0;
  const volume = (size: string) => ({ volumeClaimsEnabled: true, size, storageClass });
  return {
    deploymentMode: scalable ? "SimpleScalable" : "SingleBinary",
    loki: {
      auth_enabled: false,
      commonConfig: { replication_factor: scalable ? LOKI_REPLICAS : 1 },
      storage: store ? lokiStorage(store) : { type: "filesystem" },
      schemaConfig: { configs: [{ from: "2024-04-01", store: "tsdb", object_store: objectStore, schema: "v13", index: { prefix: "loki_index_", period: "24h" } }] },
      limits_config: { retention_period: `${spec.logRetentionDays * 24}h` },
      compactor: { retention_enabled: true, delete_request_store: objectStore },
    },
    serviceAccount: { name: storageServiceAccounts.loki, ...(store ? { annotations: store.serviceAccountAnnotations } : {}) },
    singleBinary: scalable ? { replicas: 0 } : { replicas: 1, resources: r.loki, persistence: { enabled: true, size: `${spec.logStorageGiB}Gi`, storageClass } },
    write: scalable ? { replicas, resources: r.lokiWrite, persistence: volume(`${spec.logStorageGiB}Gi`) } : { replicas },
    read: scalable ? { replicas, resources: r.lokiRead } : { replicas },
    backend: scalable ? { replicas, resources: r.lokiBackend, persistence: volume(`${smallVolumesGiB.lokiBackend}Gi`) } : { replicas },
    gateway: { enabled: true, resources: r.lokiGateway },
    chunksCache: { enabled: false },
    resultsCache: { enabled: false },
    lokiCanary: { enabled: false },
    test: { enabled: false },
  };
}

/**
 * Helm values of Tempo: monolithic, traces kept as long as logs, OTLP in, no usage reporting, and
 * the metrics generator on: its `service-graphs` and `span-metrics` processors remote-write the
 * service graph and per-service RED metrics to Prometheus (whose remote-write receiver is on),
 * which Grafana's Tempo data source shows as the service map. The chart's Services are renamed
 * `tempo-server`, so that the `tempo` Service (port 3200, Tempo's usual HTTP port) can be ours.
 *
 * Traces go to the bucket when there is one (EKS, GKE), through the ServiceAccount's cloud
 * identity, else to the volume; the volume keeps the write-ahead log either way. This chart runs
 * one pod and cannot replicate: that takes the `tempo-distributed` chart.
 *
 * @see https://github.com/grafana/helm-charts/blob/main/charts/tempo/values.yaml
 * @see https://grafana.com/docs/tempo/latest/setup/helm-chart/
 */
export function tempoValues(spec: ResolvedObservability, storageClass: string, store?: ObjectStore): Record<string, unknown> {
  return {
    fullnameOverride: TEMPO_FULLNAME,
    tempo: {
      retention: `${spec.logRetentionDays * 24}h`,
      reportingEnabled: false,
      resources: observabilityResources.tempo,
      securityContext: restrictedContainer,
      receivers: { otlp: { protocols: { grpc: { endpoint: "0.0.0.0:4317" }, http: { endpoint: "0.0.0.0:4318" } } } },
      // The service graph and span metrics, remote-written to Prometheus.
      metricsGenerator: { enabled: true, remoteWriteUrl: `${observabilityEndpoints(spec.namespace).prometheus}/api/v1/write` },
      ...(store ? { storage: { trace: tempoTraceStorage(store) } } : {}),
    },
    serviceAccount: { name: storageServiceAccounts.tempo, ...(store ? { annotations: store.serviceAccountAnnotations } : {}) },
    persistence: { enabled: true, storageClassName: storageClass, accessModes: ["ReadWriteOnce"], size: `${smallVolumesGiB.tempo}Gi` },
  };
}

/**
 * Helm values of the trace collector: a Deployment behind the `otel-collector` Service (OTLP gRPC
 * 4317, HTTP 4318), adding Kubernetes attributes, sending traces to Tempo and OTLP logs to Loki.
 *
 * @see https://github.com/open-telemetry/opentelemetry-helm-charts/tree/main/charts/opentelemetry-collector
 */
export function otelCollectorValues(spec: ResolvedObservability): Record<string, unknown> {
  const endpoints = observabilityEndpoints(spec.namespace);
  return {
    mode: "deployment",
    fullnameOverride: releaseNames.otelCollector,
    replicaCount: spec.environment === "prod" ? 2 : 1,
    image: otelCollectorImage,
    resources: observabilityResources.otelCollector,
    securityContext: restrictedContainer,
    presets: { kubernetesAttributes: { enabled: true } },
    config: {
      exporters: {
        "otlp/tempo": { endpoint: `${TEMPO_FULLNAME}.${spec.namespace}.svc.cluster.local:4317`, tls: { insecure: true } },
        "otlphttp/loki": { endpoint: `${endpoints.loki}/otlp` },
      },
      service: { pipelines: { traces: { exporters: ["otlp/tempo"] }, logs: { exporters: ["otlphttp/loki"] } } },
    },
  };
}

/**
 * Helm values of the log collector: a DaemonSet reading every pod's log files (the chart's
 * `logsCollection` preset), adding Kubernetes attributes, pushing to Loki's OTLP endpoint.
 *
 * It runs as root (UID 0) because the kubelet writes pod logs readable by root only; it keeps
 * every capability dropped, no privilege escalation and a read-only root filesystem, and mounts
 * the host's log directories read-only.
 *
 * @see https://opentelemetry.io/docs/platforms/kubernetes/helm/collector/#logs-collection-preset
 * @see https://grafana.com/docs/loki/latest/send-data/otel/
 */
export function otelLogsValues(spec: ResolvedObservability): Record<string, unknown> {
  return {
    mode: "daemonset",
    fullnameOverride: releaseNames.otelLogs,
    image: otelCollectorImage,
    resources: observabilityResources.otelLogs,
    securityContext: { ...restrictedContainer, runAsNonRoot: false, runAsUser: 0 },
    presets: { logsCollection: { enabled: true }, kubernetesAttributes: { enabled: true } },
    config: {
      exporters: { "otlphttp/loki": { endpoint: `${observabilityEndpoints(spec.namespace).loki}/otlp` } },
      service: { pipelines: { logs: { exporters: ["otlphttp/loki"] } } },
    },
  };
}

/**
 * Deploys the observability stack into a Kubernetes cluster.
 *
 * @returns Grafana's in-cluster URL, Prometheus's, and the OTLP/HTTP endpoint for services.
 * @see https://github.com/prometheus-community/helm-charts/tree/main/charts/kube-prometheus-stack
 */
export function deployObservabilityToKubernetes(name: string, spec: ResolvedObservability, platform: KubernetesPlatform, context: ObservabilityContext): ObservabilityEndpoints {
  const { parent } = context;
  const provider = platform.provider;
  const namespace = spec.namespace;
  const prerequisites = [...(platform.cluster ? [platform.cluster] : []), ...spec.dependsOn];
  const stateful = statefulResourceOptions(spec.protect);
  const labels = { "app.kubernetes.io/part-of": "observability", "app.kubernetes.io/managed-by": "pulumi" };

  const alertmanagerYaml = alertmanagerConfigFile(spec.receivers, spec.heartbeat);
  const alertmanagerSecret = new k8s.core.v1.Secret(
    `${name}-alertmanager-config`,
    { metadata: { name: secretNames.alertmanager, namespace, labels }, type: "Opaque", stringData: { "alertmanager.yaml": alertmanagerYaml } },
    { parent, provider, dependsOn: prerequisites },
  );
  const grafanaAdmin = new k8s.core.v1.Secret(
    `${name}-grafana-admin`,
    { metadata: { name: secretNames.grafanaAdmin, namespace, labels }, type: "Opaque", stringData: { "admin-user": "admin", "admin-password": pulumi.secret(context.adminPassword) } },
    { parent, provider, dependsOn: prerequisites },
  );

  const release = (role: string, releaseName: string, chart: PinnedChart, values: Record<string, unknown>, dependsOn: pulumi.Resource[]) =>
    new k8s.helm.v3.Release(
      `${name}-${role}`,
      { name: releaseName, chart: chart.chart, version: chart.version, repositoryOpts: { repo: chart.repo }, namespace, values, atomic: true, timeout: 900 },
      { parent, provider, dependsOn, ...stateful },
    );
  const charts = observabilityCharts;
  const stack = release("kube-prometheus-stack", releaseNames.stack, charts.kubePrometheusStack, kubePrometheusStackValues(spec, platform.storageClass), [
    ...prerequisites,
    alertmanagerSecret,
    grafanaAdmin,
  ]);
  const stores: Partial<ObjectStores> = deployObjectStores(name, namespace, spec.logRetentionDays, spec.environment === "prod", platform, parent) ?? {};
  release("loki", releaseNames.loki, charts.loki, lokiValues(spec, platform.storageClass, stores.loki), [...prerequisites, ...(stores.loki?.dependencies ?? [])]);
  const tempoDependencies = [...prerequisites, ...(stores.tempo?.dependencies ?? [])];
  const tempo = release("tempo", releaseNames.tempo, charts.tempo, tempoValues(spec, platform.storageClass, stores.tempo), tempoDependencies);
  new k8s.core.v1.Service(
    `${name}-tempo-service`,
    {
      metadata: { name: "tempo", namespace, labels },
      spec: {
        type: "ClusterIP",
        selector: { "app.kubernetes.io/name": "tempo", "app.kubernetes.io/instance": releaseNames.tempo },
        ports: [{ name: "http", port: 3200, targetPort: TEMPO_CHART_HTTP_PORT, protocol: "TCP" }],
      },
    },
    { parent, provider, dependsOn: [tempo] },
  );
  release("otel-collector", releaseNames.otelCollector, charts.otelCollector, otelCollectorValues(spec), prerequisites);
  release("otel-logs", releaseNames.otelLogs, charts.otelCollector, otelLogsValues(spec), prerequisites);

  const crOptions = { parent, provider, dependsOn: [...spec.dependsOn, stack] };
  for (const target of spec.services) {
    const objectName = `${target.namespace}-${target.name}`;
    new k8s.apiextensions.CustomResource(
      `${name}-${objectName}-monitor`,
      { apiVersion: "monitoring.coreos.com/v1", kind: "ServiceMonitor", metadata: { name: objectName, namespace, labels }, spec: serviceMonitorSpec(target, spec.mesh) },
      crOptions,
    );
    new k8s.core.v1.ConfigMap(
      `${name}-${objectName}-dashboard`,
      {
        metadata: { name: `dashboard-${objectName}`, namespace, labels: { ...labels, grafana_dashboard: "1" } },
        data: { [`${target.name}.json`]: JSON.stringify(serviceDashboard(target)) },
      },
      { parent, provider, dependsOn: prerequisites },
    );
  }
  const monitors = [...(spec.dataStores.pgbouncer ? [{ kind: "PodMonitor", name: "pgbouncer", spec: pgbouncerPodMonitorSpec() }] : []), ...platformMonitors(spec)];
  for (const m of monitors) {
    new k8s.apiextensions.CustomResource(`${name}-${m.name}-monitor`, { apiVersion: "monitoring.coreos.com/v1", kind: m.kind, metadata: { name: m.name, namespace, labels }, spec: m.spec }, crOptions);
  }
  deployCloudExporters(name, namespace, spec.managedDataStores, platform, { parent, dependsOn: [...prerequisites, stack], release });
  const groups = alertRuleGroups(spec);
  new k8s.apiextensions.CustomResource(
    `${name}-rules`,
    { apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule", metadata: { name: "platform-alerts", namespace, labels }, spec: { groups } },
    crOptions,
  );
  for (const [file, json] of Object.entries(platformDashboards(groups, { slos: spec.services.some((s) => s.slo), gateway: spec.gatewayNamespace !== undefined }))) {
    const metadata = { name: `dashboard-${file}`, namespace, labels: { ...labels, grafana_dashboard: "1" } };
    new k8s.core.v1.ConfigMap(`${name}-${file}-dashboard`, { metadata, data: { [`${file}.json`]: JSON.stringify(json) } }, { parent, provider, dependsOn: prerequisites });
  }

  const endpoints = observabilityEndpoints(namespace);
  return {
    grafanaUrl: pulumi.output(`http://${releaseNames.stack}-grafana.${namespace}.svc.cluster.local`),
    prometheusUrl: pulumi.output(endpoints.prometheus),
    otlpEndpoint: pulumi.output(endpoints.otlpGrpc),
  };
}
