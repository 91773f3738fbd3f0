import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { MANIFEST_OBJECTS } from "../../components/contract/manifests";
import { known } from "./known";

/** The resource types that apply remote manifests, whose objects the provider creates itself. */
const MANIFEST_TYPES = ["kubernetes:yaml/v2:ConfigFile"];
const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";

/** One claim on a Kubernetes object: who creates it, and how. */
interface Claim {
  /** `creates`: a create fails if the object exists; `adopts`: takes an existing one; `if-absent`: creates it only if missing. */
  readonly how: "creates" | "adopts" | "if-absent";
  readonly by: PolicyResource;
}

/** The object key: group, kind, namespace and name. */
const keyOf = (apiVersion: string, kind: string, namespace: string | undefined, name: string) =>
  `${apiVersion.includes("/") ? apiVersion.split("/")[0] : "core"}/${kind}/${namespace ?? ""}/${name}`;

/**
 * The cluster a resource's objects land in, as far as the plan can tell: its provider's kubeconfig
 * and context. Providers whose kubeconfig is not known yet (a cluster created in the same update)
 * count as one cluster, the common case of one cluster per stack. Used only as a map key.
 */
function clusterOf(resource: PolicyResource): string {
  const props = resource.provider?.props;
  if (!props) return "default";
  const kubeconfig = known(() => props.kubeconfig as unknown);
  return JSON.stringify([typeof kubeconfig === "string" ? kubeconfig : "unknown", known(() => props.context as unknown) ?? ""]);
}

/** Whether a resource's provider adopts existing objects (`upsertExistingObjects`). */
function adopts(resource: PolicyResource): boolean {
  return known(() => [true, "true"].includes(resource.provider?.props.upsertExistingObjects)) ?? false;
}

/** The Kubernetes object a typed resource (or custom resource) creates, if it names one. */
function ownObject(resource: PolicyResource): { apiVersion: string; kind: string; namespace?: string; name: string } | undefined {
  const match = /^kubernetes:(.+)\/(v[^:]+):(\w+)$/.exec(resource.type);
  if (!match || match[3].endsWith("Patch") || resource.type === HELM_RELEASE) return undefined;
  const name = known(() => resource.props.metadata?.name as string | undefined);
  if (typeof name !== "string") return undefined;
  const group = match[1] === "core" ? "" : `${match[1]}/`;
  return { apiVersion: `${group}${match[2]}`, kind: match[3], namespace: known(() => resource.props.metadata?.namespace as string | undefined), name };
}

/**
 * No Kubernetes object is created twice. Since pulumi-kubernetes 4.29 a create of an object that
 * already exists fails with `AlreadyExists`, so two resources that create the same object fail the
 * first `pulumi up` (a preview, on an empty cluster, passes).
 *
 * Claims, keyed by cluster (the provider's kubeconfig and context), API group, kind, namespace and
 * name:
 * - every `kubernetes:*` resource that names an object in `metadata.name` creates it, or adopts it
 *   when its provider sets `upsertExistingObjects` (`*Patch` resources and Helm releases claim
 *   nothing); a manifest's objects, which a real preview registers as the ConfigFile's children,
 *   are such resources;
 * - a `kubernetes:yaml/v2:ConfigFile` without children (the mock runtime registers none) creates
 *   the notable objects of its manifest (the contract's `MANIFEST_OBJECTS`, by URL), or adopts
 *   them when its provider sets `upsertExistingObjects`;
 * - a `kubernetes:helm.sh/v3:Release` with `createNamespace` creates its namespace only if it is
 *   missing.
 *
 * A violation is an object with two `creates` claims, or with a `creates` claim and a Helm
 * release that may create the namespace first (one that does not depend on the creating resource).
 *
 * @severity high
 * @see https://github.com/pulumi/pulumi-kubernetes/blob/master/CHANGELOG.md
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/names/
 */
export const kubernetesUniqueObjects: StackValidationPolicy = {
  name: "kubernetes-unique-objects",
  description: "No Kubernetes object is created by two resources (or two manifests): the second create fails with AlreadyExists.",
  severity: "high",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const claims = new Map<string, Claim[]>();
    const claim = (object: string, c: Claim) => {
      const key = `${clusterOf(c.by)}\n${object}`;
      claims.set(key, [...(claims.get(key) ?? []), c]);
    };
    // During a real preview the provider registers a manifest's objects as the ConfigFile's
    // children, which then claim their objects themselves; the mock runtime (and `npm run plan`)
    // has no children, so the manifest's known objects stand in for them.
    const withChildren = new Set(args.resources.filter((r) => r.parent && MANIFEST_TYPES.includes(r.parent.type)).map((r) => r.parent!.urn));
    for (const resource of args.resources) {
      const own = ownObject(resource);
      if (own) claim(keyOf(own.apiVersion, own.kind, own.namespace, own.name), { how: adopts(resource) ? "adopts" : "creates", by: resource });
      if (MANIFEST_TYPES.includes(resource.type) && !withChildren.has(resource.urn)) {
        const file = known(() => resource.props.file as string | undefined) ?? "";
        for (const facts of MANIFEST_OBJECTS.filter((f) => f.manifest.test(file))) {
          for (const object of facts.objects) claim(keyOf(object.apiVersion, object.kind, object.namespace, object.name), { how: adopts(resource) ? "adopts" : "creates", by: resource });
        }
      }
      if (resource.type === HELM_RELEASE && known(() => resource.props.createNamespace) === true) {
        const namespace = known(() => resource.props.namespace as string | undefined);
        if (namespace) claim(keyOf("v1", "Namespace", undefined, namespace), { how: "if-absent", by: resource });
      }
    }
    for (const [clusterAndKey, list] of claims) {
      const key = clusterAndKey.split("\n")[1];
      const creators = list.filter((c) => c.how === "creates");
      if (creators.length > 1) {
        reportViolation(`${key} is created by ${creators.map((c) => `"${c.by.name}"`).join(" and ")}; the second create fails with AlreadyExists. Create it once, or adopt it with a provider that sets upsertExistingObjects.`, creators[1].by.urn);
      }
      for (const helm of list.filter((c) => c.how === "if-absent")) {
        for (const creator of creators.filter((c) => !helm.by.dependencies.some((d) => d.urn === c.by.urn))) {
          reportViolation(`${key} may be created first by Helm release "${helm.by.name}" (createNamespace), and then "${creator.by.name}" fails with AlreadyExists; make the release depend on it.`, helm.by.urn);
        }
      }
    }
  },
};
