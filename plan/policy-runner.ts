/**
 * Runs policy rules over a captured resource graph the way Pulumi's analyzer runs them during
 * `pulumi preview --policy-pack`: the same `ResourceValidationArgs`/`StackValidationArgs` shape
 * (`isType`, `asType`, `getConfig` with the schema's defaults, `notApplicable` that throws,
 * `stackTags`), props behind the unknown-checking proxy, and enforcement levels from config.
 *
 * It never constructs a `PolicyPack`: that starts a gRPC server and may exit the process.
 *
 * @see https://github.com/pulumi/pulumi-policy/blob/master/sdk/nodejs/policy/server.ts
 */
import type {
  EnforcementLevel,
  PolicyResource,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  Severity,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import type { CapturedResource } from "./capture";

// Internal modules of @pulumi/policy, loaded the way its server loads them.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { unknownCheckingProxy, UnknownValueError } = require("@pulumi/policy/proxy") as {
  unknownCheckingProxy<T>(value: T): T;
  UnknownValueError: new (...args: unknown[]) => Error;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { getPulumiType } = require("@pulumi/policy/policy") as { getPulumiType(x: unknown): string | undefined };

/** A rule of the pack: a resource or a stack validation policy. */
export type Rule = ResourceValidationPolicy | StackValidationPolicy;

/** Per-policy config, as in a policy pack config file: `enforcementLevel` plus the rule's own keys. */
export type PolicyConfig = Record<string, { enforcementLevel?: EnforcementLevel; [key: string]: unknown }>;

/** One reported violation. */
export interface Violation {
  readonly policy: string;
  readonly severity?: Severity;
  readonly enforcementLevel: EnforcementLevel;
  /** The resource the violation is about, when there is one. */
  readonly urn?: string;
  readonly message: string;
}

/** What a run of the rules found. */
export interface PolicyReport {
  readonly violations: Violation[];
  /** Rules that declared themselves not applicable, with the reason, per resource. */
  readonly notApplicable: { policy: string; urn?: string; reason: string }[];
}

class NotApplicableError extends Error {}

function throwNotApplicable(reason?: string): never {
  throw new NotApplicableError(reason ?? "not applicable");
}

function isTypeOf(type: string, resourceClass: unknown): boolean {
  const token = getPulumiType(resourceClass);
  if (token) return type === token;
  const isInstance = (resourceClass as { isInstance?: (x: unknown) => boolean }).isInstance;
  return typeof isInstance === "function" && isInstance({ __pulumiType: type }) === true;
}

/** The rule's config: its schema's defaults, overlaid by what the user set. */
function configFor(rule: Rule, config: PolicyConfig): Record<string, unknown> {
  const defaults: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(rule.configSchema?.properties ?? {})) {
    if ((schema as { default?: unknown }).default !== undefined) defaults[key] = (schema as { default?: unknown }).default;
  }
  const { enforcementLevel: _level, ...own } = config[rule.name] ?? {};
  return { ...defaults, ...own };
}

function optionsOf(resource: CapturedResource): ResourceValidationArgs["opts"] {
  return {
    protect: resource.protect,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
    parent: resource.parent,
  };
}

/**
 * A resource as a policy sees it, shared by resource and stack validation: props behind the
 * unknown-checking proxy, options, provider, and the `isType`/`asType` helpers.
 */
function policyView(resource: CapturedResource, provider: ResourceValidationArgs["provider"]) {
  const props = unknownCheckingProxy(resource.inputs);
  return {
    type: resource.type,
    props,
    urn: resource.urn,
    name: resource.name,
    opts: optionsOf(resource),
    provider,
    isType: (cls: unknown) => isTypeOf(resource.type, cls),
    asType: ((cls: unknown) => (isTypeOf(resource.type, cls) ? props : undefined)) as ResourceValidationArgs["asType"],
  };
}
type PolicyView = ReturnType<typeof policyView>;

/**
 * Every resource's view, built once per run and shared by all rules, as Pulumi's analyzer builds
 * them once per `validateStack` call rather than once per policy.
 */
function policyViews(resources: readonly CapturedResource[]): Map<string, PolicyView> {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const providerOf = (resource: CapturedResource) => {
    // A provider reference is `urn::id`; the id never contains `::`.
    const urn = resource.provider?.slice(0, resource.provider.lastIndexOf("::"));
    const provider = urn ? byUrn.get(urn) : undefined;
    return provider ? { type: provider.type, props: provider.inputs, urn: provider.urn, name: provider.name } : undefined;
  };
  return new Map(resources.map((resource) => [resource.urn, policyView(resource, providerOf(resource))]));
}

/** The graph as stack rules see it: every view with its parent and dependencies linked. */
function stackResources(resources: readonly CapturedResource[], views: ReadonlyMap<string, PolicyView>): PolicyResource[] {
  const linked = new Map<string, PolicyResource>();
  for (const resource of resources) linked.set(resource.urn, { ...views.get(resource.urn)!, dependencies: [], propertyDependencies: {} });
  for (const resource of resources) {
    const policyResource = linked.get(resource.urn)!;
    if (resource.parent) policyResource.parent = linked.get(resource.parent);
    policyResource.dependencies = resource.dependencies.map((urn) => linked.get(urn)).filter((r): r is PolicyResource => !!r);
  }
  return [...linked.values()];
}

/**
 * Runs every rule over every captured resource, then every stack rule over the whole graph.
 *
 * @param rules - the pack's rules, from `policies/rules`.
 * @param resources - the captured graph.
 * @param config - per-policy config (enforcement level and the rule's own settings).
 * @param stackTags - the stack's tags.
 * @throws Error when a rule throws anything other than an unknown-value or not-applicable error.
 * @see https://www.pulumi.com/docs/iac/using-pulumi/crossguard/
 */
export async function runPolicies(
  rules: readonly Rule[],
  resources: readonly CapturedResource[],
  config: PolicyConfig = {},
  stackTags: ReadonlyMap<string, string> = new Map(),
): Promise<PolicyReport> {
  const violations: Violation[] = [];
  const notApplicable: PolicyReport["notApplicable"] = [];
  const views = policyViews(resources);
  let graph: PolicyResource[] | undefined;
  const position = new Map(resources.map((r, i) => [r.urn, i]));
  const byType = new Map<string, CapturedResource[]>();
  for (const resource of resources) {
    const ofType = byType.get(resource.type);
    if (ofType) ofType.push(resource);
    else byType.set(resource.type, [resource]);
  }
  const ofTypes = (tokens: readonly string[]) =>
    [...new Set(tokens)].flatMap((token) => byType.get(token) ?? []).sort((a, b) => position.get(a.urn)! - position.get(b.urn)!);

  for (const rule of rules) {
    const enforcementLevel: EnforcementLevel = config[rule.name]?.enforcementLevel ?? rule.enforcementLevel ?? "advisory";
    if (enforcementLevel === "disabled") continue;
    const level = enforcementLevel === "remediate" ? "mandatory" : enforcementLevel;
    const getConfig = () => configFor(rule, config);
    const report = (urn?: string) => (message: string, reportedUrn?: string) =>
      violations.push({ policy: rule.name, severity: rule.severity, enforcementLevel: level, urn: reportedUrn ?? urn, message });

    const handle = (error: unknown, urn?: string) => {
      if (error instanceof NotApplicableError) notApplicable.push({ policy: rule.name, urn, reason: error.message });
      else if (error instanceof UnknownValueError) {
        violations.push({ policy: rule.name, severity: rule.severity, enforcementLevel: "advisory", urn, message: `can't run policy '${rule.name}' during preview: ${error.message}` });
      } else throw new Error(`policy '${rule.name}' failed${urn ? ` on ${urn}` : ""}: ${(error as Error).stack ?? error}`);
    };

    if ("validateResource" in rule && rule.validateResource) {
      const validations = Array.isArray(rule.validateResource) ? rule.validateResource : [rule.validateResource];
      // A validation written with `validateResourceOfType` names its type token: when all of a
      // rule's do, visit only resources of those types (in the graph's order, as the analyzer).
      const tokens = validations.map((validate) => getPulumiType(validate));
      const candidates = tokens.every((token) => token !== undefined) ? ofTypes(tokens as string[]) : resources;
      for (const resource of candidates) {
        for (const [i, validate] of validations.entries()) {
          if (tokens[i] && tokens[i] !== resource.type) continue;
          const args: ResourceValidationArgs = {
            ...views.get(resource.urn)!,
            stackTags,
            getConfig: getConfig as ResourceValidationArgs["getConfig"],
            notApplicable: throwNotApplicable,
          };
          try {
            await validate(args, report(resource.urn));
          } catch (error) {
            handle(error, resource.urn);
          }
        }
      }
    }

    if ("validateStack" in rule && rule.validateStack) {
      graph ??= stackResources(resources, views);
      const args: StackValidationArgs = {
        // A copy per rule: a rule that sorts its list must not reorder the next rule's.
        resources: [...graph],
        getConfig: getConfig as StackValidationArgs["getConfig"],
        stackTags,
        notApplicable: throwNotApplicable,
      };
      try {
        await rule.validateStack(args, report());
      } catch (error) {
        handle(error);
      }
    }
  }
  return { violations, notApplicable };
}

/**
 * True when any violation is mandatory: the plan (and a real preview) fails.
 *
 * @see https://www.pulumi.com/docs/iac/using-pulumi/crossguard/
 */
export function hasMandatoryViolations(report: PolicyReport): boolean {
  return report.violations.some((v) => v.enforcementLevel === "mandatory");
}
