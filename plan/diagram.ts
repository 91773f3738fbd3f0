/**
 * Architecture diagrams derived from the offline plan: a Mermaid flowchart whose nodes are the
 * platform's top-level components and whose edges are found in what the program registers (the
 * resources' dependencies, and references in their inputs such as a route's backend or a
 * scrape target), never in a hand-written list.
 *
 * @see https://mermaid.js.org/syntax/flowchart.html
 */
import { parse as parseYaml } from "yaml";
import type { PlanJson } from "./report";

/** What a diagram is derived from: the plan file's content (`--json`), with redacted inputs. */
export interface DiagramPlan {
  readonly stack: string;
  /** The deployment target: `eks`, `gke`, `k3s` or `docker`. */
  readonly target: string;
  readonly resources: readonly Pick<PlanJson["resources"][number], "urn" | "type" | "name" | "parent" | "dependencies" | "inputs">[];
}

/** The subgraphs of a diagram, in the order they are drawn (left to right: traffic flows this way). */
export const ROLES = ["edge", "services", "messaging", "data", "observability", "platform"] as const;

/** A subgraph of the diagram. */
export type Role = (typeof ROLES)[number];

const ROLE_TITLES: Record<Role, string> = {
  edge: "Edge",
  services: "Services",
  messaging: "Messaging",
  data: "Data",
  observability: "Observability",
  platform: "Platform",
};

/**
 * The role of a component kind (the last segment of its type token). Kinds not named here (the
 * cluster, the mesh, cert-manager, CRD bundles) are platform. This table and {@link MEANINGFUL}
 * are the only hand-written parts of the diagram: nodes and edges come from the plan, but a new
 * component kind lands in "platform", and its edges are dropped, until it is named here.
 *
 * @see https://mermaid.js.org/syntax/flowchart.html#subgraphs
 */
export function componentRole(kind: string): Role {
  switch (kind) {
    case "Gateway":
      return "edge";
    case "AppService":
      return "services";
    case "MessageQueue":
      return "messaging";
    case "PostgresCluster":
    case "RedisCluster":
      return "data";
    case "ObservabilityStack":
      return "observability";
    default:
      return "platform";
  }
}

/**
 * The directions worth drawing, as `from→to` roles: who calls or reads whom. Every other
 * dependency (a service waiting for the mesh's injector, say) is ordering, not architecture.
 */
const MEANINGFUL = new Set<string>([
  "edge→services",
  "services→data",
  "services→messaging",
  "observability→services",
  "observability→data",
  "observability→messaging",
]);

/** How an edge was found. */
export type Evidence = "depends on" | "routes" | "scrapes" | "reads secret";

/** A node: one top-level platform component. */
export interface DiagramNode {
  readonly id: string;
  readonly kind: string;
  readonly name: string;
  readonly role: Role;
}

/** An edge between two components, with every way it was found. */
export interface DiagramEdge {
  readonly from: string;
  readonly to: string;
  readonly evidence: readonly Evidence[];
}

/** The derived architecture: nodes and edges, sorted. */
export interface ArchitectureGraph {
  readonly nodes: readonly DiagramNode[];
  readonly edges: readonly DiagramEdge[];
}

/** The id of the clients node (component ids always contain `__`, so it cannot collide). */
export const CLIENTS_ID = "clients";

const COMPONENT_PREFIX = "platform:index:";

/**
 * A Mermaid-safe node id for a component: letters and digits kept, every other character written
 * as `_` and its two hex digits, kind and name joined by `__`. Injective, and never a Mermaid
 * keyword such as `end`.
 *
 * @see https://mermaid.js.org/syntax/flowchart.html
 */
export function mermaidId(kind: string, name: string): string {
  const escape = (s: string) => s.replace(/[^A-Za-z0-9]/g, (c) => `_${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
  return `${escape(kind)}__${escape(name)}`;
}

/**
 * Text for a quoted Mermaid label: characters that end a label or start an entity are written as
 * Mermaid entity codes.
 * @see https://mermaid.js.org/syntax/flowchart.html#entity-codes-to-escape-characters
 */
export function mermaidLabel(text: string): string {
  return text.replace(/["#<>&]/g, (c) => `#${c.charCodeAt(0)};`);
}

/**
 * Maps every resource's URN to its outermost `platform:index:*` ancestor (a component maps to itself).
 *
 * @see https://www.pulumi.com/docs/iac/concepts/resources/names/
 */
export function componentOwners(resources: DiagramPlan["resources"]): Map<string, DiagramPlan["resources"][number]> {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const owners = new Map<string, DiagramPlan["resources"][number]>();
  for (const resource of resources) {
    let owner: DiagramPlan["resources"][number] | undefined;
    for (let r: typeof owner = resource; r; r = r.parent ? byUrn.get(r.parent) : undefined) {
      if (r.type.startsWith(COMPONENT_PREFIX)) owner = r;
    }
    if (owner) owners.set(resource.urn, owner);
  }
  return owners;
}

type Inputs = Record<string, any>;

/**
 * Whether Kubernetes labels satisfy a label selector (`matchLabels` and `matchExpressions`).
 *
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors
 */
export function selectorMatches(selector: Inputs | undefined, labels: Record<string, string> = {}): boolean {
  if (!selector) return false;
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpression = (selector.matchExpressions ?? []).every((e: Inputs) => {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    switch (e.operator) {
      case "In":
        return has && (e.values ?? []).includes(labels[e.key]);
      case "NotIn":
        return !has || !(e.values ?? []).includes(labels[e.key]);
      case "Exists":
        return has;
      case "DoesNotExist":
        return !has;
      default:
        return false;
    }
  });
  return byLabel && byExpression;
}

/** Every value under `key` anywhere in `value`, depth first. */
function findAll(value: unknown, key: string, found: unknown[] = []): unknown[] {
  if (Array.isArray(value)) for (const v of value) findAll(v, key, found);
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (k === key) found.push(v);
      findAll(v, key, found);
    }
  }
  return found;
}

/** The namespace of a Kubernetes object or Helm release. */
const namespaceOf = (inputs: Inputs) => String(inputs.metadata?.namespace ?? inputs.namespace ?? "default");

/** The host of `http://host:port` or `host:port`. */
const hostOf = (address: string) => address.replace(/^[a-z]+:\/\//, "").split(/[:/]/)[0];

/** The YAML documents a Docker container is given as uploaded files, parsed (unparseable ones skipped). */
function uploadedYaml(inputs: Inputs): Inputs[] {
  return (inputs.uploads ?? []).flatMap((u: Inputs) => {
    if (typeof u.content !== "string") return [];
    try {
      const doc = parseYaml(u.content);
      return doc && typeof doc === "object" ? [doc] : [];
    } catch {
      return [];
    }
  });
}

const MONITOR_KINDS: Record<string, Monitor["kind"]> = {
  "kubernetes:monitoring.coreos.com/v1:ServiceMonitor": "serviceMonitor",
  "kubernetes:monitoring.coreos.com/v1:PodMonitor": "podMonitor",
};

/** A ServiceMonitor or PodMonitor, and the component that declares it. */
interface Monitor {
  readonly kind: "serviceMonitor" | "podMonitor";
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly node: DiagramNode;
}

/**
 * Whether the Prometheus of a kube-prometheus-stack release picks up a monitor. Without a
 * selector the chart selects `release: <release name>` unless `<kind>SelectorNilUsesHelmValues` is
 * false (then every monitor); without a namespace selector the operator looks only in Prometheus'
 * own namespace, and `{}` means every namespace.
 *
 * @see https://github.com/prometheus-community/helm-charts/blob/main/charts/kube-prometheus-stack/values.yaml
 * @see https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.PrometheusSpec
 */
export function prometheusSelects(
  spec: Inputs,
  releaseName: string,
  releaseNamespace: string,
  monitor: Pick<Monitor, "kind" | "namespace" | "labels">,
  namespaceLabels: ReadonlyMap<string, Record<string, string>>,
): boolean {
  const selector = spec[`${monitor.kind}Selector`] ?? (spec[`${monitor.kind}SelectorNilUsesHelmValues`] === false ? {} : { matchLabels: { release: releaseName } });
  const namespaceSelector = spec[`${monitor.kind}NamespaceSelector`];
  const inNamespace = namespaceSelector === undefined ? monitor.namespace === releaseNamespace : selectorMatches(namespaceSelector, namespaceLabels.get(monitor.namespace));
  return inNamespace && selectorMatches(selector, monitor.labels);
}

/**
 * Derives the architecture of a plan: one node per top-level platform component, and an edge
 * A → B in a meaningful direction ({@link componentRole}) when
 * - a resource under A depends on a resource under B (`depends on`);
 * - a Gateway API HTTPRoute under A names a Service under B as its backend, or a Traefik file
 *   provider config under A sends to `http://<B's container>:<port>` (`routes`);
 * - a ServiceMonitor under A selects a Service under B, the kube-prometheus-stack release under A
 *   picks up a ServiceMonitor or PodMonitor under B ({@link prometheusSelects}), or a Prometheus
 *   config under A scrapes `<B's container>:<port>` (`scrapes`);
 * - a workload under A reads a Secret (`secretKeyRef`, `secretRef`, a secret volume) that B writes,
 *   or a Certificate under B issues (`reads secret`).
 *
 * @see https://gateway-api.sigs.k8s.io/reference/spec/#httpbackendref
 * @see https://doc.traefik.io/traefik/routing/providers/file/
 * @see https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.ServiceMonitorSpec
 * @see https://prometheus.io/docs/prometheus/latest/configuration/configuration/#static_config
 */
export function architectureGraph(plan: DiagramPlan): ArchitectureGraph {
  const owners = componentOwners(plan.resources);
  const nodeOf = new Map<string, DiagramNode>();
  for (const owner of new Set(owners.values())) {
    const kind = owner.type.slice(COMPONENT_PREFIX.length);
    nodeOf.set(owner.urn, { id: mermaidId(kind, owner.name), kind, name: owner.name, role: componentRole(kind) });
  }
  const ownerNode = (urn: string) => {
    const owner = owners.get(urn);
    return owner ? nodeOf.get(owner.urn) : undefined;
  };

  // What each component answers to: Kubernetes Services (with their labels), Secrets it writes, and
  // Docker container host names.
  const services: { namespace: string; name: string; labels: Record<string, string>; node: DiagramNode }[] = [];
  const secrets = new Map<string, DiagramNode>();
  const hosts = new Map<string, DiagramNode>();
  const monitors: Monitor[] = [];
  const namespaceLabels = new Map<string, Record<string, string>>();
  for (const r of plan.resources) {
    const inputs = r.inputs as Inputs;
    if (r.type === "kubernetes:core/v1:Namespace") namespaceLabels.set(inputs.metadata?.name, inputs.metadata?.labels ?? {});
    const node = ownerNode(r.urn);
    if (!node) continue;
    const monitorKind = MONITOR_KINDS[r.type];
    if (monitorKind) monitors.push({ kind: monitorKind, namespace: namespaceOf(inputs), labels: inputs.metadata?.labels ?? {}, node });
    if (r.type === "kubernetes:core/v1:Service") services.push({ namespace: namespaceOf(inputs), name: inputs.metadata?.name, labels: inputs.metadata?.labels ?? {}, node });
    if (r.type === "kubernetes:core/v1:Secret") secrets.set(`${namespaceOf(inputs)}/${inputs.metadata?.name}`, node);
    if (r.type === "kubernetes:cert-manager.io/v1:Certificate") secrets.set(`${namespaceOf(inputs)}/${inputs.spec?.secretName}`, node);
    if (r.type === "docker:index/container:Container") {
      for (const host of [inputs.name, inputs.hostname, ...(inputs.networksAdvanced ?? []).flatMap((n: Inputs) => n.aliases ?? [])]) {
        if (typeof host === "string") hosts.set(host, node);
      }
    }
  }

  const edges = new Map<string, { from: string; to: string; evidence: Set<Evidence> }>();
  const add = (from: DiagramNode | undefined, to: DiagramNode | undefined, evidence: Evidence) => {
    if (!from || !to || from === to || !MEANINGFUL.has(`${from.role}→${to.role}`)) return;
    const key = `${from.id} ${to.id}`;
    const edge = edges.get(key) ?? { from: from.id, to: to.id, evidence: new Set<Evidence>() };
    edge.evidence.add(evidence);
    edges.set(key, edge);
  };

  for (const r of plan.resources) {
    const from = ownerNode(r.urn);
    if (!from) continue;
    const inputs = r.inputs as Inputs;
    const namespace = namespaceOf(inputs);
    for (const dependency of r.dependencies) add(from, ownerNode(dependency), "depends on");

    if (r.type === "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute") {
      for (const ref of findAll(inputs.spec?.rules, "backendRefs").flat() as Inputs[]) {
        if ((ref.kind ?? "Service") !== "Service" || (ref.group ?? "") !== "") continue;
        const target = services.find((s) => s.name === ref.name && s.namespace === (ref.namespace ?? namespace));
        add(from, target?.node, "routes");
      }
    }
    if (r.type === "kubernetes:monitoring.coreos.com/v1:ServiceMonitor") {
      const selector = inputs.spec?.namespaceSelector ?? {};
      const inNamespace = (ns: string) => selector.any === true || (selector.matchNames ?? [namespace]).includes(ns);
      for (const s of services) if (inNamespace(s.namespace) && selectorMatches(inputs.spec?.selector, s.labels)) add(from, s.node, "scrapes");
    }
    for (const ref of [...findAll(inputs, "secretKeyRef"), ...findAll(inputs, "secretRef")] as Inputs[]) {
      if (typeof ref?.name === "string") add(from, secrets.get(`${namespace}/${ref.name}`), "reads secret");
    }
    for (const name of findAll(inputs, "secretName")) {
      if (typeof name === "string" && r.type !== "kubernetes:cert-manager.io/v1:Certificate") add(from, secrets.get(`${namespace}/${name}`), "reads secret");
    }
    if (r.type === "kubernetes:helm.sh/v3:Release" && inputs.chart === "kube-prometheus-stack") {
      const spec = (inputs.values?.prometheus?.prometheusSpec ?? {}) as Inputs;
      for (const m of monitors) if (prometheusSelects(spec, String(inputs.name ?? r.name), namespace, m, namespaceLabels)) add(from, m.node, "scrapes");
    }
    if (r.type === "docker:index/container:Container") {
      for (const doc of uploadedYaml(inputs)) {
        for (const service of Object.values((doc.http?.services ?? {}) as Record<string, Inputs>)) {
          for (const server of service.loadBalancer?.servers ?? []) if (typeof server.url === "string") add(from, hosts.get(hostOf(server.url)), "routes");
        }
        for (const job of doc.scrape_configs ?? []) {
          for (const target of findAll(job.static_configs, "targets").flat()) if (typeof target === "string") add(from, hosts.get(hostOf(target)), "scrapes");
        }
      }
    }
  }

  const order = (n: DiagramNode) => ROLES.indexOf(n.role);
  const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return {
    nodes: [...nodeOf.values()].sort((a, b) => order(a) - order(b) || byId(a.id, b.id)),
    edges: [...edges.values()]
      .map((e) => ({ from: e.from, to: e.to, evidence: [...e.evidence].sort() }))
      .sort((a, b) => byId(a.from, b.from) || byId(a.to, b.to)),
  };
}

/**
 * The Mermaid `flowchart LR` of a plan: a Clients node, one subgraph per role holding its
 * components (labelled `Kind name`), and the edges of {@link architectureGraph}, each labelled with
 * what it references (routes, scrapes, reads secret), or `depends on` when only the dependency
 * shows it. Clients reach every Gateway. Output is sorted, so one plan always gives the same text.
 *
 * @see https://mermaid.js.org/syntax/flowchart.html
 */
export function mermaidDiagram(plan: DiagramPlan): string {
  const graph = architectureGraph(plan);
  const lines = ["---", `title: ${JSON.stringify(`Stack ${plan.stack} on ${plan.target}`)}`, "---", "flowchart LR", `  ${CLIENTS_ID}(["Clients"])`];
  for (const role of ROLES) {
    const nodes = graph.nodes.filter((n) => n.role === role);
    if (nodes.length === 0) continue;
    const title = role === "platform" ? `${ROLE_TITLES[role]} (${plan.target})` : ROLE_TITLES[role];
    lines.push(`  subgraph ${role}["${mermaidLabel(title)}"]`);
    for (const n of nodes) lines.push(`    ${n.id}["${mermaidLabel(`${n.kind} ${n.name}`)}"]`);
    lines.push("  end");
  }
  for (const n of graph.nodes) if (n.kind === "Gateway") lines.push(`  ${CLIENTS_ID} --> ${n.id}`);
  for (const e of graph.edges) {
    const references = e.evidence.filter((x) => x !== "depends on");
    const label = (references.length > 0 ? references : e.evidence).join(", ");
    lines.push(`  ${e.from} -->|"${mermaidLabel(label)}"| ${e.to}`);
  }
  return `${lines.join("\n")}\n`;
}

/**
 * The Markdown file `--diagram` writes: a heading naming the stack and target, and the diagram.
 *
 * @see https://docs.github.com/en/get-started/writing-on-github/working-with-advanced-formatting/creating-diagrams
 */
export function diagramMarkdown(plan: DiagramPlan): string {
  return [
    `# Architecture of stack \`${plan.stack}\` on \`${plan.target}\``,
    "",
    "Generated from the offline plan (`npm run plan -- --diagram FILE.md`); do not edit by hand.",
    "Regenerate every shipped stack's diagram, and the README's copies, with `npm run diagrams`.",
    "",
    "```mermaid",
    mermaidDiagram(plan).trimEnd(),
    "```",
    "",
  ].join("\n");
}

/**
 * The Mermaid text of the first ```` ```mermaid ```` block of a Markdown text, or undefined.
 *
 * @see https://docs.github.com/en/get-started/writing-on-github/working-with-advanced-formatting/creating-diagrams
 */
export function mermaidBlock(markdown: string): string | undefined {
  const match = /^```mermaid\n([\s\S]*?)^```$/m.exec(markdown);
  return match?.[1];
}

/** A shipped stack whose diagram is committed as `docs/architecture/<file>.md`. */
export interface DiagramStack {
  /** The file name without `.md`, and the README marker's key. */
  readonly file: string;
  /** The arguments to `npm run plan --`. */
  readonly args: readonly string[];
}

/** The shipped stacks with a committed diagram. */
export const DIAGRAM_STACKS: readonly DiagramStack[] = [
  { file: "dev", args: ["--stack", "dev"] },
  { file: "prod", args: ["--stack", "prod"] },
  { file: "prod-gke", args: ["--stack", "prod", "--config", "platform:target=gke"] },
  { file: "onprem", args: ["--stack", "onprem"] },
];

/** Where a stack's diagram is committed, relative to the project root. */
export const diagramPath = (file: string) => `docs/architecture/${file}.md`;

/** The README's markers around the embedded diagram of `file`. */
export const readmeMarkers = (file: string) => ({ open: `<!-- diagram:${file} -->`, close: `<!-- /diagram:${file} -->` });

/**
 * The Mermaid text between a README's markers for `file`, or undefined when the markers are absent.
 *
 * @see https://docs.github.com/en/get-started/writing-on-github/working-with-advanced-formatting/creating-diagrams
 */
export function readmeDiagram(readme: string, file: string): string | undefined {
  const { open, close } = readmeMarkers(file);
  const start = readme.indexOf(open);
  const end = readme.indexOf(close, start);
  if (start < 0 || end < 0) return undefined;
  return mermaidBlock(readme.slice(start + open.length, end)) ?? "";
}

/**
 * The README with the block between the markers for `file` replaced by `mermaid` in a fence; unchanged without markers.
 *
 * @see https://docs.github.com/en/get-started/writing-on-github/working-with-advanced-formatting/creating-diagrams
 */
export function embedReadmeDiagram(readme: string, file: string, mermaid: string): string {
  const { open, close } = readmeMarkers(file);
  const start = readme.indexOf(open);
  const end = readme.indexOf(close, start);
  if (start < 0 || end < 0) return readme;
  return `${readme.slice(0, start + open.length)}\n\`\`\`mermaid\n${mermaid.trimEnd()}\n\`\`\`\n${readme.slice(end)}`;
}
