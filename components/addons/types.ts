import type * as pulumi from "@pulumi/pulumi";
import type { CertManager } from "./cert-manager";
import type { CloudNativePg } from "./cloudnative-pg";
import type { Flagger } from "./flagger";
import type { GatewayApiCrds } from "./gateway-api-crds";
import type { Keda } from "./keda";
import type { PrometheusOperatorCrds } from "./prometheus-operator-crds";
import type { RabbitmqOperators } from "./rabbitmq-operators";

/**
 * The cluster add-ons of one cluster, created once by the composition root and handed to every
 * component that builds on them: one typed bag, so a component states what it needs and never
 * installs an add-on itself.
 *
 * Modelled on cdk-eks-blueprints' `ClusterInfo.getProvisionedAddOn`.
 *
 * @see https://github.com/aws-quickstart/cdk-eks-blueprints/blob/main/lib/spi/types.ts
 */
export interface ClusterAddons {
  /** cert-manager with the internal CA issuer: listener certificates, in-cluster TLS, webhooks. */
  readonly certManager?: CertManager;
  /** The Gateway API CRDs. */
  readonly gatewayApiCrds?: GatewayApiCrds;
  /** The Prometheus operator's CRDs: with them, components create their ServiceMonitors and PodMonitors. */
  readonly prometheusOperatorCrds?: PrometheusOperatorCrds;
  /** The CloudNativePG operator (and Barman Cloud plugin): in-cluster PostgresClusters need it. */
  readonly cloudNativePg?: CloudNativePg;
  /** The RabbitMQ operators: in-cluster RabbitMQ MessageQueues need them. */
  readonly rabbitmqOperators?: RabbitmqOperators;
  /** Flagger: services with progressive delivery (`Canary`) need it. */
  readonly flagger?: Flagger;
  /** KEDA: services with `autoscaling.triggers` get a ScaledObject, which needs its CRDs and operator. */
  readonly keda?: Keda;
  /**
   * The AWS Load Balancer Controller (EKS): the gateway's NLB. An `AwsLoadBalancerController` from
   * `createEksAddons` (`<package>/eks`); typed as a component here so that the bag does not make
   * every consumer type-check `@pulumi/aws`.
   */
  readonly awsLoadBalancerController?: pulumi.ComponentResource;
  /**
   * The EBS CSI driver and the gp3 StorageClass (EKS): every volume. An `AwsEbsCsiDriver` from
   * `createEksAddons` (`<package>/eks`), typed as a component for the same reason.
   */
  readonly awsEbsCsiDriver?: pulumi.ComponentResource;
}
