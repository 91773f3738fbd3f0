/**
 * What a stack asks of its nodes, and what its node pools give at their minimum size: the sums the
 * `node-capacity` rule compares and `npm run plan` prints. Internal to the policy pack (not a rule).
 *
 * Requests counted, per pod × replicas:
 * - Deployments (replicas, or the minimum of the HorizontalPodAutoscaler or KEDA ScaledObject that
 *   scales them),
 *   StatefulSets, ReplicaSets and Pods: the larger of the containers' sum and the largest init
 *   container; DaemonSets once per node;
 * - the mesh's sidecar in every pod of a meshed namespace (`istio-injection: enabled` label or
 *   `linkerd.io/inject: enabled` annotation) unless the pod opts out, with the proxy requests the
 *   mesh release sets (Istio's chart default, 100m and 128Mi, when unset);
 * - Helm releases: every `resources` (or Linkerd's `*Resources`) block the program sets in the
 *   values, times the `replicas`/`replicaCount`/`controllerReplicas` (or `deployment.replicas`)
 *   beside it (KEDA's root `resources.<component>` times `<component>.replicaCount`); the node exporter's and the CNI charts' once per node; not sidecar templates
 *   (`proxy`, `global`) or one-off jobs (`startupapicheck`, Linkerd's heartbeat);
 * - CloudNativePG `Cluster`s and `Pooler`s, and `RabbitmqCluster`s: instances × requests.
 *
 * Not counted: what a release's chart requests by default when the program sets nothing, the
 * operators applied from release manifests, and the cloud's own pods (CoreDNS, the CNI,
 * kube-proxy, CSI nodes). Leave headroom for them.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/pods/init-containers/#resource-sharing-within-containers
 * @see https://kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/
 */
import { eksNodeAllocatable, gkeNodeAllocatable, type NodeResources } from "../../components/contract/node-types";
import { cpuToCores, memoryToMiB } from "../../components/shared/quantity";
import { knownParts } from "./known";

/** A resource as both the policy pack and the plan see it. */
export interface CapacityResource {
  readonly type: string;
  readonly name: string;
  readonly props: Record<string, any>;
}

/** CPU in millicores and memory in MiB. */
interface Amount {
  cpuMillis: number;
  memoryMiB: number;
}

/** One line of the requests: what, how many pods, the total. */
export interface RequestLine extends NodeResources {
  readonly what: string;
  /** Counted once per node (a DaemonSet) rather than once. */
  readonly perNode: boolean;
}

/** A node pool at its minimum size. */
export interface NodePoolCapacity {
  readonly name: string;
  readonly type: string;
  readonly nodes: number;
  /** One node's allocatable resources; `undefined` for a type not in the table. */
  readonly node?: NodeResources;
}

/** The comparison: requests against allocatable capacity at minimum size. */
export interface CapacityReport {
  readonly lines: readonly RequestLine[];
  readonly pools: readonly NodePoolCapacity[];
  /** Every request, with per-node lines times the node count. */
  readonly requests: NodeResources;
  /** The pools' allocatable total at minimum size (pools of unknown types count zero). */
  readonly allocatable: NodeResources;
  /** Instance or machine types not in the table. */
  readonly unknownTypes: readonly string[];
}

const cpu = (q: unknown) => (typeof q === "string" || typeof q === "number" ? Math.round(cpuToCores(String(q)) * 1000) : 0);
const mem = (q: unknown) => (typeof q === "string" || typeof q === "number" ? memoryToMiB(String(q)) : 0);
const add = (a: Amount, b: Amount): Amount => ({ cpuMillis: a.cpuMillis + b.cpuMillis, memoryMiB: a.memoryMiB + b.memoryMiB });
const times = (a: Amount, n: number): Amount => ({ cpuMillis: a.cpuMillis * n, memoryMiB: a.memoryMiB * n });
const ZERO: Amount = { cpuMillis: 0, memoryMiB: 0 };

/** The requests of a `resources` block: `requests.cpu`/`requests.memory`, or Linkerd's `cpu.request`/`memory.request`. */
function requestsOf(resources: any): Amount {
  if (!resources || typeof resources !== "object") return ZERO;
  if (resources.requests) return { cpuMillis: cpu(resources.requests.cpu), memoryMiB: mem(resources.requests.memory) };
  return { cpuMillis: cpu(resources.cpu?.request), memoryMiB: mem(resources.memory?.request) };
}

/** A pod's effective request: the containers' sum, or the largest init container if larger. */
function podRequests(pod: any): Amount {
  const sum = (pod?.containers ?? []).reduce((acc: Amount, c: any) => add(acc, requestsOf(c.resources)), ZERO);
  const init = (pod?.initContainers ?? []).map((c: any) => requestsOf(c.resources));
  return init.reduce((acc: Amount, i: Amount) => ({ cpuMillis: Math.max(acc.cpuMillis, i.cpuMillis), memoryMiB: Math.max(acc.memoryMiB, i.memoryMiB) }), sum);
}

const WORKLOADS: Record<string, "replicas" | "daemon" | "single"> = {
  "kubernetes:apps/v1:Deployment": "replicas",
  "kubernetes:apps/v1:StatefulSet": "replicas",
  "kubernetes:apps/v1:ReplicaSet": "replicas",
  "kubernetes:apps/v1:DaemonSet": "daemon",
  "kubernetes:core/v1:Pod": "single",
};
const HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";
/** KEDA's ScaledObject: the HPA it creates has the ScaledObject's `minReplicaCount` (0 scales to zero). */
const SCALED_OBJECT = "kubernetes:keda.sh/v1alpha1:ScaledObject";
const NAMESPACE = "kubernetes:core/v1:Namespace";
const CNPG_CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster";
const CNPG_POOLER = "kubernetes:postgresql.cnpg.io/v1:Pooler";
const RABBITMQ = "kubernetes:rabbitmq.com/v1beta1:RabbitmqCluster";
const EKS_NODE_GROUP = "aws:eks/nodeGroup:NodeGroup";
const GKE_NODE_POOL = "gcp:container/nodePool:NodePool";
const RELEASE = "kubernetes:helm.sh/v3:Release";
/** Value keys whose `resources` are a template for other pods' sidecars or a periodic job, not pods of their own. */
const NOT_PODS = new Set(["proxy", "global", "heartbeatResources", "proxyInit", "debugContainer", "startupapicheck"]);
/** Charts (or subchart keys) that run one pod per node. */
const PER_NODE = new Set(["prometheus-node-exporter", "cni", "linkerd2-cni"]);
const REPLICA_KEYS = ["replicas", "replicaCount", "controllerReplicas"];
/** The types the sums read; the rest of the stack is not copied. */
const COUNTED_TYPES = new Set([...Object.keys(WORKLOADS), HPA, SCALED_OBJECT, RELEASE, NAMESPACE, CNPG_CLUSTER, CNPG_POOLER, RABBITMQ, EKS_NODE_GROUP, GKE_NODE_POOL]);

/** Istio's chart default for the sidecar's requests. @see https://github.com/istio/istio/blob/1.30.3/manifests/charts/istio-control/istio-discovery/values.yaml */
const ISTIO_PROXY_DEFAULT: Amount = { cpuMillis: 100, memoryMiB: 128 };

/** KEDA's `resources.metricServer` is counted by `metricsServer.replicaCount`. @see https://github.com/kedacore/charts/blob/v2.20.2/keda/values.yaml */
const COMPONENT_REPLICAS_KEY: Record<string, string> = { metricServer: "metricsServer" };

/** Root `resources` with one block per component (KEDA's chart): each block times its component's `replicaCount`. */
function componentResourceLines(release: string, values: any, resources: any, sidecar: (component: string) => Amount): RequestLine[] {
  if (!resources || typeof resources !== "object") return [];
  return Object.entries(resources).flatMap(([component, block]) => {
    const own = requestsOf(block);
    if (own.cpuMillis === 0 && own.memoryMiB === 0) return [];
    const count = values?.[COMPONENT_REPLICAS_KEY[component] ?? component]?.replicaCount;
    const replicas = typeof count === "number" ? count : 1;
    return [{ what: `${release} resources.${component} × ${replicas}`, ...times(add(own, sidecar(component)), replicas), perNode: false }];
  });
}

/** The requests a Helm release's values set, as lines. */
function helmLines(release: CapacityResource, sidecar: (namespace: string) => Amount): RequestLine[] {
  const values = release.props.values ?? {};
  const chart = String(release.props.chart ?? "").split("/").pop() ?? "";
  const namespace = String(release.props.namespace ?? "default");
  const lines: RequestLine[] = [];
  const walk = (node: any, path: string[], perNode: boolean, inherited: number) => {
    if (!node || typeof node !== "object" || Array.isArray(node)) return;
    // Traefik's chart keeps the count under `deployment.replicas`; Karpenter's `replicas` applies to
    // `controller.resources` one level down.
    const replicas = [...REPLICA_KEYS.map((k) => node[k]), node.deployment?.replicas].find((v) => typeof v === "number") ?? inherited;
    for (const [key, value] of Object.entries(node)) {
      if (NOT_PODS.has(key)) continue;
      if (key === "resources" || (key.endsWith("Resources") && key !== "resources")) {
        const own = requestsOf(value);
        if (own.cpuMillis === 0 && own.memoryMiB === 0) {
          // KEDA's chart keeps one block per Deployment under the root `resources` (`resources.operator`),
          // and each Deployment's count beside its other settings (`operator.replicaCount`).
          if (path.length === 0) lines.push(...componentResourceLines(release.name, values, value, () => sidecar(namespace)));
          continue;
        }
        const pod = add(own, sidecar(namespace));
        lines.push({ what: `${release.name} ${[...path, key].join(".")} × ${replicas}`, ...times(pod, replicas), perNode });
      } else walk(value, [...path, key], perNode || PER_NODE.has(key), replicas);
    }
  };
  // The OpenTelemetry Collector chart runs one pod per node in `mode: daemonset`.
  walk(values, [], PER_NODE.has(chart) || values.mode === "daemonset", 1);
  return lines;
}

/**
 * The requests of every pod the stack runs, as lines, and the node pools at minimum size.
 *
 * @param resources - the stack's resources (custom resources with their inputs).
 */
export function capacityReport(all: readonly CapacityResource[]): CapacityReport {
  // Plain copies of what the sums read, with values not known yet (a preview) as undefined.
  const resources = all.filter((r) => COUNTED_TYPES.has(r.type)).map((r) => ({ type: r.type, name: r.name, props: knownParts(() => r.props) ?? {} }));
  const props = (r: CapacityResource, read: (p: any) => any) => read(r.props);
  // The meshed namespaces, and the sidecar's requests.
  const meshed = new Map<string, "istio" | "linkerd">();
  for (const ns of resources.filter((r) => r.type === NAMESPACE)) {
    const meta = props(ns, (p) => p.metadata) ?? {};
    if (meta.labels?.["istio-injection"] === "enabled") meshed.set(meta.name, "istio");
    if (meta.annotations?.["linkerd.io/inject"] === "enabled") meshed.set(meta.name, "linkerd");
  }
  const istiod = resources.find((r) => r.type === RELEASE && String(props(r, (p) => p.chart) ?? "").endsWith("istiod"));
  const linkerd = resources.find((r) => r.type === RELEASE && String(props(r, (p) => p.chart) ?? "").endsWith("linkerd-control-plane"));
  const proxy: Record<"istio" | "linkerd", Amount> = {
    istio: istiod ? requestsOf(props(istiod, (p) => p.values?.global?.proxy?.resources)) : ISTIO_PROXY_DEFAULT,
    linkerd: linkerd ? requestsOf(props(linkerd, (p) => p.values?.proxy?.resources)) : ZERO,
  };
  if (istiod && proxy.istio.cpuMillis === 0 && proxy.istio.memoryMiB === 0) proxy.istio = ISTIO_PROXY_DEFAULT;
  const sidecar = (namespace: string, meta?: any): Amount => {
    const mesh = meta?.annotations?.["linkerd.io/inject"] === "enabled" ? "linkerd" : meshed.get(namespace);
    if (!mesh) return ZERO;
    if (mesh === "istio" && (meta?.labels?.["sidecar.istio.io/inject"] === "false" || meta?.annotations?.["sidecar.istio.io/inject"] === "false")) return ZERO;
    if (mesh === "linkerd" && meta?.annotations?.["linkerd.io/inject"] === "disabled") return ZERO;
    return proxy[mesh];
  };

  const hpaMin = new Map<string, number>();
  for (const hpa of resources.filter((r) => r.type === HPA)) {
    const spec = props(hpa, (p) => p.spec) ?? {};
    const ns = props(hpa, (p) => p.metadata?.namespace) ?? "default";
    if (spec.scaleTargetRef?.name) hpaMin.set(`${ns}/${spec.scaleTargetRef.name}`, spec.minReplicas ?? 1);
  }
  for (const so of resources.filter((r) => r.type === SCALED_OBJECT)) {
    const spec = props(so, (p) => p.spec) ?? {};
    const ns = props(so, (p) => p.metadata?.namespace) ?? "default";
    if (spec.scaleTargetRef?.name) hpaMin.set(`${ns}/${spec.scaleTargetRef.name}`, spec.minReplicaCount ?? 0);
  }

  const lines: RequestLine[] = [];
  for (const r of resources) {
    const kind = WORKLOADS[r.type];
    if (kind) {
      const meta = props(r, (p) => p.metadata) ?? {};
      const ns = meta.namespace ?? "default";
      const template = kind === "single" ? { metadata: meta, spec: props(r, (p) => p.spec) } : props(r, (p) => p.spec?.template);
      const pod = add(podRequests(template?.spec), sidecar(ns, template?.metadata));
      const replicas = kind === "replicas" ? (props(r, (p) => p.spec?.replicas) ?? hpaMin.get(`${ns}/${meta.name}`) ?? 1) : 1;
      lines.push({ what: `${r.type.split(":").pop()} ${ns}/${meta.name ?? r.name} × ${replicas}`, ...times(pod, replicas), perNode: kind === "daemon" });
    } else if (r.type === RELEASE) {
      lines.push(...helmLines(r, (ns) => sidecar(ns)));
    } else if (r.type === CNPG_CLUSTER) {
      const spec = props(r, (p) => p.spec) ?? {};
      lines.push({ what: `CloudNativePG Cluster ${r.name} × ${spec.instances ?? 1}`, ...times(requestsOf(spec.resources), spec.instances ?? 1), perNode: false });
    } else if (r.type === CNPG_POOLER) {
      const spec = props(r, (p) => p.spec) ?? {};
      lines.push({ what: `CloudNativePG Pooler ${r.name} × ${spec.instances ?? 1}`, ...times(podRequests(spec.template?.spec), spec.instances ?? 1), perNode: false });
    } else if (r.type === RABBITMQ) {
      const spec = props(r, (p) => p.spec) ?? {};
      lines.push({ what: `RabbitmqCluster ${r.name} × ${spec.replicas ?? 1}`, ...times(requestsOf(spec.resources), spec.replicas ?? 1), perNode: false });
    }
  }

  const pools: NodePoolCapacity[] = [];
  for (const r of resources) {
    if (r.type === EKS_NODE_GROUP) {
      const types: string[] = props(r, (p) => p.instanceTypes) ?? [];
      const sizes = types.map((t) => ({ t, node: eksNodeAllocatable(t) }));
      // The smallest listed type: the group may launch any of them.
      const smallest = sizes.every((s) => s.node) ? sizes.sort((a, b) => a.node!.cpuMillis - b.node!.cpuMillis || a.node!.memoryMiB - b.node!.memoryMiB)[0] : sizes.find((s) => !s.node);
      pools.push({ name: r.name, type: smallest?.t ?? "unknown", nodes: props(r, (p) => p.scalingConfig?.minSize) ?? 0, node: smallest?.node });
    } else if (r.type === GKE_NODE_POOL) {
      const type = props(r, (p) => p.nodeConfig?.machineType) ?? "unknown";
      const zones = (props(r, (p) => p.nodeLocations) ?? [undefined]).length;
      pools.push({ name: r.name, type, nodes: (props(r, (p) => p.autoscaling?.minNodeCount) ?? props(r, (p) => p.nodeCount) ?? 0) * zones, node: gkeNodeAllocatable(type) });
    }
  }
  const nodes = pools.reduce((n, p) => n + p.nodes, 0);
  const requests = lines.reduce((acc, l) => add(acc, l.perNode ? times(l, nodes) : l), ZERO);
  const allocatable = pools.reduce((acc, p) => (p.node ? add(acc, times(p.node, p.nodes)) : acc), ZERO);
  return { lines, pools, requests, allocatable, unknownTypes: pools.filter((p) => !p.node).map((p) => p.type) };
}

/** `3.86 vCPU` / `6.9 GiB`, as the messages and the plan print them. */
export function formatAmount(a: NodeResources): string {
  return `${(a.cpuMillis / 1000).toFixed(2)} vCPU and ${(a.memoryMiB / 1024).toFixed(1)} GiB`;
}

/** `2 × t3.medium (1930m, 3554Mi each)` for every pool. */
export function formatPools(pools: readonly NodePoolCapacity[]): string {
  return pools.map((p) => `${p.nodes} × ${p.type}${p.node ? ` (${p.node.cpuMillis}m, ${p.node.memoryMiB}Mi allocatable each)` : " (not in the allocatable table)"}`).join(" + ");
}
