/**
 * The RedisCluster's arguments, defaults and validation: plain data and pure functions, shared by
 * every backend and by the stack config schema.
 *
 * @see https://valkey.io/topics/sentinel/
 */
import type { PlatformFacts } from "../contract/platform";
import { dockerExporters } from "../data-store/exporters";
import type { ArgProblem } from "../contract/problems";
import type { ResourceQuantities } from "../contract/resources";
import { resourceProblems } from "../shared/quantity";
import { clientProblems, resolveDataStore, type DataStoreArgs, type ResolvedDataStore } from "../data-store";

/**
 * Sentinel: the processes that watch the primary and promote a replica when it fails.
 * @see https://valkey.io/topics/sentinel/
 */
export interface SentinelArgs {
  /** Run Sentinel. Refused off in prod when there are replicas. @default true when `replicas` ≥ 2 */
  readonly enabled?: boolean;
  /** Sentinel processes; odd and at least 3 so a majority exists after one is lost. @default 3 */
  readonly replicas?: number;
  /** Sentinels that must agree the primary is down; a majority of `replicas`. @default ⌊replicas / 2⌋ + 1 */
  readonly quorum?: number;
  /** The name Sentinel monitors the primary under. @default "primary" */
  readonly masterName?: string;
}

/**
 * Settings for the managed backends.
 * @see https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheNodes.SupportedTypes.html
 * @see https://cloud.google.com/memorystore/docs/redis/redis-tiers
 */
export interface ManagedRedisArgs {
  /** The ElastiCache node type. @default "cache.r7g.large" in prod, "cache.t4g.small" otherwise */
  readonly nodeType?: string;
  /** Memorystore capacity in GiB. @default 5 in prod, 1 otherwise */
  readonly memorySizeGiB?: number;
  /** Days of daily snapshots kept (ElastiCache `snapshotRetentionLimit`). @default 7 */
  readonly snapshotRetentionDays?: number;
}

/** Docker-only settings. */
export interface RedisDockerArgs {
  /** Publish the port on the host at this port. @default not published */
  readonly hostPort?: number;
}

/**
 * The arguments of a {@link RedisCluster}.
 */
export interface RedisClusterArgs extends DataStoreArgs {
  /** Data pods (one primary, the rest replicas); ElastiCache nodes. @default 3 in prod, 1 otherwise */
  readonly replicas?: number;
  /** Sentinel, in-cluster. */
  readonly sentinel?: SentinelArgs;
  /** The data volume per pod, in GiB. @default 8 */
  readonly storageGiB?: number;
  /** Requests and limits per data pod. @default requests 100m/256Mi, limits 1/256Mi */
  readonly resources?: { readonly requests?: ResourceQuantities; readonly limits?: ResourceQuantities };
  /** The most memory the data set may use, as a fraction of the memory limit (`maxmemory`). @default 0.75 */
  readonly maxMemoryFraction?: number;
  /** TLS for clients, replication and Sentinel. Docker has none. @default true */
  readonly tls?: boolean;
  /** Managed-backend settings. */
  readonly managed?: ManagedRedisArgs;
  /**
   * Metrics for Prometheus: in-cluster, a PodMonitor on the servers' exporters (with the Prometheus
   * operator CRDs in `addons`); on Docker, an exporter container beside Valkey. @default true
   */
  readonly monitoring?: boolean;
  /** Docker-only settings. */
  readonly docker?: RedisDockerArgs;
  /**
   * The disaster-recovery region (managed on EKS): the replication group becomes the primary of an
   * ElastiCache Global Datastore with a secondary replication group in this region, which is
   * promoted after a region loss. Global Datastore needs M5/R5 or later nodes of size large or above. Memorystore
   * for Redis instances (GKE) have no cross-region replication: ignored there, and the DR report
   * says so. The program sets it from the stack's `dr.region`.
   * @default none
   * @see https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Redis-Global-Datastore.html
   */
  readonly drRegion?: string;
}

/**
 * The settings of a RedisCluster: its arguments without what the composition root hands it (the
 * platform and the add-ons). Stack config maps onto exactly this.
 */
export type RedisSettings = Omit<RedisClusterArgs, "platform" | "addons">;

/**
 * Pinned images and engine versions.
 *
 * Valkey, the Linux Foundation fork of Redis 7.2 (BSD-licensed), is the server: its official image
 * is maintained, multi-arch and built with TLS, and ElastiCache offers it as an engine.
 */
export const redisVersions = {
  /** @see https://hub.docker.com/r/valkey/valkey */
  image: "valkey/valkey:8.1.4-alpine",
  /** The primary-only TCP proxy in front of the servers. @see https://hub.docker.com/_/haproxy */
  haproxyImage: "haproxy:3.2.25-alpine",
  /**
   * The Prometheus exporter beside each server, and on Docker beside the container: the `-alpine`
   * variant, whose busybox `wget` the Docker healthcheck uses (the plain image is `scratch`).
   * @see https://github.com/oliver006/redis_exporter/releases
   */
  exporterImage: dockerExporters.redis.image,
  /** ElastiCache engine and parameter-group family. @see https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/engine-versions.html */
  elasticache: { engine: "valkey", engineVersion: "8.2", family: "valkey8" },
  /** Memorystore for Redis version. @see https://cloud.google.com/memorystore/docs/redis/supported-versions */
  memorystore: { redisVersion: "REDIS_7_2" },
} as const;

/** Defaults of {@link RedisClusterArgs}, merged once by {@link resolveRedis}. */
export const redisDefaults = {
  replicas: { prod: 3, other: 1 },
  sentinel: { replicas: 3, masterName: "primary" },
  storageGiB: 8,
  resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "256Mi" } },
  maxMemoryFraction: 0.75,
  managed: { nodeType: { prod: "cache.r7g.large", other: "cache.t4g.small" }, memorySizeGiB: { prod: 5, other: 1 }, snapshotRetentionDays: 7 },
  port: 6379,
  sentinelPort: 26379,
} as const;

/** A {@link RedisClusterArgs} with every default applied. */
export interface ResolvedRedis extends ResolvedDataStore {
  readonly replicas: number;
  readonly sentinel: { readonly enabled: boolean; readonly replicas: number; readonly quorum: number; readonly masterName: string };
  readonly storageGiB: number;
  readonly resources: { readonly requests: Required<ResourceQuantities>; readonly limits: Required<ResourceQuantities> };
  readonly maxMemoryFraction: number;
  readonly tls: boolean;
  readonly managed: Required<ManagedRedisArgs>;
  readonly port: number;
  readonly sentinelPort: number;
  readonly monitoring: boolean;
  readonly docker: RedisDockerArgs;
  readonly drRegion?: string;
}

/**
 * Applies the defaults.
 * @param name - the component's name.
 * @param args - the arguments, without the platform.
 * @param on - the platform's facts (its environment).
 * @see https://valkey.io/topics/sentinel/#configuring-sentinel
 */
export function resolveRedis(name: string, args: RedisSettings, on: Pick<PlatformFacts, "environment">): ResolvedRedis {
  const d = redisDefaults;
  const prod = on.environment === "prod";
  const replicas = args.replicas ?? (prod ? d.replicas.prod : d.replicas.other);
  const sentinelReplicas = args.sentinel?.replicas ?? d.sentinel.replicas;
  return {
    ...resolveDataStore(name, args, on),
    replicas,
    sentinel: {
      enabled: args.sentinel?.enabled ?? replicas >= 2,
      replicas: sentinelReplicas,
      quorum: args.sentinel?.quorum ?? Math.floor(sentinelReplicas / 2) + 1,
      masterName: args.sentinel?.masterName ?? d.sentinel.masterName,
    },
    storageGiB: args.storageGiB ?? d.storageGiB,
    resources: { requests: { ...d.resources.requests, ...args.resources?.requests }, limits: { ...d.resources.limits, ...args.resources?.limits } },
    maxMemoryFraction: args.maxMemoryFraction ?? d.maxMemoryFraction,
    tls: args.tls ?? true,
    managed: {
      nodeType: args.managed?.nodeType ?? (prod ? d.managed.nodeType.prod : d.managed.nodeType.other),
      memorySizeGiB: args.managed?.memorySizeGiB ?? (prod ? d.managed.memorySizeGiB.prod : d.managed.memorySizeGiB.other),
      snapshotRetentionDays: args.managed?.snapshotRetentionDays ?? d.managed.snapshotRetentionDays,
    },
    port: d.port,
    sentinelPort: d.sentinelPort,
    monitoring: args.monitoring ?? true,
    docker: args.docker ?? {},
    drRegion: args.drRegion,
  };
}

/**
 * Finds every problem with a RedisCluster's settings on a target, except the choice of backend
 * (`validateRedis` in `backends.ts` checks that first).
 *
 * @returns the problems, each with the field's path; empty when the settings are usable.
 * @see https://valkey.io/topics/sentinel/
 */
export function redisSettingsProblems(args: RedisSettings, target: PlatformFacts): ArgProblem[] {
  const problems: ArgProblem[] = [];
  const add = (path: (string | number)[], message: string) => problems.push({ path, message });
  const spec = resolveRedis("redis", args, target);
  const prod = target.environment === "prod";
  const whole = (n: number, min: number) => Number.isInteger(n) && n >= min;
  const inCluster = spec.mode === "in-cluster" && target.flavour !== "docker";

  if (!whole(spec.replicas, 1)) add(["replicas"], `must be a whole number ≥ 1 (got ${spec.replicas})`);
  else if (prod && spec.replicas < 2 && target.flavour !== "docker") add(["replicas"], `must be at least 2 in prod so a replica can take over (got ${spec.replicas})`);
  if (inCluster && spec.sentinel.enabled) {
    const n = spec.sentinel.replicas;
    if (!whole(n, 3) || n % 2 === 0) add(["sentinel", "replicas"], `must be odd and at least 3 so a majority survives the loss of one (got ${n})`);
    const q = spec.sentinel.quorum;
    if (!whole(q, 1) || q <= n / 2 || q > n) add(["sentinel", "quorum"], `must be a majority of \`sentinel.replicas\` (${Math.floor(n / 2) + 1}…${n}; got ${q})`);
    if (spec.replicas < 2) add(["sentinel", "enabled"], `needs \`replicas\` ≥ 2: there is nothing to fail over to (got ${spec.replicas})`);
    if (!/^[A-Za-z0-9_-]+$/.test(spec.sentinel.masterName)) add(["sentinel", "masterName"], `must be letters, digits, "-" or "_" (got "${spec.sentinel.masterName}")`);
  }
  if (inCluster && prod && spec.replicas >= 2 && !spec.sentinel.enabled) add(["sentinel", "enabled"], "must stay on in prod: without Sentinel nothing promotes a replica when the primary fails");
  if (!whole(spec.storageGiB, 1)) add(["storageGiB"], `must be a whole number of GiB ≥ 1 (got ${spec.storageGiB})`);
  if (!(spec.maxMemoryFraction > 0 && spec.maxMemoryFraction <= 0.9)) add(["maxMemoryFraction"], `must be above 0 and at most 0.9, leaving room for replication buffers (got ${spec.maxMemoryFraction})`);
  if (prod && !spec.tls && target.flavour !== "docker") add(["tls"], "must stay on in prod: connections to the cache are encrypted in transit");

  problems.push(...resourceProblems(spec.resources));
  problems.push(...clientProblems(spec.clients));
  if (spec.mode === "managed") {
    const days = spec.managed.snapshotRetentionDays;
    if (!whole(days, 0) || days > 35) add(["managed", "snapshotRetentionDays"], `must be a whole number of days from 0 to 35 (got ${days})`);
    else if (prod && days < 1) add(["managed", "snapshotRetentionDays"], "must be at least 1 in prod: keep daily snapshots");
    if (!whole(spec.managed.memorySizeGiB, 1)) add(["managed", "memorySizeGiB"], `must be a whole number of GiB ≥ 1 (got ${spec.managed.memorySizeGiB})`);
    if (spec.drRegion !== undefined && target.flavour === "eks" && !globalDatastoreNodeType(spec.managed.nodeType)) {
      add(["managed", "nodeType"], `must be an M5/R5 or later node type of size large or above for the Global Datastore in the DR region (got "${spec.managed.nodeType}"), such as "cache.r7g.large"`);
    }
  }
  return problems;
}

/**
 * Whether ElastiCache Global Datastore takes a node type: M5/R5 or a later M or R generation
 * ("not supported on instances older than m5 or r5"; no T family), of size large or above.
 * @see https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Redis-Global-Datastores-Getting-Started.html
 */
export function globalDatastoreNodeType(nodeType: string): boolean {
  return /^cache\.[mr]([5-9]|\d{2})[a-z]*\.(large|\d*xlarge)$/.test(nodeType);
}

/**
 * A `redis://` (plain) or `rediss://` (TLS) URL with the password and no user (the `default`
 * user).
 * @see https://www.iana.org/assignments/uri-schemes/prov/rediss
 */
export function redisUrl(parts: { host: string; port: number; password: string; tls: boolean }): string {
  return `${parts.tls ? "rediss" : "redis"}://:${encodeURIComponent(parts.password)}@${parts.host}:${parts.port}/0`;
}
