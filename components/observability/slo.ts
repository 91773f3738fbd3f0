/**
 * Service level objectives as code, per service: an availability objective (the share of requests
 * not answered with a 5xx) and a latency objective (the share of requests faster than a
 * threshold), each with SLI recording rules, an error budget over 30 days and multi-window,
 * multi-burn-rate alerts, in the shapes Sloth and Pyrra generate, from the plan and without a
 * controller.
 *
 * - SLIs: `slo:sli_error:ratio_rate<window>` for 5m, 30m, 1h, 2h, 6h, 1d and 3d (Sloth's names),
 *   labelled `namespace`, `service` and `slo` (`availability` or `latency`);
 * - `slo:objective:ratio`, `slo:error_budget:ratio` and `slo:period_error_budget_remaining:ratio`
 *   (30 days, from the 5m SLI as Sloth computes it) for the error-budget dashboard;
 * - four alerts per objective, the Google SRE workbook's table: 14.4× over 1h and 5m and 6× over
 *   6h and 30m page (critical); 3× over 1d and 2h and 1× over 3d and 6h open a ticket (warning).
 *
 * @see https://sre.google/workbook/alerting-on-slos/#6-multiwindow-multi-burn-rate-alerts
 * @see https://sloth.dev/introduction/
 * @see https://github.com/pyrra-dev/pyrra
 */
import type { ArgProblem } from "../contract/problems";
import type { AlertRule, AlertRuleGroup, RecordingRule } from "./alerts";
import { requestRate } from "./promql";

/** A service's objectives, as percentages. */
export interface SloArgs {
  /** Requests answered without a 5xx, in percent over 30 days. @default 99.9 (the seeds' headline number) */
  readonly availability?: number;
  /**
   * Requests faster than `thresholdSeconds`, in percent over 30 days. `thresholdSeconds` must be a
   * bucket boundary (`le`) of the service's `http_request_duration_seconds` histogram.
   * @default { thresholdSeconds: 1, objective: 99 } (the seeds' P99 warning level: 99 % under 1 s)
   */
  readonly latency?: { readonly thresholdSeconds?: number; readonly objective?: number };
}

/** Objectives with every default applied. */
export interface ResolvedSlo {
  readonly availability: number;
  readonly latency: { readonly thresholdSeconds: number; readonly objective: number };
}

/** Defaults of {@link SloArgs}, and the SLO's period. */
export const sloDefaults = { availability: 99.9, latency: { thresholdSeconds: 1, objective: 99 }, periodDays: 30 } as const;

/** Applies the defaults. */
export function resolveSlo(args: SloArgs | undefined): ResolvedSlo {
  return { availability: args?.availability ?? sloDefaults.availability, latency: { ...sloDefaults.latency, ...args?.latency } };
}

/** Problems with an {@link SloArgs}, under `path`. */
export function validateSlo(args: SloArgs | undefined, path: readonly (string | number)[]): ArgProblem[] {
  const problems: ArgProblem[] = [];
  const objective = (n: number | undefined, at: string[]) => {
    if (n !== undefined && !(typeof n === "number" && n > 0 && n < 100)) problems.push({ path: [...path, ...at], message: `must be a percentage above 0 and below 100, such as 99.9 (got ${n}); 100 leaves no error budget` });
  };
  objective(args?.availability, ["availability"]);
  objective(args?.latency?.objective, ["latency", "objective"]);
  const threshold = args?.latency?.thresholdSeconds;
  if (threshold !== undefined && !(typeof threshold === "number" && threshold > 0)) problems.push({ path: [...path, "latency", "thresholdSeconds"], message: `must be a number of seconds > 0 (got ${threshold})` });
  return problems;
}

/** The windows the SLIs are recorded over. */
export const SLI_WINDOWS = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"] as const;
type Window = (typeof SLI_WINDOWS)[number];

/**
 * The SRE workbook's multi-window, multi-burn-rate table: a burn rate over a long window, checked
 * again over a short window (a twelfth of it) so the alert resets soon after the burn stops.
 * `for` follows Pyrra.
 *
 * @see https://sre.google/workbook/alerting-on-slos/#6-multiwindow-multi-burn-rate-alerts
 */
export const BURN_RATE_ALERTS = [
  { long: "1h", short: "5m", factor: 14.4, budgetPercent: 2, severity: "critical", for: "2m" },
  { long: "6h", short: "30m", factor: 6, budgetPercent: 5, severity: "critical", for: "15m" },
  { long: "1d", short: "2h", factor: 3, budgetPercent: 10, severity: "warning", for: "1h" },
  { long: "3d", short: "6h", factor: 1, budgetPercent: 10, severity: "warning", for: "3h" },
] as const satisfies readonly { long: Window; short: Window; factor: number; budgetPercent: number; severity: "critical" | "warning"; for: string }[];

/** An SLO kind's alert name stem. */
const STEM = { availability: "SloAvailabilityBudgetBurn", latency: "SloLatencyBudgetBurn" } as const;

/** The `le` matcher of a histogram bucket: Prometheus 3 writes `1` as `1.0`, client libraries as `1`. */
export function bucketMatcher(seconds: number): string {
  const forms = [String(seconds), ...(Number.isInteger(seconds) ? [`${seconds}.0`] : [])];
  return `le=~"${forms.map((f) => f.replace(/\./g, "\\\\.")).join("|")}"`;
}

/** A service an SLO is set on. */
export interface SloTarget {
  readonly name: string;
  readonly namespace: string;
  readonly slo: ResolvedSlo;
}

/**
 * The recording and alerting rules of one service's objectives.
 *
 * @returns two groups: the SLIs and budgets (evaluated every 30 s), and the burn-rate alerts.
 */
export function sloRuleGroups(target: SloTarget): AlertRuleGroup[] {
  const sel = `namespace="${target.namespace}", service="${target.name}"`;
  const by = "namespace, service";
  const kinds = [
    // A service without a 5xx series has no errors, not no SLI: `or 0 * total` keeps the ratio at 0,
    // so the 30-day budget averages every minute with traffic, not only the minutes with errors.
    { slo: "availability" as const, objective: target.slo.availability, error: (w: Window) => `(\n  ${requestRate(by, sel, w, true)}\n  or\n  0 * ${requestRate(by, sel, w)}\n)\n/\n${requestRate(by, sel, w)}` },
    {
      slo: "latency" as const,
      objective: target.slo.latency.objective,
      error: (w: Window) =>
        `1 - (\n  sum by (${by}) (rate(http_request_duration_seconds_bucket{${sel}, ${bucketMatcher(target.slo.latency.thresholdSeconds)}}[${w}]))\n  /\n  sum by (${by}) (rate(http_request_duration_seconds_count{${sel}}[${w}]))\n)`,
    },
  ];
  const records: RecordingRule[] = [];
  const alerts: AlertRule[] = [];
  for (const kind of kinds) {
    const labels = { slo: kind.slo };
    const budget = Number((1 - kind.objective / 100).toPrecision(6));
    const series = (w: Window) => `slo:sli_error:ratio_rate${w}{${sel}, slo="${kind.slo}"}`;
    records.push(...SLI_WINDOWS.map((w): RecordingRule => ({ record: `slo:sli_error:ratio_rate${w}`, expr: kind.error(w), labels })));
    records.push(
      { record: "slo:objective:ratio", expr: `vector(${kind.objective / 100})`, labels: { namespace: target.namespace, service: target.name, ...labels } },
      { record: "slo:error_budget:ratio", expr: `vector(${budget})`, labels: { namespace: target.namespace, service: target.name, ...labels } },
      {
        record: "slo:period_error_budget_remaining:ratio",
        expr: `1 - (sum_over_time(${series("5m")}[${sloDefaults.periodDays}d]) / count_over_time(${series("5m")}[${sloDefaults.periodDays}d])) / ${budget}`,
        labels,
      },
    );
    for (const a of BURN_RATE_ALERTS) {
      const limit = Number((a.factor * budget).toPrecision(6));
      alerts.push({
        alert: `${STEM[kind.slo]}${a.long}`,
        expr: `${series(a.long)} > ${limit}\nand\n${series(a.short)} > ${limit}`,
        for: a.for,
        labels: { severity: a.severity, alertfamily: `${STEM[kind.slo]}${a.long}`, slo: kind.slo, objective: String(kind.objective), long: a.long, short: a.short },
        annotations: {
          summary: `A service burns its ${kind.slo} error budget ${a.factor}× too fast.`,
          description: `{{ $labels.namespace }}/{{ $labels.service }} fails its ${kind.objective}% ${kind.slo} objective at over ${a.factor}× the sustainable rate over ${a.long} and ${a.short}: ${a.budgetPercent} % of the ${sloDefaults.periodDays}-day budget spent in ${a.long}.`,
          runbook: "Open the SLO dashboard for the budget left, then the service's dashboard and traces for what fails (errors or slow requests) and since when; roll back a bad release.",
        },
      });
    }
  }
  alerts.push(latencyBucketMissing(sel, by, target.slo.latency.thresholdSeconds));
  return [
    { name: `slo-${target.namespace}-${target.name}-sli`, interval: "30s", rules: records },
    { name: `slo-${target.namespace}-${target.name}-alerts`, rules: alerts },
  ];
}

/**
 * The latency SLI needs a histogram bucket whose upper bound is `thresholdSeconds`; without one the
 * SLI is absent and its burn-rate alerts can never fire. This alert says so while the service has
 * traffic, so a threshold between two bucket boundaries (or a service without the histogram) is
 * seen instead of looking like a met objective.
 */
function latencyBucketMissing(sel: string, by: string, thresholdSeconds: number): AlertRule {
  return {
    alert: "SloLatencyBucketMissing",
    expr: `sum by (${by}) (rate(http_request_duration_seconds_count{${sel}}[5m])) > 0\nunless\nsum by (${by}) (rate(http_request_duration_seconds_bucket{${sel}, ${bucketMatcher(thresholdSeconds)}}[5m]))`,
    for: "15m",
    labels: { severity: "warning", slo: "latency" },
    annotations: {
      summary: "A service's latency SLO cannot be measured: its histogram has no bucket at the threshold.",
      description: `{{ $labels.namespace }}/{{ $labels.service }} serves requests but has no http_request_duration_seconds bucket with le=${thresholdSeconds}: its latency SLI is absent and its burn-rate alerts cannot fire.`,
      runbook: "Set slo.latency.thresholdSeconds to one of the service's histogram bucket boundaries (see its /metrics), or add that boundary to the service's histogram buckets.",
    },
  };
}
