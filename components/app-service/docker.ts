import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { cpuToCores, memoryToMiB } from "../shared/quantity";
import type { DockerPlatform } from "../contract/platform";
import type { ResolvedAppService } from "./spec";
import { appServiceDefaults, scrapeAnnotations } from "./spec";
import { COMPONENT_LABEL, COMPONENT_ROLES } from "../contract/labels";
import { deployDockerMigration, dockerCommand, MIGRATION_LABEL } from "./jobs-docker";

/**
 * The container's healthcheck: the liveness path fetched from inside the container.
 * @see https://docs.docker.com/reference/dockerfile/#healthcheck
 */
export function dockerHealthcheck(spec: ResolvedAppService): docker.types.input.ContainerHealthcheck {
  const command = spec.docker.healthcheckCommand ?? ["curl", "-fsS", "-o", "/dev/null", `http://127.0.0.1:${spec.port}${spec.probes.livenessPath}`];
  return {
    tests: ["CMD", ...command],
    interval: `${spec.probes.periodSeconds}s`,
    timeout: `${spec.probes.timeoutSeconds}s`,
    startPeriod: `${spec.probes.initialDelaySeconds}s`,
    retries: 3,
  };
}

/** The objects the Docker backend created. */
export interface DockerAppService {
  readonly container: docker.Container;
  /** The migration container the service's container waits for. */
  readonly migration?: docker.Container;
  readonly url: pulumi.Output<string>;
}

/**
 * What the service's container and its migration container share: the image, the environment
 * (Secret values as Pulumi secrets), a non-root user, a read-only root filesystem with a `/tmp`
 * tmpfs, no new privileges, no capabilities, and the service's memory and CPU limits.
 *
 * @see https://docs.docker.com/engine/containers/run/#runtime-constraints-on-resources
 */
export function dockerContainerBase(spec: ResolvedAppService, imageId: pulumi.Input<string>): docker.ContainerArgs {
  const uid = appServiceDefaults.runAsUser;
  const envs = [
    ...Object.entries(spec.env).map(([key, value]) => pulumi.interpolate`${key}=${value}`),
    ...Object.entries(spec.secretEnv).map(([key, ref]) => pulumi.secret(pulumi.interpolate`${key}=${ref.value ?? ""}`)),
  ];
  return {
    image: imageId,
    envs,
    user: `${uid}:${uid}`,
    readOnly: true,
    tmpfs: { "/tmp": "rw,noexec,nosuid,size=64m" },
    securityOpts: ["no-new-privileges:true"],
    capabilities: { drops: ["ALL"] },
    memory: memoryToMiB(spec.resources.limits.memory),
    memoryReservation: memoryToMiB(spec.resources.requests.memory),
    cpus: String(cpuToCores(spec.resources.limits.cpu)),
  };
}

/**
 * Runs the service as one container on the platform's private network, with the same image,
 * limits, a healthcheck, a restart policy, a non-root user, a read-only root filesystem and labels.
 * Docker runs one replica; autoscaling and disruption budgets do not apply. A migration runs first,
 * as a container the service's container waits for (`jobs-docker.ts`).
 *
 * @see https://www.pulumi.com/registry/packages/docker/api-docs/container/
 */
export function deployToDocker(name: string, spec: ResolvedAppService, platform: DockerPlatform, parent: pulumi.Resource): DockerAppService {
  const opts = { parent, provider: platform.provider, dependsOn: [...spec.dependsOn] };
  const image = new docker.RemoteImage(`${name}-image`, { name: spec.image, keepLocally: true }, opts);
  const base = dockerContainerBase(spec, image.imageId);
  const migration = spec.migration ? deployDockerMigration(name, spec.migration, spec, platform, base, opts) : undefined;
  const labels: Record<string, pulumi.Input<string>> = {
    ...spec.labels,
    "app.kubernetes.io/name": name,
    [COMPONENT_LABEL]: COMPONENT_ROLES.appService,
    "app.kubernetes.io/managed-by": "pulumi",
    ...scrapeAnnotations(spec),
    ...(migration ? { [MIGRATION_LABEL]: migration.succeeded } : {}),
  };
  const container = new docker.Container(
    `${name}-container`,
    {
      ...base,
      ...dockerCommand(spec),
      name: pulumi.interpolate`${platform.networkName}-${name}`,
      restart: "unless-stopped",
      healthcheck: dockerHealthcheck(spec),
      networksAdvanced: [{ name: platform.networkName, aliases: [name] }],
      ports: spec.docker.hostPort ? [{ internal: spec.port, external: spec.docker.hostPort, ip: platform.publishAddress }] : [],
      labels: Object.entries(labels).map(([label, value]) => ({ label, value })),
    },
    { ...opts, dependsOn: [...opts.dependsOn, ...(migration ? [migration.container] : [])] },
  );
  return { container, migration: migration?.container, url: pulumi.output(`http://${name}:${spec.port}`) };
}
