/**
 * The config's shared value validators: what Kubernetes, Docker or the cloud would refuse at
 * `pulumi up`, refused at parse time instead, each with the upstream rule it enforces. The schema
 * (`schema.ts`) swaps these in for bare `z.number()` and `z.string()`.
 *
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/names/
 * @see https://github.com/distribution/reference/blob/main/regexp.go
 */
import { isIP } from "node:net";
import { parseFamiliarName } from "@swimlane/docker-reference";
import { Cron } from "croner";
import { z } from "zod";

/** The largest value of a Kubernetes `int32` field (replicas, maxReplicas, ports). */
export const INT32_MAX = 2 ** 31 - 1;

/** The most a DNS-1035 label (a Service's name) or a label value may hold. */
export const DNS_LABEL_MAX = 63;

/** The largest volume any target provides, in GiB: 64 TiB (RDS, Cloud SQL, a GCE persistent disk). */
export const MAX_VOLUME_GIB = 65536;

const whole = z.number().int("must be a whole number");

/**
 * A Kubernetes count (replicas, instances): a whole number from `min` to 2^31-1, the `int32` the API takes.
 *
 * @see https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/deployment-v1/#DeploymentSpec
 */
export const count = (min = 1) =>
  whole.min(min, `must be at least ${min}`).max(INT32_MAX, `must be at most ${INT32_MAX} (Kubernetes counts are 32-bit integers)`).meta({ examples: [Math.max(min, 2)] });

/** A TCP port: a whole number from 1 to 65535. @see https://www.rfc-editor.org/rfc/rfc6335#section-6 */
export const port = whole.min(1, "must be a TCP port from 1 to 65535").max(65535, "must be a TCP port from 1 to 65535").meta({ examples: [8080] });

/** A volume size in GiB: at least 1, at most {@link MAX_VOLUME_GIB}. */
export const sizeGiB = whole
  .min(1, "must be at least 1 GiB")
  .max(MAX_VOLUME_GIB, `must be at most ${MAX_VOLUME_GIB} GiB (64 TiB), the largest volume any target provides`)
  .meta({ examples: [20] });

/** A Kubernetes minor version, quoted in YAML (an unquoted 1.30 is the number 1.3). */
export const kubernetesVersion = z.string().regex(/^1\.\d{2}$/, 'must be a Kubernetes minor version such as "1.34"').meta({ examples: ["1.34"] });

/**
 * The problem with a container image reference, by the OCI distribution grammar (the one Docker
 * and the kubelet parse with): a lower-case repository, an optional registry host and port, a tag
 * of at most 128 word characters, `.` and `-`, and/or a digest.
 *
 * @returns the problem, or `undefined` when the reference parses.
 * @see https://github.com/distribution/reference/blob/main/reference.go
 */
export function imageReferenceProblem(image: string): string | undefined {
  try {
    parseFamiliarName(image);
    return undefined;
  } catch (error) {
    return `is not a valid image reference (${(error as Error).message}): use [registry/]repository[:tag][@digest] with a lower-case repository, such as ghcr.io/stefanprodan/podinfo:6.9.2`;
  }
}

/** An image reference; see {@link imageReferenceProblem}. */
export const imageReference = z
  .string()
  .superRefine((image, ctx) => {
    const problem = imageReferenceProblem(image);
    if (problem) ctx.addIssue({ code: "custom", message: `${problem} (got ${JSON.stringify(image)})` });
  })
  .meta({ examples: ["ghcr.io/stefanprodan/podinfo:6.9.2"] });

/**
 * The problem with a six-field cron expression (seconds first), as CloudNativePG's
 * ScheduledBackup takes it; the fields are checked by croner, not a regular expression, after
 * refusing what croner takes but CloudNativePG's parser (robfig/cron v1.2.0) does not: `L`, `W`
 * and `#`, and a day-of-week above 6.
 *
 * @see https://cloudnative-pg.io/documentation/current/backup/#scheduled-backups
 * @see https://pkg.go.dev/github.com/robfig/cron#hdr-CRON_Expression_Format
 */
export function cronProblem(schedule: string): string | undefined {
  return cronFieldsProblem(schedule, CNPG_CRON);
}

/** A cron dialect: its field count, the parser that reads it, and an example. */
interface CronDialect {
  readonly fields: number;
  readonly shape: string;
  /** How to fix a bad field, after "use". */
  readonly use: string;
  readonly example: string;
  readonly parser: string;
}

const CNPG_CRON: CronDialect = {
  fields: 6,
  shape: "a six-field cron expression with seconds first",
  use: "six fields with seconds first",
  example: 'such as "0 0 3 * * *" (03:00 every day)',
  parser: "CloudNativePG's cron parser (robfig/cron v1) refuses it, and the backup would never run",
};

const KUBERNETES_CRON: CronDialect = {
  fields: 5,
  shape: "five cron fields (minute hour day-of-month month day-of-week) or a macro (@hourly, @daily, @weekly, @monthly, @yearly)",
  use: "five fields, minute first",
  example: 'such as "30 3 * * *" (03:30 every day)',
  parser: "the Kubernetes API server's cron parser (robfig/cron v3) refuses it",
};

/** The macros Kubernetes documents for a CronJob's schedule. @see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#schedule-syntax */
const KUBERNETES_CRON_MACROS = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"];

/** The problem with a cron expression of `dialect`, checked by croner after refusing what the target's robfig/cron parser does not take. */
function cronFieldsProblem(schedule: string, dialect: CronDialect): string | undefined {
  const fields = schedule.trim().split(/\s+/);
  const { example, parser } = dialect;
  if (fields.length !== dialect.fields) return `must be ${dialect.shape}, ${example} (got ${fields.length} fields: "${schedule}")`;
  // croner takes more than robfig/cron: refuse what it would not run.
  const names = /\b(JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC|SUN|MON|TUE|WED|THU|FRI|SAT)\b/gi;
  const special = fields.find((f) => /[LW#]/i.test(f.replace(names, "")));
  if (special !== undefined) return `uses "${special}" (L, W or #, which croner takes): ${parser}; use values, ranges, lists and steps only, ${example} (got "${schedule}")`;
  const day = fields[fields.length - 1].split(",").flatMap((part) => part.split("/")[0].split("-")).find((n) => /^\d+$/.test(n) && Number(n) > 6);
  if (day !== undefined) return `has day-of-week ${day}: days of the week are 0 (Sunday) to 6 (Saturday), or SUN to SAT; ${parser} (got "${schedule}")`;
  try {
    new Cron(schedule, { paused: true });
    return undefined;
  } catch (error) {
    return `is not a valid cron expression (${(error as Error).message.replace(/^CronPattern: /, "")}); use ${dialect.use}, ${example} (got "${schedule}")`;
  }
}

/**
 * The problem with a Kubernetes CronJob's `schedule`: five fields, or one of the documented macros;
 * no `TZ=`/`CRON_TZ=` prefix (the API server refuses it: the time zone is the CronJob's `timeZone`).
 * The fields are checked by croner, after refusing what the API server's parser (robfig/cron v3)
 * does not take: `L`, `W` and `#`, and a day-of-week above 6.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#schedule-syntax
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones
 */
export function kubernetesCronProblem(schedule: string): string | undefined {
  if (/TZ/.test(schedule)) return `sets its time zone in the schedule ("${schedule}"), which Kubernetes refuses; set \`timeZone\` instead, such as "Europe/Berlin"`;
  if (schedule.trim().startsWith("@")) {
    return KUBERNETES_CRON_MACROS.includes(schedule.trim()) ? undefined : `"${schedule}" is not a macro Kubernetes documents; use one of ${KUBERNETES_CRON_MACROS.join(", ")} or five cron fields, ${KUBERNETES_CRON.example}`;
  }
  return cronFieldsProblem(schedule, KUBERNETES_CRON);
}

/** A string refused with the message `problem` returns, shown with `example` in the schema. */
const checkedString = (problem: (value: string) => string | undefined, example: string) =>
  z
    .string()
    .superRefine((value, ctx) => {
      const message = problem(value);
      if (message) ctx.addIssue({ code: "custom", message });
    })
    .meta({ examples: [example] });

/** A Kubernetes CronJob schedule; see {@link kubernetesCronProblem}. */
export const kubernetesCronSchedule = checkedString(kubernetesCronProblem, "30 3 * * *");

/** A six-field cron expression; see {@link cronProblem}. */
export const cronSchedule = checkedString(cronProblem, "0 0 3 * * *");

/** An IP address (v4 or v6), such as Docker's `publishAddress`. */
export const ipAddress = z
  .string()
  .refine((value) => isIP(value) !== 0, "must be an IP address of this host, such as 127.0.0.1 (loopback only) or 0.0.0.0 (every interface)")
  .meta({ examples: ["127.0.0.1"] });

/**
 * The problem with a bucket name, by the rules of the bucket's service: S3's (EKS, and the
 * S3-compatible stores k3s backs up to) or Cloud Storage's (GKE).
 *
 * @returns the problem, or `undefined`.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
 * @see https://cloud.google.com/storage/docs/buckets#naming
 */
export function bucketNameProblem(name: string, service: "s3" | "gcs"): string | undefined {
  const rules =
    service === "s3"
      ? "S3 bucket names are 3 to 63 lower-case letters, digits, '.' and '-', starting and ending with a letter or digit"
      : "Cloud Storage bucket names are 3 to 63 lower-case letters, digits, '_', '.' and '-', starting and ending with a letter or digit";
  const chars = service === "s3" ? /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/ : /^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/;
  if (!chars.test(name)) return `"${name}" is not a valid bucket name: ${rules}`;
  if (name.includes("..") || name.includes(".-") || name.includes("-.")) return `"${name}" is not a valid bucket name: no two adjacent periods, and no period next to a hyphen`;
  if (isIP(name) !== 0) return `"${name}" is not a valid bucket name: it must not look like an IP address`;
  if (service === "s3" && /^(xn--|sthree-|amzn-s3-demo-)|(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(name)) {
    return `"${name}" is not a valid bucket name: S3 reserves the prefixes xn--, sthree-, amzn-s3-demo- and the suffixes -s3alias, --ol-s3, .mrap, --x-s3, --table-s3`;
  }
  if (service === "gcs" && /^goog|google|g00gle/.test(name)) return `"${name}" is not a valid bucket name: Cloud Storage refuses names starting with "goog" or containing "google"`;
  return undefined;
}

/**
 * The names a service's objects get besides its own, by the longest suffix the platform adds: a
 * canary's `-canary` and `-stable` Services (Linkerd's traffic split) and Deployment.
 *
 * @param tracks - the canary tracks (`stable`, `canary`), when the service has a canary.
 * @returns the problem when a generated name would pass 63 characters, or `undefined`.
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#rfc-1035-label-names
 */
export function generatedNameProblem(name: string, tracks: readonly string[]): string | undefined {
  const longest = tracks.reduce((a, t) => Math.max(a, t.length + 1), 0);
  if (name.length + longest <= DNS_LABEL_MAX) return undefined;
  return `"${name}" is ${name.length} characters; with a canary the platform also creates ${tracks.map((t) => `"${name}-${t}"`).join(" and ")}, which must fit in ${DNS_LABEL_MAX}: shorten the name to at most ${DNS_LABEL_MAX - longest} characters`;
}
