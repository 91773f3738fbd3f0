import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { environmentConfigProperty, isProduction } from "./environment";
import { known, knownCopy, mayMatch } from "./known";

const NAMESPACE_TYPE = "kubernetes:core/v1:Namespace";
const HELM_RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";
const NETWORK_POLICY_TYPE = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

/** A namespace the stack creates, and the resource that creates it. */
interface CreatedNamespace {
  readonly name: string;
  readonly resource: PolicyResource;
  readonly label: string;
}

/** The namespaces the stack creates: its Namespace objects and the Helm releases with `createNamespace: true`. */
function createdNamespaces(resources: readonly PolicyResource[]): CreatedNamespace[] {
  return resources.flatMap((r): CreatedNamespace[] => {
    if (r.type === NAMESPACE_TYPE) {
      const name = known(() => r.props.metadata?.name as string | undefined);
      return name ? [{ name, resource: r, label: `Namespace "${name}"` }] : [];
    }
    if (r.type === HELM_RELEASE_TYPE && known(() => r.props.createNamespace) === true) {
      const name = known(() => r.props.namespace as string | undefined);
      return name ? [{ name, resource: r, label: `Namespace "${name}" (created by Helm release "${known(() => r.props.name as string | undefined) ?? r.name}")` }] : [];
    }
    return [];
  });
}

const isEmptySelector = (selector: any): boolean => !selector || ((selector.matchLabels === undefined || Object.keys(selector.matchLabels).length === 0) && (selector.matchExpressions ?? []).length === 0);

/**
 * Whether a NetworkPolicy spec is a default deny: it selects every pod (`podSelector: {}`), isolates
 * both directions (`policyTypes: [Ingress, Egress]`) and admits nothing (no ingress or egress rule).
 * `undefined` when the spec is not known yet.
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/#default-deny-all-ingress-and-all-egress-traffic
 */
export function isDefaultDeny(spec: any): boolean | undefined {
  if (spec === undefined) return undefined;
  const types: string[] = spec.policyTypes ?? [];
  return isEmptySelector(spec.podSelector) && types.includes("Ingress") && types.includes("Egress") && (spec.ingress ?? []).length === 0 && (spec.egress ?? []).length === 0;
}

/**
 * Every namespace the stack creates has a default deny: a NetworkPolicy in it with an empty
 * `podSelector`, both `policyTypes` and no rule, so a pod reaches and is reached only by what
 * another policy admits. Without it, any compromised pod reaches every database port.
 *
 * - Namespaces: `core/v1` Namespace objects and Helm releases (v3) with `createNamespace: true`.
 * - A NetworkPolicy whose namespace or spec is not known yet (preview) counts as a default deny.
 *
 * Applies in production only (the stack tag `environment`, else the rule's `environment` config).
 *
 * @severity high
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/#default-policies
 */
export const namespaceDefaultDeny: StackValidationPolicy = {
  name: "namespace-default-deny",
  description: "In production, every namespace the stack creates has a default-deny NetworkPolicy (podSelector {}, policyTypes Ingress and Egress, no rules).",
  severity: "high",
  enforcementLevel: "mandatory",
  configSchema: { properties: { environment: environmentConfigProperty } },
  validateStack: (args, reportViolation) => {
    if (!isProduction(args)) return;
    const policies = args.resources
      .filter((r) => r.type === NETWORK_POLICY_TYPE)
      .map((r) => ({ namespace: known(() => r.props.metadata?.namespace as string | undefined), deny: isDefaultDeny(knownCopy(() => r.props.spec)) }));
    const seen = new Set<string>();
    for (const namespace of createdNamespaces(args.resources)) {
      if (seen.has(namespace.name)) continue;
      seen.add(namespace.name);
      const covered = policies.some((p) => mayMatch(p.namespace, namespace.name) && p.deny !== false);
      if (!covered) {
        reportViolation(
          `${namespace.label} has no default-deny NetworkPolicy: add one in it with podSelector: {}, policyTypes: [Ingress, Egress] and no rules, then allow what its pods need (see stacks/network-policies.ts).`,
          namespace.resource.urn,
        );
      }
    }
  },
};
