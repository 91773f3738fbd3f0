/**
 * SLO rule shapes, the platform dashboards and the gateway/mesh monitors: pure functions checked
 * directly. Whether the burn-rate alerts fire at their rates is proven by promtool
 * (test/promtool.test.ts); here: the names and windows match Sloth's and the SRE workbook's, every
 * dashboard query is valid PromQL, and the dashboards show the alerts' own levels.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parser } from "@prometheus-io/lezer-promql";
import { isAlert, type AlertRule } from "../components/observability/alerts";
import { alertDashboard, measureOf, platformDashboards } from "../components/observability/dashboards-platform";
import { DASHBOARD_UID_MAX } from "../components/observability/dashboards";
import { alertRuleGroups } from "../components/observability/rules";
import { platformMonitors } from "../components/observability/scrape";
import { BURN_RATE_ALERTS, bucketMatcher, resolveSlo, sloRuleGroups } from "../components/observability/slo";
import { resolveObservability } from "../components/observability/spec";

const promqlErrors = (expr: string): number[] => {
  const errors: number[] = [];
  parser.parse(expr.replace(/\$__rate_interval/g, "5m").replace(/\$service/g, "x")).iterate({ enter: (node) => void (node.type.isError && errors.push(node.from)) });
  return errors;
};

describe("SLO rules", () => {
  const groups = sloRuleGroups({ name: "api", namespace: "apps", slo: resolveSlo(undefined) });
  const rules = groups.flatMap((g) => g.rules);

  it("default to the seeds: 99.9 % available, 99 % of requests under 1 s", () => {
    assert.deepEqual(resolveSlo(undefined), { availability: 99.9, latency: { thresholdSeconds: 1, objective: 99 } });
    assert.deepEqual(resolveSlo({ latency: { objective: 95 } }).latency, { thresholdSeconds: 1, objective: 95 });
  });

  it("record Sloth's SLI series for every window the alerts read, for both objectives", () => {
    const records = rules.filter((r) => !isAlert(r)).map((r) => `${"record" in r ? r.record : ""} ${r.labels?.slo}`);
    for (const slo of ["availability", "latency"]) {
      for (const w of ["5m", "30m", "1h", "2h", "6h", "1d", "3d"]) assert.ok(records.includes(`slo:sli_error:ratio_rate${w} ${slo}`), `${slo} ${w}`);
      for (const name of ["slo:objective:ratio", "slo:error_budget:ratio", "slo:period_error_budget_remaining:ratio"]) assert.ok(records.includes(`${name} ${slo}`), `${slo} ${name}`);
    }
    for (const r of rules) assert.deepEqual(promqlErrors(r.expr), [], r.expr);
  });

  it("alert on the SRE workbook's four window pairs, paging on the two fast ones", () => {
    const alerts = rules.filter(isAlert) as AlertRule[];
    assert.deepEqual(
      BURN_RATE_ALERTS.map((a) => [a.long, a.short, a.factor, a.severity]),
      [["1h", "5m", 14.4, "critical"], ["6h", "30m", 6, "critical"], ["1d", "2h", 3, "warning"], ["3d", "6h", 1, "warning"]],
    );
    const availability1h = alerts.find((a) => a.alert === "SloAvailabilityBudgetBurn1h")!;
    // 14.4 × (1 − 0.999) = 0.0144, over both windows.
    assert.match(availability1h.expr, /slo:sli_error:ratio_rate1h\{[^}]*\} > 0\.0144\nand\nslo:sli_error:ratio_rate5m\{[^}]*\} > 0\.0144/);
    const latency3d = alerts.find((a) => a.alert === "SloLatencyBudgetBurn3d")!;
    assert.match(latency3d.expr, /ratio_rate3d\{[^}]*\} > 0\.01\nand\n.*ratio_rate6h\{[^}]*\} > 0\.01/);
    assert.equal(alerts.filter((a) => /BudgetBurn/.test(a.alert)).length, 8, "two objectives × four window pairs");
    assert.deepEqual(alerts.filter((a) => !/BudgetBurn/.test(a.alert)).map((a) => a.alert), ["SloLatencyBucketMissing"], "and the check that the latency SLI can be measured");
  });

  it("match the latency bucket as client libraries and Prometheus 3 write it", () => {
    assert.equal(bucketMatcher(1), 'le=~"1|1\\\\.0"');
    assert.equal(bucketMatcher(0.25), 'le=~"0\\\\.25"');
  });

  it("are generated on both targets, and not for a service whose SLO is off", () => {
    const services = [{ name: "api", namespace: "apps", selector: {}, portName: "http", port: 80 }, { name: "worker", namespace: "apps", selector: {}, portName: "http", port: 80, slo: false as const }];
    const spec = resolveObservability({ services }, { environment: "dev" });
    for (const on of ["kubernetes", "docker"] as const) {
      const names = alertRuleGroups(spec, on).map((g) => g.name);
      assert.ok(names.includes("slo-apps-api-alerts") && !names.some((n) => n.includes("worker")), `${on}: ${names.join(", ")}`);
    }
  });
});

describe("platform dashboards", () => {
  const spec = resolveObservability(
    {
      services: [{ name: "api", namespace: "apps", selector: {}, portName: "http", port: 80 }],
      dataStores: { postgres: true, redis: true, pgbouncer: { maxClientConnections: 1000 }, rabbitmq: true },
      managedDataStores: { postgres: { service: "rds", maxConnections: 1802, memoryGiB: 16, storageGiB: 100 } },
    },
    { environment: "prod" },
  );
  const groups = alertRuleGroups(spec);
  const dashboards = platformDashboards(groups, { slos: true, gateway: true });

  it("are the SLOs, the database, the queue and the gateway, with short unique uids", () => {
    assert.deepEqual(Object.keys(dashboards), ["platform-slos", "platform-database", "platform-queue", "platform-gateway"]);
    const uids = Object.values(dashboards).map((d) => d.uid as string);
    assert.equal(new Set(uids).size, uids.length);
    for (const uid of uids) assert.ok(uid.length <= DASHBOARD_UID_MAX);
  });

  it("query valid PromQL only", () => {
    for (const [file, d] of Object.entries(dashboards)) {
      for (const p of d.panels as { targets: { expr: string }[] }[]) for (const t of p.targets) assert.deepEqual(promqlErrors(t.expr), [], `${file}: ${t.expr}`);
    }
  });

  it("plot each threshold alert's measure with its warning and critical levels", () => {
    const database = dashboards["platform-database"] as { panels: { title: string; targets: { expr: string }[]; fieldConfig: any }[] };
    const connections = database.panels.find((p) => p.title === "PostgresConnections")!;
    assert.doesNotMatch(connections.targets[0].expr, /> \d+$/, "the measure, not the comparison");
    assert.deepEqual(connections.fieldConfig.defaults.thresholds.steps.map((s: { value: number | null }) => s.value), [null, 80, 95]);
    assert.ok(database.panels.some((p) => p.title === "ManagedPostgresStorage") && database.panels.some((p) => p.title === "PgBouncerClientConnections"));
    const queue = dashboards["platform-queue"] as { panels: { title: string }[] };
    assert.deepEqual(queue.panels.map((p) => p.title), ["RabbitMQQueueDepth", "RabbitMQUnackedMessages"]);
  });

  it("leave out a dashboard with nothing to show", () => {
    assert.equal(alertDashboard("x", "x", groups, ["platform-nothing"]), undefined);
    assert.equal(measureOf({ alert: "A", expr: "redis_up == 0", for: "1m", labels: { severity: "critical" }, annotations: { summary: "", description: "" } }), undefined);
    assert.deepEqual(Object.keys(platformDashboards(alertRuleGroups(resolveObservability({}, { environment: "dev" }), "docker"), { slos: false, gateway: false })), []);
  });
});

describe("gateway and mesh monitors", () => {
  it("scrape Traefik in the gateway's namespace (its metrics port outside Istio's capture), and Istio's proxies and istiod", () => {
    const [traefik, proxies, istiod] = platformMonitors({ gatewayNamespace: "gateway", mesh: "istio" });
    assert.equal(traefik.name, "traefik");
    assert.deepEqual((traefik.spec as any).namespaceSelector, { matchNames: ["gateway"] });
    assert.equal((traefik.spec as any).podMetricsEndpoints[0].port, "metrics");
    assert.equal((proxies.spec as any).podMetricsEndpoints[0].port, "http-envoy-prom");
    assert.equal(istiod.kind, "ServiceMonitor");
  });

  it("scrape Linkerd's proxies on their admin port, and nothing without a mesh or gateway", () => {
    const monitors = platformMonitors({ mesh: "linkerd" });
    assert.deepEqual(monitors.map((m) => m.name), ["linkerd-proxies"]);
    assert.equal((monitors[0].spec as any).podMetricsEndpoints[0].port, "linkerd-admin");
    assert.deepEqual(platformMonitors({}), []);
  });
});
