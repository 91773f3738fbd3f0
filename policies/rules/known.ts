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
 * @see https://github.com/pulumi/pulumi-policy/blob/master/sdk/nodejs/policy/proxy.ts
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
 *
 * @see https://github.com/pulumi/pulumi-policy/blob/master/sdk/nodejs/policy/proxy.ts
 */
export function isSet(read: () => unknown): boolean {
  try {
    return read() !== undefined;
  } catch (error) {
    if (error instanceof UnknownValueError) return true;
    throw error;
  }
}

/**
 * Whether two names may be the same: equal, or either not known.
 *
 * @see https://www.pulumi.com/docs/iac/concepts/inputs-outputs/
 */
export function mayMatch(a: string | undefined, b: string | undefined): boolean {
  return a === undefined || b === undefined || a === b;
}

/**
 * `namespace/name` of a Kubernetes object a resource validation sees (`default` and the resource name when unset).
 *
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/
 */
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

/**
 * The last path segment of a Helm release's `chart` (`istio/istiod`, `oci://…/istiod` → `istiod`).
 *
 * @see https://www.pulumi.com/registry/packages/kubernetes/api-docs/helm/v3/release/
 */
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
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/
 */
export function kubeObject(resource: PolicyResource, kind: string): KubeObject {
  const name = known(() => resource.props.metadata?.name as string | undefined);
  const namespace = known(() => (resource.props.metadata?.namespace as string | undefined) ?? "default");
  const json = specJson(resource.props);
  const spec = json === undefined ? undefined : JSON.parse(json);
  return { resource, name, namespace, spec, label: `${kind} "${namespace ?? "(not known yet)"}/${name ?? resource.name}"` };
}

/**
 * `spec` as JSON (`undefined` when any part is not known yet), serialized once per resource
 * however many stack rules read it: the runner shares one view of a resource between rules, so
 * its props key the cache. Each caller still parses its own copy.
 */
const specs = new WeakMap<object, string | undefined>();
function specJson(props: Record<string, any>): string | undefined {
  if (!specs.has(props)) {
    // JSON.stringify reads every value through the unknown-checking proxy, so one unknown value throws.
    specs.set(props, known(() => JSON.stringify(props.spec ?? {})));
  }
  return specs.get(props);
}

/**
 * The resources of `types` in the stack, read with {@link kubeObject}.
 *
 * @see https://www.pulumi.com/docs/insights/policy/policy-packs/authoring/
 */
export function kubeObjects(resources: readonly PolicyResource[], types: readonly string[], kind: string): KubeObject[] {
  return resources.filter((r) => types.includes(r.type)).map((r) => kubeObject(r, kind));
}

/**
 * A plain copy of what `read` returns, or `undefined` when it is unset or any part of it is not known yet.
 *
 * @see https://github.com/pulumi/pulumi-policy/blob/master/sdk/nodejs/policy/proxy.ts
 */
export function knownCopy<T>(read: () => T): T | undefined {
  return known(() => {
    const value = read();
    // JSON.stringify reads every value through the unknown-checking proxy, so one unknown value throws.
    return value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as T);
  });
}

/**
 * A plain copy of what `read` returns in which every part not known yet is `undefined`, so a check
 * over many values (a sum of requests) can use what is known instead of giving up on all of it.
 *
 * @see https://github.com/pulumi/pulumi-policy/blob/master/sdk/nodejs/policy/proxy.ts
 */
export function knownParts(read: () => unknown): any {
  const value = known(read);
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return Array.from({ length: known(() => value.length) ?? 0 }, (_, i) => knownParts(() => value[i]));
  return Object.fromEntries((known(() => Object.keys(value)) ?? []).map((key) => [key, knownParts(() => (value as Record<string, unknown>)[key])]));
}

/**
 * A Kubernetes label selector.
 *
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors
 */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/**
 * Whether a label selector selects an object with `labels`: every `matchLabels` pair and every
 * `matchExpressions` requirement (`In`, `NotIn`, `Exists`, `DoesNotExist`) holds. An empty
 * selector selects everything; an unknown operator selects nothing.
 *
 * @see https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/label-selector/
 */
export function selectorMatches(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  const has = (key: string) => labels[key] !== undefined;
  return (
    Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value) &&
    (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
      switch (operator) {
        case "In":
          return has(key) && values.includes(labels[key]);
        case "NotIn":
          return !has(key) || !values.includes(labels[key]);
        case "Exists":
          return has(key);
        case "DoesNotExist":
          return !has(key);
        default:
          return false;
      }
    })
  );
}

/**
 * The value of a Docker container's label `key`, as its `labels: [{ label, value }]` input holds it.
 *
 * @see https://www.pulumi.com/registry/packages/docker/api-docs/container/
 */
export function dockerLabel(labels: readonly { label: string; value: string }[] | undefined, key: string): string | undefined {
  return labels?.find((l) => l.label === key)?.value;
}

/**
 * The value of the last `--flag=value` argument of a command line; `undefined` when there is none.
 *
 * @see https://prometheus.io/docs/prometheus/latest/command-line/prometheus/
 */
export function flagValue(command: readonly string[] | undefined, flag: string): string | undefined {
  const arg = [...(command ?? [])].reverse().find((a) => a.startsWith(`${flag}=`));
  return arg?.slice(flag.length + 1);
}

/**
 * The text of a Docker container upload: `content`, or `contentBase64` decoded.
 *
 * @see https://www.pulumi.com/registry/packages/docker/api-docs/container/#containerupload
 */
export function uploadText(upload: { content?: string; contentBase64?: string }): string | undefined {
  if (upload.content !== undefined) return upload.content;
  return upload.contentBase64 === undefined ? undefined : Buffer.from(upload.contentBase64, "base64").toString("utf8");
}

/** The storage inputs of a Docker container, as `docker.Container` takes them. */
export interface DockerStorage {
  readonly volumes?: readonly { containerPath?: string; volumeName?: string; hostPath?: string }[];
  readonly mounts?: readonly { target: string; type: string; source?: string }[];
}

/**
 * The paths inside a Docker container where it mounts storage that outlives the container: a
 * named volume or a host path (`volumes`), or a `mounts` entry of type `volume` or `bind` with a
 * `source`. An anonymous volume or a `tmpfs` is not counted.
 *
 * @see https://docs.docker.com/engine/storage/volumes/
 * @see https://www.pulumi.com/registry/packages/docker/api-docs/container/#containervolume
 */
export function dockerPersistentPaths(container: DockerStorage): string[] {
  return [
    ...(container.volumes ?? []).filter((v) => v.containerPath && (v.volumeName || v.hostPath)).map((v) => v.containerPath!),
    ...(container.mounts ?? []).filter((m) => ["volume", "bind"].includes(m.type) && m.source).map((m) => m.target),
  ];
}

/**
 * Whether `path` is `mount` or lies below it, ignoring trailing slashes.
 *
 * @see https://docs.docker.com/engine/storage/volumes/
 */
export function pathWithin(path: string, mount: string): boolean {
  const [p, m] = [path.replace(/\/+$/, ""), mount.replace(/\/+$/, "")];
  return p === m || p.startsWith(`${m}/`);
}
