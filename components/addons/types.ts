import type { AwsEbsCsiDriver } from "./aws-ebs-csi-driver";
import type { AwsLoadBalancerController } from "./aws-load-balancer-controller";
import type { CertManager } from "./cert-manager";
import type { CloudNativePg } from "./cloudnative-pg";
import type { GatewayApiCrds } from "./gateway-api-crds";
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
  /** The AWS Load Balancer Controller (EKS): the gateway's NLB. */
  readonly awsLoadBalancerController?: AwsLoadBalancerController;
  /** The EBS CSI driver and the gp3 StorageClass (EKS): every volume. */
  readonly awsEbsCsiDriver?: AwsEbsCsiDriver;
}
