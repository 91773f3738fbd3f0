/**
 * The cloud-neutral shapes of Loki's and Tempo's buckets and the chart values they give; the
 * buckets themselves are made in object-store-aws.ts and object-store-gcp.ts (see object-store.ts).
 *
 * @see https://grafana.com/docs/loki/latest/setup/install/helm/deployment-guides/aws/
 * @see https://grafana.com/docs/tempo/latest/configuration/hosted-storage/
 */
import type * as pulumi from "@pulumi/pulumi";

/** The ServiceAccounts the Loki and Tempo charts create, named explicitly so that IRSA and Workload Identity can trust them. */
export const storageServiceAccounts = { loki: "loki", tempo: "tempo-server" } as const;

/** One component's bucket and what its ServiceAccount needs to reach it. */
export interface ObjectStore {
  /** `s3` on EKS, `gcs` on GKE: the value of Loki's `object_store` and Tempo's `backend`. */
  readonly kind: "s3" | "gcs";
  /** The bucket's name. */
  readonly bucket: pulumi.Input<string>;
  /** The bucket's region (S3 only: Tempo's endpoint and Loki's client need it). */
  readonly region?: string;
  /** Annotations of the component's ServiceAccount that bind it to the cloud identity. */
  readonly serviceAccountAnnotations: Readonly<Record<string, pulumi.Input<string>>>;
  /** The bucket, its settings and the identity: the Helm release waits for them. */
  readonly dependencies: readonly pulumi.Resource[];
}

/** Loki's and Tempo's buckets. */
export interface ObjectStores {
  readonly loki: ObjectStore;
  readonly tempo: ObjectStore;
}

/** What the cloud files need to create one store. */
export interface ObjectStoreRequest {
  /** `loki` or `tempo`: names the resources and the ServiceAccount. */
  readonly component: keyof ObjectStores;
  /** Days objects live before the bucket expires them: {@link bucketExpirationDays}. */
  readonly expirationDays: number;
  /** The stack's namespace, where the ServiceAccount lives. */
  readonly namespace: string;
  /** Whether the bucket is protected and retained on delete (prod). */
  readonly protect: boolean;
}

/**
 * The days after which the bucket deletes an object: one day past the retention, so the bucket's
 * lifecycle is a backstop that never deletes a chunk or block Loki's or Tempo's compactor still
 * indexes (Loki's docs ask for a lifecycle longer than the retention period).
 *
 * @param retentionDays - `logRetentionDays`, which Loki and Tempo both apply.
 * @returns `retentionDays + 1`.
 * @see https://grafana.com/docs/loki/latest/operations/storage/retention/
 */
export function bucketExpirationDays(retentionDays: number): number {
  return retentionDays + 1;
}

/**
 * Loki's `loki.storage` value for a bucket: chunks and rules in the one bucket (Loki writes rules
 * under `rules/`, chunks under the tenant and the index under `index/`), credentials from the
 * ServiceAccount's identity, none in the values.
 *
 * @see https://grafana.com/docs/loki/latest/setup/install/helm/deployment-guides/aws/
 */
export function lokiStorage(store: ObjectStore): Record<string, unknown> {
  const bucketNames = { chunks: store.bucket, ruler: store.bucket };
  return store.kind === "s3" ? { type: "s3", bucketNames, s3: { region: store.region } } : { type: "gcs", bucketNames };
}

/**
 * Tempo's `tempo.storage.trace` value for a bucket, with the write-ahead log on the pod's volume.
 *
 * @see https://grafana.com/docs/tempo/latest/configuration/hosted-storage/s3/
 * @see https://grafana.com/docs/tempo/latest/configuration/hosted-storage/gcs/
 */
export function tempoTraceStorage(store: ObjectStore): Record<string, unknown> {
  const backend = store.kind === "s3" ? { s3: { bucket: store.bucket, endpoint: `s3.${store.region}.amazonaws.com`, region: store.region } } : { gcs: { bucket_name: store.bucket } };
  return { backend: store.kind, ...backend, wal: { path: "/var/tempo/wal" } };
}
