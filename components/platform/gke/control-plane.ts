/**
 * The GKE target's control plane: the Cloud KMS key that encrypts Kubernetes Secrets in etcd, and
 * the private, VPC-native, regional GKE Standard cluster.
 *
 * @see https://cloud.google.com/kubernetes-engine/docs/how-to/encrypting-secrets
 * @see https://www.pulumi.com/registry/packages/gcp/api-docs/container/cluster/
 */
import * as gcp from "@pulumi/gcp";
import { statefulResourceOptions } from "../../shared/options";
import { gkeServiceAgentMember } from "./documents";
import type { GcpProjectFacts, GkeChildOptions } from "./project";
import { GKE_SECONDARY_RANGES, GKE_SERVICES, type ResolvedGkeClusterArgs } from "./spec";

/** The key that encrypts the cluster's Secrets, and the grant that lets GKE use it. */
export interface GkeSecretsKey {
  readonly cryptoKey: gcp.kms.CryptoKey;
  /** The GKE service agent's use of the key; the cluster waits for it. */
  readonly keyAccess: gcp.kms.CryptoKeyIAMMember;
}

/** The cluster and its Workload Identity pool. */
export interface GkeControlPlane {
  readonly cluster: gcp.container.Cluster;
  /** The Workload Identity pool, `<project>.svc.id.goog`. */
  readonly workloadPool: string;
}

/**
 * Creates a key ring in the cluster's region and a Cloud KMS key rotated every 90 days (both
 * stateful: protected and retained with `settings.protect`), and lets only the project's GKE
 * service agent encrypt and decrypt with it, once the agent exists (`gcp.projects.ServiceIdentity`).
 *
 * @param name - the component's name; resources are named `${name}-keyring`, `${name}-secrets-key`, ….
 * @param settings - the resolved cluster settings (`region`, `protect`).
 * @param deps - the project (for the service agent) and the enabled APIs, which the key ring and the grant wait for.
 * @param opts - the component as parent and its Google Cloud provider.
 * @returns the key and the service agent's grant.
 * @see https://cloud.google.com/kubernetes-engine/docs/how-to/encrypting-secrets
 * @see https://www.pulumi.com/registry/packages/gcp/api-docs/projects/serviceidentity/
 */
export function createGkeSecretsKey(
  name: string,
  settings: ResolvedGkeClusterArgs,
  deps: Pick<GcpProjectFacts, "projectInfo"> & { readonly services: gcp.projects.Service[] },
  opts: GkeChildOptions,
): GkeSecretsKey {
  const { projectInfo, services } = deps;
  const stateful = statefulResourceOptions(settings.protect);
  const afterServices = { ...opts, dependsOn: services };
  const keyRing = new gcp.kms.KeyRing(`${name}-keyring`, { location: settings.region }, { ...afterServices, ...stateful });
  const cryptoKey = new gcp.kms.CryptoKey(
    `${name}-secrets-key`,
    { keyRing: keyRing.id, purpose: "ENCRYPT_DECRYPT", rotationPeriod: `${90 * 24 * 60 * 60}s` },
    { ...opts, ...stateful },
  );
  // The GKE service agent appears some time after the Container API is enabled; a grant to it
  // before then fails. Asking for the service identity creates it and waits for it.
  const agent = new gcp.projects.ServiceIdentity(`${name}-gke-agent`, { project: settings.project, service: GKE_SERVICES.container }, afterServices);
  const keyAccess = new gcp.kms.CryptoKeyIAMMember(
    `${name}-secrets-key-gke-agent`,
    {
      cryptoKeyId: cryptoKey.id,
      role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
      member: projectInfo.number.apply(gkeServiceAgentMember),
    },
    { ...opts, dependsOn: [...services, agent] },
  );
  return { cryptoKey, keyAccess };
}

/**
 * Creates the regional GKE Standard cluster, named `name`:
 *
 * - VPC-native in the subnetwork, on the {@link GKE_SECONDARY_RANGES}; the default node pool is
 *   removed once the cluster exists, as node pools are separate resources;
 * - private nodes; the public endpoint limited to `settings.endpointPublicAccessCidrs` (master
 *   authorized networks), or private only when that list is empty;
 * - Secrets encrypted with the key, Workload Identity, Dataplane V2, Shielded nodes, no legacy
 *   ABAC; system, workload and control-plane logs and metrics, and Managed Service for Prometheus;
 * - GKE's managed Gateway API CRDs disabled, since the platform installs its pinned ones;
 * - stateful, with GKE deletion protection, with `settings.protect`;
 * - after the APIs and the key grant, so GKE can use the key from the start.
 *
 * @param name - the component's name, which is also the GKE cluster's name.
 * @param settings - the resolved cluster settings.
 * @param deps - the network and subnetwork, the key and its grant, and the enabled APIs.
 * @param opts - the component as parent and its Google Cloud provider.
 * @returns the cluster and its Workload Identity pool.
 * @see https://cloud.google.com/kubernetes-engine/docs/how-to/hardening-your-cluster
 * @see https://cloud.google.com/kubernetes-engine/docs/concepts/dataplane-v2
 * @see https://cloud.google.com/kubernetes-engine/docs/how-to/deploying-gateways#enable-gateway
 * @see https://www.pulumi.com/registry/packages/gcp/api-docs/container/cluster/
 */
export function createGkeCluster(
  name: string,
  settings: ResolvedGkeClusterArgs,
  deps: {
    readonly network: gcp.compute.Network;
    readonly subnetwork: gcp.compute.Subnetwork;
    readonly services: gcp.projects.Service[];
  } & GkeSecretsKey,
  opts: GkeChildOptions,
): GkeControlPlane {
  const { network, subnetwork, services, cryptoKey, keyAccess } = deps;
  const { project, region } = settings;
  const stateful = statefulResourceOptions(settings.protect);
  const publicCidrs = [...settings.endpointPublicAccessCidrs];
  const workloadPool = `${project}.svc.id.goog`;
  const cluster = new gcp.container.Cluster(
    `${name}-cluster`,
    {
      name,
      location: region,
      network: network.id,
      subnetwork: subnetwork.id,
      // Node pools are separate resources; the default pool exists only while the cluster is created.
      removeDefaultNodePool: true,
      initialNodeCount: 1,
      networkingMode: "VPC_NATIVE",
      ipAllocationPolicy: {
        clusterSecondaryRangeName: GKE_SECONDARY_RANGES.pods,
        servicesSecondaryRangeName: GKE_SECONDARY_RANGES.services,
      },
      privateClusterConfig: {
        enablePrivateNodes: true,
        enablePrivateEndpoint: publicCidrs.length === 0,
        masterIpv4CidrBlock: settings.masterIpv4CidrBlock,
      },
      masterAuthorizedNetworksConfig: {
        cidrBlocks: publicCidrs.map((cidrBlock, i) => ({ cidrBlock, displayName: `operators-${i}` })),
        gcpPublicCidrsAccessEnabled: false,
      },
      releaseChannel: { channel: settings.releaseChannel },
      // The platform installs the Gateway API CRDs it pins (the gateway-api-crds add-on); GKE's
      // managed CRDs would be a second owner of the same objects.
      gatewayApiConfig: { channel: "CHANNEL_DISABLED" },
      minMasterVersion: settings.kubernetesVersion,
      workloadIdentityConfig: { workloadPool },
      databaseEncryption: { state: "ENCRYPTED", keyName: cryptoKey.id },
      datapathProvider: "ADVANCED_DATAPATH",
      enableShieldedNodes: true,
      enableLegacyAbac: false,
      addonsConfig: {
        gcePersistentDiskCsiDriverConfig: { enabled: true },
        httpLoadBalancing: { disabled: false },
        horizontalPodAutoscaling: { disabled: false },
      },
      loggingConfig: { enableComponents: ["SYSTEM_COMPONENTS", "WORKLOADS", "APISERVER", "CONTROLLER_MANAGER", "SCHEDULER"] },
      monitoringConfig: {
        enableComponents: ["SYSTEM_COMPONENTS", "APISERVER", "CONTROLLER_MANAGER", "SCHEDULER"],
        managedPrometheus: { enabled: true },
      },
      deletionProtection: settings.protect,
      resourceLabels: { ...settings.labels },
    },
    { ...opts, ...stateful, dependsOn: [...services, keyAccess] },
  );
  return { cluster, workloadPool };
}
