/**
 * The RabbitMQ Cluster Operator and Messaging Topology Operator, from their upstream release
 * manifests: the cluster add-on behind every in-cluster RabbitMQ MessageQueue.
 *
 * @see https://www.rabbitmq.com/kubernetes/operator/install-operator
 * @see https://www.rabbitmq.com/kubernetes/operator/install-topology-operator
 * @see https://www.rabbitmq.com/kubernetes/operator/tls-topology-operator
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { KubernetesPlatform } from "../../contract/platform";
import type { CertManager } from "../cert-manager";

/**
 * The pinned releases: the operators' release manifests (built by each repository's `make` release
 * target from `config/installation`). Both declare the `rabbitmq-system` Namespace; the contract's
 * `MANIFEST_OBJECTS` records that for the `kubernetes-unique-objects` policy.
 *
 * The Topology Operator's `-with-certmanager` manifest gets its webhook certificate from
 * cert-manager (an `Issuer` and a `Certificate` of its own), so it needs cert-manager's CRDs.
 *
 * @see https://github.com/rabbitmq/cluster-operator/releases/tag/v2.22.3
 * @see https://github.com/rabbitmq/messaging-topology-operator/releases/tag/v1.20.1
 * @see https://www.rabbitmq.com/kubernetes/operator/install-topology-operator
 */
export const rabbitmqOperatorReleases = {
  clusterOperator: {
    version: "v2.22.3",
    manifest: "https://github.com/rabbitmq/cluster-operator/releases/download/v2.22.3/cluster-operator.yml",
  },
  topologyOperator: {
    version: "v1.20.1",
    manifest: "https://github.com/rabbitmq/messaging-topology-operator/releases/download/v1.20.1/messaging-topology-operator-with-certmanager.yaml",
  },
} as const;

/**
 * Fixed settings of the operators, as their release manifests name things.
 *
 * @see https://www.rabbitmq.com/kubernetes/operator/tls-topology-operator
 */
export const rabbitmqOperatorDefaults = {
  /** Where both release manifests install their operators. */
  namespace: "rabbitmq-system",
  /** The Topology Operator's Deployment and container in its release manifest. */
  topologyOperator: { deployment: "messaging-topology-operator", container: "manager" },
  /** The Topology Operator trusts every file in Go's system certificate directory. */
  trustStorePath: "/etc/ssl/certs",
  /** The trust certificate's lifetime and renewal margin. */
  certificate: { duration: "8760h", renewBefore: "720h" },
} as const;

const d = rabbitmqOperatorDefaults;

/** The arguments of {@link RabbitmqOperators}. */
export interface RabbitmqOperatorsArgs {
  /**
   * The cluster to install into. Both release manifests declare the `rabbitmq-system` Namespace, so
   * the second one adopts it, and the Topology Operator's Deployment is patched
   * (`DeploymentPatch`, server-side apply). Made from the platform's `kubeconfig`, the adopting
   * provider sets `enableServerSideApply`, `upsertExistingObjects` and `enablePatchForce`. When the
   * consumer passed its own provider to the platform (`providerFromConsumer`), that provider is used
   * for both and needs `enableServerSideApply: true` (the default of @pulumi/kubernetes 4) and
   * `upsertExistingObjects: true`, else the second manifest fails on the existing Namespace.
   * @see https://www.pulumi.com/registry/packages/kubernetes/api-docs/provider/
   * @see https://www.pulumi.com/registry/packages/kubernetes/how-to-guides/managing-resources-with-server-side-apply/
   */
  readonly platform: KubernetesPlatform;
  /** cert-manager: both operators' webhook certificates, and the CA the Topology Operator must trust. */
  readonly certManager: CertManager;
  /** Also `protect` the manifests (they are always `retainOnDelete`). @default false */
  readonly protect?: boolean;
}

/**
 * The RabbitMQ Cluster Operator and Messaging Topology Operator, from their release manifests
 * (`k8s.yaml.v2.ConfigFile`), in `rabbitmq-system`.
 *
 * The Topology Operator talks to each broker's management API, over HTTPS when the broker has TLS.
 * It trusts the certificates in its container's `/etc/ssl/certs`, so the cert-manager CA that
 * signs every broker is brought there: a Certificate from the CA issuer in `rabbitmq-system`
 * (whose `ca.crt` is the CA) mounted into the `manager` container by a server-side-apply patch of
 * its Deployment, as the operator's TLS guide does with `kubectl patch`.
 *
 * One per cluster, created by the composition root and handed to every RabbitMQ MessageQueue on the
 * cluster in its `addons`.
 *
 * Both manifests declare the `rabbitmq-system` Namespace (with different labels), and a create of
 * an object that already exists fails since pulumi-kubernetes 4.29. The Topology Operator's
 * manifest is therefore applied through a provider of its own that adopts what already exists
 * (`upsertExistingObjects`, forcing its field values over the Cluster Operator's on the one
 * object they share): the namespace the Cluster Operator's manifest created. Both operators serve
 * webhooks whose certificates cert-manager issues (the Cluster Operator since v2.22.0), so both
 * manifests wait for cert-manager.
 *
 * The manifests are `retainOnDelete` (and `protect`ed with `protect`): removing the add-on from the
 * program leaves the operators and CRDs in the cluster, so the CRDs' deletion can never cascade to
 * brokers and their volumes.
 *
 * @example
 * ```ts
 * const rabbitmqOperators = new RabbitmqOperators("rabbitmq-operators", { platform, certManager });
 * new MessageQueue("queue", { platform, addons: { certManager, rabbitmqOperators } });
 * ```
 * @see https://www.rabbitmq.com/kubernetes/operator/install-operator
 * @see https://www.rabbitmq.com/kubernetes/operator/install-topology-operator
 * @see https://www.rabbitmq.com/kubernetes/operator/tls-topology-operator
 */
export class RabbitmqOperators extends pulumi.ComponentResource {
  /** The Cluster Operator's manifest: `RabbitmqCluster`s are created after it. */
  public readonly clusterOperator: pulumi.Resource;
  /** Ready for topology objects (`User`, `Queue`…): the Topology Operator runs and trusts the CA. */
  public readonly ready: pulumi.Resource;

  /**
   * @param name - the logical name; children are named `${name}-<role>`.
   * @param args - see {@link RabbitmqOperatorsArgs}.
   * @param opts - component options.
   */
  constructor(name: string, args: RabbitmqOperatorsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:index:RabbitmqOperators", name, {}, opts);
    const { platform, certManager } = args;
    const provider = platform.provider;
    this.clusterOperator = new k8s.yaml.v2.ConfigFile(
      `${name}-cluster-operator`,
      { file: rabbitmqOperatorReleases.clusterOperator.manifest },
      // The manifests hold the CRDs: deleting them would delete every RabbitmqCluster and Queue and,
      // through their owner references, the brokers' volumes. They are never deleted by Pulumi.
      // Its Issuer and Certificates need cert-manager's CRDs and webhook.
      { parent: this, provider, dependsOn: [...(platform.cluster ? [platform.cluster] : []), certManager.release], retainOnDelete: true, protect: args.protect },
    );
    // The second manifest's `rabbitmq-system` Namespace already exists: this provider adopts it.
    // A provider the consumer passed to the platform is used as it is (the platform's `kubeconfig`
    // may be empty then); it must adopt too: see RabbitmqOperatorsArgs.platform.
    const adopting = platform.providerFromConsumer
      ? provider
      : new k8s.Provider(
          `${name}-adopting`,
          { kubeconfig: platform.kubeconfig, context: platform.context, enableServerSideApply: true, upsertExistingObjects: true, enablePatchForce: true },
          { parent: this },
        );
    const topology = new k8s.yaml.v2.ConfigFile(
      `${name}-topology-operator`,
      { file: rabbitmqOperatorReleases.topologyOperator.manifest },
      { parent: this, provider: adopting, dependsOn: [this.clusterOperator, certManager.release], retainOnDelete: true, protect: args.protect },
    );
    const trust = `${name}-ca-trust`;
    const caTrust = new k8s.apiextensions.CustomResource(
      trust,
      {
        apiVersion: "cert-manager.io/v1",
        kind: "Certificate",
        metadata: { name: trust, namespace: d.namespace },
        spec: {
          secretName: trust,
          commonName: trust,
          issuerRef: { name: certManager.caIssuerName, kind: "ClusterIssuer", group: "cert-manager.io" },
          duration: d.certificate.duration,
          renewBefore: d.certificate.renewBefore,
          privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
          usages: ["client auth", "digital signature"],
        },
      },
      { parent: this, provider, dependsOn: [topology, certManager.release] },
    );
    this.ready = new k8s.apps.v1.DeploymentPatch(
      `${name}-topology-operator-trust`,
      {
        metadata: { name: d.topologyOperator.deployment, namespace: d.namespace },
        spec: {
          template: {
            spec: {
              containers: [
                {
                  name: d.topologyOperator.container,
                  volumeMounts: [{ name: "platform-ca", mountPath: `${d.trustStorePath}/${trust}.crt`, subPath: "ca.crt", readOnly: true }],
                },
              ],
              volumes: [{ name: "platform-ca", secret: { secretName: trust, items: [{ key: "ca.crt", path: "ca.crt" }], defaultMode: 0o444 } }],
            },
          },
        },
      },
      { parent: this, provider, dependsOn: [topology, caTrust] },
    );
    this.registerOutputs({});
  }
}
