/**
 * The PostgresCluster's backends: which exist, where each runs, and how to load it. Validation and
 * construction both read {@link postgresBackends}, so a mode is refused exactly where no backend
 * would run it.
 *
 * @see https://cloudnative-pg.io/documentation/current/
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_PostgreSQL.html
 * @see https://cloud.google.com/sql/docs/postgres
 */
import type { PlatformFacts } from "../contract/platform";
import type { ArgProblem } from "../contract/problems";
import { modeProblem, onDocker, onKubernetes, type Backend } from "../data-store/backends";
import { managedPostgresProblems } from "./managed-checks";
import { recoveryProblems } from "./recovery";
import { postgresClientProblems } from "./roles";
import { postgresSettingsProblems, resolvePostgres, type PostgresSettings, type ResolvedPostgres } from "./spec";
import type { PostgresBackendContext, PostgresEndpoints } from "./types";

/* eslint-disable @typescript-eslint/no-require-imports */
/** Every backend of the PostgresCluster, the first match winning. */
export const postgresBackends: readonly Backend<ResolvedPostgres, PostgresBackendContext, PostgresEndpoints>[] = [
  { name: "docker", mode: "in-cluster", targets: ["docker"], load: () => onDocker((require("./docker") as typeof import("./docker")).deployPostgresToDocker) },
  { name: "rds", mode: "managed", targets: ["eks"], load: () => onKubernetes((require("./aws") as typeof import("./aws")).deployPostgresToAws) },
  { name: "cloud-sql", mode: "managed", targets: ["gke"], load: () => onKubernetes((require("./gcp") as typeof import("./gcp")).deployPostgresToGcp) },
  { name: "cloudnative-pg", mode: "in-cluster", targets: ["eks", "gke", "k3s"], load: () => onKubernetes((require("./kubernetes") as typeof import("./kubernetes")).deployPostgresToKubernetes) },
];
/* eslint-enable @typescript-eslint/no-require-imports */

/**
 * Finds every problem with a PostgresCluster's arguments on a target: a mode no backend runs there
 * first, then each setting (see {@link postgresSettingsProblems}), the managed backends' settings
 * (`managed-checks.ts`) and the recovery settings (`recovery.ts`).
 *
 * @param args - the settings (no platform, no add-ons).
 * @param on - the target's flavour and environment.
 * @returns the problems, each with the field's path; empty when the arguments are usable.
 * @see https://cloudnative-pg.io/documentation/current/replication/
 */
export function validatePostgres(args: PostgresSettings, on: PlatformFacts): ArgProblem[] {
  const spec = resolvePostgres("postgres", args, on);
  const mode = modeProblem(postgresBackends, spec, on.flavour, "the database");
  return [...(mode ? [mode] : []), ...postgresSettingsProblems(args, on), ...managedPostgresProblems(spec, on), ...recoveryProblems(spec, on), ...postgresClientProblems(spec)];
}
