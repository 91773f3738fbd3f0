/**
 * The `observability` block of the stack config, in its own file so its growth does not crowd
 * `schema.ts`.
 *
 * @see https://zod.dev/api
 */
import { z } from "zod";
import { ALERT_SEVERITIES, RECEIVER_KINDS } from "../../components";
import { enumOf, inProse } from "./enums";
import { port, sizeGiB } from "./validators";

const threshold = z.strictObject({ warning: z.number().optional(), critical: z.number().optional() }).optional();

/**
 * The `observability` block: the ObservabilityStack's arguments. Receiver URLs, routing and API
 * keys, SMTP passwords and the heartbeat URL are secrets (`SECRET_RECEIVER_FIELDS` in keys.ts, and `heartbeat.url`), set
 * with `pulumi config set --secret --path`, which makes the block a secret key. Semantic checks come
 * from `validateObservability`.
 */
export const observabilitySchema = z.strictObject({
  enabled: z.boolean().optional(),
  docker: z.strictObject({ prometheusHostPort: port.optional(), grafanaHostPort: port.optional() }).optional(),
  retentionDays: z.number().optional(),
  storageGiB: sizeGiB.optional(),
  logRetentionDays: z.number().optional(),
  logStorageGiB: sizeGiB.optional(),
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

