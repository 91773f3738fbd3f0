/**
 * The network a stack wires, as data: the namespaces to isolate and the flows between pods (and
 * from or to addresses outside the pod network) to admit. {@link networkPolicyObjects} turns it into
 * Kubernetes NetworkPolicies: a default deny per namespace, and per flow an ingress allow at the
 * destination and an egress allow at the source, since Kubernetes admits a connection only when
 * both ends allow it.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
import { networkOf, parseIpv4Cidr } from "../shared/cidr";

/** A Kubernetes label selector (`matchLabels` and `matchExpressions`). @see https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#resources-that-support-set-based-requirements */
export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly { readonly key: string; readonly operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; readonly values?: readonly string[] }[];
}

/** Pods: those of `namespace` matching `pods` (every pod of the namespace without it). */
export interface PodPeer {
  readonly namespace: string;
  /** @default every pod of the namespace */
  readonly pods?: LabelSelector;
}

/** Addresses outside the pod network (the API server, the internet, a managed database's subnet), CIDRs with exceptions. */
export interface AddressPeer {
  readonly cidrs: readonly string[];
  /** CIDRs within `cidrs` that stay denied (the cloud metadata endpoint). @default [] */
  readonly except?: readonly string[];
}

/** Either end of a flow. */
export type Peer = PodPeer | AddressPeer;

/**
 * A destination port, a range (`endPort`) or a named container port. Prefer listing ports to
 * `endPort`: Cilium (GKE Dataplane V2) long accepted `endPort` and enforced the first port only.
 * @see https://github.com/cilium/cilium/issues/28684
 */
export interface FlowPort {
  readonly port: number | string;
  /** The last port of a range starting at `port`. */
  readonly endPort?: number;
  /** @default "TCP" */
  readonly protocol?: "TCP" | "UDP";
}

/**
 * One admitted path: from `from` to `to` on `ports`. A pod end in a namespace the stack does not
 * isolate gets no policy there (a policy would start isolating that namespace's pods).
 */
export interface NetworkFlow {
  /** Unique among the flows, a DNS label: it names the NetworkPolicies (`allow.<name>.in`/`.out`). */
  readonly name: string;
  readonly from: Peer;
  readonly to: Peer;
  /** The destination ports; empty admits every port (the rule has no `ports`, which every implementation enforces). */
  readonly ports: readonly FlowPort[];
}

/** The cloud metadata endpoint (AWS IMDS, GCE metadata server); every "anywhere" excepts it. @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html */
export const METADATA_CIDR = "169.254.169.254/32";

/** Any IPv4 address but the metadata endpoint. */
export const ANYWHERE: AddressPeer = { cidrs: ["0.0.0.0/0"], except: [METADATA_CIDR] };

/**
 * Whatever the pod network cannot name: the API server (not a pod; on k3s the server's node IP,
 * on EKS and GKE the control plane's endpoints) and the kubelet's probes' source (the node, which
 * every implementation admits anyway: Kubernetes documents that a pod cannot block its node).
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/#what-you-can-t-do-with-network-policies-at-least-not-yet
 */
export const API_SERVER: AddressPeer = ANYWHERE;

/** The API server's ports: 443 (EKS, GKE, and the `kubernetes` Service everywhere) and 6443 (k3s's server, after the Service's DNAT). @see https://docs.k3s.io/installation/requirements#inbound-rules-for-k3s-nodes */
export const API_SERVER_PORTS: readonly FlowPort[] = [{ port: 443 }, { port: 6443 }];

/**
 * The cluster DNS: CoreDNS on k3s and EKS, kube-dns on GKE; all three label their pods
 * `k8s-app: kube-dns` in kube-system.
 * @see https://github.com/k3s-io/k3s/blob/master/manifests/coredns.yaml
 * @see https://docs.aws.amazon.com/eks/latest/userguide/managing-coredns.html
 * @see https://cloud.google.com/kubernetes-engine/docs/how-to/kube-dns
 */
export const KUBE_DNS: PodPeer = { namespace: "kube-system", pods: { matchLabels: { "k8s-app": "kube-dns" } } };

/** DNS over UDP and TCP. */
export const DNS_PORTS: readonly FlowPort[] = [{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP" }];

/**
 * The name of each namespace's default deny. The allows are named `allow.<flow>.in` and
 * `allow.<flow>.out`: the dots keep them apart from every object a service creates, whose names
 * are DNS-1035 labels (no dot); a service may not take this name (stacks/config/reserved.ts).
 */
export const DEFAULT_DENY_POLICY = "default-deny";

/** Whether a peer is pods (rather than addresses). */
export const isPodPeer = (peer: Peer): peer is PodPeer => "namespace" in peer;

/** A NetworkPolicy before it becomes a resource. */
export interface NetworkPolicyObject {
  readonly namespace: string;
  readonly name: string;
  readonly spec: { podSelector: Record<string, unknown>; policyTypes: string[]; ingress?: Record<string, unknown>[]; egress?: Record<string, unknown>[] };
}

/** The label Kubernetes puts on every namespace: its name. @see https://kubernetes.io/docs/reference/labels-annotations-taints/#kubernetes-io-metadata-name */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

function peerRule(peer: Peer): Record<string, unknown> {
  if (!isPodPeer(peer)) return { ipBlock: { cidr: peer.cidrs[0], ...(peer.except?.length ? { except: [...peer.except] } : {}) } };
  return { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: peer.namespace } }, podSelector: selectorOf(peer.pods) };
}

/** An address peer with several CIDRs is several `ipBlock` peers. */
function peerRules(peer: Peer): Record<string, unknown>[] {
  if (isPodPeer(peer)) return [peerRule(peer)];
  return peer.cidrs.map((cidr) => peerRule({ cidrs: [cidr], except: (peer.except ?? []).filter((e) => contains(cidr, e)) }));
}

/** Whether IPv4 `outer` contains `inner` (both CIDRs): an `except` must lie inside its `cidr`. */
function contains(outer: string, inner: string): boolean {
  const o = parseIpv4Cidr(outer);
  const i = parseIpv4Cidr(inner);
  if (!o || !i || i.prefix < o.prefix) return false;
  return networkOf({ address: i.address, prefix: o.prefix }).address === networkOf(o).address;
}

const selectorOf = (pods?: LabelSelector): Record<string, unknown> => (pods ? JSON.parse(JSON.stringify(pods)) : {});

/** The rule's `ports`; none (every port) for an empty list. */
const portsOf = (ports: readonly FlowPort[]) =>
  ports.length === 0 ? {} : { ports: ports.map((p) => ({ protocol: p.protocol ?? "TCP", port: p.port, ...(p.endPort !== undefined ? { endPort: p.endPort } : {}) })) };

/**
 * The NetworkPolicies of a stack: per isolated namespace a `default-deny` (every pod, ingress and
 * egress, no rule), and per flow `allow.<name>.in` where the destination is pods of an isolated
 * namespace and `allow.<name>.out` where the source is. Policies are additive: a connection is
 * admitted when some policy of the source allows it out and some policy of the destination lets it in.
 *
 * @throws Error when two flows share a name.
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/#default-deny-all-ingress-and-all-egress-traffic
 */
export function networkPolicyObjects(namespaces: readonly string[], flows: readonly NetworkFlow[]): NetworkPolicyObject[] {
  const isolated = new Set(namespaces);
  const names = new Set<string>();
  const objects: NetworkPolicyObject[] = namespaces.map((namespace) => ({ namespace, name: DEFAULT_DENY_POLICY, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } }));
  for (const flow of flows) {
    if (names.has(flow.name)) throw new Error(`network flow "${flow.name}" is declared twice`);
    names.add(flow.name);
    const ports = portsOf(flow.ports);
    if (isPodPeer(flow.to) && isolated.has(flow.to.namespace)) {
      objects.push({ namespace: flow.to.namespace, name: `allow.${flow.name}.in`, spec: { podSelector: selectorOf(flow.to.pods), policyTypes: ["Ingress"], ingress: [{ from: peerRules(flow.from), ...ports }] } });
    }
    if (isPodPeer(flow.from) && isolated.has(flow.from.namespace)) {
      objects.push({ namespace: flow.from.namespace, name: `allow.${flow.name}.out`, spec: { podSelector: selectorOf(flow.from.pods), policyTypes: ["Egress"], egress: [{ to: peerRules(flow.to), ...ports }] } });
    }
  }
  return objects;
}
