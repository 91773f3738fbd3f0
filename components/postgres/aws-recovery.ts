/**
 * Recovery of an RDS instance beyond its own automated backups:
 *
 * - with `recovery.drRegion`, the automated backups (snapshots and transaction logs) replicated to
 *   that region, encrypted with a KMS key of that region, kept as long as in the source region, so
 *   the database can be restored to a point in time there after a region loss;
 * - with `recovery.drill.enabled`, an instance `<name>-drill` restored to a point in time from the
 *   live one's automated backups, beside it: a drill is one `pulumi up`.
 *
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReplicateBackups.html
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PIT.html
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AwsCloud } from "../contract/platform";
import { RESTORE_DRILL_MARKS } from "../contract/recovery";
import type { ResolvedPostgres } from "./spec";

/** What the recovery pieces need of the live database. */
export interface AwsRecoverySource {
  readonly instance: aws.rds.Instance;
  readonly key: aws.kms.Key;
}

/**
 * Creates the DR region's copy of the automated backups and the drill instance, as configured.
 *
 * The drill instance is small (the live class), single-AZ, unprotected and deleted without a final
 * snapshot: it exists to be checked and removed (`dr.drill.enabled: false` and `pulumi up`). It
 * sits in the live database's subnets and security group, so the cluster reaches it the same way.
 *
 * @returns the drill instance's address, when there is one.
 */
export function deployAwsRecovery(
  name: string,
  spec: ResolvedPostgres,
  cloud: AwsCloud,
  source: AwsRecoverySource & { readonly subnetGroupName?: pulumi.Input<string>; readonly securityGroupId?: pulumi.Input<string>; readonly parameterGroupName?: pulumi.Input<string> },
  parent: pulumi.Resource,
): pulumi.Output<string> | undefined {
  const opts = { parent, provider: cloud.provider };
  const tags = (role: string) => ({ ...spec.labels, Name: `${name}-${role}` });
  const { drRegion, drill } = spec.recovery;
  if (drRegion && spec.backup.enabled) {
    const drKey = new aws.kms.Key(
      `${name}-dr-key`,
      { region: drRegion, description: `Replicated automated backups of PostgreSQL ${name} in ${drRegion}`, enableKeyRotation: true, deletionWindowInDays: 30, tags: tags("dr-key") },
      opts,
    );
    new aws.rds.InstanceAutomatedBackupsReplication(
      `${name}-dr-backups`,
      { region: drRegion, sourceDbInstanceArn: source.instance.arn, retentionPeriod: spec.backup.retentionDays, kmsKeyId: drKey.arn },
      opts,
    );
  }
  if (!drill.enabled) return undefined;
  const restored = new aws.rds.Instance(
    `${name}-drill`,
    {
      restoreToPointInTime: {
        sourceDbInstanceIdentifier: source.instance.identifier,
        ...(drill.targetTime ? { restoreTime: drill.targetTime } : { useLatestRestorableTime: true }),
      },
      instanceClass: spec.managed.instanceClass,
      storageType: "gp3",
      storageEncrypted: true,
      kmsKeyId: source.key.arn,
      multiAz: false,
      publiclyAccessible: false,
      ...(source.subnetGroupName ? { dbSubnetGroupName: source.subnetGroupName } : {}),
      ...(source.securityGroupId ? { vpcSecurityGroupIds: [source.securityGroupId] } : {}),
      // The live parameter group: TLS required on the drill instance too.
      ...(source.parameterGroupName ? { parameterGroupName: source.parameterGroupName } : {}),
      backupRetentionPeriod: 0,
      deletionProtection: false,
      skipFinalSnapshot: true,
      // The live instance's CA (`RDS_CA` in aws.ts, which imports this module).
      caCertIdentifier: "rds-ca-rsa2048-g1",
      tags: { ...tags("drill"), [RESTORE_DRILL_MARKS.tag]: "true" },
    },
    { ...opts, dependsOn: [source.instance] },
  );
  return restored.address;
}
