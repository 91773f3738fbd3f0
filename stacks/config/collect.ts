/**
 * The config as the runtime hands it over (`namespace:key` → string) into what {@link parseConfig}
 * takes, shared by `pulumi up` (`stacks/load.ts`) and the offline plan so both say the same.
 *
 * @see https://www.pulumi.com/docs/iac/concepts/config/
 */
import { CONFIG_NAMESPACE, isSecretPath, keyPath, namespaceProblems, removeCommand, SECRET_KEYS, SECRET_RECEIVER_FIELDS, type KeyPath } from "./keys";
import { decodeConfig, parseConfig, type ConfigIssue } from "./parse";

/** Where a `secure:` value sits: its full key (`platform:services`) and the steps below it. */
export type SecureValue = readonly [string, ...(string | number)[]];

/** The secrets the program keeps secret, for messages. */
const KEPT_SECRET = `${SECRET_KEYS.map((k) => keyPath([k])).join(", ")}, ${SECRET_RECEIVER_FIELDS.map((f) => keyPath(["observability", "receivers", 0, f]).replace("[0]", "[]")).join(", ")} and ${keyPath(["observability", "heartbeat", "url"])}`;

/**
 * Whether the program keeps a secret at a path secret: the secret keys, a receiver's credentials,
 * the heartbeat URL, and the `observability` block as a whole (set with `--secret`, it holds them).
 */
function keptSecret(path: KeyPath): boolean {
  return isSecretPath(path) || (path.length === 1 && path[0] === "observability");
}

/**
 * The secrets the program would decrypt into plain text: a `secure:` value anywhere but where the
 * program wraps it as a Pulumi secret (a service's `env` lands in the container spec and the state).
 *
 * @param secretKeys - the top-level keys set as secrets (all the runtime knows).
 * @param secureValues - where each `secure:` value is, when known (the stack file, offline).
 */
function plaintextSecrets(secretKeys: readonly string[], secureValues?: readonly SecureValue[]): ConfigIssue[] {
  const why = `the program keeps only ${KEPT_SECRET} secret; anything else set with --secret would reach resources and the state in plain text`;
  if (secureValues) {
    return secureValues.flatMap(([full, ...steps]) => {
      const path: KeyPath = [full.slice(CONFIG_NAMESPACE.length + 1), ...steps];
      if (!full.startsWith(`${CONFIG_NAMESPACE}:`) || keptSecret(path)) return [];
      return [{ key: keyPath(path), message: `is a secret, but ${why}: keep the credential out of this value and remove it with \`${removeCommand(path)}\`` }];
    });
  }
  return secretKeys
    .filter((key) => !keptSecret([key]))
    .map((key) => ({ key: keyPath([key]), message: `holds a secret, but ${why}: remove the secure: values under it from Pulumi.<stack>.yaml (\`pulumi config rm --path\` with the key of each)` }));
}

/**
 * Collects the `platform:*` keys of the runtime config, decoded, and the problems of keys the
 * program would otherwise ignore (an unknown namespace), cannot decode (malformed JSON), or would
 * decrypt into plain text (a secret where the program keeps none).
 *
 * @param all - `namespace:key` → string, as the runtime hands them over.
 * @param project - the project name.
 * @param isSecret - whether a full key was set as a secret.
 * @param secureValues - where the `secure:` values are, when known (the offline plan reads the
 *   stack file); the runtime knows only which top-level keys are secrets.
 * @returns the raw config, the keys whose values are secrets, the issues, and warnings (keys the
 *   program does not read, which `pulumi up` passes over in silence).
 * @see https://www.pulumi.com/docs/iac/concepts/secrets/
 */
export function collectConfig(
  all: Readonly<Record<string, string>>,
  project: string,
  isSecret: (fullKey: string) => boolean,
  secureValues?: readonly SecureValue[],
): { raw: Record<string, unknown>; secretKeys: string[]; issues: ConfigIssue[]; warnings: ConfigIssue[] } {
  const values: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [fullKey, value] of Object.entries(all)) {
    const [namespace, key] = fullKey.split(":", 2);
    if (namespace !== CONFIG_NAMESPACE || key === undefined) continue;
    values[key] = value;
    if (isSecret(fullKey)) secretKeys.push(key);
  }
  const { raw, issues } = decodeConfig(values);
  const namespaces = namespaceProblems(Object.keys(all), project);
  return { raw, secretKeys, issues: [...namespaces.errors, ...plaintextSecrets(secretKeys, secureValues), ...issues], warnings: namespaces.warnings };
}

/**
 * Validates collected config: the decoding problems and the schema's, in one list.
 *
 * @returns the config, or every issue.
 */
export function validateCollected(collected: ReturnType<typeof collectConfig>, deployed?: Parameters<typeof parseConfig>[2]): ReturnType<typeof parseConfig> {
  const result = parseConfig(collected.raw, collected.secretKeys, deployed);
  if (collected.issues.length === 0) return result;
  return { ok: false, issues: [...collected.issues, ...(result.ok ? [] : result.issues)] };
}
