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
import { CONFIG_NAMESPACE, editDistance, keyPath, PROMPTS, removeCommand, SECRET_KEYS, SECRET_RECEIVER_FIELDS, setCommand, setIt, shellWord } from "./keys";
import { issueMessages, schemaAt, valueKind } from "./messages";
import { configShape, type PlatformConfig } from "./schema";

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

/** The closest known key to a misspelled one, by edit distance. */
function nearest(key: string, known: readonly string[]): string | undefined {
  const best = known.map((k) => ({ k, d: editDistance(key, k) })).sort((a, b) => a.d - b.d)[0];
  return best && best.d <= Math.max(2, Math.floor(key.length / 3)) ? best.k : undefined;
}

/**
 * The message of a top-level key that is a property path (`postgres.storageGiB`): set without
 * `--path`, or given to the plan's `--config` without `--config-path`, it is a key of its own
 * rather than a value inside its block.
 *
 * @returns the message, or `undefined` when the key is not a path into a known block.
 */
function propertyPathKey(key: string, value: unknown, secret: boolean): string | undefined {
  const block = /^([^.[\]"]+)[.[]/.exec(key)?.[1];
  if (block === undefined || !knownKeysAt([]).includes(block)) return undefined;
  const full = `${CONFIG_NAMESPACE}:${key}`;
  const example = secret || (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") ? "" : ` ${shellWord(String(value))}`;
  return `is a property path set as a key of its own, which the program does not read: to set one value inside ${keyPath([block])}, run \`${removeCommand([key])}\`, then \`pulumi config set --path '${full}'${example}\`; with npm run plan, add --config-path to --config`;
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
      issues.push({ key: keyPath([key]), message: `must be a secret; set it again with \`${setCommand([key], "…", { secret: true })}\`${PROMPTS}` });
    }
  }
  const receivers = (raw.observability as { receivers?: unknown } | undefined)?.receivers;
  if (Array.isArray(receivers) && !secretKeys.includes("observability")) {
    receivers.forEach((receiver: Record<string, unknown> | null, i) => {
      for (const field of SECRET_RECEIVER_FIELDS) {
        if (receiver?.[field] !== undefined) {
          issues.push({ key: keyPath(["observability", "receivers", i, field]), message: `must be a secret (receiver URLs and keys are credentials); ${setIt(["observability", "receivers", i, field], "…", { secret: true })}` });
        }
      }
    });
  }
  if ((raw.observability as { heartbeat?: unknown } | undefined)?.heartbeat !== undefined && !secretKeys.includes("observability")) {
    issues.push({ key: keyPath(["observability", "heartbeat", "url"]), message: `must be a secret (heartbeat URLs carry a token); ${setIt(["observability", "heartbeat", "url"], "…", { secret: true })}` });
  }
  // reportInput: a wrong type is told apart from a missing key by the value it got.
  const result = configSchema.safeParse(raw, { reportInput: true });
  if (!result.success) {
    // A value the schema refuses (its type or range) is not reported again by its component's check.
    const refused = new Set(result.error.issues.filter((i) => i.code !== "custom").map((i) => keyPath(i.path)));
    for (const issue of result.error.issues) {
      if (issue.code === "custom" && refused.has(keyPath(issue.path))) continue;
      if (issue.code === "unrecognized_keys") {
        const known = knownKeysAt(issue.path);
        for (const key of issue.keys) {
          // `platform.target` for `platform:target`: the namespace is separated by a colon.
          const dotted = issue.path.length === 0 && key.startsWith(`${CONFIG_NAMESPACE}.`) ? key.slice(CONFIG_NAMESPACE.length + 1).split(".")[0] : undefined;
          const guess = dotted && known.includes(dotted) ? `${CONFIG_NAMESPACE}:${key.slice(CONFIG_NAMESPACE.length + 1)}` : nearest(key, known);
          const where = [...issue.path, key];
          const pathed = issue.path.length === 0 ? propertyPathKey(key, raw[key], secretKeys.includes(key)) : undefined;
          if (pathed) {
            issues.push({ key: keyPath(where), message: pathed });
            continue;
          }
          issues.push({ key: keyPath(where), message: `is not a known setting${guess ? `; did you mean \`${guess}\`?` : ` (known: ${known.join(", ")}).`} Remove it with \`${removeCommand(where)}\`` });
        }
      } else {
        for (const m of issueMessages(issue as Parameters<typeof issueMessages>[0], configShape, secretKeys)) issues.push({ key: keyPath(m.path), message: m.message });
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
 * Decodes the runtime's config values (`key` → string, without the namespace) the way the program
 * reads them: a key the schema takes as a string stays the string it was given (a kubeconfig may
 * be JSON, which kubectl accepts); any other value is JSON-decoded. A value that looks like JSON
 * (`{…` or `[…`) but does not parse is an issue, not a string.
 *
 * @returns the raw config for {@link parseConfig}, and the issues of values that do not decode.
 * @see https://www.pulumi.com/docs/iac/concepts/config/#structured-configuration
 */
export function decodeConfig(values: Readonly<Record<string, string>>): { raw: Record<string, unknown>; issues: ConfigIssue[] } {
  const raw: Record<string, unknown> = {};
  const issues: ConfigIssue[] = [];
  for (const [key, value] of Object.entries(values)) {
    const schema = schemaAt(configShape, [key]);
    if (schema && valueKind(schema) === "string") {
      raw[key] = value;
      continue;
    }
    try {
      raw[key] = JSON.parse(value);
    } catch (error) {
      if (/^\s*[[{]/.test(value)) {
        issues.push({ key: keyPath([key]), message: `is not valid JSON (${(error as Error).message}); put the whole value in single quotes so the shell passes it unchanged (--config '${keyPath([key])}=${/^\s*\[/.test(value) ? "[…]" : "{…}"}'), or set its keys one by one with \`pulumi config set --path '${keyPath([key])}${/^\s*\[/.test(value) ? "[0]" : ".<key>"}…'\`` });
      } else raw[key] = value;
    }
  }
  return { raw, issues };
}

/**
 * Whether a full key (`namespace:key`) holds a plain string: the platform's string keys (a
 * kubeconfig), and every other namespace's (provider settings). A block (an object or a list) is not.
 */
export function takesString(fullKey: string): boolean {
  const colon = fullKey.indexOf(":");
  if (fullKey.slice(0, colon) !== CONFIG_NAMESPACE) return true;
  const schema = schemaAt(configShape, [fullKey.slice(colon + 1)]);
  return !schema || valueKind(schema) === "string";
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
