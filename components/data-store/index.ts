import type * as pulumi from "@pulumi/pulumi";
import type { ClusterAddons } from "../addons/types";
import type { Environment, Platform, PlatformFacts } from "../contract/platform";
import type { DataStoreClient } from "./clients";

export { clientProblems, clientRoleName, clientSecretName, type DataStoreClient } from "./clients";

/** Where a data store runs: in the cluster (or a container on Docker), or the cloud's managed service. */
export type DataStoreMode = (typeof DATA_STORE_MODES)[number];

/** The modes a data store runs in. */
export const DATA_STORE_MODES = ["in-cluster", "managed"] as const;

/**
 * The arguments every data store shares (PostgresCluster, RedisCluster, MessageQueue): where it
 * runs, what it builds on, and who gets its connection Secret.
 */
export interface DataStoreArgs {
  /** Where to deploy: the result of `createPlatform`. */
  readonly platform: Platform;
  /**
   * The cluster add-ons of the platform (Kubernetes): cert-manager for in-cluster TLS, the
   * Prometheus operator CRDs for monitors, and the operator of the data store where it has one.
   * @default {} (none)
   */
  readonly addons?: ClusterAddons;
  /** In-cluster, or the cloud's managed service on EKS and GKE. Managed is refused on k3s and Docker. @default "in-cluster" */
  readonly mode?: DataStoreMode;
  /** The namespace of the in-cluster objects; it must exist. @default "default" */
  readonly namespace?: pulumi.Input<string>;
  /**
   * The namespaces that get a Secret named `<name>-connection` with the connection URL, `host`,
   * `port` and `password`, for AppServices' `secretEnv`.
   * @default [] (none)
   */
  readonly clientNamespaces?: readonly pulumi.Input<string>[];
  /**
   * The workloads that each get a connection Secret of their own, `<client>-<name>` in the client's
   * namespace, with credentials of their own where the backend has users per client (see each
   * component), so a workload reads only the stores it uses.
   * @default [] (none)
   * @see https://kubernetes.io/docs/concepts/security/secrets-good-practices/#least-privilege-secret-access
   */
  readonly clients?: readonly DataStoreClient[];
  /** Protect and retain the stateful resources (volumes, buckets, instances, keys). @default true in prod */
  readonly protect?: boolean;
  /** Extra labels for every object. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
}

/** The shared part of a data store's resolved arguments: {@link DataStoreArgs} with defaults applied. */
export interface ResolvedDataStore {
  /** The component's name. */
  readonly name: string;
  readonly environment: Environment;
  readonly mode: DataStoreMode;
  readonly namespace: pulumi.Input<string>;
  readonly clientNamespaces: readonly pulumi.Input<string>[];
  readonly clients: readonly DataStoreClient[];
  readonly protect: boolean;
  readonly labels: Readonly<Record<string, string>>;
}

/** Defaults of {@link DataStoreArgs}. */
export const dataStoreDefaults = { mode: "in-cluster" as DataStoreMode, namespace: "default" } as const;

/**
 * Applies the defaults of the shared arguments; each data store's resolver spreads the result.
 *
 * @param name - the component's name.
 * @param args - the shared arguments.
 * @param on - the platform's facts; `protect` defaults to on in prod.
 * @see https://www.pulumi.com/docs/iac/concepts/options/protect/
 */
export function resolveDataStore(name: string, args: Omit<DataStoreArgs, "platform" | "addons">, on: Pick<PlatformFacts, "environment">): ResolvedDataStore {
  const environment = on.environment;
  return {
    name,
    environment,
    mode: args.mode ?? dataStoreDefaults.mode,
    namespace: args.namespace ?? dataStoreDefaults.namespace,
    clientNamespaces: args.clientNamespaces ?? [],
    clients: args.clients ?? [],
    protect: args.protect ?? environment === "prod",
    labels: args.labels ?? {},
  };
}

/**
 * What every data store's backend receives besides its resolved spec: the generated password, the
 * component to parent children to, and the cluster add-ons it may build on. PostgresCluster,
 * RedisCluster and MessageQueue all pass this (the broker adds its username).
 *
 * @see https://www.pulumi.com/docs/iac/concepts/components/
 */
export interface DataStoreBackendContext {
  /** The password clients use: a secret from @pulumi/random. */
  readonly password: pulumi.Output<string>;
  /** The component, the parent of every child. */
  readonly parent: pulumi.Resource;
  /** The cluster add-ons the component received (empty on Docker and where none were given). */
  readonly addons: ClusterAddons;
}

/**
 * The resource that installs the Prometheus operator's CRDs, when the add-ons have it: in-cluster
 * backends create their monitors after it, and none without it.
 */
export function monitoringCrdsOf(addons: ClusterAddons): pulumi.Resource | undefined {
  return addons.prometheusOperatorCrds?.release;
}
