import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { KubernetesPlatform } from "../../contract/platform";

/**
 * The pinned chart of the Prometheus operator's CRDs alone (`monitoring.coreos.com`: PodMonitor,
 * ServiceMonitor, PrometheusRule…). Chart 31.0.0 carries operator v0.93.0's CRDs (31.0.1 moved to
 * v0.93.1): the same CRDs the tests validate against, and the operator kube-prometheus-stack runs
 * (see `observabilityCharts` in kubernetes.ts).
 *
 * @see https://github.com/prometheus-community/helm-charts/tree/main/charts/prometheus-operator-crds
 * @see https://github.com/prometheus-community/helm-charts/releases/tag/prometheus-operator-crds-31.0.0
 */
export const prometheusOperatorCrdsChart = { repo: "https://prometheus-community.github.io/helm-charts", chart: "prometheus-operator-crds", version: "31.0.0" } as const;

/** The arguments of {@link PrometheusOperatorCrds}. */
export interface PrometheusOperatorCrdsArgs {
  /** The cluster to install into. */
  readonly platform: KubernetesPlatform;
  /** The release's namespace (created); the CRDs themselves are cluster-scoped. @default "monitoring" */
  readonly namespace?: string;
}

/**
 * The Prometheus operator's CRDs, installed once per cluster in their own release, as the chart
 * maintainers recommend for upgrading CRDs separately from the operator. Components that write
 * PodMonitors or ServiceMonitors (PostgresCluster, AppService) depend on {@link release}, so
 * their monitors never race the CRDs; an observability stack installed later must not install the
 * CRDs a second time (kube-prometheus-stack: `crds.enabled: false`).
 *
 * @example
 * ```ts
 * const crds = new PrometheusOperatorCrds("prometheus-crds", { platform });
 * ```
 * @see https://prometheus-operator.dev/docs/getting-started/installation/
 */
export class PrometheusOperatorCrds extends pulumi.ComponentResource {
  /** The Helm release that owns the CRDs. */
  public readonly release: k8s.helm.v3.Release;

  /**
   * @param name - the logical name; children are named `${name}-<role>`.
   * @param args - see {@link PrometheusOperatorCrdsArgs}.
   * @param opts - component options.
   */
  constructor(name: string, args: PrometheusOperatorCrdsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:index:PrometheusOperatorCrds", name, {}, opts);
    const chart = prometheusOperatorCrdsChart;
    this.release = new k8s.helm.v3.Release(
      `${name}-release`,
      {
        name: "prometheus-operator-crds",
        chart: chart.chart,
        version: chart.version,
        repositoryOpts: { repo: chart.repo },
        namespace: args.namespace ?? "monitoring",
        createNamespace: true,
        atomic: true,
      },
      { parent: this, provider: args.platform.provider, dependsOn: args.platform.cluster ? [args.platform.cluster] : [] },
    );
    this.registerOutputs({});
  }
}
