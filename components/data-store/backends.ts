/**
 * Backend tables: for a component with several backends, one table says which backends exist,
 * which target and mode each serves, and how to load it. Validation reads the table to refuse a
 * mode a target cannot run; construction reads the same table to pick and load the backend, so the
 * two can never disagree. A backend's module is loaded only when it is picked, so a target never
 * loads another cloud's SDK.
 *
 * @see https://github.com/aws-quickstart/cdk-eks-blueprints/tree/main/lib/addons (one module per provider)
 */
import type { DockerPlatform, KubernetesPlatform, Platform, Target } from "../contract/platform";
import type { ArgProblem } from "../contract/problems";
import type { DataStoreMode } from "./index";

/**
 * Every backend's entry point: deploys the component's resources and returns its endpoints.
 *
 * @typeParam S - the component's resolved arguments.
 * @typeParam C - what the component hands every backend besides the spec (password, parent, add-ons).
 * @typeParam E - the endpoints every backend returns.
 */
export type BackendDeploy<S, C, E> = (name: string, spec: S, platform: Platform, context: C) => E;

/** One row of a backend table. */
export interface Backend<S, C, E> {
  /** The backend's name, for messages and docs (`cloudnative-pg`, `rds`, `docker`). */
  readonly name: string;
  /** The mode it serves. */
  readonly mode: DataStoreMode;
  /** The targets it runs on. */
  readonly targets: readonly Target[];
  /** A further condition on the resolved arguments (the broker's kind, say). @default always */
  readonly when?: (spec: S) => boolean;
  /** Loads the backend's module and returns its entry point. */
  readonly load: () => BackendDeploy<S, C, E>;
}

/** What {@link selectBackend} needs to know of the resolved arguments. */
export interface BackendChoice {
  readonly mode: DataStoreMode;
}

/**
 * The backend of a table that serves a target, a mode and a spec: the first row that matches.
 *
 * @returns the row, or `undefined` when no backend runs this combination.
 */
export function selectBackend<S extends BackendChoice, C, E>(table: readonly Backend<S, C, E>[], flavour: Target, spec: S): Backend<S, C, E> | undefined {
  return table.find((row) => row.mode === spec.mode && row.targets.includes(flavour) && (row.when?.(spec) ?? true));
}

/**
 * The targets on which some backend of a table serves a mode, in table order without repeats: what
 * an error message offers when a target cannot run the mode.
 */
export function targetsServing<S, C, E>(table: readonly Backend<S, C, E>[], mode: DataStoreMode): Target[] {
  return [...new Set(table.filter((row) => row.mode === mode).flatMap((row) => row.targets))];
}

/**
 * The problem with a mode that no backend of a table runs on a target, or `undefined` when one
 * does: the mode needs one of the targets that serve it, and the store runs in-cluster (a
 * container on Docker) here.
 *
 * @param table - the data store's backends.
 * @param spec - the resolved arguments (their mode).
 * @param flavour - the target.
 * @param what - how the message names what runs, such as `the database`.
 */
export function modeProblem<S extends BackendChoice, C, E>(table: readonly Backend<S, C, E>[], spec: S, flavour: Target, what: string): ArgProblem | undefined {
  if (selectBackend(table, flavour, spec)) return undefined;
  const targets = targetsServing(table, spec.mode).join(" or ");
  return { path: ["mode"], message: `"${spec.mode}" needs a cloud (${targets}); target ${flavour} runs ${what} in-cluster${flavour === "docker" ? " (a container)" : ""}` };
}

/**
 * Adapts a Kubernetes backend (which takes a {@link KubernetesPlatform}) to the table's entry point.
 * @throws Error when the picked backend meets a Docker platform (a table with a wrong row).
 */
export function onKubernetes<S, C, E>(deploy: (name: string, spec: S, platform: KubernetesPlatform, context: C) => E): BackendDeploy<S, C, E> {
  return (name, spec, platform, context) => {
    if (platform.kind !== "kubernetes") throw new Error(`"${name}": a Kubernetes backend cannot deploy onto ${platform.flavour}`);
    return deploy(name, spec, platform, context);
  };
}

/**
 * Adapts a Docker backend (which takes a {@link DockerPlatform}) to the table's entry point.
 * @throws Error when the picked backend meets a Kubernetes platform (a table with a wrong row).
 */
export function onDocker<S, C, E>(deploy: (name: string, spec: S, platform: DockerPlatform, context: C) => E): BackendDeploy<S, C, E> {
  return (name, spec, platform, context) => {
    if (platform.kind !== "docker") throw new Error(`"${name}": a Docker backend cannot deploy onto ${platform.flavour}`);
    return deploy(name, spec, platform, context);
  };
}
