/**
 * The GKE target's names and documents: service account IDs, IAM members and the kubeconfig.
 * Pure functions.
 *
 * @see https://cloud.google.com/kubernetes-engine/docs/how-to/cluster-access-for-kubectl
 */
// ---------------------------------------------------------------------------------------------
// Names and documents
// ---------------------------------------------------------------------------------------------

/**
 * The account ID of the nodes' service account: `<name>-nodes`, with the name cut so the ID stays
 * within the 30 characters Google Cloud allows.
 *
 * @param name - the component's name (a valid GKE cluster name, so it starts with a letter).
 * @see https://cloud.google.com/iam/docs/service-accounts-create#creating
 */
export function gkeNodeServiceAccountId(name: string): string {
  return `${name.slice(0, 24).replace(/-+$/, "")}-nodes`;
}

/**
 * The GKE service agent of a project, which encrypts etcd with the cluster's KMS key.
 *
 * @param projectNumber - the project's number (not its ID).
 * @returns the IAM member, `serviceAccount:service-<number>@container-engine-robot.iam.gserviceaccount.com`.
 * @see https://cloud.google.com/kubernetes-engine/docs/how-to/encrypting-secrets#grant_permission_to_use_the_key
 */
export function gkeServiceAgentMember(projectNumber: string): string {
  return `serviceAccount:service-${projectNumber}@container-engine-robot.iam.gserviceaccount.com`;
}

/** What {@link gkeKubeconfig} needs to know about the cluster. */
export interface GkeKubeconfigArgs {
  readonly project: string;
  readonly region: string;
  readonly clusterName: string;
  /** The control plane's IP address or host name, without a scheme. */
  readonly endpoint: string;
  /** The cluster CA certificate, base64-encoded PEM. */
  readonly clusterCaCertificate: string;
}

/**
 * A kubeconfig (JSON, which is also YAML) that authenticates with `gke-gcloud-auth-plugin`, so it
 * holds no credential: the caller's Google identity needs a GKE role. The context is named as
 * `gcloud container clusters get-credentials` names it.
 *
 * @param args - the cluster's project, region, name, endpoint and CA.
 * @returns the kubeconfig; treat it as a secret all the same, as it reveals the endpoint.
 * @see https://cloud.google.com/kubernetes-engine/docs/how-to/cluster-access-for-kubectl#install_plugin
 */
export function gkeKubeconfig(args: GkeKubeconfigArgs): string {
  const { project, region, clusterName, endpoint, clusterCaCertificate } = args;
  const context = `gke_${project}_${region}_${clusterName}`;
  return JSON.stringify(
    {
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: context, cluster: { server: `https://${endpoint}`, "certificate-authority-data": clusterCaCertificate } }],
      contexts: [{ name: context, context: { cluster: context, user: context } }],
      "current-context": context,
      preferences: {},
      users: [
        {
          name: context,
          user: {
            exec: {
              apiVersion: "client.authentication.k8s.io/v1beta1",
              command: "gke-gcloud-auth-plugin",
              installHint: "Install gke-gcloud-auth-plugin: gcloud components install gke-gcloud-auth-plugin",
              provideClusterInfo: true,
              interactiveMode: "IfAvailable",
            },
          },
        },
      ],
    },
    null,
    2,
  );
}
