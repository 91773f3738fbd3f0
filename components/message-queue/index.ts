import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { formatProblems } from "../contract/problems";
import { connectionSecret } from "../shared/connection-secret";
import { clientSecretName } from "../data-store/clients";
import { selectBackend } from "../data-store/backends";
import { messageQueueBackends, validateMessageQueue } from "./backends";
import { brokerUrlEnv, resolveMessageQueue, type MessageQueueArgs, type ResolvedMessageQueue } from "./spec";
import type { BrokerBackendContext } from "./types";
import type { ScrapeEndpoint } from "../contract/metrics";

export * from "./spec";
export type * from "./types";
export { brokerPermissions, brokerClientNames, DEFAULT_EXCHANGE } from "./rabbitmq-clients";
export { messageQueueBackends, validateMessageQueue } from "./backends";
export { natsMonitoringEndpoint } from "./nats";

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
 * const queue = new MessageQueue("queue", { platform, namespace: "data", clientNamespaces: ["apps"], addons: { certManager, rabbitmqOperators }, queues: [{ name: "jobs", deadLetter: "jobs-dlq" }, { name: "jobs-dlq" }] });
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
  /**
   * Each client's Secret (`<client>-<name>`, in the client's namespace on Kubernetes) and URL (a
   * secret: with the client's own user on in-cluster RabbitMQ, else the broker's one user; on
   * Docker, services take the URL as a secret env value), by client name.
   */
  public readonly clientConnections: Readonly<Record<string, { readonly secretName: string; readonly url: pulumi.Output<string>; readonly ownUser: boolean }>>;
  /** The environment variable services read the URL from: `AMQP_URL` or `NATS_URL`. */
  public readonly urlEnv: "AMQP_URL" | "NATS_URL";
  /** The Secret in each client namespace whose `ca.crt` clients must trust, where the CA is private. */
  public readonly caSecretName?: string;
  /**
   * Where Prometheus scrapes RabbitMQ's built-in Prometheus endpoint on Docker (in a cluster the
   * broker's PodMonitor scrapes the pods instead): give it to the ObservabilityStack's
   * `dataStores.rabbitmq`. `undefined` for NATS and managed brokers.
   */
  public readonly metricsEndpoint?: ScrapeEndpoint;
  /** The resolved arguments, for inspection. */
  public readonly spec: ResolvedMessageQueue;

  /**
   * @param name - the logical name; children are named `${name}-<role>`.
   * @param args - see {@link MessageQueueArgs}.
   * @param opts - component options.
   * @throws Error naming every bad field (see {@link validateMessageQueue}), and when an in-cluster
   *   broker lacks an add-on it needs (`addons.certManager` for TLS and RabbitMQ's Topology Operator
   *   webhook, `addons.rabbitmqOperators` for RabbitMQ).
   */
  constructor(name: string, args: MessageQueueArgs, opts?: pulumi.ComponentResourceOptions) {
    const { platform, addons = {}, ...settings } = args;
    const problems = validateMessageQueue(settings, platform);
    const spec = resolveMessageQueue(name, settings, platform);
    const inCluster = platform.kind === "kubernetes" && spec.mode === "in-cluster";
    if (inCluster && (spec.tls || spec.broker === "rabbitmq") && !addons.certManager) {
      problems.push({ path: ["addons", "certManager"], message: "is required in-cluster: the broker's certificates (and the RabbitMQ Topology Operator's webhook) come from cert-manager" });
    }
    if (inCluster && spec.broker === "rabbitmq" && !addons.rabbitmqOperators) {
      problems.push({ path: ["addons", "rabbitmqOperators"], message: "is required for RabbitMQ in-cluster: create the RabbitmqOperators add-on once per cluster and pass it to every MessageQueue" });
    }
    if (problems.length > 0) throw new Error(`MessageQueue "${name}": ${formatProblems(problems)}`);
    super("platform:index:MessageQueue", name, {}, opts);
    this.spec = spec;
    this.urlEnv = brokerUrlEnv(spec.broker);

    const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, { parent: this, additionalSecretOutputs: ["result"] });
    // Only the in-cluster RabbitMQ creates a user per client (rabbitmq-clients.ts): elsewhere no password is generated for one.
    const usersCreated = platform.kind === "kubernetes" && spec.mode === "in-cluster" && spec.broker === "rabbitmq";
    const clients = (usersCreated ? spec.clients : []).map((client) => ({
      name: client.name,
      queues: client.queues,
      password: pulumi.secret(new random.RandomPassword(`${name}-${client.name}-password`, { length: 32, special: false }, { parent: this, additionalSecretOutputs: ["result"] }).result),
    }));
    const context: BrokerBackendContext = { username: "platform", password: pulumi.secret(password.result), parent: this, addons, clients };
    const endpoints = selectBackend(messageQueueBackends, platform.flavour, spec)!.load()(name, spec, platform, context);

    this.host = endpoints.host;
    this.port = endpoints.port;
    this.url = pulumi.secret(endpoints.url);
    this.managementUrl = endpoints.managementUrl;
    this.caSecretName = endpoints.caSecretName;
    this.metricsEndpoint = endpoints.metrics;
    this.connectionSecretName = `${name}-connection`;
    if (platform.kind === "kubernetes") {
      spec.clientNamespaces.forEach((namespace, index) =>
        connectionSecret(`${name}-connection-${index}`, this.connectionSecretName, namespace, platform, { [this.urlEnv]: this.url, host: this.host, port: this.port.apply(String) }, this),
      );
    }
    const connections: Record<string, { secretName: string; url: pulumi.Output<string>; ownUser: boolean }> = {};
    spec.clients.forEach((client, index) => {
      const own = endpoints.clientUrl !== undefined && clients[index] !== undefined;
      const url = own ? endpoints.clientUrl!(client.name, clients[index].password) : this.url;
      const secretName = clientSecretName(name, client.name);
      connections[client.name] = { secretName, url, ownUser: own };
      if (platform.kind === "kubernetes") {
        connectionSecret(`${name}-client-${client.name}`, secretName, client.namespace, platform, {
          [this.urlEnv]: url,
          host: this.host,
          port: this.port.apply(String),
          username: own ? client.name : context.username,
          password: own ? clients[index].password : context.password,
        }, this);
      }
    });
    this.clientConnections = connections;
    this.registerOutputs({ host: this.host, port: this.port, url: this.url, managementUrl: this.managementUrl });
  }
}
