/**
 * The EKS target: a VPC, an EKS cluster with managed node groups and add-ons, and the
 * {@link KubernetesPlatform} that components deploy onto.
 *
 * Built from raw `@pulumi/aws` resources rather than `@pulumi/eks` or awsx, whose remote components
 * are invisible under Pulumi's mock runtime, so every resource here can be tested.
 *
 * @see https://docs.aws.amazon.com/eks/latest/best-practices/introduction.html
 * @see https://www.pulumi.com/registry/packages/aws/api-docs/eks/cluster/
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { statefulResourceOptions } from "../shared/options";
import { AWS_LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT, AwsLoadBalancerController } from "./aws-load-balancer-controller";
import type { EksClusterArgs, EksNodeGroupArgs } from "./args";
import { allowListProblems, formatIpv4Cidr, networkOf, parseIpv4Cidr } from "../shared/cidr";
import type { Environment, KubernetesPlatform } from "./types";

export { formatIpv4Cidr, parseIpv4Cidr, type Ipv4Cidr } from "../shared/cidr";

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
  endpointPublicAccessCidrs: [] as string[],
  clusterLogTypes: ["api", "audit", "authenticator", "controllerManager", "scheduler"] as EksClusterLogType[],
  logRetentionDays: 90,
  /** The StorageClass the component creates and makes the cluster default. */
  storageClass: "gp3",
} as const;

/** The retention periods CloudWatch Logs accepts, in days. */
export const CLOUDWATCH_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** The most availability zones any AWS region offers. */
export const MAX_AVAILABILITY_ZONES = 6;

/**
 * The annotations that make the AWS Load Balancer Controller put an internet-facing NLB (IP targets)
 * in front of a `LoadBalancer` Service, with client IP preservation on, so the pods see the client's
 * address rather than the NLB's. {@link EksCluster} installs the controller
 * ({@link AwsLoadBalancerController}); without it the Service gets no load balancer (the in-tree
 * controller ignores `external`).
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
  readonly protect: boolean;
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * Fills in the defaults of a node group.
 *
 * @param group - the node group as the user wrote it.
 * @returns the group with `instanceTypes`, sizes, disk, capacity type and labels set.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/managed-node-groups.html
 */
export function resolveEksNodeGroup(group: EksNodeGroupArgs): ResolvedEksNodeGroup {
  const minSize = group.minSize ?? eksDefaults.nodeGroup.minSize;
  return {
    name: group.name,
    instanceTypes: group.instanceTypes ?? eksDefaults.nodeGroup.instanceTypes,
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
    nodeGroups: (args.nodeGroups ?? [{ name: eksDefaults.nodeGroupName }]).map(resolveEksNodeGroup),
    endpointPublicAccessCidrs: args.endpointPublicAccessCidrs ?? eksDefaults.endpointPublicAccessCidrs,
    clusterLogTypes: args.clusterLogTypes ?? eksDefaults.clusterLogTypes,
    logRetentionDays: args.logRetentionDays ?? eksDefaults.logRetentionDays,
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
const LOG_TYPES: readonly string[] = ["api", "audit", "authenticator", "controllerManager", "scheduler"];

function isCount(value: number): boolean {
  return Number.isInteger(value) && value >= 0;
}

/**
 * Checks {@link EksClusterArgs} and returns every problem at once, each naming its field in
 * backticks. The {@link EksCluster} constructor throws them before it creates any resource.
 *
 * @param args - the args as the user wrote them.
 * @param name - the component's name, which is also the EKS cluster's name; checked when given.
 * @returns the problems; empty when the args are fine.
 * @see https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateCluster.html
 * @see https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateNodegroup.html
 */
export function validateEksClusterArgs(args: EksClusterArgs, name?: string): string[] {
  const problems: string[] = [];
  const resolved = resolveEksClusterArgs(args);
  const prod = resolved.environment === "prod";

  if (name !== undefined && (!EKS_CLUSTER_NAME.test(name) || name.length > 100)) {
    problems.push(
      `the component name "${name}" is used as the EKS cluster name: it must start with a letter or digit, ` +
        `contain only letters, digits, '-' and '_', and be at most 100 characters`,
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
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Documents: IAM and KMS policies, kubeconfig
// ---------------------------------------------------------------------------------------------

/**
 * An IAM trust policy that lets an AWS service assume a role.
 *
 * @param service - the service principal, such as `eks.amazonaws.com`.
 * @param actions - the STS actions; `sts:TagSession` is what EKS asks for besides `sts:AssumeRole`.
 * @returns the policy as JSON.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/cluster-iam-role.html
 */
export function serviceAssumeRolePolicy(service: string, actions: readonly string[] = ["sts:AssumeRole"]): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: actions.length === 1 ? actions[0] : [...actions] }],
  });
}

/**
 * An IAM trust policy for IAM Roles for Service Accounts (IRSA): only the named Kubernetes service
 * account, presenting a token for STS, may assume the role.
 *
 * @param oidcProviderArn - the ARN of the cluster's IAM OIDC provider.
 * @param issuerUrl - the cluster's OIDC issuer URL (`https://oidc.eks.<region>.amazonaws.com/id/<ID>`).
 * @param namespace - the service account's namespace.
 * @param serviceAccount - the service account's name.
 * @returns the policy as JSON.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html
 */
export function irsaAssumeRolePolicy(oidcProviderArn: string, issuerUrl: string, namespace: string, serviceAccount: string): string {
  const issuer = issuerUrl.replace(/^https:\/\//, "");
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: oidcProviderArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            [`${issuer}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`,
            [`${issuer}:aud`]: "sts.amazonaws.com",
          },
        },
      },
    ],
  });
}

/** What {@link eksKmsKeyPolicy} needs to know about the account. */
export interface EksKmsKeyPolicyArgs {
  /** The AWS partition, such as `aws`. */
  readonly partition: string;
  /** The partition's DNS suffix, such as `amazonaws.com`. */
  readonly dnsSuffix: string;
  readonly accountId: string;
  readonly region: string;
  /** The CloudWatch log group that the key encrypts. */
  readonly logGroupName: string;
}

/**
 * The key policy of the cluster's KMS key. It keeps AWS's default statement (the account, and so
 * IAM policies, controls the key; the cluster role gets its rights that way) and lets CloudWatch
 * Logs use the key for the control-plane log group only.
 *
 * @param args - the account, region and log group.
 * @returns the policy as JSON.
 * @see https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
 */
export function eksKmsKeyPolicy(args: EksKmsKeyPolicyArgs): string {
  const { partition, dnsSuffix, accountId, region, logGroupName } = args;
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "EnableIamPolicies",
        Effect: "Allow",
        Principal: { AWS: `arn:${partition}:iam::${accountId}:root` },
        Action: "kms:*",
        Resource: "*",
      },
      {
        Sid: "AllowControlPlaneLogGroup",
        Effect: "Allow",
        Principal: { Service: `logs.${region}.${dnsSuffix}` },
        Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        Resource: "*",
        Condition: {
          ArnEquals: { "kms:EncryptionContext:aws:logs:arn": `arn:${partition}:logs:${region}:${accountId}:log-group:${logGroupName}` },
        },
      },
    ],
  });
}

/** What {@link eksKubeconfig} needs to know about the cluster. */
export interface EksKubeconfigArgs {
  readonly clusterName: string;
  /** The API server URL. */
  readonly endpoint: string;
  /** The cluster CA certificate, base64-encoded PEM. */
  readonly certificateAuthorityData: string;
  readonly region: string;
}

/**
 * A kubeconfig (JSON, which is also YAML) that authenticates with `aws eks get-token`, so it holds
 * no credential: the caller's AWS identity must have an EKS access entry (the identity that created
 * the cluster has one). Needs the AWS CLI v2 on the machine that uses it.
 *
 * @param args - the cluster's name, endpoint, CA and region.
 * @returns the kubeconfig; treat it as a secret all the same, as it reveals the endpoint.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/create-kubeconfig.html
 * @see https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins
 */
export function eksKubeconfig(args: EksKubeconfigArgs): string {
  const { clusterName, endpoint, certificateAuthorityData, region } = args;
  return JSON.stringify(
    {
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: clusterName, cluster: { server: endpoint, "certificate-authority-data": certificateAuthorityData } }],
      contexts: [{ name: clusterName, context: { cluster: clusterName, user: clusterName } }],
      "current-context": clusterName,
      preferences: {},
      users: [
        {
          name: clusterName,
          user: {
            exec: {
              apiVersion: "client.authentication.k8s.io/v1beta1",
              command: "aws",
              args: ["eks", "get-token", "--cluster-name", clusterName, "--region", region, "--output", "json"],
              interactiveMode: "Never",
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

const POLICY = "arn:aws:iam::aws:policy";
const EBS_CSI_SERVICE_ACCOUNT = { namespace: "kube-system", name: "ebs-csi-controller-sa" } as const;

/**
 * An EKS cluster and everything it needs, on raw AWS resources, all created through an explicit
 * `aws.Provider` for `args.region`:
 *
 * - **Network.** A VPC over `availabilityZoneCount` zones with one public and one private subnet per
 *   zone (CIDRs from {@link subnetCidrs}; subnets tagged for load-balancer discovery), an internet
 *   gateway, NAT gateways ({@link natGatewayCount}: one per zone in prod) and route tables.
 * - **Control plane.** A KMS key (rotated yearly) that envelope-encrypts Kubernetes Secrets and the
 *   control-plane log group; all five log types by default; `API` authentication mode (access
 *   entries, no `aws-auth` ConfigMap); the private endpoint always on and the public one only when
 *   `endpointPublicAccessCidrs` is not empty, limited to those CIDRs.
 * - **Nodes.** Managed node groups in the private subnets only, through launch templates that
 *   require IMDSv2 (hop limit 2, so pods reach IMDS only through IRSA-aware SDKs) and an encrypted
 *   gp3 root volume.
 * - **Add-ons.** `vpc-cni`, `kube-proxy`, `coredns` and `aws-ebs-csi-driver` (with an IRSA role),
 *   as EKS managed add-ons without a pinned `addonVersion`: EKS installs the default version for
 *   the cluster's Kubernetes version, and a version bump of the cluster is the moment to pin or
 *   update them.
 * - **Kubernetes.** A `k8s.Provider` from a kubeconfig that uses `aws eks get-token`, a default
 *   `gp3` StorageClass (encrypted, `WaitForFirstConsumer`, expandable), and the AWS Load Balancer
 *   Controller ({@link AwsLoadBalancerController}, with an IRSA role) for the edge's NLB. The
 *   platform's `cluster` is the controller's release, which comes after the cluster and its nodes.
 *
 * With `protect` (default in prod), the cluster, the KMS key and the VPC get `protect` and
 * `retainOnDelete`, and the cluster gets EKS deletion protection.
 *
 * Notes:
 * - The EKS cluster is named after the component (`name`), so the log group name
 *   `/aws/eks/<name>/cluster` is known before the cluster exists; use one name per account and region.
 * - With an empty `endpointPublicAccessCidrs`, the API server is reachable only from inside the VPC:
 *   `pulumi up` must run from there (a runner in the VPC, a VPN), or the Kubernetes resources fail.
 * - The ingress annotations target the AWS Load Balancer Controller, which this component installs.
 *
 * @see https://docs.aws.amazon.com/eks/latest/best-practices/introduction.html
 * @see https://docs.aws.amazon.com/eks/latest/userguide/enable-kms.html
 * @see https://docs.aws.amazon.com/eks/latest/userguide/managed-node-groups.html
 * @see https://docs.aws.amazon.com/eks/latest/userguide/eks-add-ons.html
 * @see https://www.pulumi.com/registry/packages/aws/api-docs/eks/cluster/
 * @example
 * const eks = new EksCluster("platform", { environment: "prod", region: "eu-west-1", endpointPublicAccessCidrs: ["203.0.113.0/24"] });
 * new PostgresCluster("db", { platform: eks.platform });
 */
export class EksCluster extends pulumi.ComponentResource {
  /** The platform contract for components. */
  public readonly platform: KubernetesPlatform;
  /** The EKS cluster's name (the component's name). */
  public readonly clusterName: pulumi.Output<string>;
  /** The VPC's ID, for managed backends (RDS, ElastiCache) that join the cluster's network. */
  public readonly vpcId: pulumi.Output<string>;
  /** The private subnets' IDs, one per zone in zone order. */
  public readonly privateSubnetIds: pulumi.Output<string[]>;
  /** The security group EKS attaches to the control plane and the nodes, for managed backends' ingress rules. */
  public readonly clusterSecurityGroupId: pulumi.Output<string>;
  /** The IAM OIDC provider's ARN, for more IRSA roles. */
  public readonly oidcProviderArn: pulumi.Output<string>;
  /** The OIDC issuer URL of the cluster, for IRSA trust policies ({@link irsaAssumeRolePolicy}). */
  public readonly oidcIssuerUrl: pulumi.Output<string>;
  /** A kubeconfig that uses `aws eks get-token`; a secret. */
  public readonly kubeconfig: pulumi.Output<string>;
  /** The AWS provider for `args.region`; managed backends should create their resources with it. */
  public readonly awsProvider: aws.Provider;
  /** The EKS cluster resource. */
  public readonly cluster: aws.eks.Cluster;

  /**
   * @param name - the logical name; children are named `${name}-<role>`, and the EKS cluster itself is named `name`.
   * @param args - the cluster's settings; see {@link EksClusterArgs} for every default.
   * @param opts - component options.
   * @throws Error listing every problem {@link validateEksClusterArgs} finds, before any resource is created.
   */
  constructor(name: string, args: EksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    const problems = validateEksClusterArgs(args, name);
    if (problems.length > 0) {
      throw new Error(`EksCluster "${name}" has invalid arguments:\n- ${problems.join("\n- ")}`);
    }
    super("platform:index:EksCluster", name, {}, opts);

    const settings = resolveEksClusterArgs(args);
    const zoneCount = settings.availabilityZoneCount;
    const stateful = statefulResourceOptions(settings.protect);

    // --- Provider and account facts -----------------------------------------------------------
    const provider = new aws.Provider(
      `${name}-aws`,
      { region: settings.region, defaultTags: { tags: { ...settings.tags } } },
      { parent: this },
    );
    const child = { parent: this, provider };
    const zoneNames = aws
      .getAvailabilityZonesOutput(
        { state: "available", filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }] },
        child,
      )
      .names.apply((names) => {
        if (names.length < zoneCount) {
          throw new Error(
            `region ${settings.region} has ${names.length} available zones, fewer than \`availabilityZoneCount\` (${zoneCount})`,
          );
        }
        return names.slice(0, zoneCount);
      });
    const identity = aws.getCallerIdentityOutput({}, child);
    const partition = aws.getPartitionOutput({}, child);

    // --- Network ------------------------------------------------------------------------------
    const cidrs = subnetCidrs(settings.vpcCidr, zoneCount);
    const vpc = new aws.ec2.Vpc(
      `${name}-vpc`,
      { cidrBlock: settings.vpcCidr, enableDnsHostnames: true, enableDnsSupport: true, tags: { Name: `${name}-vpc` } },
      { ...child, ...stateful },
    );
    const internetGateway = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: { Name: `${name}-igw` } }, child);

    const zoneIndexes = Array.from({ length: zoneCount }, (_, i) => i);
    const publicSubnets = zoneIndexes.map(
      (i) =>
        new aws.ec2.Subnet(
          `${name}-public-${i}`,
          {
            vpcId: vpc.id,
            cidrBlock: cidrs.public[i],
            availabilityZone: zoneNames[i],
            mapPublicIpOnLaunch: false,
            tags: { Name: pulumi.interpolate`${name}-public-${zoneNames[i]}`, "kubernetes.io/role/elb": "1" },
          },
          child,
        ),
    );
    const privateSubnets = zoneIndexes.map(
      (i) =>
        new aws.ec2.Subnet(
          `${name}-private-${i}`,
          {
            vpcId: vpc.id,
            cidrBlock: cidrs.private[i],
            availabilityZone: zoneNames[i],
            mapPublicIpOnLaunch: false,
            tags: { Name: pulumi.interpolate`${name}-private-${zoneNames[i]}`, "kubernetes.io/role/internal-elb": "1" },
          },
          child,
        ),
    );

    const publicRouteTable = new aws.ec2.RouteTable(`${name}-public-rt`, { vpcId: vpc.id, tags: { Name: `${name}-public` } }, child);
    new aws.ec2.Route(
      `${name}-public-default-route`,
      { routeTableId: publicRouteTable.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: internetGateway.id },
      child,
    );
    publicSubnets.forEach(
      (subnet, i) => new aws.ec2.RouteTableAssociation(`${name}-public-rta-${i}`, { routeTableId: publicRouteTable.id, subnetId: subnet.id }, child),
    );

    const natGateways = zoneIndexes.slice(0, natGatewayCount(settings.environment, zoneCount)).map((i) => {
      const eip = new aws.ec2.Eip(`${name}-nat-eip-${i}`, { domain: "vpc", tags: { Name: `${name}-nat-${i}` } }, { ...child, dependsOn: [internetGateway] });
      return new aws.ec2.NatGateway(
        `${name}-nat-${i}`,
        { allocationId: eip.id, subnetId: publicSubnets[i].id, tags: { Name: `${name}-nat-${i}` } },
        { ...child, dependsOn: [internetGateway] },
      );
    });
    privateSubnets.forEach((subnet, i) => {
      const routeTable = new aws.ec2.RouteTable(`${name}-private-rt-${i}`, { vpcId: vpc.id, tags: { Name: `${name}-private-${i}` } }, child);
      new aws.ec2.Route(
        `${name}-private-default-route-${i}`,
        { routeTableId: routeTable.id, destinationCidrBlock: "0.0.0.0/0", natGatewayId: natGateways[i % natGateways.length].id },
        child,
      );
      new aws.ec2.RouteTableAssociation(`${name}-private-rta-${i}`, { routeTableId: routeTable.id, subnetId: subnet.id }, child);
    });

    // --- Encryption key and control-plane logs ------------------------------------------------
    const logGroupName = `/aws/eks/${name}/cluster`;
    const key = new aws.kms.Key(
      `${name}-secrets-key`,
      {
        description: `Envelope encryption of Kubernetes Secrets and control-plane logs of EKS cluster ${name}`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: pulumi
          .all([partition, identity])
          .apply(([p, id]) =>
            eksKmsKeyPolicy({ partition: p.partition, dnsSuffix: p.dnsSuffix, accountId: id.accountId, region: settings.region, logGroupName }),
          ),
      },
      { ...child, ...stateful },
    );
    new aws.kms.Alias(`${name}-secrets-key-alias`, { name: `alias/eks/${name}`, targetKeyId: key.arn }, child);
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-control-plane-logs`,
      { name: logGroupName, retentionInDays: settings.logRetentionDays, kmsKeyId: key.arn },
      child,
    );

    // --- Cluster ------------------------------------------------------------------------------
    const clusterRole = new aws.iam.Role(
      `${name}-cluster-role`,
      {
        description: `EKS cluster role of ${name}`,
        assumeRolePolicy: serviceAssumeRolePolicy("eks.amazonaws.com", ["sts:AssumeRole", "sts:TagSession"]),
      },
      child,
    );
    const clusterPolicy = new aws.iam.RolePolicyAttachment(
      `${name}-cluster-policy`,
      { role: clusterRole.name, policyArn: `${POLICY}/AmazonEKSClusterPolicy` },
      child,
    );
    const clusterKeyPolicy = new aws.iam.RolePolicy(
      `${name}-cluster-encryption`,
      {
        role: clusterRole.name,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"], Resource: key.arn }],
        }),
      },
      child,
    );

    const publicCidrs = [...settings.endpointPublicAccessCidrs];
    const cluster = new aws.eks.Cluster(
      `${name}-cluster`,
      {
        name,
        version: settings.kubernetesVersion,
        roleArn: clusterRole.arn,
        vpcConfig: {
          subnetIds: privateSubnets.map((s) => s.id),
          endpointPrivateAccess: true,
          endpointPublicAccess: publicCidrs.length > 0,
          publicAccessCidrs: publicCidrs.length > 0 ? publicCidrs : undefined,
        },
        encryptionConfig: { resources: ["secrets"], provider: { keyArn: key.arn } },
        enabledClusterLogTypes: [...settings.clusterLogTypes],
        accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true },
        deletionProtection: settings.protect,
      },
      { ...child, ...stateful, dependsOn: [logGroup, clusterPolicy, clusterKeyPolicy] },
    );

    const issuerUrl = cluster.identities.apply((identities) => identities[0].oidcs[0].issuer);
    const oidcProvider = new aws.iam.OpenIdConnectProvider(
      `${name}-oidc`,
      // thumbprintLists is optional: IAM validates EKS's issuer against its own trusted CAs.
      { url: issuerUrl, clientIdLists: ["sts.amazonaws.com"] },
      child,
    );

    // --- Nodes --------------------------------------------------------------------------------
    const nodeRole = new aws.iam.Role(
      `${name}-node-role`,
      { description: `EKS node role of ${name}`, assumeRolePolicy: serviceAssumeRolePolicy("ec2.amazonaws.com") },
      child,
    );
    const nodePolicies = Object.entries({
      "worker-policy": "AmazonEKSWorkerNodePolicy",
      "cni-policy": "AmazonEKS_CNI_Policy",
      "ecr-read-policy": "AmazonEC2ContainerRegistryReadOnly",
    }).map(
      ([role, policy]) =>
        new aws.iam.RolePolicyAttachment(`${name}-node-${role}`, { role: nodeRole.name, policyArn: `${POLICY}/${policy}` }, child),
    );

    // Networking add-ons first, so nodes join with the managed CNI and kube-proxy.
    const addonOptions = { resolveConflictsOnCreate: "OVERWRITE", resolveConflictsOnUpdate: "PRESERVE" } as const;
    const networkAddons = ["vpc-cni", "kube-proxy"].map(
      (addon) => new aws.eks.Addon(`${name}-addon-${addon}`, { clusterName: cluster.name, addonName: addon, ...addonOptions }, child),
    );

    const nodeGroups = settings.nodeGroups.map((group) => {
      const launchTemplate = new aws.ec2.LaunchTemplate(
        `${name}-ng-${group.name}-lt`,
        {
          description: `Nodes of EKS node group ${group.name} in ${name}: IMDSv2 only, encrypted gp3 root volume`,
          metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 2 },
          blockDeviceMappings: [
            {
              // The root device of the EKS-optimized Amazon Linux 2023 AMIs.
              deviceName: "/dev/xvda",
              ebs: { volumeSize: group.diskSizeGiB, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
            },
          ],
          tagSpecifications: ["instance", "volume"].map((resourceType) => ({
            resourceType,
            tags: { ...settings.tags, Name: `${name}-${group.name}` },
          })),
          updateDefaultVersion: true,
        },
        child,
      );
      return new aws.eks.NodeGroup(
        `${name}-ng-${group.name}`,
        {
          clusterName: cluster.name,
          nodeGroupNamePrefix: `${group.name}-`,
          version: cluster.version,
          nodeRoleArn: nodeRole.arn,
          subnetIds: privateSubnets.map((s) => s.id),
          instanceTypes: [...group.instanceTypes],
          capacityType: group.capacityType,
          scalingConfig: { minSize: group.minSize, maxSize: group.maxSize, desiredSize: group.desiredSize },
          updateConfig: { maxUnavailablePercentage: 33 },
          launchTemplate: { id: launchTemplate.id, version: launchTemplate.latestVersion.apply((v) => String(v)) },
          labels: { ...group.labels },
        },
        {
          ...child,
          dependsOn: [...nodePolicies, ...networkAddons],
          // The cluster autoscaler (or Karpenter) owns the current size once the group exists.
          ignoreChanges: ["scalingConfig.desiredSize"],
        },
      );
    });

    // Add-ons that run pods wait for nodes; without nodes they stay DEGRADED and creation times out.
    const coredns = new aws.eks.Addon(
      `${name}-addon-coredns`,
      { clusterName: cluster.name, addonName: "coredns", ...addonOptions },
      { ...child, dependsOn: nodeGroups },
    );

    const ebsCsiRole = new aws.iam.Role(
      `${name}-ebs-csi-role`,
      {
        description: `IRSA role of the EBS CSI controller in ${name}`,
        assumeRolePolicy: pulumi
          .all([oidcProvider.arn, issuerUrl])
          .apply(([arn, url]) => irsaAssumeRolePolicy(arn, url, EBS_CSI_SERVICE_ACCOUNT.namespace, EBS_CSI_SERVICE_ACCOUNT.name)),
      },
      child,
    );
    const ebsCsiPolicy = new aws.iam.RolePolicyAttachment(
      `${name}-ebs-csi-policy`,
      { role: ebsCsiRole.name, policyArn: `${POLICY}/service-role/AmazonEBSCSIDriverPolicy` },
      child,
    );
    const ebsCsiAddon = new aws.eks.Addon(
      `${name}-addon-ebs-csi`,
      { clusterName: cluster.name, addonName: "aws-ebs-csi-driver", serviceAccountRoleArn: ebsCsiRole.arn, ...addonOptions },
      { ...child, dependsOn: [...nodeGroups, ebsCsiPolicy] },
    );

    // --- Kubernetes ---------------------------------------------------------------------------
    const kubeconfig = pulumi.secret(
      pulumi
        .all([cluster.name, cluster.endpoint, cluster.certificateAuthority])
        .apply(([clusterName, endpoint, ca]) =>
          eksKubeconfig({ clusterName, endpoint, certificateAuthorityData: ca.data, region: settings.region }),
        ),
    );
    const k8sProvider = new k8s.Provider(
      `${name}-k8s`,
      { kubeconfig, enableServerSideApply: true },
      { parent: this, dependsOn: nodeGroups },
    );
    new k8s.storage.v1.StorageClass(
      `${name}-gp3`,
      {
        metadata: {
          name: eksDefaults.storageClass,
          annotations: { "storageclass.kubernetes.io/is-default-class": "true" },
        },
        provisioner: "ebs.csi.aws.com",
        parameters: { type: "gp3", encrypted: "true", "csi.storage.k8s.io/fstype": "ext4" },
        // A deleted claim keeps its volume in prod, so data outlives a mistaken uninstall.
        reclaimPolicy: settings.protect ? "Retain" : "Delete",
        volumeBindingMode: "WaitForFirstConsumer",
        allowVolumeExpansion: true,
      },
      { parent: this, provider: k8sProvider, dependsOn: [ebsCsiAddon], deleteBeforeReplace: true },
    );

    // The edge's NLB comes from this controller. The platform hands it out as `cluster`, so every
    // component's `dependsOn: [platform.cluster]` also waits for it: a gateway Service exists only
    // while the controller does, and `pulumi destroy` removes the Service (and its NLB) first.
    const loadBalancerController = new AwsLoadBalancerController(
      `${name}-lbc`,
      {
        clusterName: cluster.name,
        region: settings.region,
        vpcId: vpc.id,
        assumeRolePolicy: pulumi
          .all([oidcProvider.arn, issuerUrl])
          .apply(([arn, url]) =>
            irsaAssumeRolePolicy(arn, url, AWS_LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT.namespace, AWS_LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT.name),
          ),
        awsProvider: provider,
        k8sProvider,
        waitFor: [coredns],
      },
      { parent: this },
    );

    // --- Outputs ------------------------------------------------------------------------------
    this.awsProvider = provider;
    this.cluster = cluster;
    this.clusterName = cluster.name;
    this.vpcId = vpc.id;
    this.privateSubnetIds = pulumi.all(privateSubnets.map((s) => s.id));
    this.clusterSecurityGroupId = cluster.vpcConfig.clusterSecurityGroupId;
    this.oidcProviderArn = oidcProvider.arn;
    this.oidcIssuerUrl = issuerUrl;
    this.kubeconfig = kubeconfig;
    this.platform = {
      kind: "kubernetes",
      flavour: "eks",
      environment: settings.environment,
      provider: k8sProvider,
      clusterName: this.clusterName,
      kubeconfig,
      storageClass: eksDefaults.storageClass,
      ingress: { serviceType: "LoadBalancer", serviceAnnotations: EKS_NLB_ANNOTATIONS },
      zones: zoneNames,
      cluster: loadBalancerController.release,
      cloud: {
        kind: "aws",
        provider,
        vpcId: this.vpcId,
        privateSubnetIds: this.privateSubnetIds,
        clusterSecurityGroupId: this.clusterSecurityGroupId,
        oidcProviderArn: this.oidcProviderArn,
        oidcIssuerUrl: this.oidcIssuerUrl,
      },
    };
    this.registerOutputs({
      clusterName: this.clusterName,
      vpcId: this.vpcId,
      privateSubnetIds: this.privateSubnetIds,
      clusterSecurityGroupId: this.clusterSecurityGroupId,
      oidcProviderArn: this.oidcProviderArn,
      kubeconfig: this.kubeconfig,
    });
  }
}
