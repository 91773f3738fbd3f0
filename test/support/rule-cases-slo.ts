/**
 * Unit-test cases of the SLO burn-rate alerts: for each of the SRE workbook's four windows, an
 * error ratio 10 % above the window's burn rate × the error budget must fire it, and 10 % below
 * must not. The objectives are the seeds' (99.9 % available; 99 % of requests under 1 s), stated
 * here rather than read back from the rules.
 *
 * @see https://sre.google/workbook/alerting-on-slos/#6-multiwindow-multi-burn-rate-alerts
 */
import type { Scenario, SingleCase, StackFacts } from "./rule-cases";
import { s } from "./rule-cases";

/** The objectives every shipped stack's service gets by default. */
export const SEED_SLO = { namespace: "apps", service: "podinfo", availability: 99.9, latencyObjective: 99, latencySeconds: 1 } as const;

/** The SRE workbook's table: long window, burn-rate factor, `for`, in minutes. */
const WINDOWS = [
  { long: "1h", minutes: 60, factor: 14.4, forMinutes: 2 },
  { long: "6h", minutes: 360, factor: 6, forMinutes: 15 },
  { long: "1d", minutes: 1440, factor: 3, forMinutes: 60 },
  { long: "3d", minutes: 4320, factor: 1, forMinutes: 180 },
] as const;

/** Requests per second in the scenarios. */
const RPS = 50;

/**
 * A steady error ratio `ratio` on the seed service for long enough to fill the long window and the
 * alert's `for`: as 5xx among all requests (availability) or as requests slower than the
 * threshold's bucket (latency). Long windows are sampled every 5 minutes to keep promtool quick;
 * the shortest (5m) needs minute samples.
 */
function steady(kind: "availability" | "latency", ratio: number, minutes: number): Scenario {
  const step = minutes >= 360 ? 5 : 1;
  const samples = Math.ceil(minutes / step) + 10;
  const perStep = (perSecond: number) => `0+${perSecond * 60 * step}x${samples}`;
  const labels = { namespace: SEED_SLO.namespace, service: SEED_SLO.service };
  const input =
    kind === "availability"
      ? [
          { series: s("http_requests_total", { ...labels, status: "500" }), values: perStep(RPS * ratio) },
          { series: s("http_requests_total", { ...labels, status: "200" }), values: perStep(RPS * (1 - ratio)) },
        ]
      : [
          { series: s("http_request_duration_seconds_bucket", { ...labels, le: String(SEED_SLO.latencySeconds) }), values: perStep(RPS * (1 - ratio)) },
          { series: s("http_request_duration_seconds_bucket", { ...labels, le: "+Inf" }), values: perStep(RPS) },
          { series: s("http_request_duration_seconds_count", labels), values: perStep(RPS) },
        ];
  return { input, evalTime: `${minutes}m`, labels, interval: `${step}m` };
}

/** The cases of the eight burn-rate alerts (two objectives × four windows), by alert name. */
export const sloCases: Record<string, SingleCase> = Object.fromEntries(
  (["availability", "latency"] as const).flatMap((kind) =>
    WINDOWS.map((w) => {
      const budget = 1 - (kind === "availability" ? SEED_SLO.availability : SEED_SLO.latencyObjective) / 100;
      const minutes = Math.ceil((w.minutes + w.forMinutes + 30) / 5) * 5;
      const name = `Slo${kind === "availability" ? "Availability" : "Latency"}BudgetBurn${w.long}`;
      const cases: SingleCase = {
        fires: (_f: StackFacts) => steady(kind, w.factor * budget * 1.1, minutes),
        quiet: (_f: StackFacts) => steady(kind, w.factor * budget * 0.9, minutes),
      };
      return [name, cases];
    }),
  ),
);

/**
 * The latency SLI's bucket check: traffic with buckets at 0.5 s and +Inf only (the 1 s threshold
 * is no boundary) must fire; the same traffic with a 1 s bucket must not.
 */
function buckets(bounds: readonly string[]): Scenario {
  const labels = { namespace: SEED_SLO.namespace, service: SEED_SLO.service };
  const grow = `0+${RPS * 60}x60`;
  return {
    input: [...bounds.map((le) => ({ series: s("http_request_duration_seconds_bucket", { ...labels, le }), values: grow })), { series: s("http_request_duration_seconds_count", labels), values: grow }],
    evalTime: "40m",
    labels,
  };
}
sloCases.SloLatencyBucketMissing = { fires: () => buckets(["0.5", "+Inf"]), quiet: () => buckets(["0.5", String(SEED_SLO.latencySeconds), "+Inf"]) };
