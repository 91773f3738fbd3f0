import type * as pulumi from "@pulumi/pulumi";
import type { CertManager } from "../cert-manager";
import type { Environment, Platform } from "../platform/types";

/** Where a data store runs: in the cluster (or a container on Docker), or the cloud's managed service. */
export type DataStoreMode = "in-cluster" | "managed";

/**
 * The arguments every data store shares (PostgresCluster, RedisCluster): where it runs, and who
 * gets its connection Secret.
 */
export interface DataStoreArgs {
  /** Where to deploy: the result of `createPlatform`. */
  readonly platform: Platform;
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
 * @param environment - the platform's environment; `protect` defaults to on in prod.
 * @see https://www.pulumi.com/docs/iac/concepts/options/protect/
 */
export function resolveDataStore(name: string, args: Omit<DataStoreArgs, "platform">, environment: Environment): ResolvedDataStore {
  return {
    name,
    environment,
    mode: args.mode ?? dataStoreDefaults.mode,
    namespace: args.namespace ?? dataStoreDefaults.namespace,
    clientNamespaces: args.clientNamespaces ?? [],
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
  /** cert-manager, where the platform has it (in-cluster TLS). */
  readonly certManager?: CertManager;
  /** The Prometheus operator CRDs' release; when set, in-cluster backends create their monitors after it. */
  readonly monitoringCrds?: pulumi.Resource;
}
