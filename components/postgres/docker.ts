/**
 * The Docker backend of PostgresCluster, for local development: the official `postgres` image on a
 * named volume with a healthcheck, PgBouncer beside it, and (with `monitoring`) postgres_exporter
 * for the observability stack to scrape, all on the platform's private network and nothing
 * published unless `docker.hostPort` is set.
 *
 * @see https://hub.docker.com/_/postgres
 * @see https://github.com/edoburu/docker-pgbouncer
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { DockerPlatform } from "../contract/platform";
import { statefulResourceOptions } from "../shared/options";
import { cpuToCores, memoryToMiB } from "../shared/quantity";
import type { PostgresBackendContext, PostgresEndpoints } from "./types";
import type { ScrapeEndpoint } from "../contract/metrics";
import { dockerExporter, exporterLabels } from "../data-store/docker-exporter";
import { dockerExporters } from "../data-store/exporters";
import { postgresUri, postgresVersions, type ResolvedPostgres } from "./spec";

/** PgBouncer's limits: it holds little beyond its connections. */
export const pgbouncerDockerLimits = { memoryMiB: 128, cpus: "0.5" } as const;

/** The largest `/dev/shm` given to PostgreSQL, in MiB (Docker's default of 64 MiB is too small for parallel queries). */
export const MAX_SHM_MIB = 256;

/**
 * The user both containers run as: the images' own `postgres` user (UID 70 in the Alpine-based
 * postgres and PgBouncer images), by name so no UID is assumed. The postgres image supports it:
 * its entrypoint then skips the root-only steps (chown, gosu), and a new named volume inherits the
 * image's data directory, which belongs to `postgres`.
 * @see https://hub.docker.com/_/postgres#arbitrary---user-notes
 */
export const POSTGRES_DOCKER_USER = "postgres";

/**
 * Where the data volume is mounted. Images of PostgreSQL 18 and later keep `PGDATA` in
 * `/var/lib/postgresql/<major>/docker` and declare the volume at `/var/lib/postgresql` (so
 * `pg_upgrade --link` can work across majors); older images use `/var/lib/postgresql/data`. A mount
 * at the wrong path leaves the data in an anonymous volume, or stops an 18+ image from starting.
 *
 * @param version - the PostgreSQL major version.
 * @see https://github.com/docker-library/postgres/pull/1259
 * @see https://hub.docker.com/_/postgres#pgdata
 */
export function postgresDataPath(version: number): string {
  return version >= 18 ? "/var/lib/postgresql" : "/var/lib/postgresql/data";
}

/**
 * The labels of the containers and the volume, over the user's labels.
 * @see https://docs.docker.com/engine/manage-resources/labels/
 */
export function postgresDockerLabels(name: string, spec: Pick<ResolvedPostgres, "labels">, component: string): docker.types.input.ContainerLabel[] {
  const labels = {
    ...spec.labels,
    "app.kubernetes.io/name": "postgresql",
    "app.kubernetes.io/instance": name,
    "app.kubernetes.io/component": component,
    "app.kubernetes.io/managed-by": "pulumi",
  };
  return Object.entries(labels).map(([label, value]) => ({ label, value }));
}

/**
 * The postgres container's healthcheck: `pg_isready` over TCP on 127.0.0.1, as the application
 * role on its database. Over TCP, not the socket, because the image's first-run initialisation
 * runs a temporary server on the socket only; the check passes once the real server listens.
 * @see https://www.postgresql.org/docs/current/app-pg-isready.html
 */
export function postgresHealthcheck(spec: Pick<ResolvedPostgres, "username" | "database" | "port">): docker.types.input.ContainerHealthcheck {
  return {
    tests: ["CMD", "pg_isready", "-h", "127.0.0.1", "-p", String(spec.port), "-U", spec.username, "-d", spec.database],
    interval: "10s",
    timeout: "5s",
    retries: 5,
    startPeriod: "30s",
  };
}

/**
 * The arguments of the postgres container:
 *
 * - the pinned image (`image` is the pulled image's ID);
 * - `POSTGRES_DB`/`POSTGRES_USER`/`POSTGRES_PASSWORD`, the password as a secret output (visible to
 *   `docker inspect` on the developer's machine, as any container environment);
 * - the data volume at {@link postgresDataPath}; `/dev/shm` of a quarter of the memory limit, at
 *   most {@link MAX_SHM_MIB};
 * - the memory and CPU limits of `resources.limits`, the healthcheck, `unless-stopped`;
 * - the non-root {@link POSTGRES_DOCKER_USER}, every capability dropped, no privilege escalation;
 * - the platform network with the alias `<name>-postgres`; a host port only when there is no
 *   pooler and `docker.hostPort` is set.
 *
 * @see https://hub.docker.com/_/postgres
 * @see https://www.pulumi.com/registry/packages/docker/api-docs/container/
 */
export function postgresContainerArgs(
  name: string,
  spec: ResolvedPostgres,
  platform: DockerPlatform,
  image: pulumi.Input<string>,
  volumeName: pulumi.Input<string>,
  password: pulumi.Input<string>,
): docker.ContainerArgs {
  const memory = memoryToMiB(spec.resources.limits.memory);
  const publish = !spec.pooler.enabled && spec.docker.hostPort !== undefined;
  return {
    name: pulumi.interpolate`${platform.networkName}-${name}-postgres`,
    image,
    envs: [`POSTGRES_DB=${spec.database}`, `POSTGRES_USER=${spec.username}`, pulumi.secret(pulumi.interpolate`POSTGRES_PASSWORD=${password}`)],
    volumes: [{ volumeName, containerPath: postgresDataPath(spec.version) }],
    shmSize: Math.min(MAX_SHM_MIB, Math.floor(memory / 4)),
    memory,
    memoryReservation: memoryToMiB(spec.resources.requests.memory),
    cpus: String(cpuToCores(spec.resources.limits.cpu)),
    healthcheck: postgresHealthcheck(spec),
    restart: "unless-stopped",
    user: POSTGRES_DOCKER_USER,
    capabilities: { drops: ["ALL"] },
    securityOpts: ["no-new-privileges:true"],
    networksAdvanced: [{ name: platform.networkName, aliases: [`${name}-postgres`] }],
    ports: publish ? [{ internal: spec.port, external: spec.docker.hostPort!, ip: platform.publishAddress }] : [],
    labels: postgresDockerLabels(name, spec, "database"),
  };
}

/**
 * PgBouncer's environment, as the edoburu/pgbouncer entrypoint reads it: the server (the postgres
 * container's alias), the database and role, SCRAM-SHA-256 authentication (the entrypoint then
 * writes the password to PgBouncer's auth file for both client and server logins), the pool mode
 * and sizes, and port 5432. The password entry is a secret output.
 *
 * @see https://github.com/edoburu/docker-pgbouncer/blob/master/entrypoint.sh
 * @see https://www.pgbouncer.org/config.html
 */
export function pgbouncerEnvs(name: string, spec: ResolvedPostgres, password: pulumi.Input<string>): pulumi.Input<string>[] {
  const plain: Record<string, string | number> = {
    DB_HOST: `${name}-postgres`,
    DB_PORT: spec.port,
    DB_NAME: spec.database,
    DB_USER: spec.username,
    AUTH_TYPE: "scram-sha-256",
    POOL_MODE: spec.pooler.poolMode,
    MAX_CLIENT_CONN: spec.pooler.maxClientConnections,
    DEFAULT_POOL_SIZE: spec.pooler.defaultPoolSize,
    LISTEN_PORT: spec.port,
  };
  return [...Object.entries(plain).map(([key, value]) => `${key}=${value}`), pulumi.secret(pulumi.interpolate`DB_PASSWORD=${password}`)];
}

/**
 * PgBouncer's healthcheck: `pg_isready` (the image ships the PostgreSQL client tools) against its
 * own listener.
 * @see https://github.com/edoburu/docker-pgbouncer/blob/master/examples/docker-compose/docker-compose.yml
 */
export function pgbouncerHealthcheck(spec: Pick<ResolvedPostgres, "username" | "database" | "port">): docker.types.input.ContainerHealthcheck {
  return { ...postgresHealthcheck(spec), startPeriod: "10s" };
}

/**
 * Runs the database on the platform's Docker engine: the pinned images, a volume `<name>-data`
 * (protected and retained when `protect`), the postgres container (see
 * {@link postgresContainerArgs}) and, when `pooler.enabled`, PgBouncer (`<name>-pgbouncer`, as
 * {@link POSTGRES_DOCKER_USER} with every capability dropped), published on
 * `publishAddress:docker.hostPort` when that is set.
 *
 * Endpoints: `host` is PgBouncer's alias (the postgres alias without a pooler), `readHost` the
 * postgres alias (there are no replicas), port 5432. `sslmode` is `disable`: the official image
 * has no server certificate, and the traffic stays on the local Docker network (or the loopback
 * address the port is published on).
 *
 * @see https://docs.docker.com/engine/storage/volumes/
 */
export function deployPostgresToDocker(name: string, spec: ResolvedPostgres, platform: DockerPlatform, context: PostgresBackendContext): PostgresEndpoints {
  const opts = { parent: context.parent, provider: platform.provider };
  const postgresImage = new docker.RemoteImage(`${name}-postgres-image`, { name: postgresVersions.dockerPostgres[spec.version], keepLocally: true }, opts);
  const volume = new docker.Volume(
    `${name}-data`,
    { name: pulumi.interpolate`${platform.networkName}-${name}-data`, labels: postgresDockerLabels(name, spec, "database") },
    { ...opts, ...statefulResourceOptions(spec.protect) },
  );
  const postgres = new docker.Container(
    `${name}-postgres`,
    postgresContainerArgs(name, spec, platform, postgresImage.imageId, volume.name, context.password),
    opts,
  );

  if (!spec.pooler.enabled) {
    const host = `${name}-postgres`;
    return { host: pulumi.output(host), port: pulumi.output(spec.port), readHost: pulumi.output(host), sslmode: "disable", metrics: postgresExporter(name, spec, host, platform, context) };
  }

  const pgbouncerImage = new docker.RemoteImage(`${name}-pgbouncer-image`, { name: postgresVersions.dockerPgbouncer, keepLocally: true }, opts);
  new docker.Container(
    `${name}-pgbouncer`,
    {
      name: pulumi.interpolate`${platform.networkName}-${name}-pgbouncer`,
      image: pgbouncerImage.imageId,
      envs: pgbouncerEnvs(name, spec, context.password),
      memory: pgbouncerDockerLimits.memoryMiB,
      cpus: pgbouncerDockerLimits.cpus,
      healthcheck: pgbouncerHealthcheck(spec),
      restart: "unless-stopped",
      user: POSTGRES_DOCKER_USER,
      capabilities: { drops: ["ALL"] },
      securityOpts: ["no-new-privileges:true"],
      networksAdvanced: [{ name: platform.networkName, aliases: [`${name}-pgbouncer`] }],
      ports: spec.docker.hostPort !== undefined ? [{ internal: spec.port, external: spec.docker.hostPort, ip: platform.publishAddress }] : [],
      labels: postgresDockerLabels(name, spec, "pooler"),
    },
    { ...opts, dependsOn: [postgres] },
  );
  return {
    host: pulumi.output(`${name}-pgbouncer`),
    port: pulumi.output(spec.port),
    readHost: pulumi.output(`${name}-postgres`),
    sslmode: "disable",
    metrics: postgresExporter(name, spec, `${name}-pgbouncer`, platform, context),
  };
}

/**
 * postgres_exporter beside the database, with `monitoring`: it connects as the application role
 * through the clients' endpoint, with the connection string in a secret `DATA_SOURCE_NAME`.
 *
 * @returns where Prometheus scrapes it, or `undefined` without `monitoring`.
 * @see https://github.com/prometheus-community/postgres_exporter
 */
function postgresExporter(name: string, spec: ResolvedPostgres, host: string, platform: DockerPlatform, context: PostgresBackendContext): ScrapeEndpoint | undefined {
  if (!spec.monitoring) return undefined;
  const dsn = context.password.apply((password) => postgresUri({ host, port: spec.port, database: spec.database, username: spec.username, password, sslmode: "disable" }));
  return dockerExporter(name, dockerExporters.postgres, [pulumi.secret(pulumi.interpolate`DATA_SOURCE_NAME=${dsn}`)], exporterLabels(postgresDockerLabels(name, spec, "metrics"), "postgres-exporter"), platform, context.parent);
}
