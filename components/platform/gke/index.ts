/**
 * The GKE target: a VPC network, a regional, private, VPC-native GKE Standard cluster with node
 * pools, and the {@link KubernetesPlatform} that components deploy onto.
 *
 * @see https://cloud.google.com/kubernetes-engine/docs/concepts/private-cluster-concept
 * @see https://cloud.google.com/kubernetes-engine/docs/how-to/hardening-your-cluster
 * @see https://www.pulumi.com/registry/packages/gcp/api-docs/container/cluster/
 */
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { consumerProvider } from "../../shared/options";
import type { GkeClusterArgs } from "../args";
import type { KubernetesPlatform } from "../../contract/platform";
import { createGkeCluster, createGkeSecretsKey } from "./control-plane";
import { gkeKubeconfig } from "./documents";
import { createGkeNetwork, createGkeWebhookFirewall } from "./network";
import { createGkeNodePools, createGkeNodeServiceAccount } from "./nodes";
import { createGcpProvider, enableGkeApis, lookupGcpProjectFacts, type GkeChildOptions } from "./project";
import { GKE_LB_ANNOTATIONS, gkeDefaults, resolveGkeClusterArgs, validateGkeClusterArgs } from "./spec";

export * from "./documents";
export * from "./spec";
// ---------------------------------------------------------------------------------------------
// The component
// ---------------------------------------------------------------------------------------------

/**
 * A regional GKE Standard cluster and everything it needs, all created through an explicit
 * `gcp.Provider` for `args.project` and `args.region`:
 *
 * - **APIs.** Container, Compute, Cloud KMS and IAM, left enabled on destroy.
 * - **Network.** A custom-mode VPC network, a subnetwork with Private Google Access, flow logs and
 *   the `pods`/`services` secondary ranges, and Cloud NAT behind a Cloud Router, as private nodes
 *   have no external address. A firewall rule opens `webhookPorts` from the control plane to the
 *   nodes, which GKE's own rule (443 and 10250 only) leaves closed to the add-ons' webhooks.
 * - **Control plane.** Private nodes; the public endpoint limited to `endpointPublicAccessCidrs`
 *   (master authorized networks), or private only when that list is empty; Kubernetes Secrets
 *   encrypted in etcd with a Cloud KMS key (rotated every 90 days) that only the GKE service agent
 *   may use; Workload Identity; Dataplane V2, which enforces NetworkPolicy; Shielded nodes; system,
 *   workload and control-plane logs and metrics, and Managed Service for Prometheus. GKE's own
 *   Gateway API CRDs stay off (`CHANNEL_DISABLED`): the platform installs the pinned ones.
 * - **Nodes.** Node pools (autoscaled per zone, auto-repaired and auto-upgraded) in three zones, run
 *   by a service account with only the roles in {@link GKE_NODE_ROLES}, with the GKE metadata
 *   server, Secure Boot, integrity monitoring and `pd-balanced` disks.
 * - **Kubernetes.** A `k8s.Provider` from a kubeconfig that uses `gke-gcloud-auth-plugin`. The
 *   platform's StorageClass is GKE's built-in `standard-rwo`.
 *
 * With `protect` (default in prod), the cluster, the KMS key ring and key and the network get
 * `protect` and `retainOnDelete`, and the cluster gets GKE deletion protection.
 *
 * Notes:
 * - The GKE cluster is named after the component (`name`); node pools are named after their
 *   `name`, so a change GKE can only make by replacing a pool (machine type, disk) fails with
 *   "already exists": add a pool with a new name, move the workloads, then remove the old pool.
 * - With an empty `endpointPublicAccessCidrs`, the control plane is reachable only from inside
 *   the VPC: `pulumi up` must run from there, or the Kubernetes resources fail.
 *
 * @see https://cloud.google.com/kubernetes-engine/docs/how-to/hardening-your-cluster
 * @see https://cloud.google.com/kubernetes-engine/docs/how-to/encrypting-secrets
 * @see https://cloud.google.com/kubernetes-engine/docs/concepts/dataplane-v2
 * @see https://www.pulumi.com/registry/packages/gcp/api-docs/container/cluster/
 * @see https://www.pulumi.com/registry/packages/gcp/api-docs/container/nodepool/
 * @example
 * const gke = new GkeCluster("platform", { environment: "prod", project: "acme-prod", region: "europe-west1", endpointPublicAccessCidrs: ["203.0.113.0/24"] });
 */
export class GkeCluster extends pulumi.ComponentResource {
  /** The platform contract for components. */
  public readonly platform: KubernetesPlatform;
  /** The GKE cluster's name (the component's name). */
  public readonly clusterName: pulumi.Output<string>;
  /** The VPC network's ID, for managed backends (Cloud SQL, Memorystore) that join the cluster's network. */
  public readonly networkId: pulumi.Output<string>;
  /** The nodes' subnetwork ID. */
  public readonly subnetworkId: pulumi.Output<string>;
  /** The Workload Identity pool, `<project>.svc.id.goog`. */
  public readonly workloadPool: string;
  /** The email of the nodes' service account. */
  public readonly nodeServiceAccountEmail: pulumi.Output<string>;
  /** A kubeconfig that uses `gke-gcloud-auth-plugin`; a secret. */
  public readonly kubeconfig: pulumi.Output<string>;
  /** The Google Cloud provider for the project and region; managed backends should use it. */
  public readonly gcpProvider: gcp.Provider;
  /** The GKE cluster resource. */
  public readonly cluster: gcp.container.Cluster;

  /**
   * @param name - the logical name; children are named `${name}-<role>`, and the GKE cluster itself is named `name`.
   * @param args - the cluster's settings; see {@link GkeClusterArgs} for every default.
   * @param opts - component options. A `gcp` provider in `opts.provider` or `opts.providers` (or on
   *   a parent) is used instead of the one the cluster would create; it must be for `args.project`
   *   and `args.region`, and `args.labels` are then not added as its default labels.
   * @throws Error listing every problem {@link validateGkeClusterArgs} finds, before any resource is created.
   */
  constructor(name: string, args: GkeClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    const problems = validateGkeClusterArgs(args, name);
    if (problems.length > 0) {
      throw new Error(`GkeCluster "${name}" has invalid arguments:\n- ${problems.join("\n- ")}`);
    }
    super("platform:index:GkeCluster", name, {}, opts);

    const settings = resolveGkeClusterArgs(args);
    const { project, region } = settings;

    // --- Provider and project facts -----------------------------------------------------------
    const provider = (consumerProvider(this, "gcp") as gcp.Provider | undefined) ?? createGcpProvider(name, settings, this);
    const child: GkeChildOptions = { parent: this, provider };
    const { projectInfo, zones } = lookupGcpProjectFacts(settings, child);

    // --- APIs ---------------------------------------------------------------------------------
    const services = enableGkeApis(name, settings, child);

    // --- Network ------------------------------------------------------------------------------
    const { network, subnetwork } = createGkeNetwork(name, settings, services, child);

    // --- Encryption key -----------------------------------------------------------------------
    const { cryptoKey, keyAccess } = createGkeSecretsKey(name, settings, { projectInfo, services }, child);

    // --- Node service account -----------------------------------------------------------------
    const { nodeAccount, nodeRoles } = createGkeNodeServiceAccount(name, settings, services, child);
    const webhookFirewall = createGkeWebhookFirewall(name, settings, { network, nodeAccount }, child);

    // --- Cluster ------------------------------------------------------------------------------
    const { cluster, workloadPool } = createGkeCluster(name, settings, { network, subnetwork, services, cryptoKey, keyAccess }, child);

    // --- Node pools ---------------------------------------------------------------------------
    const nodePools = createGkeNodePools(name, settings, { cluster, zones, nodeAccount, nodeRoles }, child);

    // --- Kubernetes ---------------------------------------------------------------------------
    const kubeconfig = pulumi.secret(
      pulumi
        .all([cluster.name, cluster.endpoint, cluster.masterAuth])
        .apply(([clusterName, endpoint, auth]) =>
          gkeKubeconfig({ project, region, clusterName, endpoint, clusterCaCertificate: auth.clusterCaCertificate }),
        ),
    );
    const k8sProvider = new k8s.Provider(
      `${name}-k8s`,
      { kubeconfig, enableServerSideApply: true },
      // Objects are created once the nodes can run them and the control plane can reach their webhooks.
      { parent: this, dependsOn: [...nodePools, ...(webhookFirewall ? [webhookFirewall] : [])] },
    );

    // --- Outputs ------------------------------------------------------------------------------
    this.gcpProvider = provider;
    this.cluster = cluster;
    this.clusterName = cluster.name;
    this.networkId = network.id;
    this.subnetworkId = subnetwork.id;
    this.workloadPool = workloadPool;
    this.nodeServiceAccountEmail = nodeAccount.email;
    this.kubeconfig = kubeconfig;
    this.platform = {
      kind: "kubernetes",
      flavour: "gke",
      environment: settings.environment,
      provider: k8sProvider,
      clusterName: this.clusterName,
      kubeconfig,
      storageClass: gkeDefaults.storageClass,
      ingress: { serviceType: "LoadBalancer", serviceAnnotations: GKE_LB_ANNOTATIONS },
      zones,
      cluster,
      cloud: { kind: "gcp", provider, project, region, networkId: this.networkId, workloadPool },
    };
    this.registerOutputs({
      clusterName: this.clusterName,
      networkId: this.networkId,
      subnetworkId: this.subnetworkId,
      nodeServiceAccountEmail: this.nodeServiceAccountEmail,
      kubeconfig: this.kubeconfig,
    });
  }
}
