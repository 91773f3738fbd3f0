import type { ResolvedObservability } from "./spec";

/** One alerting rule, as Prometheus's rule files and the PrometheusRule CRD both write it. */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: { readonly severity: "warning" | "critical" } & Readonly<Record<string, string>>;
  readonly annotations: { readonly summary: string; readonly description: string } & Readonly<Record<string, string>>;
}

/** A named group of rules. */
export interface AlertRuleGroup {
  readonly name: string;
  readonly rules: readonly AlertRule[];
}

/**
 * The platform's alert rules from the seeds' table. (Contract stub.)
 */
export function alertRuleGroups(spec: Pick<ResolvedObservability, "thresholds" | "dataStores">): AlertRuleGroup[] {
  throw new Error(`not implemented ${Object.keys(spec).length}`);
}
