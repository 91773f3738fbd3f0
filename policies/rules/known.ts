/**
 * Reading resource properties that may not be known yet, and the Kubernetes object helpers that
 * several rules share. During `pulumi preview`, a value that a provider computes (the ID of a new
 * cluster, the name of a new namespace) is unknown, and reading it from a policy's props throws
 * `UnknownValueError`. A resource rule may let that propagate (the analyzer then reports an
 * advisory "can't run policy"); a stack rule must not, or one unknown value anywhere stops it from
 * checking the whole stack.
 *
 * Internal to the policy pack: rules import it, `policies/rules/index.ts` does not export it as a
 * rule.
 *
 * @see https://github.com/pulumi/pulumi-policy/blob/master/sdk/nodejs/policy/proxy.ts
 */

import type { PolicyResource } from "@pulumi/policy";

// Internal module of @pulumi/policy, loaded the way its server loads it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { UnknownValueError } = require("@pulumi/policy/proxy") as { UnknownValueError: new (...args: unknown[]) => Error };

/**
 * The value `read` returns, or `undefined` when it is not known yet.
 *
 * @throws whatever `read` throws other than `UnknownValueError`.
 */
export function known<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    if (error instanceof UnknownValueError) return undefined;
    throw error;
  }
}

/**
 * Whether `read` gives a value: one not known yet (an ARN of a key created in the same update)
 * counts as set, because it will be.
 */
export function isSet(read: () => unknown): boolean {
  try {
    return read() !== undefined;
  } catch (error) {
    if (error instanceof UnknownValueError) return true;
    throw error;
  }
}

/** Whether two names may be the same: equal, or either not known. */
export function mayMatch(a: string | undefined, b: string | undefined): boolean {
  return a === undefined || b === undefined || a === b;
}

/** `namespace/name` of a Kubernetes object a resource validation sees (`default` and the resource name when unset). */
export function refOf(props: { metadata?: { namespace?: string; name?: string } }, name: string): string {
  return `${props.metadata?.namespace ?? "default"}/${props.metadata?.name ?? name}`;
}

/**
 * Whether a TLS name (possibly a wildcard of one label, `*.example.com`) covers a hostname.
 *
 * @see https://datatracker.ietf.org/doc/html/rfc6125#section-6.4.3
 */
export function hostCovers(tlsName: string, host: string): boolean {
  if (tlsName === host) return true;
  if (!tlsName.startsWith("*.")) return false;
  const dot = host.indexOf(".");
  return dot > 0 && host.slice(dot + 1) === tlsName.slice(2);
}

/** The last path segment of a Helm release's `chart` (`istio/istiod`, `oci://…/istiod` → `istiod`). */
export function chartName(chart: string): string {
  return chart.split("/").pop() ?? chart;
}

/** A Kubernetes object of the stack, read once for a stack check. */
export interface KubeObject {
  readonly resource: PolicyResource;
  /** `metadata.name`; `undefined` when not known yet or left to Pulumi's auto-naming. */
  readonly name?: string;
  /** `metadata.namespace`, `"default"` when unset; `undefined` when not known yet. */
  readonly namespace?: string;
  /** How a message names it: `Gateway "gateway/edge"`. */
  readonly label: string;
  /** A plain copy of `spec` (`{}` when unset); `undefined` when any part of it is not known yet. */
  readonly spec?: any;
}

/**
 * Reads a Kubernetes resource for a stack check without throwing on values not known yet.
 *
 * @param kind - the kind for the label, such as `"Gateway"`.
 */
export function kubeObject(resource: PolicyResource, kind: string): KubeObject {
  const name = known(() => resource.props.metadata?.name as string | undefined);
  const namespace = known(() => (resource.props.metadata?.namespace as string | undefined) ?? "default");
  // JSON.stringify reads every value through the unknown-checking proxy, so one unknown value throws.
  const spec = known(() => JSON.parse(JSON.stringify(resource.props.spec ?? {})));
  return { resource, name, namespace, spec, label: `${kind} "${namespace ?? "(not known yet)"}/${name ?? resource.name}"` };
}

/** The resources of `types` in the stack, read with {@link kubeObject}. */
export function kubeObjects(resources: readonly PolicyResource[], types: readonly string[], kind: string): KubeObject[] {
  return resources.filter((r) => types.includes(r.type)).map((r) => kubeObject(r, kind));
}
