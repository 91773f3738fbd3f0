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
