/**
 * The disaster-recovery report of a plan: for each data store, the RPO and RTO its configuration
 * achieves if its primary is lost (its best recovery path) and, where the stack has a DR region,
 * if the region is lost, with the source of every figure. Printed by `npm run plan` and written to
 * the plan JSON as `recovery`.
 *
 * The figures come from the same derivation as the `disaster-recovery-objectives` policy.
 */
import type { CapturedResource } from "./capture";
import { achieved, meetsTargets, RECOVERY_TARGETS, recoveryObjectives, type Figure, type RecoveryPath } from "../policies/rules/recovery-objectives";

/** One store in the plan JSON's `recovery`. */
export interface StoreRecovery {
  readonly store: string;
  readonly type: string;
  /** Whether the best primary-loss path meets the targets. */
  readonly meetsTargets: boolean;
  /** The best path if the primary is lost, or `null` when the store has none. */
  readonly primaryLoss: RecoveryPath | null;
  /** The paths if the region is lost (empty without a DR region). */
  readonly regionLoss: readonly RecoveryPath[];
  /** Every path, for the record. */
  readonly paths: readonly RecoveryPath[];
  /** What the paths leave out (such as Velero copying objects but no volumes). */
  readonly notes: readonly string[];
}

/** The plan JSON's `recovery`. */
export interface RecoveryReport {
  readonly targets: { readonly rpoSeconds: number; readonly rtoSeconds: number };
  readonly stores: readonly StoreRecovery[];
}

/** Builds the report from the captured resources. */
export function recoveryReport(resources: readonly CapturedResource[]): RecoveryReport {
  const stores = recoveryObjectives(resources.filter((r) => r.custom).map((r) => ({ type: r.type, name: r.name, urn: r.urn, dependencies: r.dependencies, props: r.inputs })));
  return {
    targets: RECOVERY_TARGETS,
    stores: stores.map((s) => {
      const best = achieved(s) ?? null;
      return { store: s.store, type: s.type, meetsTargets: best !== null && meetsTargets(best), primaryLoss: best, regionLoss: s.paths.filter((p) => p.scenario === "region-loss"), paths: s.paths, notes: s.notes ?? [] };
    }),
  };
}

const figure = (f: Figure) => (f.seconds === undefined ? "unknown" : f.seconds >= 120 ? `${+(f.seconds / 60).toFixed(1)} min` : `${f.seconds} s`);

/** The report as text: one block per store, each figure with its source. */
export function renderRecoveryReport(report: RecoveryReport): string {
  const lines = [`Disaster recovery (targets: RPO ${figure({ seconds: report.targets.rpoSeconds, source: "" })}, RTO ${figure({ seconds: report.targets.rtoSeconds, source: "" })}):`];
  if (report.stores.length === 0) lines.push("  no data stores");
  for (const s of report.stores) {
    const best = s.primaryLoss;
    lines.push(`  ${s.meetsTargets ? "ok  " : "FAIL"} ${s.store}: ${best ? `RPO ${figure(best.rpo)}, RTO ${figure(best.rto)} by ${best.method}` : "no recovery path"}`);
    if (best) lines.push(`         RPO: ${best.rpo.source}`, `         RTO: ${best.rto.source}`);
    for (const r of s.regionLoss) lines.push(`         region loss: RPO ${figure(r.rpo)}, RTO ${figure(r.rto)} by ${r.method} (${r.rpo.source}; ${r.rto.source})`);
    if (s.regionLoss.length === 0) lines.push("         region loss: not covered (set dr.region on EKS and GKE, dr.bucket on k3s)");
    for (const note of s.notes) lines.push(`         note: ${note}`);
  }
  return lines.join("\n");
}
