/**
 * The config as the runtime hands it over (`namespace:key` → string) into what {@link parseConfig}
 * takes, shared by `pulumi up` (`stacks/load.ts`) and the offline plan so both say the same.
 *
 * @see https://www.pulumi.com/docs/iac/concepts/config/
 */
import { CONFIG_NAMESPACE, namespaceProblems } from "./keys";
import { decodeConfig, parseConfig, type ConfigIssue } from "./parse";

/**
 * Collects the `platform:*` keys of the runtime config, decoded, and the problems of keys the
 * program would otherwise ignore (an unknown namespace) or cannot decode (malformed JSON).
 *
 * @param all - `namespace:key` → string, as the runtime hands them over.
 * @param project - the project name.
 * @param isSecret - whether a full key was set as a secret.
 * @returns the raw config, the keys whose values are secrets, and the issues.
 * @see https://www.pulumi.com/docs/iac/concepts/secrets/
 */
export function collectConfig(all: Readonly<Record<string, string>>, project: string, isSecret: (fullKey: string) => boolean): { raw: Record<string, unknown>; secretKeys: string[]; issues: ConfigIssue[] } {
  const values: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [fullKey, value] of Object.entries(all)) {
    const [namespace, key] = fullKey.split(":", 2);
    if (namespace !== CONFIG_NAMESPACE || key === undefined) continue;
    values[key] = value;
    if (isSecret(fullKey)) secretKeys.push(key);
  }
  const { raw, issues } = decodeConfig(values);
  return { raw, secretKeys, issues: [...namespaceProblems(Object.keys(all), project), ...issues] };
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

