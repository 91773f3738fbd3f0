/**
 * Velero, from its maintainers' chart, with the object-storage plugin of the platform's cloud: the
 * backups of the cluster's objects and of the volumes that have no backup of their own (the
 * broker's, Valkey's), on a schedule, with retention.
 *
 * - EKS: an S3 bucket and IRSA; GKE: a GCS bucket and Workload Identity (`storage.ts`); k3s: an
 *   S3-compatible endpoint (MinIO, Ceph RGW…) with an access key pair the component writes to a
 *   Secret.
 * - Volumes are copied by the node agent (file-system backup with Kopia), the same on every
 *   target; the node agent mounts the kubelet's pod directory from the host, so the `velero`
 *   namespace runs under the privileged Pod Security Standard.
 * - The BackupStorageLocation and the Schedules are custom resources of their own (after the chart,
 *   which installs the CRDs), so the plan shows them and the tests validate them against the CRDs.
 *
 * @see https://velero.io/docs/v1.18/
 * @see https://github.com/vmware-tanzu/helm-charts/tree/main/charts/velero
 * @see https://velero.io/docs/v1.18/file-system-backup/
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { KubernetesPlatform } from "../../contract/platform";
import { awsVeleroStore, gcpVeleroStore, type VeleroStore } from "./storage";
import { veleroVersions } from "./versions";

export { veleroVersions } from "./versions";

/** Velero's namespace. */
export const VELERO_NAMESPACE = "velero";
/** The server's ServiceAccount, which the cloud identity is bound to. */
export const VELERO_SERVICE_ACCOUNT = "velero-server";
/** The Secret with the S3 access key pair on k3s (key `cloud`, the AWS credentials file format). */
export const VELERO_CREDENTIALS_SECRET = "velero-credentials";

/** Requests and limits of the server and of the node agent on each node. */
export const veleroResources = {
  server: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
  nodeAgent: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
  plugin: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
} as const;

/** One Velero Schedule. */
export interface VeleroScheduleArgs {
  /** The Schedule's name. */
  readonly name: string;
  /** When it runs: a five-field cron expression (UTC). */
  readonly schedule: string;
  /** The namespaces it backs up; `["*"]` for all. */
  readonly includedNamespaces: readonly string[];
  /** Only the objects (and pods' volumes) matching one of these label sets. @default everything in the namespaces */
  readonly orLabelSelectors?: readonly Readonly<Record<string, string>>[];
  /** Copy the selected pods' volumes with the node agent. */
  readonly volumes: boolean;
  /** How long each backup is kept, in hours. */
  readonly ttlHours: number;
}

/** Where backups go on k3s: an S3-compatible bucket. Ignored on EKS/GKE, which get a bucket of their own. */
export interface VeleroBucketArgs {
  readonly name: string;
  /** The S3-compatible endpoint URL, such as `https://minio.storage.example.com`. */
  readonly endpointUrl: string;
  /** @default "us-east-1" */
  readonly region?: string;
  /** The folder in the bucket. @default "velero" */
  readonly prefix?: string;
  /** The access key pair; pass both as Pulumi secrets. */
  readonly credentials: { readonly accessKeyId: pulumi.Input<string>; readonly secretAccessKey: pulumi.Input<string> };
  /**
   * The PEM CA bundle of an endpoint whose certificate a private CA signed (only `replicaBucket`
   * takes it so far): written to a Secret in Velero's namespace that the location's `caCertRef` names.
   * @default the system trust store
   * @see https://velero.io/docs/v1.18/api-types/backupstoragelocation/
   */
  readonly caCertificate?: string;
}

/** The arguments of {@link Velero}. */
export interface VeleroArgs {
  readonly platform: KubernetesPlatform;
  /** The schedules. */
  readonly schedules: readonly VeleroScheduleArgs[];
  /** The S3-compatible bucket; required on k3s. */
  readonly bucket?: VeleroBucketArgs;
  /** Protect and retain the bucket. @default false */
  readonly protect?: boolean;
  /**
   * On k3s: a second S3-compatible bucket at another site. Velero gets a second
   * BackupStorageLocation `dr` there (its own credentials Secret `velero-credentials-dr`) and every
   * Schedule a twin `<name>-dr` that writes there, so a site loss leaves the backups at the other.
   * Velero writes each backup to one location, hence the twins.
   * @default none
   * @see https://velero.io/docs/v1.18/locations/
   */
  readonly replicaBucket?: VeleroBucketArgs;
}

/**
 * The chart's values: the plugin of the cloud as an init container, the server's ServiceAccount
 * with the cloud identity's annotations (or the k3s Secret), the node agent, no BackupStorageLocation
 * or VolumeSnapshotLocation from the chart (the component creates the location itself; volumes go
 * through the node agent, not cloud snapshots), and requests and limits everywhere.
 *
 * @see https://github.com/vmware-tanzu/helm-charts/blob/main/charts/velero/values.yaml
 */
export function veleroValues(provider: "aws" | "gcp", annotations: Readonly<Record<string, pulumi.Input<string>>>, secret: boolean): Record<string, unknown> {
  return {
    initContainers: [
      {
        name: `velero-plugin-for-${provider}`,
        image: veleroVersions.plugins[provider],
        imagePullPolicy: "IfNotPresent",
        resources: veleroResources.plugin,
        volumeMounts: [{ mountPath: "/target", name: "plugins" }],
      },
    ],
    resources: veleroResources.server,
    // The chart's advice for IRSA: a group that can read the projected web identity token.
    ...(provider === "aws" ? { podSecurityContext: { fsGroup: 1337 } } : {}),
    serviceAccount: { server: { create: true, name: VELERO_SERVICE_ACCOUNT, annotations } },
    credentials: secret ? { useSecret: true, existingSecret: VELERO_CREDENTIALS_SECRET } : { useSecret: false },
    backupsEnabled: false,
    snapshotsEnabled: false,
    deployNodeAgent: true,
    nodeAgent: { resources: veleroResources.nodeAgent },
    configuration: { uploaderType: "kopia", defaultVolumesToFsBackup: false },
  };
}

/**
 * The `spec` of a Schedule: the namespaces and labels, the volumes through the node agent (never
 * cloud snapshots), the cluster-scoped objects with an all-namespace schedule, the retention as a
 * `ttl`, and the location (`default`, or `dr` for the twin at another site).
 *
 * @see https://velero.io/docs/v1.18/api-types/schedule/
 */
export function scheduleSpec(args: VeleroScheduleArgs, storageLocation = "default"): Record<string, unknown> {
  return {
    schedule: args.schedule,
    useOwnerReferencesInBackup: false,
    template: {
      includedNamespaces: [...args.includedNamespaces],
      ...(args.orLabelSelectors ? { orLabelSelectors: args.orLabelSelectors.map((matchLabels) => ({ matchLabels: { ...matchLabels } })) } : {}),
      includeClusterResources: args.includedNamespaces.includes("*"),
      snapshotVolumes: false,
      defaultVolumesToFsBackup: args.volumes,
      storageLocation,
      ttl: `${args.ttlHours}h0m0s`,
    },
  };
}

/**
 * The `spec` of the default BackupStorageLocation.
 * @see https://velero.io/docs/v1.18/api-types/backupstoragelocation/
 */
export function backupStorageLocationSpec(provider: "aws" | "gcp", bucket: pulumi.Input<string>, prefix: string, config: Readonly<Record<string, pulumi.Input<string>>>, credential?: { name: string; key: string }, isDefault = true): Record<string, unknown> {
  return { provider, default: isDefault, objectStorage: { bucket, prefix }, config: { ...config }, ...(credential ? { credential } : {}) };
}

/**
 * An S3-compatible bucket's store: the credentials Secret in the AWS plugin's file format (key
 * `cloud`) and the location's config, with path-style addressing for MinIO and Ceph (Ceph RGW also
 * wants checksumAlgorithm "", per the plugin's README).
 * @see https://github.com/vmware-tanzu/velero-plugin-for-aws#create-s3-bucket
 */
function s3CompatibleStore(resourceName: string, secretName: string, bucket: VeleroBucketArgs, namespace: k8s.core.v1.Namespace, opts: pulumi.CustomResourceOptions): VeleroStore {
  const secret = new k8s.core.v1.Secret(
    resourceName,
    {
      metadata: { name: secretName, namespace: namespace.metadata.name },
      stringData: pulumi.secret(
        pulumi.interpolate`[default]\naws_access_key_id=${bucket.credentials.accessKeyId}\naws_secret_access_key=${bucket.credentials.secretAccessKey}\n`.apply((cloud) => ({ cloud })),
      ),
    },
    opts,
  );
  return { bucket: bucket.name, serviceAccountAnnotations: {}, config: { region: bucket.region ?? "us-east-1", s3ForcePathStyle: "true", s3Url: bucket.endpointUrl }, dependencies: [secret] };
}

/**
 * Velero in the `velero` namespace (Helm release `velero`), its BackupStorageLocation `default`
 * and the Schedules, on the cloud's bucket and identity or an S3-compatible bucket on k3s.
 *
 * @example
 * ```ts
 * new Velero("velero", { platform, schedules: [{ name: "data", schedule: "0 * * * *", includedNamespaces: ["data"], volumes: true, ttlHours: 720 }] });
 * ```
 * @see https://velero.io/docs/v1.18/
 */
export class Velero extends pulumi.ComponentResource {
  /** The Helm release, after which Velero's CRDs exist. */
  public readonly release: k8s.helm.v3.Release;

  /**
   * @throws Error on k3s without `bucket`.
   */
  constructor(name: string, args: VeleroArgs, opts?: pulumi.ComponentResourceOptions) {
    const { platform } = args;
    if (!platform.cloud && !args.bucket) throw new Error(`Velero "${name}": \`bucket\` (an S3-compatible endpoint, name and access key pair) is required without a cloud`);
    super("platform:index:Velero", name, {}, opts);
    const k8sOpts = { parent: this, provider: platform.provider };
    const cloud = platform.cloud;
    const provider = cloud?.kind === "gcp" ? "gcp" : "aws";

    const namespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      {
        metadata: {
          name: VELERO_NAMESPACE,
          // The node agent mounts /var/lib/kubelet/pods from the host.
          labels: { "pod-security.kubernetes.io/enforce": "privileged", "pod-security.kubernetes.io/enforce-version": "latest", "pod-security.kubernetes.io/warn": "privileged" },
        },
      },
      { ...k8sOpts, dependsOn: platform.cluster ? [platform.cluster] : [] },
    );
    let store: VeleroStore;
    let credential: { name: string; key: string } | undefined;
    if (cloud?.kind === "aws") store = awsVeleroStore(name, cloud, VELERO_NAMESPACE, VELERO_SERVICE_ACCOUNT, args.protect ?? false, this);
    else if (cloud?.kind === "gcp") store = gcpVeleroStore(name, cloud, VELERO_NAMESPACE, VELERO_SERVICE_ACCOUNT, args.protect ?? false, this);
    else {
      credential = { name: VELERO_CREDENTIALS_SECRET, key: "cloud" };
      store = s3CompatibleStore(`${name}-credentials`, VELERO_CREDENTIALS_SECRET, args.bucket!, namespace, k8sOpts);
    }

    const chart = veleroVersions.chart;
    this.release = new k8s.helm.v3.Release(
      `${name}-release`,
      {
        name: "velero",
        chart: chart.chart,
        version: chart.version,
        repositoryOpts: { repo: chart.repo },
        namespace: namespace.metadata.name,
        createNamespace: false,
        atomic: true,
        values: veleroValues(provider, store.serviceAccountAnnotations, credential !== undefined),
      },
      { ...k8sOpts, dependsOn: [namespace, ...store.dependencies] },
    );
    const afterChart = { ...k8sOpts, dependsOn: [this.release] };
    const location = new k8s.apiextensions.CustomResource(
      `${name}-location`,
      {
        apiVersion: "velero.io/v1",
        kind: "BackupStorageLocation",
        metadata: { name: "default", namespace: VELERO_NAMESPACE },
        spec: backupStorageLocationSpec(provider, store.bucket, args.bucket?.prefix ?? "velero", store.config, credential),
      },
      afterChart,
    );
    for (const schedule of args.schedules) {
      new k8s.apiextensions.CustomResource(
        `${name}-${schedule.name}`,
        { apiVersion: "velero.io/v1", kind: "Schedule", metadata: { name: schedule.name, namespace: VELERO_NAMESPACE }, spec: scheduleSpec(schedule) },
        { ...k8sOpts, dependsOn: [this.release, location] },
      );
    }
    if (args.replicaBucket && !cloud) {
      // The other site: a second location and a twin of every Schedule writing there.
      const secretName = `${VELERO_CREDENTIALS_SECRET}-dr`;
      const replica = s3CompatibleStore(`${name}-credentials-dr`, secretName, args.replicaBucket, namespace, k8sOpts);
      const spec = backupStorageLocationSpec("aws", replica.bucket, args.replicaBucket.prefix ?? "velero", replica.config, { name: secretName, key: "cloud" }, false);
      const ca = args.replicaBucket.caCertificate;
      if (ca !== undefined) {
        // The other site's private CA: the same PEM the PostgreSQL replica cluster's ObjectStore trusts.
        const caSecret = `${VELERO_CREDENTIALS_SECRET}-dr-ca`;
        replica.dependencies.push(new k8s.core.v1.Secret(`${name}-ca-dr`, { metadata: { name: caSecret, namespace: namespace.metadata.name }, stringData: { "ca.crt": ca } }, k8sOpts));
        spec.objectStorage = { ...(spec.objectStorage as Record<string, unknown>), caCertRef: { name: caSecret, key: "ca.crt" } };
      }
      const drLocation = new k8s.apiextensions.CustomResource(
        `${name}-location-dr`,
        { apiVersion: "velero.io/v1", kind: "BackupStorageLocation", metadata: { name: "dr", namespace: VELERO_NAMESPACE }, spec },
        { ...k8sOpts, dependsOn: [this.release, ...replica.dependencies] },
      );
      for (const schedule of args.schedules) {
        new k8s.apiextensions.CustomResource(
          `${name}-${schedule.name}-dr`,
          { apiVersion: "velero.io/v1", kind: "Schedule", metadata: { name: `${schedule.name}-dr`, namespace: VELERO_NAMESPACE }, spec: scheduleSpec(schedule, "dr") },
          { ...k8sOpts, dependsOn: [this.release, drLocation] },
        );
      }
    }
    this.registerOutputs({});
  }
}
