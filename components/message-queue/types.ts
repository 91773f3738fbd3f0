/**
 * The types the message-queue component and its backends share. Backends import them from here, never
 * from the component's index, so no import runs in a circle.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { DataStoreBackendContext } from "../data-store";
import type { ScrapeEndpoint } from "../contract/metrics";

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
  /** Where Prometheus scrapes the broker on Docker (in a cluster the broker's PodMonitor does). */
  readonly metrics?: ScrapeEndpoint;
  /**
   * A client's URL with its own user, where the backend created a user per client (in-cluster
   * RabbitMQ); absent where clients share the broker's one user (NATS, Amazon MQ, Docker).
   */
  readonly clientUrl?: (username: string, password: pulumi.Output<string>) => pulumi.Output<string>;
}

/** A client of the broker with its generated password, as the component hands it to a backend. */
export interface BrokerClientCredentials {
  /** The client's name: its broker user's name. */
  readonly name: string;
  /** The queues it may configure, write and read. */
  readonly queues: readonly string[];
  /** Its password, from @pulumi/random; a secret. */
  readonly password: pulumi.Output<string>;
}

/** What a backend receives besides the resolved spec: the shared context, and the broker user's name. */
export interface BrokerBackendContext extends DataStoreBackendContext {
  /** The broker user's name. */
  readonly username: string;
  /** The clients that get a user of their own, where the backend can create one (see {@link BrokerEndpoints.clientUrl}). */
  readonly clients?: readonly BrokerClientCredentials[];
}
