/**
 * Velero for the stateful parts that have no backup of their own (the broker's and Valkey's
 * volumes) and for the cluster's objects: `dr.clusterBackups` (see {@link clusterBackupsEnabled}
 * for its default). On k3s it writes to the S3-compatible endpoint of `dr.clusterBackups.bucket`,
 * else to the PostgreSQL backup bucket under the prefix `velero`, with the same access key pair
 * (the secret keys `postgresBackupAccessKeyId` and `postgresBackupSecretAccessKey`). With
 * `dr.bucket` (k3s, another site's store) it writes every Schedule's backups there too.
 *
 * On k3s with the `local-path` StorageClass (its default), volumes are hostPath volumes, which
 * Velero's file-system backup skips: there Velero backs up the cluster's objects only, and neither
 * the Schedule of the volumes nor the DR report's Velero restore path exists (see
 * {@link volumesBackedUp}).
 *
 * @see https://velero.io/docs/v1.18/
 * @see https://velero.io/docs/v1.18/file-system-backup/#limitations
 */
import { k3sDefaults, Velero, type KubernetesPlatform, type VeleroBucketArgs, type VeleroScheduleArgs } from "../components";
import { DATA_NAMESPACE, protectOf, type ProgramConfig, type StackConfig } from "./compose";

/** A problem at a config key path (without the namespace), as `config/checks.ts` collects them. */
interface KeyedProblem {
  readonly path: (string | number)[];
  readonly message: string;
}

const CRON5 = /^\S+(\s+\S+){4}$/;

/** Defaults of `dr.clusterBackups`. */
export const clusterBackupDefaults = { schedule: "0 * * * *", retentionDays: 30 } as const;

/** What deciding on Velero reads of the config: the secret keys only for whether they are set. */
type BackupsConfig = Pick<StackConfig, "dr" | "environment" | "target"> &
  Partial<Pick<StackConfig, "postgres">> & { readonly postgresBackupAccessKeyId?: unknown; readonly postgresBackupSecretAccessKey?: unknown };

/**
 * Whether the stack runs Velero: `dr.clusterBackups.enabled` when set; by default in prod on EKS
 * and GKE (which get a bucket of their own), and in prod on k3s when it has somewhere to write (a
 * bucket and the access key pair), so a k3s stack without object storage is not refused for it.
 */
export function clusterBackupsEnabled(config: BackupsConfig): boolean {
  if (config.target === "docker") return false;
  if (config.dr?.clusterBackups?.enabled !== undefined) return config.dr.clusterBackups.enabled;
  if (config.environment !== "prod") return false;
  return config.target !== "k3s" || (k3sBucket(config) !== undefined && hasKeys(config));
}

const hasKeys = (config: BackupsConfig) => config.postgresBackupAccessKeyId !== undefined && config.postgresBackupSecretAccessKey !== undefined;

/**
 * StorageClasses whose volumes are hostPath volumes: k3s's bundled local-path provisioner creates
 * hostPath PersistentVolumes, which Velero's file-system backup does not support ("hostPath volume
 * which is not supported for pod volume backup").
 * @see https://velero.io/docs/v1.18/file-system-backup/#limitations
 * @see https://github.com/rancher/local-path-provisioner#usage
 */
export const HOST_PATH_STORAGE_CLASSES: readonly string[] = ["local-path"];

/** The StorageClass a k3s stack's volumes use (`k3s.storageClass`, {@link k3sDefaults} otherwise). */
const k3sStorageClass = (config: Partial<Pick<StackConfig, "k3s">>) => config.k3s?.storageClass ?? k3sDefaults.storageClass;

/** Whether Velero can copy the data namespace's volumes: not on k3s with a hostPath StorageClass. */
export function volumesBackedUp(config: Partial<Pick<StackConfig, "target" | "k3s">>): boolean {
  return !(config.target === "k3s" && HOST_PATH_STORAGE_CLASSES.includes(k3sStorageClass(config)));
}

/**
 * The Schedules: the data namespace with its volumes (CloudNativePG's are excluded by annotation)
 * where {@link volumesBackedUp}, and every namespace's objects.
 */
export function clusterBackupSchedules(config: Pick<StackConfig, "dr"> & Partial<Pick<StackConfig, "target" | "k3s">>): VeleroScheduleArgs[] {
  const { schedule = clusterBackupDefaults.schedule, retentionDays = clusterBackupDefaults.retentionDays } = config.dr?.clusterBackups ?? {};
  const ttlHours = retentionDays * 24;
  return [
    ...(volumesBackedUp(config) ? [{ name: "data-volumes", schedule, includedNamespaces: [DATA_NAMESPACE], volumes: true, ttlHours }] : []),
    { name: "cluster-objects", schedule, includedNamespaces: ["*"], volumes: false, ttlHours },
  ];
}

/** Where Velero writes on k3s, without credentials: `dr.clusterBackups.bucket`, else the PostgreSQL backup bucket. */
export function k3sBucket(config: Pick<StackConfig, "dr"> & Partial<Pick<StackConfig, "postgres">>): Omit<VeleroBucketArgs, "credentials"> | undefined {
  const own = config.dr?.clusterBackups?.bucket;
  if (own) return own;
  const pg = config.postgres?.backup?.bucket;
  return pg?.name && pg.endpointUrl ? { name: pg.name, endpointUrl: pg.endpointUrl, region: pg.region, prefix: "velero" } : undefined;
}

/**
 * The problems of the `dr` block on the stack's target: a DR region that is the cluster's own or
 * another cloud's, and `dr.clusterBackups` where it cannot run.
 */
export function drProblems(config: BackupsConfig & Pick<StackConfig, "eks" | "gke">): KeyedProblem[] {
  const problems: KeyedProblem[] = [];
  const region = config.dr?.region;
  const home = config.target === "eks" ? config.eks?.region : config.target === "gke" ? config.gke?.region : undefined;
  if (region !== undefined) {
    if (config.target !== "eks" && config.target !== "gke") problems.push({ path: ["dr", "region"], message: `applies only to EKS and GKE (target is ${config.target}): on premises, give another site's S3-compatible bucket as dr.bucket, such as {name: postgres-backups, endpointUrl: https://s3.site-b.example.com}` });
    else if (region === home) problems.push({ path: ["dr", "region"], message: `is the cluster's own region (${home}); choose another region to fail over to` });
    else if (config.target === "eks" && !/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(region)) problems.push({ path: ["dr", "region"], message: `must be an AWS region such as eu-central-1 on EKS (got "${region}")` });
    else if (config.target === "gke" && !/^[a-z]+-[a-z]+\d+$/.test(region)) problems.push({ path: ["dr", "region"], message: `must be a Google Cloud region such as europe-west4 on GKE (got "${region}")` });
  }
  const backups = config.dr?.clusterBackups;
  if (backups?.schedule !== undefined && !CRON5.test(backups.schedule.trim())) {
    problems.push({ path: ["dr", "clusterBackups", "schedule"], message: `must be a five-field cron expression such as "0 * * * *" (got "${backups.schedule}")` });
  }
  if (backups?.enabled === true && config.target === "docker") problems.push({ path: ["dr", "clusterBackups", "enabled"], message: "needs a Kubernetes target: Docker has no Velero" });
  if (clusterBackupsEnabled(config) && config.target === "k3s") {
    if (!k3sBucket(config)) {
      problems.push({ path: ["dr", "clusterBackups", "bucket"], message: "is required on k3s without postgres.backup.bucket: the S3-compatible endpoint and bucket for Velero, such as {name: velero, endpointUrl: https://s3.storage.example.com}" });
    }
    if (!hasKeys(config)) {
      problems.push({ path: ["postgresBackupAccessKeyId"], message: "and postgresBackupSecretAccessKey are required on k3s for Velero's bucket (dr.clusterBackups; `enabled: false` turns it off): set them with `pulumi config set --secret platform:postgresBackupAccessKeyId …`" });
    }
    const drCa = config.dr?.bucket?.endpointCA;
    if (drCa !== undefined && !("certificate" in drCa)) {
      // Velero's location at the other site reads its CA from a Secret in its own namespace.
      problems.push({ path: ["dr", "bucket", "endpointCA"], message: `names a Secret (${drCa.name}) in the data namespace, which Velero's location at the other site (namespace velero) cannot read: give the PEM itself, such as {certificate: "-----BEGIN CERTIFICATE-----\n…"}, or set dr.clusterBackups.enabled to false` });
    }
  }
  return problems;
}

/** Creates Velero when the stack asks for it. */
export function clusterBackups(config: ProgramConfig, platform: KubernetesPlatform): Velero | undefined {
  if (!clusterBackupsEnabled(config)) return undefined;
  const k3s = config.target === "k3s" ? k3sBucket(config) : undefined;
  const bucket =
    k3s && config.postgresBackupAccessKeyId && config.postgresBackupSecretAccessKey
      ? { ...k3s, credentials: { accessKeyId: config.postgresBackupAccessKeyId, secretAccessKey: config.postgresBackupSecretAccessKey } }
      : undefined;
  // The other site (`dr.bucket`, k3s): a second location there, with the same access key pair.
  const other = config.target === "k3s" ? config.dr?.bucket : undefined;
  const ca = other?.endpointCA && "certificate" in other.endpointCA ? { caCertificate: other.endpointCA.certificate } : {};
  const replicaBucket = other && bucket ? { name: other.name, endpointUrl: other.endpointUrl, region: other.region, prefix: "velero", credentials: bucket.credentials, ...ca } : undefined;
  return new Velero("velero", { platform, schedules: clusterBackupSchedules(config), bucket, protect: protectOf(config), ...(replicaBucket ? { replicaBucket } : {}) });
}
