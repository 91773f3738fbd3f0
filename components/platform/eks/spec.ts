/**
 * The EKS target's arguments, defaults and validation, and the subnet plan: plain data and pure
 * functions, so stack config can check an EKS stack without loading `@pulumi/aws`.
 *
 * @see https://docs.aws.amazon.com/eks/latest/best-practices/introduction.html
 */
import { EKS_ACCESS_POLICIES, EKS_CLUSTER_LOG_TYPES, type EksAccessEntryArgs, type EksClusterArgs, type EksNodeGroupArgs } from "../args";
import { allowListProblems, formatIpv4Cidr, networkOf, parseIpv4Cidr } from "../../shared/cidr";
import type { Environment } from "../../contract/platform";


export { formatIpv4Cidr, parseIpv4Cidr, type Ipv4Cidr } from "../../shared/cidr";

/** The control-plane log types EKS can send to CloudWatch. */
export type EksClusterLogType = NonNullable<EksClusterArgs["clusterLogTypes"]>[number];

/**
 * Defaults for {@link EksCluster}, merged once by {@link resolveEksClusterArgs}. They match the
 * `@default` tags of {@link EksClusterArgs} and {@link EksNodeGroupArgs}.
 */
export const eksDefaults = {
  /** Zones in prod; at least 3 so a zone can fail while etcd-backed workloads keep a quorum. */
  availabilityZoneCountProd: 3,
  /** Zones outside prod. */
  availabilityZoneCount: 2,
  vpcCidr: "10.0.0.0/16",
  kubernetesVersion: "1.34",
  nodeGroupName: "general",
  nodeGroup: {
    instanceTypes: ["m6i.large"],
    minSize: 2,
    maxSize: 6,
    diskSizeGiB: 50,
    capacityType: "ON_DEMAND",
  },
  /**
   * What prod's node groups default to instead: three nodes of 4 vCPUs and 16 GiB (12 vCPUs and
   * 48 GiB in all), one per zone, for the about 8 vCPUs the platform's pods request in prod (`npm run plan` prints the figure). Karpenter
   * adds nodes beyond them.
   */
  nodeGroupProd: {
    instanceTypes: ["m6i.xlarge"],
    minSize: 3,
  },
  accessEntries: [] as EksAccessEntryArgs[],
  karpenter: {
    enabled: true,
    cpuLimit: 64,
    /** The AL2023 release of 2026-07-14 (`amazon-eks-node-al2023-x86_64-standard-1.34-v20260714`, also built for 1.33 to 1.36). @see https://github.com/awslabs/amazon-eks-ami/releases/tag/v20260714 */
    amiAlias: "al2023@v20260714",
  },
  endpointPublicAccessCidrs: [] as string[],
  clusterLogTypes: ["api", "audit", "authenticator", "controllerManager", "scheduler"] as EksClusterLogType[],
  logRetentionDays: 90,
  /** The StorageClass the platform promises: the EBS CSI add-on (`AwsEbsCsiDriver`) creates it as the cluster default. */
  storageClass: "gp3",
} as const;

/** The tag Karpenter finds the cluster's subnets and security group by; its value is the cluster's name. @see https://karpenter.sh/docs/concepts/nodeclasses/ */
export const KARPENTER_DISCOVERY_TAG = "karpenter.sh/discovery";

/**
 * The AWS managed access policy of each {@link EKS_ACCESS_POLICIES} name.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/access-policy-permissions.html
 */
export const EKS_ACCESS_POLICY_ARNS: Readonly<Record<(typeof EKS_ACCESS_POLICIES)[number], string>> = {
  "cluster-admin": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
  admin: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminPolicy",
  edit: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy",
  view: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy",
};

/** The longest EKS cluster name. @see https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateCluster.html */
export const EKS_CLUSTER_NAME_MAX = 100;

/**
 * The EKS cluster's name: the component's name and the stack's, so two stacks of the project can
 * share an account and region (`platform-prod`, `platform-staging`). The cluster's log group, KMS
 * alias and IAM role names derive from it. Characters a stack name may have and EKS refuses (`.`)
 * become `-`.
 *
 * @param name - the component's name.
 * @param stack - the stack's name (`pulumi.getStack()`).
 * @returns `<name>-<stack>`; {@link validateEksClusterArgs} checks its length.
 * @see https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateCluster.html
 */
export function eksClusterName(name: string, stack: string): string {
  return `${name}-${stack.replace(/[^A-Za-z0-9_-]/g, "-")}`;
}

/** An access entry's principal, read from its ARN. */
export interface IamPrincipal {
  readonly partition: string;
  readonly accountId: string;
  readonly kind: "role" | "user";
  /** The path, `/` when none. */
  readonly path: string;
  readonly name: string;
}

const IAM_PRINCIPAL_ARN = /^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):(role|user)(\/(?:[\x21-\x7e]*\/)?)([\w+=,.@-]{1,64})$/;

/**
 * Reads an IAM role or user ARN, such as `arn:aws:iam::123456789012:role/ci` or
 * `arn:aws:iam::123456789012:role/teams/operators`.
 *
 * @param arn - the ARN.
 * @returns the principal, or `undefined` when `arn` is not an IAM role or user ARN.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns
 */
export function parseIamPrincipalArn(arn: string): IamPrincipal | undefined {
  const match = IAM_PRINCIPAL_ARN.exec(arn);
  if (!match) return undefined;
  return { partition: match[1], accountId: match[2], kind: match[3] as "role" | "user", path: match[4], name: match[5] };
}

/**
 * The part of an access entry's resource names that names its principal: account, kind and name,
 * lowercased (IAM names are unique regardless of case), such as `123456789012-role-ci`.
 *
 * @param arn - a principal ARN {@link parseIamPrincipalArn} reads.
 * @throws Error when it does not.
 */
export function accessEntryKey(arn: string): string {
  const principal = parseIamPrincipalArn(arn);
  if (!principal) throw new Error(`"${arn}" is not an IAM role or user ARN`);
  return `${principal.accountId}-${principal.kind}-${principal.name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "")}`;
}

/** The retention periods CloudWatch Logs accepts, in days. */
export const CLOUDWATCH_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** The most availability zones any AWS region offers. */
export const MAX_AVAILABILITY_ZONES = 6;

/**
 * The annotations that make the AWS Load Balancer Controller put an internet-facing NLB (IP targets)
 * in front of a `LoadBalancer` Service, with client IP preservation on, so the pods see the client's
 * address rather than the NLB's. The controller is a cluster add-on (`AwsLoadBalancerController`,
 * from `createEksAddons`); without it the Service gets no load balancer (the in-tree controller
 * ignores `external`).
 *
 * @see https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/service/annotations/
 * @see https://docs.aws.amazon.com/elasticloadbalancing/latest/network/edit-target-group-attributes.html#client-ip-preservation
 * @see https://docs.aws.amazon.com/eks/latest/userguide/network-load-balancing.html
 */
export const EKS_NLB_ANNOTATIONS: Readonly<Record<string, string>> = {
  "service.beta.kubernetes.io/aws-load-balancer-type": "external",
  "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
  "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing",
  // NLB target groups of IP targets over TCP do not preserve the client's address by default; the
  // gateway needs it to rate-limit per client.
  "service.beta.kubernetes.io/aws-load-balancer-target-group-attributes": "preserve_client_ip.enabled=true",
};

/** A node group with every default filled in. */
export interface ResolvedEksNodeGroup {
  readonly name: string;
  readonly instanceTypes: readonly string[];
  readonly minSize: number;
  readonly maxSize: number;
  readonly desiredSize: number;
  /** The root volume size, in GiB. */
  readonly diskSizeGiB: number;
  readonly capacityType: "ON_DEMAND" | "SPOT";
  readonly labels: Readonly<Record<string, string>>;
}

/** {@link EksKarpenterArgs} with every default filled in. */
export interface ResolvedEksKarpenter {
  readonly enabled: boolean;
  readonly cpuLimit: number;
  readonly amiAlias: string;
}

/** {@link EksClusterArgs} with every default filled in. */
export interface ResolvedEksClusterArgs {
  readonly environment: Environment;
  readonly region: string;
  readonly availabilityZoneCount: number;
  readonly vpcCidr: string;
  readonly kubernetesVersion: string;
  readonly nodeGroups: readonly ResolvedEksNodeGroup[];
  readonly endpointPublicAccessCidrs: readonly string[];
  readonly clusterLogTypes: readonly EksClusterLogType[];
  /** In days. */
  readonly logRetentionDays: number;
  readonly accessEntries: readonly EksAccessEntryArgs[];
  readonly karpenter: ResolvedEksKarpenter;
  readonly protect: boolean;
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * Fills in the defaults of a node group.
 *
 * @param group - the node group as the user wrote it.
 * @param prod - whether the cluster is prod's, whose groups default to {@link eksDefaults}`.nodeGroupProd`.
 * @returns the group with `instanceTypes`, sizes, disk, capacity type and labels set.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/managed-node-groups.html
 */
export function resolveEksNodeGroup(group: EksNodeGroupArgs, prod = false): ResolvedEksNodeGroup {
  const defaults = prod ? { ...eksDefaults.nodeGroup, ...eksDefaults.nodeGroupProd } : eksDefaults.nodeGroup;
  const minSize = group.minSize ?? defaults.minSize;
  return {
    name: group.name,
    instanceTypes: group.instanceTypes ?? defaults.instanceTypes,
    minSize,
    maxSize: group.maxSize ?? eksDefaults.nodeGroup.maxSize,
    desiredSize: group.desiredSize ?? minSize,
    diskSizeGiB: group.diskSizeGiB ?? eksDefaults.nodeGroup.diskSizeGiB,
    capacityType: group.capacityType ?? eksDefaults.nodeGroup.capacityType,
    labels: group.labels ?? {},
  };
}

/**
 * Merges {@link eksDefaults} into the args, once.
 *
 * @param args - the args as the user wrote them.
 * @returns the args with every optional field set; `protect` defaults to `environment === "prod"`.
 * @see https://www.pulumi.com/registry/packages/aws/api-docs/eks/cluster/
 */
export function resolveEksClusterArgs(args: EksClusterArgs): ResolvedEksClusterArgs {
  const prod = args.environment === "prod";
  return {
    environment: args.environment,
    region: args.region,
    availabilityZoneCount:
      args.availabilityZoneCount ?? (prod ? eksDefaults.availabilityZoneCountProd : eksDefaults.availabilityZoneCount),
    vpcCidr: args.vpcCidr ?? eksDefaults.vpcCidr,
    kubernetesVersion: args.kubernetesVersion ?? eksDefaults.kubernetesVersion,
    nodeGroups: (args.nodeGroups ?? [{ name: eksDefaults.nodeGroupName }]).map((group) => resolveEksNodeGroup(group, prod)),
    endpointPublicAccessCidrs: args.endpointPublicAccessCidrs ?? eksDefaults.endpointPublicAccessCidrs,
    clusterLogTypes: args.clusterLogTypes ?? eksDefaults.clusterLogTypes,
    logRetentionDays: args.logRetentionDays ?? eksDefaults.logRetentionDays,
    accessEntries: args.accessEntries ?? eksDefaults.accessEntries,
    karpenter: {
      enabled: args.karpenter?.enabled ?? eksDefaults.karpenter.enabled,
      cpuLimit: args.karpenter?.cpuLimit ?? eksDefaults.karpenter.cpuLimit,
      amiAlias: args.karpenter?.amiAlias ?? eksDefaults.karpenter.amiAlias,
    },
    protect: args.protect ?? prod,
    tags: args.tags ?? {},
  };
}

/** The public and private subnet blocks of a VPC, one of each per zone, in zone order. */
export interface SubnetCidrs {
  readonly public: string[];
  readonly private: string[];
}

/** The smallest subnet AWS allows. */
const MIN_SUBNET_PREFIX = 28;

/**
 * Splits a VPC block into one private and one public subnet per zone.
 *
 * The first half of the VPC holds the private subnets, which are large because the VPC CNI gives
 * every pod a VPC address; the second half holds the public subnets, a quarter of the size of a
 * private one (they carry only NAT gateways and load balancers). The rest of the second half stays
 * free for later use. For `10.0.0.0/16` and three zones: private `10.0.0.0/19`, `10.0.32.0/19`,
 * `10.0.64.0/19`; public `10.0.128.0/21`, `10.0.136.0/21`, `10.0.144.0/21`.
 *
 * @param vpcCidr - the VPC's IPv4 block, `/16` to `/24`, written as a network address.
 * @param zoneCount - how many zones; at least 1.
 * @returns the public and private blocks, index `i` for zone `i`.
 * @throws Error when `vpcCidr` is not a network address of an allowed size, when `zoneCount` is not
 *   a positive integer, or when the public subnets would be smaller than AWS's `/28` minimum.
 * @see https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html
 * @see https://docs.aws.amazon.com/eks/latest/userguide/network-reqs.html
 */
export function subnetCidrs(vpcCidr: string, zoneCount: number): SubnetCidrs {
  const vpc = parseIpv4Cidr(vpcCidr);
  if (!vpc) throw new Error(`\`vpcCidr\` must be an IPv4 CIDR block such as 10.0.0.0/16 (got "${vpcCidr}")`);
  if (vpc.prefix < 16 || vpc.prefix > MIN_SUBNET_PREFIX) {
    throw new Error(`\`vpcCidr\` must be between /16 and /28, as AWS allows for a VPC (got ${vpcCidr})`);
  }
  const network = networkOf(vpc);
  if (network.address !== vpc.address) {
    throw new Error(`\`vpcCidr\` ${vpcCidr} has host bits set; did you mean ${formatIpv4Cidr(network)}?`);
  }
  if (!Number.isInteger(zoneCount) || zoneCount < 1) {
    throw new Error(`the zone count must be a positive integer (got ${zoneCount})`);
  }
  const zoneBits = Math.ceil(Math.log2(zoneCount));
  const privatePrefix = vpc.prefix + 1 + zoneBits;
  const publicPrefix = privatePrefix + 2;
  if (publicPrefix > MIN_SUBNET_PREFIX) {
    throw new Error(
      `\`vpcCidr\` ${vpcCidr} is too small for ${zoneCount} zones: the public subnets would be /${publicPrefix}, ` +
        `smaller than AWS's /${MIN_SUBNET_PREFIX} minimum; use /${vpc.prefix - (publicPrefix - MIN_SUBNET_PREFIX)} or larger`,
    );
  }
  const half = 2 ** (32 - vpc.prefix - 1);
  const zones = Array.from({ length: zoneCount }, (_, i) => i);
  return {
    private: zones.map((i) => formatIpv4Cidr({ address: vpc.address + i * 2 ** (32 - privatePrefix), prefix: privatePrefix })),
    public: zones.map((i) => formatIpv4Cidr({ address: vpc.address + half + i * 2 ** (32 - publicPrefix), prefix: publicPrefix })),
  };
}

/**
 * How many NAT gateways the VPC gets: one per zone in prod, so losing a zone does not cut the
 * other zones' egress, and a single one elsewhere, to save cost.
 *
 * @param environment - the deployment environment.
 * @param zoneCount - the zones the VPC spans.
 * @see https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-basics.html
 */
export function natGatewayCount(environment: Environment, zoneCount: number): number {
  return environment === "prod" ? zoneCount : 1;
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const EKS_CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]*$/;
/** Node group names become a `nodeGroupNamePrefix`; EKS adds 26 characters and allows 63. */
const NODE_GROUP_NAME = /^[a-z0-9]([a-z0-9-]{0,34}[a-z0-9])?$/;
const KUBERNETES_MINOR = /^1\.\d{1,2}$/;
const LOG_TYPES: readonly string[] = EKS_CLUSTER_LOG_TYPES;

function isCount(value: number): boolean {
  return Number.isInteger(value) && value >= 0;
}

/**
 * Checks {@link EksClusterArgs} and returns every problem at once, each naming its field in
 * backticks. The {@link EksCluster} constructor throws them before it creates any resource.
 *
 * @param args - the args as the user wrote them.
 * @param name - the component's name, which starts the EKS cluster's name; checked when given.
 * @param stack - the stack's name, which ends it ({@link eksClusterName}); with `name`, the whole name's length is checked.
 * @returns the problems; empty when the args are fine.
 * @see https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateCluster.html
 * @see https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateNodegroup.html
 * @see https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateAccessEntry.html
 */
export function validateEksClusterArgs(args: EksClusterArgs, name?: string, stack?: string): string[] {
  const problems: string[] = [];
  const resolved = resolveEksClusterArgs(args);
  const prod = resolved.environment === "prod";

  if (name !== undefined && (!EKS_CLUSTER_NAME.test(name) || name.length > EKS_CLUSTER_NAME_MAX)) {
    problems.push(
      `the component name "${name}" starts the EKS cluster name: it must start with a letter or digit, ` +
        `contain only letters, digits, '-' and '_', and be at most ${EKS_CLUSTER_NAME_MAX} characters`,
    );
  } else if (name !== undefined && stack !== undefined && eksClusterName(name, stack).length > EKS_CLUSTER_NAME_MAX) {
    const clusterName = eksClusterName(name, stack);
    problems.push(
      `the EKS cluster name "${clusterName}" (component name and stack) is ${clusterName.length} characters, ` +
        `more than EKS's ${EKS_CLUSTER_NAME_MAX}; use a shorter component or stack name`,
    );
  }
  if (!["dev", "staging", "prod"].includes(resolved.environment)) {
    problems.push(`\`environment\` must be "dev", "staging" or "prod" (got "${resolved.environment}")`);
  }
  if (!AWS_REGION.test(resolved.region ?? "")) {
    problems.push(`\`region\` must be an AWS region such as eu-west-1 (got "${resolved.region}")`);
  }

  const zones = resolved.availabilityZoneCount;
  if (!Number.isInteger(zones)) {
    problems.push(`\`availabilityZoneCount\` must be a whole number (got ${zones})`);
  } else if (zones < 2) {
    problems.push(`\`availabilityZoneCount\` must be at least 2 (got ${zones})`);
  } else if (zones > MAX_AVAILABILITY_ZONES) {
    problems.push(`\`availabilityZoneCount\` must be at most ${MAX_AVAILABILITY_ZONES}, the most zones an AWS region has (got ${zones})`);
  } else if (prod && zones < 3) {
    problems.push(`\`availabilityZoneCount\` must be at least 3 in prod (got ${zones})`);
  }
  if (Number.isInteger(zones) && zones >= 1) {
    try {
      subnetCidrs(resolved.vpcCidr, zones);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }

  if (!KUBERNETES_MINOR.test(resolved.kubernetesVersion)) {
    problems.push(`\`kubernetesVersion\` must be a Kubernetes minor version such as "1.34" (got "${resolved.kubernetesVersion}")`);
  }

  if (resolved.nodeGroups.length === 0) {
    problems.push("`nodeGroups` must contain at least one node group");
  }
  const seen = new Set<string>();
  resolved.nodeGroups.forEach((group, index) => {
    const field = `nodeGroups[${index}]`;
    if (!NODE_GROUP_NAME.test(group.name ?? "")) {
      problems.push(
        `\`${field}.name\` must be 1 to 36 lowercase letters, digits and '-', starting and ending with a letter or digit (got "${group.name}")`,
      );
    }
    if (seen.has(group.name)) problems.push(`\`${field}.name\` "${group.name}" is used by another node group`);
    seen.add(group.name);
    if (group.instanceTypes.length === 0) problems.push(`\`${field}.instanceTypes\` must name at least one instance type`);
    if (!isCount(group.minSize)) problems.push(`\`${field}.minSize\` must be an integer ≥ 0 (got ${group.minSize})`);
    if (!isCount(group.maxSize) || group.maxSize < 1) problems.push(`\`${field}.maxSize\` must be an integer ≥ 1 (got ${group.maxSize})`);
    if (!isCount(group.desiredSize)) problems.push(`\`${field}.desiredSize\` must be an integer ≥ 0 (got ${group.desiredSize})`);
    if (group.minSize > group.maxSize) {
      problems.push(`\`${field}.minSize\` (${group.minSize}) must not exceed \`maxSize\` (${group.maxSize})`);
    } else if (group.desiredSize < group.minSize || group.desiredSize > group.maxSize) {
      problems.push(
        `\`${field}.desiredSize\` (${group.desiredSize}) must be between \`minSize\` (${group.minSize}) and \`maxSize\` (${group.maxSize})`,
      );
    }
    if (!Number.isInteger(group.diskSizeGiB) || group.diskSizeGiB < 20 || group.diskSizeGiB > 16384) {
      problems.push(`\`${field}.diskSizeGiB\` must be an integer from 20 to 16384 GiB (got ${group.diskSizeGiB})`);
    }
    if (group.capacityType !== "ON_DEMAND" && group.capacityType !== "SPOT") {
      problems.push(`\`${field}.capacityType\` must be "ON_DEMAND" or "SPOT" (got "${group.capacityType}")`);
    }
  });

  problems.push(...allowListProblems("endpointPublicAccessCidrs", resolved.endpointPublicAccessCidrs, resolved.environment));

  for (const type of resolved.clusterLogTypes) {
    if (!LOG_TYPES.includes(type)) {
      problems.push(`\`clusterLogTypes\` may contain only ${LOG_TYPES.map((t) => `"${t}"`).join(", ")} (got "${type}")`);
    }
  }
  if (!CLOUDWATCH_RETENTION_DAYS.includes(resolved.logRetentionDays)) {
    problems.push(
      `\`logRetentionDays\` must be one of the periods CloudWatch Logs accepts (${CLOUDWATCH_RETENTION_DAYS.join(", ")}) ` +
        `(got ${resolved.logRetentionDays})`,
    );
  }
  problems.push(...accessEntryProblems(resolved.accessEntries));

  const { cpuLimit, amiAlias } = resolved.karpenter;
  if (!Number.isInteger(cpuLimit) || cpuLimit < 1) problems.push(`\`karpenter.cpuLimit\` must be a whole number of vCPUs, at least 1 (got ${cpuLimit})`);
  if (!KARPENTER_AMI_ALIAS.test(amiAlias ?? "") || amiAlias.length > 30 || (/^windows/.test(amiAlias) && !amiAlias.endsWith("@latest"))) {
    problems.push(
      `\`karpenter.amiAlias\` must be "family@version" (at most 30 characters) with family al2023, al2, bottlerocket or windows2019/2022/2025 ` +
        `and version "latest" or an AMI release such as v20260714 (Windows: latest only) (got "${amiAlias}")`,
    );
  }
  return problems;
}

/** The EC2NodeClass's `amiSelectorTerms[].alias` format (its CRD's CEL rules). */
const KARPENTER_AMI_ALIAS = /^(al2|al2023|bottlerocket|windows2019|windows2022|windows2025)@.+$/;

/**
 * The problems of `accessEntries`: a principal that is not an IAM role or user ARN (an `sts`
 * assumed-role ARN, a typo), a policy that is not one of {@link EKS_ACCESS_POLICIES}, and a
 * principal listed twice (EKS allows one access entry per principal).
 */
function accessEntryProblems(entries: readonly EksAccessEntryArgs[]): string[] {
  const problems: string[] = [];
  const seen = new Map<string, number>();
  entries.forEach((entry, index) => {
    const field = `accessEntries[${index}]`;
    const arn = entry.principalArn ?? "";
    if (/^arn:[^:]+:sts::\d{12}:assumed-role\//.test(arn)) {
      problems.push(`\`${field}.principalArn\` is an STS assumed-role session ("${arn}"); give the role's ARN, arn:aws:iam::<account>:role/<name>`);
    } else if (!parseIamPrincipalArn(arn)) {
      problems.push(`\`${field}.principalArn\` must be an IAM role or user ARN such as arn:aws:iam::123456789012:role/ci (got "${arn}")`);
    } else {
      const key = accessEntryKey(arn);
      const first = seen.get(key);
      if (first !== undefined) problems.push(`\`${field}.principalArn\` names the same principal as \`accessEntries[${first}]\`; EKS allows one access entry per principal`);
      else seen.set(key, index);
    }
    if (!(EKS_ACCESS_POLICIES as readonly string[]).includes(entry.policy)) {
      problems.push(`\`${field}.policy\` must be one of ${EKS_ACCESS_POLICIES.join(", ")} (got "${entry.policy}")`);
    }
  });
  return problems;
}
