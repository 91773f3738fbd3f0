import type { StackValidationPolicy } from "@pulumi/policy";
import { environmentConfigProperty, isProduction, type EnvironmentConfig } from "./environment";
import { isSet, known } from "./known";
import { achieved, DEFAULT_REPLICA_LAG_BUDGET_SECONDS, meetsTargets, RECOVERY_TARGETS, recoveryObjectives, type Figure, type RecoveryPath } from "./recovery-objectives";

/** The rule's config. */
export interface DisasterRecoveryConfig extends EnvironmentConfig {
  /** The longest acceptable recovery point, in seconds. @default 300 */
  readonly rpoSeconds: number;
  /** The longest acceptable recovery time, in seconds. @default 900 */
  readonly rtoSeconds: number;
  /** How far an asynchronous replica may lag, in seconds (see `recovery-objectives.ts`). @default 300 */
  readonly replicaLagBudgetSeconds: number;
}

/** What a value not known yet (during preview) reads as in the copy the derivation works on. */
export const UNKNOWN = "[unknown]";

/**
 * A plain copy of a policy resource's props, with every value not known yet replaced by
 * {@link UNKNOWN}: the derivation reads many fields of many resources, and one unknown value must
 * not hide every store (a replica's `replicateSourceDb` before its source exists still marks it as
 * a replica).
 */
export function knownCopy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((_, i) => field(value, i));
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.keys(value).map((key) => [key, field(value as Record<string, unknown>, key)]));
  return value;
}

function field(container: Record<string | number, unknown> | unknown[], key: string | number): unknown {
  const read = () => (container as Record<string | number, unknown>)[key];
  const value = known(read);
  return value === undefined ? (isSet(read) ? UNKNOWN : undefined) : knownCopy(value);
}

const show = (f: Figure) => (f.seconds === undefined ? "unknown" : f.seconds >= 120 ? `${+(f.seconds / 60).toFixed(1)} min` : `${f.seconds} s`);

/** One path's figures with their sources, as a violation names them. */
export function describePath(path: RecoveryPath): string {
  return `${path.method}: RPO ${show(path.rpo)} (${path.rpo.source}), RTO ${show(path.rto)} (${path.rto.source})`;
}

/**
 * Every production data store can lose its primary within the seeds' objectives: some recovery
 * path (a failover, a restore) with a known RPO of at most `rpoSeconds` (5 minutes) and a known
 * RTO of at most `rtoSeconds` (15 minutes). The figures, and the source of each, come from
 * `recovery-objectives.ts`: the replication mode, the documented failover time or the platform's
 * timers, the WAL archive timeout, the snapshot or Velero schedule period, the replica lag budget.
 *
 * A store whose only protection is a backup fails: no backend documents a restore time, and a
 * snapshot period above 5 minutes loses more than 5 minutes of data. The violation names the store
 * and its best path's figures.
 *
 * Applies only when the stack is production (see `environment.ts`). Values not known yet (preview)
 * read as {@link UNKNOWN}: a figure that depends on one is unknown, and so fails, only if the store
 * has no other path that meets the objectives.
 *
 * @severity high
 *
 * @see https://docs.aws.amazon.com/whitepapers/latest/disaster-recovery-workloads-on-aws/business-continuity-plan-bcp.html
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.MultiAZSingleStandby.html
 * @see https://cloudnative-pg.io/documentation/current/instance_manager/
 */
export const disasterRecoveryObjectives: StackValidationPolicy = {
  name: "disaster-recovery-objectives",
  description: "Production data stores recover from the loss of their primary within RPO 5 minutes and RTO 15 minutes.",
  severity: "high",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      rpoSeconds: { type: "integer", minimum: 0, default: RECOVERY_TARGETS.rpoSeconds },
      rtoSeconds: { type: "integer", minimum: 0, default: RECOVERY_TARGETS.rtoSeconds },
      replicaLagBudgetSeconds: { type: "integer", minimum: 0, default: DEFAULT_REPLICA_LAG_BUDGET_SECONDS },
      environment: environmentConfigProperty,
    },
  },
  validateStack: (args, reportViolation) => {
    if (!isProduction(args)) return;
    const config = args.getConfig<DisasterRecoveryConfig>();
    const targets = { rpoSeconds: config.rpoSeconds, rtoSeconds: config.rtoSeconds };
    // Each resource's props are copied on first read: the derivation reads those of the stores and
    // of the few resources it looks up beside them, not those of every resource of the stack.
    const resources = args.resources.map((r) => {
      let props: Record<string, unknown> | undefined;
      return {
        type: r.type,
        name: r.name,
        urn: r.urn,
        dependencies: r.dependencies.map((d) => d.urn),
        get props() {
          return (props ??= knownCopy(r.props) as Record<string, unknown>);
        },
      };
    });
    // Docker's single-container stores are listed by the plan's report but not judged here: the
    // stack config refuses Docker in prod, and a library user's Docker graph is a development setup.
    const stores = recoveryObjectives(resources, { replicaLagBudgetSeconds: config.replicaLagBudgetSeconds }).filter((s) => s.type !== "docker:index/container:Container");
    for (const store of stores) {
      const best = achieved(store, targets);
      const limits = `RPO ${show({ seconds: targets.rpoSeconds, source: "" })} / RTO ${show({ seconds: targets.rtoSeconds, source: "" })}`;
      if (!best) {
        reportViolation(`Data store "${store.store}" has no way to recover from the loss of its primary (no standby, replica or backup); it must meet ${limits}.`, store.urn);
      } else if (!meetsTargets(best, targets)) {
        reportViolation(`Data store "${store.store}" exceeds ${limits}: its best recovery is ${describePath(best)}.`, store.urn);
      }
    }
  },
};
