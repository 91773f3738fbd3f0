/**
 * The GKE target: a VPC network, a regional, private, VPC-native GKE Standard cluster with node
 * pools, and the {@link KubernetesPlatform} that components deploy onto.
 *
 * @see https://cloud.google.com/kubernetes-engine/docs/concepts/private-cluster-concept
 * @see https://cloud.google.com/kubernetes-engine/docs/how-to/hardening-your-cluster
 * @see https://www.pulumi.com/registry/packages/gcp/api-docs/container/cluster/
 */
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { statefulResourceOptions } from "../shared/options";
import type { GkeClusterArgs, GkeNodePoolArgs } from "./args";
import { allowListProblems, networkOf, parseIpv4Cidr } from "../shared/cidr";
import type { Environment, KubernetesPlatform } from "./types";

/**
 * Defaults for {@link GkeCluster}, merged once by {@link resolveGkeClusterArgs}. They match the
 * `@default` tags of {@link GkeClusterArgs} and {@link GkeNodePoolArgs}.
 */
export const gkeDefaults = {
  releaseChannel: "REGULAR",
  nodePoolName: "general",
  nodePool: {
    machineType: "e2-standard-4",
    minNodesPerZone: 1,
    maxNodesPerZone: 3,
    diskSizeGiB: 100,
    spot: false,
  },
  subnetCidr: "10.10.0.0/20",
  podsCidr: "10.20.0.0/14",
  servicesCidr: "10.24.0.0/20",
  masterIpv4CidrBlock: "172.16.0.0/28",
  endpointPublicAccessCidrs: [] as string[],
  /** GKE's built-in StorageClass for Persistent Disk (balanced, CSI driver). */
  storageClass: "standard-rwo",
  /** How many zones the node pools run in; GKE's own default for regional clusters. */
  zoneCount: 3,
} as const;

/** The names of the subnetwork's secondary ranges, as the cluster's IP allocation policy uses them. */
export const GKE_SECONDARY_RANGES = { pods: "pods", services: "services" } as const;

/**
 * The annotation that makes GKE put a backend-service-based external passthrough Network Load
 * Balancer in front of a `LoadBalancer` Service.
 *
 * @see https://cloud.google.com/kubernetes-engine/docs/concepts/service-load-balancer
 */
export const GKE_LB_ANNOTATIONS: Readonly<Record<string, string>> = { "cloud.google.com/l4-rbs": "enabled" };

/**
 * The project roles of the nodes' service account: the least GKE nodes need to write logs and
 * metrics and to pull images from Artifact Registry, instead of the Compute Engine default
 * service account's Editor role. Keyed by the role's part of the resource name.
 *
 * @see https://cloud.google.com/kubernetes-engine/docs/how-to/hardening-your-cluster#use_least_privilege_sa
 */
export const GKE_NODE_ROLES: Readonly<Record<string, string>> = {
  "log-writer": "roles/logging.logWriter",
  "metric-writer": "roles/monitoring.metricWriter",
  "monitoring-viewer": "roles/monitoring.viewer",
  "metadata-writer": "roles/stackdriver.resourceMetadata.writer",
  "artifact-reader": "roles/artifactregistry.reader",
};

/** The APIs the cluster needs, keyed by the role's part of the resource name. */
export const GKE_SERVICES: Readonly<Record<string, string>> = {
  container: "container.googleapis.com",
  compute: "compute.googleapis.com",
  cloudkms: "cloudkms.googleapis.com",
  iam: "iam.googleapis.com",
};

/** A node pool with every default filled in. */
export interface ResolvedGkeNodePool {
  readonly name: string;
  readonly machineType: string;
  readonly minNodesPerZone: number;
  readonly maxNodesPerZone: number;
  /** The boot disk size, in GiB. */
  readonly diskSizeGiB: number;
  readonly spot: boolean;
  readonly labels: Readonly<Record<string, string>>;
}

/** {@link GkeClusterArgs} with every default filled in. */
export interface ResolvedGkeClusterArgs {
  readonly environment: Environment;
  readonly project: string;
  readonly region: string;
  readonly releaseChannel: "RAPID" | "REGULAR" | "STABLE";
  readonly kubernetesVersion?: string;
  readonly nodePools: readonly ResolvedGkeNodePool[];
  readonly subnetCidr: string;
  readonly podsCidr: string;
  readonly servicesCidr: string;
  readonly masterIpv4CidrBlock: string;
  readonly endpointPublicAccessCidrs: readonly string[];
  readonly protect: boolean;
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * Fills in the defaults of a node pool.
 *
 * @param pool - the node pool as the user wrote it.
 * @see https://www.pulumi.com/registry/packages/gcp/api-docs/container/nodepool/
 */
export function resolveGkeNodePool(pool: GkeNodePoolArgs): ResolvedGkeNodePool {
  return {
    name: pool.name,
    machineType: pool.machineType ?? gkeDefaults.nodePool.machineType,
    minNodesPerZone: pool.minNodesPerZone ?? gkeDefaults.nodePool.minNodesPerZone,
    maxNodesPerZone: pool.maxNodesPerZone ?? gkeDefaults.nodePool.maxNodesPerZone,
    diskSizeGiB: pool.diskSizeGiB ?? gkeDefaults.nodePool.diskSizeGiB,
    spot: pool.spot ?? gkeDefaults.nodePool.spot,
    labels: pool.labels ?? {},
  };
}

/**
 * Merges {@link gkeDefaults} into the args, once.
 *
 * @param args - the args as the user wrote them.
 * @returns the args with every optional field set; `protect` defaults to `environment === "prod"`.
 * @see https://www.pulumi.com/registry/packages/gcp/api-docs/container/cluster/
 */
export function resolveGkeClusterArgs(args: GkeClusterArgs): ResolvedGkeClusterArgs {
  return {
    environment: args.environment,
    project: args.project,
    region: args.region,
    releaseChannel: args.releaseChannel ?? gkeDefaults.releaseChannel,
    kubernetesVersion: args.kubernetesVersion,
    nodePools: (args.nodePools ?? [{ name: gkeDefaults.nodePoolName }]).map(resolveGkeNodePool),
    subnetCidr: args.subnetCidr ?? gkeDefaults.subnetCidr,
    podsCidr: args.podsCidr ?? gkeDefaults.podsCidr,
    servicesCidr: args.servicesCidr ?? gkeDefaults.servicesCidr,
    masterIpv4CidrBlock: args.masterIpv4CidrBlock ?? gkeDefaults.masterIpv4CidrBlock,
    endpointPublicAccessCidrs: args.endpointPublicAccessCidrs ?? gkeDefaults.endpointPublicAccessCidrs,
    protect: args.protect ?? args.environment === "prod",
    labels: args.labels ?? {},
  };
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

/** An IPv4 block as `[first, last]` addresses and prefix, or `undefined` when `text` is not one. */
function parseCidr(text: string): { first: number; last: number; prefix: number; aligned: boolean } | undefined {
  const cidr = parseIpv4Cidr(text);
  if (!cidr) return undefined;
  const first = networkOf(cidr).address;
  return { first, last: first + 2 ** (32 - cidr.prefix) - 1, prefix: cidr.prefix, aligned: first === cidr.address };
}

const GKE_NAME = /^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$/;
const PROJECT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const GCP_REGION = /^[a-z]+(-[a-z]+)+\d+$/;
const KUBERNETES_VERSION = /^1\.\d{1,2}(\.\d{1,2}(-gke\.\d+)?)?$/;
const LABEL_KEY = /^[a-z][a-z0-9_-]{0,62}$/;
const LABEL_VALUE = /^[a-z0-9_-]{0,63}$/;

function isCount(value: number): boolean {
  return Number.isInteger(value) && value >= 0;
}

/**
 * Checks {@link GkeClusterArgs} and returns every problem at once, each naming its field in
 * backticks. The {@link GkeCluster} constructor throws them before it creates any resource.
 *
 * It refuses, among others: `0.0.0.0/0` in `endpointPublicAccessCidrs` in prod, a node pool whose
 * `minNodesPerZone` exceeds `maxNodesPerZone`, a `masterIpv4CidrBlock` that is not a `/28`, and
 * address ranges that overlap.
 *
 * @param args - the args as the user wrote them.
 * @param name - the component's name, which is also the GKE cluster's name; checked when given.
 * @returns the problems; empty when the args are fine.
 * @see https://cloud.google.com/kubernetes-engine/docs/how-to/private-clusters
 * @see https://cloud.google.com/kubernetes-engine/docs/concepts/alias-ips#cluster_sizing
 */
export function validateGkeClusterArgs(args: GkeClusterArgs, name?: string): string[] {
  const problems: string[] = [];
  const resolved = resolveGkeClusterArgs(args);

  if (name !== undefined && !GKE_NAME.test(name)) {
    problems.push(
      `the component name "${name}" is used as the GKE cluster name: it must be 1 to 40 lowercase letters, digits ` +
        `and '-', start with a letter and not end with '-'`,
    );
  }
  if (!["dev", "staging", "prod"].includes(resolved.environment)) {
    problems.push(`\`environment\` must be "dev", "staging" or "prod" (got "${resolved.environment}")`);
  }
  if (!PROJECT_ID.test(resolved.project ?? "")) {
    problems.push(`\`project\` must be a Google Cloud project ID: 6 to 30 lowercase letters, digits and '-' (got "${resolved.project}")`);
  }
  if (!GCP_REGION.test(resolved.region ?? "")) {
    problems.push(`\`region\` must be a Google Cloud region such as europe-west1, not a zone (got "${resolved.region}")`);
  }
  if (!["RAPID", "REGULAR", "STABLE"].includes(resolved.releaseChannel)) {
    problems.push(`\`releaseChannel\` must be "RAPID", "REGULAR" or "STABLE" (got "${resolved.releaseChannel}")`);
  }
  if (resolved.kubernetesVersion !== undefined && !KUBERNETES_VERSION.test(resolved.kubernetesVersion)) {
    problems.push(`\`kubernetesVersion\` must be a GKE version such as "1.34" (got "${resolved.kubernetesVersion}")`);
  }

  if (resolved.nodePools.length === 0) problems.push("`nodePools` must contain at least one node pool");
  const seen = new Set<string>();
  resolved.nodePools.forEach((pool, index) => {
    const field = `nodePools[${index}]`;
    if (!GKE_NAME.test(pool.name ?? "")) {
      problems.push(
        `\`${field}.name\` must be 1 to 40 lowercase letters, digits and '-', start with a letter and not end with '-' (got "${pool.name}")`,
      );
    }
    if (seen.has(pool.name)) problems.push(`\`${field}.name\` "${pool.name}" is used by another node pool`);
    seen.add(pool.name);
    if (!pool.machineType) problems.push(`\`${field}.machineType\` must name a machine type`);
    if (!isCount(pool.minNodesPerZone)) problems.push(`\`${field}.minNodesPerZone\` must be an integer ≥ 0 (got ${pool.minNodesPerZone})`);
    if (!isCount(pool.maxNodesPerZone) || pool.maxNodesPerZone < 1) {
      problems.push(`\`${field}.maxNodesPerZone\` must be an integer ≥ 1 (got ${pool.maxNodesPerZone})`);
    }
    if (pool.minNodesPerZone > pool.maxNodesPerZone) {
      problems.push(`\`${field}.minNodesPerZone\` (${pool.minNodesPerZone}) must not exceed \`maxNodesPerZone\` (${pool.maxNodesPerZone})`);
    }
    if (!Number.isInteger(pool.diskSizeGiB) || pool.diskSizeGiB < 10 || pool.diskSizeGiB > 65536) {
      problems.push(`\`${field}.diskSizeGiB\` must be an integer from 10 to 65536 GiB (got ${pool.diskSizeGiB})`);
    }
  });

  // Address ranges: each valid, the control plane's a /28, none overlapping.
  const ranges: { field: string; text: string; block: NonNullable<ReturnType<typeof parseCidr>> }[] = [];
  for (const field of ["subnetCidr", "podsCidr", "servicesCidr", "masterIpv4CidrBlock"] as const) {
    const text = resolved[field];
    const block = parseCidr(text);
    if (!block) {
      problems.push(`\`${field}\` must be an IPv4 CIDR block such as ${gkeDefaults[field]} (got "${text}")`);
      continue;
    }
    if (!block.aligned) problems.push(`\`${field}\` ${text} has host bits set`);
    ranges.push({ field, text, block });
  }
  const master = ranges.find((r) => r.field === "masterIpv4CidrBlock");
  if (master && master.block.prefix !== 28) {
    problems.push(`\`masterIpv4CidrBlock\` must be a /28, as GKE requires (got ${master.text})`);
  }
  ranges.forEach((a, i) =>
    ranges.slice(i + 1).forEach((b) => {
      if (a.block.first <= b.block.last && b.block.first <= a.block.last) {
        problems.push(`\`${a.field}\` (${a.text}) and \`${b.field}\` (${b.text}) must not overlap`);
      }
    }),
  );

  problems.push(...allowListProblems("endpointPublicAccessCidrs", resolved.endpointPublicAccessCidrs, resolved.environment));
  if (resolved.endpointPublicAccessCidrs.length > 50) {
    problems.push(`\`endpointPublicAccessCidrs\` may hold at most 50 blocks (got ${resolved.endpointPublicAccessCidrs.length})`);
  }

  for (const [key, value] of Object.entries(resolved.labels)) {
    if (!LABEL_KEY.test(key) || !LABEL_VALUE.test(value)) {
      problems.push(
        `\`labels\` "${key}": "${value}" is not a Google Cloud label: keys start with a lowercase letter, and both keys ` +
          `and values use only lowercase letters, digits, '_' and '-', at most 63 characters`,
      );
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Names and documents
// ---------------------------------------------------------------------------------------------

/**
 * The account ID of the nodes' service account: `<name>-nodes`, with the name cut so the ID stays
 * within the 30 characters Google Cloud allows.
 *
 * @param name - the component's name (a valid GKE cluster name, so it starts with a letter).
 * @see https://cloud.google.com/iam/docs/service-accounts-create#creating
 */
export function gkeNodeServiceAccountId(name: string): string {
  return `${name.slice(0, 24).replace(/-+$/, "")}-nodes`;
}

/**
 * The GKE service agent of a project, which encrypts etcd with the cluster's KMS key.
 *
 * @param projectNumber - the project's number (not its ID).
 * @returns the IAM member, `serviceAccount:service-<number>@container-engine-robot.iam.gserviceaccount.com`.
 * @see https://cloud.google.com/kubernetes-engine/docs/how-to/encrypting-secrets#grant_permission_to_use_the_key
 */
export function gkeServiceAgentMember(projectNumber: string): string {
  return `serviceAccount:service-${projectNumber}@container-engine-robot.iam.gserviceaccount.com`;
}

/** What {@link gkeKubeconfig} needs to know about the cluster. */
export interface GkeKubeconfigArgs {
  readonly project: string;
  readonly region: string;
  readonly clusterName: string;
  /** The control plane's IP address or host name, without a scheme. */
  readonly endpoint: string;
  /** The cluster CA certificate, base64-encoded PEM. */
  readonly clusterCaCertificate: string;
}

/**
 * A kubeconfig (JSON, which is also YAML) that authenticates with `gke-gcloud-auth-plugin`, so it
 * holds no credential: the caller's Google identity needs a GKE role. The context is named as
 * `gcloud container clusters get-credentials` names it.
 *
 * @param args - the cluster's project, region, name, endpoint and CA.
 * @returns the kubeconfig; treat it as a secret all the same, as it reveals the endpoint.
 * @see https://cloud.google.com/kubernetes-engine/docs/how-to/cluster-access-for-kubectl#install_plugin
 */
export function gkeKubeconfig(args: GkeKubeconfigArgs): string {
  const { project, region, clusterName, endpoint, clusterCaCertificate } = args;
  const context = `gke_${project}_${region}_${clusterName}`;
  return JSON.stringify(
    {
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: context, cluster: { server: `https://${endpoint}`, "certificate-authority-data": clusterCaCertificate } }],
      contexts: [{ name: context, context: { cluster: context, user: context } }],
      "current-context": context,
      preferences: {},
      users: [
        {
          name: context,
          user: {
            exec: {
              apiVersion: "client.authentication.k8s.io/v1beta1",
              command: "gke-gcloud-auth-plugin",
              installHint: "Install gke-gcloud-auth-plugin: gcloud components install gke-gcloud-auth-plugin",
              provideClusterInfo: true,
              interactiveMode: "IfAvailable",
            },
          },
        },
      ],
    },
    null,
    2,
  );
}

// ---------------------------------------------------------------------------------------------
// The component
// ---------------------------------------------------------------------------------------------

/**
 * A regional GKE Standard cluster and everything it needs, all created through an explicit
 * `gcp.Provider` for `args.project` and `args.region`:
 *
 * - **APIs.** Container, Compute, Cloud KMS and IAM, left enabled on destroy.
 * - **Network.** A custom-mode VPC network, a subnetwork with Private Google Access, flow logs and
 *   the `pods`/`services` secondary ranges, and Cloud NAT behind a Cloud Router, as private nodes
 *   have no external address.
 * - **Control plane.** Private nodes; the public endpoint limited to `endpointPublicAccessCidrs`
 *   (master authorized networks), or private only when that list is empty; Kubernetes Secrets
 *   encrypted in etcd with a Cloud KMS key (rotated every 90 days) that only the GKE service agent
 *   may use; Workload Identity; Dataplane V2, which enforces NetworkPolicy; Shielded nodes; system,
 *   workload and control-plane logs and metrics, and Managed Service for Prometheus.
 * - **Nodes.** Node pools (autoscaled per zone, auto-repaired and auto-upgraded) in three zones, run
 *   by a service account with only the roles in {@link GKE_NODE_ROLES}, with the GKE metadata
 *   server, Secure Boot, integrity monitoring and `pd-balanced` disks.
 * - **Kubernetes.** A `k8s.Provider` from a kubeconfig that uses `gke-gcloud-auth-plugin`. The
 *   platform's StorageClass is GKE's built-in `standard-rwo`.
 *
 * With `protect` (default in prod), the cluster, the KMS key ring and key and the network get
 * `protect` and `retainOnDelete`, and the cluster gets GKE deletion protection.
 *
 * Notes:
 * - The GKE cluster is named after the component (`name`); node pools are named after their
 *   `name`, so a change GKE can only make by replacing a pool (machine type, disk) fails with
 *   "already exists": add a pool with a new name, move the workloads, then remove the old pool.
 * - With an empty `endpointPublicAccessCidrs`, the control plane is reachable only from inside
 *   the VPC: `pulumi up` must run from there, or the Kubernetes resources fail.
 *
 * @see https://cloud.google.com/kubernetes-engine/docs/how-to/hardening-your-cluster
 * @see https://cloud.google.com/kubernetes-engine/docs/how-to/encrypting-secrets
 * @see https://cloud.google.com/kubernetes-engine/docs/concepts/dataplane-v2
 * @see https://www.pulumi.com/registry/packages/gcp/api-docs/container/cluster/
 * @see https://www.pulumi.com/registry/packages/gcp/api-docs/container/nodepool/
 * @example
 * const gke = new GkeCluster("platform", { environment: "prod", project: "acme-prod", region: "europe-west1", endpointPublicAccessCidrs: ["203.0.113.0/24"] });
 */
export class GkeCluster extends pulumi.ComponentResource {
  /** The platform contract for components. */
  public readonly platform: KubernetesPlatform;
  /** The GKE cluster's name (the component's name). */
  public readonly clusterName: pulumi.Output<string>;
  /** The VPC network's ID, for managed backends (Cloud SQL, Memorystore) that join the cluster's network. */
  public readonly networkId: pulumi.Output<string>;
  /** The nodes' subnetwork ID. */
  public readonly subnetworkId: pulumi.Output<string>;
  /** The Workload Identity pool, `<project>.svc.id.goog`. */
  public readonly workloadPool: string;
  /** The email of the nodes' service account. */
  public readonly nodeServiceAccountEmail: pulumi.Output<string>;
  /** A kubeconfig that uses `gke-gcloud-auth-plugin`; a secret. */
  public readonly kubeconfig: pulumi.Output<string>;
  /** The Google Cloud provider for the project and region; managed backends should use it. */
  public readonly gcpProvider: gcp.Provider;
  /** The GKE cluster resource. */
  public readonly cluster: gcp.container.Cluster;

  /**
   * @param name - the logical name; children are named `${name}-<role>`, and the GKE cluster itself is named `name`.
   * @param args - the cluster's settings; see {@link GkeClusterArgs} for every default.
   * @param opts - component options.
   * @throws Error listing every problem {@link validateGkeClusterArgs} finds, before any resource is created.
   */
  constructor(name: string, args: GkeClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    const problems = validateGkeClusterArgs(args, name);
    if (problems.length > 0) {
      throw new Error(`GkeCluster "${name}" has invalid arguments:\n- ${problems.join("\n- ")}`);
    }
    super("platform:index:GkeCluster", name, {}, opts);

    const settings = resolveGkeClusterArgs(args);
    const { project, region } = settings;
    const stateful = statefulResourceOptions(settings.protect);

    const provider = new gcp.Provider(`${name}-gcp`, { project, region, defaultLabels: { ...settings.labels } }, { parent: this });
    const child = { parent: this, provider };
    const projectInfo = gcp.organizations.getProjectOutput({ projectId: project }, child);
    const zones = gcp.compute
      .getZonesOutput({ project, region, status: "UP" }, child)
      .names.apply((names) => [...names].sort().slice(0, gkeDefaults.zoneCount));

    // --- APIs ---------------------------------------------------------------------------------
    const services = Object.entries(GKE_SERVICES).map(
      ([role, service]) => new gcp.projects.Service(`${name}-api-${role}`, { project, service, disableOnDestroy: false }, child),
    );
    const afterServices = { ...child, dependsOn: services };

    // --- Network ------------------------------------------------------------------------------
    const network = new gcp.compute.Network(
      `${name}-network`,
      { autoCreateSubnetworks: false, routingMode: "REGIONAL", description: `Network of GKE cluster ${name}` },
      { ...afterServices, ...stateful },
    );
    const subnetwork = new gcp.compute.Subnetwork(
      `${name}-subnet`,
      {
        network: network.id,
        region,
        ipCidrRange: settings.subnetCidr,
        privateIpGoogleAccess: true,
        secondaryIpRanges: [
          { rangeName: GKE_SECONDARY_RANGES.pods, ipCidrRange: settings.podsCidr },
          { rangeName: GKE_SECONDARY_RANGES.services, ipCidrRange: settings.servicesCidr },
        ],
        logConfig: { aggregationInterval: "INTERVAL_5_SEC", flowSampling: 0.5, metadata: "INCLUDE_ALL_METADATA" },
      },
      child,
    );
    const router = new gcp.compute.Router(`${name}-router`, { network: network.id, region }, child);
    new gcp.compute.RouterNat(
      `${name}-nat`,
      {
        router: router.name,
        region,
        natIpAllocateOption: "AUTO_ONLY",
        sourceSubnetworkIpRangesToNat: "ALL_SUBNETWORKS_ALL_IP_RANGES",
        logConfig: { enable: true, filter: "ERRORS_ONLY" },
      },
      child,
    );

    // --- Encryption key -----------------------------------------------------------------------
    const keyRing = new gcp.kms.KeyRing(`${name}-keyring`, { location: region }, { ...afterServices, ...stateful });
    const cryptoKey = new gcp.kms.CryptoKey(
      `${name}-secrets-key`,
      { keyRing: keyRing.id, purpose: "ENCRYPT_DECRYPT", rotationPeriod: `${90 * 24 * 60 * 60}s` },
      { ...child, ...stateful },
    );
    const keyAccess = new gcp.kms.CryptoKeyIAMMember(
      `${name}-secrets-key-gke-agent`,
      {
        cryptoKeyId: cryptoKey.id,
        role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
        member: projectInfo.number.apply(gkeServiceAgentMember),
      },
      afterServices,
    );

    // --- Node service account -----------------------------------------------------------------
    const nodeAccount = new gcp.serviceaccount.Account(
      `${name}-nodes`,
      { accountId: gkeNodeServiceAccountId(name), displayName: `Nodes of GKE cluster ${name}` },
      afterServices,
    );
    const nodeRoles = Object.entries(GKE_NODE_ROLES).map(
      ([role, id]) =>
        new gcp.projects.IAMMember(
          `${name}-nodes-${role}`,
          { project, role: id, member: pulumi.interpolate`serviceAccount:${nodeAccount.email}` },
          child,
        ),
    );

    // --- Cluster ------------------------------------------------------------------------------
    const publicCidrs = [...settings.endpointPublicAccessCidrs];
    const workloadPool = `${project}.svc.id.goog`;
    const cluster = new gcp.container.Cluster(
      `${name}-cluster`,
      {
        name,
        location: region,
        network: network.id,
        subnetwork: subnetwork.id,
        // Node pools are separate resources; the default pool exists only while the cluster is created.
        removeDefaultNodePool: true,
        initialNodeCount: 1,
        networkingMode: "VPC_NATIVE",
        ipAllocationPolicy: {
          clusterSecondaryRangeName: GKE_SECONDARY_RANGES.pods,
          servicesSecondaryRangeName: GKE_SECONDARY_RANGES.services,
        },
        privateClusterConfig: {
          enablePrivateNodes: true,
          enablePrivateEndpoint: publicCidrs.length === 0,
          masterIpv4CidrBlock: settings.masterIpv4CidrBlock,
        },
        masterAuthorizedNetworksConfig: {
          cidrBlocks: publicCidrs.map((cidrBlock, i) => ({ cidrBlock, displayName: `operators-${i}` })),
          gcpPublicCidrsAccessEnabled: false,
        },
        releaseChannel: { channel: settings.releaseChannel },
        minMasterVersion: settings.kubernetesVersion,
        workloadIdentityConfig: { workloadPool },
        databaseEncryption: { state: "ENCRYPTED", keyName: cryptoKey.id },
        datapathProvider: "ADVANCED_DATAPATH",
        enableShieldedNodes: true,
        enableLegacyAbac: false,
        addonsConfig: {
          gcePersistentDiskCsiDriverConfig: { enabled: true },
          httpLoadBalancing: { disabled: false },
          horizontalPodAutoscaling: { disabled: false },
        },
        loggingConfig: { enableComponents: ["SYSTEM_COMPONENTS", "WORKLOADS", "APISERVER", "CONTROLLER_MANAGER", "SCHEDULER"] },
        monitoringConfig: {
          enableComponents: ["SYSTEM_COMPONENTS", "APISERVER", "CONTROLLER_MANAGER", "SCHEDULER"],
          managedPrometheus: { enabled: true },
        },
        deletionProtection: settings.protect,
        resourceLabels: { ...settings.labels },
      },
      { ...child, ...stateful, dependsOn: [...services, keyAccess] },
    );

    const nodePools = settings.nodePools.map(
      (pool) =>
        new gcp.container.NodePool(
          `${name}-pool-${pool.name}`,
          {
            name: pool.name,
            cluster: cluster.name,
            location: region,
            nodeLocations: zones,
            initialNodeCount: pool.minNodesPerZone,
            autoscaling: { minNodeCount: pool.minNodesPerZone, maxNodeCount: pool.maxNodesPerZone, locationPolicy: "BALANCED" },
            management: { autoRepair: true, autoUpgrade: true },
            upgradeSettings: { strategy: "SURGE", maxSurge: 1, maxUnavailable: 0 },
            nodeConfig: {
              machineType: pool.machineType,
              diskSizeGb: pool.diskSizeGiB,
              diskType: "pd-balanced",
              imageType: "COS_CONTAINERD",
              serviceAccount: nodeAccount.email,
              oauthScopes: ["https://www.googleapis.com/auth/cloud-platform"],
              workloadMetadataConfig: { mode: "GKE_METADATA" },
              shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
              metadata: { "disable-legacy-endpoints": "true" },
              spot: pool.spot,
              labels: { ...pool.labels },
              resourceLabels: { ...settings.labels },
            },
          },
          // initialNodeCount only matters at creation; a later change would replace the pool.
          { ...child, dependsOn: nodeRoles, ignoreChanges: ["initialNodeCount"] },
        ),
    );

    // --- Kubernetes ---------------------------------------------------------------------------
    const kubeconfig = pulumi.secret(
      pulumi
        .all([cluster.name, cluster.endpoint, cluster.masterAuth])
        .apply(([clusterName, endpoint, auth]) =>
          gkeKubeconfig({ project, region, clusterName, endpoint, clusterCaCertificate: auth.clusterCaCertificate }),
        ),
    );
    const k8sProvider = new k8s.Provider(
      `${name}-k8s`,
      { kubeconfig, enableServerSideApply: true },
      { parent: this, dependsOn: nodePools },
    );

    // --- Outputs ------------------------------------------------------------------------------
    this.gcpProvider = provider;
    this.cluster = cluster;
    this.clusterName = cluster.name;
    this.networkId = network.id;
    this.subnetworkId = subnetwork.id;
    this.workloadPool = workloadPool;
    this.nodeServiceAccountEmail = nodeAccount.email;
    this.kubeconfig = kubeconfig;
    this.platform = {
      kind: "kubernetes",
      flavour: "gke",
      environment: settings.environment,
      provider: k8sProvider,
      clusterName: this.clusterName,
      kubeconfig,
      storageClass: gkeDefaults.storageClass,
      ingress: { serviceType: "LoadBalancer", serviceAnnotations: GKE_LB_ANNOTATIONS },
      zones,
      cluster,
      cloud: { kind: "gcp", provider, project, region, networkId: this.networkId, workloadPool },
    };
    this.registerOutputs({
      clusterName: this.clusterName,
      networkId: this.networkId,
      subnetworkId: this.subnetworkId,
      nodeServiceAccountEmail: this.nodeServiceAccountEmail,
      kubeconfig: this.kubeconfig,
    });
  }
}
