/**
 * Where Prometheus scrapes a workload it cannot discover by itself: on Docker, a data store's
 * exporter container, by its network alias. The data stores produce one; the observability stack
 * takes it as a scrape target.
 *
 * @see https://prometheus.io/docs/prometheus/latest/configuration/configuration/#static_config
 */
export interface ScrapeEndpoint {
  /** The host (on Docker, the container's network alias). */
  readonly host: string;
  /** The port the metrics are served on. */
  readonly port: number;
  /** The metrics path. @default "/metrics" */
  readonly path?: string;
}
