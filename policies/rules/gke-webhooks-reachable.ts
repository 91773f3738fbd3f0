import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { GKE_CONTROL_PLANE_PORTS, WEBHOOK_SERVERS, type WebhookServer } from "../../components/contract/webhooks";
import { networkOf, parseIpv4Cidr } from "../../components/shared/cidr";
import { chartName, known } from "./known";

const GKE_CLUSTER = "gcp:container/cluster:Cluster";
const FIREWALL = "gcp:compute/firewall:Firewall";
const NODE_POOL = "gcp:container/nodePool:NodePool";
const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";
const MANIFEST = "kubernetes:yaml/v2:ConfigFile";

/** Whether the IPv4 block `outer` contains the block `inner`. */
function contains(outer: string, inner: string): boolean {
  const o = parseIpv4Cidr(outer.trim());
  const i = parseIpv4Cidr(inner.trim());
  if (!o || !i || o.prefix > i.prefix) return false;
  return networkOf({ address: i.address, prefix: o.prefix }).address === networkOf(o).address;
}

/** Whether a firewall `ports` entry (`"9443"` or `"9000-9999"`) covers `port`. */
function portCovers(entry: string, port: number): boolean {
  const [low, high = low] = String(entry).split("-").map(Number);
  return port >= low && port <= high;
}

/** The cluster's network and what its nodes carry: the node pools' service accounts and tags. */
interface Nodes {
  readonly network?: string;
  readonly serviceAccounts: readonly string[];
  readonly tags: readonly string[];
}

/** Whether a rule applies to the cluster's nodes: same network (when known), and targets that include them. */
function appliesTo(rule: PolicyResource, nodes: Nodes): boolean {
  const network = known(() => rule.props.network as string | undefined);
  if (network && nodes.network && network !== nodes.network) return false;
  const accounts: string[] = known(() => rule.props.targetServiceAccounts) ?? [];
  if (accounts.length > 0 && nodes.serviceAccounts.length > 0 && !accounts.some((a) => nodes.serviceAccounts.includes(a))) return false;
  const tags: string[] = known(() => rule.props.targetTags) ?? [];
  return !(tags.length > 0 && !tags.some((t) => nodes.tags.includes(t)));
}

/** The TCP ports an ingress firewall rule opens from `source`; every port for `tcp`/`all` without `ports`. */
function portsOpenFrom(rule: PolicyResource, source: string, nodes: Nodes): ((port: number) => boolean) | undefined {
  const props = known(() => ({ direction: rule.props.direction, disabled: rule.props.disabled, sourceRanges: rule.props.sourceRanges, allows: rule.props.allows }));
  if (!props || (props.direction ?? "INGRESS") !== "INGRESS" || props.disabled === true || !appliesTo(rule, nodes)) return undefined;
  if (!(props.sourceRanges ?? []).some((range: string) => contains(range, source))) return undefined;
  const allows: { protocol: string; ports?: string[] }[] = props.allows ?? [];
  return (port) => allows.some((a) => ["tcp", "all"].includes(String(a.protocol).toLowerCase()) && (!a.ports?.length || a.ports.some((p) => portCovers(p, port))));
}

/** The webhook servers a resource installs: a Helm release of a known chart, or a known manifest. */
function serversOf(resource: PolicyResource): WebhookServer[] {
  if (resource.type === HELM_RELEASE) {
    const chart = known(() => String(resource.props.chart));
    return chart ? WEBHOOK_SERVERS.filter((s) => s.chart === chartName(chart)) : [];
  }
  if (resource.type === MANIFEST) {
    const file = known(() => String(resource.props.file)) ?? "";
    return WEBHOOK_SERVERS.filter((s) => s.manifest?.test(file));
  }
  return [];
}

/**
 * A private GKE cluster's control plane can reach every admission webhook the stack installs. The
 * control plane reaches private nodes only on the ports GKE's own firewall rule opens (443 and
 * 10250); a webhook served on another port times out, and every create it intercepts (a pod under
 * istiod's or Linkerd's injector, a CloudNativePG `Cluster`, a RabbitMQ `Queue`) fails from the
 * first `pulumi up`. A preview, and any check without a cluster, cannot see it.
 *
 * For each `gcp:container/cluster:Cluster` with `privateClusterConfig.enablePrivateNodes`, every
 * port of every webhook server the stack installs (a `kubernetes:helm.sh/v3:Release` of a chart,
 * or a `kubernetes:yaml/v2:ConfigFile` of a manifest, in the contract's `WEBHOOK_SERVERS`) is
 * 443, 10250, or opened by an ingress `gcp:compute/firewall:Firewall` whose `sourceRanges` contain
 * the cluster's `masterIpv4CidrBlock` (TCP, or all protocols), on the cluster's `network`, whose
 * `targetServiceAccounts` or `targetTags` (when set) include the node pools'. Ports are the charts'
 * defaults; values that move a webhook to another port are not read. A cluster whose control-plane
 * range is not known (Private Service Connect) is not checked.
 *
 * @severity high
 * @see https://cloud.google.com/kubernetes-engine/docs/how-to/private-clusters#add_firewall_rules
 * @see https://cloud.google.com/kubernetes-engine/docs/concepts/firewall-rules
 * @see https://linkerd.io/2/reference/cluster-configuration/#private-clusters
 */
export const gkeWebhooksReachable: StackValidationPolicy = {
  name: "gke-webhooks-reachable",
  description: "A private GKE cluster's control plane can reach the port of every admission webhook the stack installs.",
  severity: "high",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const clusters = args.resources.filter((r) => r.type === GKE_CLUSTER && known(() => r.props.privateClusterConfig?.enablePrivateNodes) === true);
    if (clusters.length === 0) return;
    const firewalls = args.resources.filter((r) => r.type === FIREWALL);
    const installers = args.resources.map((r) => ({ resource: r, servers: serversOf(r) })).filter((i) => i.servers.length > 0);
    for (const cluster of clusters) {
      const source = known(() => cluster.props.privateClusterConfig?.masterIpv4CidrBlock as string | undefined);
      if (!source) continue;
      const pools = args.resources.filter((r) => r.type === NODE_POOL);
      const nodes: Nodes = {
        network: known(() => cluster.props.network as string | undefined),
        serviceAccounts: pools.map((p) => known(() => p.props.nodeConfig?.serviceAccount as string | undefined)).filter((a): a is string => !!a),
        tags: pools.flatMap((p) => (known(() => p.props.nodeConfig?.tags as string[] | undefined) ?? [])),
      };
      const opens = firewalls.map((f) => portsOpenFrom(f, source, nodes)).filter((f): f is (port: number) => boolean => !!f);
      const reachable = (port: number) => GKE_CONTROL_PLANE_PORTS.includes(port) || opens.some((open) => open(port));
      for (const { resource, servers } of installers) {
        for (const server of servers) {
          const closed = server.ports.filter((port) => !reachable(port));
          if (closed.length === 0) continue;
          reportViolation(
            `"${resource.name}" installs ${server.what}, served on TCP ${closed.join(", ")}, which the control plane of private GKE cluster "${cluster.name}" (${source}) cannot reach: ` +
              `GKE's own rule opens only ${GKE_CONTROL_PLANE_PORTS.join(" and ")}. Add an ingress firewall rule from ${source} to the nodes on ${closed.join(", ")} (GkeCluster's webhookPorts).`,
            resource.urn,
          );
        }
      }
    }
  },
};
