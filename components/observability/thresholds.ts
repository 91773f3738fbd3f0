/**
 * The alert thresholds' shapes, apart from the stack's arguments so the rule builders can use them
 * without importing the component's spec.
 *
 * @see rules.ts, managed.ts and rules-broker.ts for the PromQL of each.
 */

/** A threshold pair: the alert fires at `warning`, and again as critical at `critical`. */
export interface ThresholdArgs {
  readonly warning?: number;
  readonly critical?: number;
}

/**
 * The alert thresholds, each as a warning and a critical level. Ratios are percentages.
 * @see rules.ts for the PromQL of each.
 */
export interface AlertThresholdsArgs {
  /** HTTP 5xx responses as a percentage of all. @default 1 / 5 */
  readonly httpErrorRatePercent?: ThresholdArgs;
  /** P99 request latency, in seconds. @default 1 / 5 */
  readonly latencyP99Seconds?: ThresholdArgs;
  /** Database connections as a percentage of the maximum. @default 80 / 95 */
  readonly databaseConnectionsPercent?: ThresholdArgs;
  /** Container CPU as a percentage of its limit. @default 70 / 90 */
  readonly cpuPercent?: ThresholdArgs;
  /** Container memory as a percentage of its limit. @default 80 / 95 */
  readonly memoryPercent?: ThresholdArgs;
  /** Postgres replication lag, in seconds. @default 30 / 300 */
  readonly replicationLagSeconds?: ThresholdArgs;
  /** Age of the last successful Postgres backup, in hours. @default 26 / 50 */
  readonly backupAgeHours?: ThresholdArgs;
  /** Days before a certificate expires. Warning fires below `warning`, critical below `critical`. @default 14 / 7 */
  readonly certificateExpiryDays?: ThresholdArgs;
  /** A managed database's storage in use, as a percentage of its allocation. @default 80 / 90 */
  readonly storagePercent?: ThresholdArgs;
  /** Ready messages in one broker queue. @default 1000 / 10000 */
  readonly queueMessages?: ThresholdArgs;
  /** Unacknowledged messages in one broker queue. @default 1000 / 5000 */
  readonly unackedMessages?: ThresholdArgs;
}

/** The resolved thresholds: every pair complete. */
export type ResolvedThresholds = { readonly [K in keyof AlertThresholdsArgs]-?: { readonly warning: number; readonly critical: number } };
