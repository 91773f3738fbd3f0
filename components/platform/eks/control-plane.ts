/**
 * The EKS target's control plane: the KMS key that envelope-encrypts Kubernetes Secrets and the
 * control-plane logs, the log group, the cluster role, the EKS cluster and its IAM OIDC provider.
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/enable-kms.html
 * @see https://www.pulumi.com/registry/packages/aws/api-docs/eks/cluster/
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { statefulResourceOptions } from "../../shared/options";
import { iamRoleNamePrefix, serviceAssumeRolePolicy } from "../identity/aws";
import { eksKmsKeyPolicy } from "./documents";
import type { AwsAccountFacts, EksChildOptions } from "./provider";
import { KARPENTER_DISCOVERY_TAG, type ResolvedEksClusterArgs } from "./spec";

/** The ARN prefix of AWS managed IAM policies. */
export const AWS_MANAGED_POLICY = "arn:aws:iam::aws:policy";

/** The cluster's encryption key and control-plane log group. */
export interface EksEncryption {
  /** The KMS key for Kubernetes Secrets and the control-plane logs. */
  readonly key: aws.kms.Key;
  /** The log group `/aws/eks/<cluster name>/cluster`, encrypted with {@link EksEncryption.key}. */
  readonly logGroup: aws.cloudwatch.LogGroup;
}

/** The EKS cluster and what IRSA needs from it. */
export interface EksControlPlane {
  readonly cluster: aws.eks.Cluster;
  /** The cluster's OIDC issuer URL. */
  readonly issuerUrl: pulumi.Output<string>;
  /** The IAM OIDC provider for the issuer, which IRSA roles trust. */
  readonly oidcProvider: aws.iam.OpenIdConnectProvider;
}

/**
 * Creates the cluster's KMS key (rotated yearly, 30-day deletion window, key policy from
 * {@link eksKmsKeyPolicy}; stateful with `settings.protect`), its alias `alias/eks/<cluster name>`,
 * and the control-plane log group `/aws/eks/<cluster name>/cluster` encrypted with the key. The log
 * group is created before the cluster so its retention and key apply from the first log line.
 *
 * @param name - the component's name; resources are named `${name}-secrets-key`, ….
 * @param clusterName - the EKS cluster's name ({@link eksClusterName}), which the alias and the log group carry.
 * @param settings - the resolved cluster settings (`region`, `logRetentionDays`, `protect`).
 * @param facts - the account's identity and partition, for the key policy.
 * @param opts - the component as parent and its AWS provider.
 * @returns the key and the log group.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/enable-kms.html
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
 */
export function createEksEncryption(
  name: string,
  clusterName: string,
  settings: ResolvedEksClusterArgs,
  facts: Pick<AwsAccountFacts, "identity" | "partition">,
  opts: EksChildOptions,
): EksEncryption {
  const { identity, partition } = facts;
  const stateful = statefulResourceOptions(settings.protect);
  const logGroupName = `/aws/eks/${clusterName}/cluster`;
  const key = new aws.kms.Key(
    `${name}-secrets-key`,
    {
      description: `Envelope encryption of Kubernetes Secrets and control-plane logs of EKS cluster ${clusterName}`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: pulumi
        .all([partition, identity])
        .apply(([p, id]) =>
          eksKmsKeyPolicy({ partition: p.partition, dnsSuffix: p.dnsSuffix, accountId: id.accountId, region: settings.region, logGroupName }),
        ),
    },
    { ...opts, ...stateful },
  );
  new aws.kms.Alias(`${name}-secrets-key-alias`, { name: `alias/eks/${clusterName}`, targetKeyId: key.arn }, opts);
  const logGroup = new aws.cloudwatch.LogGroup(
    `${name}-control-plane-logs`,
    { name: logGroupName, retentionInDays: settings.logRetentionDays, kmsKeyId: key.arn },
    opts,
  );
  return { key, logGroup };
}

/**
 * Creates the cluster role (`AmazonEKSClusterPolicy` plus use of the KMS key; named
 * `<cluster name>-cluster-<suffix>`), the EKS cluster and its IAM OIDC provider. The cluster:
 *
 * - is named `clusterName`, runs `settings.kubernetesVersion` and places its network interfaces in
 *   the private subnets;
 * - always has the private endpoint, and the public one only when
 *   `settings.endpointPublicAccessCidrs` is not empty, limited to those CIDRs;
 * - encrypts Secrets with the key, sends `settings.clusterLogTypes` to the log group, and uses the
 *   `API` authentication mode (access entries);
 * - is stateful and gets EKS deletion protection with `settings.protect`;
 * - waits for the log group and the role's policies, so EKS can use them from the start.
 *
 * With Karpenter on, the security group EKS creates for the cluster (which the managed nodes use)
 * gets the `karpenter.sh/discovery: <cluster name>` tag, so Karpenter's nodes join it too.
 *
 * @param name - the component's name; resources are named `${name}-cluster`, ….
 * @param clusterName - the EKS cluster's name ({@link eksClusterName}).
 * @param settings - the resolved cluster settings.
 * @param deps - the private subnets, and the key and log group from {@link createEksEncryption}.
 * @param opts - the component as parent and its AWS provider.
 * @returns the cluster, its OIDC issuer URL and the IAM OIDC provider.
 * @see https://docs.aws.amazon.com/eks/latest/best-practices/introduction.html
 * @see https://docs.aws.amazon.com/eks/latest/userguide/enable-kms.html
 * @see https://www.pulumi.com/registry/packages/aws/api-docs/eks/cluster/
 */
export function createEksControlPlane(
  name: string,
  clusterName: string,
  settings: ResolvedEksClusterArgs,
  deps: { readonly privateSubnets: readonly aws.ec2.Subnet[] } & EksEncryption,
  opts: EksChildOptions,
): EksControlPlane {
  const { privateSubnets, key, logGroup } = deps;
  const stateful = statefulResourceOptions(settings.protect);
  const clusterRole = new aws.iam.Role(
    `${name}-cluster-role`,
    {
      namePrefix: iamRoleNamePrefix(clusterName, "cluster"),
      description: `EKS cluster role of ${clusterName}`,
      assumeRolePolicy: serviceAssumeRolePolicy("eks.amazonaws.com", ["sts:AssumeRole", "sts:TagSession"]),
    },
    opts,
  );
  const clusterPolicy = new aws.iam.RolePolicyAttachment(
    `${name}-cluster-policy`,
    { role: clusterRole.name, policyArn: `${AWS_MANAGED_POLICY}/AmazonEKSClusterPolicy` },
    opts,
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
    opts,
  );

  const publicCidrs = [...settings.endpointPublicAccessCidrs];
  const cluster = new aws.eks.Cluster(
    `${name}-cluster`,
    {
      name: clusterName,
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
    { ...opts, ...stateful, dependsOn: [logGroup, clusterPolicy, clusterKeyPolicy] },
  );

  if (settings.karpenter.enabled) {
    new aws.ec2.Tag(
      `${name}-cluster-sg-discovery-tag`,
      { resourceId: cluster.vpcConfig.clusterSecurityGroupId, key: KARPENTER_DISCOVERY_TAG, value: clusterName },
      opts,
    );
  }

  const issuerUrl = cluster.identities.apply((identities) => identities[0].oidcs[0].issuer);
  const oidcProvider = new aws.iam.OpenIdConnectProvider(
    `${name}-oidc`,
    // thumbprintLists is optional: IAM validates EKS's issuer against its own trusted CAs.
    { url: issuerUrl, clientIdLists: ["sts.amazonaws.com"] },
    opts,
  );
  return { cluster, issuerUrl, oidcProvider };
}
