/**
 * The recovery arguments of a PostgresCluster (the DR region, the restore drill) and their
 * defaults: plain data, imported by `spec.ts`; their checks are in `recovery.ts`.
 *
 * @see https://cloudnative-pg.io/documentation/current/recovery/
 */
import type { PostgresBucketArgs } from "./bucket-args";

/**
 * A restore drill: a recovery database restored from the backups beside the live one, so a drill
 * is one `pulumi up` (and one more, with `enabled: false`, to remove it).
 *
 * - CloudNativePG: a `Cluster` `<name>-drill` bootstrapped with `bootstrap.recovery` from the
 *   ObjectStore, to `targetTime` or the end of the archived WAL.
 * - RDS: an instance `<name>-drill` restored to a point in time (`restoreToPointInTime`).
 * - Cloud SQL: an instance `<name>-drill` cloned from the live one at `targetTime` (`clone`).
 */
export interface PostgresDrillArgs {
  /** Create the recovery database. @default false */
  readonly enabled?: boolean;
  /**
   * The point in time to restore to, in RFC 3339 with an offset (`2026-12-01T09:30:00Z`).
   * @default the latest restorable time
   */
  readonly targetTime?: string;
}

/**
 * The scheduled restore verification of an in-cluster (CloudNativePG) database: a replica cluster
 * `<name>-restore-check` that restores a base backup once, when created, and keeps replaying the WAL
 * archive, and a CronJob that writes a marker on the primary and fails unless the replica replays
 * it in time; the latest run failing raises the `PostgresRestoreCheckFailed` alert. It verifies WAL
 * replay into a standing replica, not a restore of the latest base backup (a drill does that).
 */
export interface PostgresVerificationArgs {
  /** Run the verification. @default false */
  readonly enabled?: boolean;
  /** When the check runs, as a five-field cron expression in UTC. @default "15 * * * *" (hourly) */
  readonly schedule?: string;
}

/** Recovery settings. */
export interface PostgresRecoveryArgs {
  /**
   * In-cluster on k3s: an S3-compatible bucket at another site (its MinIO or Ceph RGW), the same
   * shape as `backup.bucket`. A replica cluster `<name>-dr` replays the live archive and, as
   * CloudNativePG's designated primary of a replica cluster, archives WAL and takes the daily base
   * backup into this bucket (ObjectStore `<name>-backups-dr`, folder `<name>-dr`), so a site loss
   * leaves a complete archive to bootstrap from. The program sets it from the stack's `dr.bucket`.
   * @default none
   * @see https://cloudnative-pg.io/documentation/current/replica_cluster/#backup-and-symmetric-architectures
   */
  readonly drBucket?: PostgresBucketArgs;
  /**
   * The disaster-recovery region: RDS automated backups are replicated there and an RDS
   * cross-region read replica runs there (in a private network of its own), Cloud SQL gets a
   * cross-region read replica there, and in-cluster backups get a second bucket there. Refused on
   * Aurora (no global database yet) and without backups. The program sets it from the stack's
   * `dr.region`.
   * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReadRepl.XRgn.html
   * @default none: nothing leaves the region
   */
  readonly drRegion?: string;
  /** The restore drill. */
  readonly drill?: PostgresDrillArgs;
  /** The scheduled restore verification (in-cluster). */
  readonly verification?: PostgresVerificationArgs;
}

/** {@link PostgresRecoveryArgs} with defaults applied. */
export interface ResolvedRecovery {
  readonly drRegion?: string;
  readonly drBucket?: PostgresBucketArgs;
  readonly drill: { readonly enabled: boolean; readonly targetTime?: string };
  readonly verification: { readonly enabled: boolean; readonly schedule: string };
}

/** Defaults of {@link PostgresRecoveryArgs}. */
export const recoveryDefaults = { verificationSchedule: "15 * * * *" } as const;

/** Applies the recovery defaults. */
export function resolveRecovery(args: { readonly recovery?: PostgresRecoveryArgs }): ResolvedRecovery {
  const recovery = args.recovery ?? {};
  return {
    drRegion: recovery.drRegion,
    drBucket: recovery.drBucket,
    drill: { enabled: recovery.drill?.enabled ?? false, targetTime: recovery.drill?.targetTime },
    verification: { enabled: recovery.verification?.enabled ?? false, schedule: recovery.verification?.schedule ?? recoveryDefaults.verificationSchedule },
  };
}
