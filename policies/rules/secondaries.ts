/**
 * Databases that are not a primary: read replicas (RDS `replicateSourceDb`, Cloud SQL
 * `masterInstanceName`), CloudNativePG replica clusters (`spec.replica.enabled`) and restore drills (marked by the platform: the tag or label
 * `restore-drill`). They keep no backups of their own and need no standby, so the backup,
 * resilience and recovery rules judge their primary instead.
 *
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReadRepl.html
 * @see https://cloud.google.com/sql/docs/postgres/replication
 */
import type { PolicyResource } from "@pulumi/policy";
import { RESTORE_DRILL_MARKS } from "../../components/contract/recovery";
import { isSet, known } from "./known";

type Props = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Whether the inputs of an RDS instance, Cloud SQL instance or CloudNativePG Cluster are a replica's or a drill's. */
export function isSecondaryDatabase(type: string, props: Props): boolean {
  return (
    known(() => {
      switch (type) {
        case "aws:rds/instance:Instance":
          // The source's identifier may not be known yet during preview: set all the same.
          return isSet(() => props.replicateSourceDb) || props.tags?.[RESTORE_DRILL_MARKS.tag] === "true";
        case "gcp:sql/databaseInstance:DatabaseInstance":
          return isSet(() => props.masterInstanceName) || props.settings?.userLabels?.[RESTORE_DRILL_MARKS.userLabel] === "true";
        case "kubernetes:postgresql.cnpg.io/v1:Cluster":
          // A replica cluster (`spec.replica.enabled`) follows its source, whose standby counts.
          return props.metadata?.labels?.[RESTORE_DRILL_MARKS.label] === "true" || props.spec?.replica?.enabled === true;
        default:
          return false;
      }
    }) === true
  );
}

/** {@link isSecondaryDatabase} of a policy resource. */
export const isSecondary = (resource: Pick<PolicyResource, "type" | "props">): boolean => isSecondaryDatabase(resource.type, resource.props);

/**
 * Whether an ElastiCache replication group is a Global Datastore's secondary (its copy in another
 * region): it inherits the engine, node type and encryption from the Global Datastore, whose
 * primary the rules judge, and the provider refuses those settings on it. A Global Datastore ID
 * not known yet (during preview) counts as set.
 *
 * @see https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Redis-Global-Datastore.html
 */
export function isGlobalSecondaryGroup(group: { readonly globalReplicationGroupId?: unknown }): boolean {
  return isSet(() => group.globalReplicationGroupId);
}
