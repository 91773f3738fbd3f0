/**
 * Backups of an in-cluster PostgresCluster without a cloud (k3s): an S3-compatible endpoint (MinIO,
 * Ceph RGW…) reached with an access key pair, and the Secrets the component writes for it.
 *
 * @see https://cloudnative-pg.io/plugin-barman-cloud/docs/object_stores/#s3-compatible-storage-providers
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { KubernetesPlatform } from "../contract/platform";
import type { PostgresBucketArgs, ResolvedPostgres, S3CredentialsSecretRef } from "./spec";
import type { BackupStore } from "./types";

/** The keys of the access key pair in the credentials Secret, as the plugin's docs name them. */
export const S3_CREDENTIAL_KEYS = { accessKeyId: "ACCESS_KEY_ID", secretAccessKey: "ACCESS_SECRET_KEY" } as const;

/**
 * The Secrets the ObjectStore reads on an S3-compatible endpoint: the credentials Secret (the one
 * named by `credentialsSecret`, or `<name>-backup-s3` which the component writes from
 * `credentials`) and the CA bundle's (an existing one, or `<name>-backup-ca` from `certificate`).
 *
 * @param name - the cluster's name.
 * @param bucket - the bucket's settings.
 */
export function s3CompatibleSecretRefs(name: string, bucket: PostgresBucketArgs): { credentials?: S3CredentialsSecretRef; endpointCA?: { name: string; key: string } } {
  const credentials = bucket.credentialsSecret ?? (bucket.credentials ? { name: `${name}-backup-s3` } : undefined);
  const ca = bucket.endpointCA;
  const endpointCA = ca === undefined ? undefined : "certificate" in ca ? { name: `${name}-backup-ca`, key: "ca.crt" } : { name: ca.name, key: ca.key ?? "ca.crt" };
  return { credentials, endpointCA };
}

/**
 * Writes the credentials Secret from `backup.bucket.credentials` (as a secret) and the CA bundle's
 * Secret from `backup.bucket.endpointCA.certificate`, in the cluster's namespace, so nothing has to
 * be created by hand before the first `pulumi up` (which would need the namespace the program
 * creates). The ObjectStore and the Cluster wait for them.
 *
 * @param name - the cluster's name; the Secrets are `<name>-backup-s3` and `<name>-backup-ca`.
 * @throws Error without `backup.bucket.name` (validation reports it first).
 */
export function s3CompatibleBackupStore(name: string, spec: ResolvedPostgres, platform: KubernetesPlatform, parent: pulumi.Resource): BackupStore {
  const bucket = spec.backup.bucket;
  if (!bucket.name) throw new Error(`PostgresCluster "${name}": \`backup.bucket.name\` is required without a cloud`);
  const opts = { parent, provider: platform.provider };
  const metadata = (secretName: string) => ({ name: secretName, namespace: spec.namespace, labels: { "app.kubernetes.io/name": "postgres", "app.kubernetes.io/instance": name } });
  const dependencies: pulumi.Resource[] = [];
  if (bucket.credentials && !bucket.credentialsSecret) {
    dependencies.push(
      new k8s.core.v1.Secret(
        `${name}-backup-s3`,
        {
          metadata: metadata(`${name}-backup-s3`),
          type: "Opaque",
          stringData: {
            [S3_CREDENTIAL_KEYS.accessKeyId]: pulumi.secret(bucket.credentials.accessKeyId),
            [S3_CREDENTIAL_KEYS.secretAccessKey]: pulumi.secret(bucket.credentials.secretAccessKey),
          },
        },
        opts,
      ),
    );
  }
  if (bucket.endpointCA && "certificate" in bucket.endpointCA) {
    dependencies.push(new k8s.core.v1.Secret(`${name}-backup-ca`, { metadata: metadata(`${name}-backup-ca`), type: "Opaque", stringData: { "ca.crt": bucket.endpointCA.certificate } }, opts));
  }
  return { bucket: bucket.name, serviceAccountAnnotations: {}, dependencies };
}
