/**
 * A data store's clients: the workloads that each get a connection Secret of their own, named
 * after them (`<client>-<store>`, such as `orders-worker-postgres`) in their namespace, holding
 * their own credentials where the backend can create a user per client (CloudNativePG roles,
 * in-cluster RabbitMQ users), else the store's one user (RDS, Cloud SQL, Redis, NATS, Amazon MQ,
 * Docker). A workload that is no client of a store gets
 * no Secret of it: least privilege, per Kubernetes's Secret good practices.
 *
 * @see https://kubernetes.io/docs/concepts/security/secrets-good-practices/#least-privilege-secret-access
 */
import type * as pulumi from "@pulumi/pulumi";
import type { ArgProblem } from "../contract/problems";

/** A DNS-1035 label, as Kubernetes names Services (and this project names services). */
const DNS_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** One client of a data store: a workload (a service) that gets a connection Secret of its own. */
export interface DataStoreClient {
  /** The workload's name (a DNS-1035 label): its Secret is `<name>-<store>`, its database role or broker user `<name>`. */
  readonly name: string;
  /** The namespace of the workload, where its Secret goes (Kubernetes; ignored on Docker). */
  readonly namespace: pulumi.Input<string>;
}

/**
 * The name of a client's connection Secret: `<client>-<store>` (the store being the data store
 * component's name: `podinfo-postgres`, `orders-worker-queue`).
 */
export function clientSecretName(store: string, client: string): string {
  return `${client}-${store}`;
}

/**
 * A client's role name where the store's user names are SQL identifiers (PostgreSQL): the client's
 * name with `-` as `_` (`orders-worker` → `orders_worker`), so no statement needs to quote it. Two
 * DNS labels never map to the same role, since a label has no `_`.
 */
export function clientRoleName(client: string): string {
  return client.replaceAll("-", "_");
}

/**
 * Problems with `clients`: each name a DNS-1035 label, at most once, and none of `reserved` (the
 * names the store's backends keep for themselves, such as the owner role or `postgres`).
 *
 * @param clients - the clients as given.
 * @param reserved - names a client may not take, with why.
 * @returns one problem per bad entry, at `clients.<i>.name`.
 */
export function clientProblems(clients: readonly Pick<DataStoreClient, "name">[] | undefined, reserved: Readonly<Record<string, string>> = {}): ArgProblem[] {
  const problems: ArgProblem[] = [];
  const seen = new Set<string>();
  (clients ?? []).forEach((client, index) => {
    const path = ["clients", index, "name"];
    if (!DNS_LABEL.test(client.name) || client.name.length > 63) {
      problems.push({ path, message: `"${client.name}" must be a DNS-1035 label of at most 63 characters: lower case letters, digits and '-', starting with a letter` });
    } else if (seen.has(client.name)) {
      problems.push({ path, message: `"${client.name}" is listed twice: each client gets one Secret and one user` });
    } else if (reserved[client.name] !== undefined) {
      problems.push({ path, message: `"${client.name}" is reserved: ${reserved[client.name]}` });
    }
    seen.add(client.name);
  });
  return problems;
}
