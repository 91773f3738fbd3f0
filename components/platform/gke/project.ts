/**
 * The GKE target's project setup: the Google Cloud provider for the project and region, the facts
 * the other modules need (the project's number, the region's zones), and the APIs the cluster uses.
 *
 * @see https://cloud.google.com/kubernetes-engine/docs/how-to/hardening-your-cluster
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { GKE_SERVICES, gkeDefaults, type ResolvedGkeClusterArgs } from "./spec";

/** The options every child resource of {@link GkeCluster} is created with: the component and its Google Cloud provider. */
export interface GkeChildOptions {
  readonly parent: pulumi.Resource;
  readonly provider: gcp.Provider;
}

/** What the GKE target needs to know about the project and region. */
export interface GcpProjectFacts {
  /** The project; its number names the GKE service agent. */
  readonly projectInfo: pulumi.Output<gcp.organizations.GetProjectResult>;
  /** The node pools' zones: the first `gkeDefaults.zoneCount` zones of the region that are up, sorted by name. */
  readonly zones: pulumi.Output<string[]>;
}

/**
 * Creates the explicit `gcp.Provider` for the cluster's project and region, which labels every
 * resource it creates with `settings.labels`.
 *
 * @param name - the component's name; the provider is named `${name}-gcp`.
 * @param settings - the resolved cluster settings (`project`, `region`, `labels`).
 * @param parent - the component resource.
 * @returns the provider.
 * @see https://www.pulumi.com/registry/packages/gcp/api-docs/container/cluster/
 */
export function createGcpProvider(name: string, settings: ResolvedGkeClusterArgs, parent: pulumi.Resource): gcp.Provider {
  const { project, region } = settings;
  return new gcp.Provider(`${name}-gcp`, { project, region, defaultLabels: { ...settings.labels } }, { parent });
}

/**
 * Looks up the project and the region's zones, through the provider.
 *
 * @param settings - the resolved cluster settings (`project`, `region`).
 * @param opts - the component as parent and its Google Cloud provider.
 * @returns the project and the node pools' zones.
 * @see https://cloud.google.com/kubernetes-engine/docs/concepts/private-cluster-concept
 */
export function lookupGcpProjectFacts(settings: ResolvedGkeClusterArgs, opts: GkeChildOptions): GcpProjectFacts {
  const { project, region } = settings;
  const projectInfo = gcp.organizations.getProjectOutput({ projectId: project }, opts);
  const zones = gcp.compute
    .getZonesOutput({ project, region, status: "UP" }, opts)
    .names.apply((names) => [...names].sort().slice(0, gkeDefaults.zoneCount));
  return { projectInfo, zones };
}

/**
 * Enables the APIs in {@link GKE_SERVICES} (Container, Compute, Cloud KMS, IAM) on the project, and
 * leaves them enabled when the stack is destroyed, since other workloads in the project may use them.
 *
 * @param name - the component's name; the services are named `${name}-api-<role>`.
 * @param settings - the resolved cluster settings (`project`).
 * @param opts - the component as parent and its Google Cloud provider.
 * @returns the services, which every resource that calls one of these APIs depends on.
 * @see https://cloud.google.com/kubernetes-engine/docs/how-to/hardening-your-cluster
 */
export function enableGkeApis(name: string, settings: ResolvedGkeClusterArgs, opts: GkeChildOptions): gcp.projects.Service[] {
  const { project } = settings;
  return Object.entries(GKE_SERVICES).map(
    ([role, service]) => new gcp.projects.Service(`${name}-api-${role}`, { project, service, disableOnDestroy: false }, opts),
  );
}
