import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { formatProblems } from "../contract/problems";
import { deployObservabilityToDocker } from "./docker";
import { deployObservabilityToKubernetes } from "./kubernetes";
import { resolveObservability, validateObservability, type ObservabilityStackArgs } from "./spec";
import type { ObservabilityContext } from "./types";

export * from "./spec";
export type * from "./types";
export { alertRuleGroups, type AlertRule, type AlertRuleGroup } from "./rules";
export { serviceDashboard } from "./dashboards";
export { BURN_RATE_ALERTS, resolveSlo, sloDefaults, sloRuleGroups, validateSlo, type ResolvedSlo, type SloArgs } from "./slo";
export { cloudwatchSeries, defaultMaxConnections, instanceMemoryGiB, stackdriverSeries, type ManagedDataStores } from "./managed";

/**
 * Metrics, dashboards, alerts, logs and traces for the platform, the same in intent on every target.
 *
 * - **Kubernetes**: kube-prometheus-stack (Prometheus, Alertmanager, Grafana; the operator's CRDs
 *   stay in their own release), Loki with a log collector, Tempo behind an OpenTelemetry
 *   Collector; per service a `ServiceMonitor` and a Grafana dashboard; the alert rules as
 *   `PrometheusRule`s.
 * - **Docker**: Prometheus, Alertmanager and Grafana containers whose configuration is generated
 *   from the same service list, alert rules and dashboards.
 *
 * @example
 * ```ts
 * const observability = new ObservabilityStack("observability", { platform, services: [{ name: "api", namespace: "apps", selector: { "app.kubernetes.io/name": "api" }, portName: "http", port: 8080 }] });
 * ```
 * @see https://github.com/prometheus-community/helm-charts/tree/main/charts/kube-prometheus-stack
 * @see https://grafana.com/docs/loki/latest/
 * @see https://opentelemetry.io/docs/collector/
 */
export class ObservabilityStack extends pulumi.ComponentResource {
  /** Grafana's URL. */
  public readonly grafanaUrl: pulumi.Output<string>;
  /** Prometheus's URL. */
  public readonly prometheusUrl: pulumi.Output<string>;
  /** Grafana's admin password; a secret. */
  public readonly grafanaAdminPassword: pulumi.Output<string>;
  /**
   * The OpenTelemetry SDK environment for services: `OTEL_EXPORTER_OTLP_ENDPOINT` (the collector's
   * OTLP/gRPC port) and `OTEL_EXPORTER_OTLP_PROTOCOL=grpc`, so SDKs whose default is HTTP agree on
   * the port; empty on Docker, which has no collector.
   * @see https://opentelemetry.io/docs/specs/otel/protocol/exporter/
   */
  public readonly otlpEnv: Readonly<Record<string, pulumi.Input<string>>>;
  /** The OTLP/gRPC endpoint; `undefined` on Docker. */
  public readonly otlpEndpoint?: pulumi.Output<string>;

  /**
   * @param name - the logical name; children are named `${name}-<role>`.
   * @param args - see {@link ObservabilityStackArgs}.
   * @param opts - component options.
   * @throws Error naming every bad field (warning above critical, retention 0, a receiver URL that
   *   is not https, a receiver of unknown kind…).
   */
  constructor(name: string, args: ObservabilityStackArgs, opts?: pulumi.ComponentResourceOptions) {
    const { platform, ...settings } = args;
    const problems = validateObservability(settings, platform);
    if (problems.length > 0) throw new Error(`ObservabilityStack "${name}": ${formatProblems(problems)}`);
    super("platform:index:ObservabilityStack", name, {}, opts);
    const spec = resolveObservability(settings, platform);
    const adminPassword = new random.RandomPassword(`${name}-grafana-admin`, { length: 32, special: false }, { parent: this }).result;
    const context: ObservabilityContext = { adminPassword, parent: this };
    const endpoints =
      platform.kind === "kubernetes" ? deployObservabilityToKubernetes(name, spec, platform, context) : deployObservabilityToDocker(name, spec, platform, context);
    this.grafanaUrl = endpoints.grafanaUrl;
    this.prometheusUrl = endpoints.prometheusUrl;
    this.otlpEndpoint = endpoints.otlpEndpoint;
    this.otlpEnv = endpoints.otlpEndpoint ? { OTEL_EXPORTER_OTLP_ENDPOINT: endpoints.otlpEndpoint, OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" } : {};
    this.grafanaAdminPassword = pulumi.secret(adminPassword);
    this.registerOutputs({ grafanaUrl: this.grafanaUrl, prometheusUrl: this.prometheusUrl, otlpEndpoint: this.otlpEndpoint });
  }
}
