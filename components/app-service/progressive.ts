/**
 * Progressive delivery of one AppService with Flagger: a `Canary` that targets the service's
 * Deployment and autoscaler and shifts traffic to each new revision step by step while the mesh's
 * success rate and P99 latency stay within the alert thresholds, rolling back otherwise.
 *
 * Flagger owns what it generates, so the AppService and the mesh must not create it too: the
 * `<service>-primary` and `<service>-canary` Services, the `<service>-primary` Deployment and
 * autoscaler, and the mesh's routing (Istio VirtualService and DestinationRules, or the Gateway API
 * HTTPRoute Linkerd reads). The apex Service `<service>` is the AppService's own, which Flagger takes
 * over ({@link FLAGGER_OWNED_SERVICE_FIELDS}) rather than recreates. The Deployment Pulumi manages is
 * Flagger's target: it holds the new revision, runs only during an analysis, and Flagger scales it
 * to zero after promotion, so it never sets `replicas` (the autoscaler does).
 *
 * @see https://docs.flagger.app/usage/how-it-works
 * @see https://docs.flagger.app/usage/metrics
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { ArgProblem } from "../contract/problems";

/** The apiVersion of Flagger's custom resources. @see https://github.com/fluxcd/flagger/blob/v1.44.0/artifacts/flagger/crd.yaml */
export const FLAGGER_API_VERSION = "flagger.app/v1beta1";

/** The mesh a progressive service runs in: Flagger routes and measures through it. */
export type ProgressiveMesh = "istio" | "linkerd";

/**
 * The fields of the service's own Service that Flagger owns once it takes the Service over as the
 * canary's apex: it points the selector at the primary pods (after they are ready, before it scales
 * the Deployment to zero) and sets the ports from the Canary; an apex Service it did not create
 * keeps its labels and annotations. The AppService passes these as `ignoreChanges`.
 *
 * @see https://github.com/fluxcd/flagger/blob/v1.44.0/pkg/router/kubernetes_default.go (reconcileService, Finalize)
 * @see https://github.com/fluxcd/flagger/blob/v1.44.0/pkg/controller/scheduler.go (advanceCanary: "change the apex service pod selector to primary")
 * @see https://www.pulumi.com/docs/iac/concepts/options/ignorechanges/
 */
export const FLAGGER_OWNED_SERVICE_FIELDS = ["spec.selector", "spec.ports"] as const;

/** The autoscalers Flagger accepts as `autoscalerRef`. @see https://docs.flagger.app/usage/how-it-works#canary-target */
export const AUTOSCALER_KINDS = { HorizontalPodAutoscaler: "autoscaling/v2", ScaledObject: "keda.sh/v1alpha1" } as const;

/** The kind of a service's autoscaler: an HPA (the AppService's own) or a KEDA ScaledObject. */
export type AutoscalerKind = keyof typeof AUTOSCALER_KINDS;

/**
 * The canary analysis: how often Flagger checks, how far it shifts traffic, how many failed checks
 * roll the canary back. A release takes about `maxWeight / stepWeight × intervalSeconds` seconds.
 *
 * @see https://docs.flagger.app/usage/deployment-strategies#canary-release
 */
export interface CanaryAnalysisArgs {
  /** Seconds between two checks (and traffic steps). @default 60 */
  readonly intervalSeconds?: number;
  /** Failed checks before a rollback. @default 5 */
  readonly threshold?: number;
  /** Percentage of traffic added to the canary at each passed check. @default 10 */
  readonly stepWeight?: number;
  /** Percentage of traffic the canary reaches before promotion. @default 50 */
  readonly maxWeight?: number;
}

/** Defaults of {@link CanaryAnalysisArgs}: Flagger's own interval and threshold, ten steps of 10 % to half the traffic. */
export const canaryAnalysisDefaults = { intervalSeconds: 60, threshold: 5, stepWeight: 10, maxWeight: 50 } as const;

/**
 * What a canary must keep to be promoted, from the seeds' alert table: a success rate of at least
 * `100 − httpErrorRatePercent` and a P99 latency of at most `latencyP99Seconds` (the warning levels,
 * so a canary is rolled back before it would page anyone).
 */
export interface CanaryThresholds {
  /** The largest share of 5xx responses, in percent (the alert table's warning). */
  readonly httpErrorRatePercent: number;
  /** The largest P99 request latency, in seconds (the alert table's warning). */
  readonly latencyP99Seconds: number;
}

/** Progressive delivery of an AppService: the arguments of its `Canary`. */
export interface ProgressiveDeliveryArgs {
  /** The mesh Flagger routes through and reads metrics from. */
  readonly mesh: ProgressiveMesh;
  /** The analysis. @default see {@link canaryAnalysisDefaults} */
  readonly analysis?: CanaryAnalysisArgs;
  /** The success-rate and latency limits. */
  readonly thresholds: CanaryThresholds;
  /** The Prometheus the Linkerd `MetricTemplate`s query (Istio's built-in checks use Flagger's `metricsServer`). */
  readonly metricsServer: string;
  /** The autoscaler Flagger copies for the primary: the AppService's HPA, or a KEDA ScaledObject of the same name. @default "HorizontalPodAutoscaler" */
  readonly autoscalerKind?: AutoscalerKind;
  /**
   * Fields of the Canary's `spec.service` that carry the mesh's policy into what Flagger generates:
   * Istio's `timeout`, `retries` and `trafficPolicy` (its DestinationRule), Linkerd's retry, timeout
   * annotations on the HTTPRoute (`apex.annotations`, which Flagger writes on the HTTPRoute; the
   * apex Service it takes over keeps the AppService's own annotations, failure accrual among them).
   * @default {}
   */
  readonly service?: Readonly<Record<string, unknown>>;
}

/** {@link ProgressiveDeliveryArgs} with every default applied. */
export interface ResolvedProgressive extends Required<Omit<ProgressiveDeliveryArgs, "analysis">> {
  readonly analysis: Required<CanaryAnalysisArgs>;
}

/** Applies the defaults. */
export function resolveProgressive(args: ProgressiveDeliveryArgs): ResolvedProgressive {
  return { ...args, analysis: { ...canaryAnalysisDefaults, ...args.analysis }, autoscalerKind: args.autoscalerKind ?? "HorizontalPodAutoscaler", service: args.service ?? {} };
}

/**
 * The problems with an analysis: whole numbers, weights as percentages, a step that fits the
 * maximum.
 *
 * @returns the problems, each with its path under `analysis`.
 */
export function canaryAnalysisProblems(analysis: CanaryAnalysisArgs | undefined): ArgProblem[] {
  const problems: ArgProblem[] = [];
  const a = { ...canaryAnalysisDefaults, ...analysis };
  const whole = (n: number, min: number) => Number.isInteger(n) && n >= min;
  if (!whole(a.intervalSeconds, 10)) problems.push({ path: ["intervalSeconds"], message: `must be a whole number of seconds ≥ 10 (got ${a.intervalSeconds}): Prometheus scrapes every 30 s` });
  if (!whole(a.threshold, 1)) problems.push({ path: ["threshold"], message: `must be a whole number ≥ 1 (got ${a.threshold})` });
  for (const key of ["stepWeight", "maxWeight"] as const) {
    if (!(whole(a[key], 1) && a[key] <= 100)) problems.push({ path: [key], message: `must be a whole percentage from 1 to 100 (got ${a[key]})` });
  }
  if (whole(a.stepWeight, 1) && whole(a.maxWeight, 1) && a.stepWeight > a.maxWeight) problems.push({ path: ["stepWeight"], message: `(${a.stepWeight}) must not exceed \`maxWeight\` (${a.maxWeight})` });
  return problems;
}

/** A Flagger custom resource as a plain object. */
export interface FlaggerObject {
  readonly apiVersion: string;
  readonly kind: "Canary" | "MetricTemplate";
  readonly metadata: { readonly name: string; readonly namespace: pulumi.Input<string>; readonly labels?: Record<string, string> };
  readonly spec: Record<string, unknown>;
}

/** The window of every metric query: at least a minute, so `rate()` spans two 30-second scrapes. */
function metricWindow(intervalSeconds: number): string {
  return `${Math.max(60, intervalSeconds)}s`;
}

/**
 * Linkerd's success-rate and P99 latency queries over the inbound `response_total` and
 * `response_latency_ms_bucket` of the target's proxies, as Flagger's Linkerd tutorial writes them.
 * The `deployment` label comes from the pods' `linkerd.io/proxy-deployment` label, which the
 * platform's `linkerd-proxies` PodMonitor maps as Linkerd's external Prometheus guide does.
 *
 * @see https://docs.flagger.app/tutorials/linkerd-progressive-delivery
 * @see https://linkerd.io/2-edge/tasks/external-prometheus/
 */
export const linkerdQueries = {
  successRate:
    'sum(rate(response_total{namespace="{{ namespace }}", deployment=~"{{ target }}", classification!="failure", direction="inbound"}[{{ interval }}])) / sum(rate(response_total{namespace="{{ namespace }}", deployment=~"{{ target }}", direction="inbound"}[{{ interval }}])) * 100',
  latency: 'histogram_quantile(0.99, sum(rate(response_latency_ms_bucket{namespace="{{ namespace }}", deployment=~"{{ target }}", direction="inbound"}[{{ interval }}])) by (le))',
} as const;

/**
 * The `MetricTemplate`s a service's analysis needs: none with Istio (Flagger's built-in
 * `request-success-rate` and `request-duration` read `istio_requests_total` and
 * `istio_request_duration_milliseconds_bucket`), two with Linkerd (`<service>-success-rate`,
 * `<service>-latency`), since Flagger's Gateway API router has no built-in mesh queries.
 *
 * @see https://docs.flagger.app/usage/metrics#prometheus
 */
export function metricTemplates(name: string, namespace: pulumi.Input<string>, spec: ResolvedProgressive): FlaggerObject[] {
  if (spec.mesh === "istio") return [];
  const provider = { type: "prometheus", address: spec.metricsServer };
  return [
    { apiVersion: FLAGGER_API_VERSION, kind: "MetricTemplate", metadata: { name: `${name}-success-rate`, namespace }, spec: { provider, query: linkerdQueries.successRate } },
    { apiVersion: FLAGGER_API_VERSION, kind: "MetricTemplate", metadata: { name: `${name}-latency`, namespace }, spec: { provider, query: linkerdQueries.latency } },
  ];
}

/**
 * The analysis metrics: success rate ≥ `100 − httpErrorRatePercent`, P99 latency ≤
 * `latencyP99Seconds` (in milliseconds, the unit of both meshes' histograms).
 */
export function analysisMetrics(name: string, namespace: pulumi.Input<string>, spec: ResolvedProgressive): Record<string, unknown>[] {
  const interval = metricWindow(spec.analysis.intervalSeconds);
  const minSuccess = Number((100 - spec.thresholds.httpErrorRatePercent).toFixed(6));
  const maxLatencyMs = Number((spec.thresholds.latencyP99Seconds * 1000).toFixed(3));
  if (spec.mesh === "istio") {
    return [
      { name: "request-success-rate", thresholdRange: { min: minSuccess }, interval },
      { name: "request-duration", thresholdRange: { max: maxLatencyMs }, interval },
    ];
  }
  const [success, latency] = metricTemplates(name, namespace, spec);
  return [
    { name: "success-rate", templateRef: { name: success.metadata.name, namespace }, thresholdRange: { min: minSuccess }, interval },
    { name: "latency", templateRef: { name: latency.metadata.name, namespace }, thresholdRange: { max: maxLatencyMs }, interval },
  ];
}

/** What the Canary needs to know of the AppService. */
export interface CanaryTarget {
  readonly namespace: pulumi.Input<string>;
  /** The Service's port. */
  readonly servicePort: number;
  /** Whether the metrics port is separate from `http` (the generated Services then expose every container port). */
  readonly separateMetricsPort: boolean;
  /** The service's labels, for Flagger's apex metadata (the HTTPRoute under Linkerd; the apex Service it takes over keeps the AppService's). */
  readonly serviceLabels: Readonly<Record<string, string>>;
  /** The labels of the Canary itself. */
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * The service's `Canary`: the Deployment and its autoscaler as target, the generated Services on
 * the AppService's port (`http` on the pods), Linkerd's HTTPRoute attached to the apex Service
 * (`gatewayRefs`), the analysis with its two metrics, and `revertOnDeletion` (on deletion Flagger
 * scales the Deployment back to the primary's replicas and points the traffic at it).
 *
 * @see https://docs.flagger.app/usage/how-it-works
 * @see https://github.com/fluxcd/flagger/blob/v1.44.0/artifacts/flagger/crd.yaml
 * @see https://docs.flagger.app/usage/how-it-works#canary-finalizers
 */
export function canaryObject(name: string, target: CanaryTarget, spec: ResolvedProgressive): FlaggerObject {
  const { namespace } = target;
  const { apex, ...service } = spec.service as { apex?: Readonly<Record<string, unknown>> } & Record<string, unknown>;
  return {
    apiVersion: FLAGGER_API_VERSION,
    kind: "Canary",
    metadata: { name, namespace, labels: { ...target.labels } },
    spec: {
      // Deleting the Canary hands the Deployment back scaled up, instead of leaving it at zero.
      revertOnDeletion: true,
      targetRef: { apiVersion: "apps/v1", kind: "Deployment", name },
      autoscalerRef: { apiVersion: AUTOSCALER_KINDS[spec.autoscalerKind], kind: spec.autoscalerKind, name },
      service: {
        port: target.servicePort,
        targetPort: "http",
        portName: "http",
        ...(target.separateMetricsPort ? { portDiscovery: true } : {}),
        ...(spec.mesh === "linkerd" ? { gatewayRefs: [{ group: "", kind: "Service", name, namespace, port: target.servicePort }] } : {}),
        ...service,
        apex: { ...apex, labels: { ...target.serviceLabels } },
      },
      analysis: {
        interval: `${spec.analysis.intervalSeconds}s`,
        threshold: spec.analysis.threshold,
        stepWeight: spec.analysis.stepWeight,
        maxWeight: spec.analysis.maxWeight,
        metrics: analysisMetrics(name, namespace, spec),
      },
    },
  };
}

/**
 * Creates the service's MetricTemplates and Canary (after `dependsOn`, which holds Flagger's
 * release, and after the Deployment and autoscaler it targets).
 */
export function deployProgressive(
  name: string,
  target: CanaryTarget,
  spec: ResolvedProgressive,
  opts: pulumi.CustomResourceOptions & { dependsOn: pulumi.Resource[] },
): k8s.apiextensions.CustomResource {
  const templates = metricTemplates(name, target.namespace, spec).map(
    (object) => new k8s.apiextensions.CustomResource(`${object.metadata.name}-metric-template`, { ...object }, opts),
  );
  return new k8s.apiextensions.CustomResource(`${name}-canary`, { ...canaryObject(name, target, spec) }, { ...opts, dependsOn: [...opts.dependsOn, ...templates] });
}
