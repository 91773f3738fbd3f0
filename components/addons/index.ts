/**
 * Cluster add-ons: what a cluster needs besides the components, each installed once per cluster by
 * the composition root and handed to the components in one {@link ClusterAddons} bag.
 *
 * The AWS add-ons (the EBS CSI driver, the AWS Load Balancer Controller, Karpenter) load and
 * type `@pulumi/aws`, so they live in `./eks` (the package's `<package>/eks` entry point), where
 * {@link createEksAddons} and {@link createKarpenter} load them only for an EKS platform.
 *
 * @packageDocumentation
 */
export * from "./catalog";
export type { ClusterAddons } from "./types";
export * from "./cert-manager";
export * from "./cloudnative-pg";
export * from "./gateway-api-crds";
export * from "./prometheus-operator-crds";
export * from "./rabbitmq-operators";
export * from "./velero";
export * from "./flagger";
export * from "./keda";
export * from "./karpenter/spec";
