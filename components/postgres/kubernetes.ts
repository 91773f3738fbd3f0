/**
 * The in-cluster backend of PostgresCluster (EKS, GKE, k3s): on the CloudNativePG add-on (operator
 * and Barman Cloud plugin), the custom resources that make one database: `Cluster`, `Pooler`,
 * `ObjectStore`, `ScheduledBackup` and a `PodMonitor`.
 *
 * The cloud SDKs load only on the cloud that needs them (`backup-aws.ts`, `backup-gcp.ts`), so k3s
 * never loads `@pulumi/aws` or `@pulumi/gcp`.
 *
 * @see https://cloudnative-pg.io/documentation/current/
 * @see https://cloudnative-pg.io/plugin-barman-cloud/docs/usage/
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { KubernetesPlatform } from "../contract/platform";
import { monitoringCrdsOf } from "../data-store";
import { memoryToMiB } from "../shared/quantity";
import { statefulResourceOptions } from "../shared/options";
import { S3_CREDENTIAL_KEYS, s3CompatibleBackupStore, s3CompatibleSecretRefs } from "./backup-s3-compatible";
import { BARMAN_PLUGIN } from "./cnpg-plugin";
import { deployKubernetesRestores } from "./kubernetes-recovery";
import { deployDrReplica } from "./kubernetes-dr";
import { managedRoles, roleSecretName } from "./roles";
import type { BackupStore, PostgresBackendContext, PostgresEndpoints } from "./types";
import { postgresVersions, type PostgresBucketArgs, type ResolvedPostgres } from "./spec";

export { BARMAN_PLUGIN } from "./cnpg-plugin";

/** The annotation that makes Pulumi's Kubernetes provider wait for a custom resource's condition. */
const WAIT_FOR_ANNOTATION = "pulumi.com/waitFor";
/** The pod annotation that keeps volumes out of Velero's file-system backups. @see https://velero.io/docs/v1.18/file-system-backup/#using-opt-out-approach */
export const VELERO_EXCLUDE_VOLUMES = "backup.velero.io/backup-volumes-excludes";

/** Requests and limits of the containers this backend configures. */
export const cnpgResources = {
  /** The Barman Cloud sidecar in every instance pod: it streams base backups and WAL. */
  backupSidecar: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } },
  pgbouncer: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
} as const;

/**
 * The recommended labels for a database's objects, over the user's labels.
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/
 */
export function postgresLabels(name: string, spec: Pick<ResolvedPostgres, "labels">): Record<string, string> {
  return {
    ...spec.labels,
    "app.kubernetes.io/name": "postgresql",
    "app.kubernetes.io/instance": name,
    "app.kubernetes.io/component": "database",
    "app.kubernetes.io/managed-by": "pulumi",
  };
}

/**
 * PostgreSQL parameters: sane defaults sized from the memory limit (`shared_buffers` 25%,
 * `effective_cache_size` 75%), TLS 1.3 as the floor (CloudNativePG's own default, made explicit),
 * SCRAM passwords and slow-query logging, with `spec.parameters` merged over them.
 * A floor below TLS 1.2 is refused earlier, by `validatePostgres`.
 *
 * @see https://cloudnative-pg.io/documentation/current/postgresql_conf/
 * @see https://www.postgresql.org/docs/current/runtime-config-connection.html#GUC-SSL-MIN-PROTOCOL-VERSION
 */
export function postgresParameters(spec: Pick<ResolvedPostgres, "name" | "parameters" | "resources">): Record<string, string> {
  const memoryMiB = memoryToMiB(spec.resources.limits.memory);
  const parameters: Record<string, string> = {
    shared_buffers: `${Math.floor(memoryMiB / 4)}MB`,
    effective_cache_size: `${Math.floor((memoryMiB * 3) / 4)}MB`,
    password_encryption: "scram-sha-256",
    ssl_min_protocol_version: "TLSv1.3",
    log_min_duration_statement: "1000",
    log_lock_waits: "on",
    log_checkpoints: "on",
    ...Object.fromEntries(Object.entries(spec.parameters).map(([key, value]) => [key, String(value)])),
  };
  return parameters;
}

/**
 * `pg_hba` rules that enforce TLS for every client. CloudNativePG writes its fixed rules first
 * (local peer, certificate auth for replication and the pooler), then these, then its catch-all
 * `host all all all scram-sha-256`; so a client without TLS is rejected before the catch-all.
 *
 * @see https://cloudnative-pg.io/documentation/current/postgresql_conf/#the-pg_hba-section
 */
export function pgHbaRules(): string[] {
  return ["hostnossl all all all reject"];
}

/** What the Cluster needs to archive WAL through the Barman Cloud plugin. */
export interface ClusterBackup {
  /** The `ObjectStore` the plugin writes to. */
  readonly objectStoreName: string;
  /** Annotations of the instances' ServiceAccount: the IRSA role or GCP service account. */
  readonly serviceAccountAnnotations: Readonly<Record<string, pulumi.Input<string>>>;
}

/**
 * The `spec` of the CloudNativePG `Cluster`: instances, pinned image, initdb with the app secret,
 * storage, resources, parameters, TLS-only `pg_hba`, anti-affinity (`required` in prod) and a zone
 * spread, and WAL archiving through the Barman Cloud plugin when backups are on.
 *
 * CloudNativePG runs its pods under the restricted Pod Security Standard (non-root, read-only root
 * filesystem, no privilege escalation, capabilities dropped, seccomp RuntimeDefault) and gives them
 * its own readiness (`/readyz`) and liveness (`/healthz`) probes.
 *
 * @param name - the Cluster's name (and so its ServiceAccount's).
 * @param storageClass - the platform's StorageClass.
 * @param backup - the ObjectStore and identity, when backups are on.
 * @see https://cloudnative-pg.io/documentation/current/cloudnative-pg.v1/#postgresql-cnpg-io-v1-ClusterSpec
 */
export function cnpgClusterSpec(name: string, spec: ResolvedPostgres, storageClass: string, backup?: ClusterBackup): Record<string, unknown> {
  const imageName = postgresVersions.operandImages[spec.version];
  if (!imageName) throw new Error(`PostgresCluster "${name}": no operand image for \`version\` ${spec.version}`);
  return {
    instances: spec.instances,
    imageName,
    // Velero (dr.clusterBackups) copies pods' volumes in the data namespace; the database's are
    // backed up by Barman, consistently, so Velero skips them.
    inheritedMetadata: { labels: postgresLabels(name, spec), annotations: { [VELERO_EXCLUDE_VOLUMES]: "pgdata,pg-wal" } },
    bootstrap: { initdb: { database: spec.database, owner: spec.username, secret: { name: `${name}-app` } } },
    enableSuperuserAccess: false,
    storage: { size: `${spec.storageGiB}Gi`, storageClass },
    resources: { requests: { ...spec.resources.requests }, limits: { ...spec.resources.limits } },
    postgresql: { parameters: postgresParameters(spec), pg_hba: pgHbaRules() },
    affinity: {
      enablePodAntiAffinity: true,
      topologyKey: "kubernetes.io/hostname",
      podAntiAffinityType: spec.environment === "prod" ? "required" : "preferred",
    },
    topologySpreadConstraints: [
      { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { "cnpg.io/cluster": name } } },
    ],
    ...(backup
      ? {
          plugins: [{ name: BARMAN_PLUGIN, isWALArchiver: true, parameters: { barmanObjectName: backup.objectStoreName } }],
          ...(Object.keys(backup.serviceAccountAnnotations).length > 0 ? { serviceAccountTemplate: { metadata: { annotations: backup.serviceAccountAnnotations } } } : {}),
        }
      : {}),
  };
}

/**
 * The `spec` of the PgBouncer `Pooler` in front of the primary: at least two pods kept on different
 * nodes (`required` in prod) and spread across zones, the pool mode, the client and server
 * connection limits, and requests and limits on the `pgbouncer` container.
 *
 * @see https://cloudnative-pg.io/documentation/current/connection_pooling/
 */
export function poolerSpec(name: string, spec: ResolvedPostgres): Record<string, unknown> {
  const poolerName = `${name}-pooler-rw`;
  const selector = { matchLabels: { "cnpg.io/poolerName": poolerName } };
  const antiAffinity =
    spec.environment === "prod"
      ? { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname", labelSelector: selector }] }
      : { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: selector } }] };
  return {
    cluster: { name },
    type: "rw",
    instances: spec.pooler.instances,
    pgbouncer: {
      poolMode: spec.pooler.poolMode,
      parameters: { max_client_conn: String(spec.pooler.maxClientConnections), default_pool_size: String(spec.pooler.defaultPoolSize) },
    },
    template: {
      metadata: { labels: { ...postgresLabels(name, spec), "app.kubernetes.io/component": "pooler" } },
      spec: {
        containers: [{ name: "pgbouncer", resources: cnpgResources.pgbouncer }],
        affinity: { podAntiAffinity: antiAffinity },
        topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: selector }],
      },
    },
  };
}

/** Where backups go: AWS S3 with IRSA, GCS with Workload Identity, or an S3-compatible endpoint with keys. */
export type BackupProvider = "aws" | "gcp" | "s3-compatible";

/**
 * The backup provider of a platform: its cloud, or an S3-compatible endpoint where there is none (k3s).
 *
 * @see https://cloudnative-pg.io/plugin-barman-cloud/docs/object_stores/
 */
export function backupProvider(platform: Pick<KubernetesPlatform, "cloud">): BackupProvider {
  return platform.cloud?.kind ?? "s3-compatible";
}

/**
 * The `ObjectStore`'s destination and credentials: `s3://<bucket>/<name>` with the IAM role of
 * the ServiceAccount (IRSA) on AWS, `gs://<bucket>/<name>` with Workload Identity on GKE, and on an
 * S3-compatible endpoint (k3s) the endpoint URL with the access keys from a Secret.
 *
 * @param name - the cluster's name: the folder in the bucket.
 * @param bucket - the bucket's name.
 * @param bucketArgs - the endpoint and credentials Secret, for S3-compatible stores.
 * @see https://cloudnative-pg.io/plugin-barman-cloud/docs/object_stores/
 */
export function backupDestination(name: string, provider: BackupProvider, bucket: pulumi.Input<string>, bucketArgs: PostgresBucketArgs): Record<string, unknown> {
  const path = (scheme: string) => (typeof bucket === "string" ? `${scheme}://${bucket}/${name}` : pulumi.interpolate`${scheme}://${bucket}/${name}`);
  switch (provider) {
    case "aws":
      return { destinationPath: path("s3"), s3Credentials: { inheritFromIAMRole: true } };
    case "gcp":
      return { destinationPath: path("gs"), googleCredentials: { gkeEnvironment: true } };
    case "s3-compatible": {
      const { credentials: secret, endpointCA } = s3CompatibleSecretRefs(name, bucketArgs);
      if (!bucketArgs.endpointUrl || !secret) throw new Error(`PostgresCluster "${name}": \`backup.bucket.endpointUrl\` and \`backup.bucket.credentials\` are required without a cloud`);
      return {
        destinationPath: path("s3"),
        endpointURL: bucketArgs.endpointUrl,
        ...(endpointCA ? { endpointCA } : {}),
        s3Credentials: {
          accessKeyId: { name: secret.name, key: secret.accessKeyIdKey ?? S3_CREDENTIAL_KEYS.accessKeyId },
          secretAccessKey: { name: secret.name, key: secret.secretAccessKeyKey ?? S3_CREDENTIAL_KEYS.secretAccessKey },
        },
      };
    }
  }
}

/**
 * The `spec` of the Barman Cloud `ObjectStore`: the destination, gzip-compressed WAL and base
 * backups (gzip needs no extra library in the sidecar), the retention policy (`<days>d`, a sibling
 * of `configuration`), and requests and limits for the sidecar. On S3-compatible stores the sidecar
 * gets the bucket's region as `AWS_DEFAULT_REGION`.
 *
 * @see https://cloudnative-pg.io/plugin-barman-cloud/docs/retention/
 * @see https://cloudnative-pg.io/plugin-barman-cloud/docs/plugin-barman-cloud.v1/
 */
export function objectStoreSpec(name: string, spec: ResolvedPostgres, provider: BackupProvider, bucket: pulumi.Input<string>): Record<string, unknown> {
  const env = provider === "s3-compatible" ? [{ name: "AWS_DEFAULT_REGION", value: spec.backup.bucket.region ?? "us-east-1" }] : [];
  return {
    configuration: { ...backupDestination(name, provider, bucket, spec.backup.bucket), wal: { compression: "gzip" }, data: { compression: "gzip" } },
    retentionPolicy: `${spec.backup.retentionDays}d`,
    instanceSidecarConfiguration: { resources: cnpgResources.backupSidecar, ...(env.length > 0 ? { env } : {}) },
  };
}

/**
 * The `spec` of the daily `ScheduledBackup` through the plugin: a first backup right away, and the
 * Backup objects owned by the ScheduledBackup.
 * @see https://cloudnative-pg.io/documentation/current/backup/#scheduled-backups
 */
export function scheduledBackupSpec(name: string, spec: Pick<ResolvedPostgres, "backup">): Record<string, unknown> {
  return {
    schedule: spec.backup.schedule,
    method: "plugin",
    pluginConfiguration: { name: BARMAN_PLUGIN },
    cluster: { name },
    backupOwnerReference: "self",
    immediate: true,
  };
}

/**
 * The `spec` of the PodMonitor that scrapes the instances' `metrics` port. CloudNativePG 1.30
 * deprecates `Cluster.spec.monitoring.enablePodMonitor` and recommends a PodMonitor of one's own.
 * @see https://cloudnative-pg.io/documentation/current/monitoring/#creating-a-podmonitor
 */
export function podMonitorSpec(name: string): Record<string, unknown> {
  return {
    selector: { matchLabels: { "cnpg.io/cluster": name, "cnpg.io/podRole": "instance" } },
    podMetricsEndpoints: [{ port: "metrics" }],
  };
}

/**
 * The DNS names of the services CloudNativePG creates: `<name>-rw` (primary), `<name>-ro`
 * (replicas) and the pooler's `<name>-pooler-rw`.
 * @see https://cloudnative-pg.io/documentation/current/service_management/
 */
export function serviceHosts(name: string, namespace: string, pooler: boolean): { host: string; readHost: string } {
  const dns = (service: string) => `${service}.${namespace}.svc.cluster.local`;
  return { host: dns(pooler ? `${name}-pooler-rw` : `${name}-rw`), readHost: dns(`${name}-ro`) };
}

/* eslint-disable @typescript-eslint/no-require-imports */
function backupStore(name: string, spec: ResolvedPostgres, platform: KubernetesPlatform, parent: pulumi.Resource): BackupStore {
  const cloud = platform.cloud;
  if (cloud?.kind === "aws") return (require("./backup-aws") as typeof import("./backup-aws")).awsBackupStore(name, spec, cloud, parent);
  if (cloud?.kind === "gcp") return (require("./backup-gcp") as typeof import("./backup-gcp")).gcpBackupStore(name, spec, cloud, parent);
  return s3CompatibleBackupStore(name, spec, platform, parent);
}
/* eslint-enable @typescript-eslint/no-require-imports */

/**
 * Deploys the database into a Kubernetes cluster with CloudNativePG.
 *
 * - Every custom resource after the `CloudNativePg` add-on in `context.addons` (the operator and
 *   the Barman Cloud plugin, one per cluster), which the component requires.
 * - A `kubernetes.io/basic-auth` Secret `<name>-app` with the application role's password.
 * - The `Cluster`, protected when `protect` is on, with a `Pooler`, an `ObjectStore` and a daily
 *   `ScheduledBackup`, and a PodMonitor when `monitoring` is on.
 * - The restore drill and the restore verification when `recovery` asks (`kubernetes-recovery.ts`).
 *
 * The endpoints use `sslmode=require`, not `verify-full`: the server certificate is signed by the
 * operator's self-signed CA, which is not in clients' trust stores. A client that mounts the
 * `<name>-ca` Secret (key `ca.crt`) as its root certificate can use `verify-full`.
 *
 * @see https://cloudnative-pg.io/documentation/current/ssl_connections/
 */
export function deployPostgresToKubernetes(name: string, spec: ResolvedPostgres, platform: KubernetesPlatform, context: PostgresBackendContext): PostgresEndpoints {
  const opts = { parent: context.parent, provider: platform.provider };
  const labels = postgresLabels(name, spec);
  const metadata = (objectName: string) => ({ name: objectName, namespace: spec.namespace, labels });
  const backups = spec.backup.enabled;

  // The CloudNativePG add-on (operator and Barman Cloud plugin) must run before its custom resources.
  const operators: pulumi.Resource[] = [...(context.addons.cloudNativePg?.ready ?? [])];
  const monitoringCrds = monitoringCrdsOf(context.addons);

  const appSecret = new k8s.core.v1.Secret(
    `${name}-app`,
    {
      metadata: { ...metadata(`${name}-app`), labels: { ...labels, "cnpg.io/reload": "true" } },
      type: "kubernetes.io/basic-auth",
      stringData: { username: spec.username, password: pulumi.secret(context.password) },
    },
    opts,
  );

  // A login role per client (roles.ts): its password in a basic-auth Secret CloudNativePG watches.
  const roleSecrets = (context.roles ?? []).map(
    (role) =>
      new k8s.core.v1.Secret(
        roleSecretName(name, role.client),
        { metadata: { ...metadata(roleSecretName(name, role.client)), labels: { ...labels, "cnpg.io/reload": "true" } }, type: "kubernetes.io/basic-auth", stringData: { username: role.role, password: pulumi.secret(role.password) } },
        opts,
      ),
  );

  let backup: ClusterBackup | undefined;
  const clusterDependencies: pulumi.Resource[] = [...operators, appSecret, ...roleSecrets];
  if (backups) {
    const provider = backupProvider(platform);
    const store = backupStore(name, spec, platform, context.parent);
    const objectStoreName = `${name}-backups`;
    const objectStore = new k8s.apiextensions.CustomResource(
      objectStoreName,
      { apiVersion: "barmancloud.cnpg.io/v1", kind: "ObjectStore", metadata: metadata(objectStoreName), spec: objectStoreSpec(name, spec, provider, store.bucket) },
      { ...opts, dependsOn: [...operators, ...store.dependencies] },
    );
    clusterDependencies.push(objectStore, ...store.dependencies);
    backup = { objectStoreName, serviceAccountAnnotations: store.serviceAccountAnnotations };
  }

  const cluster = new k8s.apiextensions.CustomResource(
    name,
    {
      apiVersion: "postgresql.cnpg.io/v1",
      kind: "Cluster",
      // Pulumi waits for the operator's Ready condition, so what depends on the database (the
      // services' migration Jobs, their Deployments) starts once it accepts connections, not while
      // the first instance is still initialising. CloudNativePG sets `Ready` when the cluster is healthy.
      // @see https://www.pulumi.com/blog/improved-kubernetes-await-logic/ (`pulumi.com/waitFor`, provider 4.18+)
      // @see https://github.com/cloudnative-pg/cloudnative-pg/blob/v1.30.0/api/v1/cluster_types.go (ConditionClusterReady = "Ready")
      metadata: { ...metadata(name), annotations: { [WAIT_FOR_ANNOTATION]: "condition=Ready" } },
      spec: { ...cnpgClusterSpec(name, spec, platform.storageClass, backup), ...(roleSecrets.length > 0 ? { managed: { roles: managedRoles(name, spec) } } : {}) },
    },
    // Instances start one after another (initdb, then each replica cloned from the primary), and a
    // rolling update restarts them the same way: longer than the provider's default 10 minutes on
    // large volumes.
    { ...opts, dependsOn: clusterDependencies, ...statefulResourceOptions(spec.protect), customTimeouts: { create: "30m", update: "30m" } },
  );
  const afterCluster = { ...opts, dependsOn: [cluster] };

  if (backup) {
    // The drill and the restore verification, beside the live Cluster (see kubernetes-recovery.ts).
    const live = { spec: cnpgClusterSpec(name, { ...spec, instances: 1 }, platform.storageClass), labels };
    deployKubernetesRestores(name, spec, platform, { objectStoreName: backup.objectStoreName, cluster, live, monitoringCrds }, context.parent);
    // The other site's archive, written by a replica cluster (see kubernetes-dr.ts).
    if (spec.recovery.drBucket && backupProvider(platform) === "s3-compatible") {
      const specs = { objectStoreSpec: (server: string, s: ResolvedPostgres, bucket: string) => objectStoreSpec(server, s, "s3-compatible", bucket), scheduledBackupSpec };
      deployDrReplica(name, spec, platform, { objectStoreName: backup.objectStoreName, cluster, live, operators, ...specs }, context.parent);
    }
  }
  if (backups) {
    new k8s.apiextensions.CustomResource(
      `${name}-daily`,
      { apiVersion: "postgresql.cnpg.io/v1", kind: "ScheduledBackup", metadata: metadata(`${name}-daily`), spec: scheduledBackupSpec(name, spec) },
      afterCluster,
    );
  }
  if (spec.pooler.enabled) {
    new k8s.apiextensions.CustomResource(
      `${name}-pooler-rw`,
      { apiVersion: "postgresql.cnpg.io/v1", kind: "Pooler", metadata: metadata(`${name}-pooler-rw`), spec: poolerSpec(name, spec) },
      afterCluster,
    );
  }
  if (spec.monitoring) {
    new k8s.apiextensions.CustomResource(
      `${name}-pod-monitor`,
      { apiVersion: "monitoring.coreos.com/v1", kind: "PodMonitor", metadata: metadata(name), spec: podMonitorSpec(name) },
      { ...opts, dependsOn: [cluster, ...(monitoringCrds ? [monitoringCrds] : [])] },
    );
  }

  const hosts = pulumi.output(spec.namespace).apply((namespace) => serviceHosts(name, namespace, spec.pooler.enabled));
  return { host: hosts.host, readHost: hosts.readHost, port: pulumi.output(spec.port), sslmode: "require", clientRoles: true };
}
