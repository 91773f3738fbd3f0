/**
 * Least privilege per service: which data stores' connection settings each service gets, from its
 * `uses` block (see `usesOf`). Each store makes a Secret per service that uses it,
 * `<service>-<store>` in the services' namespace (`podinfo-postgres`, `orders-worker-queue`), with
 * that service's own credentials where the backend has users per client (CloudNativePG roles,
 * RabbitMQ users); a service gets only the Secrets of the stores it declares.
 *
 * {@link serviceSecretEnv} is the one place a workload's secret environment comes from: the
 * AppService's, and any Job or CronJob that runs as the service.
 *
 * @see https://kubernetes.io/docs/concepts/security/secrets-good-practices/#least-privilege-secret-access
 */
import type * as pulumi from "@pulumi/pulumi";
import type { AppServiceArgs, BrokerClient, DataStoreClient, MessageQueue, PostgresCluster, RedisCluster } from "../components";
import { servicesOf, usesOf, type StackConfig } from "./compose";

/** A Secret-backed environment of one workload: variable → Secret and key (on Docker, `value`). */
export type SecretEnv = NonNullable<AppServiceArgs["secretEnv"]>;

/** The clients of each data store: the services whose `uses` name it. */
export interface StoreClients {
  readonly postgres: readonly DataStoreClient[];
  readonly redis: readonly DataStoreClient[];
  /** With the queues each uses (its broker user's permissions on in-cluster RabbitMQ). */
  readonly messageQueue: readonly BrokerClient[];
}

/**
 * The clients of each data store, from `services[].uses` (each store only while the stack runs it),
 * in the services' namespace: what the program hands each store as `clients`.
 *
 * @param config - the stack config.
 * @param namespace - the services' namespace (ignored on Docker).
 */
export function storeClients(config: Pick<StackConfig, "services" | "postgres" | "redis" | "messageQueue">, namespace: pulumi.Input<string>): StoreClients {
  const services = servicesOf(config).map((service) => ({ name: service.name, uses: usesOf(service, config) }));
  return {
    postgres: services.filter((s) => s.uses.postgres).map((s) => ({ name: s.name, namespace })),
    redis: services.filter((s) => s.uses.redis).map((s) => ({ name: s.name, namespace })),
    messageQueue: services.filter((s) => s.uses.queues.length > 0).map((s) => ({ name: s.name, namespace, queues: s.uses.queues })),
  };
}

/** The data stores the stack built, as the services phase reads them. */
export interface DataStores {
  readonly postgres?: PostgresCluster;
  readonly redis?: RedisCluster;
  readonly messageQueue?: MessageQueue;
}

/**
 * The stores one service uses (those holding a connection of it): what its pods wait for. A store
 * the service does not use is no dependency of it.
 */
export function serviceStores(service: string, stores: DataStores): pulumi.Resource[] {
  return [stores.postgres, stores.redis, stores.messageQueue].filter((store): store is NonNullable<typeof store> => store?.clientConnections[service] !== undefined);
}

/** The variable of the broker's private CA beside its URL variable: `AMQP_URL` → `AMQP_CA_CERT`, `NATS_URL` → `NATS_CA_CERT`. */
export function brokerCaEnv(urlEnv: string): string {
  return `${urlEnv.replace(/_URL$/, "")}_CA_CERT`;
}

/**
 * Where a service's own broker credentials are, for what authenticates to the broker as that
 * service (a KEDA `TriggerAuthentication`): its Secret `<service>-queue`, the key of the URL
 * (`AMQP_URL` or `NATS_URL`, with the service's own user on in-cluster RabbitMQ, which may
 * configure, write and read its `uses.queues` only: that covers declaring its queue, which is how
 * a depth is read over AMQP; the management API needs a user tag it does not have), and
 * `host`/`port` beside it.
 *
 * @returns `undefined` when the service uses no queue.
 */
export function serviceBrokerSecret(service: string, stores: DataStores): { readonly secretName: string; readonly urlKey: "AMQP_URL" | "NATS_URL" } | undefined {
  const queue = stores.messageQueue;
  const client = queue?.clientConnections[service];
  return queue && client ? { secretName: client.secretName, urlKey: queue.urlEnv } : undefined;
}

/**
 * One service's secret environment: for each store it uses, the store's URL variable
 * (`DATABASE_URL`, `REDIS_URL`, `AMQP_URL` or `NATS_URL`) from its own Secret `<service>-<store>`,
 * and the CA to verify the store with where that CA is private (`REDIS_CA_CERT`, `AMQP_CA_CERT`,
 * `NATS_CA_CERT`). A store the service does not use adds nothing. On Docker each entry carries the
 * value itself (a secret).
 *
 * @param service - the service's (or its Job's) name, as in `services[].name`.
 * @param stores - the stores the stack runs.
 * @returns the entries for AppService's (or a Job's) `secretEnv`; `{}` for a service that uses no store.
 */
export function serviceSecretEnv(service: string, stores: DataStores): SecretEnv {
  const env: Record<string, SecretEnv[string]> = {};
  const postgres = stores.postgres?.clientConnections[service];
  if (postgres) env.DATABASE_URL = { secretName: postgres.secretName, key: "DATABASE_URL", value: postgres.connectionString };
  const redis = stores.redis;
  const redisClient = redis?.clientConnections[service];
  if (redis && redisClient) {
    env.REDIS_URL = { secretName: redisClient.secretName, key: "REDIS_URL", value: redis.url };
    // Memorystore's CA rides in the connection Secret: the service's own copy carries it.
    if (redis.caSecretName) env.REDIS_CA_CERT = { secretName: redis.caSecretName === redis.connectionSecretName ? redisClient.secretName : redis.caSecretName, key: "ca.crt" };
  }
  const queue = stores.messageQueue;
  const queueClient = queue?.clientConnections[service];
  if (queue && queueClient) {
    env[queue.urlEnv] = { secretName: queueClient.secretName, key: queue.urlEnv, value: queueClient.url };
    if (queue.caSecretName) env[brokerCaEnv(queue.urlEnv)] = { secretName: queue.caSecretName, key: "ca.crt" };
  }
  return env;
}
