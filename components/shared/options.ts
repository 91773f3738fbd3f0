/**
 * Resource options that components share, computed in plain functions so tests can check them
 * (resource `transforms` do not run under Pulumi's mock runtime).
 *
 * @see https://www.pulumi.com/docs/iac/concepts/options/
 */
import type * as pulumi from "@pulumi/pulumi";

/**
 * The options that keep a stateful resource (a cluster, a database, an encryption key, a network)
 * from being deleted by mistake.
 *
 * - `protect: true` makes Pulumi refuse any plan that deletes or replaces the resource until the
 *   option is removed.
 * - `retainOnDelete: true` makes Pulumi drop the resource from the stack, rather than delete it in
 *   the cloud, when it is deleted anyway (`pulumi destroy`, or after `protect` is lifted).
 *
 * When `protect` is `false` no option is returned at all, so a `protect` set on a parent component
 * (which children inherit) still applies.
 *
 * @param protect - whether to protect and retain the resource; components default it to
 *   `environment === "prod"`.
 * @returns `{ protect: true, retainOnDelete: true }` or `{}`; spread it into the resource's options.
 * @see https://www.pulumi.com/docs/iac/concepts/options/protect/
 * @see https://www.pulumi.com/docs/iac/concepts/options/retainondelete/
 * @example
 * new aws.kms.Key(`${name}-secrets`, { ... }, { parent: this, provider, ...statefulResourceOptions(protect) });
 */
export function statefulResourceOptions(protect: boolean): Pick<pulumi.CustomResourceOptions, "protect" | "retainOnDelete"> {
  return protect ? { protect: true, retainOnDelete: true } : {};
}

/**
 * The provider of package `pkg` (`"docker"`, `"kubernetes"`, `"aws"`, `"gcp"`) that a consumer
 * passed to a component, as `opts.provider`, in `opts.providers`, or on one of its parents: Pulumi
 * keeps them in the component's provider map, and children created with `parent: this` inherit
 * them. A component that would otherwise create a provider of its own uses this one instead, so
 * every child honours what the consumer passed.
 *
 * @param component - the component (after `super(...)`).
 * @param pkg - the provider's package name.
 * @returns the consumer's provider, or `undefined` when none was passed for `pkg`.
 * @see https://www.pulumi.com/docs/iac/concepts/options/providers/
 */
export function consumerProvider(component: pulumi.Resource, pkg: string): pulumi.ProviderResource | undefined {
  return component.getProvider(`${pkg}::`);
}
