/**
 * The EKS target's nodes: the node role, the networking add-ons nodes join with, managed node
 * groups behind IMDSv2-only launch templates, and the add-ons that run on them (CoreDNS and
 * metrics-server).
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/managed-node-groups.html
 * @see https://docs.aws.amazon.com/eks/latest/userguide/eks-add-ons.html
 */
import * as aws from "@pulumi/aws";
import { iamRoleNamePrefix, serviceAssumeRolePolicy } from "../identity/aws";
import { AWS_MANAGED_POLICY } from "./control-plane";
import type { EksChildOptions } from "./provider";
import type { ResolvedEksClusterArgs, ResolvedEksNodeGroup } from "./spec";

/** The cluster's node groups and the add-on that waits for them. */
export interface EksNodes {
  /** One per `settings.nodeGroups` entry, in order. */
  readonly nodeGroups: aws.eks.NodeGroup[];
  /** The CoreDNS add-on, created after the node groups; the last resource of a working cluster. */
  readonly coredns: aws.eks.Addon;
  /** The metrics-server community add-on, created after the node groups: the resource metrics API HorizontalPodAutoscalers scale on. */
  readonly metricsServer: aws.eks.Addon;
}

/** What {@link createEksNodeGroup} attaches a node group to. */
interface NodeGroupTarget {
  readonly cluster: aws.eks.Cluster;
  readonly privateSubnets: readonly aws.ec2.Subnet[];
  readonly nodeRole: aws.iam.Role;
  /** The node role's policy attachments; the node group waits for them. */
  readonly nodePolicies: readonly aws.iam.RolePolicyAttachment[];
  /** The `vpc-cni` and `kube-proxy` add-ons; the node group waits for them. */
  readonly networkAddons: readonly aws.eks.Addon[];
}

const addonOptions = { resolveConflictsOnCreate: "OVERWRITE", resolveConflictsOnUpdate: "PRESERVE" } as const;

/**
 * The `vpc-cni` add-on's configuration: the network policy agent on, so Kubernetes NetworkPolicies
 * (the components create them) are enforced; without it the CNI accepts them and enforces nothing.
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/cni-network-policy-configure.html
 */
export const VPC_CNI_CONFIGURATION = { enableNetworkPolicy: "true" } as const;

/**
 * Creates, in order:
 *
 * - the node role (named `<cluster name>-node-<suffix>`) with `AmazonEKSWorkerNodePolicy`,
 *   `AmazonEKS_CNI_Policy` and `AmazonEC2ContainerRegistryReadOnly`;
 * - the `vpc-cni` and `kube-proxy` managed add-ons (no pinned version), so nodes join with the
 *   managed CNI and kube-proxy; `vpc-cni` with its network policy agent on ({@link VPC_CNI_CONFIGURATION});
 * - per `settings.nodeGroups` entry, a launch template and a managed node group in the private
 *   subnets (see {@link createEksNodeGroup});
 * - the `coredns` managed add-on and the `metrics-server` community add-on (no pinned version:
 *   EKS installs its default for the cluster's version), after the node groups: add-ons that run
 *   pods stay DEGRADED, and their creation times out, without nodes. EKS ships no metrics-server
 *   otherwise, and HorizontalPodAutoscalers never scale without one.
 *
 * @param name - the component's name; resources are named `${name}-node-role`, `${name}-ng-<group>`, ….
 * @param clusterName - the EKS cluster's name, which the node role's name and the nodes' `Name` tag start with.
 * @param settings - the resolved cluster settings (`nodeGroups`, `tags`).
 * @param deps - the cluster and its private subnets.
 * @param opts - the component as parent and its AWS provider.
 * @returns the node groups and the CoreDNS and metrics-server add-ons.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/managed-node-groups.html
 * @see https://docs.aws.amazon.com/eks/latest/userguide/eks-add-ons.html
 * @see https://docs.aws.amazon.com/eks/latest/userguide/community-addons.html
 */
export function createEksNodes(
  name: string,
  clusterName: string,
  settings: ResolvedEksClusterArgs,
  deps: { readonly cluster: aws.eks.Cluster; readonly privateSubnets: readonly aws.ec2.Subnet[] },
  opts: EksChildOptions,
): EksNodes {
  const { cluster, privateSubnets } = deps;
  const nodeRole = new aws.iam.Role(
    `${name}-node-role`,
    {
      namePrefix: iamRoleNamePrefix(clusterName, "node"),
      description: `EKS node role of ${clusterName}`,
      assumeRolePolicy: serviceAssumeRolePolicy("ec2.amazonaws.com"),
    },
    opts,
  );
  const nodePolicies = Object.entries({
    "worker-policy": "AmazonEKSWorkerNodePolicy",
    "cni-policy": "AmazonEKS_CNI_Policy",
    "ecr-read-policy": "AmazonEC2ContainerRegistryReadOnly",
  }).map(
    ([role, policy]) =>
      new aws.iam.RolePolicyAttachment(`${name}-node-${role}`, { role: nodeRole.name, policyArn: `${AWS_MANAGED_POLICY}/${policy}` }, opts),
  );

  // Networking add-ons first, so nodes join with the managed CNI and kube-proxy.
  const networkAddons = ["vpc-cni", "kube-proxy"].map(
    (addon) =>
      new aws.eks.Addon(
        `${name}-addon-${addon}`,
        {
          clusterName: cluster.name,
          addonName: addon,
          ...(addon === "vpc-cni" ? { configurationValues: JSON.stringify(VPC_CNI_CONFIGURATION) } : {}),
          ...addonOptions,
        },
        opts,
      ),
  );

  const target: NodeGroupTarget = { cluster, privateSubnets, nodeRole, nodePolicies, networkAddons };
  const nodeGroups = settings.nodeGroups.map((group) => createEksNodeGroup(name, clusterName, settings, group, target, opts));

  // Add-ons that run pods wait for nodes; without nodes they stay DEGRADED and creation times out.
  const [coredns, metricsServer] = ["coredns", "metrics-server"].map(
    (addon) => new aws.eks.Addon(`${name}-addon-${addon}`, { clusterName: cluster.name, addonName: addon, ...addonOptions }, { ...opts, dependsOn: nodeGroups }),
  );
  return { nodeGroups, coredns, metricsServer };
}

/**
 * Creates one managed node group and its launch template. The template requires IMDSv2 with a hop
 * limit of 2 (pods reach IMDS only through IRSA-aware SDKs), gives the nodes an encrypted gp3 root
 * volume of `group.diskSizeGiB`, and tags instances and volumes. The group runs in the private
 * subnets at the cluster's Kubernetes version; its desired size is left to the cluster autoscaler
 * (or Karpenter) once it exists.
 *
 * @param name - the component's name; resources are named `${name}-ng-<group>` and `${name}-ng-<group>-lt`.
 * @param clusterName - the EKS cluster's name; the instances are tagged `Name: <cluster name>-<group>`.
 * @param settings - the resolved cluster settings (`tags`).
 * @param group - the resolved node group.
 * @param target - the cluster, subnets, node role and what the group waits for.
 * @param opts - the component as parent and its AWS provider.
 * @returns the node group.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/managed-node-groups.html
 */
function createEksNodeGroup(
  name: string,
  clusterName: string,
  settings: ResolvedEksClusterArgs,
  group: ResolvedEksNodeGroup,
  target: NodeGroupTarget,
  opts: EksChildOptions,
): aws.eks.NodeGroup {
  const { cluster, privateSubnets, nodeRole, nodePolicies, networkAddons } = target;
  const launchTemplate = new aws.ec2.LaunchTemplate(
    `${name}-ng-${group.name}-lt`,
    {
      description: `Nodes of EKS node group ${group.name} in ${clusterName}: IMDSv2 only, encrypted gp3 root volume`,
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
        tags: { ...settings.tags, Name: `${clusterName}-${group.name}` },
      })),
      updateDefaultVersion: true,
    },
    opts,
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
      ...opts,
      dependsOn: [...nodePolicies, ...networkAddons],
      // The cluster autoscaler (or Karpenter) owns the current size once the group exists.
      ignoreChanges: ["scalingConfig.desiredSize"],
    },
  );
}
