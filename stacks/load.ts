/**
 * Reads the stack's config from the Pulumi runtime, once, and validates it.
 */
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_NAMESPACE, SECRET_KEYS, decodeConfigValue, formatConfigIssues, parseConfig } from "./config";
import type { ProgramConfig } from "./program";

// Not in the SDK's .d.ts, but what `pulumi.Config#getSecret` itself uses.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { isConfigSecret } = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(key: string): boolean };

/**
 * Collects the `platform:*` keys of the runtime config, decoded.
 *
 * @returns the raw config and the keys whose values are secrets.
 * @see https://www.pulumi.com/docs/iac/concepts/secrets/
 */
export function readRuntimeConfig(): { raw: Record<string, unknown>; secretKeys: string[] } {
  const raw: Record<string, unknown> = {};
  const secretKeys: string[] = [];
  for (const [fullKey, value] of Object.entries(pulumi.runtime.allConfig())) {
    const [namespace, key] = fullKey.split(":", 2);
    if (namespace !== CONFIG_NAMESPACE || key === undefined) continue;
    raw[key] = decodeConfigValue(value);
    if (isConfigSecret(fullKey)) secretKeys.push(key);
  }
  return { raw, secretKeys };
}

/**
 * Reads and validates the stack config, and wraps its secrets.
 *
 * @throws pulumi.RunError listing every problem, so the CLI prints them without a stack trace and
 *   creates nothing.
 * @see https://www.pulumi.com/docs/iac/concepts/config/
 */
export function loadConfig(): ProgramConfig {
  const { raw, secretKeys } = readRuntimeConfig();
  const result = parseConfig(raw, secretKeys);
  if (!result.ok) throw new pulumi.RunError(formatConfigIssues(result.issues));
  const rest: Record<string, unknown> = { ...result.config };
  const secrets: Partial<Record<(typeof SECRET_KEYS)[number], pulumi.Output<string>>> = {};
  for (const key of SECRET_KEYS) {
    const value = result.config[key];
    delete rest[key];
    if (value !== undefined) secrets[key] = pulumi.secret(value);
  }
  return { ...(rest as Omit<typeof result.config, (typeof SECRET_KEYS)[number]>), ...secrets };
}
