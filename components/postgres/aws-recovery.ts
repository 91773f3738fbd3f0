/**
 * Recovery of an RDS instance beyond its own automated backups:
 *
 * - with `recovery.drRegion`, the automated backups (snapshots and transaction logs) replicated to
 *   that region, encrypted with a KMS key of that region, kept as long as in the source region, so
 *   the database can be restored to a point in time there after a region loss;
 * - with `recovery.drRegion`, a cross-region read replica `<name>-rds-dr` there too (asynchronous,
 *   encrypted with the same DR key, in a network of its own: see `shared/aws-dr-network.ts`),
 *   which is promoted after a region loss (the README's runbook) in minutes instead of a restore;
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
import { awsDrNetwork } from "../shared/aws-dr-network";
import type { ResolvedPostgres } from "./spec";

/** What the recovery pieces need of the live database. */
export interface AwsRecoverySource {
  readonly instance: aws.rds.Instance;
  readonly key: aws.kms.Key;
  /** The live parameter group's family and parameters, repeated in the DR region (a parameter group is regional). */
  readonly parameters?: { readonly family: string; readonly parameters: readonly { name: string; value: string; applyMethod: string }[] };
}

/**
 * The cross-region read replica's arguments: the source by ARN (a cross-region replica needs the
 * ARN, not the identifier), encrypted with a key of the DR region (RDS re-encrypts the copy with
 * it), single-AZ (made Multi-AZ after promotion), no automated backups of its own until promoted,
 * and protected like the source.
 *
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReadRepl.XRgn.html
 * @see https://www.pulumi.com/registry/packages/aws/api-docs/rds/instance/#replicatesourcedb_nodejs
 */
export function crossRegionReplicaArgs(
  spec: Pick<ResolvedPostgres, "managed" | "storageGiB" | "protect" | "port">,
  refs: { sourceArn: pulumi.Input<string>; region: string; kmsKeyArn: pulumi.Input<string>; subnetGroupName: pulumi.Input<string>; securityGroupId: pulumi.Input<string>; parameterGroupName?: pulumi.Input<string> },
): aws.rds.InstanceArgs {
  return {
    region: refs.region,
    replicateSourceDb: refs.sourceArn,
    storageEncrypted: true,
    kmsKeyId: refs.kmsKeyArn,
    instanceClass: spec.managed.instanceClass,
    storageType: "gp3",
    // STORAGE_AUTOSCALING_FACTOR of aws.ts, which imports this module.
    maxAllocatedStorage: spec.storageGiB * 4,
    multiAz: false,
    dbSubnetGroupName: refs.subnetGroupName,
    vpcSecurityGroupIds: [refs.securityGroupId],
    ...(refs.parameterGroupName ? { parameterGroupName: refs.parameterGroupName } : {}),
    port: spec.port,
    publiclyAccessible: false,
    autoMinorVersionUpgrade: true,
    iamDatabaseAuthenticationEnabled: true,
    backupRetentionPeriod: 0,
    skipFinalSnapshot: true,
    deletionProtection: spec.protect,
    copyTagsToSnapshot: true,
    caCertIdentifier: "rds-ca-rsa2048-g1",
  };
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
    const network = awsDrNetwork(name, drRegion, spec.port, "postgres", "PostgreSQL", opts);
    const subnetGroup = new aws.rds.SubnetGroup(`${name}-dr-subnets`, { region: drRegion, description: `DR subnets of PostgreSQL ${name} in ${drRegion}`, subnetIds: network.subnetIds, tags: tags("dr-subnets") }, opts);
    const parameterGroup = source.parameters
      ? new aws.rds.ParameterGroup(`${name}-dr-params`, { region: drRegion, family: source.parameters.family, description: `PostgreSQL ${name} in ${drRegion}: as the primary's`, parameters: [...source.parameters.parameters], tags: tags("dr-params") }, opts)
      : undefined;
    new aws.rds.Instance(
      `${name}-rds-dr`,
      {
        ...crossRegionReplicaArgs(spec, { sourceArn: source.instance.arn, region: drRegion, kmsKeyArn: drKey.arn, subnetGroupName: subnetGroup.name, securityGroupId: network.securityGroupId, parameterGroupName: parameterGroup?.name }),
        tags: tags("rds-dr"),
      },
      { ...opts, dependsOn: [source.instance] },
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
