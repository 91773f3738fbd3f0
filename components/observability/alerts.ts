/**
 * The shapes of the platform's rules and the helpers every rule group builds them with: a threshold
 * as a warning and a critical rule of one `alertfamily`, or a single rule.
 *
 * @see https://prometheus.io/docs/prometheus/latest/configuration/alerting_rules/
 * @see https://prometheus.io/docs/prometheus/latest/configuration/recording_rules/
 */
import type { ResolvedThresholds } from "./thresholds";

/** One alerting rule, as Prometheus's rule files and the PrometheusRule CRD both write it. */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  /** `none` only for the always-firing Watchdog, which routes to the heartbeat and never to a person. */
  readonly labels: { readonly severity: "warning" | "critical" | "none" } & Readonly<Record<string, string>>;
  readonly annotations: { readonly summary: string; readonly description: string } & Readonly<Record<string, string>>;
}

/** One recording rule: a series Prometheus precomputes (the SLO's SLIs and error ratios). */
export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/** A named group of rules. */
export interface AlertRuleGroup {
  readonly name: string;
  /** How often the group is evaluated; the global interval when absent. */
  readonly interval?: string;
  readonly rules: readonly (AlertRule | RecordingRule)[];
}

/** Whether a rule is an alerting rule. */
export const isAlert = (rule: AlertRule | RecordingRule): rule is AlertRule => "alert" in rule;

export type Level = "warning" | "critical";
const LEVELS: readonly Level[] = ["warning", "critical"];

/** What a threshold alert needs; the summary and runbook are shared by both levels. */
export interface ThresholdAlert {
  /** The CamelCase stem; the level is appended: `HttpErrorRateWarning`. */
  readonly name: string;
  readonly threshold: keyof ResolvedThresholds;
  /** The PromQL for a level's threshold (the number in the threshold's unit). */
  readonly expr: (limit: number) => string;
  readonly for: string;
  readonly summary: string;
  /** The description; `limit` is the level's threshold with its unit. */
  readonly description: (limit: number) => string;
  readonly runbook: string;
}

/** A warning and a critical rule for one threshold, linked by the `alertfamily` label for inhibition. */
export function leveled(spec: ResolvedThresholds, a: ThresholdAlert): AlertRule[] {
  return LEVELS.map((level) => {
    const limit = spec[a.threshold][level];
    return {
      alert: `${a.name}${level === "warning" ? "Warning" : "Critical"}`,
      expr: a.expr(limit),
      for: a.for,
      labels: { severity: level, alertfamily: a.name },
      annotations: { summary: a.summary, description: a.description(limit), runbook: a.runbook },
    };
  });
}

export function single(name: string, severity: Level, expr: string, forDuration: string, summary: string, description: string, runbook: string): AlertRule {
  return { alert: name, expr, for: forDuration, labels: { severity, alertfamily: name }, annotations: { summary, description, runbook } };
}

/** Go template of the alert's value, for descriptions. */
export const value = (format: string) => `{{ printf "${format}" $value }}`;
