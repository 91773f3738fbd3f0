/**
 * The types the redis component and its backends share. Backends import them from here, never
 * from the component's index, so no import runs in a circle.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { ScrapeEndpoint } from "../contract/metrics";
import type { DataStoreBackendContext } from "../data-store";

/** What every backend returns: the same shape whatever runs the cache. */
export interface RedisEndpoints {
  /** The endpoint that always reaches the primary. */
  readonly host: pulumi.Output<string>;
  readonly port: pulumi.Output<number>;
  /** Whether connections use TLS (`rediss://`). */
  readonly tls: boolean;
  /** The Sentinel endpoint, where Sentinel runs. */
  readonly sentinel?: { readonly host: pulumi.Output<string>; readonly port: pulumi.Output<number>; readonly masterName: string };
  /**
   * The password clients use, when the backend generates its own (Memorystore's AUTH string);
   * otherwise the component's generated password is used.
   */
  readonly password?: pulumi.Output<string>;
  /** The CA certificate (PEM) clients must trust, when it is not a public one (Memorystore's). */
  readonly caCert?: pulumi.Output<string>;
  /** The Secret in each client namespace whose `ca.crt` clients must trust (in-cluster TLS). */
  readonly caSecretName?: string;
  /** Where Prometheus scrapes the cache's exporter, where the backend runs one outside the cluster (Docker). */
  readonly metrics?: ScrapeEndpoint;
}

/** What a backend receives besides the resolved spec (the data stores' shared context). */
export type RedisBackendContext = DataStoreBackendContext;
