/**
 * Karpenter on EKS: what its getting-started CloudFormation template creates (the node role and
 * its access entry, the controller's IAM policies and IRSA role, the interruption queue and its
 * EventBridge rules), its Helm release, and a default EC2NodeClass and NodePool.
 *
 * @see https://karpenter.sh/docs/getting-started/getting-started-with-karpenter/
 * @see https://docs.aws.amazon.com/eks/latest/best-practices/karpenter.html
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { requireAwsCloud, type KubernetesPlatform } from "../../contract/platform";
import { iamRoleNamePrefix, irsaAssumeRolePolicy, serviceAssumeRolePolicy } from "../../platform/identity/aws";
import { AWS_MANAGED_POLICY } from "../../platform/eks/control-plane";
import { eksDefaults } from "../../platform/eks/spec";
import {
  KARPENTER_INTERRUPTION_RULES,
  KARPENTER_INTERRUPTION_TARGET_ID,
  KARPENTER_NODE_POLICIES,
  KARPENTER_SERVICE_ACCOUNT,
  karpenterChart,
  karpenterControllerPolicies,
  karpenterEventPattern,
  karpenterInterruptionQueuePolicy,
  karpenterNodeClass,
  karpenterNodePool,
  karpenterQueueName,
  karpenterValues,
  type KarpenterPolicyName,
} from "./spec";

export * from "./spec";

/** The arguments of a {@link Karpenter}. */
export interface KarpenterArgs {
  /** The EKS cluster, with Karpenter's discovery tags on (`karpenter.enabled`, the default). */
  readonly platform: KubernetesPlatform;
  /** The most vCPUs the default NodePool's nodes may have in all. @default 64 */
  readonly cpuLimit?: number;
  /** The EKS optimized AMI of Karpenter's nodes, `family@version`. @default "al2023@v20260714" */
  readonly amiAlias?: string;
}

/**
 * Karpenter, the node autoscaler AWS recommends for EKS, as its getting-started guide sets it up:
 *
 * - **Node role** (`<cluster>-karpenter-node-<suffix>`) with `AmazonEKS_CNI_Policy`,
 *   `AmazonEKSWorkerNodePolicy`, `AmazonEC2ContainerRegistryPullOnly` and
 *   `AmazonSSMManagedInstanceCore`, and an EKS access entry of type `EC2_LINUX` for it, so the nodes
 *   Karpenter launches join the cluster (which uses the `API` authentication mode, no `aws-auth`).
 * - **Interruption queue** named after the cluster (SQS-managed encryption, 5-minute retention),
 *   its policy (EventBridge may send, plain HTTP is denied) and five EventBridge rules feeding it,
 *   so Karpenter drains a node before EC2 takes it away.
 * - **Controller**: six IAM policies copied from the template, scoped to the cluster's tags, region
 *   and account ({@link karpenterControllerPolicies}), an IRSA role (`<cluster>-karpenter-<suffix>`)
 *   that only `kube-system/karpenter` may assume, and the pinned chart ({@link karpenterChart}), two
 *   replicas on the managed node group, installed after the platform's `cluster`.
 * - **Default EC2NodeClass and NodePool** ({@link karpenterNodeClass}, {@link karpenterNodePool}),
 *   after the release (its CRDs) and the node role's policies and access entry.
 *
 * Whatever may run on Karpenter's nodes should depend on {@link nodePool}: `pulumi destroy` then
 * deletes it first, and the NodePool's deletion drains and terminates its nodes before the
 * controller, the queue and the roles go.
 *
 * @example
 * ```ts
 * const karpenter = new Karpenter("platform-karpenter", { platform: eks.platform, cpuLimit: 64 });
 * const platform = { ...eks.platform, cluster: karpenter.nodePool };
 * ```
 * @see https://karpenter.sh/docs/getting-started/getting-started-with-karpenter/
 * @see https://karpenter.sh/docs/reference/cloudformation/
 */
export class Karpenter extends pulumi.ComponentResource {
  /** The Helm release. */
  public readonly release: k8s.helm.v3.Release;
  /** The default NodePool; resources that may run on Karpenter's nodes depend on it. */
  public readonly nodePool: k8s.apiextensions.CustomResource;
  /** The default EC2NodeClass. */
  public readonly nodeClass: k8s.apiextensions.CustomResource;
  /** The role of Karpenter's nodes. */
  public readonly nodeRole: aws.iam.Role;
  /** The controller's IRSA role. */
  public readonly controllerRole: aws.iam.Role;
  /** The interruption queue. */
  public readonly queue: aws.sqs.Queue;

  /**
   * @param name - the logical name; children are named `${name}-<role>`.
   * @param args - see {@link KarpenterArgs}.
   * @param opts - component options.
   * @throws Error when the platform is not an EKS cluster, or `cpuLimit` is not a whole number ≥ 1.
   */
  constructor(name: string, args: KarpenterArgs, opts?: pulumi.ComponentResourceOptions) {
    const cloud = requireAwsCloud(`Karpenter "${name}"`, args.platform);
    const cpuLimit = args.cpuLimit ?? eksDefaults.karpenter.cpuLimit;
    if (!Number.isInteger(cpuLimit) || cpuLimit < 1) throw new Error(`Karpenter "${name}": \`cpuLimit\` must be a whole number of vCPUs, at least 1 (got ${cpuLimit})`);
    super("platform:index:Karpenter", name, {}, opts);
    const { platform } = args;
    const { clusterName } = platform;
    const child = { parent: this, provider: cloud.provider };
    const identity = aws.getCallerIdentityOutput({}, child);
    const partition = aws.getPartitionOutput({}, child);

    // --- Nodes: role, policies, access entry --------------------------------------------------
    this.nodeRole = new aws.iam.Role(
      `${name}-node-role`,
      {
        namePrefix: clusterName.apply((c) => iamRoleNamePrefix(c, "karpenter-node")),
        description: pulumi.interpolate`Role of the nodes Karpenter launches in ${clusterName}`,
        assumeRolePolicy: partition.dnsSuffix.apply((suffix) => serviceAssumeRolePolicy(`ec2.${suffix}`)),
      },
      child,
    );
    const nodePolicies = Object.entries(KARPENTER_NODE_POLICIES).map(
      ([key, policy]) => new aws.iam.RolePolicyAttachment(`${name}-node-${key}`, { role: this.nodeRole.name, policyArn: `${AWS_MANAGED_POLICY}/${policy}` }, child),
    );
    const nodeAccess = new aws.eks.AccessEntry(`${name}-node-access`, { clusterName, principalArn: this.nodeRole.arn, type: "EC2_LINUX" }, child);

    // --- Interruption queue and the rules that feed it -----------------------------------------
    const queueName = clusterName.apply(karpenterQueueName);
    this.queue = new aws.sqs.Queue(`${name}-interruption-queue`, { name: queueName, messageRetentionSeconds: 300, sqsManagedSseEnabled: true }, child);
    const queuePolicy = new aws.sqs.QueuePolicy(
      `${name}-interruption-queue-policy`,
      { queueUrl: this.queue.url, policy: this.queue.arn.apply((arn) => JSON.stringify(karpenterInterruptionQueuePolicy(arn))) },
      child,
    );
    const targets = KARPENTER_INTERRUPTION_RULES.map((rule) => {
      const eventRule = new aws.cloudwatch.EventRule(
        `${name}-${rule.key}-rule`,
        { description: `${rule.detailType} events for Karpenter's interruption queue`, eventPattern: karpenterEventPattern(rule) },
        child,
      );
      // After the queue's policy, so EventBridge may send from the first event on.
      return new aws.cloudwatch.EventTarget(
        `${name}-${rule.key}-target`,
        { rule: eventRule.name, arn: this.queue.arn, targetId: KARPENTER_INTERRUPTION_TARGET_ID },
        { ...child, dependsOn: [queuePolicy, eventRule] },
      );
    });

    // --- Controller: policies, IRSA role ---------------------------------------------------------
    const queueArn = pulumi.interpolate`arn:${partition.partition}:sqs:${cloud.region}:${identity.accountId}:${queueName}`;
    const documents = pulumi
      .all([partition.partition, identity.accountId, clusterName, this.nodeRole.arn, queueArn])
      .apply(([p, accountId, cluster, nodeRoleArn, queue]) =>
        karpenterControllerPolicies({ partition: p, region: cloud.region, accountId, clusterName: cluster, nodeRoleArn, queueArn: queue }),
      );
    this.controllerRole = new aws.iam.Role(
      `${name}-controller-role`,
      {
        namePrefix: clusterName.apply((c) => iamRoleNamePrefix(c, "karpenter")),
        description: pulumi.interpolate`IRSA role of the Karpenter controller in ${clusterName}`,
        assumeRolePolicy: pulumi
          .all([cloud.oidcProviderArn, cloud.oidcIssuerUrl])
          .apply(([arn, url]) => irsaAssumeRolePolicy(arn, url, KARPENTER_SERVICE_ACCOUNT.namespace, KARPENTER_SERVICE_ACCOUNT.name)),
      },
      child,
    );
    const policyNames: KarpenterPolicyName[] = ["node-lifecycle", "iam-integration", "eks-integration", "interruption", "resource-discovery", "zonal-shift"];
    const controllerPolicies = policyNames.map((key) => {
      const policy = new aws.iam.Policy(
        `${name}-${key}-policy`,
        { description: `Karpenter controller: ${key} (getting-started template)`, policy: documents.apply((d) => JSON.stringify(d[key])) },
        child,
      );
      return new aws.iam.RolePolicyAttachment(`${name}-${key}-attachment`, { role: this.controllerRole.name, policyArn: policy.arn }, child);
    });

    // --- Release, after its permissions, its queue and the cluster ------------------------------
    const k8sChild = { parent: this, provider: platform.provider };
    this.release = new k8s.helm.v3.Release(
      `${name}-release`,
      {
        name: "karpenter",
        chart: karpenterChart.chart,
        version: karpenterChart.version,
        namespace: KARPENTER_SERVICE_ACCOUNT.namespace,
        atomic: true,
        values: karpenterValues({ clusterName, interruptionQueue: this.queue.name, roleArn: this.controllerRole.arn }),
      },
      { ...k8sChild, dependsOn: [...controllerPolicies, queuePolicy, ...targets, ...(platform.cluster ? [platform.cluster] : [])] },
    );

    // --- Default EC2NodeClass and NodePool, after the CRDs and what nodes need to join ----------
    this.nodeClass = new k8s.apiextensions.CustomResource(
      `${name}-node-class`,
      karpenterNodeClass({ clusterName, role: this.nodeRole.name, amiAlias: args.amiAlias ?? eksDefaults.karpenter.amiAlias }),
      { ...k8sChild, dependsOn: [this.release, ...nodePolicies, nodeAccess] },
    );
    this.nodePool = new k8s.apiextensions.CustomResource(`${name}-node-pool`, karpenterNodePool(cpuLimit), { ...k8sChild, dependsOn: [this.release, this.nodeClass] });
    this.registerOutputs({ nodeRoleArn: this.nodeRole.arn, controllerRoleArn: this.controllerRole.arn, queueUrl: this.queue.url });
  }
}
