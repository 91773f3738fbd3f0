/**
 * The alert rules and the service dashboard: pure functions, checked directly. Every PromQL
 * expression is parsed with `@prometheus-io/lezer-promql`, the Prometheus project's own Lezer
 * grammar (the one its web UI uses), which marks syntax errors and unknown functions with error
 * nodes.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parser } from "@prometheus-io/lezer-promql";
import { alertRuleGroups, type AlertRule } from "../components/observability/rules";
import { isAlert } from "../components/observability/alerts";
import { dashboardUid, DASHBOARD_UID_MAX, serviceDashboard } from "../components/observability/dashboards";
import { observabilityDefaults, resolveObservability, type AlertThresholdsArgs } from "../components/observability/spec";
import { crdSchemaErrors, crdSkipReason } from "./support/crd-schema";

/** The offsets of the parse tree's error nodes; empty when the expression is valid PromQL. */
function promqlErrors(expr: string): number[] {
  const errors: number[] = [];
  parser.parse(expr).iterate({ enter: (node) => void (node.type.isError && errors.push(node.from)) });
  return errors;
}

const resolve = (extra: Parameters<typeof resolveObservability>[0] extends infer A ? Partial<A> : never = {}) =>
  resolveObservability({ ...extra }, { environment: "prod" });
const everything = resolve({
  dataStores: { postgres: true, redis: true, pgbouncer: { maxClientConnections: 1000 }, rabbitmq: true },
  managedDataStores: { postgres: { service: "rds", maxConnections: 1802, memoryGiB: 16, storageGiB: 100 }, redis: { service: "elasticache" }, messageQueue: { service: "amazonmq" } },
});
const rulesOf = (spec = everything): AlertRule[] => alertRuleGroups(spec).flatMap((g) => g.rules).filter(isAlert);

/** Which alert family each threshold drives, and how its expression compares. */
const families: Record<keyof AlertThresholdsArgs, { family: string; op: ">" | "<" }> = {
  httpErrorRatePercent: { family: "HttpErrorRate", op: ">" },
  latencyP99Seconds: { family: "HttpLatencyP99", op: ">" },
  databaseConnectionsPercent: { family: "PostgresConnections", op: ">" },
  cpuPercent: { family: "ContainerCpuNearLimit", op: ">" },
  memoryPercent: { family: "ContainerMemoryNearLimit", op: ">" },
  replicationLagSeconds: { family: "PostgresReplicationLag", op: ">" },
  backupAgeHours: { family: "PostgresBackupTooOld", op: ">" },
  certificateExpiryDays: { family: "CertificateExpiring", op: "<" },
  storagePercent: { family: "ManagedPostgresStorage", op: ">" },
  queueMessages: { family: "RabbitMQQueueDepth", op: ">" },
  unackedMessages: { family: "RabbitMQUnackedMessages", op: ">" },
};

/** The comparison that ends a threshold rule's expression: its operator and number. */
const trailingComparison = (expr: string) => {
  const match = /([<>]) (\d+(?:\.\d+)?)$/.exec(expr);
  return match ? { op: match[1], value: Number(match[2]) } : undefined;
};

describe("the PromQL check", () => {
  it("reports a broken expression, so a passing check means something", () => {
    assert.notDeepEqual(promqlErrors("sum by (namespace (rate(http_requests_total[5m]))"), []);
    assert.notDeepEqual(promqlErrors("rate(http_requests_total[5m]) >"), []);
    assert.notDeepEqual(promqlErrors("rat(http_requests_total[5m])"), [], "an unknown function is an error");
    assert.deepEqual(promqlErrors("sum by (namespace) (rate(http_requests_total[5m])) > 1"), []);
  });
});

describe("alertRuleGroups", () => {
  it("writes every rule's expression as valid PromQL", () => {
    for (const rule of rulesOf()) assert.deepEqual(promqlErrors(rule.expr), [], `${rule.alert}: ${rule.expr}`);
  });

  it("gives every alert a unique CamelCase name", () => {
    const names = rulesOf().map((r) => r.alert);
    assert.equal(new Set(names).size, names.length, `duplicates in ${names.join(", ")}`);
    for (const name of names) assert.match(name, /^[A-Z][a-zA-Z0-9]+$/);
  });

  it("gives every rule a valid `for`, a severity, a summary, a description and a runbook hint", () => {
    for (const rule of rulesOf()) {
      assert.match(rule.for, /^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$/, rule.alert);
      assert.notEqual(rule.for, "", rule.alert);
      assert.ok(["warning", "critical"].includes(rule.labels.severity), rule.alert);
      for (const key of ["summary", "description", "runbook"]) assert.ok((rule.annotations[key] ?? "").length > 10, `${rule.alert} ${key}`);
      assert.match(rule.annotations.description, /\{\{ \$labels\.\w+ \}\}/, `${rule.alert} names what fired`);
    }
  });

  it("only templates labels that survive the expression's aggregation", () => {
    for (const rule of rulesOf()) {
      const kept = [...rule.expr.matchAll(/by \(([^)]*)\)/g)].flatMap((m) => m[1].split(",").map((s) => s.trim()));
      if (kept.length === 0) continue;
      for (const [, label] of rule.annotations.description.matchAll(/\$labels\.(\w+)/g)) {
        assert.ok(kept.includes(label), `${rule.alert} templates $labels.${label}, which \`by (${kept.join(", ")})\` drops`);
      }
    }
  });

  it("has a warning and a critical rule for each threshold, comparing against its default levels", () => {
    const rules = rulesOf();
    for (const [key, { family, op }] of Object.entries(families) as [keyof AlertThresholdsArgs, (typeof families)[keyof AlertThresholdsArgs]][]) {
      for (const level of ["warning", "critical"] as const) {
        const matching = rules.filter((r) => r.labels.alertfamily === family && r.labels.severity === level);
        assert.equal(matching.length, 1, `${family} ${level}`);
        assert.deepEqual(trailingComparison(matching[0].expr), { op, value: observabilityDefaults.thresholds[key][level] }, `${family} ${level}: ${matching[0].expr}`);
        assert.ok(matching[0].annotations.description.includes(String(observabilityDefaults.thresholds[key][level])), `${family} ${level} states its threshold`);
      }
    }
  });

  it("follows overridden thresholds at both levels", () => {
    const thresholds = Object.fromEntries(
      Object.keys(families).map((key, i) => [key, key === "certificateExpiryDays" ? { warning: 21.5, critical: 3.5 } : { warning: 10.5 + i, critical: 40.25 + i }]),
    ) as AlertThresholdsArgs;
    const rules = rulesOf(resolve({ thresholds, dataStores: everything.dataStores, managedDataStores: everything.managedDataStores }));
    for (const [key, { family }] of Object.entries(families) as [keyof AlertThresholdsArgs, (typeof families)[keyof AlertThresholdsArgs]][]) {
      for (const level of ["warning", "critical"] as const) {
        const rule = rules.find((r) => r.labels.alertfamily === family && r.labels.severity === level)!;
        assert.equal(trailingComparison(rule.expr)?.value, thresholds[key]![level], `${family} ${level}: ${rule.expr}`);
      }
    }
  });

  it("keeps the `le` bucket label in every histogram_quantile's aggregation", () => {
    const exprs = [...rulesOf().map((r) => r.expr), ...(serviceDashboard({ name: "web", namespace: "apps" }).panels as any[]).flatMap((p) => p.targets.map((t: any) => t.expr))];
    const quantiles = exprs.flatMap((e) => [...e.matchAll(/histogram_quantile\([\d.]+, sum by \(([^)]*)\)/g)].map((m) => m[1]));
    assert.ok(quantiles.length >= 5, "the P99 rules and the three latency panel queries");
    for (const by of quantiles) assert.ok(by.split(", ").includes("le"), `by (${by}) drops le`);
  });

  it("converts backup age to hours and certificate lifetime to days before comparing", () => {
    const rules = rulesOf();
    const expr = (alert: string) => rules.find((r) => r.alert === alert)!.expr;
    assert.match(expr("PostgresBackupTooOldWarning"), /\(time\(\) - .*barman_cloud_cloudnative_pg_io_last_available_backup_timestamp.*\) \/ 3600 > /);
    assert.match(expr("CertificateExpiringWarning"), /^\(certmanager_certificate_expiration_timestamp_seconds - time\(\)\) \/ 86400 < /);
  });

  it("measures HTTP errors per namespace and service, counting a 5xx in either the `status` or the `code` label", () => {
    const expr = rulesOf().find((r) => r.alert === "HttpErrorRateWarning")!.expr;
    assert.match(expr, /http_requests_total\{status=~"5\.\."\}/);
    assert.match(expr, /http_requests_total\{code=~"5\.\."\}/);
    assert.match(expr, /^100 \* sum by \(namespace, service\) .* \/ sum by \(namespace, service\) \(rate\(http_requests_total\[5m\]\)\)/);
  });

  it("watches crash loops, PDBs at zero allowed disruptions with pods to protect, and expiring certificates", () => {
    const exprs = rulesOf().map((r) => r.expr).join("\n");
    assert.match(exprs, /kube_pod_container_status_waiting_reason\{reason="CrashLoopBackOff"\}/);
    assert.match(exprs, /kube_pod_container_status_restarts_total/);
    assert.match(exprs, /kube_poddisruptionbudget_status_pod_disruptions_allowed == 0\nand on \(namespace, poddisruptionbudget\)\nkube_poddisruptionbudget_status_expected_pods > 0/);
    assert.match(exprs, /certmanager_certificate_expiration_timestamp_seconds/);
  });

  it("adds Postgres and Redis rules only for the data stores the stack has", () => {
    const metricsOf = (spec: typeof everything) => rulesOf(spec).map((r) => r.expr).join("\n");
    const none = metricsOf(resolve());
    assert.doesNotMatch(none, /cnpg_|barman_cloud_|redis_/);
    const postgres = metricsOf(resolve({ dataStores: { postgres: true } }));
    assert.match(postgres, /cnpg_backends_total/);
    assert.match(postgres, /cnpg_pg_replication_lag/);
    assert.doesNotMatch(postgres, /redis_/);
    const redis = metricsOf(resolve({ dataStores: { redis: { host: "redis-exporter", port: 9121 } } }));
    assert.match(redis, /redis_master_link_up == 0/);
    assert.doesNotMatch(redis, /cnpg_|barman_cloud_/);
    assert.deepEqual(alertRuleGroups(resolve()).map((g) => g.name), ["platform-http", "platform-kubernetes"]);
    assert.deepEqual(alertRuleGroups(resolve({ dataStores: { postgres: true, redis: true } })).map((g) => g.name), ["platform-http", "platform-kubernetes", "platform-postgres", "platform-redis"]);
    assert.deepEqual(alertRuleGroups(everything).map((g) => g.name), [
      "platform-http",
      "platform-kubernetes",
      "platform-postgres",
      "platform-redis",
      "platform-pgbouncer",
      "platform-rabbitmq",
      "platform-managed-postgres",
      "platform-managed-redis",
      "platform-managed-broker",
      "platform-managed-exporters",
    ]);
  });

  it(
    "produces groups a PrometheusRule accepts under the prometheus-operator CRD",
    { skip: crdSkipReason() },
    () => {
      const rule = { apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule", metadata: { name: "platform", namespace: "monitoring" }, spec: { groups: alertRuleGroups(everything) } };
      const errors = crdSchemaErrors(rule);
      assert.deepEqual(errors, []);
      const broken = { ...rule, spec: { groups: [{ name: "x", rules: [{ alert: "X", expr: "up == 0", for: "five minutes" }] }] } };
      assert.notDeepEqual(crdSchemaErrors(broken), [], "the CRD check rejects an invalid duration");
    },
  );
});

describe("serviceDashboard", () => {
  const target = { name: "web", namespace: "apps" };
  const dashboard = serviceDashboard(target) as Record<string, any>;
  const panels = dashboard.panels as Record<string, any>[];
  /** Grafana replaces its variables before Prometheus sees the query; do the same before parsing. */
  const asPromql = (expr: string) => expr.replaceAll("$__rate_interval", "1m").replaceAll("${datasource}", "x");

  it("has request rate, error rate, latency and saturation panels", () => {
    assert.deepEqual(panels.map((p) => p.title), ["Request rate", "Error rate", "Latency", "Saturation"]);
    const latency = panels.find((p) => p.title === "Latency")!;
    assert.deepEqual(latency.targets.map((t: any) => t.legendFormat), ["p50", "p95", "p99"]);
    assert.deepEqual(latency.targets.map((t: any) => /histogram_quantile\(([\d.]+), /.exec(t.expr)?.[1]), ["0.5", "0.95", "0.99"]);
    const saturation = panels.find((p) => p.title === "Saturation")!;
    assert.match(saturation.targets[0].expr, /container_cpu_usage_seconds_total.*kube_pod_container_resource_limits\{resource="cpu"/);
    assert.match(saturation.targets[1].expr, /container_memory_working_set_bytes.*kube_pod_container_resource_limits\{resource="memory"/);
  });

  it("writes every panel query as valid PromQL once Grafana's variables are substituted", () => {
    for (const panel of panels) {
      for (const t of panel.targets) {
        assert.match(t.expr, /\$__rate_interval|container_memory_working_set_bytes/, "rates use Grafana's rate interval");
        assert.deepEqual(promqlErrors(asPromql(t.expr)), [], `${panel.title}: ${t.expr}`);
      }
    }
    assert.notDeepEqual(promqlErrors(panels[0].targets[0].expr), [], "unsubstituted, the variable is not PromQL: the substitution matters");
  });

  it("filters every query to the service's namespace and to its service or container", () => {
    for (const panel of panels) {
      for (const t of panel.targets) {
        for (const [, matchers] of t.expr.matchAll(/\b(?:http_\w+|container_\w+|kube_\w+)\{([^}]*)\}/g)) {
          assert.match(matchers, /namespace="apps"/, `${panel.title}: ${t.expr}`);
          assert.match(matchers, /service="web"|container="web"/, `${panel.title}: ${t.expr}`);
        }
        assert.doesNotMatch(t.expr, /\b(?:http_requests_total|http_request_duration_seconds_bucket)\[/, "no unfiltered selector");
      }
    }
  });

  it("uses a prometheus `datasource` variable for every panel and query", () => {
    const variable = dashboard.templating.list.find((v: any) => v.name === "datasource");
    assert.deepEqual({ type: variable.type, query: variable.query }, { type: "datasource", query: "prometheus" });
    for (const panel of panels) {
      assert.deepEqual(panel.datasource, { type: "prometheus", uid: "${datasource}" });
      for (const t of panel.targets) assert.deepEqual(t.datasource, panel.datasource);
    }
  });

  it("lays the panels out on the 24-column grid without overlap, with distinct ids and refIds", () => {
    const cells = new Set<string>();
    for (const { gridPos: g } of panels) {
      assert.ok(g.x >= 0 && g.x + g.w <= 24 && g.h > 0, JSON.stringify(g));
      for (let x = g.x; x < g.x + g.w; x++) for (let y = g.y; y < g.y + g.h; y++) {
        assert.ok(!cells.has(`${x},${y}`), `overlap at ${x},${y}`);
        cells.add(`${x},${y}`);
      }
    }
    assert.equal(new Set(panels.map((p) => p.id)).size, panels.length);
    for (const panel of panels) assert.equal(new Set(panel.targets.map((t: any) => t.refId)).size, panel.targets.length);
  });

  it("names the dashboard after the service, with a current schema version", () => {
    assert.equal(dashboard.title, "web (apps)");
    assert.equal(dashboard.uid, "svc-apps-web");
    assert.ok(dashboard.schemaVersion >= 41, "Grafana 12's Classic model");
  });

  it("keeps uids within Grafana's 40 characters, stable and distinct for long names", () => {
    const long = (suffix: string) => ({ name: `payments-settlement-reconciliation-${suffix}`, namespace: "finance-production" });
    const a = dashboardUid(long("worker"));
    const b = dashboardUid(long("api"));
    assert.ok(a.length <= DASHBOARD_UID_MAX && b.length <= DASHBOARD_UID_MAX, `${a} ${b}`);
    assert.notEqual(a, b);
    assert.equal(dashboardUid(long("worker")), a);
    assert.match(a, /^[a-zA-Z0-9_-]+$/);
    assert.notEqual(dashboardUid({ name: "web", namespace: "a" }), dashboardUid({ name: "web", namespace: "b" }), "same name in two namespaces");
  });
});

describe("alert rules on Docker", () => {
  const spec = resolveObservability({ dataStores: { postgres: true, redis: true } }, { environment: "dev" });
  const groups = alertRuleGroups(spec, "docker");

  it("leave out the rules on metrics only Kubernetes has (cAdvisor, kube-state-metrics, cert-manager)", () => {
    assert.deepEqual(groups.map((g) => g.name).sort(), ["platform-http", "platform-postgres", "platform-redis", "platform-watchdog"]);
  });

  it("watch Postgres connections through postgres-exporter's metrics, which parse as PromQL", () => {
    const rules = groups.find((g) => g.name === "platform-postgres")!.rules.filter(isAlert);
    assert.deepEqual(rules.map((r) => r.alert), ["PostgresConnectionsWarning", "PostgresConnectionsCritical"]);
    for (const rule of rules) {
      assert.match(rule.expr, /pg_stat_activity_count/);
      assert.deepEqual(promqlErrors(rule.expr), [], rule.alert);
    }
  });
});
