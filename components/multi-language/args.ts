/**
 * The multi-language argument layer: what Python, Go, .NET, Java and YAML programs pass to the
 * components through the component provider (`provider/`). Every type is one the SDK's schema
 * analyzer accepts: enums as `as const` objects, plain arrays, named interfaces, maps of strings,
 * and the target chosen by a plain field rather than the TypeScript API's `Platform` union. The
 * classes in `./index` turn these into the TypeScript API's arguments; one implementation serves
 * both.
 *
 * @see https://www.pulumi.com/docs/iac/using-pulumi/extending-pulumi/build-a-component/
 */
import type * as pulumi from "@pulumi/pulumi";

/** Where the components deploy. */
export const Target = {
  /** A local Docker engine: `dockerHost`, else `DOCKER_HOST`, else the default socket. */
  Docker: "docker",
  /**
   * An existing k3s cluster, reached through `kubeconfig` or a `kubernetes` provider passed in
   * `providers`. The components rely on what k3s ships: the `local-path` storage class for volumes.
   * Other distributions are not a target of this package (their storage class differs).
   * @see https://docs.k3s.io/storage
   */
  K3s: "k3s",
} as const;
/** Where the components deploy. */
export type Target = (typeof Target)[keyof typeof Target];

/** The deployment environment: it decides the secure defaults (protect, replicas). */
export const Environment = {
  Dev: "dev",
  Staging: "staging",
  Prod: "prod",
} as const;
/** The deployment environment. */
export type Environment = (typeof Environment)[keyof typeof Environment];

/** The message broker. */
export const Broker = {
  Rabbitmq: "rabbitmq",
  Nats: "nats",
} as const;
/** The message broker. */
export type Broker = (typeof Broker)[keyof typeof Broker];

/**
 * The platform a component deploys onto. On Docker, components with the same `dockerHost` and
 * `networkName` in one program share one engine connection and one network, so they reach each
 * other by name.
 */
export interface PlatformTarget {
  /** Docker or an existing k3s cluster. */
  target: Target;
  /** The environment; `prod` protects stateful resources and raises replica counts. */
  environment: Environment;
  /** k3s: the kubeconfig (pass it as a secret). Unset: the `kubernetes` provider in `providers`. */
  kubeconfig?: pulumi.Input<string>;
  /** k3s: the kubeconfig context. @default the current context */
  kubeContext?: string;
  /** Docker: the daemon address, such as `unix:///var/run/docker.sock`. @default `DOCKER_HOST`, else the default socket */
  dockerHost?: string;
  /** Docker: the bridge network the containers share. @default `<project>-<stack>` */
  networkName?: string;
}

/** CPU and memory, as Kubernetes quantities. */
export interface Quantities {
  /** CPU, such as `250m` or `1`. */
  cpu?: string;
  /** Memory, such as `256Mi` or `1Gi`. */
  memory?: string;
}

/** Requests and limits of a workload's containers. */
export interface Resources {
  requests?: Quantities;
  limits?: Quantities;
}

/** HTTP probes of an {@link AppService}. */
export interface Probes {
  /** The readiness path. @default "/ready" */
  readinessPath?: string;
  /** The liveness path. @default "/health" */
  livenessPath?: string;
}

/** The arguments of the multi-language AppService. */
export interface AppServiceArgs {
  platform: PlatformTarget;
  /** The image, pinned by tag or digest (`:latest` is refused). */
  image: string;
  /** The container port. */
  port: number;
  /** Pods on k3s. @default as `AppServiceArgs.replicas` of the TypeScript API */
  replicas?: number;
  /** Plain environment variables. */
  env?: Record<string, pulumi.Input<string>>;
  probes?: Probes;
  resources?: Resources;
  /** The Kubernetes namespace. @default "default" */
  namespace?: string;
}

/** The arguments of the multi-language PostgresCluster. */
export interface PostgresClusterArgs {
  platform: PlatformTarget;
  /** The PostgreSQL major version. @default as `PostgresClusterArgs.version` */
  version?: number;
  /** The application database. @default "app" */
  database?: string;
  /** The application role. @default "app" */
  username?: string;
  /** The data volume in GiB; it can grow, never shrink. @default 20 */
  storageGiB?: number;
  /** PostgreSQL pods on k3s (one primary, the rest replicas). @default 3 in prod, 1 otherwise */
  instances?: number;
  resources?: Resources;
}

/** The arguments of the multi-language RedisCluster. */
export interface RedisClusterArgs {
  platform: PlatformTarget;
  /** Valkey replicas on k3s. @default as `RedisClusterArgs.replicas` */
  replicas?: number;
  /** The data volume in GiB. @default as `RedisClusterArgs.storageGiB` */
  storageGiB?: number;
  resources?: Resources;
}

/** A queue to declare on the broker. */
export interface Queue {
  /** The queue's name: letters, digits, `.`, `_`, `-`. */
  name: string;
  /** Survive a broker restart. @default true */
  durable?: boolean;
}

/** The arguments of the multi-language MessageQueue. */
export interface MessageQueueArgs {
  platform: PlatformTarget;
  /** The broker. @default rabbitmq */
  broker?: Broker;
  /** Broker nodes on k3s. @default as `MessageQueueArgs.replicas` */
  replicas?: number;
  /** The data volume in GiB. @default as `MessageQueueArgs.storageGiB` */
  storageGiB?: number;
  /** Queues to declare. */
  queues?: Queue[];
}

/** A route from a hostname (and path) to a service. */
export interface GatewayRoute {
  /** The route's name; a DNS-1035 label. */
  name: string;
  /** The hostname the route answers, such as `app.example.com`. */
  hostname: string;
  /** The path prefix. @default "/" */
  pathPrefix?: string;
  /** The backend: an AppService's name (its Service, or its container alias on Docker). */
  serviceName: string;
  /** The backend's port: the AppService's service port on k3s, its container port on Docker. */
  servicePort: number;
  /** The backend's namespace on k3s. @default "default" */
  serviceNamespace?: string;
}

/** The arguments of the multi-language Gateway. */
export interface GatewayArgs {
  platform: PlatformTarget;
  routes?: GatewayRoute[];
  /** Gateway replicas on k3s. @default as `GatewayArgs.replicas` */
  replicas?: number;
}

/** The arguments of the multi-language ObservabilityStack. */
export interface ObservabilityStackArgs {
  platform: PlatformTarget;
  /** How long Prometheus keeps metrics, in days. @default 15 in prod, 3 otherwise */
  retentionDays?: number;
  /** Prometheus's volume, in GiB. @default 50 in prod, 10 otherwise */
  storageGiB?: number;
}
