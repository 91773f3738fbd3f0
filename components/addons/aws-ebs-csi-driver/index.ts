/**
 * The Amazon EBS CSI driver on EKS, as an EKS managed add-on with an IRSA role, and the platform's
 * default StorageClass on it: the cluster add-on behind every PersistentVolumeClaim on EKS.
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/ebs-csi.html
 * @see https://docs.aws.amazon.com/eks/latest/userguide/eks-add-ons.html
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { requireAwsCloud, type KubernetesPlatform } from "../../contract/platform";
import { irsaAssumeRolePolicy } from "../../platform/identity/aws";

/** The service account of the driver's controller; its IRSA role trusts only this one. */
export const EBS_CSI_SERVICE_ACCOUNT = { namespace: "kube-system", name: "ebs-csi-controller-sa" } as const;

/** The AWS-managed policy with the driver's permissions. @see https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonEBSCSIDriverPolicy.html */
export const EBS_CSI_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy";

/** The arguments of {@link AwsEbsCsiDriver}. */
export interface AwsEbsCsiDriverArgs {
  /** The EKS cluster; its `storageClass` names the StorageClass this add-on creates. */
  readonly platform: KubernetesPlatform;
  /** Keep volumes of deleted claims (`reclaimPolicy: Retain`), so data outlives a mistaken uninstall. @default true in prod */
  readonly protect?: boolean;
}

/**
 * The EBS CSI driver:
 *
 * - an IRSA role that only the driver's controller service account may assume, with the
 *   AWS-managed `AmazonEBSCSIDriverPolicy`;
 * - the `aws-ebs-csi-driver` EKS managed add-on, without a pinned `addonVersion` (EKS installs the
 *   default version for the cluster's Kubernetes version), after the nodes (its pods need them);
 * - the platform's default StorageClass (`platform.storageClass`, `gp3`): encrypted gp3,
 *   `WaitForFirstConsumer`, expandable, `Retain` with `protect`.
 *
 * @example
 * ```ts
 * new AwsEbsCsiDriver("platform-ebs-csi", { platform: eks.platform });
 * ```
 * @see https://docs.aws.amazon.com/eks/latest/userguide/ebs-csi.html
 * @see https://github.com/kubernetes-sigs/aws-ebs-csi-driver/blob/master/docs/parameters.md
 */
export class AwsEbsCsiDriver extends pulumi.ComponentResource {
  /** The managed add-on; what needs volumes provisioned may depend on it. */
  public readonly addon: aws.eks.Addon;
  /** The default StorageClass. */
  public readonly storageClass: k8s.storage.v1.StorageClass;

  /**
   * @param name - the logical name; children are named `${name}-<role>`.
   * @param args - see {@link AwsEbsCsiDriverArgs}.
   * @param opts - component options.
   * @throws Error when the platform is not an EKS cluster.
   */
  constructor(name: string, args: AwsEbsCsiDriverArgs, opts?: pulumi.ComponentResourceOptions) {
    const cloud = requireAwsCloud(`AwsEbsCsiDriver "${name}"`, args.platform);
    super("platform:index:AwsEbsCsiDriver", name, {}, opts);
    const { platform } = args;
    const protect = args.protect ?? platform.environment === "prod";
    const child = { parent: this, provider: cloud.provider };
    const role = new aws.iam.Role(
      `${name}-role`,
      {
        description: pulumi.interpolate`IRSA role of the EBS CSI controller in ${platform.clusterName}`,
        assumeRolePolicy: pulumi
          .all([cloud.oidcProviderArn, cloud.oidcIssuerUrl])
          .apply(([arn, url]) => irsaAssumeRolePolicy(arn, url, EBS_CSI_SERVICE_ACCOUNT.namespace, EBS_CSI_SERVICE_ACCOUNT.name)),
      },
      child,
    );
    const policy = new aws.iam.RolePolicyAttachment(`${name}-policy`, { role: role.name, policyArn: EBS_CSI_POLICY_ARN }, child);
    this.addon = new aws.eks.Addon(
      `${name}-addon`,
      {
        clusterName: platform.clusterName,
        addonName: "aws-ebs-csi-driver",
        serviceAccountRoleArn: role.arn,
        resolveConflictsOnCreate: "OVERWRITE",
        resolveConflictsOnUpdate: "PRESERVE",
      },
      // Its pods need nodes; without them the add-on stays DEGRADED and creation times out.
      { ...child, dependsOn: [...(platform.cluster ? [platform.cluster] : []), policy] },
    );
    this.storageClass = new k8s.storage.v1.StorageClass(
      `${name}-storage-class`,
      {
        metadata: { name: platform.storageClass, annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
        provisioner: "ebs.csi.aws.com",
        parameters: { type: "gp3", encrypted: "true", "csi.storage.k8s.io/fstype": "ext4" },
        // A deleted claim keeps its volume in prod, so data outlives a mistaken uninstall.
        reclaimPolicy: protect ? "Retain" : "Delete",
        volumeBindingMode: "WaitForFirstConsumer",
        allowVolumeExpansion: true,
      },
      { parent: this, provider: platform.provider, dependsOn: [this.addon], deleteBeforeReplace: true },
    );
    this.registerOutputs({});
  }
}
