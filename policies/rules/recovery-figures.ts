/**
 * The figures of the recovery objectives and the resource shape they are derived from, shared by
 * `recovery-objectives.ts` and `recovery-caches.ts`.
 */
/** A figure in seconds with where it comes from; `seconds` is undefined when nothing documents it. */
export interface Figure {
  readonly seconds?: number;
  readonly source: string;
}

/** One way a store recovers. */
export interface RecoveryPath {
  readonly scenario: "primary-loss" | "region-loss";
  /** What happens: `failover to the Multi-AZ standby`, `point-in-time restore`… */
  readonly method: string;
  readonly rpo: Figure;
  readonly rto: Figure;
}

/** A resource as the rule and the plan see it. */
export interface RecoveryResource {
  readonly type: string;
  readonly name: string;
  readonly urn?: string;
  /** The URNs of the resources it depends on: how a replica or a backup copy names its source even while the source's ID is unknown. */
  readonly dependencies?: readonly string[];
  readonly props: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export const UNKNOWN_RESTORE_TIME: Figure = { source: "restore time depends on the data's size and no backend documents it: measure it with the restore drill (dr.drill)" };

/**
 * The RPO of a failover to an asynchronous replica. No backend here bounds the lag (nothing stops
 * writes when a replica falls behind), so the figure is a budget, assumed and not enforced; where
 * the stack has an alert on the lag (`PostgresReplicationLag`, for CloudNativePG) the source says
 * that the alert watches it.
 */
export const lag = (budget: number, what: string, alert?: string): Figure => ({
  seconds: budget,
  source: alert
    ? `asynchronous ${what}: the lag is not bounded by the backend; budget of ${budget} s assumed, watched (not enforced) by the ${alert} alert`
    : `assumed: asynchronous ${what}: the lag is not bounded by the backend; budget of ${budget} s assumed, not enforced (no alert watches this store's lag)`,
});

export const zero = (why: string): Figure => ({ seconds: 0, source: why });

/** Whether `x` depends on `source` (by URN), which is how an output of `source` in `x`'s inputs shows. */
export const dependsOn = (x: RecoveryResource, source: RecoveryResource): boolean => source.urn !== undefined && (x.dependencies ?? []).includes(source.urn);
