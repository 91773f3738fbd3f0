import type * as pulumi from "@pulumi/pulumi";
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
