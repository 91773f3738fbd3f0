import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { ScrapeEndpoint } from "../contract/metrics";
import { formatProblems } from "../contract/problems";
import { connectionSecret } from "../shared/connection-secret";
import { clientSecretName } from "../data-store/clients";
import { selectBackend } from "../data-store/backends";
import { redisBackends, validateRedis } from "./backends";
import { redisUrl, resolveRedis, type RedisClusterArgs, type ResolvedRedis } from "./spec";
import type { RedisBackendContext } from "./types";

export * from "./spec";
export type * from "./types";
export { redisBackends, validateRedis } from "./backends";

/**
 * A Redis-compatible cache (Valkey) with the same outputs on every target:
 *
 * - **Kubernetes, in-cluster**: a primary and replicas (StatefulSet) with Sentinel for automatic
 *   failover, persistence on volumes, AUTH, TLS from cert-manager, a PodDisruptionBudget,
 *   anti-affinity, and an HAProxy that always routes `host` to the current primary.
 * - **Managed**: ElastiCache (Valkey) on EKS, Memorystore for Redis on GKE; failover, encryption in
 *   transit and at rest, AUTH.
 * - **Docker**: the official Valkey image with a volume, `requirepass` and a healthcheck.
 *
 * @example
 * ```ts
 * const cache = new RedisCluster("cache", { platform, namespace: "data", clientNamespaces: ["apps"], addons: { certManager } });
 * ```
 * @see https://valkey.io/topics/sentinel/
 * @see https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Replication.html
 * @see https://cloud.google.com/memorystore/docs/redis/high-availability-for-memorystore-for-redis
 */
export class RedisCluster extends pulumi.ComponentResource {
  /** The host that reaches the primary. */
  public readonly host: pulumi.Output<string>;
  /** The port. */
  public readonly port: pulumi.Output<number>;
  /** The AUTH password; a secret. */
  public readonly password: pulumi.Output<string>;
  /** A `redis://` or `rediss://` URL with the password; a secret. */
  public readonly url: pulumi.Output<string>;
  /** The Sentinel host, where Sentinel runs. */
  public readonly sentinelHost?: pulumi.Output<string>;
  /** The Sentinel port, where Sentinel runs. */
  public readonly sentinelPort?: pulumi.Output<number>;
  /** The name Sentinel knows the primary by, where Sentinel runs. */
  public readonly sentinelMasterName?: string;
  /** The name of the Secret created in each of `clientNamespaces`, with key `REDIS_URL`. */
  public readonly connectionSecretName: string;
  /**
   * The Secret in each of `clientNamespaces` whose key `ca.crt` is the CA that signs the servers'
   * certificates, where clients must trust a private CA (in-cluster TLS, Memorystore); `undefined`
   * where the CA is public (ElastiCache) or there is no TLS (Docker).
   */
  public readonly caSecretName?: string;
  /**
   * Where Prometheus scrapes this store's exporter, on Docker (the backend runs one beside it; in a
   * cluster a PodMonitor scrapes the pods instead): give it to the ObservabilityStack's `dataStores`.
   */
  public readonly metricsEndpoint?: ScrapeEndpoint;
  /**
   * Each client's Secret (`<client>-<name>`, in the client's namespace on Kubernetes; keys as the
   * shared Secret's), by client name. Every client gets the one password: Valkey/Redis ACL users per
   * client are not created (see the README).
   */
  public readonly clientConnections: Readonly<Record<string, { readonly secretName: string }>>;
  /** The resolved arguments, for inspection. */
  public readonly spec: ResolvedRedis;

  /**
   * @param name - the logical name; children are named `${name}-<role>`.
   * @param args - see {@link RedisClusterArgs}.
   * @param opts - component options.
   * @throws Error naming every bad field (see {@link validateRedis}), and when in-cluster TLS has no `addons.certManager`.
   */
  constructor(name: string, args: RedisClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    const { platform, addons = {}, ...settings } = args;
    const problems = validateRedis(settings, platform);
    const spec = resolveRedis(name, settings, platform);
    if (platform.kind === "kubernetes" && spec.mode === "in-cluster" && spec.tls && !addons.certManager) {
      problems.push({ path: ["addons", "certManager"], message: "is required in-cluster with `tls`: the server certificates come from cert-manager" });
    }
    if (problems.length > 0) throw new Error(`RedisCluster "${name}": ${formatProblems(problems)}`);
    super("platform:index:RedisCluster", name, {}, opts);
    this.spec = spec;

    const generated = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, { parent: this, additionalSecretOutputs: ["result"] });
    const context: RedisBackendContext = { password: pulumi.secret(generated.result), parent: this, addons };
    const endpoints = selectBackend(redisBackends, platform.flavour, spec)!.load()(name, spec, platform, context);

    this.host = endpoints.host;
    this.metricsEndpoint = endpoints.metrics;
    this.port = endpoints.port;
    this.password = pulumi.secret(endpoints.password ?? context.password);
    this.url = pulumi.secret(
      pulumi.all([endpoints.host, endpoints.port, this.password]).apply(([host, port, password]) => redisUrl({ host, port, password, tls: endpoints.tls })),
    );
    if (endpoints.sentinel) {
      this.sentinelHost = endpoints.sentinel.host;
      this.sentinelPort = endpoints.sentinel.port;
      this.sentinelMasterName = endpoints.sentinel.masterName;
    }
    this.connectionSecretName = `${name}-connection`;
    this.caSecretName = endpoints.caSecretName ?? (endpoints.caCert ? this.connectionSecretName : undefined);
    if (platform.kind === "kubernetes") {
      spec.clientNamespaces.forEach((namespace, index) =>
        connectionSecret(`${name}-connection-${index}`, this.connectionSecretName, namespace, platform, {
          REDIS_URL: this.url,
          host: this.host,
          port: this.port.apply(String),
          password: this.password,
          ...(endpoints.caCert ? { "ca.crt": endpoints.caCert } : {}),
        }, this),
      );
    }
    const connections: Record<string, { secretName: string }> = {};
    for (const client of spec.clients) {
      const secretName = clientSecretName(name, client.name);
      connections[client.name] = { secretName };
      if (platform.kind === "kubernetes") {
        connectionSecret(`${name}-client-${client.name}`, secretName, client.namespace, platform, {
          REDIS_URL: this.url,
          host: this.host,
          port: this.port.apply(String),
          password: this.password,
          ...(endpoints.caCert ? { "ca.crt": endpoints.caCert } : {}),
        }, this);
      }
    }
    this.clientConnections = connections;
    this.registerOutputs({ host: this.host, port: this.port, password: this.password, url: this.url, sentinelHost: this.sentinelHost, sentinelPort: this.sentinelPort });
  }
}
