import type * as docker from "@pulumi/docker";
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

/**
 * The deployment environment. It decides the secure defaults that differ between a laptop and
 * production: `protect`, replica counts, zone counts.
 */
export type Environment = (typeof ENVIRONMENTS)[number];

/** The environments, in order of care. */
export const ENVIRONMENTS = ["dev", "staging", "prod"] as const;

/** The four places the platform can run. */
export type Target = (typeof TARGETS)[number];

/** The targets. */
export const TARGETS = ["eks", "gke", "k3s", "docker"] as const;

/** The Kubernetes distributions behind a {@link KubernetesPlatform}. */
export type KubernetesFlavour = "eks" | "gke" | "k3s";

/**
 * What a component needs to know to deploy into a Kubernetes cluster, whatever made the cluster.
 * Every Kubernetes resource of every component is created with `provider` set explicitly.
 *
 * Modelled on cdk-eks-blueprints' `ClusterInfo`: one shape for every cluster provider.
 *
 * @see https://github.com/aws-quickstart/cdk-eks-blueprints/blob/main/lib/spi/types.ts
 */
export interface KubernetesPlatform {
  readonly kind: "kubernetes";
  /** Which distribution runs the cluster. */
  readonly flavour: KubernetesFlavour;
  readonly environment: Environment;
  /** The provider every Kubernetes resource must use. */
  readonly provider: k8s.Provider;
  /**
   * True when `provider` is one the consumer passed (`opts.provider`/`providers` of K3sCluster)
   * rather than one made from `kubeconfig`, which is then possibly empty: add-ons use `provider`
   * and make no provider of their own from `kubeconfig`. @default false
   */
  readonly providerFromConsumer?: boolean;
  /** The cluster name (EKS/GKE) or the kubeconfig context (k3s). */
  readonly clusterName: pulumi.Output<string>;
  /** A kubeconfig for operators; always a secret. */
  readonly kubeconfig: pulumi.Output<string>;
  /** The kubeconfig context `provider` uses, when not the kubeconfig's current one (k3s). @default the current context */
  readonly context?: string;
  /** k3s: the packaged components its servers run without (`--disable`). @default [] */
  readonly disabledComponents?: readonly string[];
  /** The StorageClass for persistent volumes (`gp3` on EKS, `standard-rwo` on GKE, `local-path` on k3s). */
  readonly storageClass: string;
  /** How the edge (the gateway) is exposed on this cluster. */
  readonly ingress: {
    /** The Service type of the gateway's own Service; only the gateway may use it. */
    readonly serviceType: "LoadBalancer" | "NodePort";
    /** Annotations that make the cloud's load balancer right (NLB on EKS, for example). */
    readonly serviceAnnotations: Readonly<Record<string, string>>;
  };
  /** The zones nodes run in, for topology spread; empty where the cluster does not say (k3s). */
  readonly zones: pulumi.Output<string[]>;
  /** The resource that owns the cluster, for `dependsOn` from components that need it ready. */
  readonly cluster?: pulumi.Resource;
  /**
   * The cloud account and network the cluster runs in, for managed backends (RDS, ElastiCache,
   * Cloud SQL, Memorystore) and for workload identity (IRSA, GKE Workload Identity). Absent on k3s.
   */
  readonly cloud?: AwsCloud | GcpCloud;
}

/**
 * The AWS facts of an EKS platform that managed backends and IRSA roles need.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/iam-roles-for-service-accounts.html
 */
export interface AwsCloud {
  readonly kind: "aws";
  /**
   * The AWS provider (`aws.Provider`) of the cluster's region; managed resources must use it. Typed
   * as a `ProviderResource` so that the contract does not make every consumer type-check
   * `@pulumi/aws`.
   */
  readonly provider: pulumi.ProviderResource;
  /** The cluster's region. */
  readonly region: string;
  /** The cluster's VPC. */
  readonly vpcId: pulumi.Output<string>;
  /** The private subnets, one per zone, where managed data stores are placed. */
  readonly privateSubnetIds: pulumi.Output<string[]>;
  /** The security group EKS attaches to the control plane and nodes: the only source managed data stores accept. */
  readonly clusterSecurityGroupId: pulumi.Output<string>;
  /** The cluster's IAM OIDC provider ARN, for IRSA trust policies. */
  readonly oidcProviderArn: pulumi.Output<string>;
  /** The cluster's OIDC issuer URL, for IRSA trust policies. */
  readonly oidcIssuerUrl: pulumi.Output<string>;
}

/**
 * The Google Cloud facts of a GKE platform that managed backends and Workload Identity need.
 * @see https://cloud.google.com/kubernetes-engine/docs/how-to/workload-identity
 */
export interface GcpCloud {
  readonly kind: "gcp";
  /**
   * The Google Cloud provider (`gcp.Provider`) of the cluster's project and region; managed
   * resources must use it. Typed as a `ProviderResource` so that the contract does not make every
   * consumer type-check `@pulumi/gcp`.
   */
  readonly provider: pulumi.ProviderResource;
  /** The project ID. */
  readonly project: string;
  /** The region. */
  readonly region: string;
  /** The VPC network's ID (`projects/<p>/global/networks/<n>`), for private IP and private service access. */
  readonly networkId: pulumi.Output<string>;
  /** The Workload Identity pool, `<project>.svc.id.goog`. */
  readonly workloadPool: string;
}

/**
 * What a component needs to deploy onto a Docker engine: the provider and the private network that
 * every container joins.
 *
 * @see https://www.pulumi.com/registry/packages/docker/api-docs/provider/
 */
export interface DockerPlatform {
  readonly kind: "docker";
  readonly flavour: "docker";
  readonly environment: Environment;
  /** The provider every Docker resource must use. */
  readonly provider: docker.Provider;
  /** The user-defined bridge network the containers share; containers reach each other by name. */
  readonly network: docker.Network;
  /** The name of {@link DockerPlatform.network}. */
  readonly networkName: pulumi.Output<string>;
  /** The host address that published ports bind to. @default "127.0.0.1" */
  readonly publishAddress: string;
}

/**
 * The platform a component deploys onto. Components branch on `kind` and pick their backend.
 */
export type Platform = KubernetesPlatform | DockerPlatform;

/**
 * The facts about a target that a component's validation and defaults depend on: every
 * `validate…(args, on)` and `resolve…(…, on)` takes them, so stack config can be checked before any
 * platform exists. A {@link Platform} is one.
 */
export interface PlatformFacts {
  /** `eks`, `gke`, `k3s` or `docker`. */
  readonly flavour: Target;
  readonly environment: Environment;
  /** k3s: the packaged components its servers run without (`--disable`). @default [] */
  readonly disabledComponents?: readonly string[];
}

/**
 * The AWS facts of an EKS platform, for what only exists there (IRSA roles, EKS add-ons).
 *
 * @param owner - how the error names the caller, such as `AwsEbsCsiDriver "x"`.
 * @throws Error when the platform is not an EKS cluster.
 */
export function requireAwsCloud(owner: string, platform: KubernetesPlatform): AwsCloud {
  if (platform.flavour !== "eks" || platform.cloud?.kind !== "aws") throw new Error(`${owner}: needs an EKS platform (got ${platform.flavour})`);
  return platform.cloud;
}

/**
 * The Google Cloud facts of a GKE platform, for what only exists there (Workload Identity, managed
 * services).
 *
 * @param owner - how the error names the caller, such as `PostgresCluster "x"`.
 * @throws Error when the platform is not a GKE cluster.
 */
export function requireGcpCloud(owner: string, platform: KubernetesPlatform): GcpCloud {
  if (platform.flavour !== "gke" || platform.cloud?.kind !== "gcp") throw new Error(`${owner}: needs a GKE platform (got ${platform.flavour})`);
  return platform.cloud;
}
