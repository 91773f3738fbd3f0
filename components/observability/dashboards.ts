/**
 * The Grafana dashboard of each scraped service, as code: the RED signals (request rate, error
 * rate, latency percentiles) and saturation, with the same PromQL builders as the alert rules.
 *
 * @see https://grafana.com/docs/grafana/latest/visualizations/dashboards/build-dashboards/view-dashboard-json-model/
 */
import { createHash } from "node:crypto";
import { errorPercent, latencyQuantile, limitPercent, requestRate } from "./rules";
import type { ScrapeTarget } from "./spec";

/**
 * The Classic dashboard model's schema version: 41 is what Grafana 12.0 writes; later Grafanas
 * migrate it forward on load, while an older Grafana would refuse a newer version.
 * @see https://github.com/grafana/grafana/tree/main/apps/dashboard/pkg/migration/schemaversion
 */
export const DASHBOARD_SCHEMA_VERSION = 41;

/** Grafana's limit on a dashboard `uid`, in characters. */
export const DASHBOARD_UID_MAX = 40;

/**
 * The dashboard `uid` of a service: `svc-<namespace>-<name>`, or, when that is longer than
 * {@link DASHBOARD_UID_MAX}, its first characters and a hash of the whole, so two services never
 * share one and the uid is stable across runs.
 *
 * @see https://grafana.com/docs/grafana/latest/visualizations/dashboards/build-dashboards/view-dashboard-json-model/
 */
export function dashboardUid(target: Pick<ScrapeTarget, "name" | "namespace">): string {
  const uid = `svc-${target.namespace}-${target.name}`;
  if (uid.length <= DASHBOARD_UID_MAX) return uid;
  const hash = createHash("sha256").update(uid).digest("hex").slice(0, 8);
  return `${uid.slice(0, DASHBOARD_UID_MAX - hash.length - 1)}-${hash}`;
}

/** The dashboard-wide data source: the `datasource` template variable. */
const DATASOURCE = { type: "prometheus", uid: "${datasource}" } as const;

export interface PanelTarget {
  readonly expr: string;
  readonly legendFormat: string;
}

/** A time-series panel at `slot` (0–3) of a 2×2 grid; a higher id continues the grid downwards. */
export function panel(id: number, title: string, unit: string, description: string, targets: readonly PanelTarget[]): Record<string, unknown> {
  const slot = id - 1;
  return {
    id,
    type: "timeseries",
    title,
    description,
    datasource: DATASOURCE,
    gridPos: { h: 8, w: 12, x: (slot % 2) * 12, y: Math.floor(slot / 2) * 8 },
    fieldConfig: { defaults: { unit }, overrides: [] },
    options: { legend: { displayMode: "list", placement: "bottom", showLegend: true }, tooltip: { mode: "multi", sort: "desc" } },
    targets: targets.map((t, i) => ({ datasource: DATASOURCE, refId: String.fromCharCode(65 + i), ...t })),
  };
}

/**
 * The Grafana dashboard of one service (Classic JSON model): request rate, 5xx ratio, latency
 * p50/p95/p99, and CPU and memory against their limits, each query filtered to the service by
 * `namespace` and `service` (HTTP metrics, as the ServiceMonitor labels them) or by `namespace`
 * and `container` (an AppService's container is named after it). The data source is a
 * `datasource` template variable of type `prometheus`; rates use `$__rate_interval`.
 *
 * @see https://grafana.com/docs/grafana/latest/visualizations/dashboards/build-dashboards/view-dashboard-json-model/
 * @see https://grafana.com/docs/grafana/latest/datasources/prometheus/template-variables/
 */
export function serviceDashboard(target: Pick<ScrapeTarget, "name" | "namespace">): Record<string, unknown> {
  const http = `namespace="${target.namespace}", service="${target.name}"`;
  const pods = `namespace="${target.namespace}", container="${target.name}"`;
  const window = "$__rate_interval";
  return dashboard(dashboardUid(target), `${target.name} (${target.namespace})`, ["platform", "service", target.namespace], [
    panel(1, "Request rate", "reqps", "Requests per second.", [{ expr: requestRate("service", http, window), legendFormat: "requests" }]),
    panel(2, "Error rate", "percent", "5xx responses as a percentage of all responses.", [{ expr: errorPercent("service", http, window), legendFormat: "5xx" }]),
    panel(3, "Latency", "s", "Request latency percentiles, from the http_request_duration_seconds histogram.", [
      { expr: latencyQuantile(0.5, "service", http, window), legendFormat: "p50" },
      { expr: latencyQuantile(0.95, "service", http, window), legendFormat: "p95" },
      { expr: latencyQuantile(0.99, "service", http, window), legendFormat: "p99" },
    ]),
    panel(4, "Saturation", "percent", "CPU and memory (working set) as a percentage of each pod's limits.", [
      { expr: limitPercent("cpu", pods, window), legendFormat: "{{pod}} CPU" },
      { expr: limitPercent("memory", pods, window), legendFormat: "{{pod}} memory" },
    ]),
  ]);
}

/**
 * A Classic-model dashboard: the `datasource` variable (type `prometheus`) and any `variables`
 * (query variables on it), 6 hours, 30 s refresh.
 *
 * @see https://grafana.com/docs/grafana/latest/visualizations/dashboards/build-dashboards/view-dashboard-json-model/
 */
export function dashboard(uid: string, title: string, tags: readonly string[], panels: readonly Record<string, unknown>[], variables: readonly { name: string; query: string }[] = []): Record<string, unknown> {
  return {
    uid,
    title,
    tags,
    timezone: "browser",
    editable: true,
    graphTooltip: 1,
    time: { from: "now-6h", to: "now" },
    refresh: "30s",
    schemaVersion: DASHBOARD_SCHEMA_VERSION,
    version: 1,
    links: [],
    annotations: { list: [] },
    templating: {
      list: [
        { name: "datasource", label: "Data source", type: "datasource", query: "prometheus", current: {}, hide: 0, refresh: 1, regex: "" },
        ...variables.map((v) => ({ name: v.name, label: v.name, type: "query", datasource: DATASOURCE, query: { query: v.query, refId: "variable" }, definition: v.query, current: {}, hide: 0, refresh: 2, includeAll: true, multi: true, sort: 1 })),
      ],
    },
    panels,
  };
}
