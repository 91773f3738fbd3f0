/**
 * The platform's own Grafana dashboards, provisioned like the services' (ConfigMaps on Kubernetes,
 * files on Docker):
 *
 * - `platform-slos`: every service's objectives: error budget left over 30 days, burn rates over
 *   the page windows, and the SLIs, from the SLO recording rules;
 * - `platform-database` and `platform-queue`: one panel per threshold alert of the data-store and
 *   broker groups the stack has, plotting the alert's own measure with its warning and critical
 *   levels as threshold lines, so the dashboard shows exactly what pages;
 * - `platform-gateway`: Traefik's request rate, 5xx ratio and P99 latency per backend service.
 *
 * @see https://grafana.com/docs/grafana/latest/visualizations/dashboards/build-dashboards/view-dashboard-json-model/
 * @see https://doc.traefik.io/traefik/observability/metrics/prometheus/
 */
import { isAlert, type AlertRule, type AlertRuleGroup } from "./alerts";
import { dashboard, panel } from "./dashboards";

/** The groups each alert-derived dashboard shows. */
const DASHBOARD_GROUPS = {
  database: ["platform-postgres", "platform-pgbouncer", "platform-redis", "platform-managed-postgres", "platform-managed-redis"],
  queue: ["platform-rabbitmq", "platform-managed-broker"],
} as const;

/** A threshold alert's measure: its expression without the trailing comparison. */
export function measureOf(rule: AlertRule): string | undefined {
  const match = /^([\s\S]*\S)\s*>\s*[\d.]+$/.exec(rule.expr);
  return match?.[1];
}

/**
 * A dashboard of the threshold alerts in `groups`: per alert family, its measure over time with
 * the warning and critical levels as threshold lines, legend by the labels the alert keeps.
 * `undefined` when none of the groups is present.
 */
export function alertDashboard(uid: string, title: string, groups: readonly AlertRuleGroup[], names: readonly string[]): Record<string, unknown> | undefined {
  const rules = groups.filter((g) => names.includes(g.name)).flatMap((g) => g.rules.filter(isAlert));
  const warnings = rules.filter((r) => r.labels.severity === "warning" && r.alert.endsWith("Warning") && measureOf(r) !== undefined);
  if (warnings.length === 0) return undefined;
  const panels = warnings.map((warning, i) => {
    const family = warning.labels.alertfamily;
    const critical = rules.find((r) => r.labels.alertfamily === family && r.labels.severity === "critical");
    const level = (r: AlertRule | undefined) => Number(/([\d.]+)$/.exec(r?.expr ?? "")?.[1]);
    const kept = [...(measureOf(warning) ?? "").matchAll(/by \(([^)]*)\)/g)].flatMap((m) => m[1].split(",").map((l) => l.trim()));
    const legend = [...new Set(kept)].map((l) => `{{${l}}}`).join(" ") || family;
    const p = panel(i + 1, family, "short", warning.annotations.summary, [{ expr: measureOf(warning)!, legendFormat: legend }]) as { fieldConfig: { defaults: Record<string, unknown> } };
    p.fieldConfig.defaults = {
      ...p.fieldConfig.defaults,
      custom: { thresholdsStyle: { mode: "line" } },
      thresholds: { mode: "absolute", steps: [{ color: "green", value: null }, { color: "orange", value: level(warning) }, ...(critical ? [{ color: "red", value: level(critical) }] : [])] },
    };
    return p;
  });
  return dashboard(uid, title, ["platform"], panels);
}

/** The SLO dashboard: budget left, burn rates and SLIs of the services chosen in `service`. */
export function sloDashboard(): Record<string, unknown> {
  const sel = 'service=~"$service"';
  const burn = (w: string) => `slo:sli_error:ratio_rate${w}{${sel}}\n/ on (namespace, service, slo) group_left ()\nslo:error_budget:ratio{${sel}}`;
  return dashboard(
    "platform-slos",
    "Service level objectives",
    ["platform", "slo"],
    [
      panel(1, "Error budget left (30 days)", "percentunit", "The share of each objective's 30-day error budget not yet spent; below 0 the objective is missed.", [
        { expr: `slo:period_error_budget_remaining:ratio{${sel}}`, legendFormat: "{{service}} {{slo}}" },
      ]),
      panel(2, "Burn rate over 1 hour", "short", "How fast the budget burns: 1 spends it in exactly 30 days; 14.4 over 1 hour pages.", [{ expr: burn("1h"), legendFormat: "{{service}} {{slo}}" }]),
      panel(3, "SLI over 5 minutes", "percentunit", "The share of good requests (not 5xx; faster than the latency threshold), against the objective.", [
        { expr: `1 - slo:sli_error:ratio_rate5m{${sel}}`, legendFormat: "{{service}} {{slo}}" },
        { expr: `slo:objective:ratio{${sel}}`, legendFormat: "{{service}} {{slo}} objective" },
      ]),
      panel(4, "Burn rate over 6 hours", "short", "6 over 6 hours pages; 1 over 3 days opens a ticket.", [{ expr: burn("6h"), legendFormat: "{{service}} {{slo}}" }]),
    ],
    [{ name: "service", query: "label_values(slo:objective:ratio, service)" }],
  );
}

/** The gateway dashboard: Traefik's traffic per backend service. */
export function gatewayDashboard(): Record<string, unknown> {
  const w = "$__rate_interval";
  return dashboard("platform-gateway", "Gateway (Traefik)", ["platform", "gateway"], [
    panel(1, "Requests per backend", "reqps", "Requests Traefik routes to each backend service.", [{ expr: `sum by (service) (rate(traefik_service_requests_total[${w}]))`, legendFormat: "{{service}}" }]),
    panel(2, "5xx per backend", "percentunit", "Responses with a 5xx status as a share of all, per backend service.", [
      { expr: `sum by (service) (rate(traefik_service_requests_total{code=~"5.."}[${w}]))\n/ sum by (service) (rate(traefik_service_requests_total[${w}]))`, legendFormat: "{{service}}" },
    ]),
    panel(3, "P99 latency per backend", "s", "Time to the backend's response, 99th percentile.", [
      { expr: `histogram_quantile(0.99, sum by (service, le) (rate(traefik_service_request_duration_seconds_bucket[${w}])))`, legendFormat: "{{service}}" },
    ]),
    panel(4, "Open connections per entryPoint", "short", "Connections open on each entryPoint.", [{ expr: "sum by (entrypoint) (traefik_open_connections)", legendFormat: "{{entrypoint}}" }]),
  ]);
}

/**
 * The platform dashboards a stack gets, by file name: the SLOs when a service has one, the
 * database and queue dashboards when their alert groups exist, the gateway's on Kubernetes with a
 * gateway (Docker does not scrape Traefik).
 */
export function platformDashboards(groups: readonly AlertRuleGroup[], options: { readonly slos: boolean; readonly gateway: boolean }): Record<string, Record<string, unknown>> {
  const database = alertDashboard("platform-database", "Databases", groups, DASHBOARD_GROUPS.database);
  const queue = alertDashboard("platform-queue", "Message queue", groups, DASHBOARD_GROUPS.queue);
  return {
    ...(options.slos ? { "platform-slos": sloDashboard() } : {}),
    ...(database ? { "platform-database": database } : {}),
    ...(queue ? { "platform-queue": queue } : {}),
    ...(options.gateway ? { "platform-gateway": gatewayDashboard() } : {}),
  };
}
