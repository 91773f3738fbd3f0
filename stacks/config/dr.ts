/**
 * The disaster-recovery config: the stack's `dr` block (a region to copy to, the restore drill) and
 * the managed Postgres keys for read scaling and the Cloud SQL edition, which `schema.ts` spreads
 * into its `postgres.managed` block. Semantic checks come from the components' validation.
 *
 * @see https://www.pulumi.com/docs/iac/concepts/config/#structured-configuration
 */
import { z } from "zod";
import { CLOUD_SQL_EDITIONS } from "../../components";

/** The keys of `postgres.managed` this file adds: read replicas and the Cloud SQL edition. */
export const managedPostgresReadScaling = {
  readReplicas: z.number().optional(),
  edition: z
    .enum(CLOUD_SQL_EDITIONS, { error: (issue) => `must be one of ${CLOUD_SQL_EDITIONS.join(" | ")} (got "${String(issue.input)}")` })
    .optional(),
};

/**
 * The `dr` block, opt-in per stack: `region` is the region backups are copied to (and Cloud SQL's
 * cross-region replica runs in); `drill` creates a recovery database from the backups beside the
 * live one; `verification` checks the backups on a schedule (in-cluster); `clusterBackups` runs
 * Velero (see `stacks/backups.ts`); `bucket` (k3s) is an S3-compatible bucket at another site that
 * a PostgreSQL replica cluster archives into (the PostgresCluster's `recovery.drBucket`), reached
 * with the backup's access key pair (`postgresBackupAccessKeyId`, `postgresBackupSecretAccessKey`).
 */
export const drSchema = z.strictObject({
  region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$|^[a-z]+-[a-z]+\d+$/, "must be a cloud region such as eu-central-1 (AWS) or europe-west4 (Google Cloud)").optional(),
  bucket: z
    .strictObject({
      name: z.string().min(1, "must not be empty"),
      endpointUrl: z.string().regex(/^https?:\/\/\S+$/, "must be an http(s) URL"),
      region: z.string().optional(),
      endpointCA: z.union([z.strictObject({ certificate: z.string().min(1, "must not be empty") }), z.strictObject({ name: z.string(), key: z.string().optional() })]).optional(),
    })
    .optional(),
  drill: z
    .strictObject({
      enabled: z.boolean().optional(),
      targetTime: z.string().optional(),
    })
    .optional(),
  verification: z.strictObject({ enabled: z.boolean().optional(), schedule: z.string().optional() }).optional(),
  clusterBackups: z
    .strictObject({
      enabled: z.boolean().optional(),
      schedule: z.string().optional(),
      retentionDays: z.number().int("must be a whole number of days").min(1, "must be at least 1 day").max(365, "must be at most 365 days").optional(),
      bucket: z.strictObject({ name: z.string(), endpointUrl: z.string().regex(/^https?:\/\/\S+$/, "must be an http(s) URL"), region: z.string().optional(), prefix: z.string().optional() }).optional(),
    })
    .optional(),
});

/** The parsed `dr` block. */
export type DrConfig = z.infer<typeof drSchema>;
