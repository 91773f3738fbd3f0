/**
 * The types the observability component and its backends share. Backends import them from here, never
 * from the component's index, so no import runs in a circle.
 */
import type * as pulumi from "@pulumi/pulumi";

/** What every backend returns. */
export interface ObservabilityEndpoints {
  /** Grafana's URL (in-cluster, or the Docker host's published port). */
  readonly grafanaUrl: pulumi.Output<string>;
  /** Prometheus's URL. */
  readonly prometheusUrl: pulumi.Output<string>;
  /** The OTLP/gRPC endpoint services send traces to; `undefined` where there is no collector (Docker). */
  readonly otlpEndpoint?: pulumi.Output<string>;
}

/** What a backend receives besides the resolved spec. */
export interface ObservabilityContext {
  /** Grafana's admin password: a secret from @pulumi/random. */
  readonly adminPassword: pulumi.Output<string>;
  /** The component, the parent of every child. */
  readonly parent: pulumi.Resource;
}
