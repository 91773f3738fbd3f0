/**
 * The MessageQueue on Docker, for local development: the official RabbitMQ image (with the
 * management plugin) or the official NATS image with JetStream, on a named volume, with a
 * healthcheck, limits, a non-root user, and the credentials in secret uploads. No TLS: the traffic
 * stays on the platform's Docker network or the loopback address ports are published on.
 *
 * @see https://hub.docker.com/_/rabbitmq
 * @see https://hub.docker.com/_/nats
 */
import { createHash } from "node:crypto";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { DockerPlatform } from "../contract/platform";
import { statefulResourceOptions } from "../shared/options";
import { cpuToCores, memoryToMiB } from "../shared/quantity";
import type { BrokerBackendContext, BrokerEndpoints } from "./types";
import type { ResolvedMessageQueue } from "./spec";
import { COMPONENT_LABEL, COMPONENT_ROLES } from "../contract/labels";

/**
 * The pinned images: RabbitMQ 4.2 with the management plugin (the release the in-cluster backend
 * runs, and the series Amazon MQ runs), and NATS 2.12, both on Alpine.
 *
 * @see https://github.com/docker-library/official-images/blob/master/library/rabbitmq
 * @see https://github.com/nats-io/nats-docker
 */
export const brokerDockerImages = {
  rabbitmq: "rabbitmq:4.2.6-management-alpine",
  nats: "nats:2.12.12-alpine",
} as const;

/**
 * Fixed facts of the images.
 *
 * - RabbitMQ: the image's `rabbitmq` user (UID 100, GID 101 on Alpine) owns `/var/lib/rabbitmq`
 *   (mode 1777), which a new named volume inherits; the management UI listens on 15672. The base
 *   image enables the `rabbitmq_prometheus` plugin (`rabbitmq-plugins enable --offline`, inherited
 *   by the `-management` variant), which serves `/metrics` and `/metrics/detailed` on 15692 by
 *   default; that port stays on the platform's network, unpublished.
 * - NATS: the image has no non-root user or data directory, so it runs as `nobody` (65534) and the
 *   volume is mounted on `/tmp`, the image's world-writable directory (1777), whose mode a new named
 *   volume inherits. The monitoring port 8222 serves `/healthz` and is not published.
 *
 * @see https://github.com/docker-library/rabbitmq/blob/master/4.2/alpine/Dockerfile
 * @see https://github.com/docker-library/rabbitmq/issues/419
 * @see https://www.rabbitmq.com/docs/prometheus
 * @see https://docs.docker.com/engine/storage/volumes/#populate-a-volume-using-a-container
 * @see https://docs.nats.io/running-a-nats-service/nats_admin/monitoring
 */
export const brokerDockerDefaults = {
  rabbitmq: {
    uid: "100",
    gid: "101",
    amqpPort: 5672,
    managementPort: 15672,
    prometheusPort: 15692,
    dataPath: "/var/lib/rabbitmq",
    definitionsFile: "/etc/rabbitmq/definitions.json",
    configFile: "/etc/rabbitmq/conf.d/20-definitions.conf",
  },
  nats: {
    uid: "65534",
    gid: "65534",
    clientPort: 4222,
    monitoringPort: 8222,
    dataPath: "/tmp",
    configFile: "/etc/nats/platform.conf",
  },
} as const;

/**
 * The arguments of a declared queue in RabbitMQ's definitions format: dead-lettering through the
 * default exchange (`""`) with the target queue's name as routing key, a length cap, priorities.
 * Durable queues without priorities are quorum queues (the default type of Amazon MQ's RabbitMQ 4,
 * and replicated in a cluster); priority and non-durable queues are classic queues, the only type
 * that supports `x-max-priority` and transience.
 *
 * @see https://www.rabbitmq.com/docs/dlx
 * @see https://www.rabbitmq.com/docs/maxlength
 * @see https://www.rabbitmq.com/docs/priority
 * @see https://www.rabbitmq.com/docs/quorum-queues#feature-matrix
 */
export function rabbitmqQueueArguments(queue: ResolvedMessageQueue["queues"][number]): Record<string, string | number> {
  return {
    "x-queue-type": queue.durable && queue.maxPriority === undefined ? "quorum" : "classic",
    ...(queue.deadLetter !== undefined ? { "x-dead-letter-exchange": "", "x-dead-letter-routing-key": queue.deadLetter } : {}),
    ...(queue.maxLength !== undefined ? { "x-max-length": queue.maxLength } : {}),
    ...(queue.maxPriority !== undefined ? { "x-max-priority": queue.maxPriority } : {}),
  };
}

/**
 * A RabbitMQ password hash (`rabbit_password_hashing_sha256`): base64 of the 4-byte salt followed
 * by SHA-256 of the salt and the UTF-8 password.
 *
 * @param password - the password.
 * @param salt - 4 bytes.
 * @see https://www.rabbitmq.com/docs/passwords#computing-password-hash
 */
export function rabbitmqPasswordHash(password: string, salt: Buffer): string {
  const digest = createHash("sha256").update(Buffer.concat([salt, Buffer.from(password, "utf8")])).digest();
  return Buffer.concat([salt, digest]).toString("base64");
}

/** The broker user of the definitions file: its name and {@link rabbitmqPasswordHash}. */
export interface RabbitmqDefinitionsUser {
  readonly name: string;
  readonly passwordHash: string;
}

/**
 * The definitions file RabbitMQ imports on boot: the `/` virtual host, the user (as a password
 * hash, an administrator with every permission on `/`) and the declared queues.
 *
 * A node that imports definitions on boot seeds neither the default virtual host nor the default
 * user (`RABBITMQ_DEFAULT_USER` is then ignored), so both must be in the file. The file holds no
 * password, only its salted hash, and is still uploaded as a secret readable by RabbitMQ's user only.
 *
 * @see https://www.rabbitmq.com/docs/definitions#import-on-boot
 * @see https://github.com/rabbitmq/rabbitmq-server/pull/4904
 */
export function rabbitmqDefinitions(spec: Pick<ResolvedMessageQueue, "queues">, user: RabbitmqDefinitionsUser): Record<string, unknown> {
  const vhost = "/";
  return {
    vhosts: [{ name: vhost }],
    users: [{ name: user.name, password_hash: user.passwordHash, hashing_algorithm: "rabbit_password_hashing_sha256", tags: ["administrator"] }],
    permissions: [{ user: user.name, vhost, configure: ".*", write: ".*", read: ".*" }],
    queues: spec.queues.map((queue) => ({ name: queue.name, vhost, durable: queue.durable, auto_delete: false, arguments: rabbitmqQueueArguments(queue) })),
    exchanges: [],
    bindings: [],
    policies: [],
    parameters: [],
  };
}

/**
 * RabbitMQ's extra configuration file: import the definitions on boot, and size the memory
 * watermark from the container's limit (RabbitMQ otherwise sees the host's memory).
 *
 * @param memoryLimitMiB - the container's memory limit.
 * @see https://www.rabbitmq.com/docs/definitions#import-on-boot
 * @see https://www.rabbitmq.com/docs/memory#memory-limits
 */
export function rabbitmqDockerConfig(memoryLimitMiB: number): string {
  return [`load_definitions = ${brokerDockerDefaults.rabbitmq.definitionsFile}`, `total_memory_available_override_value = ${memoryLimitMiB * 2 ** 20}`, ""].join("\n");
}

/**
 * The NATS server's configuration: the client and monitoring listeners, JetStream with its store on
 * the volume and capped at the volume size (file) and a quarter of the memory limit (memory), and
 * one user with a password. It holds the password, so it is uploaded as a secret.
 *
 * @param name - the server's name (stable, so JetStream keeps its state across container replacements).
 * @param spec - the resolved arguments.
 * @param username - the user's name.
 * @param password - the user's password (alphanumeric, from @pulumi/random).
 * @see https://docs.nats.io/running-a-nats-service/configuration
 * @see https://docs.nats.io/running-a-nats-service/configuration/resource_management
 * @see https://docs.nats.io/running-a-nats-service/configuration/securing_nats/auth_intro/username_password
 */
export function natsDockerConfig(name: string, spec: Pick<ResolvedMessageQueue, "storageGiB" | "resources">, username: string, password: string): string {
  const d = brokerDockerDefaults.nats;
  return [
    `server_name: "${name}"`,
    `listen: "0.0.0.0:${d.clientPort}"`,
    `http: "0.0.0.0:${d.monitoringPort}"`,
    "jetstream {",
    `  store_dir: "${d.dataPath}/jetstream"`,
    `  max_file_store: ${spec.storageGiB}G`,
    `  max_memory_store: ${Math.floor(memoryToMiB(spec.resources.limits.memory) / 4)}M`,
    "}",
    "authorization {",
    `  user: "${username}"`,
    `  password: "${password}"`,
    "}",
    "",
  ].join("\n");
}

/**
 * The containers' healthchecks: `rabbitmq-diagnostics ping` (over the Erlang distribution, no
 * credentials), or NATS's `/healthz` on the monitoring port with the image's BusyBox `wget`.
 *
 * @see https://www.rabbitmq.com/docs/monitoring#health-checks
 * @see https://docs.nats.io/running-a-nats-service/nats_admin/monitoring#health
 */
export function brokerDockerHealthcheck(broker: ResolvedMessageQueue["broker"]): docker.types.input.ContainerHealthcheck {
  const tests =
    broker === "rabbitmq"
      ? ["CMD", "rabbitmq-diagnostics", "-q", "ping"]
      : ["CMD", "wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${brokerDockerDefaults.nats.monitoringPort}/healthz`];
  return { tests, interval: "10s", timeout: "5s", startPeriod: broker === "rabbitmq" ? "30s" : "5s", retries: 5 };
}

/**
 * Runs the broker as one container on the platform's network, reachable by the alias `name`:
 *
 * - the pinned image, the volume `<name>-data` (protected and retained when `protect`), the memory
 *   and CPU limits of `resources.limits`, `unless-stopped`;
 * - the image's non-root user (see {@link brokerDockerDefaults}), every capability dropped,
 *   `no-new-privileges`; the root filesystem stays writable because Docker's archive API refuses
 *   uploads onto a read-only one;
 * - a fixed hostname (RabbitMQ keeps its data under its node name, `rabbit@<hostname>`);
 * - RabbitMQ: the definitions (user, `/`, queues; see {@link rabbitmqDefinitions}) and
 *   {@link rabbitmqDockerConfig} as uploads, the management UI on `publishAddress:15672`, the
 *   Prometheus endpoint on `name:15692` for the ObservabilityStack to scrape (never published);
 * - NATS: {@link natsDockerConfig} as a secret upload; streams are declared by the application
 *   (JetStream's stream creation is idempotent).
 *
 * The client port is published on `publishAddress:docker.hostPort` when that is set.
 *
 * @param name - the component's name; resources are named `${name}-<role>`.
 * @param spec - the resolved arguments.
 * @param platform - the Docker engine and network.
 * @param context - the user, its password and the parent.
 * @returns `name:5672` (AMQP) or `name:4222` (NATS) without TLS; for RabbitMQ the management URL
 *   and the metrics endpoint `name:15692`.
 * @see https://www.pulumi.com/registry/packages/docker/api-docs/container/
 */
export function deployBrokerToDocker(name: string, spec: ResolvedMessageQueue, platform: DockerPlatform, context: BrokerBackendContext): BrokerEndpoints {
  const opts: pulumi.CustomResourceOptions = { parent: context.parent, provider: platform.provider, dependsOn: [...spec.dependsOn] };
  const rabbitmq = spec.broker === "rabbitmq";
  const d = rabbitmq ? brokerDockerDefaults.rabbitmq : brokerDockerDefaults.nats;
  const clientPort = rabbitmq ? brokerDockerDefaults.rabbitmq.amqpPort : brokerDockerDefaults.nats.clientPort;
  const memory = memoryToMiB(spec.resources.limits.memory);
  const labels = { ...spec.labels, "app.kubernetes.io/name": spec.broker, "app.kubernetes.io/instance": name, [COMPONENT_LABEL]: COMPONENT_ROLES.messageQueue, "app.kubernetes.io/managed-by": "pulumi" };
  const dockerLabels = Object.entries(labels).map(([label, value]) => ({ label, value }));

  const image = new docker.RemoteImage(`${name}-image`, { name: brokerDockerImages[spec.broker], keepLocally: true }, opts);
  const volume = new docker.Volume(`${name}-data`, { name: pulumi.interpolate`${platform.networkName}-${name}-data`, labels: dockerLabels }, { ...opts, ...statefulResourceOptions(spec.protect) });

  const owner = { owner: d.uid, group: d.gid };
  const uploads: docker.types.input.ContainerUpload[] = rabbitmq
    ? [
        { file: brokerDockerDefaults.rabbitmq.configFile, content: rabbitmqDockerConfig(memory), permissions: "0444", ...owner },
        {
          file: brokerDockerDefaults.rabbitmq.definitionsFile,
          content: pulumi.secret(
            context.password.apply((password) => {
              // A salt derived from the password keeps the file stable across updates.
              const salt = createHash("sha256").update(`rabbitmq-salt:${password}`).digest().subarray(0, 4);
              return JSON.stringify(rabbitmqDefinitions(spec, { name: context.username, passwordHash: rabbitmqPasswordHash(password, salt) }), null, 2);
            }),
          ),
          permissions: "0400",
          ...owner,
        },
      ]
    : [{ file: brokerDockerDefaults.nats.configFile, content: pulumi.secret(context.password.apply((password) => natsDockerConfig(name, spec, context.username, password))), permissions: "0400", ...owner }];

  const ports: docker.types.input.ContainerPort[] = [
    ...(spec.docker.hostPort !== undefined ? [{ internal: clientPort, external: spec.docker.hostPort, ip: platform.publishAddress }] : []),
    // The management UI is published with the client port only, so a second broker (or a local
    // RabbitMQ) does not collide on 15672.
    ...(rabbitmq && spec.docker.hostPort !== undefined ? [{ internal: brokerDockerDefaults.rabbitmq.managementPort, external: brokerDockerDefaults.rabbitmq.managementPort, ip: platform.publishAddress }] : []),
  ];

  new docker.Container(
    `${name}-container`,
    {
      name: pulumi.interpolate`${platform.networkName}-${name}`,
      hostname: name,
      image: image.imageId,
      ...(rabbitmq ? {} : { command: ["nats-server", "--config", brokerDockerDefaults.nats.configFile], envs: [`GOMEMLIMIT=${Math.floor(memory * 0.9)}MiB`] }),
      uploads,
      volumes: [{ volumeName: volume.name, containerPath: d.dataPath }],
      restart: "unless-stopped",
      user: `${d.uid}:${d.gid}`,
      securityOpts: ["no-new-privileges:true"],
      capabilities: { drops: ["ALL"] },
      memory,
      memoryReservation: memoryToMiB(spec.resources.requests.memory),
      cpus: String(cpuToCores(spec.resources.limits.cpu)),
      healthcheck: brokerDockerHealthcheck(spec.broker),
      networksAdvanced: [{ name: platform.networkName, aliases: [name] }],
      ports,
      labels: dockerLabels,
    },
    // The uploads carry the credentials; the provider returns them in its state, which must stay secret.
    { ...opts, additionalSecretOutputs: ["uploads"] },
  );

  const password = context.password.apply(encodeURIComponent);
  return {
    host: pulumi.output(name),
    port: pulumi.output(clientPort),
    url: pulumi.secret(
      rabbitmq ? pulumi.interpolate`amqp://${context.username}:${password}@${name}:${clientPort}/%2F` : pulumi.interpolate`nats://${context.username}:${password}@${name}:${clientPort}`,
    ),
    managementUrl: rabbitmq && spec.docker.hostPort !== undefined ? pulumi.output(`http://${platform.publishAddress}:${brokerDockerDefaults.rabbitmq.managementPort}`) : undefined,
    metrics: rabbitmq ? { host: name, port: brokerDockerDefaults.rabbitmq.prometheusPort } : undefined,
  };
}
