import {
  validateResourceOfType,
  type PolicyResource,
  type ReportViolation,
  type ResourceValidationPolicy,
  type StackValidationPolicy,
} from "@pulumi/policy";
import { environmentConfigProperty, isProduction, type EnvironmentConfig } from "./environment";
import { known, mayMatch } from "./known";
import { aws, gcp } from "./resource-types";
import { isSecondaryDatabase } from "./secondaries";

/** The rule's config. */
export interface DatabaseBackupsConfig extends EnvironmentConfig {
  /**
   * The shortest backup retention accepted, in days.
   * @default 7
   */
  readonly minRetentionDays: number;
  /**
   * The longest backup retention accepted, in days (RDS's maximum is 35).
   * @default 35
   */
  readonly maxRetentionDays: number;
}

const CNPG_CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster";
const CNPG_SCHEDULED_BACKUP = "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup";
const BARMAN_OBJECT_STORE = "kubernetes:barmancloud.cnpg.io/v1:ObjectStore";
/** The name under which the Barman Cloud CNPG-I plugin registers. */
const BARMAN_PLUGIN = "barman-cloud.cloudnative-pg.io";

/** Days per unit of a Barman retention policy; a month counts as 30 days. */
const RETENTION_UNIT_DAYS: Record<string, number> = { d: 1, w: 7, m: 30 };

/**
 * The days a Barman retention policy such as `"30d"`, `"4w"` or `"1m"` keeps, or `undefined` when
 * it does not have that form.
 *
 * @see https://cloudnative-pg.io/plugin-barman-cloud/docs/retention/
 */
export function retentionPolicyDays(policy: string): number | undefined {
  const match = /^([1-9][0-9]*)([dwm])$/.exec(policy);
  return match ? Number(match[1]) * RETENTION_UNIT_DAYS[match[2]] : undefined;
}

function checkRetentionDays(label: string, field: string, days: number, config: DatabaseBackupsConfig, reportViolation: ReportViolation): void {
  const { minRetentionDays: min, maxRetentionDays: max } = config;
  if (days < min || days > max) reportViolation(`${label} keeps backups for ${days} days (${field}); set ${min}–${max} days.`);
}

function checkRdsRetention(label: string, period: number | undefined, config: DatabaseBackupsConfig, reportViolation: ReportViolation): void {
  if (period === undefined) {
    reportViolation(`${label} does not set backupRetentionPeriod (RDS then keeps 1 day); set ${config.minRetentionDays}–${config.maxRetentionDays} days.`);
  } else {
    checkRetentionDays(label, `backupRetentionPeriod ${period}`, period, config, reportViolation);
  }
}

/** A Kubernetes object's name and namespace; `undefined` where unset or not known yet. */
function objectRef(resource: PolicyResource): { name?: string; namespace?: string; label: string } {
  const name = known(() => resource.props.metadata?.name as string | undefined);
  const namespace = known(() => resource.props.metadata?.namespace as string | undefined);
  return { name, namespace, label: `${namespace ?? "default"}/${name ?? resource.name}` };
}

/** The problems of one CloudNativePG Cluster's backups, given every resource of the stack. */
function cnpgBackupProblems(cluster: PolicyResource, resources: PolicyResource[]): string[] {
  const ref = objectRef(cluster);
  const label = `CloudNativePG Cluster "${ref.label}"`;
  const spec = cluster.props.spec ?? {};
  const problems: string[] = [];
  if (spec.backup?.barmanObjectStore !== undefined) {
    problems.push(`${label} uses the deprecated spec.backup.barmanObjectStore; archive through the Barman Cloud plugin instead: a spec.plugins entry "${BARMAN_PLUGIN}" with isWALArchiver: true.`);
  }
  const plugin = ((spec.plugins ?? []) as { name: string; enabled?: boolean; isWALArchiver?: boolean; parameters?: Record<string, string> }[]).find(
    (p) => p.name === BARMAN_PLUGIN && p.enabled !== false && p.isWALArchiver === true,
  );
  if (!plugin) {
    problems.push(`${label} has no spec.plugins entry "${BARMAN_PLUGIN}" with isWALArchiver: true, so it archives no WAL and cannot be restored to a point in time.`);
  } else if (!plugin.parameters?.barmanObjectName) {
    problems.push(`${label} sets no parameters.barmanObjectName on its "${BARMAN_PLUGIN}" plugin entry.`);
  } else {
    const objectName = plugin.parameters.barmanObjectName;
    const store = resources.some((r) => {
      if (r.type !== BARMAN_OBJECT_STORE) return false;
      const storeRef = objectRef(r);
      return mayMatch(storeRef.name, objectName) && mayMatch(storeRef.namespace, ref.namespace);
    });
    if (!store) problems.push(`${label} archives to ObjectStore "${objectName}", which is not in the stack${ref.namespace ? ` in namespace "${ref.namespace}"` : ""}.`);
  }
  const scheduled = resources.some((r) => {
    if (r.type !== CNPG_SCHEDULED_BACKUP || known(() => r.props.spec?.suspend) === true) return false;
    const target = known(() => r.props.spec?.cluster?.name as string | undefined);
    return mayMatch(target, ref.name ?? cluster.name) && mayMatch(objectRef(r).namespace, ref.namespace);
  });
  if (!scheduled) problems.push(`${label} has no ScheduledBackup (spec.cluster.name "${ref.name ?? cluster.name}") that is not suspended, so no base backups are taken.`);
  return problems;
}

/**
 * Databases and caches keep backups long enough to recover from a mistake noticed late, and
 * PostgreSQL can be restored to a point in time.
 *
 * - AWS RDS instance and cluster: `backupRetentionPeriod` between `minRetentionDays` and
 *   `maxRetentionDays` (unset means RDS's default of 1 day: a violation).
 * - Google Cloud SQL instance: `settings.backupConfiguration.enabled: true` and
 *   `pointInTimeRecoveryEnabled: true`.
 * - AWS ElastiCache replication group, in production only (see `environment.ts`):
 *   `snapshotRetentionLimit` of at least 1 day.
 * - CloudNativePG, a stack check: every `postgresql.cnpg.io/v1` Cluster has a `spec.plugins` entry
 *   `barman-cloud.cloudnative-pg.io` with `isWALArchiver: true` and a `parameters.barmanObjectName`
 *   naming a Barman Cloud `ObjectStore` in the stack (same namespace where known), and a
 *   `ScheduledBackup` that is not suspended has `spec.cluster.name` set to the Cluster's name (same
 *   namespace where known). The in-tree `spec.backup.barmanObjectStore`, deprecated since
 *   CloudNativePG 1.26, is a violation. A name or namespace not known yet during preview matches
 *   anything, and a Cluster whose spec is not known yet is checked at update instead.
 * - Barman Cloud `ObjectStore`: `spec.retentionPolicy` set, with a number of days (`d`, `w`, or
 *   `m` counted as 30 days) within the bounds.
 *
 * Read replicas and restore drills (see `secondaries.ts`) keep no backups of their own and are
 * skipped.
 *
 * This rule has both resource validations and a stack validation; the analyzer runs each.
 *
 * @severity high
 *
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_WorkingWithAutomatedBackups.BackupRetention.html
 * @see https://cloud.google.com/sql/docs/postgres/backup-recovery/pitr
 * @see https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/backups-automatic.html
 * @see https://cloudnative-pg.io/plugin-barman-cloud/docs/usage/
 * @see https://cloudnative-pg.io/documentation/current/backup/
 * @see https://github.com/pulumi/compliance-policies/tree/main/vendor-aws/aws/rds/Instance
 */
export const databaseBackups: ResourceValidationPolicy & StackValidationPolicy = {
  name: "database-backups",
  description: "Databases keep backups within the retention bounds and can be restored to a point in time; production caches keep snapshots.",
  severity: "high",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      minRetentionDays: { type: "integer", minimum: 1, default: 7 },
      maxRetentionDays: { type: "integer", minimum: 1, default: 35 },
      environment: environmentConfigProperty,
    },
  },
  validateResource: [
    validateResourceOfType(aws.rds.Instance, (instance, args, reportViolation) => {
      if (isSecondaryDatabase(args.type, args.props)) return;
      checkRdsRetention(`RDS instance "${args.name}"`, instance.backupRetentionPeriod, args.getConfig<DatabaseBackupsConfig>(), reportViolation);
    }),
    validateResourceOfType(aws.rds.Cluster, (cluster, args, reportViolation) =>
      checkRdsRetention(`RDS cluster "${args.name}"`, cluster.backupRetentionPeriod, args.getConfig<DatabaseBackupsConfig>(), reportViolation),
    ),
    validateResourceOfType(gcp.sql.DatabaseInstance, (instance, args, reportViolation) => {
      if (isSecondaryDatabase(args.type, args.props)) return;
      const backup = instance.settings?.backupConfiguration;
      const label = `Cloud SQL instance "${args.name}"`;
      if (backup?.enabled !== true) reportViolation(`${label} does not set settings.backupConfiguration.enabled: true.`);
      if (backup?.pointInTimeRecoveryEnabled !== true) reportViolation(`${label} does not set settings.backupConfiguration.pointInTimeRecoveryEnabled: true.`);
    }),
    validateResourceOfType(aws.elasticache.ReplicationGroup, (group, args, reportViolation) => {
      if (isProduction(args) && !((group.snapshotRetentionLimit ?? 0) >= 1)) {
        reportViolation(`ElastiCache replication group "${args.name}" keeps no automatic snapshots in production; set snapshotRetentionLimit to at least 1 day.`);
      }
    }),
    (args, reportViolation) => {
      if (args.type !== BARMAN_OBJECT_STORE) return;
      const label = `Barman Cloud ObjectStore "${args.props.metadata?.namespace ?? "default"}/${args.props.metadata?.name ?? args.name}"`;
      const policy = args.props.spec?.retentionPolicy as string | undefined;
      const days = policy === undefined ? undefined : retentionPolicyDays(policy);
      if (policy === undefined) {
        reportViolation(`${label} has no spec.retentionPolicy, so backups and WAL are never deleted; set one such as "30d".`);
      } else if (days === undefined) {
        reportViolation(`${label} has spec.retentionPolicy "${policy}", which is not a number followed by d, w or m.`);
      } else {
        checkRetentionDays(label, `spec.retentionPolicy "${policy}"`, days, args.getConfig<DatabaseBackupsConfig>(), reportViolation);
      }
    },
  ],
  validateStack: (args, reportViolation) => {
    for (const cluster of args.resources.filter((r) => r.type === CNPG_CLUSTER && !isSecondaryDatabase(r.type, r.props))) {
      for (const problem of known(() => cnpgBackupProblems(cluster, args.resources)) ?? []) reportViolation(problem, cluster.urn);
    }
  },
};
