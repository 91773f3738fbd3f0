/**
 * Flagger, the progressive delivery operator, from its maintainers' chart: the cluster add-on that
 * drives each service's canary (a `Canary` per service) from the mesh's own metrics in the
 * platform's Prometheus.
 *
 * Why Flagger and not Argo Rollouts: Flagger works on the Deployment and HPA (or KEDA
 * ScaledObject) the platform already creates, routes Istio natively (it writes the service's
 * VirtualService and DestinationRule) and Linkerd through the Gateway API (an HTTPRoute whose parent
 * is the Service, Linkerd's GAMMA support, with `meshProvider: gatewayapi:v1`), and ships the Istio
 * success-rate and latency queries built in. Argo Rollouts replaces the Deployment with its own
 * `Rollout` kind and reaches the Gateway API (hence Linkerd, since Linkerd dropped SMI) only through
 * a traffic-router plugin binary the controller downloads at start.
 *
 * @see https://docs.flagger.app/tutorials/istio-progressive-delivery
 * @see https://docs.flagger.app/tutorials/linkerd-progressive-delivery
 * @see https://github.com/fluxcd/flagger/blob/v1.44.0/charts/flagger/values.yaml
 * @see https://argoproj.github.io/argo-rollouts/features/traffic-management/plugins/
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Environment, KubernetesPlatform } from "../../contract/platform";

/**
 * The pinned chart: `flagger` 1.44.0 runs Flagger 1.44.0, the release whose CRDs (`Canary`,
 * `MetricTemplate`, `AlertProvider`, in the chart's `crds/`) the tests validate against.
 *
 * @see https://github.com/fluxcd/flagger/releases/tag/v1.44.0
 */
export const flaggerChart = { repo: "https://flagger.app", chart: "flagger", version: "1.44.0" } as const;

/** The namespace of the controller. */
export const FLAGGER_NAMESPACE = "flagger-system";

/**
 * The pod label Flagger keys its generated objects on: the target's pods keep
 * `app.kubernetes.io/name: <service>`, the primary's get `<service>-primary`, and the Services it
 * generates select by it. Every other label (`app.kubernetes.io/instance` above all) is copied
 * unchanged, so policies that must cover both (NetworkPolicy, PodDisruptionBudget, the mesh's
 * authorization) select by those.
 *
 * @see https://github.com/fluxcd/flagger/blob/v1.44.0/pkg/canary/util.go (makePrimaryLabels)
 */
export const FLAGGER_SELECTOR_LABEL = "app.kubernetes.io/name";

/**
 * The chart's `meshProvider` for each mesh: Istio's own router, and for Linkerd the Gateway API
 * router (Linkerd reads HTTPRoutes whose parent is a Service; its SMI TrafficSplit support is gone).
 * Flagger's Linkerd tutorial at v1.44.0 still installs `gatewayapi:v1beta1`; `gatewayapi:v1` is the
 * same router writing `gateway.networking.k8s.io/v1` HTTPRoutes, the version the pinned Gateway API
 * CRDs (v1.6.1) store and the rest of the platform writes, and which Linkerd's policy controller
 * reads (both versions are served, so Linkerd sees the route either way).
 *
 * @see https://docs.flagger.app/tutorials/linkerd-progressive-delivery
 * @see https://linkerd.io/2-edge/features/httproute/
 */
export const FLAGGER_MESH_PROVIDERS = { istio: "istio", linkerd: "gatewayapi:v1" } as const;

/** Requests and limits of the controller (the chart's limits; requests sized for a few dozen canaries). */
export const flaggerResources = { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "1", memory: "512Mi" } } as const;

/** The arguments of {@link Flagger}. */
export interface FlaggerArgs {
  /** The cluster to install into. */
  readonly platform: KubernetesPlatform;
  /** The mesh whose routing objects Flagger writes. */
  readonly mesh: keyof typeof FLAGGER_MESH_PROVIDERS;
  /** The Prometheus Flagger queries, as a URL (`http://<service>.<namespace>.svc.cluster.local:9090`). */
  readonly metricsServer: string;
  /** Resources to create the release after (the mesh's control plane, the Gateway API CRDs). @default [] */
  readonly dependsOn?: readonly pulumi.Resource[];
}

/**
 * Helm values of the `flagger` chart.
 *
 * - `meshProvider` per mesh ({@link FLAGGER_MESH_PROVIDERS}); `metricsServer` the platform's
 *   Prometheus; `selectorLabels` pinned to {@link FLAGGER_SELECTOR_LABEL}.
 * - `configTracking` off: the primary reads the connection Secrets themselves, not Flagger's copies.
 * - CRDs from the chart's `crds/` directory (Helm installs them on the first install only; the
 *   `crd.create` template stays off, as the chart defaults).
 * - Two replicas with leader election and a PodDisruptionBudget in prod, one otherwise.
 * - The restricted Pod Security Standard's container securityContext (the chart's default sets only
 *   `readOnlyRootFilesystem` and `runAsUser`).
 *
 * @see https://github.com/fluxcd/flagger/blob/v1.44.0/charts/flagger/values.yaml
 * @see https://github.com/fluxcd/flagger/blob/v1.44.0/charts/flagger/templates/deployment.yaml
 */
export function flaggerValues(args: Pick<FlaggerArgs, "mesh" | "metricsServer">, environment: Environment): Record<string, unknown> {
  const prod = environment === "prod";
  return {
    meshProvider: FLAGGER_MESH_PROVIDERS[args.mesh],
    metricsServer: args.metricsServer,
    selectorLabels: FLAGGER_SELECTOR_LABEL,
    crd: { create: false },
    // The primary reads the same Secrets as the target: with tracking on, Flagger would give it
    // `<secret>-primary` copies, so a rotated credential would wait for (and could be rolled back
    // with) the next canary instead of reaching every pod.
    configTracking: { enabled: false },
    leaderElection: { enabled: prod, replicaCount: prod ? 2 : 1 },
    podDisruptionBudget: { enabled: prod, minAvailable: 1 },
    resources: flaggerResources,
    securityContext: {
      enabled: true,
      context: {
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        runAsUser: 10001,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
      },
    },
  };
}

/**
 * The Flagger controller (Helm release `flagger` in {@link FLAGGER_NAMESPACE}), one per cluster,
 * for one mesh. Services with progressive delivery create their `Canary` after {@link release}.
 *
 * Flagger serves no admission webhook (the chart has none), so a private GKE control plane needs
 * no firewall port for it; it calls the API server and the metrics server only.
 *
 * @example
 * ```ts
 * const flagger = new Flagger("flagger", { platform, mesh: "istio", metricsServer: "http://kube-prometheus-stack-prometheus.monitoring.svc.cluster.local:9090" });
 * ```
 * @see https://docs.flagger.app/install/flagger-install-on-kubernetes
 */
export class Flagger extends pulumi.ComponentResource {
  /** The Helm release: its CRDs must exist before a `Canary` or `MetricTemplate`. */
  public readonly release: k8s.helm.v3.Release;

  /**
   * @param name - the logical name; the release is `${name}-release`.
   * @param args - see {@link FlaggerArgs}.
   * @param opts - component options.
   * @throws Error when `metricsServer` is not an http(s) URL.
   */
  constructor(name: string, args: FlaggerArgs, opts?: pulumi.ComponentResourceOptions) {
    if (!/^https?:\/\/[^/\s]+/.test(args.metricsServer)) throw new Error(`Flagger "${name}": \`metricsServer\` must be an http(s) URL of Prometheus (got "${args.metricsServer}")`);
    super("platform:index:Flagger", name, {}, opts);
    const { platform } = args;
    this.release = new k8s.helm.v3.Release(
      `${name}-release`,
      {
        name: "flagger",
        chart: flaggerChart.chart,
        version: flaggerChart.version,
        repositoryOpts: { repo: flaggerChart.repo },
        namespace: FLAGGER_NAMESPACE,
        createNamespace: true,
        atomic: true,
        values: flaggerValues(args, platform.environment),
      },
      { parent: this, provider: platform.provider, dependsOn: [...(platform.cluster ? [platform.cluster] : []), ...(args.dependsOn ?? [])] },
    );
    this.registerOutputs({});
  }
}
