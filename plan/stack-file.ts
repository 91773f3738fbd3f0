/**
 * Reads a stack's `Pulumi.<stack>.yaml` the way the Pulumi CLI hands config to a program: every
 * value a string (objects JSON-encoded), keys as `namespace:key`, and a list of secret keys. Like
 * the runtime it honours YAML merge keys (`<<: *base`) and `secure:` values at any depth (a key
 * holding one is a secret key). `secure:` values cannot be decrypted offline: a nested one becomes
 * a placeholder that stays secret (an https URL where the field is a `url`); a whole block set with
 * `--secret` cannot be planned and is listed in `secretBlocks`.
 *
 * @see https://www.pulumi.com/docs/iac/concepts/projects/project-file/
 * @see https://www.pulumi.com/docs/iac/concepts/config/#structured-configuration
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { takesString } from "../stacks/config";
import { MOCK_SECRET_PREFIX } from "./mocks";

/** A stack's config as the runtime receives it. */
export interface StackConfig {
  readonly project: string;
  readonly stack: string;
  /** `namespace:key` → string value. */
  readonly config: Record<string, string>;
  /** Keys whose values are secrets. */
  readonly secretKeys: string[];
  /** Keys of whole blocks set with `--secret`: the plan leaves them out, as it cannot read them. */
  readonly secretBlocks: string[];
  /**
   * Where the `secure:` values are: one entry per value, its full key and the steps below it
   * (`["platform:services", 0, "env", "API_TOKEN"]`; a whole secret key or block has no steps).
   */
  readonly secureValues: (readonly [string, ...(string | number)[]])[];
}

/**
 * The project directory: the nearest directory at or above `from` that holds `Pulumi.yaml`.
 * The plan runs from source or from `dist/`, so it looks rather than assumes.
 *
 * @throws StackFileError when no `Pulumi.yaml` is found.
 * @see https://www.pulumi.com/docs/iac/concepts/projects/project-file/
 */
export function findProjectRoot(from: string): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
    if (path.dirname(dir) === dir) throw new StackFileError(`no Pulumi.yaml found at or above ${from}`);
  }
}

/**
 * A problem with the stack files or a `--config` override; the plan exits 2 on it.
 *
 * @see https://www.pulumi.com/docs/iac/concepts/projects/stack-settings-file/
 */
export class StackFileError extends Error {}

/**
 * The placeholder that stands in for a `secure:` value offline.
 *
 * @see https://www.pulumi.com/docs/iac/concepts/secrets/
 */
export function secretPlaceholder(key: string): string {
  return `${MOCK_SECRET_PREFIX}placeholder-for-${key}`;
}

function encode(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

const isSecure = (value: unknown): value is { secure: unknown } =>
  value !== null && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length === 1 && "secure" in value;

type Steps = (string | number)[];

/**
 * Replaces every nested `secure:` value by a placeholder.
 *
 * @returns the value, and the steps to each `secure:` value in it.
 */
function withPlaceholders(value: unknown, key: string, steps: Steps = []): { value: unknown; secure: Steps[] } {
  // A `url` placeholder is a valid https URL (the key goes in the path: its `:` cannot be in a host).
  if (isSecure(value)) return { value: steps.at(-1) === "url" ? `https://${MOCK_SECRET_PREFIX}placeholder.invalid/${encodeURIComponent(key)}` : secretPlaceholder(key), secure: [steps] };
  if (Array.isArray(value)) {
    const items = value.map((v, i) => withPlaceholders(v, `${key}[${i}]`, [...steps, i]));
    return { value: items.map((i) => i.value), secure: items.flatMap((i) => i.secure) };
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).map(([k, v]) => [k, withPlaceholders(v, `${key}.${k}`, [...steps, k])] as const);
    return { value: Object.fromEntries(entries.map(([k, v]) => [k, v.value])), secure: entries.flatMap(([, v]) => v.secure) };
  }
  return { value, secure: [] };
}

/**
 * Splits a property path as `pulumi config set --path` takes it: `ns:block.key[0]["a.b"]` into the
 * top-level key and the steps below it.
 *
 * @throws StackFileError on a malformed path.
 * @see https://www.pulumi.com/docs/iac/concepts/config/#structured-configuration
 */
export function parsePath(key: string): [string, ...(string | number)[]] {
  const colon = key.indexOf(":");
  const match = /^[^.[\]"]+/.exec(key.slice(colon + 1));
  if (!match) throw new StackFileError(`--config-path: "${key}" does not start with a key name`);
  const steps: (string | number)[] = [];
  const step = /\.([^.[\]"]+)|\[(\d+)\]|\["([^"]*)"\]/y;
  let at = colon + 1 + match[0].length;
  while (at < key.length) {
    step.lastIndex = at;
    const m = step.exec(key);
    if (!m) throw new StackFileError(`--config-path: "${key}" is not a property path (at "${key.slice(at)}"); write it as block.key, list[0] or map["a.b"]`);
    steps.push(m[2] !== undefined ? Number(m[2]) : (m[1] ?? m[3]));
    at = step.lastIndex;
  }
  return [key.slice(0, colon + 1 + match[0].length), ...steps];
}

/** A stored value: JSON for a block, the string itself otherwise. */
function decoded(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/**
 * A value as `--path` reads it: `true`/`false` as booleans, integers as numbers when they read back
 * the same (`0123` stays the string it is, as Pulumi keeps it), anything else a string.
 *
 * @see https://www.pulumi.com/docs/iac/cli/commands/pulumi_config_set/
 */
export function pathValue(value: string): unknown {
  if (value === "true" || value === "false") return value === "true";
  return /^-?\d+$/.test(value) && Number.isSafeInteger(Number(value)) && String(Number(value)) === value ? Number(value) : value;
}

/** Sets `value` at `steps` inside `into`, creating maps and lists on the way, keeping everything else. */
function setAtPath(into: unknown, steps: readonly (string | number)[], value: unknown, override: string): unknown {
  if (steps.length === 0) return value;
  const [first, ...rest] = steps;
  if (typeof first === "number") {
    const list = into === undefined ? [] : into;
    if (!Array.isArray(list)) throw new StackFileError(`--config-path ${override}: the value at this point is not a list`);
    const copy = [...list];
    copy[first] = setAtPath(copy[first], rest, value, override);
    // The gap a set past the end leaves reads back as null, as it does from the stored JSON.
    for (let i = list.length; i < first; i++) copy[i] = null;
    return copy;
  }
  const map = into === undefined ? {} : into;
  if (map === null || typeof map !== "object" || Array.isArray(map)) throw new StackFileError(`--config-path ${override}: the value at this point is not a map`);
  return { ...map, [first]: setAtPath((map as Record<string, unknown>)[first], rest, value, override) };
}

/**
 * Reads `Pulumi.yaml` and `Pulumi.<stack>.yaml` from `dir` and applies `--config` overrides.
 *
 * @param dir - the project directory.
 * @param stack - the stack name.
 * @param overrides - `key=value` strings; a key without a namespace gets the project's.
 * @param options - `paths`: the keys are property paths (`platform:postgres.mode=in-cluster`) that
 *   set one value inside a block and keep the rest, as `pulumi up --config-path` does.
 * @throws StackFileError when a file is missing or unreadable, or an override is malformed.
 * @see https://www.pulumi.com/docs/iac/concepts/config/
 */
export function readStackConfig(dir: string, stack: string, overrides: readonly string[] = [], options: { readonly paths?: boolean } = {}): StackConfig {
  const read = (file: string) => {
    const full = path.join(dir, file);
    if (!fs.existsSync(full)) throw new StackFileError(`${file} not found in ${dir}`);
    try {
      // Merge keys (`<<: *base`) as the Pulumi CLI's YAML reader takes them.
      return parse(fs.readFileSync(full, "utf8"), { merge: true }) ?? {};
    } catch (error) {
      throw new StackFileError(`${file} is not valid YAML: ${(error as Error).message}`);
    }
  };
  if (!/^[A-Za-z0-9_.-]+$/.test(stack)) throw new StackFileError(`stack name "${stack}" may contain only letters, digits, "_", "." and "-"`);
  const project = String(read("Pulumi.yaml").name ?? "");
  if (!project) throw new StackFileError("Pulumi.yaml has no project name");
  if (!fs.existsSync(path.join(dir, `Pulumi.${stack}.yaml`))) {
    const stacks = fs.readdirSync(dir).flatMap((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1] ?? []).sort();
    throw new StackFileError(`--stack ${stack}: there is no Pulumi.${stack}.yaml in ${dir}; the stacks are ${stacks.join(", ") || "(none)"}`);
  }
  const stackFile = read(`Pulumi.${stack}.yaml`);
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  const secretBlocks: string[] = [];
  const secureValues: [string, ...Steps][] = [];
  if (stackFile.config !== undefined && stackFile.config !== null && (typeof stackFile.config !== "object" || Array.isArray(stackFile.config))) {
    throw new StackFileError(`Pulumi.${stack}.yaml: \`config:\` must be a mapping of keys to values`);
  }
  for (const [key, value] of Object.entries<unknown>(stackFile.config ?? {})) {
    const fullKey = key.includes(":") ? key : `${project}:${key}`;
    if (isSecure(value) && !takesString(fullKey)) {
      secretBlocks.push(fullKey);
      secretKeys.push(fullKey);
      secureValues.push([fullKey]);
      continue;
    }
    const decoded = withPlaceholders(value, fullKey);
    config[fullKey] = encode(decoded.value);
    if (decoded.secure.length > 0) secretKeys.push(fullKey);
    secureValues.push(...decoded.secure.map((steps): [string, ...Steps] => [fullKey, ...steps]));
  }
  // The blocks a --config-path override changed, decoded: each is encoded once after the last
  // override rather than re-parsed and re-encoded for every one (quadratic for a long list).
  const changed = new Map<string, unknown>();
  for (const override of overrides) {
    const eq = override.indexOf("=");
    if (eq <= 0) throw new StackFileError(`--config "${override}" must be key=value, such as ${project}:target=gke`);
    const key = override.slice(0, eq);
    const qualified = key.includes(":") ? key : `${project}:${key}`;
    const [fullKey, ...rest] = options.paths ? parsePath(qualified) : [qualified];
    if (rest.length > 0 && secretBlocks.includes(fullKey)) {
      throw new StackFileError(`--config-path ${override}: ${fullKey} is a whole block set with --secret, which the offline plan cannot decrypt to change one value in it; give the whole block with --config (without --config-path)`);
    }
    if (rest.length === 0) {
      config[fullKey] = override.slice(eq + 1);
      changed.delete(fullKey);
    } else {
      const current = changed.has(fullKey) ? changed.get(fullKey) : config[fullKey] === undefined ? undefined : decoded(config[fullKey]);
      changed.set(fullKey, setAtPath(current, rest, pathValue(override.slice(eq + 1)), override));
      // Holds the key's place in the config's order until it is encoded below.
      config[fullKey] ??= "";
    }
    // A --config value is plain text, as `pulumi config set` without --secret stores it: the
    // secure values it replaces go; the key stays a secret while it holds any other.
    const replaced = (value: readonly [string, ...Steps]) => value[0] === fullKey && rest.every((step, i) => value[i + 1] === step);
    for (let i = secureValues.length - 1; i >= 0; i--) if (replaced(secureValues[i])) secureValues.splice(i, 1);
    if (secretBlocks.includes(fullKey)) secretBlocks.splice(secretBlocks.indexOf(fullKey), 1);
    if (secretKeys.includes(fullKey) && !secureValues.some((v) => v[0] === fullKey)) secretKeys.splice(secretKeys.indexOf(fullKey), 1);
  }
  for (const [key, value] of changed) config[key] = encode(value);
  return { project, stack, config, secretKeys, secretBlocks, secureValues };
}
