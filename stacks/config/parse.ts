/**
 * Parsing stack config: the raw values (from the Pulumi runtime, a stack file or `--config`)
 * through the schema and the cross-key checks, into either the config or every problem, each
 * named by its full key with a hint. Never throws.
 *
 * @see https://www.pulumi.com/docs/iac/concepts/config/
 * @see https://zod.dev/api
 */
import { z } from "zod";
import { postgresDefaults, storageShrinkProblem } from "../../components";
import { configSchema } from "./checks";
import { CONFIG_NAMESPACE, SECRET_KEYS, setHint, type PlatformConfig } from "./schema";
import { RECEIVER_SECRET_FIELDS } from "./observability";

/** What the stack knows about what is already deployed, for checks such as "storage never shrinks". */
export interface DeployedState {
  /** The PostgresCluster's current storage, in GiB. */
  readonly postgresStorageGiB?: number;
}

/** One problem with the stack config. */
export interface ConfigIssue {
  /** The full key path, such as `platform:services[0].replicas`. */
  readonly key: string;
  readonly message: string;
}

/** The result of {@link parseConfig}. */
export type ConfigResult = { readonly ok: true; readonly config: PlatformConfig } | { readonly ok: false; readonly issues: ConfigIssue[] };

function keyPath(path: readonly PropertyKey[]): string {
  let key = CONFIG_NAMESPACE;
  path.forEach((part, i) => {
    if (typeof part === "number") key += `[${part}]`;
    else key += i === 0 ? `:${String(part)}` : `.${String(part)}`;
  });
  return key;
}

/** The closest known key to a misspelled one, by edit distance. */
function nearest(key: string, known: readonly string[]): string | undefined {
  const distance = (a: string, b: string) => {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
      let previous = row[0];
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const current = row[j];
        row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
        previous = current;
      }
    }
    return row[b.length];
  };
  const best = known.map((k) => ({ k, d: distance(key, k) })).sort((a, b) => a.d - b.d)[0];
  return best && best.d <= Math.max(2, Math.floor(key.length / 3)) ? best.k : undefined;
}

/** The keys the schema knows at a path, for "did you mean" hints. */
function knownKeysAt(path: readonly PropertyKey[]): string[] {
  const unwrap = (schema: z.ZodType): z.ZodType => (schema instanceof z.ZodOptional ? unwrap(schema.unwrap() as z.ZodType) : schema);
  let schema: z.ZodType = configSchema;
  for (const part of path) {
    schema = unwrap(schema);
    if (schema instanceof z.ZodArray && typeof part === "number") schema = schema.element as z.ZodType;
    else if (schema instanceof z.ZodObject && typeof part === "string" && part in schema.shape) schema = schema.shape[part] as z.ZodType;
    else return [];
  }
  schema = unwrap(schema);
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

/**
 * Validates raw stack config (keys without the namespace, values already decoded from the CLI's
 * strings).
 *
 * @param raw - the config object, e.g. `{ target: "docker", services: [...] }`.
 * @param secretKeys - the keys whose values were set as secrets.
 * @param deployed - what is known of the deployed stack (from `pulumi stack export`), if anything.
 * @returns the config, or every issue with its key path and a hint. Never throws.
 * @see https://www.pulumi.com/docs/iac/concepts/config/
 */
export function parseConfig(raw: Record<string, unknown>, secretKeys: readonly string[] = [], deployed: DeployedState = {}): ConfigResult {
  const issues: ConfigIssue[] = [];
  for (const key of SECRET_KEYS) {
    if (raw[key] !== undefined && !secretKeys.includes(key)) {
      issues.push({ key: keyPath([key]), message: `must be a secret; set it again with \`pulumi config set --secret ${CONFIG_NAMESPACE}:${key} …\`` });
    }
  }
  const receivers = (raw.observability as { receivers?: unknown } | undefined)?.receivers;
  if (Array.isArray(receivers) && !secretKeys.includes("observability")) {
    receivers.forEach((receiver: Record<string, unknown> | null, i) => {
      for (const field of RECEIVER_SECRET_FIELDS) {
        if (receiver?.[field] !== undefined) {
          issues.push({ key: keyPath(["observability", "receivers", i, field]), message: `must be a secret (receiver URLs and keys are credentials); set it with \`pulumi config set --secret --path '${CONFIG_NAMESPACE}:observability.receivers[${i}].${field}' …\`` });
        }
      }
    });
  }
  if ((raw.observability as { heartbeat?: unknown } | undefined)?.heartbeat !== undefined && !secretKeys.includes("observability")) {
    issues.push({ key: keyPath(["observability", "heartbeat", "url"]), message: `must be a secret (heartbeat URLs carry a token); set it with \`pulumi config set --secret --path '${CONFIG_NAMESPACE}:observability.heartbeat.url' …\`` });
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      if (issue.code === "unrecognized_keys") {
        const known = knownKeysAt(issue.path);
        for (const key of issue.keys) {
          const guess = nearest(key, known);
          issues.push({ key: keyPath([...issue.path, key]), message: `is not a known setting${guess ? `; did you mean \`${guess}\`?` : ` (known: ${known.join(", ")})`}` });
        }
      } else if (issue.code === "invalid_type" && issue.input === undefined) {
        const key = issue.path.map(String).join(".");
        issues.push({ key: keyPath(issue.path), message: `is required; ${setHint(key, "<value>")}` });
      } else {
        issues.push({ key: keyPath(issue.path), message: issue.message });
      }
    }
  }
  const storage = (raw.postgres as { storageGiB?: unknown } | undefined)?.storageGiB ?? postgresDefaults.storageGiB;
  const shrink = typeof storage === "number" ? storageShrinkProblem(storage, deployed.postgresStorageGiB) : undefined;
  if (shrink) issues.push({ key: keyPath(["postgres", "storageGiB"]), message: shrink });
  if (issues.length > 0 || !result.success) return { ok: false, issues };
  return { ok: true, config: result.data };
}

/**
 * Decodes the CLI's string values: Pulumi passes every config value as a string, with objects and
 * arrays JSON-encoded. Plain strings stay strings.
 *
 * @see https://www.pulumi.com/docs/iac/concepts/config/#structured-configuration
 */
export function decodeConfigValue(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/**
 * Formats config issues for a person: one line per issue.
 *
 * @see https://www.pulumi.com/docs/iac/concepts/config/
 */
export function formatConfigIssues(issues: readonly ConfigIssue[]): string {
  const plural = issues.length === 1 ? "problem" : "problems";
  return [`Stack config has ${issues.length} ${plural}:`, ...issues.map((i) => `  - ${i.key}: ${i.message}`)].join("\n");
}
