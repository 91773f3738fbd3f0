/**
 * The `observability` block of the stack config, in its own file so its growth does not crowd
 * `schema.ts`.
 *
 * @see https://zod.dev/api
 */
import { z } from "zod";
import { ALERT_SEVERITIES, RECEIVER_KINDS } from "../../components";
import { enumOf, inProse } from "./enums";

const threshold = z.strictObject({ warning: z.number().optional(), critical: z.number().optional() }).optional();

/**
 * The `observability` block: the ObservabilityStack's arguments. Receiver URLs, routing and API
 * keys, SMTP passwords and the heartbeat URL are secrets ({@link OBSERVABILITY_SECRET_FIELDS}), set
 * with `pulumi config set --secret --path`, which makes the block a secret key. Semantic checks come
 * from `validateObservability`.
 */
export const observabilitySchema = z.strictObject({
  enabled: z.boolean().optional(),
  docker: z.strictObject({ prometheusHostPort: z.number().optional(), grafanaHostPort: z.number().optional() }).optional(),
  retentionDays: z.number().optional(),
  storageGiB: z.number().optional(),
  logRetentionDays: z.number().optional(),
  logStorageGiB: z.number().optional(),
  receivers: z
    .array(
      z.strictObject({
        name: z.string(),
        kind: enumOf(RECEIVER_KINDS, inProse),
        routingKey: z.string().optional(),
        apiKey: z.string().optional(),
        apiUrl: z.string().optional(),
        url: z.string().optional(),
        channel: z.string().optional(),
        to: z.string().optional(),
        from: z.string().optional(),
        smarthost: z.string().optional(),
        smtpUsername: z.string().optional(),
        smtpPassword: z.string().optional(),
        severities: z.array(enumOf(ALERT_SEVERITIES)).optional(),
      }),
    )
    .optional(),
  heartbeat: z.strictObject({ url: z.string() }).optional(),
  thresholds: z
    .strictObject({
      httpErrorRatePercent: threshold,
      latencyP99Seconds: threshold,
      databaseConnectionsPercent: threshold,
      cpuPercent: threshold,
      memoryPercent: threshold,
      replicationLagSeconds: threshold,
      backupAgeHours: threshold,
      certificateExpiryDays: threshold,
      storagePercent: threshold,
      queueMessages: threshold,
      unackedMessages: threshold,
    })
    .optional(),
});

/**
 * A service's `slo` block: its objectives in percent, or `false` for none. Checked by the
 * ObservabilityStack's `validateSlo`.
 */
export const sloSchema = z.union([
  z.literal(false),
  z.strictObject({
    availability: z.number().optional(),
    latency: z.strictObject({ thresholdSeconds: z.number().optional(), objective: z.number().optional() }).optional(),
  }),
]);

/** The fields of a receiver that hold secrets: the block must be a secret key when one is set. */
export const RECEIVER_SECRET_FIELDS = ["url", "routingKey", "apiKey", "smtpPassword"] as const;
