/**
 * The PostgresCluster's arguments, defaults and validation: plain data and pure functions, shared
 * by every backend and by the stack config schema.
 *
 * @see https://cloudnative-pg.io/documentation/current/
 */
import { cloudNativePgCharts } from "../addons/cloudnative-pg/versions";
import type { PlatformFacts } from "../contract/platform";
import { resolveDataStore, type DataStoreArgs, type ResolvedDataStore } from "../data-store";
import type { ArgProblem } from "../contract/problems";
import { resourceProblems } from "../shared/quantity";
import type { ResourceQuantities } from "../contract/resources";
import { resolveRecovery, type PostgresRecoveryArgs, type ResolvedRecovery } from "./recovery-args";
import type { PostgresBucketArgs } from "./bucket-args";

export type { PostgresBucketArgs, S3Credentials, S3CredentialsSecretRef } from "./bucket-args";

export type { DataStoreArgs, DataStoreMode } from "../data-store";

/** The managed engine on AWS: one RDS instance (Multi-AZ in prod) or an Aurora cluster. */
export type AwsPostgresEngine = (typeof AWS_POSTGRES_ENGINES)[number];

/** The AWS engines for managed PostgreSQL. */
export const AWS_POSTGRES_ENGINES = ["rds", "aurora"] as const;

/** The Cloud SQL editions. @see https://cloud.google.com/sql/docs/editions-intro */
export const CLOUD_SQL_EDITIONS = ["ENTERPRISE", "ENTERPRISE_PLUS"] as const;

/** A Cloud SQL edition: Enterprise keeps at most 7 days of transaction logs, Enterprise Plus 35. */
export type CloudSqlEdition = (typeof CLOUD_SQL_EDITIONS)[number];

/** PgBouncer pool modes. @see https://www.pgbouncer.org/config.html#pool_mode */
export type PoolMode = (typeof POOL_MODES)[number];

/** PgBouncer's pool modes. */
export const POOL_MODES = ["session", "transaction"] as const;

/**
 * Backups with point-in-time recovery.
 *
 * - In-cluster: WAL archiving and base backups through the Barman Cloud plugin to object storage,
 *   a `ScheduledBackup` and the ObjectStore's retention policy.
 * - RDS/Aurora: automated backups (`backupRetentionPeriod`), which give PITR.
 * - Cloud SQL: automated backups with point-in-time recovery.
 *
 * @see https://cloudnative-pg.io/plugin-barman-cloud/docs/usage/
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_WorkingWithAutomatedBackups.html
 * @see https://cloud.google.com/sql/docs/postgres/backup-recovery/backups
 */
export interface PostgresBackupArgs {
  /** Take backups. Turning them off is refused in prod. @default true */
  readonly enabled?: boolean;
  /**
   * When the base backup runs, as a six-field cron expression with seconds (CloudNativePG's
   * format). Managed services take the hour and minute as their backup window.
   * @default "0 0 3 * * *" (daily at 03:00 UTC)
   */
  readonly schedule?: string;
  /** How many days backups (and so the PITR window) are kept. RDS allows 1–35; 7–35 is required. @default 30 */
  readonly retentionDays?: number;
  /** The object storage for in-cluster backups. */
  readonly bucket?: PostgresBucketArgs;
}

/**
 * The connection pooler in front of the primary: in-cluster a CloudNativePG `Pooler` (PgBouncer),
 * on Docker a PgBouncer container, on RDS/Aurora an RDS Proxy and on Cloud SQL its Managed
 * Connection Pooling (Enterprise Plus). `instances`, `poolMode` and `maxClientConnections` apply to
 * PgBouncer; the managed poolers size themselves from the database's `max_connections`.
 * @see https://cloudnative-pg.io/documentation/current/connection_pooling/
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy.html
 * @see https://cloud.google.com/sql/docs/postgres/managed-connection-pooling
 */
export interface PoolerArgs {
  /** Run the pooler. @default true */
  readonly enabled?: boolean;
  /** PgBouncer pods; at least 2 so a node loss keeps the pool up. @default 2 */
  readonly instances?: number;
  /** Pool mode. @default "transaction" */
  readonly poolMode?: PoolMode;
  /** The most client connections PgBouncer accepts (`max_client_conn`). @default 1000 */
  readonly maxClientConnections?: number;
  /** Server connections per user/database pair (`default_pool_size`). @default 20 */
  readonly defaultPoolSize?: number;
}

/**
 * Settings for the managed backends.
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.DBInstanceClass.html
 * @see https://cloud.google.com/sql/docs/postgres/instance-settings
 */
export interface ManagedPostgresArgs {
  /** On AWS: one RDS instance, or an Aurora cluster with `instances` instances. @default "rds" */
  readonly awsEngine?: AwsPostgresEngine;
  /** The RDS/Aurora instance class. @default "db.r7g.large" in prod, "db.t4g.medium" otherwise */
  readonly instanceClass?: string;
  /**
   * The Cloud SQL edition. Point-in-time recovery keeps at most 7 days of transaction logs on
   * Enterprise and 35 on Enterprise Plus, so a `backup.retentionDays` above 7 needs Enterprise Plus
   * (and is refused on Enterprise); Managed Connection Pooling also needs Enterprise Plus.
   * @default "ENTERPRISE_PLUS" when `backup.retentionDays` is above 7, else "ENTERPRISE"
   * @see https://cloud.google.com/sql/docs/postgres/backup-recovery/pitr#log-retention
   */
  readonly edition?: CloudSqlEdition;
  /**
   * The Cloud SQL machine tier: `db-perf-optimized-N-*` on Enterprise Plus, `db-custom-*` (or a
   * shared-core tier) on Enterprise.
   * @default "db-perf-optimized-N-2" (2 vCPU, 16 GiB) on Enterprise Plus; on Enterprise "db-custom-2-7680" in prod, "db-custom-1-3840" otherwise
   * @see https://cloud.google.com/sql/docs/postgres/machine-series-overview
   */
  readonly tier?: string;
  /**
   * Read replicas beside the primary, for `readHost`: RDS read replicas or Cloud SQL read replicas
   * in the primary's region (asynchronous). Aurora takes readers from `instances` instead.
   * @default 1 in prod (0 on Aurora), 0 otherwise
   * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReadRepl.html
   * @see https://cloud.google.com/sql/docs/postgres/replication
   */
  readonly readReplicas?: number;
  /** Standby in another zone (RDS Multi-AZ, Cloud SQL REGIONAL). Refused off in prod. @default true in prod */
  readonly highAvailability?: boolean;
  /** Performance Insights (RDS/Aurora) or Query Insights (Cloud SQL). @default true */
  readonly insights?: boolean;
}

/** Docker-only settings. */
export interface PostgresDockerArgs {
  /** Publish PgBouncer's port (postgres's when the pooler is off) on the host at this port. @default not published */
  readonly hostPort?: number;
}

/**
 * The arguments of a {@link PostgresCluster}.
 */
export interface PostgresClusterArgs extends DataStoreArgs {
  /** The PostgreSQL major version: 16, 17 or 18. @default 17 */
  readonly version?: number;
  /** The application database's name. @default "app" */
  readonly database?: string;
  /** The application role, owner of the database. @default "app" */
  readonly username?: string;
  /** In-cluster: PostgreSQL pods (one primary, the rest replicas). Aurora: instances. @default 3 in prod, 1 otherwise */
  readonly instances?: number;
  /** The data volume (or allocated storage) in GiB. It can grow, never shrink. @default 20 */
  readonly storageGiB?: number;
  /**
   * The current storage in GiB, when known (from the stack's state): a smaller `storageGiB` is
   * refused, because neither a PersistentVolume nor RDS storage can shrink.
   * @default unknown
   */
  readonly currentStorageGiB?: number;
  /** In-cluster requests and limits per PostgreSQL pod. @default requests 500m/1Gi, limits 2/1Gi */
  readonly resources?: { readonly requests?: ResourceQuantities; readonly limits?: ResourceQuantities };
  /** Extra PostgreSQL parameters (in-cluster `postgresql.parameters`, RDS parameter group, Cloud SQL flags). @default {} */
  readonly parameters?: Readonly<Record<string, string>>;
  /** PgBouncer. */
  readonly pooler?: PoolerArgs;
  /** Backups with PITR. */
  readonly backup?: PostgresBackupArgs;
  /** Managed-backend settings. */
  readonly managed?: ManagedPostgresArgs;
  /**
   * In-cluster: a PodMonitor for the Prometheus operator, created after `addons.prometheusOperatorCrds`
   * (without that add-on, the CRDs must be in the cluster already). @default true
   */
  readonly monitoring?: boolean;
  /** Docker-only settings. */
  readonly docker?: PostgresDockerArgs;
  /** Restore drills and the cross-region copy. */
  readonly recovery?: PostgresRecoveryArgs;
}

/**
 * The settings of a PostgresCluster: its arguments without what the composition root hands it (the
 * platform and the add-ons). Stack config maps onto exactly this.
 */
export type PostgresSettings = Omit<PostgresClusterArgs, "platform" | "addons">;

/** Pinned versions: operator chart, plugin chart and images. */
export const postgresVersions = {
  /** The CloudNativePG chart of the add-on, whose operator release the CRDs come from. */
  operatorChart: cloudNativePgCharts.operator,
  /** The Barman Cloud plugin chart of the add-on. */
  pluginChart: cloudNativePgCharts.plugin,
  /** PostgreSQL operand images (the "standard" flavour: no in-tree Barman, which the plugin's sidecar brings). @see https://github.com/cloudnative-pg/postgres-containers */
  operandImages: {
    16: "ghcr.io/cloudnative-pg/postgresql:16.13-standard-trixie",
    17: "ghcr.io/cloudnative-pg/postgresql:17.11-standard-trixie",
    18: "ghcr.io/cloudnative-pg/postgresql:18.6-standard-trixie",
  } as Readonly<Record<number, string>>,
  /** The official postgres image on Docker. @see https://hub.docker.com/_/postgres */
  dockerPostgres: { 16: "postgres:16.13-alpine", 17: "postgres:17.11-alpine", 18: "postgres:18.6-alpine" } as Readonly<Record<number, string>>,
  /** PgBouncer on Docker. @see https://hub.docker.com/r/edoburu/pgbouncer */
  dockerPgbouncer: "edoburu/pgbouncer:v1.26.0-p0",
} as const;

/** Defaults of {@link PostgresClusterArgs}, merged once by {@link resolvePostgres}. */
export const postgresDefaults = {
  version: 17,
  database: "app",
  username: "app",
  instances: { prod: 3, other: 1 },
  storageGiB: 20,
  resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "1Gi" } },
  pooler: { enabled: true, instances: 2, poolMode: "transaction" as PoolMode, maxClientConnections: 1000, defaultPoolSize: 20 },
  backup: { enabled: true, schedule: "0 0 3 * * *", retentionDays: 30 },
  managed: {
    awsEngine: "rds" as AwsPostgresEngine,
    instanceClass: { prod: "db.r7g.large", other: "db.t4g.medium" },
    tier: { prod: "db-custom-2-7680", other: "db-custom-1-3840", enterprisePlus: "db-perf-optimized-N-2" },
    readReplicas: { prod: 1, other: 0 },
    insights: true,
  },
  monitoring: true,
  port: 5432,
  /** RDS automated backup retention bounds, in days; 7 is the floor we accept. */
  retentionBounds: { min: 7, max: 35 },
  /** The most days of transaction logs (the PITR window) per Cloud SQL edition. @see https://cloud.google.com/sql/docs/postgres/backup-recovery/pitr#log-retention */
  cloudSqlLogRetentionDays: { ENTERPRISE: 7, ENTERPRISE_PLUS: 35 } as Readonly<Record<CloudSqlEdition, number>>,
} as const;

/** A {@link PostgresClusterArgs} with every default applied. */
export interface ResolvedPostgres extends ResolvedDataStore {
  readonly version: number;
  readonly database: string;
  readonly username: string;
  readonly instances: number;
  readonly storageGiB: number;
  readonly resources: { readonly requests: Required<ResourceQuantities>; readonly limits: Required<ResourceQuantities> };
  readonly parameters: Readonly<Record<string, string>>;
  readonly pooler: Required<PoolerArgs>;
  readonly backup: { readonly enabled: boolean; readonly schedule: string; readonly retentionDays: number; readonly bucket: PostgresBucketArgs };
  readonly managed: Required<ManagedPostgresArgs>;
  /** Restore drills and the cross-region copy (see `recovery.ts`). */
  readonly recovery: ResolvedRecovery;
  readonly monitoring: boolean;
  readonly port: number;
  readonly docker: PostgresDockerArgs;
}

/**
 * Applies the defaults.
 * @param name - the component's name.
 * @param args - the arguments, without the platform.
 * @param on - the platform's facts (its environment).
 * @see https://cloudnative-pg.io/documentation/current/cloudnative-pg.v1/#postgresql-cnpg-io-v1-ClusterSpec
 */
export function resolvePostgres(name: string, args: PostgresSettings, on: Pick<PlatformFacts, "environment">): ResolvedPostgres {
  const d = postgresDefaults;
  const prod = on.environment === "prod";
  const retentionDays = args.backup?.retentionDays ?? d.backup.retentionDays;
  const edition = args.managed?.edition ?? (retentionDays > d.cloudSqlLogRetentionDays.ENTERPRISE ? "ENTERPRISE_PLUS" : "ENTERPRISE");
  return {
    ...resolveDataStore(name, args, on),
    version: args.version ?? d.version,
    database: args.database ?? d.database,
    username: args.username ?? d.username,
    instances: args.instances ?? (prod ? d.instances.prod : d.instances.other),
    storageGiB: args.storageGiB ?? d.storageGiB,
    resources: { requests: { ...d.resources.requests, ...args.resources?.requests }, limits: { ...d.resources.limits, ...args.resources?.limits } },
    parameters: args.parameters ?? {},
    pooler: { ...d.pooler, ...args.pooler },
    backup: {
      enabled: args.backup?.enabled ?? d.backup.enabled,
      schedule: args.backup?.schedule ?? d.backup.schedule,
      retentionDays,
      bucket: args.backup?.bucket ?? {},
    },
    managed: {
      awsEngine: args.managed?.awsEngine ?? d.managed.awsEngine,
      instanceClass: args.managed?.instanceClass ?? (prod ? d.managed.instanceClass.prod : d.managed.instanceClass.other),
      edition,
      tier: args.managed?.tier ?? (edition === "ENTERPRISE_PLUS" ? d.managed.tier.enterprisePlus : prod ? d.managed.tier.prod : d.managed.tier.other),
      // Aurora's readers are its instances.
      readReplicas: args.managed?.readReplicas ?? (prod && args.managed?.awsEngine !== "aurora" ? d.managed.readReplicas.prod : d.managed.readReplicas.other),
      highAvailability: args.managed?.highAvailability ?? prod,
      insights: args.managed?.insights ?? d.managed.insights,
    },
    monitoring: args.monitoring ?? d.monitoring,
    recovery: resolveRecovery(args),
    port: d.port,
    docker: args.docker ?? {},
  };
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
/** The TLS versions PostgreSQL may accept as its floor (`ssl_min_protocol_version`). */
const TLS_FLOORS = ["TLSv1.2", "TLSv1.3"];
const CRON6 = /^\S+\s+\S+\s+\S+\s+\S+\s+\S+\s+\S+$/;

/**
 * Finds every problem with a PostgresCluster's settings on a target, except the choice of backend
 * (`validatePostgres` in `backends.ts` checks that first).
 *
 * @returns the problems, each with the field's path; empty when the settings are usable.
 * @see https://cloudnative-pg.io/documentation/current/replication/
 */
export function postgresSettingsProblems(args: PostgresSettings, target: PlatformFacts): ArgProblem[] {
  const problems: ArgProblem[] = [];
  const add = (path: (string | number)[], message: string) => problems.push({ path, message });
  const spec = resolvePostgres("postgres", args, target);
  const prod = target.environment === "prod";
  const whole = (n: number, min: number) => Number.isInteger(n) && n >= min;

  if (!whole(spec.instances, 1)) add(["instances"], `must be a whole number ≥ 1 (got ${spec.instances})`);
  else if (prod && spec.instances < 2 && !(spec.mode === "managed" && spec.managed.awsEngine === "rds" && target.flavour === "eks") && !(spec.mode === "managed" && target.flavour === "gke")) {
    add(["instances"], `must be at least 2 in prod so a replica can take over (got ${spec.instances})`);
  }
  if (!whole(spec.storageGiB, 1)) add(["storageGiB"], `must be a whole number of GiB ≥ 1 (got ${spec.storageGiB})`);
  const shrink = storageShrinkProblem(spec.storageGiB, args.currentStorageGiB);
  if (shrink) add(["storageGiB"], shrink);
  if (![16, 17, 18].includes(spec.version)) add(["version"], `must be 16, 17 or 18 (got ${spec.version})`);
  if (!IDENTIFIER.test(spec.database)) add(["database"], `must be a lower-case SQL identifier (got "${spec.database}")`);
  if (!IDENTIFIER.test(spec.username)) add(["username"], `must be a lower-case SQL identifier (got "${spec.username}")`);
  if (spec.username === "postgres") add(["username"], `must not be the superuser "postgres"; applications get their own role`);

  problems.push(...resourceProblems(spec.resources));
  const tlsFloor = spec.parameters.ssl_min_protocol_version;
  if (tlsFloor !== undefined && !TLS_FLOORS.includes(tlsFloor)) add(["parameters", "ssl_min_protocol_version"], `must be ${TLS_FLOORS.join(" or ")} (got "${tlsFloor}")`);

  if (spec.pooler.enabled) {
    if (!whole(spec.pooler.instances, 2)) add(["pooler", "instances"], `must be a whole number ≥ 2 so the pool survives a node loss (got ${spec.pooler.instances})`);
    if (!whole(spec.pooler.maxClientConnections, 1)) add(["pooler", "maxClientConnections"], `must be a whole number ≥ 1 (got ${spec.pooler.maxClientConnections})`);
    if (!whole(spec.pooler.defaultPoolSize, 1)) add(["pooler", "defaultPoolSize"], `must be a whole number ≥ 1 (got ${spec.pooler.defaultPoolSize})`);
  }

  const backup = spec.backup;
  if (!backup.enabled && prod && target.flavour !== "docker") add(["backup", "enabled"], "must stay on in prod: backups with point-in-time recovery are required");
  if (backup.enabled && target.flavour !== "docker") {
    const { min, max } = postgresDefaults.retentionBounds;
    if (!Number.isInteger(backup.retentionDays) || backup.retentionDays < 1) add(["backup", "retentionDays"], `must be a whole number of days ≥ 1 (got ${backup.retentionDays})`);
    else if (spec.mode === "managed" && target.flavour === "eks" && (backup.retentionDays < min || backup.retentionDays > max)) {
      add(["backup", "retentionDays"], `must be from ${min} to ${max} days for RDS/Aurora automated backups (got ${backup.retentionDays})`);
    } else if (backup.retentionDays < min && prod) add(["backup", "retentionDays"], `must be at least ${min} days in prod (got ${backup.retentionDays})`);
    if (!CRON6.test(backup.schedule)) add(["backup", "schedule"], `must be a six-field cron expression with seconds, such as "0 0 3 * * *" (got "${backup.schedule}")`);
    if (spec.mode === "in-cluster" && target.flavour === "k3s") {
      const bucket = backup.bucket;
      if (!bucket.endpointUrl) add(["backup", "bucket", "endpointUrl"], "is required on k3s: the S3-compatible endpoint (MinIO, Ceph RGW…) for backups, such as https://minio.storage.svc:9000");
      else if (!/^https?:\/\/\S+$/.test(bucket.endpointUrl)) add(["backup", "bucket", "endpointUrl"], `must be an http(s) URL (got "${bucket.endpointUrl}")`);
      else if (/^https:\/\/[^/:]+\.svc(\.cluster\.local)?(:\d+)?(\/|$)/.test(bucket.endpointUrl) && !bucket.endpointCA) {
        // No public CA signs a cluster-internal name: without its CA, every WAL upload fails TLS verification.
        add(["backup", "bucket", "endpointCA"], `is required for the in-cluster HTTPS endpoint ${bucket.endpointUrl}: a private CA signed its certificate; give the CA as endpointCA.certificate (PEM) or an existing Secret (endpointCA.name)`);
      }
      if (!bucket.name) add(["backup", "bucket", "name"], "is required on k3s: the bucket backups go to");
      if (!bucket.credentialsSecret && !bucket.credentials) add(["backup", "bucket", "credentials"], "is required on k3s: the S3 access key pair (or `credentialsSecret`, an existing Secret with it)");
      if (bucket.credentialsSecret && bucket.credentials) add(["backup", "bucket", "credentialsSecret"], "names a Secret while `credentials` are given too; keep one");
      if (bucket.endpointCA && "certificate" in bucket.endpointCA && !/-----BEGIN CERTIFICATE-----/.test(bucket.endpointCA.certificate)) {
        add(["backup", "bucket", "endpointCA", "certificate"], "must be a PEM certificate (-----BEGIN CERTIFICATE-----)");
      }
    }
  }
  if (spec.mode === "managed" && prod && !spec.managed.highAvailability) add(["managed", "highAvailability"], "must stay on in prod: a standby in another zone (Multi-AZ / REGIONAL)");
  return problems;
}

/**
 * Refuses a smaller volume than the deployed one: a PersistentVolume, RDS storage and a Cloud SQL
 * disk can grow but never shrink.
 *
 * @param requestedGiB - the storage asked for.
 * @param currentGiB - the deployed storage, when known.
 * @returns the problem, or `undefined`.
 * @see https://kubernetes.io/docs/concepts/storage/persistent-volumes/#expanding-persistent-volumes-claims
 */
export function storageShrinkProblem(requestedGiB: number, currentGiB: number | undefined): string | undefined {
  if (currentGiB === undefined || requestedGiB >= currentGiB) return undefined;
  return `(${requestedGiB}) is below the current size (${currentGiB} GiB); volumes and RDS storage can grow but never shrink`;
}

/**
 * The hour and minute of a six-field cron expression, as a managed service's daily backup window
 * (`"03:00-04:00"`), or `undefined` when the fields are not plain numbers.
 *
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_WorkingWithAutomatedBackups.BackupWindow.html
 */
export function backupWindow(schedule: string): { hour: number; minute: number } | undefined {
  const [, minute, hour] = schedule.trim().split(/\s+/);
  const h = Number(hour);
  const m = Number(minute);
  return Number.isInteger(h) && Number.isInteger(m) && h >= 0 && h < 24 && m >= 0 && m < 60 ? { hour: h, minute: m } : undefined;
}

/**
 * A `postgresql://` URI. The password is percent-encoded; `sslmode` is `require` (TLS, server
 * certificate not checked) or stronger wherever TLS is available, and `disable` only on Docker.
 * @see https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING-URIS
 */
export function postgresUri(parts: { host: string; port: number; database: string; username: string; password: string; sslmode: "disable" | "require" | "verify-ca" | "verify-full" }): string {
  return `postgresql://${encodeURIComponent(parts.username)}:${encodeURIComponent(parts.password)}@${parts.host}:${parts.port}/${encodeURIComponent(parts.database)}?sslmode=${parts.sslmode}`;
}
