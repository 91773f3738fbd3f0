/**
 * Aliases for resources that moved: when a refactor gives a resource another parent or name, an
 * alias to its old URN makes `pulumi up` move it in the state instead of deleting and recreating it.
 *
 * @see https://www.pulumi.com/docs/iac/concepts/options/aliases/
 */
import * as pulumi from "@pulumi/pulumi";

/**
 * The URN of a resource the program registers at the top level, under the stack: what an alias's
 * `parent` names when a resource used to be that resource's child.
 *
 * @param type - the resource's type token, such as `platform:index:PostgresCluster`.
 * @param name - its logical name.
 * @see https://www.pulumi.com/docs/iac/concepts/resources/names/#urns
 */
export function topLevelUrn(type: string, name: string): pulumi.Output<string> {
  return pulumi.createUrn(name, type);
}

/**
 * A resource transformation for a component whose children used to live under another parent
 * (and perhaps had other names): every child named in `renames` gets an alias to its old parent and
 * old name. Children not named are left alone, so the component's own new resources are not
 * aliased to anything.
 *
 * Transformations run in the SDK while the program registers resources, so the aliases are in the
 * plan that `pulumi preview` shows (and in the offline plan).
 *
 * @param previousParent - the old parent's URN (see {@link topLevelUrn}).
 * @param renames - the child's new name → its old name (the same name when only the parent changed).
 * @returns the transformation, for the component's `transformations` option.
 * @see https://www.pulumi.com/docs/iac/concepts/options/aliases/
 * @see https://www.pulumi.com/docs/iac/concepts/options/transformations/
 * @example
 * new CloudNativePg("cnpg", args, { transformations: [movedFrom(topLevelUrn("platform:index:PostgresCluster", "postgres"), { "cnpg-operator": "postgres-operator" })] });
 */
export function movedFrom(previousParent: pulumi.Input<string>, renames: Readonly<Record<string, string>>): pulumi.ResourceTransformation {
  return ({ name, props, opts }) => {
    const previousName = renames[name];
    if (previousName === undefined) return undefined;
    return { props, opts: pulumi.mergeOptions(opts, { aliases: [{ name: previousName, parent: previousParent }] }) };
  };
}
