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
 * A URN the mock runtime produced, as the engine writes it. Pulumi's mock runtime puts the stack's
 * own type in front of every type chain (`pulumi:pulumi:Stack$…`); the engine leaves it out. Only
 * URNs the mock produced are normalized: an alias the program declares must already be in the
 * engine's form, or the engine would not match it.
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
  const match = /^urn:pulumi:([^:]*)::([^:]*)::(.*?)::([^]*)$/.exec(urn);
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
  if ("urn" in alias) return alias.urn;
  const self = parseUrn(resource.urn);
  const parent = alias.noParent ? undefined : (alias.parentUrn ?? (resource.parent && normalizeUrn(resource.parent)));
  const parentUrn = parent && !isStack(parent) ? parent : undefined;
  return urnUnder(parentUrn, { ...self, stack: alias.stack ?? self.stack, project: alias.project ?? self.project }, alias.type ?? resource.type, alias.name ?? resource.name);
}

/**
 * The old URNs each resource answers to besides its own: its declared aliases, and the aliases it
 * inherits from its ancestors' (the child under each of the parent's old URNs, its name's
 * parent-name prefix swapped for the old one, as the engine does).
 *
 * @returns the resource's URN → its alias URNs, in the engine's form.
 */
export function aliasUrns(resources: readonly CapturedResource[]): Map<string, string[]> {
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
          return urnUnder(parentAlias, parseUrn(normalizeUrn(resource.urn)), resource.type, name);
        })
      : [];
    const all = [...new Set([...own, ...inherited])];
    memo.set(resource.urn, all);
    return all;
  };
  return new Map(resources.map((r) => [r.urn, aliasesOf(r)]));
}

/**
 * Every URN the planned resources answer to: each one's own and its aliases (see {@link aliasUrns}).
 *
 * @returns normalized URN → the URN of the planned resource that claims it (its own URN first).
 */
export function claimedUrns(resources: readonly CapturedResource[]): Map<string, string> {
  const claimed = new Map<string, string>(resources.map((r) => [normalizeUrn(r.urn), r.urn]));
  for (const [urn, aliases] of aliasUrns(resources)) for (const alias of aliases) if (!claimed.has(alias)) claimed.set(alias, urn);
  return claimed;
}

/**
 * Types whose objects the Kubernetes provider registers itself, as children named
 * `<parent name>:<object>`, which Pulumi's mock runtime never sees: a deployed child of a kept one
 * is kept.
 *
 * @see https://www.pulumi.com/registry/packages/kubernetes/api-docs/yaml/v2/configfile/
 */
const PROVIDER_RENDERED = ["kubernetes:yaml/v2:ConfigFile", "kubernetes:yaml/v2:ConfigGroup", "kubernetes:helm.sh/v4:Chart", "kubernetes:kustomize/v2:Directory"];

/**
 * The deployed URNs that no planned resource claims: what `pulumi up` would delete. The children
 * the Kubernetes provider renders for a kept manifest or chart (see {@link PROVIDER_RENDERED}) are
 * kept with it.
 *
 * @param deployed - URNs from `pulumi stack export` (or an earlier plan).
 * @param planned - the plan's resources.
 */
export function unclaimedUrns(deployed: readonly string[], planned: readonly CapturedResource[]): string[] {
  const claimed = claimedUrns(planned);
  const typeOf = new Map(planned.map((r) => [r.urn, r.type]));
  const rendering = [...claimed].filter(([, urn]) => PROVIDER_RENDERED.includes(typeOf.get(urn) ?? "")).map(([kept]) => parseUrn(kept));
  const renderedBy = (urn: string) => {
    const child = parseUrn(urn);
    return rendering.some((parent) => child.typeChain.startsWith(`${parent.typeChain}$`) && child.name.startsWith(`${parent.name}:`));
  };
  // The stack itself, and the default providers the engine makes, are not the program's resources.
  return deployed.filter((urn) => !claimed.has(normalizeUrn(urn)) && !isStack(urn) && !/::pulumi:providers:[^:]+::default/.test(urn) && !renderedBy(normalizeUrn(urn)));
}

/**
 * The aliases that name a URN another planned resource has: the engine refuses such a plan, since
 * one URN cannot be two resources.
 *
 * @returns one line per conflict: the alias, who declares (or inherits) it, and who has that URN.
 */
export function aliasConflicts(planned: readonly CapturedResource[]): string[] {
  const own = new Map(planned.map((r) => [normalizeUrn(r.urn), r.urn]));
  const conflicts: string[] = [];
  for (const [claimer, aliases] of aliasUrns(planned)) {
    for (const alias of aliases) {
      const holder = own.get(alias);
      if (holder && holder !== claimer) conflicts.push(`${claimer} has an alias ${alias}, the URN of ${holder}`);
    }
  }
  return conflicts;
}
