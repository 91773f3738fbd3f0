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
import { consumerProvider } from "../../shared/options";
import type { EksClusterArgs } from "../args";
import type { KubernetesPlatform } from "../../contract/platform";
import { createEksAccessEntries } from "./access";
import { createEksControlPlane, createEksEncryption } from "./control-plane";
import { eksKubeconfig } from "./documents";
import { createEksNetwork } from "./network";
import { createEksNodes } from "./nodes";
import { createAwsProvider, lookupAwsAccountFacts, type EksChildOptions } from "./provider";
import { EKS_NLB_ANNOTATIONS, eksClusterName, eksDefaults, resolveEksClusterArgs, validateEksClusterArgs } from "./spec";

export * from "./documents";
export * from "./spec";

// ---------------------------------------------------------------------------------------------
// The component
// ---------------------------------------------------------------------------------------------

/**
 * An EKS cluster and everything it needs, on raw AWS resources, all created through an explicit
 * `aws.Provider` for `args.region`:
 *
 * - **Network.** A VPC over `availabilityZoneCount` zones with one public and one private subnet per
 *   zone (CIDRs from {@link subnetCidrs}; subnets tagged for load-balancer discovery, and the private
 *   ones and the cluster's security group for Karpenter's with `karpenter.enabled`), an internet
 *   gateway, NAT gateways ({@link natGatewayCount}: one per zone in prod) and route tables.
 * - **Control plane.** A KMS key (rotated yearly) that envelope-encrypts Kubernetes Secrets and the
 *   control-plane log group; all five log types by default; `API` authentication mode (access
 *   entries, no `aws-auth` ConfigMap); the private endpoint always on and the public one only when
 *   `endpointPublicAccessCidrs` is not empty, limited to those CIDRs.
 * - **Access.** The creator as the first cluster admin, and an access entry with an AWS managed
 *   access policy per `accessEntries` principal (CI, operators).
 * - **Nodes.** Managed node groups in the private subnets only, through launch templates that
 *   require IMDSv2 (hop limit 2, so pods reach IMDS only through IRSA-aware SDKs) and an encrypted
 *   gp3 root volume; 3 × `m6i.xlarge` by default in prod.
 * - **Core add-ons.** `vpc-cni` (with NetworkPolicy enforcement on), `kube-proxy`, `coredns` and
 *   `metrics-server` as EKS add-ons without a pinned `addonVersion`: EKS installs the default version
 *   for the cluster's Kubernetes version, and a version bump of the cluster is the moment to pin or
 *   update them.
 * - **Kubernetes.** A `k8s.Provider` from a kubeconfig that uses `aws eks get-token`. The
 *   platform's `cluster` is the CoreDNS add-on, which comes after the cluster and its nodes.
 *
 * The platform promises a `gp3` StorageClass and NLB annotations; the cluster add-ons that keep
 * those promises, `AwsEbsCsiDriver` and `AwsLoadBalancerController` (`components/addons`), are
 * created by the composition root next to the cluster, as every other add-on is.
 *
 * With `protect` (default in prod), the cluster, the KMS key and the VPC get `protect` and
 * `retainOnDelete`, and the cluster gets EKS deletion protection.
 *
 * Notes:
 * - The EKS cluster is named `<name>-<stack>` ({@link eksClusterName}), so the log group name
 *   `/aws/eks/<cluster name>/cluster` is known before the cluster exists and two stacks can share an
 *   account and region; the KMS alias and the IAM roles' names start with it too.
 * - With an empty `endpointPublicAccessCidrs`, the API server is reachable only from inside the VPC:
 *   `pulumi up` must run from there (a runner in the VPC, a VPN), or the Kubernetes resources fail.
 * - The ingress annotations target the AWS Load Balancer Controller add-on.
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
  /** The EKS cluster's name, `<name>-<stack>` ({@link eksClusterName}). */
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
   * @param name - the logical name; children are named `${name}-<role>`, and the EKS cluster itself is named `<name>-<stack>`.
   * @param args - the cluster's settings; see {@link EksClusterArgs} for every default.
   * @param opts - component options. An `aws` provider in `opts.provider` or `opts.providers` (or on
   *   a parent) is used instead of the one the cluster would create; it must be for `args.region`,
   *   and `args.tags` are then not added as its default tags.
   * @throws Error listing every problem {@link validateEksClusterArgs} finds, before any resource is created.
   */
  constructor(name: string, args: EksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    const problems = validateEksClusterArgs(args, name, pulumi.getStack());
    if (problems.length > 0) {
      throw new Error(`EksCluster "${name}" has invalid arguments:\n- ${problems.join("\n- ")}`);
    }
    super("platform:index:EksCluster", name, {}, opts);

    const settings = resolveEksClusterArgs(args);
    const clusterName = eksClusterName(name, pulumi.getStack());

    // --- Provider and account facts -----------------------------------------------------------
    const provider = (consumerProvider(this, "aws") as aws.Provider | undefined) ?? createAwsProvider(name, settings, this);
    const child: EksChildOptions = { parent: this, provider };
    const { zoneNames, identity, partition } = lookupAwsAccountFacts(settings, child);

    // --- Network ------------------------------------------------------------------------------
    const { vpc, privateSubnets } = createEksNetwork(name, clusterName, settings, zoneNames, child);

    // --- Encryption key and control-plane logs ------------------------------------------------
    const { key, logGroup } = createEksEncryption(name, clusterName, settings, { identity, partition }, child);

    // --- Cluster ------------------------------------------------------------------------------
    const { cluster, issuerUrl, oidcProvider } = createEksControlPlane(name, clusterName, settings, { privateSubnets, key, logGroup }, child);

    // --- Nodes --------------------------------------------------------------------------------
    const { nodeGroups, coredns } = createEksNodes(name, clusterName, settings, { cluster, privateSubnets }, child);

    // --- Access for CI and operators -----------------------------------------------------------
    createEksAccessEntries(name, settings, cluster, child);

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
      cluster: coredns,
      cloud: {
        kind: "aws",
        provider,
        region: settings.region,
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
