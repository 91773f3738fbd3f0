import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { formatProblems } from "../app-service/spec";
import { connectionSecret } from "../shared/connection-secret";
import { redisUrl, resolveRedis, validateRedis, type RedisClusterArgs, type ResolvedRedis } from "./spec";
import type { DataStoreBackendContext } from "../shared/data-store";

export * from "./spec";

/** What every backend returns: the same shape whatever runs the cache. */
export interface RedisEndpoints {
  /** The endpoint that always reaches the primary. */
  readonly host: pulumi.Output<string>;
  readonly port: pulumi.Output<number>;
  /** Whether connections use TLS (`rediss://`). */
  readonly tls: boolean;
  /** The Sentinel endpoint, where Sentinel runs. */
  readonly sentinel?: { readonly host: pulumi.Output<string>; readonly port: pulumi.Output<number>; readonly masterName: string };
  /**
   * The password clients use, when the backend generates its own (Memorystore's AUTH string);
   * otherwise the component's generated password is used.
   */
  readonly password?: pulumi.Output<string>;
  /** The CA certificate (PEM) clients must trust, when it is not a public one (Memorystore's). */
  readonly caCert?: pulumi.Output<string>;
  /** The Secret in each client namespace whose `ca.crt` clients must trust (in-cluster TLS). */
  readonly caSecretName?: string;
}

/** What a backend receives besides the resolved spec (the data stores' shared context). */
export type RedisBackendContext = DataStoreBackendContext;

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
 * const cache = new RedisCluster("cache", { platform, namespace: "data", clientNamespaces: ["apps"], certManager });
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
  /** The resolved arguments, for inspection. */
  public readonly spec: ResolvedRedis;

  /**
   * @param name - the logical name; children are named `${name}-<role>`.
   * @param args - see {@link RedisClusterArgs}.
   * @param opts - component options.
   * @throws Error naming every bad field (see {@link validateRedis}), and when in-cluster TLS has no `certManager`.
   */
  constructor(name: string, args: RedisClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    const platform = args.platform;
    const problems = validateRedis(args, { flavour: platform.flavour, environment: platform.environment });
    const spec = resolveRedis(name, args, platform.environment);
    if (platform.kind === "kubernetes" && spec.mode === "in-cluster" && spec.tls && !args.certManager) {
      problems.push({ path: ["certManager"], message: "is required in-cluster with `tls`: the server certificates come from cert-manager" });
    }
    if (problems.length > 0) throw new Error(`RedisCluster "${name}": ${formatProblems(problems)}`);
    super("platform:index:RedisCluster", name, {}, opts);
    this.spec = spec;

    const generated = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, { parent: this, additionalSecretOutputs: ["result"] });
    const context: RedisBackendContext = { password: pulumi.secret(generated.result), parent: this, certManager: args.certManager, monitoringCrds: args.monitoringCrds };

    /* eslint-disable @typescript-eslint/no-require-imports */
    let endpoints: RedisEndpoints;
    if (platform.kind === "docker") {
      endpoints = (require("./docker") as typeof import("./docker")).deployRedisToDocker(name, spec, platform, context);
    } else if (spec.mode === "managed" && platform.cloud?.kind === "aws") {
      endpoints = (require("./aws") as typeof import("./aws")).deployRedisToAws(name, spec, platform, platform.cloud, context);
    } else if (spec.mode === "managed" && platform.cloud?.kind === "gcp") {
      endpoints = (require("./gcp") as typeof import("./gcp")).deployRedisToGcp(name, spec, platform, platform.cloud, context);
    } else {
      endpoints = (require("./kubernetes") as typeof import("./kubernetes")).deployRedisToKubernetes(name, spec, platform, context);
    }
    /* eslint-enable @typescript-eslint/no-require-imports */

    this.host = endpoints.host;
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
    this.registerOutputs({ host: this.host, port: this.port, password: this.password, url: this.url, sentinelHost: this.sentinelHost, sentinelPort: this.sentinelPort });
  }
}
