/**
 * Where a PostgresCluster's backups go: the bucket and, for S3-compatible endpoints, the access
 * key pair and CA bundle. Plain data, shared by `backup.bucket` and `recovery.drBucket`.
 *
 * @see https://cloudnative-pg.io/plugin-barman-cloud/docs/object_stores/
 */
import type { Input } from "@pulumi/pulumi";

/**
 * Object storage credentials for an S3-compatible endpoint (k3s with MinIO, Ceph RGW…): the
 * Kubernetes Secret, in the cluster's namespace, that holds the access key pair.
 * @see https://cloudnative-pg.io/plugin-barman-cloud/docs/object_stores/#s3-compatible-storage-providers
 */
export interface S3CredentialsSecretRef {
  /** The Secret's name. */
  readonly name: string;
  /** The key holding the access key ID. @default "ACCESS_KEY_ID" */
  readonly accessKeyIdKey?: string;
  /** The key holding the secret access key. @default "ACCESS_SECRET_KEY" */
  readonly secretAccessKeyKey?: string;
}

/**
 * An S3 access key pair, from which the component creates the credentials Secret itself (in the
 * cluster's namespace, which the program creates: a Secret made by hand beforehand would need the
 * namespace first). Pass both as Pulumi secrets.
 */
export interface S3Credentials {
  readonly accessKeyId: Input<string>;
  readonly secretAccessKey: Input<string>;
}

/**
 * Where backups go. On EKS an S3 bucket and on GKE a GCS bucket are created unless `name` names an
 * existing one; on k3s `endpointUrl`, `name` and the access key pair (`credentials`, or an
 * existing `credentialsSecret`) are required.
 */
export interface PostgresBucketArgs {
  /** An existing bucket's name; when unset on EKS/GKE a bucket is created. */
  readonly name?: string;
  /** The S3-compatible endpoint URL, such as `https://minio.storage.svc:9000`; required on k3s. */
  readonly endpointUrl?: string;
  /** The bucket's region, for S3-compatible endpoints that need one. @default "us-east-1" on k3s */
  readonly region?: string;
  /**
   * The access key pair for an S3-compatible endpoint: the component writes it to the Secret
   * `<name>-backup-s3`. On k3s this or `credentialsSecret` is required.
   */
  readonly credentials?: S3Credentials;
  /** An existing Secret with the access key pair, in the cluster's namespace, instead of `credentials`. */
  readonly credentialsSecret?: S3CredentialsSecretRef;
  /**
   * The CA bundle of an endpoint whose certificate a private CA signed, such as an in-cluster MinIO:
   * an existing Secret in the cluster's namespace (`name`, `key` default `ca.crt`), or the PEM
   * `certificate` itself, which the component writes to the Secret `<name>-backup-ca`.
   * @default the system trust store
   * @see https://cloudnative-pg.io/plugin-barman-cloud/docs/object_stores/#s3-compatible-storage-providers
   */
  readonly endpointCA?: { readonly name: string; /** @default "ca.crt" */ readonly key?: string } | { readonly certificate: string };
}
