import { validateResourceOfType, type PolicyResource, type ResourceValidationPolicy, type StackValidationPolicy } from "@pulumi/policy";
import { environmentConfigProperty, isProduction } from "./environment";
import { known } from "./known";
import { aws, gcp } from "./resource-types";
import { isSecondaryDatabase } from "./secondaries";

const CNPG_CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster";

/** The fewest members of a highly available cluster: a primary and a standby. */
const MIN_HA_INSTANCES = 2;

/**
 * The Aurora cluster instances of `cluster` among `resources`: those that depend on the cluster
 * resource (how `clusterIdentifier: cluster.id` shows, even while the ID is not known yet), or
 * whose `clusterIdentifier` equals the cluster's `clusterIdentifier` input (a literal name).
 *
 * @see https://www.pulumi.com/registry/packages/aws/api-docs/rds/clusterinstance/
 */
export function clusterInstancesOf(cluster: PolicyResource, resources: readonly PolicyResource[]): PolicyResource[] {
  const identifier = known(() => cluster.props.clusterIdentifier as string | undefined);
  return resources.filter(
    (r) =>
      r.isType(aws.rds.ClusterInstance) &&
      (r.dependencies.some((d) => d.urn === cluster.urn) || (identifier !== undefined && known(() => r.props.clusterIdentifier) === identifier)),
  );
}

/**
 * Production databases and caches survive the loss of a zone and cannot be deleted by accident.
 * Applies only when the stack is production (see `environment.ts`): the stack tag `environment`,
 * else the rule's `environment` config, whose default is `"prod"`.
 *
 * - AWS RDS instance: `deletionProtection: true` and `multiAz: true`.
 * - AWS RDS (Aurora) cluster: `deletionProtection: true`, and, a stack check, at least 2
 *   `rds.ClusterInstance`s in the stack belong to it (they depend on the cluster resource, or name
 *   its literal `clusterIdentifier`).
 * - Google Cloud SQL instance: `deletionProtection` not false (the provider's default is true),
 *   `settings.deletionProtectionEnabled: true` (protection in the API, against any client), and
 *   `settings.availabilityType: "REGIONAL"`.
 * - AWS ElastiCache replication group: `automaticFailoverEnabled: true` and `multiAzEnabled: true`.
 * - Google Memorystore for Redis instance: `tier: "STANDARD_HA"`.
 * - CloudNativePG Cluster (`postgresql.cnpg.io/v1`): `spec.instances` of at least 2 (the default
 *   is 1).
 *
 * Read replicas and restore drills (see `secondaries.ts`) are skipped: the standby requirement is
 * their primary's.
 *
 * This rule has both resource validations and a stack validation; the analyzer runs each.
 *
 * @severity high
 *
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_DeleteInstance.html#USER_DeletionProtection
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.MultiAZ.html
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.AuroraHighAvailability.html
 * @see https://cloud.google.com/sql/docs/postgres/deletion-protection
 * @see https://cloud.google.com/sql/docs/postgres/high-availability
 * @see https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/AutoFailover.html
 * @see https://cloud.google.com/memorystore/docs/redis/high-availability-for-memorystore-for-redis
 * @see https://cloudnative-pg.io/documentation/current/replication/
 */
export const productionDataResilience: ResourceValidationPolicy & StackValidationPolicy = {
  name: "production-data-resilience",
  description: "Production databases and caches have deletion protection and a standby in another zone.",
  severity: "high",
  enforcementLevel: "mandatory",
  configSchema: { properties: { environment: environmentConfigProperty } },
  validateResource: [
    validateResourceOfType(aws.rds.Instance, (instance, args, reportViolation) => {
      if (!isProduction(args) || isSecondaryDatabase(args.type, args.props)) return;
      const label = `RDS instance "${args.name}"`;
      if (instance.deletionProtection !== true) reportViolation(`${label} does not set deletionProtection: true.`);
      if (instance.multiAz !== true) reportViolation(`${label} does not set multiAz: true, so it has no standby in another zone.`);
    }),
    validateResourceOfType(aws.rds.Cluster, (cluster, args, reportViolation) => {
      if (isProduction(args) && cluster.deletionProtection !== true) reportViolation(`RDS cluster "${args.name}" does not set deletionProtection: true.`);
    }),
    validateResourceOfType(gcp.sql.DatabaseInstance, (instance, args, reportViolation) => {
      if (!isProduction(args) || isSecondaryDatabase(args.type, args.props)) return;
      const label = `Cloud SQL instance "${args.name}"`;
      if (instance.deletionProtection === false) reportViolation(`${label} sets deletionProtection: false, so Pulumi may delete it.`);
      if (instance.settings?.deletionProtectionEnabled !== true) reportViolation(`${label} does not set settings.deletionProtectionEnabled: true.`);
      if (instance.settings?.availabilityType !== "REGIONAL") {
        reportViolation(`${label} does not set settings.availabilityType: "REGIONAL", so it has no standby in another zone.`);
      }
    }),
    validateResourceOfType(aws.elasticache.ReplicationGroup, (group, args, reportViolation) => {
      if (!isProduction(args)) return;
      const label = `ElastiCache replication group "${args.name}"`;
      if (group.automaticFailoverEnabled !== true) reportViolation(`${label} does not set automaticFailoverEnabled: true.`);
      if (group.multiAzEnabled !== true) reportViolation(`${label} does not set multiAzEnabled: true.`);
    }),
    validateResourceOfType(gcp.redis.Instance, (instance, args, reportViolation) => {
      if (isProduction(args) && instance.tier !== "STANDARD_HA") {
        reportViolation(`Memorystore instance "${args.name}" has tier "${instance.tier ?? "BASIC"}"; set "STANDARD_HA" for a replica in another zone.`);
      }
    }),
    (args, reportViolation) => {
      if (args.type !== CNPG_CLUSTER || !isProduction(args) || isSecondaryDatabase(args.type, args.props)) return;
      const instances = (args.props.spec?.instances as number | undefined) ?? 1;
      if (instances < MIN_HA_INSTANCES) {
        const ref = `${args.props.metadata?.namespace ?? "default"}/${args.props.metadata?.name ?? args.name}`;
        reportViolation(`CloudNativePG Cluster "${ref}" runs ${instances} instance${instances === 1 ? "" : "s"} (spec.instances); run at least ${MIN_HA_INSTANCES}, a primary and a standby.`);
      }
    },
  ],
  validateStack: (args, reportViolation) => {
    if (!isProduction(args)) return;
    for (const cluster of args.resources.filter((r) => r.isType(aws.rds.Cluster))) {
      const count = clusterInstancesOf(cluster, args.resources).length;
      if (count < MIN_HA_INSTANCES) {
        reportViolation(
          `RDS cluster "${cluster.name}" has ${count} cluster instance${count === 1 ? "" : "s"} in the stack; run at least ${MIN_HA_INSTANCES}, a writer and a reader in another zone.`,
          cluster.urn,
        );
      }
    }
  },
};
