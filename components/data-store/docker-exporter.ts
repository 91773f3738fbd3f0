/**
 * A data store's Prometheus exporter on Docker: a hardened container beside the store, on the
 * platform's network, that the observability stack scrapes by its alias. On Kubernetes the same
 * metrics come from the store's own pods (CloudNativePG's, or Valkey's exporter sidecar) through a
 * PodMonitor, so the observability stack never needs a data store's credentials on either target.
 *
 * @see https://prometheus.io/docs/instrumenting/exporters/
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { DockerPlatform } from "../contract/platform";
import type { ScrapeEndpoint } from "../contract/metrics";
import type { DockerExporterSpec } from "./exporters";

/**
 * An exporter's labels: the data store's (its instance, `component: metrics`), named after the
 * exporter application.
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/
 */
export function exporterLabels(storeLabels: readonly docker.types.input.ContainerLabel[], application: string): docker.types.input.ContainerLabel[] {
  return storeLabels.map((l) => (l.label === "app.kubernetes.io/name" ? { ...l, value: application } : l));
}

/**
 * Runs an exporter next to a data store: `<name>-exporter` (the container and its network alias,
 * `<network>-<name>-exporter` its container name), read-only, as the image's non-root user with
 * every capability dropped and `no-new-privileges`, with a healthcheck and limits. Its connection
 * settings are secret environment variables, kept secret in the provider's state too.
 *
 * @param name - the data store's name.
 * @param exporter - the image and how it runs.
 * @param envs - the exporter's environment, a secret (it holds the store's credentials).
 * @param labels - the container's labels.
 * @param platform - the Docker engine and network.
 * @param parent - the data store component.
 * @returns where Prometheus scrapes it.
 * @see https://www.pulumi.com/registry/packages/docker/api-docs/container/
 */
export function dockerExporter(
  name: string,
  exporter: DockerExporterSpec,
  envs: pulumi.Input<pulumi.Input<string>[]>,
  labels: docker.types.input.ContainerLabel[],
  platform: DockerPlatform,
  parent: pulumi.Resource,
): ScrapeEndpoint {
  const opts: pulumi.CustomResourceOptions = { parent, provider: platform.provider };
  const alias = `${name}-exporter`;
  const image = new docker.RemoteImage(`${alias}-image`, { name: exporter.image, keepLocally: true }, opts);
  new docker.Container(
    alias,
    {
      name: pulumi.interpolate`${platform.networkName}-${alias}`,
      image: image.imageId,
      envs,
      healthcheck: { tests: ["CMD", "wget", "-q", "--spider", `http://127.0.0.1:${exporter.port}${exporter.healthPath}`], interval: "15s", timeout: "5s", startPeriod: "30s", retries: 3 },
      readOnly: true,
      restart: "unless-stopped",
      user: exporter.user,
      securityOpts: ["no-new-privileges:true"],
      capabilities: { drops: ["ALL"] },
      memory: exporter.memoryMiB,
      memoryReservation: exporter.memoryReservationMiB,
      cpus: exporter.cpus,
      networksAdvanced: [{ name: platform.networkName, aliases: [alias] }],
      labels,
    },
    // The provider returns `envs` in its state, which must stay secret there too.
    { ...opts, additionalSecretOutputs: ["envs"] },
  );
  return { host: alias, port: exporter.port };
}
