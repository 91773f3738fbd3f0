/**
 * Cluster add-ons: what a cluster needs besides the components, each installed once per cluster by
 * the composition root and handed to the components in one {@link ClusterAddons} bag.
 *
 * The AWS add-ons load `@pulumi/aws`, so they are created through {@link createEksAddons}, which
 * loads them only for an EKS platform.
 *
 * @packageDocumentation
 */
import type * as pulumi from "@pulumi/pulumi";
import type { KubernetesPlatform } from "../contract/platform";
import type { AwsEbsCsiDriverArgs } from "./aws-ebs-csi-driver";
import type { ClusterAddons } from "./types";

export * from "./catalog";
export type { ClusterAddons } from "./types";
export * from "./cert-manager";
export * from "./cloudnative-pg";
export * from "./gateway-api-crds";
export * from "./prometheus-operator-crds";
export * from "./rabbitmq-operators";
export * from "./velero";
export type { AwsEbsCsiDriver, AwsEbsCsiDriverArgs } from "./aws-ebs-csi-driver";
export type { AwsLoadBalancerController, AwsLoadBalancerControllerArgs } from "./aws-load-balancer-controller";
export * from "./karpenter/spec";
export type { Karpenter, KarpenterArgs } from "./karpenter";
export { createKarpenter } from "./karpenter/create";

/** Per-add-on resource options for {@link createEksAddons} (aliases when they moved, for example). */
export interface EksAddonsOptions {
  /** Options of the AWS Load Balancer Controller add-on. @default {} */
  readonly awsLoadBalancerController?: pulumi.ComponentResourceOptions;
  /** Options of the EBS CSI driver add-on. @default {} */
  readonly awsEbsCsiDriver?: pulumi.ComponentResourceOptions;
}

/**
 * The add-ons that keep an EKS platform's promises: the EBS CSI driver with the `gp3` StorageClass
 * (`<name>-ebs-csi`) and the AWS Load Balancer Controller for the NLB annotations (`<name>-lbc`).
 * Components that create Services the controller handles, or that run webhooks of their own,
 * should wait for the controller's release.
 *
 * @param name - the prefix of the add-ons' names; the cluster's name keeps IAM names apart.
 * @param platform - an EKS platform.
 * @param args - `protect` keeps the volumes of deleted claims.
 * @param opts - options per add-on.
 * @throws Error when the platform is not an EKS cluster.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/ebs-csi.html
 * @see https://docs.aws.amazon.com/eks/latest/userguide/aws-load-balancer-controller.html
 */
export function createEksAddons(
  name: string,
  platform: KubernetesPlatform,
  args: Omit<AwsEbsCsiDriverArgs, "platform"> = {},
  opts: EksAddonsOptions = {},
): Required<Pick<ClusterAddons, "awsEbsCsiDriver" | "awsLoadBalancerController">> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { AwsEbsCsiDriver } = require("./aws-ebs-csi-driver") as typeof import("./aws-ebs-csi-driver");
  const { AwsLoadBalancerController } = require("./aws-load-balancer-controller") as typeof import("./aws-load-balancer-controller");
  /* eslint-enable @typescript-eslint/no-require-imports */
  return {
    awsEbsCsiDriver: new AwsEbsCsiDriver(`${name}-ebs-csi`, { ...args, platform }, opts.awsEbsCsiDriver),
    awsLoadBalancerController: new AwsLoadBalancerController(`${name}-lbc`, { platform }, opts.awsLoadBalancerController),
  };
}
