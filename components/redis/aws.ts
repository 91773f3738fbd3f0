/**
 * The managed RedisCluster on EKS: an ElastiCache for Valkey replication group (cluster mode off)
 * in the cluster's private subnets, reachable only from the cluster's security group, with
 * automatic failover across zones, TLS required, AUTH, and encryption at rest with its own KMS key.
 *
 * @see https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Replication.html
 * @see https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/in-transit-encryption.html
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { requireAwsCloud, type KubernetesPlatform } from "../contract/platform";
import { awsDrNetwork } from "../shared/aws-dr-network";
import { statefulResourceOptions } from "../shared/options";
import type { RedisBackendContext, RedisEndpoints } from "./types";
import { redisVersions, type ResolvedRedis } from "./spec";

/** Fixed ElastiCache settings. Windows are UTC and must not overlap. */
export const elasticacheDefaults = {
  snapshotWindow: "03:00-04:00",
  maintenanceWindow: "sun:05:00-sun:06:00",
  /** The same eviction policy as in-cluster: writes fail when full, nothing is evicted silently. */
  maxmemoryPolicy: "noeviction",
} as const;

/**
 * The number of nodes: the requested replicas, and at least two in prod so that a replica in
 * another zone can take over.
 *
 * @see https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/AutoFailover.html
 */
export function elasticacheNodeCount(spec: Pick<ResolvedRedis, "replicas" | "environment">): number {
  return Math.max(spec.replicas, spec.environment === "prod" ? 2 : 1);
}

/** The resources a replication group refers to. */
export interface ReplicationGroupRefs {
  readonly subnetGroupName: pulumi.Input<string>;
  readonly securityGroupId: pulumi.Input<string>;
  readonly parameterGroupName: pulumi.Input<string>;
  readonly kmsKeyArn: pulumi.Input<string>;
  readonly authToken: pulumi.Input<string>;
}

/**
 * The replication group's arguments: Valkey with one primary and `n - 1` replicas, automatic
 * failover and Multi-AZ from two nodes, TLS required (`transitEncryptionMode: "required"` refuses
 * plaintext), AUTH, encryption at rest with the given key, daily snapshots, changes applied in the
 * maintenance window rather than immediately.
 *
 * @see https://www.pulumi.com/registry/packages/aws/api-docs/elasticache/replicationgroup/
 * @see https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/AutoFailover.html
 * @see https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/auth.html
 */
export function replicationGroupArgs(name: string, spec: ResolvedRedis, refs: ReplicationGroupRefs): aws.elasticache.ReplicationGroupArgs {
  const nodes = elasticacheNodeCount(spec);
  return {
    description: `Valkey for ${name}`,
    engine: redisVersions.elasticache.engine,
    engineVersion: redisVersions.elasticache.engineVersion,
    nodeType: spec.managed.nodeType,
    numCacheClusters: nodes,
    automaticFailoverEnabled: nodes >= 2,
    multiAzEnabled: nodes >= 2,
    port: spec.port,
    subnetGroupName: refs.subnetGroupName,
    securityGroupIds: [refs.securityGroupId],
    parameterGroupName: refs.parameterGroupName,
    atRestEncryptionEnabled: true,
    kmsKeyId: refs.kmsKeyArn,
    transitEncryptionEnabled: true,
    transitEncryptionMode: "required",
    authToken: refs.authToken,
    snapshotRetentionLimit: spec.managed.snapshotRetentionDays,
    snapshotWindow: elasticacheDefaults.snapshotWindow,
    maintenanceWindow: elasticacheDefaults.maintenanceWindow,
    applyImmediately: false,
    autoMinorVersionUpgrade: true,
  };
}

/**
 * Creates the replication group and what it needs: a KMS key, a subnet group on the private
 * subnets, a security group that admits 6379 only from the cluster's security group, and a
 * parameter group of the engine's family.
 *
 * @param name - the component's name; resources are named `${name}-<role>`.
 * @param spec - the resolved arguments.
 * @param _platform - the EKS cluster (the network comes from `cloud`).
 * @param cloud - the AWS provider and network.
 * @param context - the AUTH password and the parent.
 * @returns the primary endpoint, with TLS; ElastiCache has no Sentinel.
 * @see https://www.pulumi.com/registry/packages/aws/api-docs/elasticache/replicationgroup/
 */
export function deployRedisToAws(name: string, spec: ResolvedRedis, platform: KubernetesPlatform, context: RedisBackendContext): RedisEndpoints {
  const cloud = requireAwsCloud(`RedisCluster "${name}"`, platform);
  const opts: pulumi.CustomResourceOptions = { parent: context.parent, provider: cloud.provider };
  const stateful = { ...opts, ...statefulResourceOptions(spec.protect) };

  const key = new aws.kms.Key(
    `${name}-key`,
    { description: `Encryption at rest of ElastiCache ${name}`, enableKeyRotation: true, deletionWindowInDays: 30 },
    stateful,
  );
  const subnetGroup = new aws.elasticache.SubnetGroup(`${name}-subnets`, { description: `Private subnets of ElastiCache ${name}`, subnetIds: cloud.privateSubnetIds }, opts);
  // No egress rule: the provider removes AWS's default allow-all, and ElastiCache opens no connections.
  const securityGroup = new aws.ec2.SecurityGroup(`${name}-sg`, { vpcId: cloud.vpcId, description: `ElastiCache ${name}: Valkey from the cluster only` }, opts);
  new aws.vpc.SecurityGroupIngressRule(
    `${name}-from-cluster`,
    {
      securityGroupId: securityGroup.id,
      referencedSecurityGroupId: cloud.clusterSecurityGroupId,
      ipProtocol: "tcp",
      fromPort: spec.port,
      toPort: spec.port,
      description: "Valkey (TLS) from the EKS cluster",
    },
    opts,
  );
  const parameterGroup = new aws.elasticache.ParameterGroup(
    `${name}-params`,
    {
      family: redisVersions.elasticache.family,
      description: `Valkey parameters of ${name}`,
      parameters: [{ name: "maxmemory-policy", value: elasticacheDefaults.maxmemoryPolicy }],
    },
    opts,
  );
  const group = new aws.elasticache.ReplicationGroup(
    `${name}-replication-group`,
    replicationGroupArgs(name, spec, {
      subnetGroupName: subnetGroup.name,
      securityGroupId: securityGroup.id,
      parameterGroupName: parameterGroup.name,
      kmsKeyArn: key.arn,
      authToken: context.password,
    }),
    stateful,
  );
  if (spec.drRegion) deployGlobalDatastore(name, spec, group, opts);
  return {
    host: group.primaryEndpointAddress,
    port: group.port.apply((port) => port ?? spec.port),
    tls: true,
  };
}

/**
 * The cross-region copy (`drRegion`): an ElastiCache Global Datastore with the replication group
 * as its primary, and a secondary replication group in the DR region (read-only, replicated
 * asynchronously; promoted after a region loss). The Global Datastore carries the engine and its
 * version (upgrades go through it, secondaries first); the secondary inherits the engine, version, node
 * type, parameter group, AUTH and encryption from the Global Datastore (the provider refuses them on
 * it: they conflict with `globalReplicationGroupId`); it sets its own network (see
 * `shared/aws-dr-network.ts`), node count and a KMS key of its region for encryption at rest.
 *
 * @see https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Redis-Global-Datastore.html
 * @see https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Redis-Global-Datastores-Getting-Started.html
 * @see https://www.pulumi.com/registry/packages/aws/api-docs/elasticache/globalreplicationgroup/
 */
function deployGlobalDatastore(name: string, spec: ResolvedRedis, primary: aws.elasticache.ReplicationGroup, opts: pulumi.CustomResourceOptions): void {
  const region = spec.drRegion!;
  const stateful = { ...opts, ...statefulResourceOptions(spec.protect) };
  const global = new aws.elasticache.GlobalReplicationGroup(
    `${name}-global`,
    {
      // ElastiCache prefixes the suffix per region only, so the suffix carries the project and stack:
      // two stacks of one account and region must not both ask for "<prefix>-redis".
      globalReplicationGroupIdSuffix: `${pulumi.getProject()}-${pulumi.getStack()}-${name}`,
      primaryReplicationGroupId: primary.id,
      globalReplicationGroupDescription: `Valkey ${name} across regions (DR in ${region})`,
      // A member's engine and version are the Global Datastore's: the provider ignores a change of
      // them on the primary once it has joined, so a bump of redisVersions.elasticache goes here.
      engine: redisVersions.elasticache.engine,
      engineVersion: redisVersions.elasticache.engineVersion,
    },
    opts,
  );
  const key = new aws.kms.Key(`${name}-dr-key`, { region, description: `Encryption at rest of ElastiCache ${name} in ${region}`, enableKeyRotation: true, deletionWindowInDays: 30 }, stateful);
  const network = awsDrNetwork(name, region, spec.port, "redis", "Valkey", opts);
  const subnetGroup = new aws.elasticache.SubnetGroup(`${name}-dr-subnets`, { region, description: `DR subnets of ElastiCache ${name} in ${region}`, subnetIds: network.subnetIds }, opts);
  const nodes = elasticacheNodeCount(spec);
  new aws.elasticache.ReplicationGroup(
    `${name}-replication-group-dr`,
    {
      region,
      globalReplicationGroupId: global.globalReplicationGroupId,
      description: `Valkey for ${name}: Global Datastore secondary in ${region}`,
      numCacheClusters: nodes,
      automaticFailoverEnabled: nodes >= 2,
      multiAzEnabled: nodes >= 2,
      port: spec.port,
      subnetGroupName: subnetGroup.name,
      securityGroupIds: [network.securityGroupId],
      // Encryption at rest and in transit and AUTH are the Global Datastore's (the primary's); the
      // provider refuses them here, as it does engine, version, node type and parameter group.
      kmsKeyId: key.arn,
      snapshotRetentionLimit: spec.managed.snapshotRetentionDays,
      snapshotWindow: elasticacheDefaults.snapshotWindow,
      maintenanceWindow: elasticacheDefaults.maintenanceWindow,
      applyImmediately: false,
    },
    stateful,
  );
}
