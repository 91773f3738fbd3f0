import type { Environment } from "../contract/platform";

/** EC2 capacity for a node group. @see https://docs.aws.amazon.com/eks/latest/userguide/managed-node-groups.html#managed-node-group-capacity-types */
export const EKS_CAPACITY_TYPES = ["ON_DEMAND", "SPOT"] as const;

/** The control-plane log types EKS can send to CloudWatch. @see https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html */
export const EKS_CLUSTER_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;

/**
 * The AWS managed EKS access policies an access entry can get, by the short name config uses.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/access-policy-permissions.html
 */
export const EKS_ACCESS_POLICIES = ["cluster-admin", "admin", "edit", "view"] as const;

/** GKE's release channels. @see https://cloud.google.com/kubernetes-engine/docs/concepts/release-channels */
export const GKE_RELEASE_CHANNELS = ["RAPID", "REGULAR", "STABLE"] as const;

/** How the gateway is exposed on k3s: ServiceLB or a NodePort. @see https://docs.k3s.io/networking/networking-services#service-load-balancer */
export const K3S_INGRESS_SERVICE_TYPES = ["LoadBalancer", "NodePort"] as const;

/** Defaults for `K3sCluster`, matching the `@default` tags of {@link K3sClusterArgs}. */
export const k3sDefaults = {
  storageClass: "local-path",
  ingressServiceType: "LoadBalancer",
} as const;

/**
 * A managed node group of an EKS cluster. Nodes run in the private subnets only.
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/managed-node-groups.html
 */
export interface EksNodeGroupArgs {
  /** The node group's name, unique in the cluster. */
  readonly name: string;
  /** EC2 instance types, in order of preference. @default ["m6i.xlarge"] in prod, ["m6i.large"] otherwise */
  readonly instanceTypes?: readonly string[];
  /** The fewest nodes. @default 3 in prod, 2 otherwise */
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
 * An IAM principal that gets into an EKS cluster through an access entry (type `STANDARD`) and one
 * of the AWS managed access policies, cluster-wide.
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/access-entries.html
 */
export interface EksAccessEntryArgs {
  /**
   * The IAM role or user, such as `arn:aws:iam::123456789012:role/ci`; not an `sts` assumed-role ARN
   * and not the identity that creates the cluster (it already has an entry, as the cluster creator).
   */
  readonly principalArn: string;
  /**
   * The access policy: `cluster-admin` (AmazonEKSClusterAdminPolicy), `admin` (AmazonEKSAdminPolicy),
   * `edit` (AmazonEKSEditPolicy) or `view` (AmazonEKSViewPolicy).
   * @see https://docs.aws.amazon.com/eks/latest/userguide/access-policy-permissions.html
   */
  readonly policy: (typeof EKS_ACCESS_POLICIES)[number];
}

/**
 * Karpenter, the node autoscaler the platform installs on EKS (the `Karpenter` add-on). The cluster
 * tags its private subnets and its security group for Karpenter's discovery when it is on.
 *
 * @see https://karpenter.sh/docs/getting-started/getting-started-with-karpenter/
 */
export interface EksKarpenterArgs {
  /** Install Karpenter, with its default NodePool and EC2NodeClass. @default true */
  readonly enabled?: boolean;
  /** The most vCPUs the default NodePool's nodes may have in all. @default 64 */
  readonly cpuLimit?: number;
  /**
   * The EKS optimized AMI of Karpenter's nodes, as `family@version`; `al2023@latest` follows every
   * new AMI release (and replaces the nodes each time), which Karpenter advises against in prod.
   * @default "al2023@v20260714"
   * @see https://karpenter.sh/docs/concepts/nodeclasses/#specamiselectorterms
   */
  readonly amiAlias?: string;
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
  /**
   * IAM roles and users (CI, operators) that get into the cluster besides its creator, each with an
   * access policy. The cluster uses the `API` authentication mode, so these are its only way in.
   * @default []
   * @see https://docs.aws.amazon.com/eks/latest/userguide/access-entries.html
   */
  readonly accessEntries?: readonly EksAccessEntryArgs[];
  /** Karpenter, the node autoscaler. @default on, see {@link EksKarpenterArgs} */
  readonly karpenter?: EksKarpenterArgs;
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
   * The TCP ports on nodes the private control plane may call admission webhooks and aggregated
   * APIs on, beyond the 443 and 10250 of GKE's own firewall rule. Without a rule, the API server's
   * calls to a webhook on another port time out, and every create it intercepts fails. Add the
   * ports of webhooks you install yourself.
   * @default the ports of the platform's add-ons: 8443 and 9443 (Linkerd, CloudNativePG, the RabbitMQ operators), 15017 (istiod)
   * @see https://cloud.google.com/kubernetes-engine/docs/how-to/private-clusters#add_firewall_rules
   */
  readonly webhookPorts?: readonly number[];
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
  /**
   * The packaged components the cluster's servers run without: the values of their `--disable`
   * flags (`traefik`, `gateway-api-crd`, `servicelb`, `local-storage`, `metrics-server`, …), as the
   * cluster really runs. The platform cannot read the servers' flags; it trusts this list to refuse
   * an add-on that would collide with the one k3s ships (its Traefik and Gateway API CRDs), or a
   * setting that needs one k3s no longer ships.
   * @default [] (a default k3s install)
   * @see https://docs.k3s.io/installation/packaged-components
   */
  readonly disable?: readonly string[];
}

/**
 * A Docker engine and the private network the platform's containers share.
 *
 * @see https://www.pulumi.com/registry/packages/docker/api-docs/provider/
 */
export interface DockerHostArgs {
  readonly environment: Environment;
  /**
   * The Docker daemon address. @default `DOCKER_HOST` from the environment, else "unix:///var/run/docker.sock"
   * @see https://docs.docker.com/reference/cli/docker/#environment-variables
   */
  readonly host?: string;
  /**
   * A Docker context (`docker context ls`) to use instead of `host`; the provider also reads
   * `DOCKER_CONTEXT`. @default none
   * @see https://docs.docker.com/engine/manage-resources/contexts/
   */
  readonly context?: string;
  /** The name of the bridge network. @default "<project>-<stack>" */
  readonly networkName?: string;
  /** The host address that published ports bind to. @default "127.0.0.1" */
  readonly publishAddress?: string;
}
