/**
 * The observability rules of the policy pack, run in-process over captured resources the way the
 * analyzer runs them: every production AppService is scraped, Prometheus and Loki keep their data
 * for a set time on volumes, and Grafana's admin password is not plaintext and anonymous access is
 * off. Each rule has compliant fixtures (a Kubernetes stack with kube-prometheus-stack, Loki, an
 * AppService and its ServiceMonitor; a Docker stack with the AppService, Prometheus and Grafana
 * containers) and one mutation per way it can fail; each failing case asserts the exact message
 * and the resource it is reported against.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import type { CapturedResource } from "../plan/capture";
import { runPolicies, type Rule } from "../plan/policy-runner";
import { grafanaSecure, observabilityRetention, rules, servicesScraped } from "../policies/rules";
import { grafanaTrue } from "../policies/rules/grafana-secure";
import { flagValue, selectorMatches, uploadText } from "../policies/rules/known";
import {
  compliantAppServiceDeployment,
  compliantDockerAppService,
  compliantDockerGrafana,
  compliantDockerObservability,
  compliantDockerPrometheus,
  compliantKubePrometheusStackRelease,
  compliantKubernetesObservability,
  compliantLokiRelease,
  compliantServiceMonitor,
  mutate,
  urnOf,
} from "./support/policy-fixtures";
import { crdSchemaErrors, crdSkipReason } from "./support/crd-schema";
import { schemaErrors } from "./support/k8s-schema";

// What a value not known until apply looks like to a policy during preview.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { unknownStringValue } = require("@pulumi/policy/proxy") as { unknownStringValue: string };

const DEV = { environment: "dev" };
const API = 'AppService Deployment "apps/api"';
const MONITOR = 'ServiceMonitor "monitoring/api"';
const DOCKER_API = 'Docker AppService container "platform-api"';
const DOCKER_PROMETHEUS = 'Docker Prometheus container "platform-prometheus"';
const DOCKER_GRAFANA = 'Docker Grafana container "platform-grafana"';
const KPS = 'Helm release "kube-prometheus-stack" (chart kube-prometheus-stack)';
const LOKI = 'Helm release "loki" (chart loki)';

/** `[message, urn]` of every violation `rule` reports over `resources`, each asserted mandatory. */
async function reported(rule: Rule | readonly Rule[], resources: CapturedResource[], tags: Record<string, string> = {}): Promise<[string, string | undefined][]> {
  const report = await runPolicies(Array.isArray(rule) ? rule : [rule as Rule], resources, {}, new Map(Object.entries(tags)));
  for (const v of report.violations) assert.equal(v.enforcementLevel, "mandatory", v.message);
  return report.violations.map((v) => [v.message, v.urn]);
}

/** Asserts that `rule` over `resources` reports exactly `expected`: messages, each against `subject`. */
async function expectViolations(rule: Rule, resources: CapturedResource[], subject: CapturedResource, messages: string[], tags: Record<string, string> = {}): Promise<void> {
  assert.deepEqual(await reported(rule, resources, tags), messages.map((m) => [m, subject.urn]));
}

async function expectNone(rule: Rule | readonly Rule[], resources: CapturedResource[], tags: Record<string, string> = {}): Promise<void> {
  assert.deepEqual(await reported(rule, resources, tags), []);
}

/** The compliant Kubernetes stack with the ServiceMonitor replaced by `edit(it)`. */
function withMonitor(edit: (inputs: Record<string, any>) => void): CapturedResource[] {
  return compliantKubernetesObservability().map((r) => (r.name === "api-service-monitor" ? mutate(r, edit) : r));
}

/** The Docker Prometheus fixture with its uploaded configuration edited. */
function prometheusWithConfig(edit: (config: any) => void): CapturedResource {
  return mutate(compliantDockerPrometheus(), (inputs) => {
    const config = parseYaml(inputs.uploads[0].content);
    edit(config);
    inputs.uploads[0].content = stringifyYaml(config);
  });
}

describe("the observability fixtures and the whole pack", () => {
  it("reports nothing from any rule of the pack over both compliant stacks in an untagged (production) stack", async () => {
    await expectNone(rules, [...compliantKubernetesObservability(), ...compliantDockerObservability()]);
  });

  it("writes the ServiceMonitor fixture as a valid prometheus-operator object", { skip: crdSkipReason() }, () => {
    assert.deepEqual(crdSchemaErrors(compliantServiceMonitor().inputs as { apiVersion: string; kind: string }), []);
  });

  it("writes the AppService Deployment fixture as a valid apps/v1 object", () => {
    assert.deepEqual(schemaErrors(compliantAppServiceDeployment().inputs as { apiVersion: string; kind: string }), []);
  });

  it("keeps the Docker Grafana password out of the recorded inputs", () => {
    const grafana = compliantDockerGrafana();
    assert.ok(JSON.stringify(grafana.inputs).includes("mock-secret-"));
    assert.ok(!JSON.stringify(grafana.redactedInputs).includes("mock-secret-"));
  });

  it("matches label selectors the way Kubernetes does", () => {
    const labels = { app: "api", tier: "web" };
    assert.equal(selectorMatches({}, labels), true);
    assert.equal(selectorMatches({ matchLabels: { app: "api" } }, labels), true);
    assert.equal(selectorMatches({ matchLabels: { app: "api", tier: "db" } }, labels), false);
    assert.equal(selectorMatches({ matchExpressions: [{ key: "tier", operator: "In", values: ["web", "db"] }] }, labels), true);
    assert.equal(selectorMatches({ matchExpressions: [{ key: "tier", operator: "NotIn", values: ["web"] }] }, labels), false);
    assert.equal(selectorMatches({ matchExpressions: [{ key: "canary", operator: "NotIn", values: ["true"] }] }, labels), true);
    assert.equal(selectorMatches({ matchExpressions: [{ key: "app", operator: "Exists" }] }, labels), true);
    assert.equal(selectorMatches({ matchExpressions: [{ key: "app", operator: "DoesNotExist" }] }, labels), false);
    assert.equal(selectorMatches({ matchExpressions: [{ key: "app", operator: "Gt", values: ["1"] }] }, labels), false);
  });

  it("reads the last --flag=value of a command, and upload text in either encoding", () => {
    assert.equal(flagValue(["--a=1", "--ab=2", "--a=3"], "--a"), "3");
    assert.equal(flagValue(["--ab=2"], "--a"), undefined);
    assert.equal(uploadText({ contentBase64: Buffer.from("x: 1").toString("base64") }), "x: 1");
    assert.equal(uploadText({ content: "y" }), "y");
  });

  it("reads Grafana booleans as Grafana does", () => {
    for (const value of [true, "true", "TRUE", "1", "yes", "on"]) assert.equal(grafanaTrue(value), true, String(value));
    for (const value of [false, "false", "0", "", undefined, "off"]) assert.equal(grafanaTrue(value), false, String(value));
  });
});

describe("services-scraped", () => {
  const rule = servicesScraped;
  const deployment = compliantAppServiceDeployment();
  const appService = compliantDockerAppService();

  it("accepts an AppService selected by a ServiceMonitor and a Docker AppService Prometheus targets", async () => {
    await expectNone(rule, [...compliantKubernetesObservability(), ...compliantDockerObservability()]);
  });

  it("checks only in production: a dev-tagged stack is not checked, an untagged one is", async () => {
    const stack = [deployment, appService];
    await expectNone(rule, stack, DEV);
    assert.equal((await reported(rule, stack)).length, 2);
  });

  it("reports every AppService of a stack without a ServiceMonitor or a Prometheus container", async () => {
    assert.deepEqual(await reported(rule, [deployment, appService]), [
      [`${API} is not scraped: the stack has no ServiceMonitor; create one whose selector matches its Service's labels in namespace "apps".`, deployment.urn],
      [`${DOCKER_API} is not scraped: the stack has no Prometheus container (label app.kubernetes.io/name: prometheus).`, appService.urn],
    ]);
  });

  it("reports an AppService whose namespace no ServiceMonitor selects, including by default its own", async () => {
    const listed = withMonitor((i) => (i.spec.namespaceSelector.matchNames = ["web"]));
    await expectViolations(rule, listed, deployment, [
      `${API} is not scraped: no ServiceMonitor selects its Service in namespace "apps" (${MONITOR}: namespaceSelector does not include "apps").`,
    ]);
    const unset = withMonitor((i) => delete i.spec.namespaceSelector);
    await expectViolations(rule, unset, deployment, [
      `${API} is not scraped: no ServiceMonitor selects its Service in namespace "apps" (${MONITOR}: namespaceSelector does not include "apps").`,
    ]);
  });

  it("accepts a ServiceMonitor selecting any namespace, or one in the service's own namespace", async () => {
    await expectNone(rule, withMonitor((i) => (i.spec.namespaceSelector = { any: true })));
    await expectNone(rule, withMonitor((i) => {
      i.metadata.namespace = "apps";
      delete i.spec.namespaceSelector;
    }));
  });

  it("reports an AppService whose labels the ServiceMonitor's selector does not match", async () => {
    const wrongLabel = withMonitor((i) => (i.spec.selector.matchLabels["app.kubernetes.io/name"] = "web"));
    const excluded = withMonitor((i) => (i.spec.selector.matchExpressions = [{ key: "app.kubernetes.io/component", operator: "NotIn", values: ["app-service"] }]));
    for (const stack of [wrongLabel, excluded]) {
      await expectViolations(rule, stack, deployment, [
        `${API} is not scraped: no ServiceMonitor selects its Service in namespace "apps" (${MONITOR}: selector does not match its labels).`,
      ]);
    }
  });

  it("reports an AppService whose ServiceMonitor has no endpoints", async () => {
    await expectViolations(rule, withMonitor((i) => (i.spec.endpoints = [])), deployment, [
      `${API} is not scraped: no ServiceMonitor selects its Service in namespace "apps" (${MONITOR}: no endpoints).`,
    ]);
  });

  it("reports an AppService with a canary Deployment once, and ignores Deployments that are not AppServices", async () => {
    const canary = { ...mutate(deployment, (i) => (i.metadata.name = "api-canary")), name: "api-canary-deployment", urn: urnOf(deployment.type, "api-canary-deployment") };
    const stack = [...compliantKubernetesObservability().filter((r) => r.name !== "api-service-monitor"), canary];
    await expectViolations(rule, stack, deployment, [
      `${API} is not scraped: the stack has no ServiceMonitor; create one whose selector matches its Service's labels in namespace "apps".`,
    ]);
    await expectNone(rule, [mutate(deployment, (i) => (i.metadata.labels = { app: "api" }))]);
  });

  it("counts a ServiceMonitor whose spec is not known yet as scraping", async () => {
    await expectNone(rule, withMonitor((i) => (i.spec.selector.matchLabels["app.kubernetes.io/name"] = unknownStringValue)));
  });

  it("reports a Docker AppService that no scrape job targets on its metrics port", async () => {
    const prometheus = prometheusWithConfig((c) => (c.scrape_configs[0].static_configs[0].targets = ["api:9090"]));
    await expectViolations(rule, [appService, prometheus], appService, [
      `${DOCKER_API} is not scraped: no scrape job has the static target "api:8080" with metrics_path "/metrics" (${DOCKER_PROMETHEUS} has no such job).`,
    ]);
  });

  it("reports a Docker AppService scraped on another metrics path", async () => {
    const prometheus = prometheusWithConfig((c) => (c.scrape_configs[0].metrics_path = "/stats"));
    await expectViolations(rule, [appService, prometheus], appService, [
      `${DOCKER_API} is not scraped: no scrape job has the static target "api:8080" with metrics_path "/metrics" (${DOCKER_PROMETHEUS} has no such job).`,
    ]);
  });

  it("accepts a target by the container's name, and a configuration at another --config.file", async () => {
    await expectNone(rule, [appService, prometheusWithConfig((c) => (c.scrape_configs[0].static_configs[0].targets = ["platform-api:8080"]))]);
    const moved = mutate(compliantDockerPrometheus(), (i) => {
      i.command[0] = "--config.file=/config/prometheus.yaml";
      i.uploads[0].file = "/config/prometheus.yaml";
    });
    await expectNone(rule, [appService, moved]);
  });

  it("reports a Prometheus container without its configuration file, or with one that is not YAML", async () => {
    const missing = mutate(compliantDockerPrometheus(), (i) => (i.command[0] = "--config.file=/config/prometheus.yaml"));
    await expectViolations(rule, [appService, missing], appService, [
      `${DOCKER_API} is not scraped: no scrape job has the static target "api:8080" with metrics_path "/metrics" (${DOCKER_PROMETHEUS} uploads no /config/prometheus.yaml).`,
    ]);
    const broken = mutate(compliantDockerPrometheus(), (i) => (i.uploads[0].content = "scrape_configs: [\n"));
    await expectViolations(rule, [appService, broken], appService, [
      `${DOCKER_API} is not scraped: no scrape job has the static target "api:8080" with metrics_path "/metrics" (${DOCKER_PROMETHEUS} /etc/prometheus/prometheus.yml is not YAML).`,
    ]);
  });

  it("reports a Docker AppService without a metrics port label", async () => {
    const subject = mutate(appService, (i) => (i.labels = i.labels.filter((l: { label: string }) => !l.label.startsWith("prometheus.io/"))));
    await expectViolations(rule, [subject, compliantDockerPrometheus()], subject, [
      `${DOCKER_API} has no prometheus.io/port label, so Prometheus cannot find its metrics; enable the AppService's metrics.`,
    ]);
  });

  it("counts a Prometheus container whose uploads are not known yet as scraping", async () => {
    await expectNone(rule, [appService, mutate(compliantDockerPrometheus(), (i) => (i.uploads[0].content = unknownStringValue))]);
  });
});

describe("observability-retention", () => {
  const rule = observabilityRetention;
  const kps = (edit: (values: any) => void) => mutate(compliantKubePrometheusStackRelease(), (i) => edit(i.values));
  const loki = (edit: (values: any) => void) => mutate(compliantLokiRelease(), (i) => edit(i.values));
  const prometheus = (edit: (inputs: any) => void) => mutate(compliantDockerPrometheus(), edit);

  it("accepts kube-prometheus-stack and Loki with retention and volumes, and the Docker Prometheus", async () => {
    await expectNone(rule, [...compliantKubernetesObservability(), ...compliantDockerObservability()]);
  });

  it("checks only in production: a dev-tagged stack is not checked, an untagged one is", async () => {
    const stack = [kps((v) => delete v.prometheus), loki((v) => delete v.loki), prometheus((i) => delete i.command)];
    await expectNone(rule, stack, DEV);
    // Two per release; the Docker Prometheus's volume at /prometheus still holds the default TSDB path.
    assert.equal((await reported(rule, stack)).length, 2 + 2 + 1);
  });

  it("reports kube-prometheus-stack without a retention", async () => {
    const subject = kps((v) => delete v.prometheus.prometheusSpec.retention);
    await expectViolations(rule, [subject], subject, [`${KPS} sets no prometheus.prometheusSpec.retention; set how long Prometheus keeps samples, such as "15d".`]);
  });

  it("reports kube-prometheus-stack without a storage request in its volume claim template", async () => {
    const message = `${KPS} sets no prometheus.prometheusSpec.storageSpec.volumeClaimTemplate with spec.resources.requests.storage, so Prometheus keeps its data in an emptyDir and loses it with its pod.`;
    for (const subject of [kps((v) => delete v.prometheus.prometheusSpec.storageSpec), kps((v) => delete v.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.resources)]) {
      await expectViolations(rule, [subject], subject, [message]);
    }
  });

  it("ignores kube-prometheus-stack with Prometheus turned off", async () => {
    await expectNone(rule, [kps((v) => (v.prometheus = { enabled: false }))]);
  });

  it("reports Loki without a retention period, or with a zero one", async () => {
    const message = `${LOKI} sets no loki.limits_config.retention_period above zero, so Loki never deletes logs; set one such as "336h".`;
    for (const period of [undefined, "0s", "0"]) {
      const subject = loki((v) => (v.loki.limits_config.retention_period = period));
      await expectViolations(rule, [subject], subject, [message]);
    }
  });

  it("reports Loki whose compactor does not apply retention", async () => {
    const subject = loki((v) => delete v.loki.compactor.retention_enabled);
    await expectViolations(rule, [subject], subject, [`${LOKI} does not set loki.compactor.retention_enabled: true, so the compactor never applies the retention period.`]);
  });

  it("reports Loki whose deployment mode keeps no volume, for each mode", async () => {
    const single = loki((v) => (v.singleBinary.persistence.enabled = false));
    await expectViolations(rule, [single], single, [`${LOKI} in deploymentMode SingleBinary does not set singleBinary.persistence.enabled: true, so Loki's data does not survive its pod.`]);
    const byDefault = loki((v) => delete v.deploymentMode);
    await expectViolations(rule, [byDefault], byDefault, [
      `${LOKI} in deploymentMode SimpleScalable (the default) does not set write.persistence.volumeClaimsEnabled: true, so Loki's data does not survive its pod.`,
      `${LOKI} in deploymentMode SimpleScalable (the default) does not set backend.persistence.volumeClaimsEnabled: true, so Loki's data does not survive its pod.`,
    ]);
    const distributed = loki((v) => (v.deploymentMode = "Distributed"));
    await expectViolations(rule, [distributed], distributed, [`${LOKI} in deploymentMode Distributed does not set ingester.persistence.enabled: true, so Loki's data does not survive its pod.`]);
  });

  it("requires both sides' volumes while Loki migrates between modes", async () => {
    const subject = loki((v) => {
      v.deploymentMode = "SingleBinary<->SimpleScalable";
      v.write = { persistence: { volumeClaimsEnabled: true } };
    });
    await expectViolations(rule, [subject], subject, [
      `${LOKI} in deploymentMode SingleBinary<->SimpleScalable does not set backend.persistence.volumeClaimsEnabled: true, so Loki's data does not survive its pod.`,
    ]);
  });

  it("reports a Loki deployment mode the chart does not have", async () => {
    const subject = loki((v) => (v.deploymentMode = "Monolith"));
    await expectViolations(rule, [subject], subject, [`${LOKI} has deploymentMode "Monolith", which is not a mode of the loki chart.`]);
  });

  it("reports a Docker Prometheus without a retention time", async () => {
    const subject = prometheus((i) => (i.command = i.command.filter((a: string) => !a.startsWith("--storage.tsdb.retention.time="))));
    await expectViolations(rule, [subject], subject, [
      `${DOCKER_PROMETHEUS} sets no --storage.tsdb.retention.time= in its command; set how long Prometheus keeps samples, such as "15d".`,
    ]);
  });

  it("reports a Docker Prometheus whose TSDB is not on a named volume or host path", async () => {
    const message = `${DOCKER_PROMETHEUS} keeps its TSDB at "/prometheus" without a named volume or host path mounted there, so its data is lost when the container is replaced.`;
    const cases = [
      prometheus((i) => delete i.volumes),
      prometheus((i) => (i.volumes = [{ containerPath: "/prometheus" }])),
      prometheus((i) => (i.volumes[0].containerPath = "/prometheus/wal")),
      prometheus((i) => {
        delete i.volumes;
        i.mounts = [{ target: "/prometheus", type: "tmpfs" }];
      }),
    ];
    for (const subject of cases) await expectViolations(rule, [subject], subject, [message]);
  });

  it("accepts a volume above the default TSDB path, and a named volume mount", async () => {
    await expectNone(rule, [prometheus((i) => (i.command = i.command.filter((a: string) => !a.startsWith("--storage.tsdb.path="))))]);
    await expectNone(rule, [
      prometheus((i) => {
        delete i.volumes;
        i.mounts = [{ target: "/prometheus/", type: "volume", source: "platform-prometheus-data" }];
      }),
    ]);
  });
});

describe("grafana-secure", () => {
  const rule = grafanaSecure;
  const kps = (edit: (grafana: any) => void) => mutate(compliantKubePrometheusStackRelease(), (i) => edit(i.values.grafana));
  const grafanaEnv = (envs: string[]) => mutate(compliantDockerGrafana(), (i) => (i.envs = envs));
  const ANONYMOUS = "which lets anyone use Grafana without logging in; leave it false.";

  it("accepts Grafana with its password in a Secret and the Docker Grafana with a generated one, in every environment", async () => {
    await expectNone(rule, [...compliantKubernetesObservability(), ...compliantDockerObservability()], DEV);
  });

  it("reports a plaintext or computed adminPassword, in dev too", async () => {
    for (const password of ["prom-operator", unknownStringValue]) {
      const subject = kps((g) => (g.adminPassword = password));
      await expectViolations(rule, [subject], subject, [
        `${KPS} sets grafana.adminPassword, which writes the Grafana admin password into the release's values; name a Secret in grafana.admin.existingSecret instead.`,
      ], DEV);
    }
  });

  it("reports a release that names no Secret for the admin password", async () => {
    const subject = kps((g) => delete g.admin);
    await expectViolations(rule, [subject], subject, [
      `${KPS} sets no grafana.admin.existingSecret, so the chart writes an admin password of its own; keep a generated password in a Secret and name it there.`,
    ]);
  });

  it("accepts a Secret name not known yet", async () => {
    await expectNone(rule, [kps((g) => (g.admin.existingSecret = unknownStringValue))]);
  });

  it("reports the admin password as a plaintext environment variable", async () => {
    const subject = kps((g) => (g.env = { GF_SECURITY_ADMIN_PASSWORD: "hunter2" }));
    const messages = (await reported(rule, [subject])).map(([m]) => m);
    assert.deepEqual(messages, [`${KPS} sets grafana.env.GF_SECURITY_ADMIN_PASSWORD, a plaintext environment variable; name a Secret in grafana.admin.existingSecret instead.`]);
  });

  it("reports anonymous access through grafana.ini or the environment", async () => {
    const ini = kps((g) => (g["grafana.ini"]["auth.anonymous"].enabled = "true"));
    await expectViolations(rule, [ini], ini, [`${KPS} sets grafana.grafana.ini auth.anonymous.enabled, ${ANONYMOUS}`]);
    const env = kps((g) => (g.env = { GF_AUTH_ANONYMOUS_ENABLED: true }));
    await expectViolations(rule, [env], env, [`${KPS} sets grafana.env.GF_AUTH_ANONYMOUS_ENABLED, ${ANONYMOUS}`]);
  });

  it("reads the grafana chart's values at their top level, and ignores kube-prometheus-stack without Grafana", async () => {
    const subject = mutate(compliantKubePrometheusStackRelease(), (i) => {
      i.name = "grafana";
      i.chart = "grafana";
      i.values = { adminPassword: "admin" };
    });
    await expectViolations(rule, [subject], subject, [
      `Helm release "grafana" (chart grafana) sets adminPassword, which writes the Grafana admin password into the release's values; name a Secret in admin.existingSecret instead.`,
      `Helm release "grafana" (chart grafana) sets no admin.existingSecret, so the chart writes an admin password of its own; keep a generated password in a Secret and name it there.`,
    ]);
    await expectNone(rule, [mutate(compliantKubePrometheusStackRelease(), (i) => (i.values.grafana = { enabled: false }))]);
  });

  it("reports a Docker Grafana without an admin password, which then is admin", async () => {
    const subject = grafanaEnv(["GF_AUTH_ANONYMOUS_ENABLED=false"]);
    await expectViolations(rule, [subject], subject, [
      `${DOCKER_GRAFANA} sets neither GF_SECURITY_ADMIN_PASSWORD nor GF_SECURITY_ADMIN_PASSWORD__FILE, so its admin password is Grafana's default "admin".`,
    ]);
  });

  it("reports a Docker Grafana admin password too short to be generated, without showing it", async () => {
    const subject = grafanaEnv(["GF_SECURITY_ADMIN_PASSWORD=hunter2"]);
    await expectViolations(rule, [subject], subject, [
      `${DOCKER_GRAFANA} sets GF_SECURITY_ADMIN_PASSWORD to fewer than 16 characters, not a generated password; pass a @pulumi/random password as a secret.`,
    ]);
  });

  it("accepts a Docker Grafana that reads its admin password from a file", async () => {
    await expectNone(rule, [grafanaEnv(["GF_SECURITY_ADMIN_PASSWORD__FILE=/run/secrets/grafana-admin"])]);
  });

  it("reports a Docker Grafana with anonymous access on", async () => {
    for (const value of ["true", "1"]) {
      const subject = grafanaEnv([...compliantDockerGrafana().inputs.envs.slice(0, 1), `GF_AUTH_ANONYMOUS_ENABLED=${value}`]);
      await expectViolations(rule, [subject], subject, [`${DOCKER_GRAFANA} sets GF_AUTH_ANONYMOUS_ENABLED, ${ANONYMOUS}`]);
    }
  });

  it("never shows a password in a message", async () => {
    const subjects = [grafanaEnv(["GF_SECURITY_ADMIN_PASSWORD=mock-secret-"]), kps((g) => (g.adminPassword = "mock-secret-grafana"))];
    const messages = await reported(rule, subjects);
    assert.equal(messages.length, 2);
    for (const [message] of messages) assert.ok(!message.includes("mock-secret-"), message);
  });
});
