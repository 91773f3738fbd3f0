/**
 * Reads the stack's config from the Pulumi runtime, once, and validates it.
 */
import * as pulumi from "@pulumi/pulumi";
import { SECRET_KEYS, collectConfig, formatConfigIssues, validateCollected } from "./config";
import type { ProgramConfig } from "./program";

// Not in the SDK's .d.ts, but what `pulumi.Config#getSecret` itself uses.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { isConfigSecret } = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(key: string): boolean };

/**
 * Reads the runtime's config: {@link collectConfig} over `pulumi.runtime.allConfig()`.
 *
 * @see https://www.pulumi.com/docs/iac/concepts/secrets/
 */
export function readRuntimeConfig(): ReturnType<typeof collectConfig> {
  return collectConfig(pulumi.runtime.allConfig(), pulumi.getProject(), isConfigSecret);
}

/**
 * Reads and validates the stack config, and wraps its secrets.
 *
 * @throws pulumi.RunError listing every problem, so the CLI prints them without a stack trace and
 *   creates nothing.
 * @see https://www.pulumi.com/docs/iac/concepts/config/
 */
export function loadConfig(): ProgramConfig {
  const result = validateCollected(readRuntimeConfig());
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
