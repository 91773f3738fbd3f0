/**
 * The run-to-completion workloads of a service: the migration Job that runs before its Deployment
 * rolls, and its CronJobs. Plain data and pure functions, like `spec.ts`: the arguments, their
 * defaults, their validation and the names the objects get.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/job/
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/
 */
import { createHash } from "node:crypto";
import type { ArgProblem } from "../contract/problems";

/**
 * A command run to completion with the service's image, environment, Secret references, requests
 * and limits and security context. `command` replaces the image's ENTRYPOINT and `args` its CMD,
 * as in a Kubernetes container (on Docker: the container's `entrypoints` and `command`); at least
 * one of them must be set, or the task would run the image's server, which never exits.
 *
 * @see https://kubernetes.io/docs/tasks/inject-data-application/define-command-argument-container/
 */
export interface TaskArgs {
  /** The entrypoint, such as `["./migrate"]`. @default the image's ENTRYPOINT */
  readonly command?: readonly string[];
  /** The arguments, such as `["up"]`. @default the image's CMD, unless `command` is set */
  readonly args?: readonly string[];
  /**
   * Seconds a run may take, retries included, before Kubernetes stops it and marks it failed
   * (`activeDeadlineSeconds`). @default 600 for the migration, 3600 for a CronJob
   */
  readonly activeDeadlineSeconds?: number;
  /**
   * Retries of a failed pod before the run fails (`backoffLimit`). Kubernetes starts each retry
   * after an exponential back-off (10 s, 20 s, 40 s, … capped at 6 min).
   * @default 6 for the migration (Kubernetes's own default: its retries span about five minutes,
   *   which covers a database still bootstrapping on the first `pulumi up`), 2 for a CronJob
   * @see https://kubernetes.io/docs/concepts/workloads/controllers/job/#pod-backoff-failure-policy
   */
  readonly backoffLimit?: number;
}

/**
 * The service's migration: a Job with the service's image that must complete before the service's
 * Deployment (its container on Docker) is created or updated.
 *
 * - The Job's name is `<service>-migrate-<hash>`, the hash of its image, command and args: an
 *   unchanged migration keeps its name and is not run again by a later `pulumi up`; a new image or
 *   command gets a new name, so a new Job runs (a Job's pod template is immutable) and the old one
 *   is deleted once the new one has succeeded. Any other change to its pod (environment, Secret
 *   references, resources) replaces the Job under the same name, so it runs again: migrations must
 *   be idempotent, as every migration tool's are.
 * - A finished Job is kept (no `ttlSecondsAfterFinished`): its pod's logs stay readable, and a
 *   `pulumi refresh` does not find it gone and run it again.
 * - A failed Job fails `pulumi up`, and the Deployment keeps its old pods. It carries
 *   `pulumi.com/replaceUnready: "true"`, so the next `pulumi up` replaces it and tries again.
 *
 * @see https://www.pulumi.com/registry/packages/kubernetes/api-docs/batch/v1/job/
 */
export type MigrationArgs = TaskArgs;

/** What a CronJob does when a run is due while the last one still runs. @see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#concurrency-policy */
export const CONCURRENCY_POLICIES = ["Allow", "Forbid", "Replace"] as const;

/** One of {@link CONCURRENCY_POLICIES}. */
export type ConcurrencyPolicy = (typeof CONCURRENCY_POLICIES)[number];

/**
 * A CronJob of the service, named `<service>-<name>`. Kubernetes only: Docker has no scheduler.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/
 */
export interface CronJobArgs extends TaskArgs {
  /** The CronJob's name within the service: a DNS-1035 label; `<service>-<name>` must fit in 52 characters. */
  readonly name: string;
  /** When to run: five cron fields (minute hour day-of-month month day-of-week) or a macro such as `@daily`. */
  readonly schedule: string;
  /** The IANA time zone the schedule is read in. @default "Etc/UTC" (not the controller's local zone) */
  readonly timeZone?: string;
  /** A run due while the last still runs: `Allow`, `Forbid` (skip it) or `Replace`. @default "Forbid" */
  readonly concurrencyPolicy?: ConcurrencyPolicy;
  /** Seconds after its time a missed run may still start. @default none (Kubernetes's default) */
  readonly startingDeadlineSeconds?: number;
  /** Finished successful Jobs to keep. @default 3 */
  readonly successfulJobsHistoryLimit?: number;
  /** Finished failed Jobs to keep. @default 1 */
  readonly failedJobsHistoryLimit?: number;
  /** Create the CronJob without scheduling runs. @default false */
  readonly suspend?: boolean;
}

/** Defaults of {@link MigrationArgs} and {@link CronJobArgs}. */
export const jobDefaults = {
  /**
   * The migration's retries. On the first `pulumi up` the Job starts as soon as the data stores'
   * objects exist, not once they serve: Pulumi does not wait for a CloudNativePG `Cluster` to be
   * ready, which takes minutes, and a migration tool fails on a refused connection. Six retries
   * (10 s, 20 s, 40 s … apart) keep trying for about five minutes; the 600 s deadline ends the Job
   * before the last one (due after 630 s) would start.
   */
  migrationBackoffLimit: 6,
  /** A CronJob's retries: its next run comes anyway. */
  cronJobBackoffLimit: 2,
  migrationDeadlineSeconds: 600,
  cronJobDeadlineSeconds: 3600,
  timeZone: "Etc/UTC",
  concurrencyPolicy: "Forbid" as ConcurrencyPolicy,
  successfulJobsHistoryLimit: 3,
  failedJobsHistoryLimit: 1,
  /** Extra seconds Pulumi waits for the migration beyond its deadline, so the Job's own deadline decides. */
  awaitMarginSeconds: 60,
} as const;

/** A {@link MigrationArgs} with its defaults applied. */
export interface ResolvedMigration {
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly activeDeadlineSeconds: number;
  readonly backoffLimit: number;
}

/** A {@link CronJobArgs} with its defaults applied. */
export interface ResolvedCronJob extends ResolvedMigration {
  readonly name: string;
  readonly schedule: string;
  readonly timeZone: string;
  readonly concurrencyPolicy: ConcurrencyPolicy;
  readonly startingDeadlineSeconds?: number;
  readonly successfulJobsHistoryLimit: number;
  readonly failedJobsHistoryLimit: number;
  readonly suspend: boolean;
}

/** Applies the defaults to a migration. */
export function resolveMigration(args: MigrationArgs): ResolvedMigration {
  return {
    command: args.command,
    args: args.args,
    activeDeadlineSeconds: args.activeDeadlineSeconds ?? jobDefaults.migrationDeadlineSeconds,
    backoffLimit: args.backoffLimit ?? jobDefaults.migrationBackoffLimit,
  };
}

/** Applies the defaults to a CronJob. */
export function resolveCronJob(args: CronJobArgs): ResolvedCronJob {
  return {
    ...resolveMigration({
      ...args,
      activeDeadlineSeconds: args.activeDeadlineSeconds ?? jobDefaults.cronJobDeadlineSeconds,
      backoffLimit: args.backoffLimit ?? jobDefaults.cronJobBackoffLimit,
    }),
    name: args.name,
    schedule: args.schedule,
    timeZone: args.timeZone ?? jobDefaults.timeZone,
    concurrencyPolicy: args.concurrencyPolicy ?? jobDefaults.concurrencyPolicy,
    startingDeadlineSeconds: args.startingDeadlineSeconds,
    successfulJobsHistoryLimit: args.successfulJobsHistoryLimit ?? jobDefaults.successfulJobsHistoryLimit,
    failedJobsHistoryLimit: args.failedJobsHistoryLimit ?? jobDefaults.failedJobsHistoryLimit,
    suspend: args.suspend ?? false,
  };
}

/** The suffix of the migration Job's name before its hash. */
const MIGRATE = "-migrate-";
/** Hex digits of the hash in the migration Job's name. */
const HASH_LENGTH = 8;
/** A Job's name becomes its pods' `job-name` label, so it must fit a label value. @see https://kubernetes.io/docs/concepts/workloads/controllers/job/#writing-a-job-spec */
const JOB_NAME_MAX = 63;
/** The CronJob controller appends 11 characters to a CronJob's name for its Jobs. @see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#writing-a-cronjob-spec */
const CRON_JOB_NAME_MAX = 52;
const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/**
 * The migration Job's name: `<service>-migrate-<8 hex digits of SHA-256 over image, command and args>`.
 * Stable while those stay the same; new when any of them changes.
 */
export function migrationJobName(service: string, image: string, migration: Pick<ResolvedMigration, "command" | "args">): string {
  const hash = createHash("sha256")
    .update(JSON.stringify({ image, command: migration.command ?? null, args: migration.args ?? null }))
    .digest("hex")
    .slice(0, HASH_LENGTH);
  return `${service}${MIGRATE}${hash}`;
}

/** A CronJob's object name: `<service>-<name>`. */
export function cronJobName(service: string, cronJob: Pick<CronJobArgs, "name">): string {
  return `${service}-${cronJob.name}`;
}

/**
 * The problems with the names the service's Jobs and CronJobs get, given the service's name.
 *
 * @returns problems at `name` (the service name is too long for its migration Job) and
 *   `cronJobs.<i>.name`.
 */
export function jobNameProblems(service: string, args: { readonly migration?: MigrationArgs; readonly cronJobs?: readonly CronJobArgs[] }): ArgProblem[] {
  const problems: ArgProblem[] = [];
  const longest = JOB_NAME_MAX - MIGRATE.length - HASH_LENGTH;
  if (args.migration && service.length > longest) {
    problems.push({ path: ["name"], message: `"${service}" is ${service.length} characters; its migration Job is named "${service}${MIGRATE}<8-digit hash>", which must fit in ${JOB_NAME_MAX}: shorten the name to at most ${longest} characters` });
  }
  (args.cronJobs ?? []).forEach((cronJob: CronJobArgs | undefined, i) => {
    if (typeof cronJob?.name !== "string") return;
    const name = cronJobName(service, cronJob);
    if (name.length > CRON_JOB_NAME_MAX) {
      problems.push({ path: ["cronJobs", i, "name"], message: `makes the CronJob name "${name}" (${name.length} characters), longer than the ${CRON_JOB_NAME_MAX} Kubernetes allows; shorten it to at most ${CRON_JOB_NAME_MAX - service.length - 1} characters` });
    }
  });
  return problems;
}

/** Whether `zone` is an IANA time zone this runtime knows (the same database Kubernetes embeds). */
function knownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The problems of one task's command, args, deadline and retries, at `path`. */
function taskProblems(task: TaskArgs, resolved: ResolvedMigration, path: (string | number)[], add: (path: (string | number)[], message: string) => void): void {
  if ((task.command ?? []).length === 0 && (task.args ?? []).length === 0) {
    add(path, "needs `command` or `args`: without them it runs the image's default process, a server that never exits");
  }
  if (!Number.isInteger(resolved.activeDeadlineSeconds) || resolved.activeDeadlineSeconds < 1) add([...path, "activeDeadlineSeconds"], `must be a whole number of seconds ≥ 1 (got ${resolved.activeDeadlineSeconds})`);
  if (!Number.isInteger(resolved.backoffLimit) || resolved.backoffLimit < 0) add([...path, "backoffLimit"], `must be a whole number ≥ 0 (got ${resolved.backoffLimit})`);
}

/**
 * Finds every problem with a service's migration and CronJobs (their schedules are checked by the
 * API server, and by the stack config before it).
 *
 * @returns problems at `migration.*` and `cronJobs.<i>.*`.
 * @see https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/cron-job-v1/#CronJobSpec
 */
export function validateJobs(args: { readonly migration?: MigrationArgs; readonly cronJobs?: readonly CronJobArgs[] }): ArgProblem[] {
  const problems: ArgProblem[] = [];
  const add = (path: (string | number)[], message: string) => problems.push({ path, message });
  if (args.migration) taskProblems(args.migration, resolveMigration(args.migration), ["migration"], add);
  const names = new Set<string>();
  (args.cronJobs ?? []).forEach((cronJob, i) => {
    const resolved = resolveCronJob(cronJob);
    if (!DNS_LABEL.test(resolved.name)) add(["cronJobs", i, "name"], `"${resolved.name}" must be a DNS-1035 label (lower case letters, digits and "-", starting with a letter)`);
    else if (names.has(resolved.name)) add(["cronJobs", i, "name"], `"${resolved.name}" is declared twice`);
    names.add(resolved.name);
    taskProblems(cronJob, resolved, ["cronJobs", i], add);
    if (!knownTimeZone(resolved.timeZone)) add(["cronJobs", i, "timeZone"], `"${resolved.timeZone}" is not an IANA time zone; use a name such as "Europe/Berlin" or "Etc/UTC"`);
    if (!CONCURRENCY_POLICIES.includes(resolved.concurrencyPolicy)) add(["cronJobs", i, "concurrencyPolicy"], `must be one of ${CONCURRENCY_POLICIES.join(", ")} (got ${resolved.concurrencyPolicy})`);
    for (const key of ["successfulJobsHistoryLimit", "failedJobsHistoryLimit"] as const) {
      if (!Number.isInteger(resolved[key]) || resolved[key] < 0) add(["cronJobs", i, key], `must be a whole number ≥ 0 (got ${resolved[key]})`);
    }
    const deadline = resolved.startingDeadlineSeconds;
    if (deadline !== undefined && (!Number.isInteger(deadline) || deadline < 1)) add(["cronJobs", i, "startingDeadlineSeconds"], `must be a whole number of seconds ≥ 1 (got ${deadline})`);
  });
  return problems;
}
