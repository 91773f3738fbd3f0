/**
 * Which deployed resources a plan keeps: a resource is kept when some planned resource has its URN
 * or an alias to it (its own, or one it inherits from a parent's alias, as the engine derives them).
 * What no planned resource claims, `pulumi up` deletes, and if something new of the same type
 * takes its place, that is a replacement: the check that a refactor replaced nothing.
 *
 * @see https://www.pulumi.com/docs/iac/concepts/options/aliases/
 * @see https://www.pulumi.com/docs/iac/concepts/resources/names/#urns
 */
import type { CapturedAlias, CapturedResource } from "./capture";

/**
 * A URN as the engine writes it. Pulumi's mock runtime puts the stack's own type in front of every
 * type chain (`pulumi:pulumi:Stack$…`); the engine leaves it out. Both are compared without it.
 */
export function normalizeUrn(urn: string): string {
  return urn.replace("::pulumi:pulumi:Stack$", "::");
}

interface UrnParts {
  readonly stack: string;
  readonly project: string;
  /** The types from the top-level ancestor down to the resource, `$`-separated. */
  readonly typeChain: string;
  readonly name: string;
}

function parseUrn(urn: string): UrnParts {
  const match = /^urn:pulumi:([^:]*)::([^:]*)::(.*?)::([^]*)$/.exec(normalizeUrn(urn));
  if (!match) throw new Error(`not a URN: ${urn}`);
  return { stack: match[1], project: match[2], typeChain: match[3], name: match[4] };
}

/** Whether a URN is the stack's own (top-level resources have no parent chain under it). */
function isStack(urn: string): boolean {
  return parseUrn(urn).typeChain === STACK_TYPE;
}

const STACK_TYPE = "pulumi:pulumi:Stack";

function formatUrn(parts: UrnParts): string {
  return `urn:pulumi:${parts.stack}::${parts.project}::${parts.typeChain}::${parts.name}`;
}

/** The URN a resource had under a parent with URN `parentUrn` (none for top level), by type and name. */
function urnUnder(parentUrn: string | undefined, self: UrnParts, type: string, name: string): string {
  const chain = parentUrn ? `${parseUrn(parentUrn).typeChain}$${type}` : type;
  return formatUrn({ ...self, typeChain: chain, name });
}

/** The old URN one declared alias names. */
function declaredAliasUrn(resource: CapturedResource, alias: CapturedAlias): string {
  if ("urn" in alias) return normalizeUrn(alias.urn);
  const self = parseUrn(resource.urn);
  const parent = alias.noParent ? undefined : (alias.parentUrn ?? resource.parent);
  const parentUrn = parent && !isStack(parent) ? parent : undefined;
  return urnUnder(parentUrn, { ...self, stack: alias.stack ?? self.stack, project: alias.project ?? self.project }, alias.type ?? resource.type, alias.name ?? resource.name);
}

/**
 * Every URN each resource answers to: its own, its declared aliases, and the aliases it inherits
 * from its ancestors' (the child under each of the parent's old URNs, its name's parent-name
 * prefix swapped for the old one, as the engine does).
 *
 * @returns normalized URN → the URN of the planned resource that claims it.
 */
export function claimedUrns(resources: readonly CapturedResource[]): Map<string, string> {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const memo = new Map<string, string[]>();
  const aliasesOf = (resource: CapturedResource): string[] => {
    const known = memo.get(resource.urn);
    if (known) return known;
    const own = resource.aliases.map((a) => declaredAliasUrn(resource, a));
    const parent = resource.parent ? byUrn.get(resource.parent) : undefined;
    const inherited = parent
      ? aliasesOf(parent).map((parentAlias) => {
          const oldParentName = parseUrn(parentAlias).name;
          const name = resource.name.startsWith(parent.name) ? oldParentName + resource.name.slice(parent.name.length) : resource.name;
          return urnUnder(parentAlias, parseUrn(resource.urn), resource.type, name);
        })
      : [];
    const all = [...new Set([...own, ...inherited])];
    memo.set(resource.urn, all);
    return all;
  };
  const claimed = new Map<string, string>();
  for (const resource of resources) {
    claimed.set(normalizeUrn(resource.urn), resource.urn);
    for (const alias of aliasesOf(resource)) if (!claimed.has(alias)) claimed.set(alias, resource.urn);
  }
  return claimed;
}

/**
 * The deployed URNs that no planned resource claims: what `pulumi up` would delete.
 *
 * @param deployed - URNs from `pulumi stack export` (or an earlier plan).
 * @param planned - the plan's resources.
 */
export function unclaimedUrns(deployed: readonly string[], planned: readonly CapturedResource[]): string[] {
  const claimed = claimedUrns(planned);
  // The stack itself, and the default providers the engine makes, are not the program's resources.
  return deployed.filter((urn) => !claimed.has(normalizeUrn(urn)) && !isStack(urn) && !/::pulumi:providers:[^:]+::default/.test(urn));
}
