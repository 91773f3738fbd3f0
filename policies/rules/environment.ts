/**
 * Which environment a stack deploys, for the rules whose checks apply only in production.
 *
 * Internal to the policy pack: rules import it, `policies/rules/index.ts` does not export it as a
 * rule.
 *
 * @see https://www.pulumi.com/docs/iac/cli/commands/pulumi_stack_tag_set/
 * @see https://www.pulumi.com/docs/insights/policy/policy-packs/authoring/
 */
import type { PolicyConfigSchema, ResourceValidationArgs } from "@pulumi/policy";

/** The deployment environments, as the stack tag `environment` names them. */
export type Environment = "dev" | "staging" | "prod";

/** The stack tag that names the environment: `pulumi stack tag set environment prod`. */
export const ENVIRONMENT_TAG = "environment";

/** The config of a rule with production-only checks. */
export interface EnvironmentConfig {
  /**
   * The environment assumed when the stack has no `environment` tag.
   * @default "prod"
   */
  readonly environment: Environment;
}

/**
 * The `environment` setting for a rule's `configSchema.properties`. Its default is `"prod"`, so a
 * stack nobody tagged gets the strict checks.
 */
export const environmentConfigProperty: PolicyConfigSchema["properties"][string] = { type: "string", enum: ["dev", "staging", "prod"], default: "prod" };

/**
 * Whether the stack is production: the stack tag `environment` when it is set, else the rule's
 * `environment` config (default `"prod"`). Any value other than `dev` or `staging` counts as
 * production, so a misspelt tag fails safe.
 *
 * @param args - the validation args of a resource or stack rule whose `configSchema` includes
 *   {@link environmentConfigProperty}.
 * @see https://www.pulumi.com/docs/iac/concepts/stacks/#stack-tags
 */
export function isProduction(args: Pick<ResourceValidationArgs, "stackTags" | "getConfig">): boolean {
  const environment = args.stackTags.get(ENVIRONMENT_TAG) ?? args.getConfig<Partial<EnvironmentConfig>>().environment ?? "prod";
  return environment !== "dev" && environment !== "staging";
}
