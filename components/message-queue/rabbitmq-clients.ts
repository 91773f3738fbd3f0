/**
 * A broker user per client on the in-cluster RabbitMQ: for each client, a credentials Secret in
 * the broker's namespace, a Messaging Topology Operator `User` that imports it, and a `Permission`
 * on vhost `/` that lets the user configure, write and read only its own queues.
 *
 * Why imported credentials and not the operator's generated ones: without
 * `importCredentialsSecret` the operator writes a random password to `<user>-user-credentials` in
 * the broker's namespace, where the client's pods cannot read it, and nothing in Kubernetes builds
 * the client's `AMQP_URL` from another namespace's Secret. The password comes from
 * `@pulumi/random` instead (a secret in Pulumi's state), so the component writes the client's URL
 * to the client's own Secret, in the client's namespace.
 *
 * @see https://www.rabbitmq.com/kubernetes/operator/using-topology-operator#users-permissions
 * @see https://www.rabbitmq.com/docs/access-control#authorisation
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { BrokerClientCredentials } from "./types";

/** The vhost every user and queue lives in (`/`). */
const VHOST = "/";

/**
 * The name RabbitMQ's authorisation gives the default exchange (whose real name is empty): a
 * client publishing to a queue through it needs `write` on `amq.default`.
 * @see https://www.rabbitmq.com/docs/access-control#authorisation
 */
export const DEFAULT_EXCHANGE = "amq.default";

/** A string as a regular expression that matches exactly it (RabbitMQ reads permissions as Erlang regexes, which share these metacharacters). */
function quoted(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** `^(a|b)$` over the quoted names, or `^$` (matches no resource) for none. */
function exactly(names: readonly string[]): string {
  return names.length === 0 ? "^$" : `^(${names.map(quoted).join("|")})$`;
}

/**
 * The `configure`, `write` and `read` regexes of a client that uses `queues`: each matches its own
 * queues' names exactly (quoted, so `orders.v1` does not match `ordersXv1`), and `write` also the
 * default exchange, through which a client publishes to a queue by name. No other queue or exchange
 * matches: the client can neither declare, publish to nor consume from another service's queue.
 * Dead-lettering is the broker's own routing and needs no client permission.
 *
 * @param queues - the queue names the client uses (`services[].uses.queues`).
 * @see https://www.rabbitmq.com/docs/access-control#authorisation
 */
export function brokerPermissions(queues: readonly string[]): { configure: string; write: string; read: string } {
  return { configure: exactly(queues), write: exactly([...queues, DEFAULT_EXCHANGE]), read: exactly(queues) };
}

/** The Kubernetes names of a client's broker objects, in the broker's namespace: `<broker>-<client>-credentials`, `-user`, `-permission`. */
export function brokerClientNames(name: string, client: string): { credentials: string; user: string; permission: string } {
  return { credentials: `${name}-${client}-credentials`, user: `${name}-${client}-user`, permission: `${name}-${client}-permission` };
}

/** What the clients' objects need of the broker: its cluster's name, namespace, labels and the options of the topology objects. */
export interface BrokerClientTarget {
  readonly cluster: string;
  readonly namespace: pulumi.Input<string>;
  readonly labels: Readonly<Record<string, string>>;
  /** The parent, provider and dependencies (operators ready, the cluster) of topology objects. */
  readonly opts: pulumi.CustomResourceOptions;
}

/**
 * Creates each client's credentials Secret, `User` and `Permission` (see the module comment). The
 * User's name in RabbitMQ is the client's name (the `username` key of the imported Secret).
 */
export function deployRabbitmqClients(name: string, clients: readonly BrokerClientCredentials[], target: BrokerClientTarget): void {
  const meta = (objectName: string) => ({ name: objectName, namespace: target.namespace, labels: { ...target.labels, "app.kubernetes.io/component": "broker-user" } });
  for (const client of clients) {
    const n = brokerClientNames(name, client.name);
    const credentials = new k8s.core.v1.Secret(
      n.credentials,
      { metadata: meta(n.credentials), type: "Opaque", stringData: pulumi.secret(client.password.apply((password) => ({ username: client.name, password }))) },
      { parent: target.opts.parent, provider: target.opts.provider },
    );
    const user = new k8s.apiextensions.CustomResource(
      n.user,
      { apiVersion: "rabbitmq.com/v1beta1", kind: "User", metadata: meta(n.user), spec: { rabbitmqClusterReference: { name: target.cluster }, importCredentialsSecret: { name: n.credentials } } },
      { ...target.opts, dependsOn: [...dependencies(target.opts), credentials] },
    );
    new k8s.apiextensions.CustomResource(
      n.permission,
      {
        apiVersion: "rabbitmq.com/v1beta1",
        kind: "Permission",
        metadata: meta(n.permission),
        spec: { vhost: VHOST, userReference: { name: n.user }, permissions: brokerPermissions(client.queues), rabbitmqClusterReference: { name: target.cluster } },
      },
      { ...target.opts, dependsOn: [...dependencies(target.opts), user] },
    );
  }
}

function dependencies(opts: pulumi.CustomResourceOptions): pulumi.Input<pulumi.Resource>[] {
  const d = opts.dependsOn;
  return d === undefined ? [] : Array.isArray(d) ? d : [d as pulumi.Input<pulumi.Resource>];
}
