/**
 * The one place a zod issue becomes a message a person can act on: what the key must be, what it
 * got (never a secret's value, never `"undefined"`), and a `pulumi config set` or `pulumi config rm`
 * command that works when pasted.
 *
 * @see https://zod.dev/error-customization
 * @see https://www.pulumi.com/docs/iac/cli/commands/pulumi_config_set/
 */
import { z } from "zod";
import { isSecretPath, keyPath, removeCommand, setIt, type ConfigValueType, type KeyPath } from "./keys";

/** The zod issue fields the messages read (zod's own type is a union of every issue kind). */
interface Issue {
  readonly code: string;
  readonly path: PropertyKey[];
  readonly message: string;
  readonly input?: unknown;
  readonly expected?: string;
  readonly values?: readonly unknown[];
  readonly minimum?: number | bigint;
  readonly maximum?: number | bigint;
  readonly inclusive?: boolean;
  readonly origin?: string;
  readonly errors?: readonly (readonly Issue[])[];
}

/** One message at a full key path. */
export interface KeyedMessage {
  readonly path: KeyPath;
  readonly message: string;
}

/** zod's default messages; a message of the schema's own (`"must be a DNS-1035 label"`) is kept. */
const DEFAULT_MESSAGE = /^(Invalid|Too (small|big)|Unrecognized|Expected)/;

/** The schema below wrappers (optional, nullable, default, refinements and pipes). */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (let i = 0; i < 10; i++) {
    if (current instanceof z.ZodOptional || current instanceof z.ZodNullable || current instanceof z.ZodDefault) current = current.unwrap() as z.ZodType;
    else if (current instanceof z.ZodPipe) current = current.in as z.ZodType;
    else break;
  }
  return current;
}

/**
 * The schema at a key path, or `undefined` where the path leaves the schema (an unknown key, a union).
 *
 * @param root - the config's object schema.
 */
export function schemaAt(root: z.ZodType, path: KeyPath): z.ZodType | undefined {
  let schema: z.ZodType | undefined = root;
  for (const part of path) {
    const inner: z.ZodType = unwrap(schema);
    if (inner instanceof z.ZodArray && typeof part === "number") schema = inner.element as z.ZodType;
    else if (inner instanceof z.ZodObject && typeof part === "string" && part in inner.shape) schema = inner.shape[part] as z.ZodType;
    else if (inner instanceof z.ZodRecord && typeof part === "string") schema = inner.valueType as z.ZodType;
    else return undefined;
  }
  return schema;
}

/** The first of a schema's `meta({ examples })`, looked up through its wrappers. */
function exampleOf(schema: z.ZodType | undefined): unknown {
  for (let current = schema; current; ) {
    const examples = (z.globalRegistry.get(current) as { examples?: unknown[] } | undefined)?.examples;
    if (examples?.length) return examples[0];
    const next = unwrap(current);
    if (next === current) return undefined;
    current = next;
  }
  return undefined;
}

/** A value described for a message: `the string "yes"`, `the number 1.3`, `a list`, `null`. */
export function describeInput(input: unknown, secret: boolean): string {
  if (input === null) return "null";
  if (Array.isArray(input)) return input.length === 0 ? "an empty list" : "a list";
  if (typeof input === "object") return "an object";
  if (secret) return `a ${typeof input === "string" ? "string" : typeof input} (not shown: the key is a secret)`;
  if (typeof input === "string") return input === "" ? "an empty string" : `the string ${JSON.stringify(input.length > 60 ? `${input.slice(0, 57)}...` : input)}`;
  if (typeof input === "number") return `the number ${input}`;
  return String(input);
}

const NOUNS: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  array: "a list",
  object: "an object (a YAML mapping)",
  record: "a mapping of names to values",
};

/** What a key expects, in words, from the schema at its path or the issue. */
function expectedNoun(issue: Issue, schema: z.ZodType | undefined): string {
  const inner = schema && unwrap(schema);
  if (inner instanceof z.ZodRecord) return NOUNS.record;
  if (inner instanceof z.ZodEnum) return `one of ${(inner.options as string[]).join(" | ")}`;
  return NOUNS[issue.expected ?? ""] ?? `of type ${issue.expected}`;
}

/** The `--type` a scalar schema takes. */
function valueType(schema: z.ZodType | undefined): ConfigValueType | undefined {
  const inner = schema && unwrap(schema);
  if (inner instanceof z.ZodString || inner instanceof z.ZodEnum) return "string";
  if (inner instanceof z.ZodBoolean) return "bool";
  if (inner instanceof z.ZodNumber) return inner.format === "safeint" || inner.format === "int32" ? "int" : "float";
  return undefined;
}

/**
 * An example value that fits the schema at a path, preferring what the user meant: `"1.3"` for a
 * string that YAML read as a number, `3` for a number given as the string `"3"`.
 */
function exampleFor(schema: z.ZodType | undefined, input: unknown): string | undefined {
  const inner = schema && unwrap(schema);
  const declared = exampleOf(schema);
  if (inner instanceof z.ZodBoolean) return typeof input === "string" && /^(no|off|false)$/i.test(input) ? "false" : "true";
  if (inner instanceof z.ZodNumber) {
    if (typeof input === "string" && input.trim() !== "" && Number.isFinite(Number(input))) return String(Number(input));
    if (declared !== undefined) return String(declared);
    const min = inner.minValue;
    return String(min !== null && Number.isFinite(min) ? Math.max(min, 1) : 1);
  }
  if (inner instanceof z.ZodEnum) return String((inner.options as string[])[0]);
  if (inner instanceof z.ZodString) {
    if (declared !== undefined) return String(declared);
    if (typeof input === "number" || typeof input === "boolean") return String(input);
  }
  return undefined;
}

/**
 * The hint of a key whose value has the wrong type or is missing.
 *
 * @param secret - the key itself must be a secret: `--secret`, and no value (the CLI prompts).
 * @param hidden - the key is under a secret: its value is never echoed, though an example is given.
 */
function typeHint(path: KeyPath, schema: z.ZodType | undefined, input: unknown, secret: boolean, hidden: boolean): string {
  const inner = schema && unwrap(schema);
  const example = secret ? undefined : exampleFor(schema, hidden ? undefined : input);
  if (example !== undefined) {
    const decimal = typeof input === "number" && !Number.isInteger(input) ? `; YAML reads an unquoted 1.30 as the number 1.3` : "";
    const yaml = (typeof input === "number" || typeof input === "boolean") && inner instanceof z.ZodString ? ` (in Pulumi.<stack>.yaml, quote the value${decimal})` : "";
    const type = valueType(schema) === "float" && /^-?\d+$/.test(example) ? undefined : valueType(schema);
    return `${setIt(path, example, { secret, type })}${yaml}`;
  }
  if (inner instanceof z.ZodArray && typeof input === "string" && unwrap(inner.element as z.ZodType) instanceof z.ZodString) {
    return `a list is set one entry at a time: \`${removeCommand(path)}\`, then ${setIt([...path, 0], hidden ? "…" : input, { secret, type: "string" })}`;
  }
  if (inner instanceof z.ZodArray || inner instanceof z.ZodObject || inner instanceof z.ZodRecord) {
    const first = inner instanceof z.ZodArray ? `${keyPath([...path, 0])}…` : `${keyPath(path)}.<key>`;
    return `${input === undefined ? "set" : `remove it with \`${removeCommand(path)}\`, then set`} its entries one by one with \`pulumi config set --path '${first}' …\` (or write it as YAML in Pulumi.<stack>.yaml)`;
  }
  return setIt(path, "…", { secret });
}

/**
 * Turns one zod issue into messages at full key paths (a union yields the issues of the branch that
 * came closest).
 *
 * @param root - the schema the issue came from, to find what a key expects.
 * @param secretKeys - top-level keys held as secrets: their values are never echoed.
 */
export function issueMessages(issue: Issue, root: z.ZodType, secretKeys: readonly string[], prefix: KeyPath = []): KeyedMessage[] {
  const path: KeyPath = [...prefix, ...issue.path];
  const schema = schemaAt(root, path);
  // `--secret` and the example are decided per leaf; nothing under a secret key or block is echoed.
  const secret = isSecretPath(path);
  const hidden = isSecretPath(path, secretKeys);
  const got = () => describeInput(issue.input, hidden);
  const custom = !DEFAULT_MESSAGE.test(issue.message);
  switch (issue.code) {
    case "invalid_union": {
      // A discriminated union (such as `autoscaling.triggers[]`) names the discriminator's values.
      const { discriminator, options } = issue as { discriminator?: string; options?: unknown[] };
      if (discriminator && Array.isArray(options) && options.length > 0) {
        const input = issue.input && typeof issue.input === "object" ? (issue.input as Record<string, unknown>)[discriminator] : undefined;
        const shown = hidden ? "" : ` (got ${input === undefined ? "nothing" : JSON.stringify(input)})`;
        return [{ path, message: `must be one of ${options.map((o) => JSON.stringify(o)).join(", ")}${shown}; ${setIt(path, String(options[0]), { type: "string" })}` }];
      }
      // The branch whose problems lie deepest is the one the value was meant to be.
      const branches = (issue.errors ?? []).filter((b) => b.length > 0 && b.every((i) => i.path.length > 0));
      if (branches.length === 1) return branches[0].flatMap((i) => issueMessages(i, root, secretKeys, path));
      return [{ path, message: `${issue.input === undefined ? "is required" : `has the wrong form (got ${got()})`}; see README.md#configuration for its shape` }];
    }
    case "invalid_type":
    case "invalid_value":
      if (issue.input === undefined) return [{ path, message: `is required; ${typeHint(path, schema, undefined, secret, hidden)}` }];
      if (issue.code === "invalid_value" && custom) return [{ path, message: issue.message }];
      if (issue.code === "invalid_value") return [{ path, message: `must be ${(issue.values ?? []).map((v) => JSON.stringify(v)).join(" or ")} (got ${got()})` }];
      if (custom) return [{ path, message: `${issue.message} (got ${got()})` }];
      if (issue.input === null) return [{ path, message: `must be ${expectedNoun(issue, schema)} (got null: an empty value in YAML); remove it with \`${removeCommand(path)}\` for the default, or give it a value` }];
      return [{ path, message: `must be ${expectedNoun(issue, schema)} (got ${got()}); ${typeHint(path, schema, issue.input, secret, hidden)}` }];
    case "too_small":
    case "too_big": {
      if (custom) return [{ path, message: `${issue.message}${hidden || issue.origin !== "number" ? "" : ` (got ${got()})`}` }];
      const bound = issue.code === "too_small" ? issue.minimum : issue.maximum;
      const word = issue.code === "too_small" ? (issue.inclusive ? "at least" : "more than") : issue.inclusive ? "at most" : "less than";
      const unit = issue.origin === "array" ? " entries" : issue.origin === "string" ? " characters" : "";
      return [{ path, message: `must be ${word} ${bound}${unit}${issue.origin === "number" ? ` (got ${got()}); ${setIt(path, String(bound), { type: valueType(schema) })}` : ""}` }];
    }
    default:
      // A cross-key check's message names what it needs; its input is the whole config.
      if (issue.code === "custom") return [{ path, message: issue.message }];
      if (custom) return [{ path, message: issue.input === undefined || hidden || /\(got /.test(issue.message) ? issue.message : `${issue.message} (got ${got()})` }];
      return [{ path, message: `is not valid (got ${got()})` }];
  }
}

/** Whether a schema takes a scalar string (a string or an enum of strings), for decoding the CLI's values. */
export function valueKind(schema: z.ZodType): "string" | "other" {
  const inner = unwrap(schema);
  return inner instanceof z.ZodString || inner instanceof z.ZodEnum ? "string" : "other";
}
