/**
 * The components for every Pulumi language: AppService, PostgresCluster, RedisCluster,
 * MessageQueue, Gateway and ObservabilityStack with the analyzer-friendly arguments of `./args`.
 * Each builds its platform from `args.platform` and then the TypeScript API's component of the same
 * name as its child, so both APIs run one implementation. `provider/index.ts` hosts them as the
 * `acme-platform` component package (`PulumiPlugin.yaml`, `pulumi package add`).
 *
 * On k3s, only AppService runs: the components that need cluster add-ons (PostgresCluster's
 * CloudNativePG and backup bucket, cert-manager for RedisCluster's and MessageQueue's TLS and the
 * Gateway's listeners, the Gateway API CRDs, RabbitMQ's operators, ObservabilityStack's Prometheus
 * Operator CRDs) refuse until the add-ons are offered here too; Docker needs none.
 *
 * @see https://www.pulumi.com/docs/iac/using-pulumi/extending-pulumi/build-a-component/
 * @packageDocumentation
 */
import * as pulumi from "@pulumi/pulumi";
import { AppService as AppServiceComponent } from "../app-service";
import { Gateway as GatewayComponent } from "../gateway";
import { MessageQueue as MessageQueueComponent } from "../message-queue";
import { ObservabilityStack as ObservabilityStackComponent } from "../observability";
import { PostgresCluster as PostgresClusterComponent } from "../postgres";
import { RedisCluster as RedisClusterComponent } from "../redis";
import type { AppServiceArgs, GatewayArgs, MessageQueueArgs, ObservabilityStackArgs, PostgresClusterArgs, RedisClusterArgs } from "./args";
import { platformFor } from "./platform";

export * from "./args";

/** The package name of the multi-language components: their type tokens are `acme-platform:index:<Class>`. */
export const MULTI_LANGUAGE_PACKAGE = "acme-platform";

/** A stateless service: a Deployment and Service on k3s, a container on Docker. */
export class AppService extends pulumi.ComponentResource {
  /** The URL other workloads of the platform reach the service at. */
  public readonly url: pulumi.Output<string>;

  constructor(name: string, args: AppServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super(`${MULTI_LANGUAGE_PACKAGE}:index:AppService`, name, {}, opts);
    const platform = platformFor(this, name, args.platform);
    const { image, port, replicas, env, probes, resources, namespace } = args;
    this.url = new AppServiceComponent(name, { platform, image, port, replicas, env, probes, resources, namespace }, { parent: this }).url;
    this.registerOutputs({ url: this.url });
  }
}

/** PostgreSQL: CloudNativePG on k3s, a postgres container with PgBouncer on Docker. */
export class PostgresCluster extends pulumi.ComponentResource {
  /** The host clients connect to. */
  public readonly host: pulumi.Output<string>;
  /** The port clients connect to. */
  public readonly port: pulumi.Output<number>;
  /** `postgresql://…` with the application role's password; a secret. */
  public readonly connectionString: pulumi.Output<string>;

  constructor(name: string, args: PostgresClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super(`${MULTI_LANGUAGE_PACKAGE}:index:PostgresCluster`, name, {}, opts);
    const platform = platformFor(this, name, args.platform);
    const { version, database, username, storageGiB, instances, resources } = args;
    const db = new PostgresClusterComponent(name, { platform, version, database, username, storageGiB, instances, resources }, { parent: this });
    this.host = db.host;
    this.port = db.port;
    this.connectionString = db.connectionString;
    this.registerOutputs({ host: this.host, port: this.port, connectionString: this.connectionString });
  }
}

/** Valkey: a primary with replicas and Sentinel on k3s, a Valkey container on Docker. */
export class RedisCluster extends pulumi.ComponentResource {
  /** The host clients connect to. */
  public readonly host: pulumi.Output<string>;
  /** The port clients connect to. */
  public readonly port: pulumi.Output<number>;
  /** `redis://…` (or `rediss://`) with the password; a secret. */
  public readonly url: pulumi.Output<string>;

  constructor(name: string, args: RedisClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super(`${MULTI_LANGUAGE_PACKAGE}:index:RedisCluster`, name, {}, opts);
    const platform = platformFor(this, name, args.platform);
    const { replicas, storageGiB, resources } = args;
    const cache = new RedisClusterComponent(name, { platform, replicas, storageGiB, resources }, { parent: this });
    this.host = cache.host;
    this.port = cache.port;
    this.url = cache.url;
    this.registerOutputs({ host: this.host, port: this.port, url: this.url });
  }
}

/** A message broker: RabbitMQ or NATS on k3s, a broker container on Docker. */
export class MessageQueue extends pulumi.ComponentResource {
  /** The host clients connect to. */
  public readonly host: pulumi.Output<string>;
  /** The port clients connect to. */
  public readonly port: pulumi.Output<number>;
  /** `amqp(s)://…` or `nats://…` with credentials; a secret. */
  public readonly url: pulumi.Output<string>;

  constructor(name: string, args: MessageQueueArgs, opts?: pulumi.ComponentResourceOptions) {
    super(`${MULTI_LANGUAGE_PACKAGE}:index:MessageQueue`, name, {}, opts);
    const platform = platformFor(this, name, args.platform);
    const { broker, replicas, storageGiB, queues } = args;
    const mq = new MessageQueueComponent(name, { platform, broker, replicas, storageGiB, queues }, { parent: this });
    this.host = mq.host;
    this.port = mq.port;
    this.url = mq.url;
    this.registerOutputs({ host: this.host, port: this.port, url: this.url });
  }
}

/** The edge: Traefik serving HTTPS routes to the services. */
export class Gateway extends pulumi.ComponentResource {
  /** The address clients reach the gateway at. */
  public readonly address: pulumi.Output<string>;
  /** Each route's `https://<hostname><pathPrefix>` URL, by route name. */
  public readonly urls: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: GatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super(`${MULTI_LANGUAGE_PACKAGE}:index:Gateway`, name, {}, opts);
    const platform = platformFor(this, name, args.platform);
    const routes = (args.routes ?? []).map((r) => ({
      name: r.name,
      hostname: r.hostname,
      pathPrefix: r.pathPrefix,
      backend: { serviceName: r.serviceName, port: r.servicePort, namespace: r.serviceNamespace ?? "default" },
    }));
    const gateway = new GatewayComponent(name, { platform, routes, replicas: args.replicas }, { parent: this });
    this.address = gateway.address;
    this.urls = pulumi.output(gateway.urls);
    this.registerOutputs({ address: this.address, urls: this.urls });
  }
}

/** Metrics, logs, traces and alerts: kube-prometheus-stack on k3s, containers on Docker. */
export class ObservabilityStack extends pulumi.ComponentResource {
  /** Grafana's URL. */
  public readonly grafanaUrl: pulumi.Output<string>;
  /** Prometheus's URL. */
  public readonly prometheusUrl: pulumi.Output<string>;
  /** Grafana's generated admin password; a secret. */
  public readonly grafanaAdminPassword: pulumi.Output<string>;

  constructor(name: string, args: ObservabilityStackArgs, opts?: pulumi.ComponentResourceOptions) {
    super(`${MULTI_LANGUAGE_PACKAGE}:index:ObservabilityStack`, name, {}, opts);
    if (args.platform.target === "k3s") {
      // The TypeScript API takes the CRDs from a PrometheusOperatorCrds add-on the caller installs
      // (the chart runs with crds.enabled false); without it the ServiceMonitors and rules fail at apply.
      throw new Error(`"${name}": ObservabilityStack on k3s needs the Prometheus Operator CRDs (the PrometheusOperatorCrds add-on of the TypeScript API), which this package does not offer yet: use platform.target docker`);
    }
    const platform = platformFor(this, name, args.platform);
    const stack = new ObservabilityStackComponent(name, { platform, retentionDays: args.retentionDays, storageGiB: args.storageGiB }, { parent: this });
    this.grafanaUrl = stack.grafanaUrl;
    this.prometheusUrl = stack.prometheusUrl;
    this.grafanaAdminPassword = stack.grafanaAdminPassword;
    this.registerOutputs({ grafanaUrl: this.grafanaUrl, prometheusUrl: this.prometheusUrl, grafanaAdminPassword: this.grafanaAdminPassword });
  }
}

/** The components the provider hosts, in schema order. */
export const multiLanguageComponents = [AppService, PostgresCluster, RedisCluster, MessageQueue, Gateway, ObservabilityStack];
