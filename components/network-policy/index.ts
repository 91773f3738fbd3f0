/**
 * The NetworkPolicies of a stack, from its namespaces and flows (see `spec.ts`).
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { KubernetesPlatform } from "../contract";
import { DEFAULT_DENY_POLICY, networkPolicyObjects, type NetworkFlow } from "./spec";

export * from "./spec";

/** The arguments of {@link NetworkPolicies}. */
export interface NetworkPoliciesArgs {
  /** The cluster. */
  readonly platform: KubernetesPlatform;
  /** The namespaces to isolate: each gets a default deny. They must exist (see `dependsOn`). */
  readonly namespaces: readonly string[];
  /** What to admit. */
  readonly flows: readonly NetworkFlow[];
  /** What creates the namespaces (and the pods the flows admit): the policies wait for it. @default [] */
  readonly dependsOn?: readonly pulumi.Resource[];
}

/**
 * Default deny in every namespace of `namespaces`, then the allows of `flows`.
 *
 * Ordering: every allow of a namespace is created before its `default-deny` (the deny depends on
 * them), so no pod loses a path it needs while the policies are being created; and all of them after
 * `dependsOn`, the namespaces (some are created by Helm releases) and the webhooks the first
 * `pulumi up` still calls. On `pulumi destroy` the deny goes first, then the allows.
 *
 * `dependsOn` is awaited through one barrier resource (a `RandomId` that depends on it), which every
 * policy depends on: the SDK expands a dependency on a component into all its descendants for each
 * dependent, so a thousand policies each depending on the whole stack's components would each carry
 * thousands of URNs (a 500-service plan ran out of a 4 GB heap), in the plan and in the state.
 *
 * @see https://www.pulumi.com/docs/iac/concepts/options/dependson/
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/#default-policies
 */
export class NetworkPolicies extends pulumi.ComponentResource {
  /** The names of the policies, `<namespace>/<name>`. */
  public readonly policyNames: readonly string[];

  constructor(name: string, args: NetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:index:NetworkPolicies", name, {}, opts);
    const objects = networkPolicyObjects(args.namespaces, args.flows);
    const after = args.dependsOn && args.dependsOn.length > 0 ? [new random.RandomId(`${name}-after`, { byteLength: 4 }, { parent: this, dependsOn: [...args.dependsOn] })] : [];
    const resourceOpts = { parent: this, provider: args.platform.provider, dependsOn: after as pulumi.Resource[] };
    const create = (o: (typeof objects)[number], dependsOn: pulumi.Resource[] = []) =>
      new k8s.networking.v1.NetworkPolicy(
        `${name}-${o.namespace}-${o.name}`,
        { metadata: { name: o.name, namespace: o.namespace, labels: { "app.kubernetes.io/managed-by": "pulumi" } }, spec: o.spec },
        { ...resourceOpts, dependsOn: [...resourceOpts.dependsOn, ...dependsOn] },
      );
    const allows = objects.filter((o) => o.name !== DEFAULT_DENY_POLICY).map((o) => ({ namespace: o.namespace, resource: create(o) }));
    for (const deny of objects.filter((o) => o.name === DEFAULT_DENY_POLICY)) {
      create(
        deny,
        allows.filter((a) => a.namespace === deny.namespace).map((a) => a.resource),
      );
    }
    this.policyNames = objects.map((o) => `${o.namespace}/${o.name}`);
    this.registerOutputs({});
  }
}
