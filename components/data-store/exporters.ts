/**
 * The data stores' Prometheus exporters on Docker: pinned images and how each runs. Plain data, so
 * specs can name the pins without loading the Docker SDK.
 *
 * @see https://prometheus.io/docs/instrumenting/exporters/
 */

/** One exporter image and how it runs: its port, health path, user and limits. */
export interface DockerExporterSpec {
  /** The pinned image. */
  readonly image: string;
  /** The port it serves metrics on. */
  readonly port: number;
  /** The path its healthcheck fetches (with busybox `wget`). */
  readonly healthPath: string;
  /** `uid:gid`: the image's own non-root user. */
  readonly user: string;
  /** The memory limit and reservation in MiB, and the CPU limit in cores. */
  readonly memoryMiB: number;
  readonly memoryReservationMiB: number;
  readonly cpus: string;
}

/** The pinned exporters and how each runs. @see https://hub.docker.com/r/prometheuscommunity/postgres-exporter/tags */
export const dockerExporters = {
  /** postgres_exporter, on the Prometheus busybox image (with `wget`), as `nobody`. */
  postgres: { image: "prometheuscommunity/postgres-exporter:v0.20.0", port: 9187, healthPath: "/", user: "65534:65534", memoryMiB: 128, memoryReservationMiB: 32, cpus: "0.25" },
  /**
   * redis_exporter's `-alpine` variant (the default one is built `FROM scratch` and has no `wget`
   * for the healthcheck), the same pin as the in-cluster sidecar's, as its user 59000.
   * @see https://github.com/oliver006/redis_exporter/blob/master/.github/workflows/release.yml
   */
  redis: { image: "oliver006/redis_exporter:v1.91.1-alpine", port: 9121, healthPath: "/health", user: "59000:59000", memoryMiB: 64, memoryReservationMiB: 16, cpus: "0.25" },
} as const satisfies Record<string, DockerExporterSpec>;
