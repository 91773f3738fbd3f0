/**
 * The ObservabilityStack on Docker under Pulumi's mock runtime, captured once for the file (the
 * runtime runs one program per process), with its generated configuration files parsed as a user
 * would read them, and the configuration builders called directly.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { captureProgram, type CapturedProgram, type CapturedResource } from "../plan/capture";
import { MOCK_SECRET_PREFIX } from "../plan/mocks";
import { runPolicies } from "../plan/policy-runner";
import { rules } from "../policies/rules";
import { createPlatform } from "../components/platform";
import { imagePinProblem } from "../components/shared/image";
import { isAlert } from "../components/observability/alerts";
import { alertRuleGroups, ObservabilityStack, resolveObservability, serviceDashboard, type ObservabilityStackArgs } from "../components/observability";
import { alertmanagerConfig, alertmanagerConfigFile, NULL_RECEIVER, type ResolvedReceiver } from "../components/observability/alertmanager";
import { grafanaEnv, observabilityDockerImages, prometheusConfig } from "../components/observability/docker";

const CONTAINER = "docker:index/container:Container";
const NETWORK = "platform-test";

const services: ObservabilityStackArgs["services"] = [
  { name: "api", namespace: "apps", selector: { "app.kubernetes.io/name": "api" }, portName: "http", port: 8080 },
  { name: "worker", namespace: "jobs", selector: { "app.kubernetes.io/name": "worker" }, portName: "metrics", port: 9100, path: "/internal/metrics" },
];

/** Plain values of the secrets the program is given, to look for in the captured inputs. */
const secrets = {
  slack: `https://hooks.slack.com/services/${MOCK_SECRET_PREFIX}slack`,
  webhook: `https://events.example.com/${MOCK_SECRET_PREFIX}webhook`,
  smtp: `${MOCK_SECRET_PREFIX}smtp`,
};

let program: CapturedProgram;

const containers = () => program.resources.filter((r) => r.type === CONTAINER);
const container = (role: string): CapturedResource => {
  const found = program.resources.filter((r) => r.type === CONTAINER && r.name === `obs-${role}`);
  assert.equal(found.length, 1, `expected one container obs-${role}`);
  return found[0];
};
const upload = (role: string, file: string): { file: string; content: string; permissions?: string; owner?: string; group?: string } => {
  const found = container(role).inputs.uploads?.find((u: { file: string }) => u.file === file);
  assert.ok(found, `${role} uploads ${file}`);
  return found;
};
const labels = (r: CapturedResource): Record<string, string> => Object.fromEntries(r.inputs.labels.map((l: { label: string; value: string }) => [l.label, l.value]));
const env = (r: CapturedResource): Record<string, string> => Object.fromEntries((r.inputs.envs as string[]).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
const prometheusYaml = () => parse(upload("prometheus", "/etc/prometheus/prometheus.yml").content);
const job = (name: string) => {
  const found = prometheusYaml().scrape_configs.find((j: { job_name: string }) => j.job_name === name);
  assert.ok(found, `a scrape job ${name}`);
  return found;
};

before(async () => {
  program = await captureProgram(
    () => {
      const platform = createPlatform("local", { target: "docker", docker: { environment: "dev" } });
      const stack = new ObservabilityStack("obs", {
        platform,
        retentionDays: 7,
        storageGiB: 20,
        services,
        // The data stores' exporters, which the data stores run on Docker (their `metricsEndpoint`).
        dataStores: { postgres: { host: "postgres-exporter", port: 9187 }, redis: { host: "redis-exporter", port: 9121 } },
        receivers: [
          { name: "team", kind: "slack", url: pulumi.secret(secrets.slack), channel: "#alerts" },
          { name: "pager", kind: "webhook", url: pulumi.secret(secrets.webhook), severities: ["critical"] },
          { name: "ops", kind: "email", to: "ops@example.com", from: "alerts@example.com", smarthost: "smtp.example.com:587", smtpUsername: "alerts", smtpPassword: pulumi.secret(secrets.smtp) },
        ],
      });
      return { grafanaUrl: stack.grafanaUrl, prometheusUrl: stack.prometheusUrl, otlpEndpoint: stack.otlpEndpoint };
    },
    { project: "platform", stack: "test" },
  );
});

describe("ObservabilityStack on Docker", () => {
  it("runs Prometheus, Alertmanager and Grafana from pinned images, and no exporter: the data stores run their own", () => {
    assert.deepEqual(containers().map((c) => c.name).sort(), ["obs-alertmanager", "obs-grafana", "obs-prometheus"]);
    const images = program.resources.filter((r) => r.type === "docker:index/remoteImage:RemoteImage").map((r) => r.inputs.name as string);
    assert.deepEqual(images.sort(), Object.values(observabilityDockerImages).sort());
    for (const image of images) assert.equal(imagePinProblem(image), undefined, image);
    assert.match(observabilityDockerImages.prometheus, /^prom\/prometheus:v3\.\d+\.\d+$/);
    assert.match(observabilityDockerImages.grafana, /^grafana\/grafana:12\.\d+\.\d+$/);
  });

  it("uses the platform's Docker provider for every image, container and volume", () => {
    const provider = program.resources.find((r) => r.type === "pulumi:providers:docker");
    assert.ok(provider);
    const docker = program.resources.filter((r) => r.custom && r.type.startsWith("docker:index/") && r.type !== "docker:index/network:Network");
    assert.equal(docker.length, 3 + 3 + 3);
    for (const r of docker) assert.ok(r.provider?.startsWith(provider.urn), `${r.name} uses ${r.provider}`);
  });

  it("names each container after the network, reachable by its role as an alias, and labels it as observability", () => {
    for (const role of ["prometheus", "alertmanager", "grafana"]) {
      const c = container(role);
      assert.equal(c.inputs.name, `${NETWORK}-${role}`);
      assert.deepEqual(c.inputs.networksAdvanced, [{ name: NETWORK, aliases: [role] }]);
      assert.equal(labels(c)["app.kubernetes.io/component"], "observability");
      assert.equal(labels(c)["app.kubernetes.io/name"], role);
    }
  });

  it("gives every container memory and CPU limits, a restart policy, a non-root user and no privileges to gain", () => {
    for (const c of containers()) {
      const i = c.inputs;
      assert.ok(i.memory > 0 && i.memoryReservation > 0 && i.memoryReservation <= i.memory, `${c.name} memory`);
      assert.ok(Number(i.cpus) > 0, `${c.name} cpus`);
      assert.equal(i.restart, "unless-stopped");
      assert.doesNotMatch(i.user, /^(0|root)(:|$)/, `${c.name} user`);
      assert.deepEqual(i.securityOpts, ["no-new-privileges:true"]);
      assert.deepEqual(i.capabilities.drops, ["ALL"]);
      assert.equal(i.healthcheck.tests[0], "CMD");
    }
  });

  it("scrapes every service by its alias and port, on its metrics path, labelled with its namespace and service", () => {
    assert.deepEqual(job("api"), { job_name: "api", metrics_path: "/metrics", static_configs: [{ targets: ["api:8080"], labels: { namespace: "apps", service: "api" } }] });
    assert.deepEqual(job("worker"), {
      job_name: "worker",
      metrics_path: "/internal/metrics",
      static_configs: [{ targets: ["worker:9100"], labels: { namespace: "jobs", service: "worker" } }],
    });
  });

  it("scrapes the Postgres and Redis exporters and Prometheus itself", () => {
    assert.deepEqual(job("postgres").static_configs, [{ targets: ["postgres-exporter:9187"] }]);
    assert.deepEqual(job("redis").static_configs, [{ targets: ["redis-exporter:9121"] }]);
    assert.deepEqual(job("prometheus").static_configs, [{ targets: ["localhost:9090"] }]);
    assert.deepEqual(prometheusYaml().scrape_configs.map((j: { job_name: string }) => j.job_name), ["api", "worker", "postgres", "redis", "prometheus"]);
  });

  it("loads the platform's alert rules for Docker from the uploaded rule file: the HTTP ones as on Kubernetes, the data stores' on their exporters' metrics", () => {
    const config = prometheusYaml();
    assert.deepEqual(config.rule_files, ["/etc/prometheus/rules/platform.yml"]);
    const file = parse(upload("prometheus", "/etc/prometheus/rules/platform.yml").content);
    const spec = resolveObservability({ dataStores: { postgres: true, redis: true }, services }, { environment: "dev" });
    assert.deepEqual(file, JSON.parse(JSON.stringify({ groups: alertRuleGroups(spec, "docker") })));
    assert.ok(services!.every((s) => file.groups.some((g: { name: string }) => g.name === `slo-${s.namespace}-${s.name}-alerts`)), "every service's SLO, as on Kubernetes");
    assert.ok(file.groups.length > 0 && file.groups.every((g: { rules: unknown[] }) => g.rules.length > 0));
    const names = file.groups.map((g: { name: string }) => g.name);
    assert.ok(names.includes("platform-http") && !names.includes("platform-kubernetes"), "no rules on metrics only Kubernetes has");
    const expressions = JSON.stringify(file.groups);
    assert.match(expressions, /pg_stat_activity_count/, "postgres-exporter's metrics");
    assert.doesNotMatch(expressions, /cnpg_/, "no CloudNativePG metrics on Docker");
  });

  it("sends alerts to Alertmanager by its alias", () => {
    assert.deepEqual(prometheusYaml().alerting, { alertmanagers: [{ static_configs: [{ targets: ["alertmanager:9093"] }] }] });
    assert.equal(prometheusYaml().global.scrape_interval, "30s");
  });

  it("keeps samples for the configured days and size, on a named volume", () => {
    const c = container("prometheus").inputs;
    assert.deepEqual(c.command, [
      "--config.file=/etc/prometheus/prometheus.yml",
      "--storage.tsdb.path=/prometheus",
      "--storage.tsdb.retention.time=7d",
      "--storage.tsdb.retention.size=20GB",
    ]);
    assert.deepEqual(c.volumes, [{ volumeName: `${NETWORK}-prometheus-data`, containerPath: "/prometheus" }]);
    assert.deepEqual(c.healthcheck.tests, ["CMD", "wget", "-q", "--spider", "http://127.0.0.1:9090/-/ready"]);
  });

  it("keeps Prometheus, Alertmanager and Grafana data on named volumes, unprotected in dev", () => {
    const volumes = program.resources.filter((r) => r.type === "docker:index/volume:Volume");
    assert.deepEqual(volumes.map((v) => v.inputs.name).sort(), [`${NETWORK}-alertmanager-data`, `${NETWORK}-grafana-data`, `${NETWORK}-prometheus-data`]);
    for (const v of volumes) assert.equal(v.protect, false);
    assert.deepEqual(container("alertmanager").inputs.volumes, [{ volumeName: `${NETWORK}-alertmanager-data`, containerPath: "/alertmanager" }]);
    assert.deepEqual(container("grafana").inputs.volumes, [{ volumeName: `${NETWORK}-grafana-data`, containerPath: "/var/lib/grafana" }]);
  });

  it("publishes only Grafana and Prometheus, on the loopback address", () => {
    assert.deepEqual(container("grafana").inputs.ports, [{ internal: 3000, external: 3000, ip: "127.0.0.1" }]);
    assert.deepEqual(container("prometheus").inputs.ports, [{ internal: 9090, external: 9090, ip: "127.0.0.1" }]);
    for (const role of ["alertmanager"]) assert.ok(!container(role).inputs.ports?.length, `${role} is not published`);
  });

  it("returns Grafana's and Prometheus's URLs on the publish address and no OTLP endpoint", () => {
    assert.equal(program.outputs.grafanaUrl, "http://127.0.0.1:3000");
    assert.equal(program.outputs.prometheusUrl, "http://127.0.0.1:9090");
    assert.equal(program.outputs.otlpEndpoint, undefined);
  });

  it("routes alerts to each receiver by severity, with their URLs and password, in a secret file only Alertmanager's user reads", () => {
    const file = upload("alertmanager", "/etc/alertmanager/alertmanager.yml");
    assert.deepEqual([file.permissions, file.owner, file.group], ["0400", "65534", "65534"]);
    const redacted = (container("alertmanager").redactedInputs.uploads as { content: unknown }[])[0];
    assert.equal(redacted.content, "[secret]");
    const config = parse(file.content);
    assert.equal(config.route.receiver, NULL_RECEIVER);
    assert.deepEqual(config.route.routes, [
      { receiver: NULL_RECEIVER, matchers: ['alertname="Watchdog"'] },
      { receiver: "team", matchers: ['severity=~"critical|warning"'], continue: true },
      { receiver: "pager", matchers: ['severity="critical"'], continue: true },
      { receiver: "ops", matchers: ['severity=~"critical|warning"'], continue: true },
    ]);
    const receiver = (name: string) => config.receivers.find((r: { name: string }) => r.name === name);
    assert.equal(receiver("team").slack_configs[0].api_url, secrets.slack);
    assert.equal(receiver("pager").webhook_configs[0].url, secrets.webhook);
    assert.equal(receiver("ops").email_configs[0].auth_password, secrets.smtp);
    assert.deepEqual(container("alertmanager").inputs.command, ["--config.file=/etc/alertmanager/alertmanager.yml", "--storage.path=/alertmanager", "--cluster.listen-address="]);
  });

  it("provisions Prometheus and Alertmanager as Grafana's data sources, by their aliases", () => {
    const { datasources } = parse(upload("grafana", "/etc/grafana/provisioning/datasources/platform.yaml").content);
    assert.deepEqual(
      datasources.map((d: { type: string; url: string; isDefault?: boolean }) => [d.type, d.url, d.isDefault ?? false]),
      [
        ["prometheus", "http://prometheus:9090", true],
        ["alertmanager", "http://alertmanager:9093", false],
      ],
    );
  });

  it("provisions one dashboard per service from the folder its provider reads", () => {
    const { providers } = parse(upload("grafana", "/etc/grafana/provisioning/dashboards/platform.yaml").content);
    assert.equal(providers.length, 1);
    assert.equal(providers[0].type, "file");
    const folder = providers[0].options.path as string;
    const dashboards = (container("grafana").inputs.uploads as { file: string; content: string }[]).filter((u) => u.file.startsWith(`${folder}/`));
    // Then the platform's own: the SLOs of both services, and the database's (the stack has Postgres).
    assert.deepEqual(dashboards.map((u) => u.file), [`${folder}/api.json`, `${folder}/worker.json`, `${folder}/platform-slos.json`, `${folder}/platform-database.json`]);
    for (const [i, s] of services!.entries()) {
      const dashboard = JSON.parse(dashboards[i].content);
      assert.deepEqual(dashboard, serviceDashboard(s));
      assert.match(JSON.stringify(dashboard.panels), new RegExp(`service=\\\\"${s.name}\\\\"`));
    }
  });

  it("turns Grafana's anonymous access off and sets the admin password from a secret", () => {
    const grafana = container("grafana");
    assert.equal(env(grafana).GF_AUTH_ANONYMOUS_ENABLED, "false");
    assert.equal(env(grafana).GF_SECURITY_ADMIN_USER, "admin");
    assert.ok(env(grafana).GF_SECURITY_ADMIN_PASSWORD.startsWith(`${MOCK_SECRET_PREFIX}obs-grafana-admin`));
    const redacted = grafana.redactedInputs.envs as string[];
    assert.ok(redacted.includes("[secret]"));
    assert.ok(!redacted.some((e) => e.startsWith("GF_SECURITY_ADMIN_PASSWORD=")));
    assert.deepEqual(grafana.inputs.healthcheck.tests, ["CMD", "wget", "-q", "--spider", "http://127.0.0.1:3000/api/health"]);
  });

  it("writes no secret in plaintext into any resource's inputs", () => {
    for (const r of program.resources) assert.ok(!JSON.stringify(r.redactedInputs).includes(MOCK_SECRET_PREFIX), `${r.urn} leaks a secret`);
    const all = JSON.stringify(containers().map((c) => c.inputs));
    for (const value of [secrets.slack, secrets.webhook, secrets.smtp]) {
      assert.ok(all.includes(value), "the check can see each secret when it is not redacted");
    }
  });
});

describe("Observability configuration for Docker", () => {
  const plain = (receivers: ResolvedReceiver[]) => alertmanagerConfig(receivers);

  it("lets a critical alert inhibit the warning of its own family on the same target", () => {
    const [rule] = plain([]).inhibit_rules;
    assert.deepEqual(rule.source_matchers, ['severity="critical"', 'alertfamily=~".+"'], "only an alert with a family mutes by family");
    assert.deepEqual(rule.target_matchers, ['severity="warning"', 'alertfamily=~".+"']);
    assert.ok(rule.equal.includes("alertfamily"), "the two levels have different alert names; the family joins them");
    assert.ok(!rule.equal.includes("alertname"));
    const families = alertRuleGroups(resolveObservability({}, { environment: "dev" }), "docker").flatMap((g) => g.rules).filter(isAlert);
    const levels = families.filter((r) => r.labels.alertfamily === "HttpErrorRate").map((r) => r.labels.severity).sort();
    assert.deepEqual(levels, ["critical", "warning"], "the rules carry the label the inhibition joins on");
  });

  it("sends alerts nowhere but Alertmanager's own UI when there is no receiver", () => {
    assert.deepEqual(plain([]).receivers, [{ name: NULL_RECEIVER }]);
    assert.deepEqual(plain([]).route.routes, [{ receiver: NULL_RECEIVER, matchers: ['alertname="Watchdog"'] }], "only the always-firing Watchdog, which goes nowhere");
  });

  it("keeps Alertmanager's file secret even when every receiver's URL is a plain string", async () => {
    const file = alertmanagerConfigFile([{ name: "hook", kind: "webhook", url: "https://events.example.com/token" }]);
    assert.equal(await pulumi.isSecret(file), true);
  });

  it("writes each receiver kind's integration with resolutions sent, and email over required TLS", () => {
    const config = plain([
      { name: "a", kind: "slack", url: "https://hooks.example/a", severities: ["warning"] },
      { name: "b", kind: "webhook", url: "https://hooks.example/b" },
      { name: "c", kind: "email", to: "x@example.com", from: "y@example.com", smarthost: "smtp.example.com:587" },
    ]);
    assert.deepEqual(config.receivers[1], { name: "a", slack_configs: [{ api_url: "https://hooks.example/a", send_resolved: true }] });
    assert.deepEqual(config.receivers[2], { name: "b", webhook_configs: [{ url: "https://hooks.example/b", send_resolved: true }] });
    assert.deepEqual(config.receivers[3], {
      name: "c",
      email_configs: [{ to: "x@example.com", from: "y@example.com", smarthost: "smtp.example.com:587", require_tls: true, send_resolved: true }],
    });
    assert.deepEqual(config.route.routes[1].matchers, ['severity="warning"']);
  });

  it("scrapes no exporter for a data store given without an endpoint", () => {
    const spec = resolveObservability({ dataStores: { postgres: true, redis: true } }, { environment: "dev" });
    assert.deepEqual(prometheusConfig(spec).scrape_configs.map((j) => j.job_name), ["prometheus"]);
  });

  it("scrapes RabbitMQ's Prometheus plugin as the broker's PodMonitor does, labelled so the Kubernetes RabbitMQ alerts apply unchanged", () => {
    const spec = resolveObservability({ dataStores: { rabbitmq: { host: "queue", port: 15692 } } }, { environment: "dev" });
    const labels = { pod: "queue", container: "rabbitmq" };
    assert.deepEqual(prometheusConfig(spec).scrape_configs.slice(0, 2), [
      { job_name: "rabbitmq", metrics_path: "/metrics", static_configs: [{ targets: ["queue:15692"], labels }] },
      { job_name: "rabbitmq-detailed", metrics_path: "/metrics/detailed", params: { family: ["queue_coarse_metrics", "queue_consumer_count"] }, static_configs: [{ targets: ["queue:15692"], labels }] },
    ]);
    const rules = (on: "kubernetes" | "docker") => (alertRuleGroups(spec, on).find((g) => g.name === "platform-rabbitmq")?.rules ?? []).filter(isAlert);
    assert.deepEqual(
      rules("docker").map((r) => r.alert),
      ["RabbitMQQueueDepthWarning", "RabbitMQQueueDepthCritical", "RabbitMQUnackedMessagesWarning", "RabbitMQUnackedMessagesCritical", "RabbitMQQueueNoConsumers", "RabbitMQMemoryAlarm", "RabbitMQDiskAlarm", "RabbitMQNodeDown", "RabbitMQAbsent"],
      "the broker's alert group on Docker",
    );
    const exprs = (on: "kubernetes" | "docker") => rules(on).map((r) => [r.alert, r.expr, r.for, r.labels]);
    assert.deepEqual(exprs("docker"), exprs("kubernetes"), "the same alerts and expressions as on Kubernetes");
    assert.doesNotMatch(JSON.stringify(rules("docker").map((r) => r.annotations.runbook)), /kubectl|KEDA/, "runbooks for Docker");
    // A bare `true` gets the alerts but no job (nothing to scrape); NATS gives no endpoint at all.
    const bare = resolveObservability({ dataStores: { rabbitmq: true } }, { environment: "dev" });
    assert.deepEqual(prometheusConfig(bare).scrape_configs.map((j) => j.job_name), ["prometheus"]);
  });

  it("refuses a service whose name another scrape job already uses", () => {
    const spec = resolveObservability({ services: [{ ...services![0], name: "prometheus" }] }, { environment: "dev" });
    assert.throws(() => prometheusConfig(spec), /service named "prometheus"/);
  });

  it("turns off Grafana's anonymous access and sign-up", () => {
    assert.equal(grafanaEnv().GF_AUTH_ANONYMOUS_ENABLED, "false");
    assert.equal(grafanaEnv().GF_USERS_ALLOW_SIGN_UP, "false");
  });
});

describe("ObservabilityStack on Docker against the policy pack", () => {
  it("passes every policy", async () => {
    const report = await runPolicies(rules, program.resources);
    assert.deepEqual(report.violations, []);
  });
});
