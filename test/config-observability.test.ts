/**
 * The `observability` block of the stack config: every bad input the ObservabilityStack refuses,
 * named by its key path, before any resource exists.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatConfigIssues, parseConfig, type ConfigIssue } from "../stacks/config";
import { resolveObservability } from "../components/observability/spec";

const k3s = { target: "k3s", environment: "prod", kubeconfig: "apiVersion: v1", k3s: { disable: ["traefik", "gateway-api-crd"] }, postgres: { enabled: false } };
const slack = { name: "team", kind: "slack", url: "https://hooks.slack.com/services/T000/B000/XXXX", channel: "#alerts" };

function parse(raw: Record<string, unknown>, secret = true) {
  return parseConfig(raw, ["kubeconfig", ...(secret ? ["observability"] : [])]);
}

function issueAt(raw: Record<string, unknown>, key: string, message: RegExp, secret = true) {
  const result = parse(raw, secret);
  assert.equal(result.ok, false, "expected the config to be refused");
  const found: ConfigIssue[] = result.ok ? [] : result.issues;
  const match = found.find((i) => i.key === key);
  assert.ok(match, `no issue at ${key}; got:\n${formatConfigIssues(found)}`);
  assert.match(match.message, message);
}

describe("observability config", () => {
  it("accepts retention, storage, receivers of each kind and thresholds", () => {
    const result = parse({
      ...k3s,
      observability: {
        retentionDays: 30,
        storageGiB: 100,
        logRetentionDays: 14,
        receivers: [
          slack,
          { name: "pager", kind: "webhook", url: "https://events.example.com/alertmanager", severities: ["critical"] },
          { name: "ops", kind: "email", to: "ops@example.com", from: "alerts@example.com", smarthost: "smtp.example.com:587", smtpUsername: "alerts", smtpPassword: "s3cret" },
        ],
        thresholds: { cpuPercent: { warning: 60, critical: 85 }, certificateExpiryDays: { warning: 21, critical: 7 } },
      },
    });
    assert.ok(result.ok, result.ok ? "" : formatConfigIssues(result.issues));
  });

  it("refuses a warning threshold above the critical one, naming the warning", () => {
    issueAt({ ...k3s, observability: { thresholds: { cpuPercent: { warning: 95, critical: 90 } } } }, "platform:observability.thresholds.cpuPercent.warning", /must not be above the critical level \(90\)/);
    issueAt({ ...k3s, observability: { thresholds: { httpErrorRatePercent: { warning: 6 } } } }, "platform:observability.thresholds.httpErrorRatePercent.warning", /critical level \(5\)/);
  });

  it("reads certificate expiry the other way round: warning must be the larger number of days", () => {
    issueAt({ ...k3s, observability: { thresholds: { certificateExpiryDays: { warning: 3, critical: 7 } } } }, "platform:observability.thresholds.certificateExpiryDays.warning", /at least the critical level/);
  });

  it("refuses a retention of zero days", () => {
    issueAt({ ...k3s, observability: { retentionDays: 0 } }, "platform:observability.retentionDays", /≥ 1 \(got 0\); retention 0 would keep nothing/);
    issueAt({ ...k3s, observability: { logRetentionDays: 0 } }, "platform:observability.logRetentionDays", /retention 0/);
  });

  it("refuses in prod a retention shorter than the SLOs' 30-day budget period, and keeps 30 days there by default", () => {
    issueAt({ ...k3s, observability: { retentionDays: 15 } }, "platform:observability.retentionDays", /at least 30 in prod while services have SLOs \(got 15\)/);
    const prod = resolveObservability({ services: [{ name: "api", namespace: "apps", selector: { app: "api" }, portName: "http", port: 8080 }] }, { environment: "prod" });
    assert.deepEqual([prod.retentionDays, prod.storageGiB], [30, 100], "15 days on 50 GiB by default, so 30 days on 100 GiB");
    const noSlo = resolveObservability({ services: [{ name: "api", namespace: "apps", selector: { app: "api" }, portName: "http", port: 8080, slo: false }] }, { environment: "prod" });
    assert.deepEqual([noSlo.retentionDays, noSlo.storageGiB], [15, 50]);
    assert.equal(resolveObservability({ services: [{ name: "api", namespace: "apps", selector: { app: "api" }, portName: "http", port: 8080 }] }, { environment: "dev" }).retentionDays, 3, "outside prod the short retention stays");
    const explicit = parse({ ...k3s, observability: { retentionDays: 45, receivers: [slack] } });
    assert.ok(explicit.ok, explicit.ok ? "" : formatConfigIssues(explicit.issues));
  });

  it("refuses a receiver URL that is not https", () => {
    issueAt({ ...k3s, observability: { receivers: [{ ...slack, url: "http://hooks.example.com/x" }] } }, "platform:observability.receivers[0].url", /https:\/\//);
  });

  it("refuses a receiver of unknown kind", () => {
    issueAt({ ...k3s, observability: { receivers: [{ name: "x", kind: "victorops" }] } }, "platform:observability.receivers[0].kind", /pagerduty, opsgenie, slack, webhook or email \(got "victorops"\)/);
  });

  it("refuses receiver URLs and SMTP passwords that were not set as secrets", () => {
    issueAt({ ...k3s, observability: { receivers: [slack] } }, "platform:observability.receivers[0].url", /must be a secret/, false);
  });

  it("refuses an email receiver without its addresses", () => {
    issueAt({ ...k3s, observability: { receivers: [{ name: "ops", kind: "email", to: "ops@example.com" }] } }, "platform:observability.receivers[0].smarthost", /required for an email receiver/);
  });
});

describe("observability config that would silently do nothing", () => {
  it("refuses a percentage threshold of 100 or more, which could never fire", () => {
    issueAt({ ...k3s, observability: { thresholds: { memoryPercent: { critical: 100 } } } }, "platform:observability.thresholds.memoryPercent.critical", /below 100 .*never fire/);
  });

  it("refuses a receiver with an empty severity list, which would route nothing", () => {
    issueAt({ ...k3s, observability: { receivers: [{ ...slack, severities: [] }] } }, "platform:observability.receivers[0].severities", /at least one severity/);
  });
});

describe("Docker host ports", () => {
  const docker = { target: "docker", environment: "dev" };
  const cases: [string, Record<string, unknown>, string | undefined, RegExp | undefined][] = [
    ["the defaults (gateway 8080/8443, Prometheus 9090, Grafana 3000)", docker, undefined, undefined],
    ["moved Prometheus and Grafana", { ...docker, observability: { docker: { prometheusHostPort: 19090, grafanaHostPort: 13000 } } }, undefined, undefined],
    ["Grafana on Prometheus's default port", { ...docker, observability: { docker: { grafanaHostPort: 9090 } } }, "platform:observability.docker.grafanaHostPort", /^must differ from prometheusHostPort \(9090\)/],
    ["Grafana on the gateway's HTTP port", { ...docker, observability: { docker: { grafanaHostPort: 8080 } } }, "platform:observability.docker.grafanaHostPort", /^is 8080, already the host port of gateway\.docker\.httpPort/],
    ["Postgres on Grafana's port", { ...docker, postgres: { docker: { hostPort: 3000 } } }, "platform:postgres.docker.hostPort", /^is 3000, already the host port of observability\.docker\.grafanaHostPort/],
    ["Grafana on 8080 without a gateway", { ...docker, gateway: { enabled: false }, observability: { docker: { grafanaHostPort: 8080 } } }, undefined, undefined],
    ["a port that is not a TCP port", { ...docker, observability: { docker: { prometheusHostPort: 70000 } } }, "platform:observability.docker.prometheusHostPort", /^must be a TCP port from 1 to 65535 \(got the number 70000\)/],
  ];
  for (const [name, raw, key, message] of cases) {
    it(`${key ? "refuses" : "accepts"} ${name}`, () => {
      const result = parseConfig(raw, []);
      if (!key || !message) return void assert.ok(result.ok, result.ok ? "" : formatConfigIssues(result.issues));
      assert.equal(result.ok, false, name);
      const found = result.ok ? [] : result.issues;
      assert.deepEqual(found.filter((i) => i.key === key).length, 1, `one issue at ${key}; got:\n${formatConfigIssues(found)}`);
      assert.match(found.find((i) => i.key === key)!.message, message);
    });
  }
});

describe("who alerts reach", () => {
  const pagerduty = { name: "on-call", kind: "pagerduty", routingKey: "R0UT1NGK3Y", severities: ["critical"] };
  const cases: [string, Record<string, unknown>, string | undefined, RegExp | undefined][] = [
    ["prod with no receiver", { ...k3s }, "platform:observability.receivers", /^prod needs a receiver for critical alerts/],
    ["prod with warnings only", { ...k3s, observability: { receivers: [{ ...slack, severities: ["warning"] }] } }, "platform:observability.receivers", /^prod needs a receiver for critical alerts/],
    ["prod paging through PagerDuty", { ...k3s, observability: { receivers: [pagerduty] } }, undefined, undefined],
    ["prod paging through Opsgenie in the EU", { ...k3s, observability: { receivers: [{ name: "ops", kind: "opsgenie", apiKey: "k", apiUrl: "https://api.eu.opsgenie.com/" }] } }, undefined, undefined],
    ["dev with no receiver", { target: "docker", environment: "dev" }, undefined, undefined],
    ["a PagerDuty receiver without its key", { ...k3s, observability: { receivers: [{ name: "on-call", kind: "pagerduty" }] } }, "platform:observability.receivers[0].routingKey", /^is required for a pagerduty receiver/],
    ["an Opsgenie receiver without its key", { ...k3s, observability: { receivers: [pagerduty, { name: "ops", kind: "opsgenie" }] } }, "platform:observability.receivers[1].apiKey", /^is required for an opsgenie receiver/],
    ["a plain-http Opsgenie URL", { ...k3s, observability: { receivers: [{ name: "ops", kind: "opsgenie", apiKey: "k", apiUrl: "http://api.opsgenie.com/" }] } }, "platform:observability.receivers[0].apiUrl", /^must be an https:\/\/ URL/],
    ["a receiver named heartbeat", { ...k3s, observability: { receivers: [{ ...pagerduty, name: "heartbeat" }] } }, "platform:observability.receivers[0].name", /the stack's own receiver/],
    ["a heartbeat over plain http", { ...k3s, observability: { receivers: [pagerduty], heartbeat: { url: "http://hc-ping.com/x" } } }, "platform:observability.heartbeat.url", /^must be the https:\/\/ URL of a heartbeat check/],
    ["a heartbeat over https", { ...k3s, observability: { receivers: [pagerduty], heartbeat: { url: "https://hc-ping.com/x" } } }, undefined, undefined],
  ];
  for (const [name, raw, key, message] of cases) {
    it(`${key ? "refuses" : "accepts"} ${name}`, () => {
      const result = parse(raw);
      if (!key || !message) return void assert.ok(result.ok, result.ok ? "" : formatConfigIssues(result.issues));
      issueAt(raw, key, message);
    });
  }

  it("refuses a routing key or heartbeat URL that is not a secret, naming the command that stores it", () => {
    const raw = { target: "docker", environment: "dev", observability: { receivers: [pagerduty], heartbeat: { url: "https://hc-ping.com/x" } } };
    issueAt(raw, "platform:observability.receivers[0].routingKey", /--secret --path 'platform:observability.receivers\[0\].routingKey'/, false);
    issueAt(raw, "platform:observability.heartbeat.url", /--secret --path 'platform:observability.heartbeat.url'/, false);
  });
});

describe("a service's SLO", () => {
  const docker = { target: "docker", environment: "dev" };
  const api = { name: "podinfo", image: "ghcr.io/stefanprodan/podinfo:6.9.2", port: 9898 };
  const cases: [string, unknown, string | undefined, RegExp | undefined][] = [
    ["the seeds' defaults", undefined, undefined, undefined],
    ["99.95 % available, 99 % under 250 ms", { availability: 99.95, latency: { thresholdSeconds: 0.25, objective: 99 } }, undefined, undefined],
    ["none at all", false, undefined, undefined],
    ["100 % availability (no error budget)", { availability: 100 }, "platform:services[0].slo.availability", /^must be a percentage above 0 and below 100/],
    ["a latency objective of 0", { latency: { objective: 0 } }, "platform:services[0].slo.latency.objective", /^must be a percentage above 0 and below 100/],
    ["a negative latency threshold", { latency: { thresholdSeconds: -1 } }, "platform:services[0].slo.latency.thresholdSeconds", /^must be a number of seconds > 0/],
  ];
  for (const [name, slo, key, message] of cases) {
    it(`${key ? "refuses" : "accepts"} ${name}`, () => {
      const raw = { ...docker, services: [{ ...api, ...(slo === undefined ? {} : { slo }) }] };
      if (!key || !message) {
        const result = parseConfig(raw, []);
        return void assert.ok(result.ok, result.ok ? "" : formatConfigIssues(result.issues));
      }
      issueAt(raw, key, message, false);
    });
  }
});
