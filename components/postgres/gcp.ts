/**
 * The managed backend of PostgresCluster on Google Cloud: a Cloud SQL for PostgreSQL instance on a
 * private IP in the GKE cluster's VPC (private services access), regional HA in prod, TLS enforced,
 * automated backups with point-in-time recovery, deletion protection in Pulumi and in the API.
 *
 * @see https://cloud.google.com/sql/docs/postgres
 * @see https://cloud.google.com/sql/docs/postgres/configure-private-services-access
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { requireGcpCloud, type KubernetesPlatform } from "../contract/platform";
import { statefulResourceOptions } from "../shared/options";
import { deployGcpRecovery } from "./gcp-recovery";
import type { PostgresBackendContext, PostgresEndpoints } from "./types";
import { backupWindow, postgresDefaults, type ResolvedPostgres } from "./spec";

/** The APIs Cloud SQL with a private IP needs, by role. */
export const CLOUD_SQL_SERVICES: Readonly<Record<string, string>> = {
  sqladmin: "sqladmin.googleapis.com",
  servicenetworking: "servicenetworking.googleapis.com",
};

/**
 * The port of Managed Connection Pooling: pooled connections go to 6432 on the instance's IP, direct
 * ones to 5432.
 * @see https://cloud.google.com/sql/docs/postgres/managed-connection-pooling
 */
export const MANAGED_POOLER_PORT = 6432;

/**
 * Days of write-ahead log kept for point-in-time recovery: the backup retention, capped at the
 * edition's most (7 days on Enterprise, 35 on Enterprise Plus; a longer retention is refused by
 * validation before this runs).
 * @see https://cloud.google.com/sql/docs/postgres/backup-recovery/pitr#log-retention
 */
export function transactionLogRetentionDays(spec: Pick<ResolvedPostgres, "backup" | "managed">): number {
  return Math.min(spec.backup.retentionDays, postgresDefaults.cloudSqlLogRetentionDays[spec.managed.edition]);
}

/** Whether the instance runs Managed Connection Pooling: the pooler on, on Enterprise Plus. */
export function managedPooling(spec: Pick<ResolvedPostgres, "pooler" | "managed">): boolean {
  return spec.pooler.enabled && spec.managed.edition === "ENTERPRISE_PLUS";
}

/** How far the disk may grow on its own (`diskAutoresizeLimit`), as a multiple of `storageGiB`. */
export const DISK_AUTORESIZE_FACTOR = 4;

/** The size of the range reserved for Google's producer services (`/16`). */
export const PEERING_PREFIX_LENGTH = 16;

/**
 * The settings of the Cloud SQL instance:
 *
 * - `managed.edition`: Enterprise Plus by default (35 days of transaction logs for point-in-time
 *   recovery, Managed Connection Pooling, `db-perf-optimized-N-*` tiers), Enterprise when asked
 *   (at most 7 days, `db-custom-*` tiers);
 * - Managed Connection Pooling when `pooler.enabled` on Enterprise Plus, with `max_pool_size` from
 *   `pooler.defaultPoolSize`;
 * - `REGIONAL` (a standby in another zone) when `managed.highAvailability`, `ZONAL` otherwise;
 * - SSD disk of `storageGiB`, growing on its own up to {@link DISK_AUTORESIZE_FACTOR} times;
 * - no public IP, `ENCRYPTED_ONLY` (TLS required, no client certificate), private path for Google
 *   services;
 * - daily backups at the schedule's hour (Cloud SQL runs them in a 4-hour window from then), kept
 *   `retentionDays` backups (one more than the days of transaction logs, which Cloud SQL requires),
 *   with point-in-time recovery over `retentionDays` (at most the edition's);
 * - maintenance on Sunday four hours after the backup window opens (Monday when that passes
 *   midnight), on the stable track;
 * - Query Insights when `managed.insights`, and `parameters` as database flags;
 * - API-side deletion protection and backups kept after deletion when `protect`.
 *
 * @see https://cloud.google.com/sql/docs/postgres/instance-settings
 * @see https://cloud.google.com/sql/docs/postgres/high-availability
 * @see https://cloud.google.com/sql/docs/postgres/configure-ssl-instance#enforce-ssl
 * @param spec - the resolved arguments.
 * @param privateNetwork - the VPC network's ID, where the instance gets its private IP.
 * @see https://www.pulumi.com/registry/packages/gcp/api-docs/sql/databaseinstance/
 */
export function cloudSqlSettings(spec: ResolvedPostgres, privateNetwork: pulumi.Input<string>): gcp.types.input.sql.DatabaseInstanceSettings {
  const at = backupWindow(spec.backup.schedule) ?? backupWindow(postgresDefaults.backup.schedule)!;
  const maintenanceHour = at.hour + 4;
  return {
    edition: spec.managed.edition,
    tier: spec.managed.tier,
    ...(managedPooling(spec)
      ? { connectionPoolConfigs: [{ connectionPoolingEnabled: true, flags: [{ name: "max_pool_size", value: String(spec.pooler.defaultPoolSize) }] }] }
      : {}),
    availabilityType: spec.managed.highAvailability ? "REGIONAL" : "ZONAL",
    diskType: "PD_SSD",
    diskSize: spec.storageGiB,
    diskAutoresize: true,
    diskAutoresizeLimit: spec.storageGiB * DISK_AUTORESIZE_FACTOR,
    deletionProtectionEnabled: spec.protect,
    retainBackupsOnDelete: spec.protect,
    ipConfiguration: { ipv4Enabled: false, privateNetwork, sslMode: "ENCRYPTED_ONLY", enablePrivatePathForGoogleCloudServices: true },
    backupConfiguration: {
      enabled: spec.backup.enabled,
      pointInTimeRecoveryEnabled: spec.backup.enabled,
      ...(spec.backup.enabled
        ? {
            transactionLogRetentionDays: transactionLogRetentionDays(spec),
            startTime: `${String(at.hour).padStart(2, "0")}:00`,
            // Cloud SQL wants more backups than days of logs ("backup retention should be >
            // transaction log retention"): one more daily backup than the PITR window.
            backupRetentionSettings: { retainedBackups: Math.max(spec.backup.retentionDays, transactionLogRetentionDays(spec) + 1), retentionUnit: "COUNT" },
          }
        : {}),
    },
    maintenanceWindow: { day: maintenanceHour >= 24 ? 1 : 7, hour: maintenanceHour % 24, updateTrack: "stable" },
    insightsConfig: { queryInsightsEnabled: spec.managed.insights },
    databaseFlags: Object.entries(spec.parameters).map(([name, value]) => ({ name, value })),
  };
}

/**
 * The settings of a read replica, a cross-region replica or a drill clone: the primary's settings
 * ({@link cloudSqlSettings}) without high availability, backups or point-in-time recovery, and
 * without API-side deletion protection on a drill's clone.
 *
 * @see https://cloud.google.com/sql/docs/postgres/replication#read-replicas
 */
export function cloudSqlReplicaSettings(spec: ResolvedPostgres, privateNetwork: pulumi.Input<string>, drill = false): gcp.types.input.sql.DatabaseInstanceSettings {
  const { backupConfiguration: _backups, maintenanceWindow: _window, ...settings } = cloudSqlSettings(spec, privateNetwork);
  return {
    ...settings,
    availabilityType: "ZONAL",
    backupConfiguration: { enabled: false, pointInTimeRecoveryEnabled: false },
    deletionProtectionEnabled: drill ? false : spec.protect,
    retainBackupsOnDelete: false,
  };
}

/**
 * Deploys the database on Cloud SQL:
 *
 * - enables the Cloud SQL Admin and Service Networking APIs (left on when the stack is destroyed);
 * - reserves a `/16` in the VPC and peers it with Google's service producer network (private
 *   services access). This is the network's only Service Networking connection (Memorystore uses
 *   direct peering), so one managed PostgresCluster per network. The connection is abandoned, not
 *   deleted, on destroy: Cloud SQL holds the peering for days after an instance is deleted;
 * - the instance ({@link cloudSqlSettings}) on a private IP, then the database and the
 *   application role (a member of `cloudsqlsuperuser`). Both are abandoned on delete, since
 *   PostgreSQL refuses to drop a role that owns objects; they go with the instance.
 *
 * - `managed.readReplicas` read replicas in the region ({@link cloudSqlReplicaSettings}), since
 *   the HA standby serves no reads; recovery (a cross-region replica in `recovery.drRegion`, the
 *   drill's clone) in `gcp-recovery.ts`.
 *
 * `host` is the instance's private IP and `readHost` the first replica's (the primary's without
 * replicas); `port` is {@link MANAGED_POOLER_PORT} with Managed Connection Pooling, else 5432.
 * `sslmode` is `require`: the server certificate comes from a per-instance Cloud SQL CA that is not
 * in default trust stores.
 *
 * @see https://cloud.google.com/sql/docs/postgres/private-ip
 * @see https://cloud.google.com/sql/docs/postgres/replication
 * @see https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/service_networking_connection
 */
export function deployPostgresToGcp(name: string, spec: ResolvedPostgres, platform: KubernetesPlatform, context: PostgresBackendContext): PostgresEndpoints {
  const cloud = requireGcpCloud(`PostgresCluster "${name}"`, platform);
  const opts = { parent: context.parent, provider: cloud.provider };
  const project = cloud.project;

  const services = Object.entries(CLOUD_SQL_SERVICES).map(
    ([role, service]) => new gcp.projects.Service(`${name}-api-${role}`, { project, service, disableOnDestroy: false }, opts),
  );
  const range = new gcp.compute.GlobalAddress(
    `${name}-psa-range`,
    {
      project,
      description: `Private services access range of PostgreSQL ${name}`,
      purpose: "VPC_PEERING",
      addressType: "INTERNAL",
      prefixLength: PEERING_PREFIX_LENGTH,
      network: cloud.networkId,
    },
    { ...opts, dependsOn: services },
  );
  const connection = new gcp.servicenetworking.Connection(
    `${name}-psa`,
    { network: cloud.networkId, service: CLOUD_SQL_SERVICES.servicenetworking, reservedPeeringRanges: [range.name], deletionPolicy: "ABANDON" },
    { ...opts, dependsOn: services },
  );

  const instance = new gcp.sql.DatabaseInstance(
    `${name}-sql`,
    {
      project,
      region: cloud.region,
      databaseVersion: `POSTGRES_${spec.version}`,
      deletionProtection: spec.protect,
      settings: cloudSqlSettings(spec, cloud.networkId),
    },
    {
      ...opts,
      ...statefulResourceOptions(spec.protect),
      dependsOn: [connection, ...services],
      // The disk grows on its own (diskAutoresize); a plan must not try to shrink it back.
      ignoreChanges: ["settings.diskSize"],
    },
  );
  new gcp.sql.Database(
    `${name}-database`,
    { project, instance: instance.name, name: spec.database, deletionPolicy: "ABANDON" },
    { ...opts, ...statefulResourceOptions(spec.protect) },
  );
  new gcp.sql.User(
    `${name}-user`,
    { project, instance: instance.name, name: spec.username, type: "BUILT_IN", password: context.password, deletionPolicy: "ABANDON" },
    opts,
  );

  const replicas = Array.from({ length: spec.managed.readReplicas }, (_, i) =>
    new gcp.sql.DatabaseInstance(
      `${name}-sql-replica-${i}`,
      { project, region: cloud.region, databaseVersion: `POSTGRES_${spec.version}`, masterInstanceName: instance.name, deletionProtection: spec.protect, settings: cloudSqlReplicaSettings(spec, cloud.networkId) },
      { ...opts, dependsOn: [instance], ignoreChanges: ["settings.diskSize"] },
    ),
  );
  deployGcpRecovery(name, spec, cloud, instance, (drill) => cloudSqlReplicaSettings(spec, cloud.networkId, drill), context.parent);
  const port = managedPooling(spec) ? MANAGED_POOLER_PORT : spec.port;
  return { host: instance.privateIpAddress, port: pulumi.output(port), readHost: replicas[0]?.privateIpAddress ?? instance.privateIpAddress, sslmode: "require" };
}
