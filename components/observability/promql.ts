/**
 * The PromQL builders the alert rules, the SLOs and the dashboards share.
 *
 * @see https://prometheus.io/docs/prometheus/latest/querying/basics/
 */

/**
 * The per-second rate of a service's requests, optionally only the 5xx ones, summed by `by`.
 * A 5xx is matched in either the `status` or the `code` label (`or` keeps one copy of a series
 * that has both).
 *
 * @param matchers extra label matchers, such as `namespace="apps", service="web"`; may be empty.
 * @see https://prometheus.io/docs/prometheus/latest/querying/functions/#rate
 */
export function requestRate(by: string, matchers: string, window: string, only5xx = false): string {
  const sel = (extra: string) => {
    const all = [extra, matchers].filter(Boolean).join(", ");
    return all ? `http_requests_total{${all}}` : "http_requests_total";
  };
  const inner = only5xx
    ? `rate(${sel('status=~"5.."')}[${window}]) or rate(${sel('code=~"5.."')}[${window}])`
    : `rate(${sel("")}[${window}])`;
  return `sum by (${by}) (${inner})`;
}

/**
 * A service's 5xx responses as a percentage of all its responses, by `by`.
 *
 * @see https://prometheus.io/docs/prometheus/latest/querying/operators/#arithmetic-binary-operators
 */
export function errorPercent(by: string, matchers: string, window: string): string {
  return `100 * ${requestRate(by, matchers, window, true)} / ${requestRate(by, matchers, window)}`;
}

/**
 * The `quantile` (0–1) of a service's request latency in seconds, from its histogram, by `by`.
 *
 * @see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile
 */
export function latencyQuantile(quantile: number, by: string, matchers: string, window: string): string {
  const sel = `http_request_duration_seconds_bucket${matchers ? `{${matchers}}` : ""}`;
  return `histogram_quantile(${quantile}, sum by (${by}, le) (rate(${sel}[${window}])))`;
}

/**
 * A container's CPU (cores) or memory (working set, bytes) use as a percentage of its limit.
 *
 * @see https://github.com/kubernetes/kube-state-metrics/tree/main/docs/metrics
 */
export function limitPercent(resource: "cpu" | "memory", matchers: string, window: string): string {
  const by = "namespace, pod, container";
  const extra = matchers ? `, ${matchers}` : "";
  const usage = resource === "cpu"
    ? `rate(container_cpu_usage_seconds_total{container!="", image!=""${extra}}[${window}])`
    : `container_memory_working_set_bytes{container!="", image!=""${extra}}`;
  return `100 * sum by (${by}) (${usage}) / sum by (${by}) (kube_pod_container_resource_limits{resource="${resource}"${extra}})`;
}
