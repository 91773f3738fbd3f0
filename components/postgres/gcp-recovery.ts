/**
 * Recovery of a Cloud SQL instance beyond its own backups:
 *
 * - with `recovery.drRegion`, a cross-region read replica there: asynchronous replication, promoted
 *   to a standalone primary after a region loss (see the component README's runbook);
 * - with `recovery.drill.enabled`, a clone `<name>-drill` of the live instance at
 *   `recovery.drill.targetTime` (now when unset), beside it.
 *
 * @see https://cloud.google.com/sql/docs/postgres/replication/cross-region-replicas
 * @see https://cloud.google.com/sql/docs/postgres/clone-instance
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { GcpCloud } from "../contract/platform";
import { RESTORE_DRILL_MARKS } from "../contract/recovery";
import type { ResolvedPostgres } from "./spec";

/**
 * Creates the cross-region replica and the drill's clone, as configured.
 *
 * @returns the drill clone's private IP, when there is one.
 */
export function deployGcpRecovery(
  name: string,
  spec: ResolvedPostgres,
  cloud: GcpCloud,
  primary: gcp.sql.DatabaseInstance,
  replicaSettings: (drill: boolean) => gcp.types.input.sql.DatabaseInstanceSettings,
  parent: pulumi.Resource,
): pulumi.Output<string> | undefined {
  const opts = { parent, provider: cloud.provider };
  const { drRegion, drill } = spec.recovery;
  const databaseVersion = `POSTGRES_${spec.version}`;
  if (drRegion) {
    new gcp.sql.DatabaseInstance(
      `${name}-sql-dr`,
      { project: cloud.project, region: drRegion, databaseVersion, masterInstanceName: primary.name, deletionProtection: spec.protect, settings: replicaSettings(false) },
      { ...opts, dependsOn: [primary], ignoreChanges: ["settings.diskSize"] },
    );
  }
  if (!drill.enabled) return undefined;
  const clone = new gcp.sql.DatabaseInstance(
    `${name}-drill`,
    {
      project: cloud.project,
      region: cloud.region,
      databaseVersion,
      clone: { sourceInstanceName: primary.name, ...(drill.targetTime ? { pointInTime: drill.targetTime } : {}) },
      deletionProtection: false,
      settings: { ...replicaSettings(true), userLabels: { [RESTORE_DRILL_MARKS.userLabel]: "true" } },
    },
    { ...opts, dependsOn: [primary], ignoreChanges: ["settings.diskSize"] },
  );
  return clone.privateIpAddress;
}
