/**
 * The GKE target's network: a custom-mode VPC network, the nodes' subnetwork with the `pods` and
 * `services` secondary ranges, and Cloud NAT behind a Cloud Router for the private nodes.
 *
 * @see https://cloud.google.com/kubernetes-engine/docs/concepts/private-cluster-concept
 * @see https://cloud.google.com/kubernetes-engine/docs/concepts/alias-ips#cluster_sizing
 */
import * as gcp from "@pulumi/gcp";
import { statefulResourceOptions } from "../../shared/options";
import type { GkeChildOptions } from "./project";
import { GKE_SECONDARY_RANGES, type ResolvedGkeClusterArgs } from "./spec";

/** The network resources the cluster runs in. */
export interface GkeNetwork {
  readonly network: gcp.compute.Network;
  /** The nodes' subnetwork, with the {@link GKE_SECONDARY_RANGES} for pods and services. */
  readonly subnetwork: gcp.compute.Subnetwork;
}

/**
 * Creates the cluster's network:
 *
 * - a custom-mode, regionally routed VPC network (stateful: protected and retained with
 *   `settings.protect`), after the APIs are enabled;
 * - a subnetwork on `settings.subnetCidr` with Private Google Access, flow logs and the
 *   {@link GKE_SECONDARY_RANGES} on `settings.podsCidr` and `settings.servicesCidr`, for a
 *   VPC-native cluster;
 * - a Cloud Router and Cloud NAT for every range of every subnetwork (logging errors), since
 *   private nodes have no external address.
 *
 * @param name - the component's name; resources are named `${name}-network`, `${name}-subnet`, ….
 * @param settings - the resolved cluster settings (`region`, the CIDRs, `protect`).
 * @param services - the enabled APIs, from {@link enableGkeApis}; the network waits for them.
 * @param opts - the component as parent and its Google Cloud provider.
 * @returns the network and the subnetwork.
 * @see https://cloud.google.com/kubernetes-engine/docs/concepts/private-cluster-concept
 * @see https://cloud.google.com/kubernetes-engine/docs/concepts/alias-ips#cluster_sizing
 */
export function createGkeNetwork(
  name: string,
  settings: ResolvedGkeClusterArgs,
  services: gcp.projects.Service[],
  opts: GkeChildOptions,
): GkeNetwork {
  const { region } = settings;
  const stateful = statefulResourceOptions(settings.protect);
  const afterServices = { ...opts, dependsOn: services };
  const network = new gcp.compute.Network(
    `${name}-network`,
    { autoCreateSubnetworks: false, routingMode: "REGIONAL", description: `Network of GKE cluster ${name}` },
    { ...afterServices, ...stateful },
  );
  const subnetwork = new gcp.compute.Subnetwork(
    `${name}-subnet`,
    {
      network: network.id,
      region,
      ipCidrRange: settings.subnetCidr,
      privateIpGoogleAccess: true,
      secondaryIpRanges: [
        { rangeName: GKE_SECONDARY_RANGES.pods, ipCidrRange: settings.podsCidr },
        { rangeName: GKE_SECONDARY_RANGES.services, ipCidrRange: settings.servicesCidr },
      ],
      logConfig: { aggregationInterval: "INTERVAL_5_SEC", flowSampling: 0.5, metadata: "INCLUDE_ALL_METADATA" },
    },
    opts,
  );
  const router = new gcp.compute.Router(`${name}-router`, { network: network.id, region }, opts);
  new gcp.compute.RouterNat(
    `${name}-nat`,
    {
      router: router.name,
      region,
      natIpAllocateOption: "AUTO_ONLY",
      sourceSubnetworkIpRangesToNat: "ALL_SUBNETWORKS_ALL_IP_RANGES",
      logConfig: { enable: true, filter: "ERRORS_ONLY" },
    },
    opts,
  );
  return { network, subnetwork };
}

/**
 * Opens `settings.webhookPorts` from the control plane's private range to the nodes (the node
 * service account's VMs, and the pod addresses on them). GKE's own rule for a private cluster
 * opens only 443 and 10250, so without this the API server's calls to the add-ons' admission
 * webhooks (istiod on 15017, Linkerd, CloudNativePG and the RabbitMQ operators on 8443/9443) time
 * out, and every object they intercept fails to create, from the first `pulumi up`.
 *
 * @param name - the component's name; the rule is named `${name}-master-to-webhooks`.
 * @param settings - the resolved cluster settings (`masterIpv4CidrBlock`, `webhookPorts`).
 * @param deps - the network and the nodes' service account the rule targets.
 * @param opts - the component as parent and its Google Cloud provider.
 * @returns the firewall rule, or `undefined` when `webhookPorts` is empty.
 * @see https://cloud.google.com/kubernetes-engine/docs/how-to/private-clusters#add_firewall_rules
 * @see https://cloud.google.com/kubernetes-engine/docs/concepts/firewall-rules
 */
export function createGkeWebhookFirewall(
  name: string,
  settings: ResolvedGkeClusterArgs,
  deps: { readonly network: gcp.compute.Network; readonly nodeAccount: gcp.serviceaccount.Account },
  opts: GkeChildOptions,
): gcp.compute.Firewall | undefined {
  if (settings.webhookPorts.length === 0) return undefined;
  return new gcp.compute.Firewall(
    `${name}-master-to-webhooks`,
    {
      network: deps.network.id,
      description: `The control plane of GKE cluster ${name} calls admission webhooks on its nodes`,
      direction: "INGRESS",
      sourceRanges: [settings.masterIpv4CidrBlock],
      targetServiceAccounts: [deps.nodeAccount.email],
      allows: [{ protocol: "tcp", ports: settings.webhookPorts.map(String) }],
    },
    opts,
  );
}
