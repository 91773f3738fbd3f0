import type { Environment } from "../contract/platform";

/** EC2 capacity for a node group. @see https://docs.aws.amazon.com/eks/latest/userguide/managed-node-groups.html#managed-node-group-capacity-types */
export const EKS_CAPACITY_TYPES = ["ON_DEMAND", "SPOT"] as const;

/** The control-plane log types EKS can send to CloudWatch. @see https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html */
export const EKS_CLUSTER_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;

/** GKE's release channels. @see https://cloud.google.com/kubernetes-engine/docs/concepts/release-channels */
export const GKE_RELEASE_CHANNELS = ["RAPID", "REGULAR", "STABLE"] as const;

/** How the gateway is exposed on k3s: ServiceLB or a NodePort. @see https://docs.k3s.io/networking/networking-services#service-load-balancer */
export const K3S_INGRESS_SERVICE_TYPES = ["LoadBalancer", "NodePort"] as const;

/**
 * A managed node group of an EKS cluster. Nodes run in the private subnets only.
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/managed-node-groups.html
 */
export interface EksNodeGroupArgs {
  /** The node group's name, unique in the cluster. */
  readonly name: string;
  /** EC2 instance types, in order of preference. @default ["m6i.large"] */
  readonly instanceTypes?: readonly string[];
  /** The fewest nodes. @default 2 */
  readonly minSize?: number;
  /** The most nodes. @default 6 */
  readonly maxSize?: number;
  /** The nodes to start with; between `minSize` and `maxSize`. @default minSize */
  readonly desiredSize?: number;
  /** The root volume size of each node, in GiB. @default 50 */
  readonly diskSizeGiB?: number;
  /** `ON_DEMAND` or `SPOT`. @default "ON_DEMAND" */
  readonly capacityType?: (typeof EKS_CAPACITY_TYPES)[number];
  /** Kubernetes labels for the nodes. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * An EKS cluster and the VPC it runs in.
 *
 * @see https://docs.aws.amazon.com/eks/latest/best-practices/introduction.html
 * @see https://www.pulumi.com/registry/packages/aws/api-docs/eks/cluster/
 */
export interface EksClusterArgs {
  readonly environment: Environment;
  /** The AWS region, such as `eu-west-1`. */
  readonly region: string;
  /** How many availability zones the VPC and node groups span (at least 2). @default 3 in prod, 2 otherwise */
  readonly availabilityZoneCount?: number;
  /** The VPC's IPv4 CIDR block; split into one public and one private subnet per zone. @default "10.0.0.0/16" */
  readonly vpcCidr?: string;
  /** The Kubernetes minor version of the control plane. @default "1.34" */
  readonly kubernetesVersion?: string;
  /** Managed node groups. @default one group named `general` */
  readonly nodeGroups?: readonly EksNodeGroupArgs[];
  /**
   * CIDR blocks allowed to reach the public API endpoint. An empty list makes the endpoint
   * private only (reachable from inside the VPC). `0.0.0.0/0` is refused in prod.
   * @default []
   */
  readonly endpointPublicAccessCidrs?: readonly string[];
  /**
   * Control-plane log types sent to CloudWatch.
   * @default ["api", "audit", "authenticator", "controllerManager", "scheduler"]
   * @see https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html
   */
  readonly clusterLogTypes?: readonly (typeof EKS_CLUSTER_LOG_TYPES)[number][];
  /** How long the control-plane log group keeps events, in days. @default 90 */
  readonly logRetentionDays?: number;
  /** Protect and retain the cluster, its KMS key and its VPC. @default true in prod */
  readonly protect?: boolean;
  /** Tags for every AWS resource. @default {} */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * A node pool of a GKE cluster. The autoscaler limits are per zone, as GKE counts them.
 *
 * @see https://cloud.google.com/kubernetes-engine/docs/concepts/node-pools
 */
export interface GkeNodePoolArgs {
  /** The node pool's name, unique in the cluster. */
  readonly name: string;
  /** The Compute Engine machine type. @default "e2-standard-4" */
  readonly machineType?: string;
  /** The fewest nodes in each zone. @default 1 */
  readonly minNodesPerZone?: number;
  /** The most nodes in each zone. @default 3 */
  readonly maxNodesPerZone?: number;
  /** The boot disk size of each node, in GiB. @default 100 */
  readonly diskSizeGiB?: number;
  /** Run on Spot VMs. @default false */
  readonly spot?: boolean;
  /** Kubernetes labels for the nodes. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * A regional, VPC-native GKE Standard cluster with private nodes and Workload Identity.
 *
 * @see https://cloud.google.com/kubernetes-engine/docs/concepts/private-cluster-concept
 * @see https://www.pulumi.com/registry/packages/gcp/api-docs/container/cluster/
 */
export interface GkeClusterArgs {
  readonly environment: Environment;
  /** The Google Cloud project ID. */
  readonly project: string;
  /** The region, such as `europe-west1`; the cluster is regional (three zones). */
  readonly region: string;
  /** The release channel that upgrades the cluster. @default "REGULAR" */
  readonly releaseChannel?: (typeof GKE_RELEASE_CHANNELS)[number];
  /** The minimum control-plane version, such as `1.34`; the channel picks the patch. @default the channel's default */
  readonly kubernetesVersion?: string;
  /** Node pools. @default one pool named `general` */
  readonly nodePools?: readonly GkeNodePoolArgs[];
  /** The primary range of the nodes' subnetwork. @default "10.10.0.0/20" */
  readonly subnetCidr?: string;
  /** The secondary range for pods. @default "10.20.0.0/14" */
  readonly podsCidr?: string;
  /** The secondary range for Services. @default "10.24.0.0/20" */
  readonly servicesCidr?: string;
  /** The /28 range of the control plane's private endpoint. @default "172.16.0.0/28" */
  readonly masterIpv4CidrBlock?: string;
  /**
   * CIDR blocks allowed to reach the control plane's public endpoint (master authorized networks).
   * An empty list keeps the endpoint reachable from the VPC only. `0.0.0.0/0` is refused in prod.
   * @default []
   */
  readonly endpointPublicAccessCidrs?: readonly string[];
  /** Protect and retain the cluster, its KMS key and its network. @default true in prod */
  readonly protect?: boolean;
  /** Labels for every Google Cloud resource. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * An existing k3s cluster, reached through a kubeconfig.
 *
 * @see https://docs.k3s.io/cluster-access
 */
export interface K3sClusterArgs {
  readonly environment: Environment;
  /** The kubeconfig that reaches the cluster; pass it as a secret. */
  readonly kubeconfig: import("@pulumi/pulumi").Input<string>;
  /** The kubeconfig context to use. @default the kubeconfig's current context */
  readonly context?: string;
  /** The StorageClass for persistent volumes. @default "local-path" (k3s's bundled provisioner) */
  readonly storageClass?: string;
  /** How the gateway is exposed: k3s's ServiceLB (`LoadBalancer`) or a `NodePort`. @default "LoadBalancer" */
  readonly ingressServiceType?: (typeof K3S_INGRESS_SERVICE_TYPES)[number];
}

/**
 * A Docker engine and the private network the platform's containers share.
 *
 * @see https://www.pulumi.com/registry/packages/docker/api-docs/provider/
 */
export interface DockerHostArgs {
  readonly environment: Environment;
  /** The Docker daemon address. @default "unix:///var/run/docker.sock" */
  readonly host?: string;
  /** The name of the bridge network. @default "<project>-<stack>" */
  readonly networkName?: string;
  /** The host address that published ports bind to. @default "127.0.0.1" */
  readonly publishAddress?: string;
}
