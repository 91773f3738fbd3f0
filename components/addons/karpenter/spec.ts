/**
 * Karpenter's pins, IAM documents, interruption rules, Helm values and default NodePool and
 * EC2NodeClass: plain data and pure functions, so they can be read and tested without
 * `@pulumi/aws`. Everything here follows Karpenter's "Getting Started with Karpenter" for v1.14
 * (its CloudFormation template, its Helm install and its NodePool), turned into Pulumi.
 *
 * @see https://karpenter.sh/docs/getting-started/getting-started-with-karpenter/
 * @see https://github.com/aws/karpenter-provider-aws/blob/v1.14.1/website/content/en/docs/getting-started/getting-started-with-karpenter/cloudformation.yaml
 */
import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import type { IamPolicyDocument } from "../../platform/identity/aws";
import { KARPENTER_DISCOVERY_TAG } from "../../platform/eks/spec";

/**
 * The pinned chart: `karpenter` 1.14.1 from Karpenter's public ECR registry, which runs controller
 * v1.14.1 (the release sets the chart's image tag and digest) and installs its CRDs (NodePool,
 * NodeClaim, EC2NodeClass…) from the chart's `crds/` folder. Helm installs that folder on the first
 * install only: a chart upgrade that changes the CRDs needs them applied first.
 *
 * @see https://gallery.ecr.aws/karpenter/karpenter
 * @see https://karpenter.sh/docs/upgrading/upgrade-guide/
 */
export const karpenterChart = { chart: "oci://public.ecr.aws/karpenter/karpenter", version: "1.14.1" } as const;

/** The controller's service account, as the getting-started guide installs it; its IRSA role trusts only this one. */
export const KARPENTER_SERVICE_ACCOUNT = { namespace: "kube-system", name: "karpenter" } as const;

/** The default NodePool's and EC2NodeClass's settings. */
export const karpenterDefaults = {
  nodePoolName: "default",
  nodeClassName: "default",
  /** The controller's replicas: one leader and a standby, on different managed nodes. */
  replicas: 2,
  /** The root volume of Karpenter's nodes, as the managed node groups' default. */
  rootVolumeGiB: 50,
  /** Nodes are replaced after 30 days, so they pick up patched AMIs (the getting-started value). */
  expireAfter: "720h",
  consolidateAfter: "1m",
} as const;

/**
 * The AWS managed policies of Karpenter's node role, as the getting-started CloudFormation attaches
 * them (`AmazonEC2ContainerRegistryPullOnly` where the managed node groups' role has the older
 * `…ReadOnly`), keyed by the suffix of their attachments' names.
 */
export const KARPENTER_NODE_POLICIES: Readonly<Record<string, string>> = {
  "cni-policy": "AmazonEKS_CNI_Policy",
  "worker-policy": "AmazonEKSWorkerNodePolicy",
  "ecr-pull-policy": "AmazonEC2ContainerRegistryPullOnly",
  "ssm-policy": "AmazonSSMManagedInstanceCore",
};

/** What the controller's IAM policies are scoped to. */
export interface KarpenterPolicyArgs {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  readonly clusterName: string;
  /** The node role, the only role the controller may pass to EC2. */
  readonly nodeRoleArn: string;
  /** The interruption queue. */
  readonly queueArn: string;
}

/** The controller's managed policies, by the getting-started template's names (without `KarpenterController…Policy-`). */
export type KarpenterPolicyName = "node-lifecycle" | "iam-integration" | "eks-integration" | "interruption" | "resource-discovery" | "zonal-shift";

/**
 * The controller's six IAM policies, statement for statement as the v1.14 getting-started
 * CloudFormation template writes them (`NodeLifecyclePolicy`, `IAMIntegrationPolicy`,
 * `EKSIntegrationPolicy`, `InterruptionPolicy`, `ResourceDiscoveryPolicy`, `ZonalShiftPolicy`),
 * with `${AWS::Partition}`, `${AWS::Region}`, `${AWS::AccountId}`, `${ClusterName}` and the role's
 * and queue's ARNs filled in. They let the controller launch, tag and terminate only instances,
 * launch templates and instance profiles tagged as its cluster's.
 *
 * @param args - the partition, region, account, cluster, node role and queue.
 * @returns the six documents.
 * @see https://github.com/aws/karpenter-provider-aws/blob/v1.14.1/website/content/en/docs/getting-started/getting-started-with-karpenter/cloudformation.yaml
 * @see https://karpenter.sh/docs/reference/cloudformation/
 */
export function karpenterControllerPolicies(args: KarpenterPolicyArgs): Record<KarpenterPolicyName, IamPolicyDocument> {
  const { partition, region, accountId, clusterName, nodeRoleArn, queueArn } = args;
  const ec2 = (resource: string) => `arn:${partition}:ec2:${region}:*:${resource}`;
  const instanceProfiles = `arn:${partition}:iam::${accountId}:instance-profile/*`;
  const clusterArn = `arn:${partition}:eks:${region}:${accountId}:cluster/${clusterName}`;
  const owned = `kubernetes.io/cluster/${clusterName}`;
  const tagged = [ec2("fleet/*"), ec2("instance/*"), ec2("volume/*"), ec2("network-interface/*"), ec2("launch-template/*"), ec2("spot-instances-request/*")];
  const document = (...Statement: IamPolicyDocument["Statement"]): IamPolicyDocument => ({ Version: "2012-10-17", Statement });
  return {
    "node-lifecycle": document(
      {
        Sid: "AllowScopedEC2InstanceAccessActions",
        Effect: "Allow",
        Resource: [
          `arn:${partition}:ec2:${region}::image/*`,
          `arn:${partition}:ec2:${region}::snapshot/*`,
          ec2("security-group/*"),
          ec2("subnet/*"),
          ec2("capacity-reservation/*"),
          ec2("placement-group/*"),
        ],
        Action: ["ec2:RunInstances", "ec2:CreateFleet"],
      },
      {
        Sid: "AllowScopedEC2LaunchTemplateAccessActions",
        Effect: "Allow",
        Resource: ec2("launch-template/*"),
        Action: ["ec2:RunInstances", "ec2:CreateFleet"],
        Condition: { StringEquals: { [`aws:ResourceTag/${owned}`]: "owned" }, StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" } },
      },
      {
        Sid: "AllowScopedEC2InstanceActionsWithTags",
        Effect: "Allow",
        Resource: tagged,
        Action: ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"],
        Condition: {
          StringEquals: { [`aws:RequestTag/${owned}`]: "owned", "aws:RequestTag/eks:eks-cluster-name": clusterName },
          StringLike: { "aws:RequestTag/karpenter.sh/nodepool": "*" },
        },
      },
      {
        Sid: "AllowScopedResourceCreationTagging",
        Effect: "Allow",
        Resource: tagged,
        Action: "ec2:CreateTags",
        Condition: {
          StringEquals: {
            [`aws:RequestTag/${owned}`]: "owned",
            "aws:RequestTag/eks:eks-cluster-name": clusterName,
            "ec2:CreateAction": ["RunInstances", "CreateFleet", "CreateLaunchTemplate"],
          },
          StringLike: { "aws:RequestTag/karpenter.sh/nodepool": "*" },
        },
      },
      {
        Sid: "AllowScopedResourceTagging",
        Effect: "Allow",
        Resource: ec2("instance/*"),
        Action: "ec2:CreateTags",
        Condition: {
          StringEquals: { [`aws:ResourceTag/${owned}`]: "owned" },
          StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" },
          StringEqualsIfExists: { "aws:RequestTag/eks:eks-cluster-name": clusterName },
          "ForAllValues:StringEquals": { "aws:TagKeys": ["eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"] },
        },
      },
      {
        Sid: "AllowScopedDeletion",
        Effect: "Allow",
        Resource: [ec2("instance/*"), ec2("launch-template/*")],
        Action: ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
        Condition: { StringEquals: { [`aws:ResourceTag/${owned}`]: "owned" }, StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" } },
      },
    ),
    "iam-integration": document(
      {
        Sid: "AllowPassingInstanceRole",
        Effect: "Allow",
        Resource: nodeRoleArn,
        Action: "iam:PassRole",
        Condition: { StringEquals: { "iam:PassedToService": ["ec2.amazonaws.com", "ec2.amazonaws.com.cn"] } },
      },
      {
        Sid: "AllowScopedInstanceProfileCreationActions",
        Effect: "Allow",
        Resource: instanceProfiles,
        Action: ["iam:CreateInstanceProfile"],
        Condition: {
          StringEquals: {
            [`aws:RequestTag/${owned}`]: "owned",
            "aws:RequestTag/eks:eks-cluster-name": clusterName,
            "aws:RequestTag/topology.kubernetes.io/region": region,
          },
          StringLike: { "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*" },
        },
      },
      {
        Sid: "AllowScopedInstanceProfileTagActions",
        Effect: "Allow",
        Resource: instanceProfiles,
        Action: ["iam:TagInstanceProfile"],
        Condition: {
          StringEquals: {
            [`aws:ResourceTag/${owned}`]: "owned",
            "aws:ResourceTag/topology.kubernetes.io/region": region,
            [`aws:RequestTag/${owned}`]: "owned",
            "aws:RequestTag/eks:eks-cluster-name": clusterName,
            "aws:RequestTag/topology.kubernetes.io/region": region,
          },
          StringLike: { "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*", "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*" },
        },
      },
      {
        Sid: "AllowScopedInstanceProfileActions",
        Effect: "Allow",
        Resource: instanceProfiles,
        Action: ["iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile"],
        Condition: {
          StringEquals: { [`aws:ResourceTag/${owned}`]: "owned", "aws:ResourceTag/topology.kubernetes.io/region": region },
          StringLike: { "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*" },
        },
      },
    ),
    "eks-integration": document({ Sid: "AllowAPIServerEndpointDiscovery", Effect: "Allow", Resource: clusterArn, Action: "eks:DescribeCluster" }),
    interruption: document({
      Sid: "AllowInterruptionQueueActions",
      Effect: "Allow",
      Resource: queueArn,
      Action: ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"],
    }),
    "resource-discovery": document(
      {
        Sid: "AllowRegionalReadActions",
        Effect: "Allow",
        Resource: "*",
        Action: [
          "ec2:DescribeCapacityReservations",
          "ec2:DescribeImages",
          "ec2:DescribeInstances",
          "ec2:DescribeInstanceStatus",
          "ec2:DescribeInstanceTypeOfferings",
          "ec2:DescribeInstanceTypes",
          "ec2:DescribeLaunchTemplates",
          "ec2:DescribePlacementGroups",
          "ec2:DescribeSecurityGroups",
          "ec2:DescribeSpotPriceHistory",
          "ec2:DescribeSubnets",
        ],
        Condition: { StringEquals: { "aws:RequestedRegion": region } },
      },
      { Sid: "AllowSSMReadActions", Effect: "Allow", Resource: `arn:${partition}:ssm:${region}::parameter/aws/service/*`, Action: "ssm:GetParameter" },
      { Sid: "AllowPricingReadActions", Effect: "Allow", Resource: "*", Action: "pricing:GetProducts" },
      { Sid: "AllowUnscopedInstanceProfileListAction", Effect: "Allow", Resource: "*", Action: "iam:ListInstanceProfiles" },
      { Sid: "AllowInstanceProfileReadActions", Effect: "Allow", Resource: instanceProfiles, Action: "iam:GetInstanceProfile" },
    ),
    "zonal-shift": document({
      Sid: "AllowZonalShiftStatusReadOnly",
      Effect: "Allow",
      Resource: "*",
      Action: ["arc-zonal-shift:GetManagedResource"],
      Condition: { StringEquals: { "arc-zonal-shift:ResourceIdentifier": clusterArn } },
    }),
  };
}

/**
 * The interruption queue's policy, as the getting-started template's `KarpenterInterruptionQueuePolicy`:
 * EventBridge (and SQS) may send to it, and nothing may use it over plain HTTP.
 *
 * @param queueArn - the queue's ARN.
 * @see https://karpenter.sh/docs/concepts/disruption/#interruption
 */
export function karpenterInterruptionQueuePolicy(queueArn: string): IamPolicyDocument {
  return {
    Version: "2012-10-17",
    Id: "EC2InterruptionPolicy",
    Statement: [
      { Effect: "Allow", Principal: { Service: ["events.amazonaws.com", "sqs.amazonaws.com"] }, Action: "sqs:SendMessage", Resource: queueArn },
      { Sid: "DenyHTTP", Effect: "Deny", Action: "sqs:*", Resource: queueArn, Condition: { Bool: { "aws:SecureTransport": false } }, Principal: "*" },
    ],
  };
}

/** One EventBridge rule that feeds the interruption queue. */
export interface KarpenterInterruptionRule {
  /** The suffix of the rule's and its target's resource names. */
  readonly key: string;
  readonly source: string;
  readonly detailType: string;
}

/**
 * The events Karpenter drains nodes ahead of, as the getting-started template's five rules: AWS
 * Health scheduled changes, Spot interruption warnings, rebalance recommendations, instance state
 * changes and capacity reservation interruptions.
 *
 * @see https://karpenter.sh/docs/concepts/disruption/#interruption
 */
export const KARPENTER_INTERRUPTION_RULES: readonly KarpenterInterruptionRule[] = [
  { key: "scheduled-change", source: "aws.health", detailType: "AWS Health Event" },
  { key: "spot-interruption", source: "aws.ec2", detailType: "EC2 Spot Instance Interruption Warning" },
  { key: "rebalance", source: "aws.ec2", detailType: "EC2 Instance Rebalance Recommendation" },
  { key: "instance-state-change", source: "aws.ec2", detailType: "EC2 Instance State-change Notification" },
  { key: "capacity-reservation-interruption", source: "aws.ec2", detailType: "EC2 Capacity Reservation Instance Interruption Warning" },
];

/** The target ID the getting-started template gives each rule's target. */
export const KARPENTER_INTERRUPTION_TARGET_ID = "KarpenterInterruptionQueueTarget";

/** The event pattern of one rule, as JSON. */
export function karpenterEventPattern(rule: KarpenterInterruptionRule): string {
  return JSON.stringify({ source: [rule.source], "detail-type": [rule.detailType] });
}

/** The longest SQS queue name. @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-queues.html */
export const SQS_QUEUE_NAME_MAX = 80;

/**
 * The interruption queue's name: the cluster's, as the getting-started template names it, or, past
 * SQS's 80 characters, its first 71 and a hash of the whole.
 */
export function karpenterQueueName(clusterName: string): string {
  if (clusterName.length <= SQS_QUEUE_NAME_MAX) return clusterName;
  return `${clusterName.slice(0, SQS_QUEUE_NAME_MAX - 9)}-${createHash("sha256").update(clusterName).digest("hex").slice(0, 8)}`;
}

/** What {@link karpenterValues} needs. */
export interface KarpenterValuesArgs {
  readonly clusterName: pulumi.Input<string>;
  readonly interruptionQueue: pulumi.Input<string>;
  /** The controller's IRSA role. */
  readonly roleArn: pulumi.Input<string>;
}

/**
 * The chart's values, as the getting-started guide installs it:
 *
 * - `settings.clusterName` and `settings.interruptionQueue`, so the controller finds its cluster and
 *   drains nodes ahead of interruptions;
 * - its service account `karpenter`, annotated with the IRSA role;
 * - two replicas with requests and limits. The chart's default affinity keeps them off the nodes
 *   Karpenter launches (`karpenter.sh/nodepool DoesNotExist`), on the managed node group, one per
 *   node and spread over zones; its container securityContext is already restricted (non-root,
 *   no privilege escalation, read-only root, all capabilities dropped).
 *
 * @see https://github.com/aws/karpenter-provider-aws/blob/v1.14.1/charts/karpenter/values.yaml
 */
export function karpenterValues(args: KarpenterValuesArgs): Record<string, unknown> {
  return {
    settings: { clusterName: args.clusterName, interruptionQueue: args.interruptionQueue },
    serviceAccount: { create: true, name: KARPENTER_SERVICE_ACCOUNT.name, annotations: { "eks.amazonaws.com/role-arn": args.roleArn } },
    replicas: karpenterDefaults.replicas,
    controller: { resources: { requests: { cpu: "250m", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } } },
  };
}

/** What {@link karpenterNodeClass} needs. */
export interface KarpenterNodeClassArgs {
  readonly clusterName: pulumi.Input<string>;
  /** The node role's name. */
  readonly role: pulumi.Input<string>;
  /** `family@version`, such as `al2023@v20260714`. */
  readonly amiAlias: string;
}

/**
 * The default `EC2NodeClass`: the EKS optimized AL2023 AMI of `amiAlias`, the node role, the
 * subnets and security group tagged `karpenter.sh/discovery: <cluster name>` (the cluster's private
 * subnets and security group), IMDSv2 only with a hop limit of 2 and an encrypted gp3 root volume,
 * as the managed node groups' launch template.
 *
 * @see https://karpenter.sh/docs/concepts/nodeclasses/
 */
export function karpenterNodeClass(args: KarpenterNodeClassArgs) {
  const discovery = [{ tags: { [KARPENTER_DISCOVERY_TAG]: args.clusterName } }];
  return {
    apiVersion: "karpenter.k8s.aws/v1",
    kind: "EC2NodeClass",
    metadata: { name: karpenterDefaults.nodeClassName },
    spec: {
      role: args.role,
      amiSelectorTerms: [{ alias: args.amiAlias }],
      subnetSelectorTerms: discovery,
      securityGroupSelectorTerms: discovery,
      metadataOptions: { httpEndpoint: "enabled", httpProtocolIPv6: "disabled", httpPutResponseHopLimit: 2, httpTokens: "required" },
      blockDeviceMappings: [
        {
          // The root device of the EKS optimized AL2023 AMIs.
          deviceName: "/dev/xvda",
          rootVolume: true,
          ebs: { volumeSize: `${karpenterDefaults.rootVolumeGiB}Gi`, volumeType: "gp3", encrypted: true, deleteOnTermination: true },
        },
      ],
    },
  };
}

/**
 * The default `NodePool`: on-demand amd64 Linux nodes of the current compute, general-purpose and
 * memory-optimised families (categories c, m and r, generation 6 and later), at most `cpuLimit`
 * vCPUs in all, consolidated when empty or underused and replaced after 30 days.
 *
 * @param cpuLimit - the most vCPUs of all the pool's nodes together.
 * @see https://karpenter.sh/docs/concepts/nodepools/
 */
export function karpenterNodePool(cpuLimit: number) {
  return {
    apiVersion: "karpenter.sh/v1",
    kind: "NodePool",
    metadata: { name: karpenterDefaults.nodePoolName },
    spec: {
      template: {
        spec: {
          requirements: [
            { key: "kubernetes.io/arch", operator: "In", values: ["amd64"] },
            { key: "kubernetes.io/os", operator: "In", values: ["linux"] },
            { key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] },
            { key: "karpenter.k8s.aws/instance-category", operator: "In", values: ["c", "m", "r"] },
            { key: "karpenter.k8s.aws/instance-generation", operator: "Gt", values: ["5"] },
          ],
          nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: karpenterDefaults.nodeClassName },
          expireAfter: karpenterDefaults.expireAfter,
        },
      },
      limits: { cpu: String(cpuLimit) },
      disruption: { consolidationPolicy: "WhenEmptyOrUnderutilized", consolidateAfter: karpenterDefaults.consolidateAfter },
    },
  };
}
