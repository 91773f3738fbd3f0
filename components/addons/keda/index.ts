/**
 * KEDA, from its maintainers' chart: the cluster add-on behind every ScaledObject, which scales a
 * service on its queue's depth (RabbitMQ, NATS JetStream) or a Prometheus query.
 *
 * - Three Deployments in `keda`: the operator (it polls the scalers and owns each ScaledObject's
 *   HorizontalPodAutoscaler), the metrics API server (the aggregated API
 *   `v1beta1.external.metrics.k8s.io`, which the kube-apiserver calls on the pod's port 6443) and
 *   the admission webhooks (pod port 9443). A private GKE control plane reaches neither port
 *   without the platform's firewall rule: both are in `WEBHOOK_SERVERS`, so `gke.webhookPorts`
 *   opens them by default.
 * - The chart installs KEDA's CRDs (`crds.install`), so ScaledObjects and TriggerAuthentications
 *   wait for the release.
 * - In prod each Deployment runs 2 replicas with a PodDisruptionBudget of `minAvailable: 1` (the
 *   operator elects a leader; the other replicas cut the failover time), spread over nodes.
 *
 * @see https://keda.sh/docs/2.20/deploy/#helm
 * @see https://keda.sh/docs/2.20/operate/cluster/#high-availability
 * @see https://github.com/kedacore/charts/blob/v2.20.2/keda/values.yaml
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Environment, KubernetesPlatform } from "../../contract/platform";

/** The pinned chart: 2.20.2 ships KEDA 2.20.2, the release of the CRDs the tests validate against. */
export const kedaChart = { repo: "https://kedacore.github.io/charts", chart: "keda", version: "2.20.2", appVersion: "2.20.2" } as const;

/** KEDA's namespace (created by the release). */
export const KEDA_NAMESPACE = "keda";

/**
 * The pod ports the kube-apiserver calls: the metrics API server's HTTPS port (the chart's
 * `service.portHttpsTarget`, behind the `v1beta1.external.metrics.k8s.io` APIService's Service
 * port 443) and the admission webhooks' port (the chart's `webhooks.port`, 9443 when empty).
 *
 * @see https://github.com/kedacore/charts/blob/v2.20.2/keda/templates/metrics-server/apiservice.yaml
 * @see https://github.com/kedacore/charts/blob/v2.20.2/keda/templates/webhooks/deployment.yaml
 */
export const KEDA_PORTS = { metricsApiServer: 6443, webhooks: 9443, operatorGrpc: 9666 } as const;

/**
 * Requests and limits of each KEDA container: 100m / 128Mi for the operator and the metrics API
 * server (the chart's 100m / 100Mi, KEDA's documented defaults, with memory rounded up) and
 * 50m / 64Mi for the admission webhooks, with limits sized for a few hundred ScaledObjects rather
 * than the chart's 1 CPU / 1000Mi: the six pods in prod request 0.5 vCPU and 640Mi of the nodes.
 *
 * @see https://keda.sh/docs/2.20/operate/cluster/#cluster-capacity
 */
export const kedaResources = {
  operator: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } },
  metricServer: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } },
  webhooks: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
} as const;

/** Replicas of each KEDA Deployment: 2 in prod (with a PodDisruptionBudget), 1 otherwise. */
export function kedaReplicas(environment: Environment): number {
  return environment === "prod" ? 2 : 1;
}

/**
 * The chart's values: CRDs from the chart, replicas and a PodDisruptionBudget per Deployment in
 * prod (spread over nodes), requests and limits, image pull `IfNotPresent` (the tag is pinned by
 * the chart's appVersion) and no legacy service links. Every key is one of the chart's
 * `values.yaml` (2.20.2), which has no `values.schema.json`.
 *
 * @see https://github.com/kedacore/charts/blob/v2.20.2/keda/values.yaml
 */
export function kedaValues(environment: Environment): Record<string, unknown> {
  const replicas = kedaReplicas(environment);
  const pdb = replicas >= 2 ? { minAvailable: 1 } : {};
  const spread = (app: string) =>
    replicas >= 2 ? [{ maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { app } } }] : [];
  return {
    crds: { install: true },
    image: { pullPolicy: "IfNotPresent" },
    operator: { replicaCount: replicas },
    metricsServer: { replicaCount: replicas },
    webhooks: { replicaCount: replicas },
    podDisruptionBudget: { operator: pdb, metricServer: pdb, webhooks: pdb },
    topologySpreadConstraints: {
      operator: spread("keda-operator"),
      metricsServer: spread("keda-operator-metrics-apiserver"),
      webhooks: spread("keda-admission-webhooks"),
    },
    resources: kedaResources,
    enableServiceLinks: false,
  };
}

/** The arguments of {@link Keda}. */
export interface KedaArgs {
  /** The cluster to install into. */
  readonly platform: KubernetesPlatform;
  /** What the release must wait for (such as the mesh's injector). @default [] */
  readonly dependsOn?: readonly pulumi.Resource[];
}

/**
 * KEDA (Helm release `keda` in `keda`), once per cluster: the program creates it when a service
 * has `autoscaling.triggers`, and every such service's ScaledObject waits for {@link release}.
 *
 * @example
 * ```ts
 * const keda = new Keda("keda", { platform });
 * new AppService("orders-worker", { platform, image, port: 9898, autoscaling: { triggers: [{ type: "rabbitmq", queueName: "orders" }] }, dependsOn: [keda.release] });
 * ```
 * @see https://keda.sh/docs/2.20/deploy/#helm
 */
export class Keda extends pulumi.ComponentResource {
  /** The Helm release, after which KEDA's CRDs exist. */
  public readonly release: k8s.helm.v3.Release;

  constructor(name: string, args: KedaArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:index:Keda", name, {}, opts);
    const { platform } = args;
    this.release = new k8s.helm.v3.Release(
      `${name}-release`,
      {
        name: "keda",
        chart: kedaChart.chart,
        version: kedaChart.version,
        repositoryOpts: { repo: kedaChart.repo },
        namespace: KEDA_NAMESPACE,
        createNamespace: true,
        atomic: true,
        values: kedaValues(platform.environment),
      },
      { parent: this, provider: platform.provider, dependsOn: [...(platform.cluster ? [platform.cluster] : []), ...(args.dependsOn ?? [])] },
    );
    this.registerOutputs({});
  }
}
