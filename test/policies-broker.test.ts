/**
 * The message-broker rules of the policy pack, run in-process over captured resources the way the
 * analyzer runs them: client TLS and private access, a quorum of nodes, and persistent storage for
 * RabbitMQ (the Cluster Operator's RabbitmqCluster), NATS (its Helm chart), Amazon MQ and the
 * Docker broker container. Each rule has compliant fixtures and one mutation per way it can fail;
 * each failing case asserts the exact message and the resource it is reported against.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { CapturedResource } from "../plan/capture";
import { runPolicies, type Rule } from "../plan/policy-runner";
import { brokerPersistence, brokerQuorum, brokerTls, rules } from "../policies/rules";
import { dockerPersistentPaths, pathWithin } from "../policies/rules/known";
import {
  compliantAmazonMqBroker,
  compliantDockerBroker,
  compliantDockerContainer,
  compliantLokiRelease,
  compliantNatsRelease,
  compliantRabbitmqCluster,
  mutate,
} from "./support/policy-fixtures";
import { crdSchemaErrors, crdSkipReason } from "./support/crd-schema";

const DEV = { environment: "dev" };
const RABBIT = 'RabbitmqCluster "data/queue"';
const NATS = 'Helm release "nats" (chart nats)';
const MQ = 'Amazon MQ broker "queue"';
const DOCKER = 'Docker broker container "platform-queue"';
const QUORUM = "run an odd number, at least 3, so a majority survives the loss of one.";

/** Every compliant broker fixture. */
function brokers(): CapturedResource[] {
  return [compliantRabbitmqCluster(), compliantNatsRelease(), compliantAmazonMqBroker(), compliantDockerBroker()];
}

/** `[policy: message, urn]` of every violation of `rule` over `resources`, each asserted mandatory. */
async function violationsOf(rule: Rule | readonly Rule[], resources: CapturedResource[], tags: Record<string, string> = {}): Promise<[string, string | undefined][]> {
  const report = await runPolicies(Array.isArray(rule) ? rule : [rule as Rule], resources, {}, new Map(Object.entries(tags)));
  for (const v of report.violations) assert.equal(v.enforcementLevel, "mandatory", v.message);
  return report.violations.map((v) => [`${v.policy}: ${v.message}`, v.urn]);
}

/** Asserts that `rule` reports exactly `messages` (in order) against `subject` alone. */
async function assertViolations(rule: Rule, subject: CapturedResource, messages: string[], tags: Record<string, string> = {}): Promise<void> {
  assert.deepEqual(
    await violationsOf(rule, [subject], tags),
    messages.map((m) => [`${rule.name}: ${m}`, subject.urn]),
  );
}

async function assertCompliant(rule: Rule | readonly Rule[], resources: CapturedResource[], tags: Record<string, string> = {}): Promise<void> {
  assert.deepEqual(await violationsOf(rule, resources, tags), []);
}

describe("the broker fixtures and the whole pack", () => {
  it("reports nothing from any rule of the pack over the Kubernetes and Amazon MQ brokers in an untagged (production) stack, nor over every broker in dev", async () => {
    await assertCompliant(rules, brokers().filter((r) => r.type !== compliantDockerBroker().type));
    await assertCompliant(rules, brokers(), DEV);
  });

  it("writes the RabbitmqCluster fixture as a valid cluster-operator custom resource", { skip: crdSkipReason() }, () => {
    const subject = compliantRabbitmqCluster();
    assert.deepEqual(crdSchemaErrors(subject.inputs as { apiVersion: string; kind: string }), []);
  });

  it("writes a RabbitmqCluster with zero storage as valid too, so only the policy stops it", { skip: crdSkipReason() }, () => {
    const subject = mutate(compliantRabbitmqCluster(), (i) => (i.spec.persistence.storage = "0Gi"));
    assert.deepEqual(crdSchemaErrors(subject.inputs as { apiVersion: string; kind: string }), []);
  });
});

describe("broker-tls", () => {
  const rule = brokerTls;

  it("accepts the compliant brokers in production and ignores other charts and containers", async () => {
    await assertCompliant(rule, [...brokers(), compliantLokiRelease(), compliantDockerContainer()]);
  });

  it("reports a RabbitmqCluster without a TLS secret", async () => {
    await assertViolations(rule, mutate(compliantRabbitmqCluster(), (i) => delete i.spec.tls), [
      `${RABBIT} sets no spec.tls.secretName, so it serves no TLS; name the Secret of its certificate and set spec.tls.disableNonTLSListeners: true.`,
    ]);
  });

  it("reports a RabbitmqCluster that keeps its plain listeners beside TLS", async () => {
    const message = `${RABBIT} does not set spec.tls.disableNonTLSListeners: true, so clients may still connect without TLS.`;
    await assertViolations(rule, mutate(compliantRabbitmqCluster(), (i) => delete i.spec.tls.disableNonTLSListeners), [message]);
    await assertViolations(rule, mutate(compliantRabbitmqCluster(), (i) => (i.spec.tls.disableNonTLSListeners = false)), [message]);
  });

  it("reports a NATS release without client TLS", async () => {
    await assertViolations(rule, mutate(compliantNatsRelease(), (i) => (i.values.config.nats.tls.enabled = false)), [
      `${NATS} does not set config.nats.tls.enabled: true, so clients connect without TLS.`,
    ]);
  });

  it("reports a NATS release whose client TLS names no certificate Secret", async () => {
    await assertViolations(rule, mutate(compliantNatsRelease(), (i) => delete i.values.config.nats.tls.secretName), [
      `${NATS} sets no config.nats.tls.secretName; name the Secret of the client listener's certificate.`,
    ]);
  });

  it("reports a publicly accessible Amazon MQ broker in every environment", async () => {
    const subject = mutate(compliantAmazonMqBroker(), (i) => (i.publiclyAccessible = true));
    const message = `${MQ} sets publiclyAccessible: true, so its endpoints are reachable from the internet; keep it in private subnets.`;
    await assertViolations(rule, subject, [message]);
    await assertViolations(rule, subject, [message], DEV);
  });

  it("does not check TLS outside production", async () => {
    const plain = [mutate(compliantRabbitmqCluster(), (i) => delete i.spec.tls), mutate(compliantNatsRelease(), (i) => delete i.values.config.nats)];
    await assertCompliant(rule, plain, DEV);
    assert.equal((await violationsOf(rule, plain, { environment: "prod" })).length, 2);
  });
});

describe("broker-quorum", () => {
  const rule = brokerQuorum;

  it("accepts 3 and 5 nodes and a multi-AZ Amazon MQ cluster, and a Docker broker outside production", async () => {
    const five = [mutate(compliantRabbitmqCluster(), (i) => (i.spec.replicas = 5)), mutate(compliantNatsRelease(), (i) => (i.values.config.cluster.replicas = 5))];
    await assertCompliant(rule, [compliantRabbitmqCluster(), compliantNatsRelease(), compliantAmazonMqBroker(), ...five]);
    await assertCompliant(rule, [compliantDockerBroker()], DEV);
  });

  it("reports a RabbitmqCluster with an even number of replicas", async () => {
    await assertViolations(rule, mutate(compliantRabbitmqCluster(), (i) => (i.spec.replicas = 4)), [`${RABBIT} runs 4 nodes (spec.replicas); ${QUORUM}`]);
  });

  it("reports a RabbitmqCluster without spec.replicas, which the operator runs as 1 node", async () => {
    await assertViolations(rule, mutate(compliantRabbitmqCluster(), (i) => delete i.spec.replicas), [`${RABBIT} runs 1 node (spec.replicas); ${QUORUM}`]);
  });

  it("reports a NATS release without clustering", async () => {
    await assertViolations(rule, mutate(compliantNatsRelease(), (i) => delete i.values.config.cluster.enabled), [
      `${NATS} does not set config.cluster.enabled: true, so it runs a single NATS server; enable clustering with an odd number of at least 3 replicas.`,
    ]);
  });

  it("reports a NATS cluster that leaves its replicas to the chart's default", async () => {
    await assertViolations(rule, mutate(compliantNatsRelease(), (i) => delete i.values.config.cluster.replicas), [
      `${NATS} sets no config.cluster.replicas; set an odd number, at least 3.`,
    ]);
  });

  it("reports a NATS cluster of 2", async () => {
    await assertViolations(rule, mutate(compliantNatsRelease(), (i) => (i.values.config.cluster.replicas = 2)), [`${NATS} runs 2 nodes (config.cluster.replicas); ${QUORUM}`]);
  });

  it("reports an Amazon MQ broker in one zone, explicit or by default", async () => {
    const message = `${MQ} (RabbitMQ) has deploymentMode "SINGLE_INSTANCE"; set "CLUSTER_MULTI_AZ" so it survives the loss of a zone.`;
    await assertViolations(rule, mutate(compliantAmazonMqBroker(), (i) => (i.deploymentMode = "SINGLE_INSTANCE")), [message]);
    await assertViolations(rule, mutate(compliantAmazonMqBroker(), (i) => delete i.deploymentMode), [message]);
  });

  it("expects active/standby of an ActiveMQ broker, its engine's multi-AZ mode", async () => {
    const activeMq = mutate(compliantAmazonMqBroker(), (i) => (i.engineType = "ActiveMQ"));
    await assertViolations(rule, activeMq, [`${MQ} (ActiveMQ) has deploymentMode "CLUSTER_MULTI_AZ"; set "ACTIVE_STANDBY_MULTI_AZ" so it survives the loss of a zone.`]);
    await assertCompliant(rule, [mutate(activeMq, (i) => (i.deploymentMode = "ACTIVE_STANDBY_MULTI_AZ"))]);
  });

  it("reports a Docker broker container in a production stack", async () => {
    await assertViolations(rule, compliantDockerBroker(), [
      `${DOCKER} runs a single broker node on Docker in a production stack; run the broker on Kubernetes (3 replicas) or Amazon MQ (multi-AZ).`,
    ]);
  });

  it("does not check quorum outside production", async () => {
    const single = [mutate(compliantRabbitmqCluster(), (i) => (i.spec.replicas = 1)), mutate(compliantNatsRelease(), (i) => delete i.values.config.cluster), mutate(compliantAmazonMqBroker(), (i) => delete i.deploymentMode)];
    await assertCompliant(rule, single, DEV);
    assert.equal((await violationsOf(rule, single)).length, 3);
  });
});

describe("broker-persistence", () => {
  const rule = brokerPersistence;
  const NO_VOLUME = (where: string) => `${DOCKER} mounts no named volume or host path${where}, so its messages are lost when the container is replaced.`;

  it("accepts the compliant brokers in production and in dev, and a RabbitmqCluster that leaves storage to the operator's 10Gi", async () => {
    await assertCompliant(rule, brokers());
    await assertCompliant(rule, brokers(), DEV);
    await assertCompliant(rule, [mutate(compliantRabbitmqCluster(), (i) => delete i.spec.persistence)]);
  });

  it("reports a RabbitmqCluster with zero storage, however it is written, in dev too", async () => {
    for (const storage of ["0Gi", "0", 0]) {
      const subject = mutate(compliantRabbitmqCluster(), (i) => (i.spec.persistence.storage = storage));
      const message = `${RABBIT} sets spec.persistence.storage to "${storage}", so each node keeps its messages in an emptyDir and loses them with its pod; request a volume such as "10Gi".`;
      await assertViolations(rule, subject, [message]);
      await assertViolations(rule, subject, [message], DEV);
    }
  });

  it("reports a NATS release without JetStream", async () => {
    await assertViolations(rule, mutate(compliantNatsRelease(), (i) => (i.values.config.jetstream.enabled = false)), [
      `${NATS} does not set config.jetstream.enabled: true, so NATS keeps no messages.`,
    ]);
  });

  it("reports a NATS release whose JetStream keeps streams in memory only", async () => {
    await assertViolations(rule, mutate(compliantNatsRelease(), (i) => (i.values.config.jetstream.fileStore = { enabled: false })), [
      `${NATS} does not set config.jetstream.fileStore.enabled: true, so JetStream keeps its streams in memory only.`,
    ]);
  });

  it("reports a NATS file store without a PersistentVolumeClaim", async () => {
    await assertViolations(rule, mutate(compliantNatsRelease(), (i) => (i.values.config.jetstream.fileStore.pvc.enabled = false)), [
      `${NATS} does not set config.jetstream.fileStore.pvc.enabled: true, so JetStream's file store is lost with its pod.`,
    ]);
  });

  it("reports a RabbitMQ container without a volume, or with one elsewhere or anonymous", async () => {
    const at = ` at "/var/lib/rabbitmq"`;
    await assertViolations(rule, mutate(compliantDockerBroker(), (i) => delete i.volumes), [NO_VOLUME(at)]);
    await assertViolations(rule, mutate(compliantDockerBroker(), (i) => (i.volumes[0].containerPath = "/var/log/rabbitmq")), [NO_VOLUME(at)]);
    await assertViolations(rule, mutate(compliantDockerBroker(), (i) => delete i.volumes[0].volumeName), [NO_VOLUME(at)]);
  });

  it("accepts a RabbitMQ container whose volume is a mount at a parent of its data directory", async () => {
    const subject = mutate(compliantDockerBroker(), (i) => {
      delete i.volumes;
      i.mounts = [{ type: "volume", source: "platform-queue-data", target: "/var/lib" }];
    });
    await assertCompliant(rule, [subject]);
  });

  it("accepts a volume anywhere on a broker with no known data directory, such as NATS, and reports none at all", async () => {
    const nats = mutate(compliantDockerBroker(), (i) => {
      i.labels = [{ label: "app.kubernetes.io/name", value: "nats" }, { label: "app.kubernetes.io/component", value: "message-queue" }];
      i.volumes = [{ hostPath: "/srv/nats", containerPath: "/data" }];
    });
    await assertCompliant(rule, [nats]);
    await assertViolations(rule, mutate(nats, (i) => delete i.volumes), [NO_VOLUME("")]);
  });
});

describe("dockerPersistentPaths and pathWithin", () => {
  it("lists named volumes, host paths and volume or bind mounts, not anonymous volumes or tmpfs", () => {
    const paths = dockerPersistentPaths({
      volumes: [{ volumeName: "data", containerPath: "/a" }, { hostPath: "/srv", containerPath: "/b" }, { containerPath: "/anonymous" }],
      mounts: [{ type: "bind", source: "/srv/c", target: "/c" }, { type: "volume", source: "d", target: "/d" }, { type: "tmpfs", target: "/tmp" }, { type: "volume", target: "/e" }],
    });
    assert.deepEqual(paths, ["/a", "/b", "/c", "/d"]);
  });

  it("matches a path at or below a mount, ignoring trailing slashes, and not a sibling with the same prefix", () => {
    assert.equal(pathWithin("/var/lib/rabbitmq", "/var/lib/rabbitmq/"), true);
    assert.equal(pathWithin("/var/lib/rabbitmq", "/var/lib"), true);
    assert.equal(pathWithin("/var/lib/rabbitmq", "/"), true);
    assert.equal(pathWithin("/var/lib/rabbitmq", "/var/lib/rabbit"), false);
    assert.equal(pathWithin("/var/lib", "/var/lib/rabbitmq"), false);
  });
});
