/**
 * MessageQueue's Amazon MQ and Docker backends under Pulumi's mock runtime, captured once for the
 * file: a prod EKS stack with a managed broker (a multi-AZ cluster), a dev EKS stack with a single
 * instance, and a Docker stack with a RabbitMQ and a NATS broker. The pure functions are tested
 * directly.
 */
import assert from "node:assert/strict";
import { validateMessageQueue } from "../components/message-queue";
import { before, describe, it } from "node:test";
import { createHash } from "node:crypto";
import { captureProgram, type CapturedProgram, type CapturedResource } from "../plan/capture";
import { MOCK_SECRET_PREFIX } from "../plan/mocks";
import { runPolicies } from "../plan/policy-runner";
import { SECRET_PLACEHOLDER } from "../plan/wire";
import { rules } from "../policies/rules";
import { createPlatform } from "../components/platform";
import { MessageQueue, resolveMessageQueue } from "../components/message-queue";
import { amazonMqBrokerArgs, amazonMqDeploymentMode, amazonMqEndpoint, amazonMqSubnets } from "../components/message-queue/aws";
import {
  natsDockerConfig,
  rabbitmqDefinitions,
  rabbitmqDockerConfig,
  rabbitmqPasswordHash,
  rabbitmqQueueArguments,
} from "../components/message-queue/docker";
import { recordBroker, type SeenBroker } from "./support/broker";

let program: CapturedProgram;

/** What the components' outputs resolved to, read inside the program (stack outputs are redacted). */
const seen: Record<string, SeenBroker> = {};

const QUEUES = [
  { name: "jobs", deadLetter: "jobs-dlq", maxLength: 10_000 },
  { name: "jobs-dlq" },
  { name: "urgent", maxPriority: 10, deadLetter: "jobs-dlq" },
  { name: "scratch", durable: false },
];

before(async () => {
  program = await captureProgram(
    () => {
      const record = (key: string, queue: MessageQueue) => recordBroker(seen, key, queue);
      const eks = createPlatform("eks", { target: "eks", eks: { environment: "prod", region: "eu-west-1", endpointPublicAccessCidrs: ["203.0.113.0/24"] } });
      record("prod", new MessageQueue("events", { platform: eks, mode: "managed", clientNamespaces: ["apps"] }));
      const eksDev = createPlatform("eks-dev", { target: "eks", eks: { environment: "dev", region: "eu-west-1", endpointPublicAccessCidrs: ["203.0.113.0/24"] } });
      record("dev", new MessageQueue("dev-events", { platform: eksDev, mode: "managed" }));
      const local = createPlatform("local", { target: "docker", docker: { environment: "dev" } });
      record("rabbitmq", new MessageQueue("local-queue", { platform: local, queues: QUEUES, docker: { hostPort: 5672 }, resources: { limits: { memory: "1Gi", cpu: "1" } } }));
      record("nats", new MessageQueue("local-nats", { platform: local, broker: "nats", storageGiB: 5 }));
    },
    { project: "platform", stack: "test" },
  );
  // The passwords, as plan/mocks.ts makes a RandomPassword's result, to look for them in the outputs.
  for (const [key, component] of [["prod", "events"], ["dev", "dev-events"], ["rabbitmq", "local-queue"], ["nats", "local-nats"]]) {
    seen[key].password = `${MOCK_SECRET_PREFIX}${component}-password-`.padEnd(32, "x");
  }
});

function one(type: string, name: string): CapturedResource {
  const found = program.resources.filter((r) => r.type === type && r.name === name);
  assert.equal(found.length, 1, `expected one ${type} named ${name}, found ${found.length}`);
  return found[0];
}
const BROKER = "aws:mq/broker:Broker";
const CONTAINER = "docker:index/container:Container";
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const upload = (r: CapturedResource, file: string): string => {
  const found = (r.inputs.uploads as { file: string; content: string }[]).find((u) => u.file === file);
  assert.ok(found, `no upload ${file}`);
  return found.content;
};

describe("MessageQueue on Amazon MQ", () => {
  const broker = () => one(BROKER, "events-broker");

  it("runs RabbitMQ 4.2 as a three-node multi-AZ cluster across every private subnet in prod", () => {
    const inputs = broker().inputs;
    assert.deepEqual(
      [inputs.engineType, inputs.engineVersion, inputs.autoMinorVersionUpgrade, inputs.hostInstanceType, inputs.deploymentMode],
      ["RabbitMQ", "4.2", true, "mq.m7g.large", "CLUSTER_MULTI_AZ"],
    );
    assert.equal(inputs.subnetIds.length, 3, "one subnet per zone");
    assert.equal(new Set(inputs.subnetIds).size, 3);
  });

  it("keeps the broker private behind a security group that admits AMQPS and the console from the cluster only", () => {
    const inputs = broker().inputs;
    assert.equal(inputs.publiclyAccessible, false);
    const sg = one("aws:ec2/securityGroup:SecurityGroup", "events-sg");
    assert.deepEqual(inputs.securityGroups, [`${sg.name}-id`]);
    assert.equal(sg.inputs.ingress, undefined, "no inline rules");
    const rules = program.resources.filter((r) => r.type === INGRESS && r.name.startsWith("events-"));
    assert.deepEqual(
      rules.map((r) => [r.inputs.fromPort, r.inputs.toPort, r.inputs.ipProtocol, r.inputs.referencedSecurityGroupId, r.inputs.cidrIpv4, r.inputs.securityGroupId]).sort(),
      [
        [443, 443, "tcp", "sg-eks-cluster", undefined, "events-sg-id"],
        [5671, 5671, "tcp", "sg-eks-cluster", undefined, "events-sg-id"],
      ],
    );
  });

  it("uses the cloud's AWS provider for every resource it creates", () => {
    const provider = one("pulumi:providers:aws", "eks-aws");
    for (const r of [broker(), one("aws:ec2/securityGroup:SecurityGroup", "events-sg"), ...program.resources.filter((x) => x.type === INGRESS && x.name.startsWith("events-"))]) {
      assert.ok(r.provider?.startsWith(provider.urn), `${r.name} uses the cluster's AWS provider`);
    }
  });

  it("passes the broker user's password only as a secret and protects the prod broker", () => {
    const r = broker();
    assert.deepEqual(r.redactedInputs.users, [{ username: "platform", password: SECRET_PLACEHOLDER }]);
    assert.deepEqual(r.inputs.users.map((u: { username: string }) => u.username), ["platform"]);
    assert.equal(r.inputs.users[0].password, seen.prod.password);
    assert.deepEqual([r.protect, r.retainOnDelete], [true, true]);
  });

  it("encrypts at rest with the AWS-owned key, logs to CloudWatch and waits for the maintenance window in prod", () => {
    const inputs = broker().inputs;
    assert.deepEqual(inputs.encryptionOptions, { useAwsOwnedKey: true });
    assert.deepEqual(inputs.logs, { general: true });
    assert.equal(inputs.applyImmediately, false);
    assert.deepEqual(inputs.maintenanceWindowStartTime, { dayOfWeek: "SUNDAY", timeOfDay: "03:00", timeZone: "UTC" });
    assert.equal(inputs.tags["app.kubernetes.io/component"], "message-queue");
  });

  it("runs one unprotected instance in one private subnet in dev, applying changes immediately", () => {
    const r = one(BROKER, "dev-events-broker");
    assert.deepEqual([r.inputs.deploymentMode, r.inputs.subnetIds.length, r.inputs.hostInstanceType, r.inputs.applyImmediately], ["SINGLE_INSTANCE", 1, "mq.m7g.medium", true]);
    assert.deepEqual([r.protect, r.retainOnDelete], [false, false]);
  });

  it("returns an AMQPS URL with the credentials, as a secret connection Secret in the client namespace", () => {
    assert.equal(seen.prod.port, 5671);
    assert.equal(seen.prod.host, "b-events-broker.mq.mock-region.amazonaws.com", "the host of the first endpoint");
    assert.equal(seen.prod.url, `amqps://platform:${seen.prod.password}@${seen.prod.host}:5671/%2F`);
    assert.ok(seen.prod.password!.startsWith(`${MOCK_SECRET_PREFIX}events-password`));
    const secret = one("kubernetes:core/v1:Secret", "events-connection-0");
    assert.equal(secret.inputs.metadata.namespace, "apps");
    assert.equal(secret.redactedInputs.stringData, SECRET_PLACEHOLDER);
    assert.equal(secret.inputs.stringData.AMQP_URL, seen.prod.url);
  });

  it("parses the host, port and console from the broker's first AMQPS endpoint, and tolerates none yet", () => {
    assert.deepEqual(
      amazonMqEndpoint([{ endpoints: ["amqps://b-1234.mq.eu-west-1.amazonaws.com:5671"], consoleUrl: "https://b-1234.mq.eu-west-1.amazonaws.com" }]),
      { host: "b-1234.mq.eu-west-1.amazonaws.com", port: 5671, consoleUrl: "https://b-1234.mq.eu-west-1.amazonaws.com" },
    );
    assert.deepEqual(amazonMqEndpoint(undefined), { host: "", port: 5671, consoleUrl: "" });
    assert.deepEqual(amazonMqEndpoint([{ endpoints: [] }]), { host: "", port: 5671, consoleUrl: "" });
  });

  it("makes a cluster whenever three replicas are asked for, and one instance takes the first subnet only", () => {
    const on = (environment: "dev" | "prod") => ({ flavour: "eks" as const, environment });
    assert.equal(amazonMqDeploymentMode(resolveMessageQueue("q", { replicas: 3 }, on("dev"))), "CLUSTER_MULTI_AZ");
    assert.equal(amazonMqDeploymentMode(resolveMessageQueue("q", {}, on("dev"))), "SINGLE_INSTANCE");
    assert.deepEqual(amazonMqSubnets("SINGLE_INSTANCE", ["a", "b", "c"]), ["a"]);
    assert.deepEqual(amazonMqSubnets("CLUSTER_MULTI_AZ", ["a", "b", "c"]), ["a", "b", "c"]);
    const pinned = amazonMqBrokerArgs("q", resolveMessageQueue("q", { managed: { engineVersion: "3.13", instanceType: "mq.m5.large" } }, on("prod")), {
      subnetIds: [],
      securityGroupId: "sg",
      username: "u",
      password: "p",
    });
    assert.deepEqual([pinned.engineVersion, pinned.hostInstanceType], ["3.13", "mq.m5.large"]);
  });
});

describe("MessageQueue on Docker with RabbitMQ", () => {
  const container = () => one(CONTAINER, "local-queue-container");

  it("runs the pinned management image as the rabbitmq user with a volume, limits, a fixed hostname and a restart policy", () => {
    const inputs = container().inputs;
    assert.equal(one("docker:index/remoteImage:RemoteImage", "local-queue-image").inputs.name, "rabbitmq:4.2.6-management-alpine");
    assert.deepEqual([inputs.user, inputs.securityOpts, inputs.capabilities, inputs.restart], ["100:101", ["no-new-privileges:true"], { drops: ["ALL"] }, "unless-stopped"]);
    assert.deepEqual([inputs.memory, inputs.memoryReservation, inputs.cpus], [1024, 1024, "1"]);
    assert.equal(inputs.hostname, "local-queue", "RabbitMQ keeps its data under rabbit@<hostname>");
    const volume = one("docker:index/volume:Volume", "local-queue-data");
    assert.deepEqual(inputs.volumes, [{ volumeName: volume.inputs.name, containerPath: "/var/lib/rabbitmq" }]);
    assert.equal(volume.protect, false);
    assert.ok(inputs.labels.some((l: { label: string; value: string }) => l.label === "app.kubernetes.io/component" && l.value === "message-queue"));
  });

  it("checks health with rabbitmq-diagnostics ping, which needs no credentials", () => {
    assert.deepEqual(container().inputs.healthcheck.tests, ["CMD", "rabbitmq-diagnostics", "-q", "ping"]);
  });

  it("loads the definitions on boot and sizes memory from the container's limit", () => {
    const config = upload(container(), "/etc/rabbitmq/conf.d/20-definitions.conf");
    assert.equal(config, rabbitmqDockerConfig(1024));
    assert.match(config, /^load_definitions = \/etc\/rabbitmq\/definitions\.json$/m);
    assert.match(config, /^total_memory_available_override_value = 1073741824$/m);
  });

  it("declares the queues with dead-lettering, length caps and priorities, and the user by password hash only", () => {
    const r = container();
    const definitions = JSON.parse(upload(r, "/etc/rabbitmq/definitions.json"));
    assert.deepEqual(definitions.vhosts, [{ name: "/" }], "a boot import seeds no default vhost");
    assert.deepEqual(
      definitions.queues.map((q: { name: string; durable: boolean; arguments: Record<string, unknown> }) => [q.name, q.durable, q.arguments]),
      [
        ["jobs", true, { "x-queue-type": "quorum", "x-dead-letter-exchange": "", "x-dead-letter-routing-key": "jobs-dlq", "x-max-length": 10000 }],
        ["jobs-dlq", true, { "x-queue-type": "quorum" }],
        ["urgent", true, { "x-queue-type": "classic", "x-dead-letter-exchange": "", "x-dead-letter-routing-key": "jobs-dlq", "x-max-priority": 10 }],
        ["scratch", false, { "x-queue-type": "classic" }],
      ],
    );
    const [user] = definitions.users;
    assert.deepEqual([user.name, user.hashing_algorithm, user.tags, user.password], ["platform", "rabbit_password_hashing_sha256", ["administrator"], undefined]);
    const salt = Buffer.from(user.password_hash, "base64").subarray(0, 4);
    assert.equal(user.password_hash, rabbitmqPasswordHash(seen.rabbitmq.password!, salt), "the hash verifies against the password");
    assert.deepEqual(definitions.permissions, [{ user: "platform", vhost: "/", configure: ".*", write: ".*", read: ".*" }]);
    assert.ok(!JSON.stringify(definitions).includes(MOCK_SECRET_PREFIX));
  });

  it("uploads the definitions as a secret readable by the rabbitmq user only, and passes no password in the environment", () => {
    const r = container();
    const uploads = r.redactedInputs.uploads as { file: string; content: unknown; permissions: string; owner: string }[];
    const definitions = uploads.find((u) => u.file === "/etc/rabbitmq/definitions.json")!;
    assert.deepEqual([definitions.content, definitions.permissions, definitions.owner], [SECRET_PLACEHOLDER, "0400", "100"]);
    assert.equal(r.inputs.envs, undefined);
  });

  it("joins the network under its name, publishes AMQP and the management UI on loopback only, and returns an amqp:// URL", () => {
    const inputs = container().inputs;
    assert.deepEqual(inputs.networksAdvanced, [{ name: "platform-test", aliases: ["local-queue"] }]);
    assert.deepEqual(inputs.ports, [
      { internal: 5672, external: 5672, ip: "127.0.0.1" },
      { internal: 15672, external: 15672, ip: "127.0.0.1" },
    ]);
    assert.equal(seen.rabbitmq.url, `amqp://platform:${seen.rabbitmq.password}@local-queue:5672/%2F`);
    assert.deepEqual([seen.rabbitmq.host, seen.rabbitmq.port, seen.rabbitmq.managementUrl], ["local-queue", 5672, "http://127.0.0.1:15672"]);
  });

  it("offers the image's Prometheus plugin (15692) to the ObservabilityStack on the network, without publishing it", () => {
    // rabbitmq_prometheus is enabled in the official image and listens on 15692 by default.
    assert.deepEqual(seen.rabbitmq.metricsEndpoint, { host: "local-queue", port: 15692 });
    assert.ok(!container().inputs.ports.some((p: { internal: number }) => p.internal === 15692), "15692 stays off the host");
    assert.deepEqual([seen.nats.metricsEndpoint, seen.prod.metricsEndpoint], [undefined, undefined], "NATS and Amazon MQ offer none");
  });

  it("computes RabbitMQ's SHA-256 password hash as the RabbitMQ documentation's example does", () => {
    assert.equal(rabbitmqPasswordHash("test12", Buffer.from("908DC60A", "hex")), "kI3GCqW5JLMJa4iX1lo7X4D6XbYqlLgxIs30+P6tENUV2POR");
  });

  it("keeps priority and transient queues classic, since quorum queues support neither", () => {
    assert.equal(rabbitmqQueueArguments({ name: "p", durable: true, maxPriority: 5 })["x-queue-type"], "classic");
    assert.equal(rabbitmqQueueArguments({ name: "t", durable: false })["x-queue-type"], "classic");
    assert.deepEqual(rabbitmqDefinitions({ queues: [] }, { name: "u", passwordHash: "h" }).queues, []);
  });
});

describe("MessageQueue on Docker with NATS", () => {
  const container = () => one(CONTAINER, "local-nats-container");

  it("runs the pinned NATS image as nobody with JetStream on a volume mounted where nobody can write", () => {
    const inputs = container().inputs;
    assert.equal(one("docker:index/remoteImage:RemoteImage", "local-nats-image").inputs.name, "nats:2.12.12-alpine");
    assert.deepEqual([inputs.user, inputs.securityOpts, inputs.capabilities, inputs.restart], ["65534:65534", ["no-new-privileges:true"], { drops: ["ALL"] }, "unless-stopped"]);
    assert.deepEqual(inputs.command, ["nats-server", "--config", "/etc/nats/platform.conf"]);
    assert.deepEqual(inputs.volumes, [{ volumeName: one("docker:index/volume:Volume", "local-nats-data").inputs.name, containerPath: "/tmp" }]);
    // The default limits (2 CPUs, 2Gi) apply, and Go's soft memory limit stays below the hard one.
    assert.deepEqual([inputs.memory, inputs.cpus, inputs.envs], [2048, "2", ["GOMEMLIMIT=1843MiB"]]);
  });

  it("checks health on the monitoring port's /healthz and publishes nothing without a host port", () => {
    const inputs = container().inputs;
    assert.deepEqual(inputs.healthcheck.tests, ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8222/healthz"]);
    assert.deepEqual(inputs.ports, []);
    assert.deepEqual([seen.nats.host, seen.nats.port, seen.nats.managementUrl], ["local-nats", 4222, undefined]);
    assert.equal(seen.nats.url, `nats://platform:${seen.nats.password}@local-nats:4222`);
  });

  it("writes the password only into the secret config upload, with JetStream capped by the volume size", () => {
    const r = container();
    const redacted = (r.redactedInputs.uploads as { content: unknown; permissions: string }[])[0];
    assert.deepEqual([redacted.content, redacted.permissions], [SECRET_PLACEHOLDER, "0400"]);
    const config = upload(r, "/etc/nats/platform.conf");
    assert.equal(config, natsDockerConfig("local-nats", resolveMessageQueue("local-nats", { broker: "nats", storageGiB: 5 }, { flavour: "docker", environment: "dev" }), "platform", seen.nats.password!));
    assert.match(config, /store_dir: "\/tmp\/jetstream"/);
    assert.match(config, /max_file_store: 5G/);
    assert.match(config, /max_memory_store: 512M/);
    assert.match(config, new RegExp(`password: "${seen.nats.password}"`));
    assert.ok(!r.inputs.command.join(" ").includes(MOCK_SECRET_PREFIX));
  });
});

describe("MessageQueue secrets", () => {
  it("never puts a password in plaintext in any resource's inputs", () => {
    const leaks = program.resources.filter((r) => JSON.stringify(r.redactedInputs).includes(MOCK_SECRET_PREFIX)).map((r) => `${r.type} ${r.name}`);
    assert.deepEqual(leaks, []);
    // The search can fail: the secrets are there, unredacted, in the decoded inputs.
    assert.ok(JSON.stringify(one(BROKER, "events-broker").inputs).includes(MOCK_SECRET_PREFIX));
  });

  it("derives a stable salt, so the definitions do not change between runs", () => {
    const salt = createHash("sha256").update(`rabbitmq-salt:${seen.rabbitmq.password}`).digest().subarray(0, 4);
    const definitions = JSON.parse(upload(one(CONTAINER, "local-queue-container"), "/etc/rabbitmq/definitions.json"));
    assert.equal(definitions.users[0].password_hash, rabbitmqPasswordHash(seen.rabbitmq.password!, salt));
  });
});

describe("MessageQueue and the policy pack", () => {
  /** Every resource registered under the named components, at any depth, with the components. */
  function subtree(...names: string[]): Set<string> {
    const urns = new Set(program.resources.filter((r) => !r.custom && names.includes(r.name)).map((r) => r.urn));
    assert.equal(urns.size, names.length, `components ${names.join(", ")}`);
    for (const r of program.resources) if (r.parent && urns.has(r.parent)) urns.add(r.urn);
    return urns;
  }
  const mandatory = async (resources: CapturedResource[], environment: string) => {
    const report = await runPolicies(rules, resources, {}, new Map([["environment", environment]]));
    return report.violations.filter((v) => v.enforcementLevel === "mandatory").map((v) => `${v.policy}: ${v.message}`);
  };

  it("passes every mandatory policy over the prod EKS stack with Amazon MQ", async () => {
    const dev = subtree("eks-dev", "dev-events", "local", "local-queue", "local-nats");
    assert.deepEqual(await mandatory(program.resources.filter((r) => !dev.has(r.urn)), "prod"), []);
  });

  it("passes every mandatory policy over the dev stacks on EKS and Docker", async () => {
    const dev = subtree("eks-dev", "dev-events", "local", "local-queue", "local-nats");
    assert.deepEqual(await mandatory(program.resources.filter((r) => dev.has(r.urn)), "dev"), []);
  });
});

describe("settings a backend would silently ignore", () => {
  it("are refused: TLS or several nodes on Docker, queues or two nodes on Amazon MQ, and RabbitMQ's reserved queue names", () => {
    const docker = { flavour: "docker", environment: "dev" } as const;
    const eks = { flavour: "eks", environment: "dev" } as const;
    const paths = (problems: { path: readonly (string | number)[] }[]) => problems.map((p) => p.path.join("."));
    assert.deepEqual(paths(validateMessageQueue({ tls: true, replicas: 3 }, docker)), ["tls", "replicas"]);
    assert.deepEqual(paths(validateMessageQueue({ mode: "managed", queues: [{ name: "jobs" }], replicas: 2 }, eks)), ["queues", "replicas"]);
    assert.deepEqual(paths(validateMessageQueue({ queues: [{ name: "amq.jobs" }] }, eks)), ["queues.0.name"]);
  });

  it("publishes the management UI on the Docker host only when the client port is published", () => {
    assert.equal(seen.nats.managementUrl, undefined);
    assert.equal(seen.rabbitmq.managementUrl, "http://127.0.0.1:15672");
  });
});
