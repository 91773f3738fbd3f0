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
  /**
   * k3s: the kubeconfig context. Default: the current context.
   * @default the current context
   */
  kubeContext?: string;
  /**
   * Docker: the daemon address, such as `unix:///var/run/docker.sock`. Default: `DOCKER_HOST`, else the default socket.
   * @default `DOCKER_HOST`, else the default socket
   */
  dockerHost?: string;
  /**
   * Docker: the bridge network the containers share. Default: `<project>-<stack>`.
   * @default `<project>-<stack>`
   */
  networkName?: string;
}

/** CPU and memory, as Kubernetes quantities. */
export interface Quantities {
  /** CPU, such as `250m` or `1`. */
  cpu?: string;
  /** Memory, such as `256Mi` or `1Gi`. */
  memory?: string;
}

/**
 * Requests and limits of a workload's containers. On Docker the limits cap the container (memory,
 * CPUs) and the memory request is its reservation. A field left unset keeps the component's
 * default, given on its `resources`.
 * @see https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/
 */
export interface Resources {
  /**
   * What the scheduler reserves for each container. Default: the component's requests.
   * @default the component's requests
   */
  requests?: Quantities;
  /**
   * The most each container may use: over the memory limit it is killed, over the CPU limit throttled. Default: the component's limits.
   * @default the component's limits
   */
  limits?: Quantities;
}

/** HTTP probes of an {@link AppService}. */
export interface Probes {
  /**
   * The readiness path. Default: "/ready".
   * @default "/ready"
   */
  readinessPath?: string;
  /**
   * The liveness path. Default: "/health".
   * @default "/health"
   */
  livenessPath?: string;
}

/** The arguments of the multi-language AppService. */
export interface AppServiceArgs {
  /** Where the component deploys: Docker or a k3s cluster, and the environment. */
  platform: PlatformTarget;
  /** The image, pinned by tag or digest (`:latest` is refused). */
  image: string;
  /** The container port. */
  port: number;
  /**
   * Pods on k3s (and the autoscaler's minimum; it scales up to 3× at 70 % CPU). Default: 2.
   * @default 2
   */
  replicas?: number;
  /** Plain environment variables. */
  env?: Record<string, pulumi.Input<string>>;
  /**
   * HTTP readiness and liveness probes on the container port. Default: readiness `/ready`, liveness `/health`.
   * @default readiness `/ready`, liveness `/health`
   */
  probes?: Probes;
  /**
   * Requests and limits of the container. Default: requests cpu 100m, memory 128Mi; limits cpu 500m, memory 256Mi.
   * @default requests cpu 100m, memory 128Mi; limits cpu 500m, memory 256Mi
   */
  resources?: Resources;
  /**
   * The Kubernetes namespace on k3s; it must exist. Default: "default".
   * @default "default"
   */
  namespace?: string;
}

/** The arguments of the multi-language PostgresCluster. */
export interface PostgresClusterArgs {
  /** Where the component deploys: Docker or a k3s cluster, and the environment. */
  platform: PlatformTarget;
  /**
   * The PostgreSQL major version: 16, 17 or 18. Default: 17.
   * @default 17
   */
  version?: number;
  /**
   * The application database. Default: "app".
   * @default "app"
   */
  database?: string;
  /**
   * The application role. Default: "app".
   * @default "app"
   */
  username?: string;
  /**
   * The data volume in GiB; it can grow, never shrink. Default: 20.
   * @default 20
   */
  storageGiB?: number;
  /**
   * PostgreSQL pods on k3s (one primary, the rest replicas). Default: 3 in prod, 1 otherwise.
   * @default 3 in prod, 1 otherwise
   */
  instances?: number;
  /**
   * Requests and limits per PostgreSQL pod (or container on Docker). Default: requests cpu 500m, memory 1Gi; limits cpu 2, memory 1Gi.
   * @default requests cpu 500m, memory 1Gi; limits cpu 2, memory 1Gi
   */
  resources?: Resources;
}

/** The arguments of the multi-language RedisCluster. */
export interface RedisClusterArgs {
  /** Where the component deploys: Docker or a k3s cluster, and the environment. */
  platform: PlatformTarget;
  /**
   * Valkey data pods on k3s (one primary, the rest replicas). Default: 3 in prod, 1 otherwise.
   * @default 3 in prod, 1 otherwise
   */
  replicas?: number;
  /**
   * The data volume per pod, in GiB. Default: 8.
   * @default 8
   */
  storageGiB?: number;
  /**
   * Requests and limits per Valkey data pod (or container on Docker). Default: requests cpu 100m, memory 256Mi; limits cpu 1, memory 256Mi.
   * @default requests cpu 100m, memory 256Mi; limits cpu 1, memory 256Mi
   */
  resources?: Resources;
}

/** A queue to declare on the broker. */
export interface Queue {
  /** The queue's name: letters, digits, `.`, `_`, `-`. */
  name: string;
  /**
   * Survive a broker restart. Default: true.
   * @default true
   */
  durable?: boolean;
}

/** The arguments of the multi-language MessageQueue. */
export interface MessageQueueArgs {
  /** Where the component deploys: Docker or a k3s cluster, and the environment. */
  platform: PlatformTarget;
  /**
   * The broker. Default: "rabbitmq".
   * @default "rabbitmq"
   */
  broker?: Broker;
  /**
   * Broker nodes on k3s; odd and at least 3 in prod (quorum). Default: 3 in prod, 1 otherwise.
   * @default 3 in prod, 1 otherwise
   */
  replicas?: number;
  /**
   * Each broker node's volume, in GiB. Default: 10.
   * @default 10
   */
  storageGiB?: number;
  /**
   * Queues to declare. Default: [].
   * @default []
   */
  queues?: Queue[];
}

/** A route from a hostname (and path) to a service. */
export interface GatewayRoute {
  /** The route's name; a DNS-1035 label. */
  name: string;
  /** The hostname the route answers, such as `app.example.com`. */
  hostname: string;
  /**
   * The path prefix. Default: "/".
   * @default "/"
   */
  pathPrefix?: string;
  /** The backend: an AppService's name (its Service, or its container alias on Docker). */
  serviceName: string;
  /** The backend's port: the AppService's service port on k3s, its container port on Docker. */
  servicePort: number;
  /**
   * The backend's namespace on k3s. Default: "default".
   * @default "default"
   */
  serviceNamespace?: string;
}

/** The arguments of the multi-language Gateway. */
export interface GatewayArgs {
  /** Where the component deploys: Docker or a k3s cluster, and the environment. */
  platform: PlatformTarget;
  /**
   * The HTTPS routes the gateway serves, each to a service by name. Default: [].
   * @default []
   */
  routes?: GatewayRoute[];
  /**
   * Gateway controller replicas on k3s. Default: 2 in prod (with a PodDisruptionBudget), 1 otherwise.
   * @default 2 in prod (with a PodDisruptionBudget), 1 otherwise
   */
  replicas?: number;
}

/** The arguments of the multi-language ObservabilityStack. */
export interface ObservabilityStackArgs {
  /** Where the component deploys: Docker or a k3s cluster, and the environment. */
  platform: PlatformTarget;
  /**
   * How long Prometheus keeps metrics, in days. Default: 15 in prod, 3 otherwise.
   * @default 15 in prod, 3 otherwise
   */
  retentionDays?: number;
  /**
   * Prometheus's volume, in GiB. Default: 50 in prod, 10 otherwise.
   * @default 50 in prod, 10 otherwise
   */
  storageGiB?: number;
}
