/**
 * The GKE target's arguments, defaults and validation: plain data and pure functions, so stack
 * config can check a GKE stack without loading `@pulumi/gcp`.
 *
 * @see https://cloud.google.com/kubernetes-engine/docs/how-to/hardening-your-cluster
 */
import type { GkeClusterArgs, GkeNodePoolArgs } from "../args";
import { allowListProblems, networkOf, parseIpv4Cidr } from "../../shared/cidr";
import type { Environment } from "../../contract/platform";
import { webhookPortsBeyondGke } from "../../contract/webhooks";


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
  readonly webhookPorts: readonly number[];
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
    webhookPorts: args.webhookPorts ?? webhookPortsBeyondGke(),
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

  resolved.webhookPorts.forEach((port, index) => {
    if (!Number.isInteger(port) || port < 1 || port > 65535) problems.push(`\`webhookPorts[${index}]\` must be a TCP port from 1 to 65535 (got ${port})`);
  });

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
