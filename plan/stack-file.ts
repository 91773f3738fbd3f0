/**
 * Reads a stack's `Pulumi.<stack>.yaml` the way the Pulumi CLI hands config to a program: every
 * value a string (objects JSON-encoded), keys as `namespace:key`, and a list of secret keys.
 * `secure:` values cannot be decrypted offline; they become placeholders that stay secret, at the top
 * level or nested in structured config (which makes the whole key a secret, as Pulumi does).
 *
 * @see https://www.pulumi.com/docs/iac/concepts/projects/project-file/
 * @see https://www.pulumi.com/docs/iac/concepts/config/#structured-configuration
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { MOCK_SECRET_PREFIX } from "./mocks";

/** A stack's config as the runtime receives it. */
export interface StackConfig {
  readonly project: string;
  readonly stack: string;
  /** `namespace:key` → string value. */
  readonly config: Record<string, string>;
  /** Keys whose values are secrets. */
  readonly secretKeys: string[];
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

/**
 * The placeholder of a `secure:` value nested in structured config (`pulumi config set --secret
 * --path`): shaped like an https URL, so that fields which must be one (a receiver's URL) validate
 * offline too, and marked with the mock prefix like every other placeholder.
 *
 * @see https://www.pulumi.com/docs/iac/concepts/config/#structured-configuration
 */
export function nestedSecretPlaceholder(key: string, path: readonly (string | number)[]): string {
  return `https://${MOCK_SECRET_PREFIX}placeholder.invalid/${key}/${path.join("/")}`;
}

/** `value` with every nested `{ secure: … }` replaced by its placeholder, and whether there was one. */
function withNestedSecrets(key: string, value: unknown, path: (string | number)[] = []): { value: unknown; secret: boolean } {
  if (value === null || typeof value !== "object") return { value, secret: false };
  if (path.length > 0 && "secure" in (value as object) && Object.keys(value as object).length === 1) return { value: nestedSecretPlaceholder(key, path), secret: true };
  let secret = false;
  const walk = (v: unknown, at: string | number) => {
    const inner = withNestedSecrets(key, v, [...path, at]);
    secret ||= inner.secret;
    return inner.value;
  };
  const out = Array.isArray(value) ? value.map((v, i) => walk(v, i)) : Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, walk(v, k)]));
  return { value: out, secret };
}

function encode(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * Reads `Pulumi.yaml` and `Pulumi.<stack>.yaml` from `dir` and applies `--config` overrides.
 *
 * @param dir - the project directory.
 * @param stack - the stack name.
 * @param overrides - `key=value` strings; a key without a namespace gets the project's.
 * @throws StackFileError when a file is missing or unreadable, or an override is malformed.
 * @see https://www.pulumi.com/docs/iac/concepts/config/
 */
export function readStackConfig(dir: string, stack: string, overrides: readonly string[] = []): StackConfig {
  const read = (file: string) => {
    const full = path.join(dir, file);
    if (!fs.existsSync(full)) throw new StackFileError(`${file} not found in ${dir}`);
    try {
      return parse(fs.readFileSync(full, "utf8")) ?? {};
    } catch (error) {
      throw new StackFileError(`${file} is not valid YAML: ${(error as Error).message}`);
    }
  };
  if (!/^[A-Za-z0-9_.-]+$/.test(stack)) throw new StackFileError(`stack name "${stack}" may contain only letters, digits, "_", "." and "-"`);
  const project = String(read("Pulumi.yaml").name ?? "");
  if (!project) throw new StackFileError("Pulumi.yaml has no project name");
  const stackFile = read(`Pulumi.${stack}.yaml`);
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries<unknown>(stackFile.config ?? {})) {
    const fullKey = key.includes(":") ? key : `${project}:${key}`;
    if (value !== null && typeof value === "object" && "secure" in (value as object)) {
      config[fullKey] = secretPlaceholder(fullKey);
      secretKeys.push(fullKey);
    } else {
      // Pulumi treats a structured value with a secret inside as a secret key.
      const nested = withNestedSecrets(fullKey, value);
      config[fullKey] = encode(nested.value);
      if (nested.secret) secretKeys.push(fullKey);
    }
  }
  for (const override of overrides) {
    const eq = override.indexOf("=");
    if (eq <= 0) throw new StackFileError(`--config "${override}" must be key=value, such as ${project}:target=gke`);
    const key = override.slice(0, eq);
    config[key.includes(":") ? key : `${project}:${key}`] = override.slice(eq + 1);
  }
  return { project, stack, config, secretKeys };
}
