/**
 * The managed backend of PostgresCluster on AWS: Amazon RDS for PostgreSQL (one instance, Multi-AZ
 * in prod) or an Aurora PostgreSQL cluster, in the EKS cluster's private subnets, reachable only
 * from the cluster's security group, encrypted with its own KMS key, TLS enforced by the parameter
 * group, automated backups with point-in-time recovery and deletion protection.
 *
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_PostgreSQL.html
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.AuroraPostgreSQL.html
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { requireAwsCloud, type KubernetesPlatform } from "../contract/platform";
import { statefulResourceOptions } from "../shared/options";
import { deployRdsProxy } from "./aws-proxy";
import { deployAwsRecovery } from "./aws-recovery";
import type { PostgresBackendContext, PostgresEndpoints } from "./types";
import { backupWindow, postgresDefaults, type ResolvedPostgres } from "./spec";

/**
 * The Aurora PostgreSQL engine version a new cluster starts on, per major version. Aurora needs a
 * full version (unlike RDS, which takes the major alone).
 *
 * - 17.7 is listed in the Aurora PostgreSQL extension-version tables (AWS docs).
 * - 16.11 and 18.4 come from third-party catalogs of `describe-db-engine-versions` output. Check
 *   them with `aws rds describe-db-engine-versions --engine aurora-postgresql` before relying on
 *   them.
 *
 * Minor upgrades are made by bumping this table (reviewed, applied in place), not by AWS's
 * automatic minor upgrades (off on the cluster instances), which would make the cluster drift from
 * the pinned version and the next plan try to downgrade it.
 *
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/AuroraPostgreSQLReleaseNotes/AuroraPostgreSQL.Updates.html
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/AuroraPostgreSQLReleaseNotes/AuroraPostgreSQL.Extensions.html
 */
export const auroraEngineVersions: Readonly<Record<number, string>> = { 16: "16.11", 17: "17.7", 18: "18.4" };

/**
 * The CA of the instances' server certificates (RSA 2048, valid until 2061).
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.SSL.html#UsingWithRDS.SSL.RegionCertificateAuthorities
 */
export const RDS_CA = "rds-ca-rsa2048-g1";

/** Queries slower than this are logged (`log_min_duration_statement`), in milliseconds. */
export const SLOW_QUERY_MS = 1000;

/** How far storage may grow on its own (`maxAllocatedStorage`), as a multiple of `storageGiB`. */
export const STORAGE_AUTOSCALING_FACTOR = 4;

/** Performance Insights retention in days: 7 is the free tier. @see https://aws.amazon.com/rds/performance-insights/pricing/ */
export const INSIGHTS_RETENTION_DAYS = 7;

const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const pad = (n: number) => String(n).padStart(2, "0");
const clock = (minutes: number) => `${pad(Math.floor(minutes / 60) % 24)}:${pad(minutes % 60)}`;

/**
 * The daily backup window and the weekly maintenance window, in UTC.
 *
 * - Backups: one hour from the schedule's hour and minute (`"03:00-04:00"`); RDS wants at least 30
 *   minutes. A schedule that is not plain numbers falls back to the default 03:00.
 * - Maintenance: one hour on Sunday, starting an hour after the backup window ends, so the two
 *   never overlap (RDS refuses overlapping windows); it moves to Monday when that passes midnight.
 *
 * @param schedule - the six-field cron expression of `backup.schedule`.
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_WorkingWithAutomatedBackups.BackupWindow.html
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_UpgradeDBInstance.Maintenance.html#Concepts.DBMaintenance
 */
export function rdsBackupWindow(schedule: string): { backupWindow: string; maintenanceWindow: string } {
  const at = backupWindow(schedule) ?? backupWindow(postgresDefaults.backup.schedule)!;
  const start = at.hour * 60 + at.minute;
  const maintenance = start + 120;
  const weekly = (minutes: number) => `${DAYS[Math.floor(minutes / 1440)]}:${clock(minutes)}`;
  return {
    backupWindow: `${clock(start)}-${clock(start + 60)}`,
    maintenanceWindow: `${weekly(maintenance)}-${weekly(maintenance + 60)}`,
  };
}

/** One parameter of an RDS parameter group. */
export interface RdsParameter {
  readonly name: string;
  readonly value: string;
  /** `immediate` for dynamic parameters; `pending-reboot` applies at the next reboot and suits any parameter. */
  readonly applyMethod: "immediate" | "pending-reboot";
}

/**
 * The parameters of the instance's (RDS) or cluster's (Aurora) parameter group: the user's
 * `parameters` (applied at the next reboot, since they may be static), then the ones that are
 * enforced whatever the user set:
 *
 * - `rds.force_ssl = 1`: plaintext connections are refused;
 * - `ssl_min_protocol_version = TLSv1.2`;
 * - RDS only: `log_min_duration_statement` ({@link SLOW_QUERY_MS}); on Aurora it is an instance
 *   parameter from PostgreSQL 18, so it is left to the default there.
 *
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/PostgreSQL.Concepts.General.SSL.html#PostgreSQL.Concepts.General.SSL.Requiring
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Appendix.PostgreSQL.CommonDBATasks.Parameters.html
 */
export function rdsParameters(spec: Pick<ResolvedPostgres, "parameters">, engine: "rds" | "aurora"): RdsParameter[] {
  const enforced: Record<string, string> = {
    "rds.force_ssl": "1",
    ssl_min_protocol_version: "TLSv1.2",
    ...(engine === "rds" ? { log_min_duration_statement: String(SLOW_QUERY_MS) } : {}),
  };
  const user = Object.entries(spec.parameters)
    .filter(([name]) => !(name in enforced))
    .map(([name, value]): RdsParameter => ({ name, value, applyMethod: "pending-reboot" }));
  return [...user, ...Object.entries(enforced).map(([name, value]): RdsParameter => ({ name, value, applyMethod: "immediate" }))];
}

/**
 * The parameter group family: `postgres<major>` (RDS) or `aurora-postgresql<major>` (Aurora).
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_WorkingWithParamGroups.html
 */
export function rdsParameterFamily(version: number, engine: "rds" | "aurora"): string {
  return `${engine === "rds" ? "postgres" : "aurora-postgresql"}${version}`;
}

/**
 * The name of the snapshot taken when the database is deleted: letters, digits and single hyphens,
 * starting with a letter, at most 255 characters.
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBInstance.html
 */
export function finalSnapshotIdentifier(name: string, stack: string): string {
  const id = `${name}-${stack}-final`.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  return (/^[a-z]/.test(id) ? id : `db-${id}`).slice(0, 255).replace(/-+$/, "");
}

/**
 * Deploys the database on RDS or Aurora (`managed.awsEngine`):
 *
 * - a KMS key (rotated yearly, 30-day deletion window) for storage, snapshots and Performance
 *   Insights;
 * - a DB subnet group on the cluster's private subnets and a security group that admits TCP 5432
 *   only from the EKS cluster security group (the one the nodes carry);
 * - RDS: a parameter group and one instance, Multi-AZ when `managed.highAvailability`;
 * - Aurora: a cluster parameter group, a cluster and `instances` cluster instances.
 *
 * The application role is the master user, so it is a member of `rds_superuser`.
 *
 * - RDS: `managed.readReplicas` read replicas (asynchronous, same region), since a Multi-AZ
 *   standby takes over on failure but serves no reads.
 * - With `pooler.enabled`, RDS Proxy in front of the writer (see `aws-proxy.ts`).
 * - Recovery (see `aws-recovery.ts`): automated backups replicated to `recovery.drRegion`, and
 *   the restore drill's instance.
 *
 * RDS rather than Aurora stays the default: the shipped stacks run RDS, and moving them to Aurora
 * replaces the database (a dump and restore or a replica promotion, not a `pulumi up`); RDS with a
 * read replica and RDS Proxy meets the read-scaling and connection needs. Aurora (`awsEngine:
 * aurora`) fails over faster and its readers share storage; choose it for new stacks that want that.
 *
 * Endpoints:
 * - RDS: `host` is RDS Proxy's endpoint (the instance's address without the pooler) and
 *   `readHost` the first read replica's address (the primary's when there are none).
 * - Aurora: `host` is the cluster (writer) endpoint and `readHost` the reader endpoint, which
 *   balances over the replicas (the writer when there are none).
 * - `sslmode` is `require`: TLS is enforced. The certificates differ by endpoint: RDS Proxy
 *   (`host` on RDS) presents certificates from Amazon Trust Services, which public trust stores
 *   include, so `verify-full` against the proxy needs the Amazon root CAs (no RDS CA); the
 *   instances (`readHost`, and the Aurora endpoints) present the RDS CA (`rds-ca-rsa2048-g1`),
 *   which default trust stores lack: for `verify-full` there, give clients the RDS CA bundle.
 *
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy.howitworks.html#rds-proxy-security.tls
 * @see https://www.amazontrust.com/repository/
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.SSL.html
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.MultiAZSingleStandby.html
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.Overview.Endpoints.html
 */
export function deployPostgresToAws(name: string, spec: ResolvedPostgres, platform: KubernetesPlatform, context: PostgresBackendContext): PostgresEndpoints {
  const cloud = requireAwsCloud(`PostgresCluster "${name}"`, platform);
  const opts = { parent: context.parent, provider: cloud.provider };
  const stateful = { ...opts, ...statefulResourceOptions(spec.protect) };
  const tags = (role: string) => ({ ...spec.labels, Name: `${name}-${role}` });
  const engine = spec.managed.awsEngine;

  const key = new aws.kms.Key(
    `${name}-key`,
    {
      description: `Encryption at rest of PostgreSQL ${name} (${engine}): storage, snapshots, Performance Insights`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      tags: tags("key"),
    },
    stateful,
  );
  new aws.kms.Alias(`${name}-key-alias`, { namePrefix: `alias/rds/${name}-`, targetKeyId: key.keyId }, opts);

  const subnetGroup = new aws.rds.SubnetGroup(
    `${name}-subnets`,
    { description: `Private subnets of PostgreSQL ${name}`, subnetIds: cloud.privateSubnetIds, tags: tags("subnets") },
    opts,
  );
  const securityGroup = new aws.ec2.SecurityGroup(
    `${name}-sg`,
    { description: `PostgreSQL ${name}: TCP ${spec.port} from the EKS cluster security group only`, vpcId: cloud.vpcId, tags: tags("sg") },
    opts,
  );
  new aws.vpc.SecurityGroupIngressRule(
    `${name}-sg-from-cluster`,
    {
      securityGroupId: securityGroup.id,
      referencedSecurityGroupId: cloud.clusterSecurityGroupId,
      ipProtocol: "tcp",
      fromPort: spec.port,
      toPort: spec.port,
      description: "PostgreSQL from the EKS cluster (control plane and nodes)",
      tags: tags("sg-from-cluster"),
    },
    opts,
  );

  const windows = rdsBackupWindow(spec.backup.schedule);
  const insights = spec.managed.insights
    ? { performanceInsightsEnabled: true, performanceInsightsKmsKeyId: key.arn, performanceInsightsRetentionPeriod: INSIGHTS_RETENTION_DAYS }
    : { performanceInsightsEnabled: false };
  const common = {
    storageEncrypted: true,
    kmsKeyId: key.arn,
    deletionProtection: spec.protect,
    // Automated backups outlive a deleted database when it is protected.
    deleteAutomatedBackups: !spec.protect,
    skipFinalSnapshot: false,
    finalSnapshotIdentifier: finalSnapshotIdentifier(name, pulumi.getStack()),
    copyTagsToSnapshot: true,
    iamDatabaseAuthenticationEnabled: true,
    dbSubnetGroupName: subnetGroup.name,
    vpcSecurityGroupIds: [securityGroup.id],
    port: spec.port,
  };

  if (engine === "rds") {
    const parameterGroup = new aws.rds.ParameterGroup(
      `${name}-params`,
      {
        family: rdsParameterFamily(spec.version, "rds"),
        description: `PostgreSQL ${name}: TLS required, slow queries logged`,
        parameters: rdsParameters(spec, "rds"),
        tags: tags("params"),
      },
      opts,
    );
    const instance = new aws.rds.Instance(
      `${name}-rds`,
      {
        ...common,
        ...insights,
        engine: "postgres",
        // The major alone: RDS creates the newest minor, and with autoMinorVersionUpgrade applies
        // later minors in the maintenance window without a diff here.
        engineVersion: String(spec.version),
        autoMinorVersionUpgrade: true,
        instanceClass: spec.managed.instanceClass,
        allocatedStorage: spec.storageGiB,
        maxAllocatedStorage: spec.storageGiB * STORAGE_AUTOSCALING_FACTOR,
        storageType: "gp3",
        multiAz: spec.managed.highAvailability,
        dbName: spec.database,
        username: spec.username,
        password: context.password,
        publiclyAccessible: false,
        parameterGroupName: parameterGroup.name,
        backupRetentionPeriod: spec.backup.enabled ? spec.backup.retentionDays : 0,
        ...(spec.backup.enabled ? { backupWindow: windows.backupWindow } : {}),
        maintenanceWindow: windows.maintenanceWindow,
        enabledCloudwatchLogsExports: ["postgresql", "upgrade"],
        caCertIdentifier: RDS_CA,
        tags: tags("rds"),
      },
      stateful,
    );
    const replicas = Array.from({ length: spec.managed.readReplicas }, (_, i) =>
      new aws.rds.Instance(
        `${name}-rds-replica-${i}`,
        {
          ...insights,
          // Same region: the replica takes the source's engine, storage encryption and subnet group.
          replicateSourceDb: instance.identifier,
          storageEncrypted: true,
          kmsKeyId: key.arn,
          instanceClass: spec.managed.instanceClass,
          storageType: "gp3",
          maxAllocatedStorage: spec.storageGiB * STORAGE_AUTOSCALING_FACTOR,
          autoMinorVersionUpgrade: true,
          parameterGroupName: parameterGroup.name,
          vpcSecurityGroupIds: [securityGroup.id],
          publiclyAccessible: false,
          iamDatabaseAuthenticationEnabled: true,
          // A replica keeps no automated backups of its own and takes no final snapshot (RDS refuses one).
          backupRetentionPeriod: 0,
          skipFinalSnapshot: true,
          deletionProtection: spec.protect,
          copyTagsToSnapshot: true,
          maintenanceWindow: windows.maintenanceWindow,
          caCertIdentifier: RDS_CA,
          tags: tags(`rds-replica-${i}`),
        },
        { ...opts, dependsOn: [instance] },
      ),
    );
    const proxied = spec.pooler.enabled
      ? deployRdsProxy(name, spec, cloud, { target: { dbInstanceIdentifier: instance.identifier }, key, securityGroupId: securityGroup.id, password: context.password, resource: instance }, context.parent)
      : undefined;
    deployAwsRecovery(
      name,
      spec,
      cloud,
      { instance, key, subnetGroupName: subnetGroup.name, securityGroupId: securityGroup.id, parameterGroupName: parameterGroup.name, parameters: { family: rdsParameterFamily(spec.version, "rds"), parameters: rdsParameters(spec, "rds") } },
      context.parent,
    );
    return { host: proxied ?? instance.address, port: instance.port, readHost: replicas[0]?.address ?? instance.address, sslmode: "require" };
  }

  const clusterParameterGroup = new aws.rds.ClusterParameterGroup(
    `${name}-cluster-params`,
    {
      family: rdsParameterFamily(spec.version, "aurora"),
      description: `Aurora PostgreSQL ${name}: TLS required`,
      parameters: rdsParameters(spec, "aurora"),
      tags: tags("cluster-params"),
    },
    opts,
  );
  const engineVersion = auroraEngineVersions[spec.version];
  const cluster = new aws.rds.Cluster(
    `${name}-aurora`,
    {
      ...common,
      engine: "aurora-postgresql",
      engineVersion,
      databaseName: spec.database,
      masterUsername: spec.username,
      masterPassword: context.password,
      dbClusterParameterGroupName: clusterParameterGroup.name,
      // Aurora keeps at least one day of automated backups; they cannot be turned off.
      backupRetentionPeriod: spec.backup.enabled ? spec.backup.retentionDays : 1,
      preferredBackupWindow: windows.backupWindow,
      preferredMaintenanceWindow: windows.maintenanceWindow,
      enabledCloudwatchLogsExports: ["postgresql"],
      tags: tags("aurora"),
    },
    // AWS upgrades a minor version at its end of support even with auto-upgrade off; without
    // this the next `up` would try to move the cluster back to the pin. Bump the pin on purpose.
    { ...stateful, ignoreChanges: ["engineVersion"] },
  );
  for (let i = 0; i < spec.instances; i++) {
    new aws.rds.ClusterInstance(
      `${name}-aurora-${i}`,
      {
        ...insights,
        clusterIdentifier: cluster.id,
        engine: "aurora-postgresql",
        // The cluster's engineVersion drives upgrades; instances follow it.
        autoMinorVersionUpgrade: false,
        instanceClass: spec.managed.instanceClass,
        dbSubnetGroupName: subnetGroup.name,
        publiclyAccessible: false,
        caCertIdentifier: RDS_CA,
        copyTagsToSnapshot: true,
        preferredMaintenanceWindow: windows.maintenanceWindow,
        // The first instance is preferred as the writer after a failover.
        promotionTier: i === 0 ? 0 : 1,
        tags: tags(`aurora-${i}`),
      },
      stateful,
    );
  }
  const proxied = spec.pooler.enabled
    ? deployRdsProxy(name, spec, cloud, { target: { dbClusterIdentifier: cluster.clusterIdentifier }, key, securityGroupId: securityGroup.id, password: context.password, resource: cluster }, context.parent)
    : undefined;
  return { host: proxied ?? cluster.endpoint, port: cluster.port, readHost: cluster.readerEndpoint, sslmode: "require" };
}
