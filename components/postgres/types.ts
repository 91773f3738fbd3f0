/**
 * The types the postgres component and its backends share. Backends import them from here, never
 * from the component's index, so no import runs in a circle.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { ScrapeEndpoint } from "../contract/metrics";
import type { DataStoreBackendContext } from "../data-store";

/**
 * What every backend returns: the same shape whatever runs the database.
 */
export interface PostgresEndpoints {
  /** The read-write endpoint (the pooler where there is one). */
  readonly host: pulumi.Output<string>;
  readonly port: pulumi.Output<number>;
  /** The read-only endpoint (replicas); the primary where there are none. */
  readonly readHost: pulumi.Output<string>;
  /** The `sslmode` clients should use: `require` or stronger wherever TLS is available. */
  readonly sslmode: "disable" | "require" | "verify-ca" | "verify-full";
  /** Where Prometheus scrapes the database's exporter, where the backend runs one outside the cluster (Docker). */
  readonly metrics?: ScrapeEndpoint;
  /** Whether the backend created a role per client (`clients`, CloudNativePG); else clients share the owner's credentials. */
  readonly clientRoles?: boolean;
}

/** A client's role and generated password, as the component hands them to a backend. */
export interface PostgresClientRole {
  /** The client's name. */
  readonly client: string;
  /** Its role: the name as an SQL identifier (`orders-worker` → `orders_worker`). */
  readonly role: string;
  /** Its password, from @pulumi/random; a secret. */
  readonly password: pulumi.Output<string>;
}

/** What a backend receives besides the resolved spec: the data stores' shared context and the clients' roles. */
export interface PostgresBackendContext extends DataStoreBackendContext {
  /** One role per client, for backends that create them. @default [] */
  readonly roles?: readonly PostgresClientRole[];
}

/** A bucket and the identity that writes to it, as a cloud module creates them. */
export interface BackupStore {
  /** The bucket's name. */
  readonly bucket: pulumi.Input<string>;
  /** Annotations that bind the instances' ServiceAccount to the cloud identity. */
  readonly serviceAccountAnnotations: Readonly<Record<string, pulumi.Input<string>>>;
  /** The cloud resources the Cluster must wait for (bucket, role, bindings). */
  readonly dependencies: pulumi.Resource[];
}
