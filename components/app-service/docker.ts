import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { cpuToCores, memoryToMiB } from "../shared/quantity";
import type { DockerPlatform } from "../contract/platform";
import type { ResolvedAppService } from "./spec";
import { appServiceDefaults, scrapeAnnotations } from "./spec";
import { COMPONENT_LABEL, COMPONENT_ROLES } from "../contract/labels";

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
  readonly url: pulumi.Output<string>;
}

/**
 * Runs the service as one container on the platform's private network, with the same image,
 * limits, a healthcheck, a restart policy, a non-root user, a read-only root filesystem and labels.
 * Docker runs one replica; autoscaling and disruption budgets do not apply.
 *
 * @see https://www.pulumi.com/registry/packages/docker/api-docs/container/
 */
export function deployToDocker(name: string, spec: ResolvedAppService, platform: DockerPlatform, parent: pulumi.Resource): DockerAppService {
  const opts = { parent, provider: platform.provider, dependsOn: [...spec.dependsOn] };
  const image = new docker.RemoteImage(`${name}-image`, { name: spec.image, keepLocally: true }, opts);
  const uid = appServiceDefaults.runAsUser;
  const labels = {
    ...spec.labels,
    "app.kubernetes.io/name": name,
    [COMPONENT_LABEL]: COMPONENT_ROLES.appService,
    "app.kubernetes.io/managed-by": "pulumi",
    ...scrapeAnnotations(spec),
  };
  const envs = [
    ...Object.entries(spec.env).map(([key, value]) => pulumi.interpolate`${key}=${value}`),
    ...Object.entries(spec.secretEnv).map(([key, ref]) => pulumi.secret(pulumi.interpolate`${key}=${ref.value ?? ""}`)),
  ];
  const container = new docker.Container(
    `${name}-container`,
    {
      name: pulumi.interpolate`${platform.networkName}-${name}`,
      image: image.imageId,
      envs,
      restart: "unless-stopped",
      user: `${uid}:${uid}`,
      readOnly: true,
      tmpfs: { "/tmp": "rw,noexec,nosuid,size=64m" },
      securityOpts: ["no-new-privileges:true"],
      capabilities: { drops: ["ALL"] },
      memory: memoryToMiB(spec.resources.limits.memory),
      memoryReservation: memoryToMiB(spec.resources.requests.memory),
      cpus: String(cpuToCores(spec.resources.limits.cpu)),
      healthcheck: dockerHealthcheck(spec),
      networksAdvanced: [{ name: platform.networkName, aliases: [name] }],
      ports: spec.docker.hostPort ? [{ internal: spec.port, external: spec.docker.hostPort, ip: platform.publishAddress }] : [],
      labels: Object.entries(labels).map(([label, value]) => ({ label, value })),
    },
    opts,
  );
  return { container, url: pulumi.output(`http://${name}:${spec.port}`) };
}
