/**
 * Stack configuration: one strict zod schema, parsed once before any resource exists. Nothing else
 * in the program reads `pulumi.Config`.
 *
 * Every problem is reported at once, each with its key path and a hint; unknown keys are errors,
 * so a misspelled key cannot be silently ignored.
 *
 * - `schema.ts`: one block per component, mirroring its settings (`agreement.ts` checks they agree);
 * - `checks.ts`: the cross-key checks, running each component's validation on its settings;
 * - `parse.ts`: parsing, key paths, hints and messages.
 *
 * @see https://www.pulumi.com/docs/iac/concepts/config/
 * @see https://zod.dev/api
 */
export { configSchema, crossKeyProblems } from "./checks";
export * from "./parse";
export { DEMO_SERVICE, type PlatformConfig, type ServiceConfig } from "./schema";
export { CONFIG_NAMESPACE, KNOWN_NAMESPACES, SECRET_KEYS, keyPath, namespaceProblems, setCommand } from "./keys";
export { meshProvider } from "../compose";
export { collectConfig, validateCollected, type SecureValue } from "./collect";
