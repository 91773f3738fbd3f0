/**
 * The first phase of the program: the platform, the namespaces, and the cluster add-ons, each
 * created once here and handed to the components that build on them.
 *
 * Some add-ons used to be created inside a component or the cluster (the CloudNativePG operator
 * by the PostgresCluster, the RabbitMQ operators by the MessageQueue, the AWS Load Balancer
 * Controller and the EBS CSI driver by the EksCluster). Their aliases below point at those old
 * places, so `pulumi up` on a stack deployed before moves them in the state and replaces nothing.
 *
 * @see https://www.pulumi.com/docs/iac/concepts/options/aliases/
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import {
  CertManager,
  CloudNativePg,
  createPlatform,
  GatewayApiCrds,
  Keda,
  meshEnrollment,
  movedFrom,
  PrometheusOperatorCrds,
  RabbitmqOperators,
  resolveEksClusterArgs,
  resolveMessageQueue,
  resolvePostgres,
  topLevelUrn,
  type ClusterAddons,
  type KubernetesPlatform,
  type MeshEnrollment,
  type Platform,
} from "../components";
import { createEksAddons, createKarpenter } from "../components/eks";
import { clusterBackups } from "./backups";
import { DATA_NAMESPACE, meshProvider, MONITORING_NAMESPACE, namespaceOf, platformArgs, postgresSettings, protectOf, dataStorePlacement, messageQueueSettings, servicesOf, type ProgramConfig } from "./compose";

/** The logical name of the platform component (and the prefix of its EKS add-ons). */
export const PLATFORM_NAME = "platform";

/** What the foundation hands the later phases. */
export interface Foundation {
  /**
   * The platform components deploy onto; on EKS, its `cluster` is Karpenter's NodePool (or, with
   * Karpenter off, the load balancer controller's release), so components wait for both.
   */
  readonly platform: Platform;
  /** The cluster add-ons (empty on Docker). */
  readonly addons: ClusterAddons;
  /** How workloads join the mesh, when there is one, known before the mesh exists. */
  readonly enrollment?: Omit<MeshEnrollment, "ready">;
  /** The services' namespace (its name as an output, so objects in it wait for it); `"default"` on Docker. */
  readonly servicesNamespace: pulumi.Input<string>;
  /** The data tier's namespace; `"default"` on Docker. */
  readonly dataNamespace: pulumi.Input<string>;
  /** The namespaces the program created. */
  readonly namespaces: readonly pulumi.Resource[];
  /** Every add-on the foundation installed (what must run before the NetworkPolicies close the namespaces). */
  readonly installed: readonly pulumi.Resource[];
}

/**
 * A namespace whose pods must meet the restricted Pod Security Standard.
 * @see https://kubernetes.io/docs/concepts/security/pod-security-admission/
 */
function restrictedNamespace(
  name: string,
  platform: KubernetesPlatform,
  mesh: { labels?: Readonly<Record<string, string>>; annotations?: Readonly<Record<string, string>> } = {},
): k8s.core.v1.Namespace {
  return new k8s.core.v1.Namespace(
    `${name}-namespace`,
    {
      metadata: {
        name,
        labels: {
          ...mesh.labels,
          "pod-security.kubernetes.io/enforce": "restricted",
          "pod-security.kubernetes.io/enforce-version": "latest",
          "pod-security.kubernetes.io/warn": "restricted",
        },
        annotations: { ...mesh.annotations },
      },
    },
    { provider: platform.provider },
  );
}

/**
 * Builds the platform, the namespaces and the cluster add-ons the stack's config needs:
 *
 * - on EKS, the EBS CSI driver (the `gp3` StorageClass) and the AWS Load Balancer Controller (the
 *   gateway's NLB), then Karpenter (unless `eks.karpenter.enabled` is false) with its default
 *   NodePool, which every later component waits for;
 * - on every Kubernetes target, the Gateway API CRDs and the Prometheus operator CRDs, then
 *   cert-manager (whose Gateway API support needs the former, its ServiceMonitor the latter);
 * - the CloudNativePG operator (with the Barman Cloud plugin when backups are on) for an in-cluster
 *   PostgresCluster, and the RabbitMQ operators for an in-cluster RabbitMQ broker;
 * - KEDA when a service has `autoscaling.triggers`.
 *
 * @see https://github.com/aws-quickstart/cdk-eks-blueprints (cluster provider, then add-ons)
 */
export function foundation(config: ProgramConfig): Foundation {
  const cluster = createPlatform(PLATFORM_NAME, platformArgs(config));
  const provider = meshProvider(config);
  const enrollment = provider ? meshEnrollment(provider) : undefined;
  if (cluster.kind === "docker") return { platform: cluster, addons: {}, enrollment, servicesNamespace: "default", dataNamespace: "default", namespaces: [], installed: [] };

  const protect = protectOf(config);
  let platform: KubernetesPlatform = cluster;
  const addons: { -readonly [K in keyof ClusterAddons]: ClusterAddons[K] } = {};
  if (cluster.flavour === "eks") {
    const eksUrn = topLevelUrn("platform:index:EksCluster", PLATFORM_NAME);
    const eks = createEksAddons(PLATFORM_NAME, cluster, { protect }, {
      awsLoadBalancerController: { aliases: [{ parent: eksUrn }] },
      awsEbsCsiDriver: {
        transformations: [
          movedFrom(eksUrn, {
            [`${PLATFORM_NAME}-ebs-csi-role`]: `${PLATFORM_NAME}-ebs-csi-role`,
            [`${PLATFORM_NAME}-ebs-csi-policy`]: `${PLATFORM_NAME}-ebs-csi-policy`,
            [`${PLATFORM_NAME}-ebs-csi-addon`]: `${PLATFORM_NAME}-addon-ebs-csi`,
            [`${PLATFORM_NAME}-ebs-csi-storage-class`]: `${PLATFORM_NAME}-gp3`,
          }),
        ],
      },
    });
    Object.assign(addons, eks);
    // The controller's webhooks see every Service and pod: nothing else is created before it runs,
    // and `pulumi destroy` removes the gateway's Service (and its NLB) before the controller.
    platform = { ...cluster, cluster: eks.awsLoadBalancerController.release };
    // Nodes beyond the managed node group. Components wait for the NodePool, so `pulumi destroy`
    // deletes them first; the NodePool's deletion then drains and terminates Karpenter's nodes
    // before the controller goes.
    const { karpenter } = resolveEksClusterArgs({ environment: config.environment, ...config.eks! });
    if (karpenter.enabled) {
      const nodes = createKarpenter(`${PLATFORM_NAME}-karpenter`, { platform, cpuLimit: karpenter.cpuLimit, amiAlias: karpenter.amiAlias });
      platform = { ...cluster, cluster: nodes.nodePool };
    }
  }

  const appsNamespace = restrictedNamespace(namespaceOf(config), platform, { labels: enrollment?.namespaceLabels, annotations: enrollment?.namespaceAnnotations });
  const dataNamespace = restrictedNamespace(DATA_NAMESPACE, platform);
  addons.gatewayApiCrds = new GatewayApiCrds("gateway-api-crds", { platform });
  addons.prometheusOperatorCrds = new PrometheusOperatorCrds("prometheus-crds", { platform, namespace: MONITORING_NAMESPACE });
  // cert-manager's Gateway API support exits at start when the Gateway API CRDs are missing.
  addons.certManager = new CertManager("cert-manager", {
    platform,
    dependsOn: [addons.gatewayApiCrds.ready, addons.prometheusOperatorCrds.release],
    serviceMonitor: config.observability?.enabled !== false,
  });

  const postgresArgs = postgresSettings(config, dataStorePlacement(config));
  const postgres = postgresArgs && resolvePostgres("postgres", postgresArgs, platform);
  if (postgres?.mode === "in-cluster") {
    addons.cloudNativePg = new CloudNativePg(
      "cnpg",
      { platform, certManager: addons.certManager, barmanCloud: postgres.backup.enabled },
      { transformations: [movedFrom(topLevelUrn("platform:index:PostgresCluster", "postgres"), { "cnpg-operator": "postgres-operator", "cnpg-barman-cloud": "postgres-barman-cloud" })] },
    );
  }
  const queueArgs = messageQueueSettings(config, dataStorePlacement(config));
  const queue = queueArgs && resolveMessageQueue("queue", queueArgs, platform);
  if (queue?.mode === "in-cluster" && queue.broker === "rabbitmq") {
    addons.rabbitmqOperators = new RabbitmqOperators(
      "queue-operators",
      { platform, certManager: addons.certManager, protect },
      { aliases: [{ parent: topLevelUrn("platform:index:MessageQueue", "queue") }] },
    );
  }
  // KEDA only where a service scales on a queue or a Prometheus query (`autoscaling.triggers`).
  if (servicesOf(config).some((s) => s.autoscaling?.enabled !== false && (s.autoscaling?.triggers?.length ?? 0) > 0)) {
    addons.keda = new Keda("keda", { platform });
  }
  // Velero for the volumes and objects without backups of their own (see backups.ts).
  const velero = clusterBackups(config, platform);
  const installed: pulumi.Resource[] = [...Object.values(addons).filter((a) => a !== undefined), ...(velero ? [velero] : []), dataNamespace];
  return { platform, addons, enrollment, servicesNamespace: appsNamespace.metadata.name, dataNamespace: dataNamespace.metadata.name, namespaces: [appsNamespace], installed };
}
