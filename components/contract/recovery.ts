/**
 * How the platform marks a restore drill's database, so the policy pack tells it from a primary:
 * the tag on an RDS instance, the user label on a Cloud SQL instance, the label on a CloudNativePG
 * Cluster. A drill's database keeps no backups and has no standby; it exists to be checked and
 * removed.
 */
export const RESTORE_DRILL_MARKS = { tag: "platform/restore-drill", userLabel: "restore-drill", label: "platform.acme.io/restore-drill" } as const;
