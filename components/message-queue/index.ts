import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { formatProblems } from "../app-service/spec";
import { connectionSecret } from "../shared/connection-secret";
import { brokerUrlEnv, resolveMessageQueue, validateMessageQueue, type MessageQueueArgs, type ResolvedMessageQueue } from "./spec";
import type { DataStoreBackendContext } from "../shared/data-store";

export * from "./spec";

/** What every backend returns: the same shape whatever runs the broker. */
export interface BrokerEndpoints {
  /** The host clients connect to. */
  readonly host: pulumi.Output<string>;
  /** The client port (AMQP 5671 with TLS / 5672; NATS 4222). */
  readonly port: pulumi.Output<number>;
  /** The client URL with credentials (`amqps://user:password@host:5671/`, `nats://…`); a secret. */
  readonly url: pulumi.Output<string>;
  /** The management UI's in-cluster or console URL, where there is one. */
  readonly managementUrl?: pulumi.Output<string>;
  /** The Secret in each client namespace whose `ca.crt` clients must trust (in-cluster TLS). */
  readonly caSecretName?: string;
}

/** What a backend receives besides the resolved spec: the shared context, and the broker user's name. */
export interface BrokerBackendContext extends DataStoreBackendContext {
  /** The broker user's name. */
  readonly username: string;
}

/**
 * A message broker between the API services and background workers, the same in intent on every
 * target:
 *
 * - **Kubernetes, in-cluster**: RabbitMQ through the RabbitMQ Cluster Operator (`RabbitmqCluster`
 *   with TLS from cert-manager, persistence, resources, a PodDisruptionBudget) and the Messaging
 *   Topology Operator for declared queues (`Queue`, with dead-lettering and priorities); or NATS with
 *   JetStream from its chart.
 * - **Managed** (EKS): Amazon MQ for RabbitMQ, private, encrypted, a multi-AZ cluster in prod.
 * - **Docker**: the broker's official image with a volume, a healthcheck, limits, and the queues
 *   loaded from a definitions file.
 *
 * Credentials come from @pulumi/random; services read the URL from a Secret (`AMQP_URL` or
 * `NATS_URL`).
 *
 * @example
 * ```ts
 * const queue = new MessageQueue("queue", { platform, namespace: "data", clientNamespaces: ["apps"], certManager, queues: [{ name: "jobs", deadLetter: "jobs-dlq" }, { name: "jobs-dlq" }] });
 * ```
 * @see https://www.rabbitmq.com/kubernetes/operator/using-operator
 * @see https://www.rabbitmq.com/kubernetes/operator/using-topology-operator
 * @see https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/working-with-rabbitmq.html
 */
export class MessageQueue extends pulumi.ComponentResource {
  /** The client host. */
  public readonly host: pulumi.Output<string>;
  /** The client port. */
  public readonly port: pulumi.Output<number>;
  /** The client URL with credentials; a secret. */
  public readonly url: pulumi.Output<string>;
  /** The management UI's URL, where there is one. */
  public readonly managementUrl?: pulumi.Output<string>;
  /** The Secret created in each client namespace, with the URL under {@link urlEnv}. */
  public readonly connectionSecretName: string;
  /** The environment variable services read the URL from: `AMQP_URL` or `NATS_URL`. */
  public readonly urlEnv: "AMQP_URL" | "NATS_URL";
  /** The Secret in each client namespace whose `ca.crt` clients must trust, where the CA is private. */
  public readonly caSecretName?: string;
  /** The resolved arguments, for inspection. */
  public readonly spec: ResolvedMessageQueue;

  /**
   * @param name - the logical name; children are named `${name}-<role>`.
   * @param args - see {@link MessageQueueArgs}.
   * @param opts - component options.
   * @throws Error naming every bad field (see {@link validateMessageQueue}), and when an in-cluster
   *   broker has no `certManager` (TLS, or RabbitMQ's Topology Operator webhook).
   */
  constructor(name: string, args: MessageQueueArgs, opts?: pulumi.ComponentResourceOptions) {
    const platform = args.platform;
    const on = { flavour: platform.flavour, environment: platform.environment };
    const problems = validateMessageQueue(args, on);
    const spec = resolveMessageQueue(name, args, on);
    const inCluster = platform.kind === "kubernetes" && spec.mode === "in-cluster";
    if (inCluster && (spec.tls || spec.broker === "rabbitmq") && !args.certManager) {
      problems.push({ path: ["certManager"], message: "is required in-cluster: the broker's certificates (and the RabbitMQ Topology Operator's webhook) come from cert-manager" });
    }
    if (problems.length > 0) throw new Error(`MessageQueue "${name}": ${formatProblems(problems)}`);
    super("platform:index:MessageQueue", name, {}, opts);
    this.spec = spec;
    this.urlEnv = brokerUrlEnv(spec.broker);

    const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, { parent: this, additionalSecretOutputs: ["result"] });
    const context: BrokerBackendContext = { username: "platform", password: pulumi.secret(password.result), parent: this, certManager: args.certManager, monitoringCrds: args.monitoringCrds };

    /* eslint-disable @typescript-eslint/no-require-imports */
    let endpoints: BrokerEndpoints;
    if (platform.kind === "docker") {
      endpoints = (require("./docker") as typeof import("./docker")).deployBrokerToDocker(name, spec, platform, context);
    } else if (spec.mode === "managed" && platform.cloud?.kind === "aws") {
      endpoints = (require("./aws") as typeof import("./aws")).deployBrokerToAws(name, spec, platform, platform.cloud, context);
    } else if (spec.broker === "nats") {
      endpoints = (require("./nats") as typeof import("./nats")).deployNatsToKubernetes(name, spec, platform, context);
    } else {
      endpoints = (require("./rabbitmq") as typeof import("./rabbitmq")).deployRabbitmqToKubernetes(name, spec, platform, context);
    }
    /* eslint-enable @typescript-eslint/no-require-imports */

    this.host = endpoints.host;
    this.port = endpoints.port;
    this.url = pulumi.secret(endpoints.url);
    this.managementUrl = endpoints.managementUrl;
    this.caSecretName = endpoints.caSecretName;
    this.connectionSecretName = `${name}-connection`;
    if (platform.kind === "kubernetes") {
      spec.clientNamespaces.forEach((namespace, index) =>
        connectionSecret(`${name}-connection-${index}`, this.connectionSecretName, namespace, platform, { [this.urlEnv]: this.url, host: this.host, port: this.port.apply(String) }, this),
      );
    }
    this.registerOutputs({ host: this.host, port: this.port, url: this.url, managementUrl: this.managementUrl });
  }
}
