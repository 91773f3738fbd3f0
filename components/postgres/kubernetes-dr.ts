/**
 * The second site's copy of an in-cluster PostgresCluster on k3s (`recovery.drBucket`): a replica
 * cluster `<name>-dr` that replays the live Cluster's WAL archive and, as CloudNativePG's
 * designated primary of a replica cluster (`archive_mode = always`), archives that WAL and takes
 * the daily base backup into an ObjectStore of its own, `<name>-backups-dr`, on the other site's
 * S3-compatible endpoint. A site loss then leaves a complete Barman archive (base backups and WAL,
 * folder `<name>-dr`) to bootstrap a cluster from at the other site.
 *
 * Why this and not the object store's own replication (MinIO bucket or site replication, Ceph
 * multisite): those are configured on the stores themselves, out of the program's reach, and the
 * Pulumi MinIO provider wraps an AGPL-licensed Terraform provider; CloudNativePG's replica cluster
 * with a reserved object store is the maintainers' own DR topology, declarative, and works with any
 * S3-compatible store at either end.
 *
 * @see https://cloudnative-pg.io/documentation/current/replica_cluster/#backup-and-symmetric-architectures
 * @see https://cloudnative-pg.io/plugin-barman-cloud/docs/usage/
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { KubernetesPlatform } from "../contract/platform";
import { s3CompatibleBackupStore } from "./backup-s3-compatible";
import { BARMAN_PLUGIN } from "./cnpg-plugin";
import { restoredClusterSpec } from "./kubernetes-recovery";
import type { ResolvedPostgres } from "./spec";

/** The names of the DR objects of cluster `name`. */
export const drNames = (name: string) => ({ cluster: `${name}-dr`, objectStore: `${name}-backups-dr`, backup: `${name}-dr-daily` });

/**
 * The replica cluster's `spec`: the restored-cluster spec in `replica` mode (one instance,
 * `bootstrap.recovery` from the live archive, `replica.source` the live cluster) on its own
 * ServiceAccount (the plugin grants its cluster's account access to its ObjectStore), with the
 * Barman Cloud plugin as its WAL archiver into the DR ObjectStore.
 *
 * @param live - the live Cluster's spec for one instance (as `cnpgClusterSpec` writes it).
 */
export function drClusterSpec(name: string, spec: ResolvedPostgres, live: Record<string, unknown>, liveObjectStore: string): Record<string, unknown> {
  const { serviceAccountName: _account, ...replica } = restoredClusterSpec(name, spec, live, liveObjectStore, "replica");
  return { ...replica, plugins: [{ name: BARMAN_PLUGIN, isWALArchiver: true, parameters: { barmanObjectName: drNames(name).objectStore } }] };
}

/** What the DR replica needs from the live deployment. */
export interface DrReplicaContext {
  readonly objectStoreName: string;
  readonly cluster: pulumi.Resource;
  readonly live: { readonly spec: Record<string, unknown>; readonly labels: Record<string, string> };
  readonly operators: readonly pulumi.Resource[];
  /** `objectStoreSpec` of `kubernetes.ts` (which imports this module), for the DR bucket. */
  readonly objectStoreSpec: (serverName: string, spec: ResolvedPostgres, bucket: string) => Record<string, unknown>;
  /** `scheduledBackupSpec` of `kubernetes.ts`. */
  readonly scheduledBackupSpec: (cluster: string, spec: ResolvedPostgres) => Record<string, unknown>;
}

/**
 * Creates the DR bucket's Secrets (`<name>-dr-backup-s3`, `<name>-dr-backup-ca`), its ObjectStore,
 * the replica cluster and its daily ScheduledBackup.
 *
 * @throws Error without `recovery.drBucket.name` (validation reports it first).
 */
export function deployDrReplica(name: string, spec: ResolvedPostgres, platform: KubernetesPlatform, context: DrReplicaContext, parent: pulumi.Resource): void {
  const bucket = spec.recovery.drBucket;
  if (!bucket?.name) throw new Error(`PostgresCluster "${name}": \`recovery.drBucket.name\` is required for the DR replica`);
  const names = drNames(name);
  const drSpec: ResolvedPostgres = { ...spec, backup: { ...spec.backup, bucket } };
  const opts = { parent, provider: platform.provider };
  const metadata = (objectName: string) => ({ name: objectName, namespace: spec.namespace, labels: context.live.labels });
  const store = s3CompatibleBackupStore(names.cluster, drSpec, platform, parent);
  const objectStore = new k8s.apiextensions.CustomResource(
    names.objectStore,
    { apiVersion: "barmancloud.cnpg.io/v1", kind: "ObjectStore", metadata: metadata(names.objectStore), spec: context.objectStoreSpec(names.cluster, drSpec, bucket.name) },
    { ...opts, dependsOn: [...context.operators, ...store.dependencies] },
  );
  const replica = new k8s.apiextensions.CustomResource(
    names.cluster,
    { apiVersion: "postgresql.cnpg.io/v1", kind: "Cluster", metadata: metadata(names.cluster), spec: drClusterSpec(name, spec, context.live.spec, context.objectStoreName) },
    { ...opts, dependsOn: [context.cluster, objectStore, ...store.dependencies] },
  );
  new k8s.apiextensions.CustomResource(
    names.backup,
    { apiVersion: "postgresql.cnpg.io/v1", kind: "ScheduledBackup", metadata: metadata(names.backup), spec: context.scheduledBackupSpec(names.cluster, spec) },
    { ...opts, dependsOn: [replica] },
  );
}
