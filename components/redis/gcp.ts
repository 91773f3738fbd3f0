/**
 * The managed RedisCluster on GKE: Memorystore for Redis on the cluster's VPC (direct peering),
 * with AUTH, TLS (server authentication), RDB persistence and, in prod, the Standard tier with
 * automatic failover to a replica in another zone.
 *
 * Memorystore generates its own AUTH string; it is returned as the password, as a secret.
 *
 * @see https://cloud.google.com/memorystore/docs/redis/memorystore-for-redis-overview
 * @see https://cloud.google.com/memorystore/docs/redis/high-availability-for-memorystore-for-redis
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { requireGcpCloud, type GcpCloud, type KubernetesPlatform } from "../contract/platform";
import { statefulResourceOptions } from "../shared/options";
import type { RedisBackendContext, RedisEndpoints } from "./types";
import { redisVersions, type ResolvedRedis } from "./spec";

/**
 * The smallest capacity, in GiB, at which Memorystore allows read replicas.
 * @see https://cloud.google.com/memorystore/docs/redis/about-read-replicas#requirements_and_limitations
 */
export const MEMORYSTORE_READ_REPLICAS_MIN_GIB = 5;

/**
 * The instance's arguments, without the network:
 *
 * - `STANDARD_HA` (a replica in another zone, automatic failover) in prod or with `replicas` ≥ 2;
 *   `BASIC` (one node) otherwise.
 * - With `STANDARD_HA` and at least {@link MEMORYSTORE_READ_REPLICAS_MIN_GIB} GiB: read replicas,
 *   `replicas - 1` of them (1 to 5); below that size the tier's single failover replica.
 * - AUTH on, TLS with server authentication (clients must trust the instance's `serverCaCerts`),
 *   hourly RDB snapshots, `noeviction` as in-cluster, and deletion protection when protected.
 * - `DIRECT_PEERING`, not private service access: the PostgresCluster owns the VPC's service
 *   networking connection.
 *
 * @see https://www.pulumi.com/registry/packages/gcp/api-docs/redis/instance/
 * @see https://cloud.google.com/memorystore/docs/redis/about-in-transit-encryption
 * @see https://cloud.google.com/memorystore/docs/redis/about-rdb-snapshots
 */
export function memorystoreArgs(spec: ResolvedRedis, cloud: Pick<GcpCloud, "region">): Omit<gcp.redis.InstanceArgs, "authorizedNetwork"> {
  const ha = spec.environment === "prod" || spec.replicas >= 2;
  const readReplicas = ha && spec.managed.memorySizeGiB >= MEMORYSTORE_READ_REPLICAS_MIN_GIB;
  return {
    tier: ha ? "STANDARD_HA" : "BASIC",
    memorySizeGb: spec.managed.memorySizeGiB,
    redisVersion: redisVersions.memorystore.redisVersion,
    region: cloud.region,
    connectMode: "DIRECT_PEERING",
    authEnabled: true,
    transitEncryptionMode: "SERVER_AUTHENTICATION",
    ...(readReplicas ? { readReplicasMode: "READ_REPLICAS_ENABLED", replicaCount: Math.min(5, Math.max(1, spec.replicas - 1)) } : {}),
    persistenceConfig: { persistenceMode: "RDB", rdbSnapshotPeriod: "ONE_HOUR" },
    redisConfigs: { "maxmemory-policy": "noeviction" },
    deletionProtection: spec.protect,
  };
}

/**
 * Enables the Memorystore API and creates the instance on the cluster's network.
 *
 * @param name - the component's name; resources are named `${name}-<role>`.
 * @param spec - the resolved arguments.
 * @param _platform - the GKE cluster (the network comes from `cloud`).
 * @param cloud - the Google Cloud provider, project, region and network.
 * @param context - the parent (Memorystore makes its own password).
 * @returns the primary endpoint (port 6378 with TLS, read from the instance), TLS, and the AUTH string as the password.
 * @see https://www.pulumi.com/registry/packages/gcp/api-docs/redis/instance/
 */
export function deployRedisToGcp(name: string, spec: ResolvedRedis, platform: KubernetesPlatform, context: RedisBackendContext): RedisEndpoints {
  const cloud = requireGcpCloud(`RedisCluster "${name}"`, platform);
  const opts: pulumi.CustomResourceOptions = { parent: context.parent, provider: cloud.provider };
  const api = new gcp.projects.Service(`${name}-redis-api`, { project: cloud.project, service: "redis.googleapis.com", disableOnDestroy: false }, opts);
  const instance = new gcp.redis.Instance(
    `${name}-instance`,
    { ...memorystoreArgs(spec, cloud), authorizedNetwork: cloud.networkId },
    { ...opts, dependsOn: [api], ...statefulResourceOptions(spec.protect) },
  );
  return {
    host: instance.host,
    port: instance.port,
    tls: true,
    password: pulumi.secret(instance.authString),
    // Memorystore signs its server certificate with a per-instance CA that clients must trust.
    caCert: instance.serverCaCerts.apply((certs) => certs[0]?.cert ?? ""),
  };
}
