/**
 * ObservabilityStack's Kubernetes backend under Pulumi's mock runtime: one program builds a dev
 * stack on k3s and a prod stack on EKS (two services each, a receiver of every kind with its URL or
 * password as a Pulumi secret), and a prod k3s stack in an Istio mesh with retention and storage
 * overridden; the tests read what they registered. The pure functions are tested directly.
 */
import assert from "node:assert/strict";
import { TRACK_LABEL } from "../components/contract";
import * as fs from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { captureProgram, type CapturedProgram, type CapturedResource } from "../plan/capture";
import { MOCK_SECRET_PREFIX } from "../plan/mocks";
import { createPlatform, type KubernetesPlatform } from "../components/platform";
import {
  ObservabilityStack,
  alertRuleGroups,
  observabilityEndpoints,
  prometheusIdentity,
  resolveObservability,
  serviceDashboard,
  type AlertReceiverArgs,
  type ScrapeTarget,
} from "../components/observability";
import { PrometheusOperatorCrds, prometheusOperatorCrdsChart } from "../components/addons";
import { alertmanagerConfig } from "../components/observability/alertmanager";
import { meshPrometheusSettings, observabilityCharts, releaseNames, secretNames, serviceMonitorSpec } from "../components/observability/kubernetes";
import { CRDS_DIR, crdSchemaErrors, crdSkipReason } from "./support/crd-schema";
import { schemaErrors, unknownFields } from "./support/k8s-schema";
import { findOne, k8sObject } from "./support/captured";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const SECRET = "kubernetes:core/v1:Secret";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
const SERVICE = "kubernetes:core/v1:Service";
const SERVICE_MONITOR = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor";
const PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";

const SLACK_URL = "https://hooks.slack.com/services/T000/B000/slack-token-7f3a";
const WEBHOOK_URL = "https://alerts.example.com/hook/webhook-token-91c2";
const SMTP_PASSWORD = "smtp-password-5d8e";
const receiverSecrets = [SLACK_URL, WEBHOOK_URL, SMTP_PASSWORD];

const services: ScrapeTarget[] = [
  { name: "api", namespace: "apps", selector: { "app.kubernetes.io/name": "api" }, portName: "http", port: 8080 },
  { name: "worker", namespace: "jobs", selector: { "app.kubernetes.io/name": "worker" }, portName: "metrics", port: 9090, path: "/internal/metrics" },
];
const receivers = (): AlertReceiverArgs[] => [
  { name: "oncall", kind: "slack", url: pulumi.secret(SLACK_URL), channel: "#alerts", severities: ["critical"] },
  { name: "tickets", kind: "webhook", url: pulumi.secret(WEBHOOK_URL), severities: ["warning"] },
  { name: "mail", kind: "email", to: "ops@example.com", from: "alerts@example.com", smarthost: "smtp.example.com:587", smtpUsername: "alerts", smtpPassword: pulumi.secret(SMTP_PASSWORD) },
];

let program: CapturedProgram;

before(async () => {
  program = await captureProgram(
    () => {
      const lab = createPlatform("lab", { target: "k3s", k3s: { environment: "dev", kubeconfig: pulumi.secret("kubeconfig") } }) as KubernetesPlatform;
      const eks = createPlatform("aws", { target: "eks", eks: { environment: "prod", region: "eu-west-1", endpointPublicAccessCidrs: ["203.0.113.0/24"] } }) as KubernetesPlatform;
      const mesh = createPlatform("mesh", { target: "k3s", k3s: { environment: "prod", kubeconfig: pulumi.secret("kubeconfig") } }) as KubernetesPlatform;
      const stack = (name: string, platform: KubernetesPlatform, extra: Partial<ConstructorParameters<typeof ObservabilityStack>[1]> = {}) => {
        const crds = new PrometheusOperatorCrds(`${name}-crds`, { platform });
        return new ObservabilityStack(name, { platform, services, receivers: receivers(), dependsOn: [crds.release], ...extra });
      };
      const dev = stack("dev", lab);
      const prod = stack("prod", eks);
      stack("istio", mesh, { namespace: "observability", mesh: "istio", retentionDays: 30, storageGiB: 120, logRetentionDays: 7, logStorageGiB: 25 });
      return { devGrafana: dev.grafanaUrl, prodPrometheus: prod.prometheusUrl, prodOtlp: prod.otlpEndpoint, prodAdmin: prod.grafanaAdminPassword, prodClusterUrn: eks.cluster!.urn };
    },
    { project: "platform", stack: "test" },
  );
});

const under = (stackName: string) => (r: CapturedResource) => r.name.startsWith(`${stackName}-`) && !r.name.startsWith(`${stackName}-crds`);
const ofType = (stackName: string, type: string) => program.resources.filter((r) => r.type === type && under(stackName)(r));
const one = (type: string, name: string) => findOne(program.resources, type, name);
const values = (stackName: string, role: string): any => one(RELEASE, `${stackName}-${role}`).inputs.values;
/** A captured Kubernetes object as the API server would receive it. */
const objectOf = k8sObject;
const crdCheck = crdSkipReason();

describe("chart pins", () => {
  it("pins the CRD chart and kube-prometheus-stack to releases of operator v0.93.0, the CRDs the tests validate against", () => {
    assert.equal(prometheusOperatorCrdsChart.version, "31.0.0");
    assert.equal(observabilityCharts.kubePrometheusStack.version, "88.2.0");
    const sources = path.join(CRDS_DIR, "SOURCES.md");
    if (fs.existsSync(sources)) {
      const rows = fs.readFileSync(sources, "utf8").split("\n").filter((line) => line.includes("prometheus-operator/"));
      assert.ok(rows.length > 0 && rows.every((line) => line.includes("| v0.93.0 |")), "the pinned CRDs are v0.93.0");
    }
  });

  it("installs every release from its pinned chart into the stack's namespace, with the release names the endpoints assume", () => {
    const expected: Record<string, { release: string; chart: { chart: string; version: string; repo: string } }> = {
      "kube-prometheus-stack": { release: releaseNames.stack, chart: observabilityCharts.kubePrometheusStack },
      loki: { release: releaseNames.loki, chart: observabilityCharts.loki },
      tempo: { release: releaseNames.tempo, chart: observabilityCharts.tempo },
      "otel-collector": { release: releaseNames.otelCollector, chart: observabilityCharts.otelCollector },
      "otel-logs": { release: releaseNames.otelLogs, chart: observabilityCharts.otelCollector },
    };
    for (const [role, { release, chart }] of Object.entries(expected)) {
      const inputs = one(RELEASE, `dev-${role}`).inputs;
      assert.equal(inputs.name, release, role);
      assert.equal(inputs.chart, chart.chart, role);
      assert.equal(inputs.version, chart.version, role);
      assert.match(inputs.version, /^\d+\.\d+\.\d+$/, `${role} is pinned to an exact version`);
      assert.equal(inputs.repositoryOpts.repo, chart.repo, role);
      assert.equal(inputs.namespace, "monitoring", role);
      assert.equal(one(RELEASE, `istio-${role}`).inputs.namespace, "observability", role);
    }
    assert.equal(ofType("dev", RELEASE).length, 5);
    assert.equal(values("dev", "otel-collector").image.repository, "otel/opentelemetry-collector-k8s");
    assert.match(values("dev", "otel-collector").image.tag, /^\d+\.\d+\.\d+$/);
  });
});

describe("kube-prometheus-stack values", () => {
  it("leaves the CRDs to their own release", () => {
    for (const stackName of ["dev", "prod", "istio"]) assert.deepEqual(values(stackName, "kube-prometheus-stack").crds, { enabled: false });
  });

  it("sizes Prometheus from the environment's defaults: retention, a volume on the platform's StorageClass, replicas", () => {
    const dev = values("dev", "kube-prometheus-stack").prometheus.prometheusSpec;
    const prod = values("prod", "kube-prometheus-stack").prometheus.prometheusSpec;
    assert.equal(dev.retention, "3d");
    // Its services have SLOs: prod keeps their 30-day budget period, on a volume twice the 15-day one.
    assert.equal(prod.retention, "30d");
    assert.deepEqual(dev.storageSpec.volumeClaimTemplate.spec, { storageClassName: "local-path", accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "10Gi" } } });
    assert.equal(prod.storageSpec.volumeClaimTemplate.spec.storageClassName, "gp3");
    assert.equal(prod.storageSpec.volumeClaimTemplate.spec.resources.requests.storage, "100Gi");
    assert.equal(dev.replicas, 1);
    assert.equal(prod.replicas, 2);
    for (const spec of [dev, prod]) assert.ok(spec.resources.requests.cpu && spec.resources.limits.memory);
  });

  it("takes retention and storage overrides for Prometheus and Loki", () => {
    const prometheus = values("istio", "kube-prometheus-stack").prometheus.prometheusSpec;
    assert.equal(prometheus.retention, "30d");
    assert.equal(prometheus.storageSpec.volumeClaimTemplate.spec.resources.requests.storage, "120Gi");
    const loki = values("istio", "loki");
    assert.equal(loki.loki.limits_config.retention_period, "168h");
    assert.equal(loki.singleBinary.persistence.size, "25Gi");
    assert.equal(values("dev", "loki").loki.limits_config.retention_period, "72h");
    assert.equal(values("prod", "loki").write.persistence.size, "50Gi", "on EKS logStorageGiB sizes each write pod's volume");
  });

  it("selects ServiceMonitors, PodMonitors and PrometheusRules from every namespace, not only the chart's", () => {
    const spec = values("prod", "kube-prometheus-stack").prometheus.prometheusSpec;
    for (const kind of ["serviceMonitor", "podMonitor", "rule", "probe", "scrapeConfig"]) assert.equal(spec[`${kind}SelectorNilUsesHelmValues`], false, kind);
    for (const kind of ["serviceMonitor", "podMonitor", "rule"]) assert.deepEqual(spec[`${kind}NamespaceSelector`], {}, kind);
  });

  it("gives every component of the stack requests and limits", () => {
    const v = values("prod", "kube-prometheus-stack");
    const all = [
      v.prometheus.prometheusSpec.resources,
      v.alertmanager.alertmanagerSpec.resources,
      v.prometheusOperator.resources,
      v.grafana.resources,
      v.grafana.sidecar.resources,
      v["kube-state-metrics"].resources,
      v["prometheus-node-exporter"].resources,
      values("istio", "loki").singleBinary.resources,
      values("prod", "loki").write.resources,
      values("prod", "loki").read.resources,
      values("prod", "loki").backend.resources,
      values("prod", "loki").gateway.resources,
      values("prod", "tempo").tempo.resources,
      values("prod", "otel-collector").resources,
      values("prod", "otel-logs").resources,
    ];
    for (const r of all) {
      assert.ok(r.requests.cpu && r.requests.memory && r.limits.cpu && r.limits.memory, JSON.stringify(r));
    }
  });

  it("turns anonymous Grafana access off and takes the admin from a Secret holding the random password", () => {
    const grafana = values("prod", "kube-prometheus-stack").grafana;
    assert.equal(grafana["grafana.ini"]["auth.anonymous"].enabled, false);
    assert.deepEqual(grafana.admin, { existingSecret: secretNames.grafanaAdmin, userKey: "admin-user", passwordKey: "admin-password" });
    const secret = one(SECRET, "prod-grafana-admin");
    assert.equal(secret.inputs.metadata.name, grafana.admin.existingSecret);
    assert.equal(secret.inputs.metadata.namespace, "monitoring");
    assert.ok(secret.inputs.stringData[grafana.admin.passwordKey].startsWith(MOCK_SECRET_PREFIX), "the password is the stack's random password");
    assert.ok(secret.inputs.stringData[grafana.admin.userKey]);
    assert.equal(secret.redactedInputs.stringData, "[secret]");
  });

  it("gives Grafana Loki and Tempo data sources at the stack's in-cluster endpoints, and dashboards from labelled ConfigMaps", () => {
    const grafana = values("istio", "kube-prometheus-stack").grafana;
    const endpoints = observabilityEndpoints("observability");
    const byType = Object.fromEntries(grafana.additionalDataSources.map((d: any) => [d.type, d]));
    assert.equal(byType.loki.url, endpoints.loki);
    assert.equal(byType.tempo.url, endpoints.tempo);
    assert.deepEqual(grafana.sidecar.dashboards, { enabled: true, label: "grafana_dashboard", labelValue: "1", searchNamespace: "ALL" });
  });

  it("keeps Grafana on a volume in prod only", () => {
    assert.equal(values("dev", "kube-prometheus-stack").grafana.persistence.enabled, false);
    const prod = values("prod", "kube-prometheus-stack").grafana.persistence;
    assert.equal(prod.enabled, true);
    assert.equal(prod.storageClassName, "gp3");
  });

  it("runs Alertmanager on a volume with its configuration from the stack's Secret", () => {
    const spec = values("dev", "kube-prometheus-stack").alertmanager.alertmanagerSpec;
    assert.equal(spec.useExistingSecret, true);
    assert.equal(spec.configSecret, secretNames.alertmanager);
    assert.equal(spec.storage.volumeClaimTemplate.spec.storageClassName, "local-path");
    assert.equal(one(SECRET, "dev-alertmanager-config").inputs.metadata.name, spec.configSecret);
  });
});

describe("alert routing and secrets", () => {
  it("routes each severity to the receivers that take it, with everything else to a null receiver", () => {
    const secret = one(SECRET, "prod-alertmanager-config");
    const config = parse(secret.inputs.stringData["alertmanager.yaml"]);
    assert.equal(config.route.receiver, "null");
    assert.deepEqual(
      config.receivers.map((r: any) => r.name),
      ["null", "oncall", "tickets", "mail"],
    );
    const route = (receiver: string) => config.route.routes.find((r: any) => r.receiver === receiver);
    assert.deepEqual(route("oncall").matchers, ['severity="critical"']);
    assert.deepEqual(route("tickets").matchers, ['severity="warning"']);
    assert.deepEqual(route("mail").matchers, ['severity=~"critical|warning"'], "severities default to both");
    for (const name of ["oncall", "tickets", "mail"]) assert.equal(route(name).continue, true);
    const receiver = (name: string) => config.receivers.find((r: any) => r.name === name);
    assert.equal(receiver("oncall").slack_configs[0].api_url, SLACK_URL);
    assert.equal(receiver("oncall").slack_configs[0].channel, "#alerts");
    assert.equal(receiver("tickets").webhook_configs[0].url, WEBHOOK_URL);
    assert.equal(receiver("mail").email_configs[0].auth_password, SMTP_PASSWORD);
    assert.equal(receiver("mail").email_configs[0].require_tls, true);
  });

  it("renders an Alertmanager configuration with no receiver when none is given", () => {
    const config = alertmanagerConfig([]) as any;
    assert.deepEqual(config.receivers, [{ name: "null" }]);
    assert.equal(config.route.routes.length, 1, "only the Watchdog route");
  });

  it("marks the Alertmanager configuration secret and writes no receiver URL, SMTP password or random password in plaintext", () => {
    assert.equal(one(SECRET, "prod-alertmanager-config").redactedInputs.stringData, "[secret]");
    for (const r of program.resources) {
      const text = JSON.stringify(r.redactedInputs);
      for (const secret of [...receiverSecrets, MOCK_SECRET_PREFIX]) assert.ok(!text.includes(secret), `${r.type} ${r.name} leaks ${secret}`);
    }
    // The decoded inputs do hold them (the test would pass vacuously otherwise).
    const decoded = JSON.stringify(program.resources.map((r) => r.inputs));
    for (const secret of [...receiverSecrets, MOCK_SECRET_PREFIX]) assert.ok(decoded.includes(secret), secret);
    assert.equal(program.outputs.prodAdmin, "[secret]");
  });
});

describe("per-service monitors, dashboards and rules", () => {
  it("writes one ServiceMonitor per service that selects its Service in its namespace by the named port and path", () => {
    const monitors = ofType("dev", SERVICE_MONITOR);
    assert.equal(monitors.length, 2);
    const worker = one(SERVICE_MONITOR, "dev-jobs-worker-monitor").inputs;
    assert.equal(worker.metadata.namespace, "monitoring");
    assert.deepEqual(worker.spec.namespaceSelector, { matchNames: ["jobs"] });
    assert.deepEqual(worker.spec.selector, {
      matchLabels: { "app.kubernetes.io/name": "worker" },
      // Linkerd's per-track canary Services carry the same labels; each pod is scraped once.
      matchExpressions: [{ key: TRACK_LABEL, operator: "DoesNotExist" }],
    });
    assert.deepEqual(worker.spec.endpoints, [{ port: "metrics", path: "/internal/metrics", interval: "30s" }]);
    assert.equal(one(SERVICE_MONITOR, "dev-apps-api-monitor").inputs.spec.endpoints[0].path, "/metrics");
  });

  it("validates every ServiceMonitor against the v0.93.0 CRD", { skip: crdCheck }, () => {
    const monitors = program.resources.filter((r) => r.type === SERVICE_MONITOR);
    assert.equal(monitors.length, 7, "two monitors per stack, and istiod's in the Istio one");
    for (const r of monitors) assert.deepEqual(crdSchemaErrors(objectOf(r)), [], r.name);
  });

  it("validates every PrometheusRule against the v0.93.0 CRD", { skip: crdCheck }, () => {
    const rules = program.resources.filter((r) => r.type === PROMETHEUS_RULE);
    assert.equal(rules.length, 3, "one rule per stack");
    for (const r of rules) assert.deepEqual(crdSchemaErrors(objectOf(r)), [], r.name);
  });

  it("rejects a ServiceMonitor endpoint with a misspelt TLS field, so the CRD check can fail", { skip: crdCheck }, () => {
    const spec = serviceMonitorSpec({ ...services[0], path: "/metrics" }, "istio") as any;
    spec.endpoints[0].tlsConfig.caFiles = spec.endpoints[0].tlsConfig.caFile;
    assert.notDeepEqual(crdSchemaErrors({ apiVersion: "monitoring.coreos.com/v1", kind: "ServiceMonitor", metadata: { name: "x" }, spec } as any), []);
  });

  it("scrapes over https with the Istio sidecar's certificates when the stack is in an Istio mesh", () => {
    const endpoint = one(SERVICE_MONITOR, "istio-apps-api-monitor").inputs.spec.endpoints[0];
    assert.equal(endpoint.scheme, "https");
    assert.deepEqual(endpoint.tlsConfig, {
      caFile: "/etc/prom-certs/root-cert.pem",
      certFile: "/etc/prom-certs/cert-chain.pem",
      keyFile: "/etc/prom-certs/key.pem",
      insecureSkipVerify: true,
    });
    const spec = values("istio", "kube-prometheus-stack").prometheus.prometheusSpec;
    assert.equal(spec.podMetadata.labels["sidecar.istio.io/inject"], "true");
    assert.equal(spec.podMetadata.annotations["traffic.sidecar.istio.io/includeInboundPorts"], "");
    assert.equal(spec.podMetadata.annotations["traffic.sidecar.istio.io/includeOutboundIPRanges"], "");
    assert.match(spec.podMetadata.annotations["proxy.istio.io/config"], /OUTPUT_CERTS: \/etc\/istio-output-certs/);
    assert.deepEqual(JSON.parse(spec.podMetadata.annotations["sidecar.istio.io/userVolumeMount"]), [{ name: "istio-certs", mountPath: "/etc/istio-output-certs" }]);
    assert.deepEqual(spec.volumes, [{ name: "istio-certs", emptyDir: { medium: "Memory" } }]);
    assert.deepEqual(spec.volumeMounts, [{ name: "istio-certs", mountPath: "/etc/prom-certs" }]);
    assert.equal(one(SERVICE_MONITOR, "dev-apps-api-monitor").inputs.spec.endpoints[0].scheme, undefined, "plain http outside a mesh");
    assert.equal(values("dev", "kube-prometheus-stack").prometheus.prometheusSpec.podMetadata, undefined);
  });

  it("meshes Prometheus with Linkerd's proxy when the stack is in a Linkerd mesh, and leaves scrapes plain http", () => {
    assert.deepEqual(meshPrometheusSettings("linkerd"), {
      // Grafana is not meshed: Prometheus's own port must accept it under the all-authenticated default.
      podMetadata: { annotations: { "linkerd.io/inject": "enabled", "config.linkerd.io/default-inbound-policy": "all-unauthenticated" } },
    });
    assert.equal((serviceMonitorSpec({ ...services[0], path: "/metrics" }, "linkerd") as any).endpoints[0].scheme, undefined);
    assert.deepEqual(meshPrometheusSettings(undefined), {});
  });

  it("provisions one dashboard ConfigMap per service, labelled for Grafana's sidecar, holding the service's dashboard JSON", () => {
    const maps = ofType("prod", CONFIG_MAP);
    assert.deepEqual(maps.map((m) => m.name).filter((n) => n.includes("platform-")), ["prod-platform-slos-dashboard"], "and the platform's SLO dashboard");
    assert.equal(maps.length, 3);
    for (const target of services) {
      const map = one(CONFIG_MAP, `prod-${target.namespace}-${target.name}-dashboard`).inputs;
      assert.equal(map.metadata.labels.grafana_dashboard, "1");
      const dashboard = JSON.parse(map.data[`${target.name}.json`]);
      assert.deepEqual(dashboard, JSON.parse(JSON.stringify(serviceDashboard(target))));
      assert.ok(Array.isArray(dashboard.panels) && dashboard.panels.length > 0, "the dashboard has panels");
      assert.ok(JSON.stringify(dashboard).includes(target.name), "the dashboard is about its service");
    }
  });

  it("writes the alert rules as one PrometheusRule whose groups are the stack's rules", () => {
    const rule = one(PROMETHEUS_RULE, "prod-rules").inputs;
    assert.equal(rule.metadata.namespace, "monitoring");
    const expected = alertRuleGroups(resolveObservability({ services }, { environment: "prod" }));
    assert.deepEqual(rule.spec.groups, JSON.parse(JSON.stringify(expected)));
    assert.ok(rule.spec.groups.flatMap((g: any) => g.rules).length > 0);
  });
});

describe("logs and traces", () => {
  it("runs Loki on k3s (no bucket) as a single binary on a volume, also in prod, with compactor retention and the loki-gateway Service the endpoints name", () => {
    const loki = values("istio", "loki");
    assert.equal(loki.deploymentMode, "SingleBinary");
    assert.equal(loki.loki.storage.type, "filesystem");
    assert.equal(loki.loki.compactor.retention_enabled, true);
    assert.equal(loki.loki.compactor.delete_request_store, "filesystem");
    assert.equal(loki.loki.commonConfig.replication_factor, 1);
    assert.equal(loki.loki.limits_config.retention_period, "168h");
    assert.deepEqual(loki.singleBinary.persistence, { enabled: true, size: "25Gi", storageClass: "local-path" });
    assert.equal(values("istio", "tempo").tempo.storage, undefined, "Tempo keeps the chart's local backend on its volume");
    assert.equal(loki.gateway.enabled, true);
    assert.equal(one(RELEASE, "prod-loki").inputs.name, "loki", "the chart names its gateway `<release>-gateway`");
    assert.match(observabilityEndpoints("monitoring").loki, /\/\/loki-gateway\./);
  });

  it("serves Tempo as the `tempo` Service on port 3200, selecting the chart's pods", () => {
    const service = one(SERVICE, "dev-tempo-service");
    const object = objectOf(service);
    assert.deepEqual(schemaErrors(object), []);
    assert.deepEqual(unknownFields(object), []);
    assert.equal(object.metadata.name, "tempo");
    assert.deepEqual(object.spec.ports.map((p: any) => p.port), [3200]);
    assert.deepEqual(object.spec.selector, { "app.kubernetes.io/name": "tempo", "app.kubernetes.io/instance": one(RELEASE, "dev-tempo").inputs.name });
    assert.notEqual(values("dev", "tempo").fullnameOverride, "tempo", "the chart's own Service must not take the name");
    assert.match(observabilityEndpoints("monitoring").tempo, /\/\/tempo\.monitoring\.svc\.cluster\.local:3200$/);
  });

  it("receives OTLP at the otel-collector Service and sends traces to Tempo and logs to Loki", () => {
    const collector = values("dev", "otel-collector");
    assert.equal(collector.mode, "deployment");
    assert.equal(collector.fullnameOverride, "otel-collector");
    assert.match(collector.config.exporters["otlp/tempo"].endpoint, /^tempo-server\.monitoring\.svc\.cluster\.local:4317$/);
    assert.deepEqual(collector.config.service.pipelines.traces.exporters, ["otlp/tempo"]);
    const logs = values("dev", "otel-logs");
    assert.equal(logs.mode, "daemonset");
    assert.equal(logs.presets.logsCollection.enabled, true);
    assert.equal(logs.config.exporters["otlphttp/loki"].endpoint, `${observabilityEndpoints("monitoring").loki}/otlp`);
  });

  it("returns the in-cluster Grafana, Prometheus and OTLP/gRPC URLs", () => {
    assert.equal(program.outputs.devGrafana, "http://kube-prometheus-stack-grafana.monitoring.svc.cluster.local");
    assert.equal(program.outputs.prodPrometheus, observabilityEndpoints("monitoring").prometheus);
    assert.equal(program.outputs.prodOtlp, "http://otel-collector.monitoring.svc.cluster.local:4317");
    assert.equal(prometheusIdentity("monitoring").serviceAccount, `${releaseNames.stack}-prometheus`, "the chart's Prometheus ServiceAccount");
  });
});

describe("ordering, providers and protection", () => {
  it("creates every custom resource after the CRDs release and kube-prometheus-stack", () => {
    for (const stackName of ["dev", "prod", "istio"]) {
      const crds = one(RELEASE, `${stackName}-crds-release`).urn;
      const stack = one(RELEASE, `${stackName}-kube-prometheus-stack`).urn;
      for (const r of [...ofType(stackName, SERVICE_MONITOR), ...ofType(stackName, PROMETHEUS_RULE)]) {
        assert.ok(r.dependencies.includes(crds), `${r.name} waits for the CRDs`);
        assert.ok(r.dependencies.includes(stack), `${r.name} waits for the stack`);
      }
    }
  });

  it("installs every release after the cluster and the CRDs release", () => {
    const cluster = program.outputs.prodClusterUrn as string;
    assert.match(cluster, /^urn:pulumi:/, "the EKS platform's `cluster` resource");
    const crds = one(RELEASE, "prod-crds-release").urn;
    for (const r of ofType("prod", RELEASE)) {
      assert.ok(r.dependencies.includes(crds), `${r.name} waits for the CRDs`);
      assert.ok(r.dependencies.includes(cluster), `${r.name} waits for the cluster`);
    }
  });

  it("creates every Kubernetes object with the platform's provider and validates the built-in ones", () => {
    for (const [stackName, platformName] of [["dev", "lab"], ["prod", "aws"], ["istio", "mesh"]]) {
      const provider = one("pulumi:providers:kubernetes", `${platformName}-k8s`).urn;
      const objects = program.resources.filter(under(stackName)).filter((r) => r.custom && r.type.startsWith("kubernetes:"));
      assert.ok(objects.length >= 12, stackName);
      for (const r of objects) assert.ok(r.provider?.startsWith(`${provider}::`), `${r.name} has provider ${r.provider}`);
    }
    for (const r of [...ofType("prod", CONFIG_MAP), ...ofType("prod", SECRET)]) {
      const object = objectOf(r);
      assert.deepEqual(schemaErrors(object), [], r.name);
      assert.deepEqual(unknownFields(object), [], r.name);
    }
  });

  it("protects the releases that hold data in prod and not in dev", () => {
    for (const role of ["kube-prometheus-stack", "loki", "tempo"]) {
      assert.equal(one(RELEASE, `prod-${role}`).protect, true, role);
      assert.equal(one(RELEASE, `prod-${role}`).retainOnDelete, true, role);
      assert.equal(one(RELEASE, `dev-${role}`).protect, false, role);
    }
  });
});
