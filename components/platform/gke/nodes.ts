/**
 * The GKE target's nodes: a least-privilege service account that runs them, and the node pools,
 * autoscaled per zone, auto-repaired and auto-upgraded, with hardened node settings.
 *
 * @see https://cloud.google.com/kubernetes-engine/docs/how-to/hardening-your-cluster
 * @see https://www.pulumi.com/registry/packages/gcp/api-docs/container/nodepool/
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { gkeNodeServiceAccountId } from "./documents";
import type { GcpProjectFacts, GkeChildOptions } from "./project";
import { GKE_NODE_ROLES, type ResolvedGkeClusterArgs } from "./spec";

/** The nodes' service account and its project roles. */
export interface GkeNodeServiceAccount {
  readonly nodeAccount: gcp.serviceaccount.Account;
  /** One per {@link GKE_NODE_ROLES} entry; node pools wait for them. */
  readonly nodeRoles: gcp.projects.IAMMember[];
}

/**
 * Creates the nodes' service account (ID from {@link gkeNodeServiceAccountId}) after the APIs are
 * enabled, and grants it only the project roles in {@link GKE_NODE_ROLES}, instead of the Compute
 * Engine default service account's Editor role.
 *
 * @param name - the component's name; resources are named `${name}-nodes` and `${name}-nodes-<role>`.
 * @param settings - the resolved cluster settings (`project`).
 * @param services - the enabled APIs, from {@link enableGkeApis}; the account waits for them.
 * @param opts - the component as parent and its Google Cloud provider.
 * @returns the service account and its role grants.
 * @see https://cloud.google.com/kubernetes-engine/docs/how-to/hardening-your-cluster#use_least_privilege_sa
 */
export function createGkeNodeServiceAccount(
  name: string,
  settings: ResolvedGkeClusterArgs,
  services: gcp.projects.Service[],
  opts: GkeChildOptions,
): GkeNodeServiceAccount {
  const { project } = settings;
  const nodeAccount = new gcp.serviceaccount.Account(
    `${name}-nodes`,
    { accountId: gkeNodeServiceAccountId(name), displayName: `Nodes of GKE cluster ${name}` },
    { ...opts, dependsOn: services },
  );
  const nodeRoles = Object.entries(GKE_NODE_ROLES).map(
    ([role, id]) =>
      new gcp.projects.IAMMember(
        `${name}-nodes-${role}`,
        { project, role: id, member: pulumi.interpolate`serviceAccount:${nodeAccount.email}` },
        opts,
      ),
  );
  return { nodeAccount, nodeRoles };
}

/**
 * Creates one node pool per `settings.nodePools` entry, named after the entry, in the cluster's
 * zones. Each pool autoscales per zone (balanced), is auto-repaired and auto-upgraded by surge,
 * and runs Container-Optimized OS nodes as the node service account, with the GKE metadata server
 * (Workload Identity), Secure Boot, integrity monitoring and `pd-balanced` disks. Pools wait for
 * the account's roles; `initialNodeCount` is ignored after creation, as a change would replace the pool.
 *
 * @param name - the component's name; pools are named `${name}-pool-<pool>` in Pulumi and `<pool>` in GKE.
 * @param settings - the resolved cluster settings (`region`, `nodePools`, `labels`).
 * @param deps - the cluster, the zones, and the node service account with its role grants.
 * @param opts - the component as parent and its Google Cloud provider.
 * @returns the node pools, in `settings.nodePools` order.
 * @see https://cloud.google.com/kubernetes-engine/docs/how-to/hardening-your-cluster
 * @see https://www.pulumi.com/registry/packages/gcp/api-docs/container/nodepool/
 */
export function createGkeNodePools(
  name: string,
  settings: ResolvedGkeClusterArgs,
  deps: { readonly cluster: gcp.container.Cluster } & Pick<GcpProjectFacts, "zones"> & GkeNodeServiceAccount,
  opts: GkeChildOptions,
): gcp.container.NodePool[] {
  const { cluster, zones, nodeAccount, nodeRoles } = deps;
  const { region } = settings;
  return settings.nodePools.map(
    (pool) =>
      new gcp.container.NodePool(
        `${name}-pool-${pool.name}`,
        {
          name: pool.name,
          cluster: cluster.name,
          location: region,
          nodeLocations: zones,
          initialNodeCount: pool.minNodesPerZone,
          autoscaling: { minNodeCount: pool.minNodesPerZone, maxNodeCount: pool.maxNodesPerZone, locationPolicy: "BALANCED" },
          management: { autoRepair: true, autoUpgrade: true },
          upgradeSettings: { strategy: "SURGE", maxSurge: 1, maxUnavailable: 0 },
          nodeConfig: {
            machineType: pool.machineType,
            diskSizeGb: pool.diskSizeGiB,
            diskType: "pd-balanced",
            imageType: "COS_CONTAINERD",
            serviceAccount: nodeAccount.email,
            oauthScopes: ["https://www.googleapis.com/auth/cloud-platform"],
            workloadMetadataConfig: { mode: "GKE_METADATA" },
            shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
            metadata: { "disable-legacy-endpoints": "true" },
            spot: pool.spot,
            labels: { ...pool.labels },
            resourceLabels: { ...settings.labels },
          },
        },
        // initialNodeCount only matters at creation; a later change would replace the pool.
        { ...opts, dependsOn: nodeRoles, ignoreChanges: ["initialNodeCount"] },
      ),
  );
}
