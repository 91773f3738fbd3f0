/**
 * The RedisCluster on Docker, for local development: one Valkey container with a named volume,
 * AUTH, append-only persistence, a memory cap and a healthcheck, and redis_exporter beside it for
 * the observability stack to scrape. No TLS and no Sentinel.
 *
 * @see https://hub.docker.com/r/valkey/valkey
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { DockerPlatform } from "../contract/platform";
import { statefulResourceOptions } from "../shared/options";
import { cpuToCores, memoryToMiB } from "../shared/quantity";
import type { RedisBackendContext, RedisEndpoints } from "./types";
import { maxMemoryBytes, serverConfig, valkeyKubernetesDefaults } from "./valkey-config";
import { dockerExporter, exporterLabels } from "../data-store/docker-exporter";
import { dockerExporters } from "../data-store/exporters";
import { redisUrl, redisVersions, type ResolvedRedis } from "./spec";

/**
 * The container's shell command: write the config (with `requirepass` from the `REDIS_PASSWORD`
 * environment variable) to the tmpfs, readable only by the server's user, and exec Valkey. The
 * password is neither in the command nor in Valkey's process arguments.
 *
 * @param maxMemory - `maxmemory` in bytes.
 * @see https://valkey.io/topics/valkey.conf/
 */
export function dockerStartCommand(maxMemory: number): string {
  const config = serverConfig({ tls: false, maxMemoryBytes: maxMemory, announce: false });
  return ["umask 077", "cat > /tmp/valkey.conf <<EOF", config.trimEnd(), "EOF", "exec valkey-server /tmp/valkey.conf", ""].join("\n");
}

/**
 * The healthcheck: an authenticated PING from inside the container; valkey-cli takes the password
 * from `REDISCLI_AUTH`, so it is not an argument.
 * @see https://docs.docker.com/reference/dockerfile/#healthcheck
 */
export function dockerRedisHealthcheck(): docker.types.input.ContainerHealthcheck {
  return {
    tests: ["CMD-SHELL", 'REDISCLI_AUTH="$REDIS_PASSWORD" valkey-cli PING | grep -q PONG'],
    interval: "10s",
    timeout: "3s",
    startPeriod: "10s",
    retries: 3,
  };
}

/**
 * Runs Valkey as one container on the platform's network, reachable by the alias `name`, as the
 * image's `valkey` user (UID 999, GID 1000; a new named volume takes the ownership of the image's
 * `/data`), on a read-only root filesystem.
 *
 * @param name - the component's name; resources are named `${name}-<role>`.
 * @param spec - the resolved arguments.
 * @param platform - the Docker engine and network.
 * @param context - the AUTH password and the parent.
 * @returns `name:6379` without TLS; no Sentinel.
 * @see https://hub.docker.com/r/valkey/valkey
 */
export function deployRedisToDocker(name: string, spec: ResolvedRedis, platform: DockerPlatform, context: RedisBackendContext): RedisEndpoints {
  const opts: pulumi.CustomResourceOptions = { parent: context.parent, provider: platform.provider };
  const image = new docker.RemoteImage(`${name}-image`, { name: redisVersions.image, keepLocally: true }, opts);
  const volume = new docker.Volume(
    `${name}-data`,
    { name: pulumi.interpolate`${platform.networkName}-${name}-data`, labels: [{ label: "app.kubernetes.io/instance", value: name }] },
    { ...opts, ...statefulResourceOptions(spec.protect) },
  );
  const { valkeyUser, valkeyGroup } = valkeyKubernetesDefaults;
  const labels = { ...spec.labels, "app.kubernetes.io/name": "valkey", "app.kubernetes.io/instance": name, "app.kubernetes.io/managed-by": "pulumi" };
  new docker.Container(
    `${name}-container`,
    {
      name: pulumi.interpolate`${platform.networkName}-${name}`,
      image: image.imageId,
      entrypoints: ["sh", "-c"],
      command: [dockerStartCommand(maxMemoryBytes(spec.resources.limits.memory, spec.maxMemoryFraction))],
      envs: [pulumi.secret(pulumi.interpolate`REDIS_PASSWORD=${context.password}`)],
      restart: "unless-stopped",
      user: `${valkeyUser}:${valkeyGroup}`,
      readOnly: true,
      tmpfs: { "/tmp": "rw,noexec,nosuid,size=1m" },
      securityOpts: ["no-new-privileges:true"],
      capabilities: { drops: ["ALL"] },
      memory: memoryToMiB(spec.resources.limits.memory),
      memoryReservation: memoryToMiB(spec.resources.requests.memory),
      cpus: String(cpuToCores(spec.resources.limits.cpu)),
      volumes: [{ volumeName: volume.name, containerPath: "/data" }],
      healthcheck: dockerRedisHealthcheck(),
      networksAdvanced: [{ name: platform.networkName, aliases: [name] }],
      ports: spec.docker.hostPort ? [{ internal: spec.port, external: spec.docker.hostPort, ip: platform.publishAddress }] : [],
      labels: Object.entries(labels).map(([label, value]) => ({ label, value })),
    },
    opts,
  );
  if (!spec.monitoring) return { host: pulumi.output(name), port: pulumi.output(spec.port), tls: false };
  const password = context.password;
  const envs = pulumi.secret(password.apply((pw) => Object.entries(redisExporterEnv(redisUrl({ host: name, port: spec.port, password: pw, tls: false }))).map(([key, value]) => `${key}=${value}`)));
  const storeLabels = Object.entries({ ...labels, "app.kubernetes.io/component": "metrics" }).map(([label, value]) => ({ label, value }));
  const metrics = dockerExporter(name, dockerExporters.redis, envs, exporterLabels(storeLabels, "redis-exporter"), platform, context.parent);
  return { host: pulumi.output(name), port: pulumi.output(spec.port), tls: false, metrics };
}

/**
 * redis_exporter's environment from a `redis://` or `rediss://` URL: the address without the
 * credentials, and the user and password apart.
 *
 * @param url - the connection URL; it holds the password, so the result is secret.
 * @see https://github.com/oliver006/redis_exporter#command-line-flags
 */
export function redisExporterEnv(url: string): Record<string, string> {
  const parsed = new URL(url);
  const env: Record<string, string> = { REDIS_ADDR: `${parsed.protocol}//${parsed.host}` };
  if (parsed.username) env.REDIS_USER = decodeURIComponent(parsed.username);
  if (parsed.password) env.REDIS_PASSWORD = decodeURIComponent(parsed.password);
  return env;
}
