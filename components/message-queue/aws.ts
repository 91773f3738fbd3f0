/**
 * The managed MessageQueue on EKS: Amazon MQ for RabbitMQ in the cluster's private subnets,
 * reachable only from the cluster's security group, a three-node multi-AZ cluster in prod, over
 * TLS only (Amazon MQ's RabbitMQ listens on AMQPS 5671 and HTTPS 443, never plain AMQP).
 *
 * Amazon MQ has no queue resources: declared queues are created by the applications (queue
 * declaration is idempotent) or through the RabbitMQ management API on port 443; this backend
 * creates none. Encryption at rest is always on with an AWS-owned key: the customer-managed KMS
 * key option (`encryptionOptions.kmsKeyId`) applies to ActiveMQ brokers only.
 *
 * @see https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/working-with-rabbitmq.html
 * @see https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/rabbitmq-broker-architecture.html
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-amazonmq-broker-encryptionoptions.html
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { requireAwsCloud, type KubernetesPlatform } from "../contract/platform";
import { statefulResourceOptions } from "../shared/options";
import type { BrokerBackendContext, BrokerEndpoints } from "./types";
import type { ResolvedMessageQueue } from "./spec";

/**
 * Fixed Amazon MQ settings.
 *
 * - `engineVersion`: RabbitMQ 4.2, the version Amazon MQ recommends (mq.m7g instance types only).
 *   From 3.13 on, a broker is created with a major.minor version and Amazon MQ applies the latest
 *   patch release in the maintenance window; `autoMinorVersionUpgrade` states that intent.
 * - The maintenance window is UTC and does not overlap the ElastiCache one.
 *
 * @see https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/rabbitmq-version-management.html
 * @see https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/rabbitmq-4.html
 */
export const amazonMqDefaults = {
  engineVersion: "4.2",
  amqpsPort: 5671,
  consolePort: 443,
  maintenanceWindow: { dayOfWeek: "SUNDAY", timeOfDay: "03:00", timeZone: "UTC" },
} as const;

/** Amazon MQ's deployment modes for RabbitMQ. */
export type AmazonMqDeploymentMode = "SINGLE_INSTANCE" | "CLUSTER_MULTI_AZ";

/**
 * The deployment mode: a cluster of three nodes across zones in prod or whenever three or more
 * replicas are asked for (Amazon MQ's clusters always have three), one instance otherwise.
 *
 * @see https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/rabbitmq-broker-architecture.html
 */
export function amazonMqDeploymentMode(spec: Pick<ResolvedMessageQueue, "environment" | "replicas">): AmazonMqDeploymentMode {
  return spec.environment === "prod" || spec.replicas >= 3 ? "CLUSTER_MULTI_AZ" : "SINGLE_INSTANCE";
}

/**
 * The subnets the broker is placed in: one for a single instance (Amazon MQ requires exactly one),
 * every private subnet (one per zone) for a cluster.
 *
 * @see https://docs.aws.amazon.com/amazon-mq/latest/api-reference/brokers.html#brokers-prop-createbrokerinput-subnetids
 */
export function amazonMqSubnets(mode: AmazonMqDeploymentMode, privateSubnetIds: readonly string[]): string[] {
  return mode === "SINGLE_INSTANCE" ? privateSubnetIds.slice(0, 1) : [...privateSubnetIds];
}

/** What a broker's arguments refer to. */
export interface AmazonMqRefs {
  readonly subnetIds: pulumi.Input<string[]>;
  readonly securityGroupId: pulumi.Input<string>;
  readonly username: string;
  readonly password: pulumi.Input<string>;
}

/**
 * The broker's arguments: RabbitMQ at {@link amazonMqDefaults}, `managed.instanceType`, the
 * {@link amazonMqDeploymentMode}, private (`publiclyAccessible: false`) in the given subnets
 * behind one security group, one user with simple authentication, general logs to CloudWatch,
 * encryption at rest with the AWS-owned key (the only one RabbitMQ brokers support), and changes
 * applied in the maintenance window in prod (immediately elsewhere).
 *
 * @see https://www.pulumi.com/registry/packages/aws/api-docs/mq/broker/
 */
export function amazonMqBrokerArgs(name: string, spec: ResolvedMessageQueue, refs: AmazonMqRefs): aws.mq.BrokerArgs {
  return {
    engineType: "RabbitMQ",
    engineVersion: spec.managed.engineVersion ?? amazonMqDefaults.engineVersion,
    autoMinorVersionUpgrade: true,
    hostInstanceType: spec.managed.instanceType,
    deploymentMode: amazonMqDeploymentMode(spec),
    publiclyAccessible: false,
    subnetIds: refs.subnetIds,
    securityGroups: [refs.securityGroupId],
    authenticationStrategy: "simple",
    users: [{ username: refs.username, password: refs.password }],
    encryptionOptions: { useAwsOwnedKey: true },
    logs: { general: true },
    maintenanceWindowStartTime: { ...amazonMqDefaults.maintenanceWindow },
    applyImmediately: spec.environment !== "prod",
    tags: { ...spec.labels, Name: name, "app.kubernetes.io/instance": name, "app.kubernetes.io/component": "message-queue", "app.kubernetes.io/managed-by": "pulumi" },
  };
}

/**
 * The client host and port from a broker's first AMQPS endpoint (`amqps://b-….mq.<region>.amazonaws.com:5671`),
 * and its management console URL. A cluster has one endpoint, its load balancer's.
 *
 * @param instances - the broker's `instances` output; empty before the broker exists.
 * @returns empty strings where the broker has not reported them yet.
 * @see https://www.pulumi.com/registry/packages/aws/api-docs/mq/broker/
 */
export function amazonMqEndpoint(instances: readonly { endpoints?: readonly string[]; consoleUrl?: string }[] | undefined): { host: string; port: number; consoleUrl: string } {
  const endpoint = instances?.[0]?.endpoints?.find((e) => e.startsWith("amqps://"));
  const url = endpoint ? new URL(endpoint) : undefined;
  return { host: url?.hostname ?? "", port: url?.port ? Number(url.port) : amazonMqDefaults.amqpsPort, consoleUrl: instances?.[0]?.consoleUrl ?? "" };
}

/**
 * Creates the broker and its security group, which admits AMQPS (5671) and the console and
 * management API (443) from the cluster's security group only, and nothing else. The broker is
 * protected and retained when `protect`.
 *
 * @param name - the component's name; resources are named `${name}-<role>`.
 * @param spec - the resolved arguments.
 * @param _platform - the EKS cluster (the network comes from `cloud`).
 * @param cloud - the AWS provider and network.
 * @param context - the user, its password and the parent.
 * @returns the AMQPS endpoint (`amqps://platform:…@host:5671/%2F`) and the console URL.
 * @see https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/working-with-rabbitmq.html
 */
export function deployBrokerToAws(name: string, spec: ResolvedMessageQueue, platform: KubernetesPlatform, context: BrokerBackendContext): BrokerEndpoints {
  const cloud = requireAwsCloud(`MessageQueue "${name}"`, platform);
  const opts: pulumi.CustomResourceOptions = { parent: context.parent, provider: cloud.provider, dependsOn: [...spec.dependsOn] };
  const d = amazonMqDefaults;

  // No egress rule: the provider removes AWS's default allow-all, and the broker opens no connections to the VPC.
  const securityGroup = new aws.ec2.SecurityGroup(`${name}-sg`, { vpcId: cloud.vpcId, description: `Amazon MQ ${name}: AMQPS and console from the cluster only` }, opts);
  for (const [role, port, description] of [
    ["amqps", d.amqpsPort, "AMQP over TLS from the EKS cluster"],
    ["console", d.consolePort, "RabbitMQ console and management API (HTTPS) from the EKS cluster"],
  ] as const) {
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-${role}-from-cluster`,
      { securityGroupId: securityGroup.id, referencedSecurityGroupId: cloud.clusterSecurityGroupId, ipProtocol: "tcp", fromPort: port, toPort: port, description },
      opts,
    );
  }

  const mode = amazonMqDeploymentMode(spec);
  const broker = new aws.mq.Broker(
    `${name}-broker`,
    amazonMqBrokerArgs(name, spec, {
      subnetIds: cloud.privateSubnetIds.apply((ids) => amazonMqSubnets(mode, ids)),
      securityGroupId: securityGroup.id,
      username: context.username,
      password: context.password,
    }),
    // Amazon MQ does not return RabbitMQ users, but the state keeps the input's password: keep it secret.
    { ...opts, ...statefulResourceOptions(spec.protect), additionalSecretOutputs: ["users"] },
  );

  const endpoint = broker.instances.apply(amazonMqEndpoint);
  const host = endpoint.apply((e) => e.host);
  const port = endpoint.apply((e) => e.port);
  const password = context.password.apply(encodeURIComponent);
  return {
    host,
    port,
    url: pulumi.secret(pulumi.interpolate`amqps://${context.username}:${password}@${host}:${port}/%2F`),
    managementUrl: endpoint.apply((e) => e.consoleUrl),
  };
}
