import type * as pulumi from "@pulumi/pulumi";
import type { ArgProblem } from "../contract/problems";
import type { PlatformFacts } from "../contract/platform";
import { resourceProblems } from "../shared/quantity";
import { clientProblems, resolveDataStore, type DataStoreArgs, type DataStoreClient, type ResolvedDataStore } from "../data-store";

/**
 * The brokers the component can run.
 *
 * - `rabbitmq` (default): the RabbitMQ Cluster Operator's `RabbitmqCluster`, queues as the
 *   Messaging Topology Operator's `Queue`s; Amazon MQ for RabbitMQ when managed on EKS; the official
 *   image on Docker.
 * - `nats`: NATS with JetStream from its chart; services create their streams themselves with the
 *   JetStream API (declared `queues` are RabbitMQ's); the official image on Docker.
 *
 * @see https://www.rabbitmq.com/kubernetes/operator/operator-overview
 * @see https://docs.nats.io/running-a-nats-service/nats-kubernetes
 */
export type Broker = (typeof BROKERS)[number];

/** The brokers, for validation and hints. */
export const BROKERS = ["rabbitmq", "nats"] as const;

/**
 * One declared queue (RabbitMQ) or stream (NATS JetStream).
 * @see https://www.rabbitmq.com/docs/queues
 */
export interface QueueArgs {
  /** The queue's name: letters, digits, `.`, `_`, `-`. */
  readonly name: string;
  /** Survive a broker restart. @default true */
  readonly durable?: boolean;
  /**
   * The queue that receives messages rejected, expired or dropped for length: another declared
   * queue's name. RabbitMQ routes them through the default exchange with this routing key.
   * @default none
   */
  readonly deadLetter?: string;
  /** The most messages kept; beyond it the oldest are dead-lettered (or dropped). @default unbounded */
  readonly maxLength?: number;
  /** Priorities 1…`maxPriority` (RabbitMQ classic queues; at most 255, 10 is plenty). @default none */
  readonly maxPriority?: number;
}

/**
 * A client of the broker: a workload that gets a Secret `<client>-<name>` of its own with its URL
 * and, on the in-cluster RabbitMQ, a broker user of its own limited to `queues`.
 */
export interface BrokerClient extends DataStoreClient {
  /** The queues the client publishes to or consumes from (names of `queues` where the component declares them). @default [] */
  readonly queues?: readonly string[];
}

/**
 * The arguments of a {@link MessageQueue}.
 */
export interface MessageQueueArgs extends DataStoreArgs {
  /**
   * The workloads that get a Secret of their own (`<client>-<name>`, key `AMQP_URL` or `NATS_URL`,
   * plus `host`, `port`, `username`, `password`). In-cluster RabbitMQ gives each a user of its own
   * (a topology `User` and `Permission` limited to its `queues`); NATS, Amazon MQ and Docker hand
   * every client the broker's one user (see the component's README).
   * @default []
   */
  readonly clients?: readonly BrokerClient[];
  /** The broker. @default "rabbitmq" */
  readonly broker?: Broker;
  /** Broker nodes. Odd and ≥ 3 in prod (quorum). Amazon MQ: 3 as a multi-AZ cluster, else 1. @default 3 in prod, 1 otherwise */
  readonly replicas?: number;
  /** Each node's volume, in GiB. @default 10 */
  readonly storageGiB?: number;
  /** Requests and limits of each broker node. @default requests 500m/1Gi, limits 2/2Gi */
  readonly resources?: { readonly requests?: { readonly cpu?: string; readonly memory?: string }; readonly limits?: { readonly cpu?: string; readonly memory?: string } };
  /**
   * TLS for clients (cert-manager on Kubernetes; Amazon MQ is TLS-only). Traffic between RabbitMQ
   * nodes (Erlang distribution) stays on the cluster network unencrypted; NATS routes use TLS.
   * Refused off in prod.
   * @default true on Kubernetes and managed, false on Docker
   */
  readonly tls?: boolean;
  /** The queues (streams on NATS) to declare. @default [] */
  readonly queues?: readonly QueueArgs[];
  /** Amazon MQ settings (managed mode on EKS). */
  readonly managed?: { readonly instanceType?: string; readonly engineVersion?: string };
  /**
   * What the objects must be created after (the operators' CRDs are the component's own; this is
   * for the caller's prerequisites such as the mesh injector). Children do not inherit a
   * component's `dependsOn`.
   * @default []
   */
  readonly dependsOn?: readonly pulumi.Resource[];
  /** Docker-only settings: publish the AMQP (or NATS) port on the host. @default not published */
  readonly docker?: { readonly hostPort?: number };
}

/**
 * The settings of a MessageQueue: its arguments without what the composition root hands it (the
 * platform and the add-ons). Stack config maps onto exactly this.
 */
export type MessageQueueSettings = Omit<MessageQueueArgs, "platform" | "addons">;

/** Defaults of {@link MessageQueueArgs}. */
export const messageQueueDefaults = {
  broker: "rabbitmq" as Broker,
  storageGiB: 10,
  resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" } },
  maxPriorityLimit: 255,
} as const;

/** A {@link MessageQueueArgs} with every default applied. */
export interface ResolvedMessageQueue extends ResolvedDataStore {
  readonly broker: Broker;
  readonly replicas: number;
  readonly storageGiB: number;
  readonly resources: { readonly requests: { readonly cpu: string; readonly memory: string }; readonly limits: { readonly cpu: string; readonly memory: string } };
  readonly tls: boolean;
  readonly queues: readonly (Required<Pick<QueueArgs, "name" | "durable">> & Omit<QueueArgs, "name" | "durable">)[];
  readonly managed: { readonly instanceType: string; readonly engineVersion?: string };
  readonly dependsOn: readonly pulumi.Resource[];
  readonly docker: { readonly hostPort?: number };
  readonly clients: readonly (DataStoreClient & { readonly queues: readonly string[] })[];
}

/**
 * Applies the defaults to a {@link MessageQueueArgs}.
 * @see messageQueueDefaults
 */
export function resolveMessageQueue(name: string, args: MessageQueueSettings, on: PlatformFacts): ResolvedMessageQueue {
  const d = messageQueueDefaults;
  const base = resolveDataStore(name, args, on);
  const prod = on.environment === "prod";
  return {
    ...base,
    broker: args.broker ?? d.broker,
    replicas: args.replicas ?? (prod ? 3 : 1),
    storageGiB: args.storageGiB ?? d.storageGiB,
    resources: { requests: { ...d.resources.requests, ...args.resources?.requests }, limits: { ...d.resources.limits, ...args.resources?.limits } },
    tls: args.tls ?? on.flavour !== "docker",
    queues: (args.queues ?? []).map((q) => ({ ...q, durable: q.durable ?? true })),
    // mq.m7g.medium is for tests only: clusters get large.
    managed: { instanceType: args.managed?.instanceType ?? (prod || (args.replicas ?? 1) >= 3 ? "mq.m7g.large" : "mq.m7g.medium"), engineVersion: args.managed?.engineVersion },
    dependsOn: args.dependsOn ?? [],
    docker: args.docker ?? {},
    clients: (args.clients ?? []).map((c) => ({ ...c, queues: c.queues ?? [] })),
  };
}

const QUEUE_NAME = /^[A-Za-z0-9._-]{1,200}$/;

/**
 * Finds every problem with a message queue's settings, before any resource exists, except the
 * choice of backend (`validateMessageQueue` in `backends.ts` checks that after the broker's name).
 *
 * @returns the problems, each with its field's path; empty when the settings are usable.
 * @see https://www.rabbitmq.com/docs/clustering
 */
export function messageQueueSettingsProblems(args: MessageQueueSettings, on: PlatformFacts): ArgProblem[] {
  const problems: ArgProblem[] = [];
  const add = (path: (string | number)[], message: string) => problems.push({ path, message });
  const spec = resolveMessageQueue("queue", args, on);
  const prod = on.environment === "prod";
  if (!Number.isInteger(spec.replicas) || spec.replicas < 1) add(["replicas"], `must be a whole number ≥ 1 (got ${spec.replicas})`);
  else if (prod && on.flavour === "docker") add(["replicas"], "a Docker broker is a single node, which prod refuses: run prod on a Kubernetes target");
  else if (prod && spec.mode === "in-cluster" && (spec.replicas < 3 || spec.replicas % 2 === 0)) {
    add(["replicas"], `must be odd and at least 3 in prod (got ${spec.replicas}): quorum queues and JetStream need a majority to survive a node loss`);
  }
  if (on.flavour === "docker") {
    // Settings Docker would silently ignore.
    if (args.tls === true) add(["tls"], "is not available on docker (the broker container listens in plain text on the private network); remove it");
    if (args.replicas !== undefined && args.replicas !== 1 && !prod) add(["replicas"], `must be 1 on docker: one container is one node (got ${args.replicas})`);
  }
  if (spec.mode === "managed") {
    if (spec.queues.length > 0) add(["queues"], "are not created on Amazon MQ (it has no queue resources): applications declare them; remove `queues` or run in-cluster");
    if (args.replicas !== undefined && args.replicas !== 1 && args.replicas !== 3) add(["replicas"], `must be 1 (single instance) or 3 (a multi-AZ cluster) on Amazon MQ (got ${args.replicas})`);
  }
  if (!Number.isInteger(spec.storageGiB) || spec.storageGiB < 1) add(["storageGiB"], `must be a whole number of GiB ≥ 1 (got ${spec.storageGiB})`);
  if (prod && !spec.tls) add(["tls"], "must stay on in prod: broker traffic carries credentials and payloads");
  problems.push(...resourceProblems(spec.resources));
  const names = spec.queues.map((q) => q.name);
  spec.queues.forEach((q, i) => {
    if (!QUEUE_NAME.test(q.name)) add(["queues", i, "name"], `"${q.name}" may contain only letters, digits, ".", "_" and "-" (at most 200)`);
    else if (q.name.startsWith("amq.")) add(["queues", i, "name"], `"${q.name}" starts with "amq.", which RabbitMQ reserves for its own queues`);
    if (names.indexOf(q.name) !== i) add(["queues", i, "name"], `"${q.name}" is declared twice`);
    if (q.deadLetter !== undefined) {
      if (!names.includes(q.deadLetter)) add(["queues", i, "deadLetter"], `"${q.deadLetter}" is not a declared queue (declared: ${names.join(", ")})`);
      else if (q.deadLetter === q.name) add(["queues", i, "deadLetter"], "must be another queue: dead-lettering into itself loops");
    }
    if (q.maxLength !== undefined && !(Number.isInteger(q.maxLength) && q.maxLength >= 1)) add(["queues", i, "maxLength"], `must be a whole number ≥ 1 (got ${q.maxLength})`);
    if (q.maxPriority !== undefined && !(Number.isInteger(q.maxPriority) && q.maxPriority >= 1 && q.maxPriority <= messageQueueDefaults.maxPriorityLimit)) {
      add(["queues", i, "maxPriority"], `must be a whole number from 1 to ${messageQueueDefaults.maxPriorityLimit} (got ${q.maxPriority}); 10 is plenty`);
    }
  });
  problems.push(
    ...clientProblems(spec.clients, {
      platform: "it is the broker's own user",
      guest: "it is RabbitMQ's built-in user",
      // Its credentials Secret would be `<name>-user-credentials`, the broker's own user's (rabbitmq-clients.ts).
      ...(spec.broker === "rabbitmq" ? { user: "its credentials Secret `<name>-user-credentials` would be the broker's own user's" } : {}),
    }),
  );
  if (spec.queues.length > 0) {
    spec.clients.forEach((c, i) =>
      c.queues.forEach((q, j) => {
        if (!names.includes(q)) add(["clients", i, "queues", j], `"${q}" is not a declared queue (declared: ${names.join(", ")})`);
      }),
    );
  }
  // NATS streams are created by the services (JetStream API): declared queues would silently do nothing.
  if (spec.broker === "nats" && spec.queues.length > 0) add(["queues"], "are declared for rabbitmq only; with nats, services create their JetStream streams at start-up (remove `queues` or use rabbitmq)");
  if (spec.docker.hostPort !== undefined && !(Number.isInteger(spec.docker.hostPort) && spec.docker.hostPort >= 1 && spec.docker.hostPort <= 65535)) {
    add(["docker", "hostPort"], `must be a port from 1 to 65535 (got ${spec.docker.hostPort})`);
  }
  return problems;
}

/**
 * The environment variable a service reads the broker's URL from.
 *
 * @see https://www.rabbitmq.com/docs/uri-spec
 */
export function brokerUrlEnv(broker: Broker): "AMQP_URL" | "NATS_URL" {
  return broker === "rabbitmq" ? "AMQP_URL" : "NATS_URL";
}
