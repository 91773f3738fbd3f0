import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { ScrapeEndpoint } from "../contract/metrics";
import { formatProblems } from "../contract/problems";
import { connectionSecret } from "../shared/connection-secret";
import { clientRoleName, clientSecretName } from "../data-store/clients";
import { selectBackend } from "../data-store/backends";
import { postgresBackends, validatePostgres } from "./backends";
import { postgresUri, resolvePostgres, type PostgresClusterArgs, type ResolvedPostgres } from "./spec";
import type { PostgresBackendContext, PostgresEndpoints } from "./types";

export * from "./spec";
export * from "./recovery-args";
export type * from "./types";
export { CNPG_RESERVED_ROLES, managedRoles, postgresClientProblems, RESERVED_ROLE_PREFIX, reservedRolePrefix, roleSecretName } from "./roles";
export { postgresBackends, validatePostgres } from "./backends";

/**
 * A PostgreSQL database with the same outputs on every target:
 *
 * - **Kubernetes, in-cluster**: on the CloudNativePG add-on (`addons.cloudNativePg`), a `Cluster` with a
 *   primary and replicas, TLS, a PodMonitor, anti-affinity, a PgBouncer `Pooler`, and backups with
 *   PITR through the Barman Cloud plugin (`ObjectStore`, `ScheduledBackup`) to S3 (EKS, IRSA), GCS
 *   (GKE, Workload Identity) or an S3-compatible endpoint (k3s).
 * - **Managed**: RDS PostgreSQL or Aurora on EKS, Cloud SQL on GKE; private, encrypted, HA in prod,
 *   TLS enforced, backups with PITR and deletion protection.
 * - **Docker**: the official postgres image with a volume and healthcheck, and PgBouncer beside it.
 *
 * The password comes from `@pulumi/random` and stays a secret. With `clientNamespaces` a Secret
 * `<name>-connection` with `DATABASE_URL` is created in each, for AppServices' `secretEnv`.
 *
 * @example
 * ```ts
 * const db = new PostgresCluster("db", { platform, namespace: "data", clientNamespaces: ["apps"], addons: { certManager, cloudNativePg } });
 * ```
 * @see https://cloudnative-pg.io/documentation/current/
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_PostgreSQL.html
 * @see https://cloud.google.com/sql/docs/postgres
 */
export class PostgresCluster extends pulumi.ComponentResource {
  /** The read-write host (the pooler where there is one). */
  public readonly host: pulumi.Output<string>;
  /** The port. */
  public readonly port: pulumi.Output<number>;
  /** The read-only host (replicas). */
  public readonly readHost: pulumi.Output<string>;
  /** The application database. */
  public readonly database: pulumi.Output<string>;
  /** The application role. */
  public readonly username: pulumi.Output<string>;
  /** The application role's password; a secret. */
  public readonly password: pulumi.Output<string>;
  /** A `postgresql://` URI with `sslmode`; a secret. */
  public readonly connectionString: pulumi.Output<string>;
  /** The name of the Secret created in each of `clientNamespaces`, with key `DATABASE_URL`. */
  public readonly connectionSecretName: string;
  /**
   * Each client's Secret (`<client>-<name>`, in the client's namespace on Kubernetes; keys as the
   * shared Secret's) and connection string (a secret: with the client's own role on CloudNativePG,
   * else the owner's), by client name.
   */
  public readonly clientConnections: Readonly<Record<string, { readonly secretName: string; readonly connectionString: pulumi.Output<string>; readonly role: string }>>;
  /**
   * Where Prometheus scrapes this store's exporter, on Docker (the backend runs one beside it; in a
   * cluster a PodMonitor scrapes the pods instead): give it to the ObservabilityStack's `dataStores`.
   */
  public readonly metricsEndpoint?: ScrapeEndpoint;
  /** The resolved arguments, for inspection. */
  public readonly spec: ResolvedPostgres;

  /**
   * @param name - the logical name; children are named `${name}-<role>`.
   * @param args - see {@link PostgresClusterArgs}.
   * @param opts - component options.
   * @throws Error naming every bad field (see {@link validatePostgres}), and in-cluster on Kubernetes
   *   without `addons.cloudNativePg`, or with one lacking the Barman Cloud plugin when backups are on.
   */
  constructor(name: string, args: PostgresClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    const { platform, addons = {}, ...settings } = args;
    const problems = validatePostgres(settings, platform);
    const spec = resolvePostgres(name, settings, platform);
    if (platform.kind === "kubernetes" && spec.mode === "in-cluster") {
      if (!addons.cloudNativePg) {
        problems.push({ path: ["addons", "cloudNativePg"], message: "is required in-cluster: create the CloudNativePg add-on once per cluster and pass it to every PostgresCluster on it" });
      } else if (spec.backup.enabled && !addons.cloudNativePg.barmanCloud) {
        problems.push({ path: ["addons", "cloudNativePg"], message: "must include the Barman Cloud plugin when backups are on: create it with `barmanCloud: true`" });
      }
    }
    if (problems.length > 0) throw new Error(`PostgresCluster "${name}": ${formatProblems(problems)}`);
    super("platform:index:PostgresCluster", name, {}, opts);
    this.spec = spec;

    const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, { parent: this, additionalSecretOutputs: ["result"] });
    // Only CloudNativePG creates a role per client (roles.ts): elsewhere no password is generated for one.
    const rolesCreated = platform.kind === "kubernetes" && spec.mode === "in-cluster";
    const roles = (rolesCreated ? spec.clients : []).map((client) => ({
      client: client.name,
      role: clientRoleName(client.name),
      password: pulumi.secret(new random.RandomPassword(`${name}-${client.name}-password`, { length: 32, special: false }, { parent: this, additionalSecretOutputs: ["result"] }).result),
    }));
    const context: PostgresBackendContext = { password: pulumi.secret(password.result), parent: this, addons, roles };
    const endpoints = selectBackend(postgresBackends, platform.flavour, spec)!.load()(name, spec, platform, context);

    this.host = endpoints.host;
    this.metricsEndpoint = endpoints.metrics;
    this.port = endpoints.port;
    this.readHost = endpoints.readHost;
    this.database = pulumi.output(spec.database);
    this.username = pulumi.output(spec.username);
    this.password = context.password;
    this.connectionString = pulumi.secret(
      pulumi
        .all([endpoints.host, endpoints.port, context.password])
        .apply(([host, port, pw]) => postgresUriOf(spec, host, port, pw, endpoints.sslmode)),
    );
    this.connectionSecretName = `${name}-connection`;
    if (platform.kind === "kubernetes") {
      spec.clientNamespaces.forEach((namespace, index) =>
        connectionSecret(`${name}-connection-${index}`, this.connectionSecretName, namespace, platform, {
          DATABASE_URL: this.connectionString,
          host: this.host,
          port: this.port.apply(String),
          database: this.database,
          username: this.username,
          password: this.password,
        }, this),
      );
    }
    const connections: Record<string, { secretName: string; connectionString: pulumi.Output<string>; role: string }> = {};
    spec.clients.forEach((client, index) => {
      const own = endpoints.clientRoles === true && roles[index] !== undefined;
      const username = own ? roles[index].role : spec.username;
      const pw = own ? roles[index].password : context.password;
      const connectionString = pulumi.secret(pulumi.all([endpoints.host, endpoints.port, pw]).apply(([host, port, p]) => postgresUri({ host, port, database: spec.database, username, password: p, sslmode: endpoints.sslmode })));
      const secretName = clientSecretName(name, client.name);
      connections[client.name] = { secretName, connectionString, role: username };
      if (platform.kind === "kubernetes") {
        connectionSecret(`${name}-client-${client.name}`, secretName, client.namespace, platform, {
          DATABASE_URL: connectionString,
          host: this.host,
          port: this.port.apply(String),
          database: this.database,
          username,
          password: pw,
        }, this);
      }
    });
    this.clientConnections = connections;
    this.registerOutputs({
      host: this.host,
      port: this.port,
      readHost: this.readHost,
      database: this.database,
      username: this.username,
      password: this.password,
      connectionString: this.connectionString,
    });
  }
}

function postgresUriOf(spec: ResolvedPostgres, host: string, port: number, password: string, sslmode: PostgresEndpoints["sslmode"]): string {
  return postgresUri({ host, port, database: spec.database, username: spec.username, password, sslmode });
}

