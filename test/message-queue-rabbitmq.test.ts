/**
 * MessageQueue with the in-cluster RabbitMQ backend under Pulumi's mock runtime, captured once for
 * the file: on k3s in dev (TLS from cert-manager, 1 node, a dead-letter and a priority queue, a
 * PodMonitor) with a second, non-TLS MessageQueue on the same cluster, and on EKS in prod (3 nodes,
 * in-cluster). The pure functions are tested directly.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { captureProgram, type CapturedProgram, type CapturedResource } from "../plan/capture";
import { MOCK_SECRET_PREFIX } from "../plan/mocks";
import { hasMandatoryViolations, runPolicies } from "../plan/policy-runner";
import { SECRET_PLACEHOLDER } from "../plan/wire";
import { kubernetesUniqueObjects, rules } from "../policies/rules";
import { CertManager, PrometheusOperatorCrds, RabbitmqOperators } from "../components/addons";
import { createPlatform, type KubernetesPlatform } from "../components/platform";
import { MessageQueue, resolveMessageQueue } from "../components/message-queue";
import {
  brokerCertificateDnsNames,
  deployRabbitmqToKubernetes,
  queueArguments,
  queueObjectName,
  queueType,
  rabbitmqVersions,
  restrictedPodOverride,
} from "../components/message-queue/rabbitmq";
import { crdSchemaErrors, crdSkipReason } from "./support/crd-schema";
import { schemaErrors, unknownFields } from "./support/k8s-schema";
import { descendants, findOne, k8sObject } from "./support/captured";
import { recordBroker, type SeenBroker } from "./support/broker";

// The components alone, without the program's NetworkPolicies (stacks/network-policies.ts), which
// namespace-default-deny asks of a whole stack: that rule is the plan's and test/network-policies.test.ts's.
const componentRules = rules.filter((r) => r.name !== "namespace-default-deny");

let program: CapturedProgram;

/** What the outputs resolved to, read inside the program (stack outputs are redacted). */
const seen: Record<string, SeenBroker> = {};

before(async () => {
  program = await captureProgram(
    () => {
      const record = (key: string, queue: MessageQueue) => recordBroker(seen, key, queue);
      const k3s = createPlatform("dev-cluster", { target: "k3s", k3s: { environment: "dev", kubeconfig: pulumi.secret("kubeconfig") } }) as KubernetesPlatform;
      const certManager = new CertManager("cert-manager", { platform: k3s });
      const crds = new PrometheusOperatorCrds("prometheus-crds", { platform: k3s });
      // The operators are a cluster add-on: created once per cluster and given to every broker on it.
      const rabbitmqOperators = new RabbitmqOperators("queue-operators", { platform: k3s, certManager });
      record(
        "k3s",
        new MessageQueue("queue", {
          platform: k3s,
          namespace: "data",
          clientNamespaces: ["apps"],
          addons: { certManager, prometheusOperatorCrds: crds, rabbitmqOperators },
          queues: [{ name: "jobs", deadLetter: "jobs-dlq", maxLength: 10000 }, { name: "jobs-dlq" }, { name: "urgent", maxPriority: 10 }],
        }),
      );
      record("k3sPlain", new MessageQueue("events", { platform: k3s, namespace: "data", addons: { certManager, rabbitmqOperators }, tls: false, queues: [{ name: "audit", durable: false }] }));

      const eks = createPlatform("eks", { target: "eks", eks: { environment: "prod", region: "eu-west-1", endpointPublicAccessCidrs: ["203.0.113.0/24"] } }) as KubernetesPlatform;
      const eksCertManager = new CertManager("eks-cert-manager", { platform: eks });
      const eksOperators = new RabbitmqOperators("broker-operators", { platform: eks, certManager: eksCertManager, protect: true });
      record(
        "eks",
        new MessageQueue("broker", {
          platform: eks,
          namespace: "data",
          clientNamespaces: ["apps"],
          addons: { certManager: eksCertManager, rabbitmqOperators: eksOperators },
          queues: [{ name: "orders", deadLetter: "orders-dlq" }, { name: "orders-dlq" }, { name: "notify", maxPriority: 5 }],
        }),
      );
    },
    { project: "platform", stack: "test" },
  );
});

const CONFIG_FILE = "kubernetes:yaml/v2:ConfigFile";
const CLUSTER = "kubernetes:rabbitmq.com/v1beta1:RabbitmqCluster";
const QUEUE = "kubernetes:rabbitmq.com/v1beta1:Queue";
const CERTIFICATE = "kubernetes:cert-manager.io/v1:Certificate";
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";

const one = (type: string, name: string) => findOne(program.resources, type, name);
const under = (componentName: string) => descendants(program.resources, componentName);
const clusterSpec = (name: string) => one(CLUSTER, `${name}-cluster`).inputs.spec;
const queueOf = (component: string, queue: string) => one(QUEUE, `${component}-queue-${queue}`).inputs.spec;
const dependsOn = (r: CapturedResource, on: CapturedResource) => r.dependencies.includes(on.urn);

describe("MessageQueue with RabbitMQ on Kubernetes", () => {
  it("installs both operators from their pinned release manifests, once per cluster even with two MessageQueues on it", () => {
    assert.equal(rabbitmqVersions.clusterOperator.manifest, "https://github.com/rabbitmq/cluster-operator/releases/download/v2.22.3/cluster-operator.yml");
    assert.equal(
      rabbitmqVersions.topologyOperator.manifest,
      "https://github.com/rabbitmq/messaging-topology-operator/releases/download/v1.20.1/messaging-topology-operator-with-certmanager.yaml",
    );
    const k3sFiles = under("queue-operators").filter((r) => r.type === CONFIG_FILE);
    assert.deepEqual(k3sFiles.map((r) => r.inputs.file).sort(), [rabbitmqVersions.clusterOperator.manifest, rabbitmqVersions.topologyOperator.manifest].sort());
    assert.deepEqual(under("events").filter((r) => r.type === CONFIG_FILE), [], "the second MessageQueue on the cluster reuses the first one's operators");
    assert.equal(under("broker-operators").filter((r) => r.type === CONFIG_FILE).length, 2, "another cluster gets its own");
    assert.equal(program.resources.filter((r) => r.type === CONFIG_FILE).length, 4);
    const events = one(CLUSTER, "events-cluster");
    assert.ok(dependsOn(events, one(CONFIG_FILE, "queue-operators-cluster-operator")), "the second broker waits for the shared Cluster Operator");
  });

  it("never deletes the operators' manifests, whose CRDs would take every broker and its volumes with them", () => {
    for (const file of program.resources.filter((r) => r.type === CONFIG_FILE)) assert.equal(file.retainOnDelete, true, file.name);
    assert.ok(under("broker-operators").filter((r) => r.type === CONFIG_FILE).every((r) => r.protect), "protected with a protected (prod) broker");
  });

  it("installs the Topology Operator after cert-manager and the Cluster Operator, and mounts the cert-manager CA into its trust store", () => {
    const topology = one(CONFIG_FILE, "queue-operators-topology-operator");
    assert.ok(dependsOn(topology, one("kubernetes:helm.sh/v3:Release", "cert-manager-release")));
    assert.ok(dependsOn(topology, one(CONFIG_FILE, "queue-operators-cluster-operator")));
    const trust = one(CERTIFICATE, "queue-operators-ca-trust").inputs;
    assert.deepEqual([trust.metadata.namespace, trust.spec.issuerRef.name, trust.spec.secretName], ["rabbitmq-system", "cert-manager-ca", "queue-operators-ca-trust"]);
    const patch = one("kubernetes:apps/v1:DeploymentPatch", "queue-operators-topology-operator-trust");
    assert.deepEqual([patch.inputs.metadata.name, patch.inputs.metadata.namespace], ["messaging-topology-operator", "rabbitmq-system"]);
    const pod = patch.inputs.spec.template.spec;
    assert.equal(pod.containers[0].name, "manager");
    assert.deepEqual(pod.containers[0].volumeMounts, [{ name: "platform-ca", mountPath: "/etc/ssl/certs/queue-operators-ca-trust.crt", subPath: "ca.crt", readOnly: true }]);
    assert.equal(pod.volumes[0].secret.secretName, "queue-operators-ca-trust");
    assert.deepEqual(unknownFields(k8sObject(patch)), []);
    // Topology objects wait for the trust, or the operator's HTTPS calls to the broker would fail.
    assert.ok(dependsOn(one("kubernetes:rabbitmq.com/v1beta1:User", "queue-user"), patch));
    assert.ok(dependsOn(one(QUEUE, "queue-queue-jobs"), patch));
  });

  it("writes a RabbitmqCluster, User, Permission and Queues that the pinned operator CRDs accept", { skip: crdSkipReason() }, () => {
    const objects = program.resources.filter((r) => r.type.startsWith("kubernetes:rabbitmq.com/"));
    assert.deepEqual([...new Set(objects.map((r) => r.inputs.kind))].sort(), ["Permission", "Queue", "RabbitmqCluster", "User"]);
    assert.equal(objects.length, 3 + 3 * 2 + 7, "three clusters, a User and a Permission each, and the seven declared queues");
    for (const r of objects) assert.deepEqual(crdSchemaErrors(k8sObject(r)), [], `${r.inputs.kind} ${r.name}`);
  });

  it("writes Certificates and the PodMonitor that the pinned cert-manager and Prometheus operator CRDs accept", { skip: crdSkipReason() }, () => {
    const objects = program.resources.filter((r) => r.type === CERTIFICATE || r.type === "kubernetes:monitoring.coreos.com/v1:PodMonitor");
    assert.ok(objects.some((r) => r.name === "queue-pod-monitor"));
    for (const r of objects) assert.deepEqual(crdSchemaErrors(k8sObject(r)), [], `${r.inputs.kind} ${r.name}`);
  });

  it("runs the pinned image with only TLS listeners, from a cert-manager certificate for the Service and every node", () => {
    const spec = clusterSpec("queue");
    assert.equal(spec.image, "rabbitmq:4.2.6-management");
    assert.deepEqual(spec.tls, { secretName: "queue-tls", disableNonTLSListeners: true });
    const cert = one(CERTIFICATE, "queue-tls");
    assert.deepEqual([cert.inputs.metadata.namespace, cert.inputs.spec.secretName, cert.inputs.spec.issuerRef.name], ["data", "queue-tls", "cert-manager-ca"]);
    for (const dns of ["queue.data.svc", "queue.data.svc.cluster.local", "*.queue-nodes.data.svc.cluster.local", "*.queue-nodes.data"]) {
      assert.ok(cert.inputs.spec.dnsNames.includes(dns), `dnsNames include ${dns}`);
    }
    assert.ok(dependsOn(one(CLUSTER, "queue-cluster"), cert), "the broker starts after its certificate exists");
    assert.match(spec.rabbitmq.additionalConfig, /^ssl_options\.versions\.1 = tlsv1\.3$/m);
    assert.doesNotMatch(spec.rabbitmq.additionalConfig, /tlsv1\.1|tlsv1$/m);
    assert.equal(clusterSpec("events").tls, undefined, "tls: false leaves the plain listeners");
    assert.doesNotMatch(clusterSpec("events").rabbitmq.additionalConfig, /ssl_options/);
  });

  it("gives clients in each client namespace the CA through a cert-manager Secret, and says so in caSecretName", () => {
    const client = one(CERTIFICATE, "queue-client-ca-0").inputs;
    assert.deepEqual([client.metadata.namespace, client.spec.secretName, client.spec.issuerRef.name], ["apps", "queue-ca", "cert-manager-ca"]);
    assert.equal(seen.k3s.caSecretName, "queue-ca");
    assert.equal(seen.k3sPlain.caSecretName, undefined, "no CA without TLS");
  });

  it("returns the client Service's host, the TLS ports and an amqps URL with the generated password, as a secret", () => {
    assert.equal(seen.k3s.host, "queue.data.svc.cluster.local");
    assert.equal(seen.k3s.port, 5671);
    assert.equal(seen.k3s.managementUrl, "https://queue.data.svc.cluster.local:15671");
    assert.match(seen.k3s.url!, new RegExp(`^amqps://platform:${MOCK_SECRET_PREFIX}queue-password-x*@queue\\.data\\.svc\\.cluster\\.local:5671/%2F$`));
    assert.equal(seen.k3s.urlSecret, true);
    assert.equal(seen.k3sPlain.port, 5672);
    assert.equal(seen.k3sPlain.managementUrl, "http://events.data.svc.cluster.local:15672");
    assert.match(seen.k3sPlain.url!, /^amqp:\/\/platform:/);
  });

  it("keeps the password in Secrets only, and never in plaintext in any captured resource", () => {
    const credentials = one("kubernetes:core/v1:Secret", "queue-user-credentials");
    assert.equal(credentials.redactedInputs.stringData, SECRET_PLACEHOLDER);
    assert.equal(credentials.inputs.stringData.username, "platform");
    assert.ok(credentials.inputs.stringData.password.startsWith(MOCK_SECRET_PREFIX));
    for (const r of program.resources) {
      assert.ok(!JSON.stringify(r.redactedInputs).includes(MOCK_SECRET_PREFIX), `${r.type} ${r.name} has a plaintext secret`);
    }
    const user = one("kubernetes:rabbitmq.com/v1beta1:User", "queue-user");
    assert.deepEqual(user.inputs.spec.importCredentialsSecret, { name: "queue-user-credentials" });
    assert.ok(!JSON.stringify(user.inputs).includes(MOCK_SECRET_PREFIX), "the User names the Secret, it does not hold the password");
    for (const r of program.resources.filter((x) => x.type.startsWith("kubernetes:rabbitmq.com/"))) {
      assert.ok(!JSON.stringify(r.inputs).includes(MOCK_SECRET_PREFIX), `${r.name} embeds the password`);
    }
  });

  it("grants the user every permission on vhost / through the User it imports", () => {
    const permission = one("kubernetes:rabbitmq.com/v1beta1:Permission", "queue-permission");
    assert.deepEqual(permission.inputs.spec, {
      vhost: "/",
      userReference: { name: "queue-user" },
      permissions: { configure: ".*", write: ".*", read: ".*" },
      rabbitmqClusterReference: { name: "queue" },
    });
    assert.ok(dependsOn(permission, one("kubernetes:rabbitmq.com/v1beta1:User", "queue-user")));
  });

  it("persists each node on the platform's storage class and protects the prod broker and its queues only", () => {
    assert.deepEqual(clusterSpec("queue").persistence, { storageClassName: "local-path", storage: "10Gi" });
    assert.deepEqual(clusterSpec("broker").persistence, { storageClassName: "gp3", storage: "10Gi" });
    const prod = one(CLUSTER, "broker-cluster");
    assert.deepEqual([prod.protect, prod.retainOnDelete], [true, true]);
    const dev = one(CLUSTER, "queue-cluster");
    assert.deepEqual([dev.protect, dev.retainOnDelete], [false, false]);
    assert.equal(one(QUEUE, "broker-queue-orders").protect, true);
    assert.equal(queueOf("broker", "orders").deletionPolicy, "retain");
    assert.equal(queueOf("queue", "jobs").deletionPolicy, "delete");
  });

  it("runs 3 nodes in prod and 1 in dev, with requests and limits, apart on nodes (required in prod)", () => {
    const prod = clusterSpec("broker");
    assert.equal(prod.replicas, 3);
    assert.deepEqual(prod.resources, { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" } });
    const term = prod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0];
    assert.deepEqual(term, { labelSelector: { matchLabels: { "app.kubernetes.io/name": "broker" } }, topologyKey: "kubernetes.io/hostname" });
    const dev = clusterSpec("queue");
    assert.equal(dev.replicas, 1);
    assert.equal(dev.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution, undefined);
    assert.equal(dev.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey, "kubernetes.io/hostname");
  });

  it("adds a PodDisruptionBudget over the operator's pod labels only with 2 or more nodes", () => {
    const pdb = one(PDB, "broker-pdb").inputs;
    assert.deepEqual(pdb.spec, { maxUnavailable: 1, selector: { matchLabels: { "app.kubernetes.io/name": "broker" } } });
    assert.equal(pdb.metadata.namespace, "data");
    assert.deepEqual(program.resources.filter((r) => r.type === PDB && (r.name.startsWith("queue") || r.name.startsWith("events"))), []);
  });

  it("meets the restricted Pod Security Standard through the operator's pod override, with a liveness probe unlike its readiness probe", () => {
    const pod = clusterSpec("broker").override.statefulSet.spec.template.spec;
    assert.deepEqual(pod.securityContext, { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
    const containers = [...pod.initContainers, ...pod.containers];
    assert.deepEqual(containers.map((c: { name: string }) => c.name), ["setup-container", "rabbitmq"], "both of the operator's containers, by name");
    for (const c of containers) {
      const sc = c.securityContext;
      assert.deepEqual([sc.runAsNonRoot, sc.allowPrivilegeEscalation, sc.privileged, sc.capabilities, sc.seccompProfile, sc.readOnlyRootFilesystem], [
        true,
        false,
        false,
        { drop: ["ALL"] },
        { type: "RuntimeDefault" },
        true,
      ]);
    }
    const rabbitmq = pod.containers[0];
    assert.deepEqual(rabbitmq.livenessProbe.exec.command, ["rabbitmq-diagnostics", "-q", "ping"]);
    assert.equal(rabbitmq.readinessProbe, undefined, "the operator's TCP readiness probe stays");
    // The read-only root filesystem needs every path RabbitMQ writes outside the operator's volumes on a volume.
    const mounted = rabbitmq.volumeMounts.map((m: { name: string; mountPath: string }) => m.mountPath);
    assert.deepEqual(mounted, ["/tmp", "/var/log/rabbitmq"]);
    for (const m of rabbitmq.volumeMounts) assert.ok(pod.volumes.some((v: { name: string; emptyDir?: object }) => v.name === m.name && v.emptyDir), `${m.name} is an emptyDir`);
    assert.deepEqual(unknownFields(restrictedPodOverride()), []);
  });

  it("declares quorum queues in prod, classic ones in dev and for priorities, with dead-letter, length and priority arguments", () => {
    assert.deepEqual(queueOf("queue", "jobs"), {
      name: "jobs",
      vhost: "/",
      type: "classic",
      durable: true,
      autoDelete: false,
      arguments: { "x-dead-letter-exchange": "", "x-dead-letter-routing-key": "jobs-dlq", "x-max-length": 10000 },
      deletionPolicy: "delete",
      rabbitmqClusterReference: { name: "queue" },
    });
    assert.equal(queueOf("queue", "jobs-dlq").arguments, undefined);
    assert.deepEqual([queueOf("queue", "urgent").type, queueOf("queue", "urgent").arguments], ["classic", { "x-max-priority": 10 }]);
    assert.equal(queueOf("broker", "orders").type, "quorum");
    assert.equal(queueOf("broker", "orders-dlq").type, "quorum");
    assert.deepEqual([queueOf("broker", "notify").type, queueOf("broker", "notify").arguments], ["classic", { "x-max-priority": 5 }], "quorum queues refuse x-max-priority");
    assert.deepEqual([queueOf("events", "audit").durable, queueOf("events", "audit").type], [false, "classic"]);
    assert.equal(one(QUEUE, "queue-queue-jobs").inputs.metadata.name, "queue-jobs");
  });

  it("scrapes every node's TLS Prometheus endpoint, aggregated and per queue, verifying it against the broker's CA", () => {
    const monitor = one("kubernetes:monitoring.coreos.com/v1:PodMonitor", "queue-pod-monitor");
    assert.ok(dependsOn(monitor, one("kubernetes:helm.sh/v3:Release", "prometheus-crds-release")));
    assert.equal(monitor.inputs.metadata.namespace, "data");
    const spec = monitor.inputs.spec;
    assert.deepEqual(spec.selector, { matchLabels: { "app.kubernetes.io/name": "queue" } });
    assert.deepEqual(spec.podMetricsEndpoints.map((e: { path: string }) => e.path), ["/metrics", "/metrics/detailed"]);
    for (const endpoint of spec.podMetricsEndpoints) {
      assert.deepEqual([endpoint.port, endpoint.scheme], ["prometheus-tls", "https"]);
      assert.deepEqual(endpoint.tlsConfig, { ca: { secret: { name: "queue-tls", key: "ca.crt" } }, serverName: "queue.data.svc" });
      assert.ok(cert("queue-tls").includes(endpoint.tlsConfig.serverName), "the serverName is on the certificate");
    }
    assert.deepEqual(spec.podMetricsEndpoints[1].params, { family: ["queue_coarse_metrics", "queue_consumer_count"] });
    assert.deepEqual(program.resources.filter((r) => r.type.endsWith(":PodMonitor") && r.name !== "queue-pod-monitor"), [], "no PodMonitor without the CRDs");
  });

  it("applies the second manifest through a provider that adopts the rabbitmq-system Namespace the first one created", async () => {
    const files = ["queue-operators-cluster-operator", "queue-operators-topology-operator"].map((n) => one(CONFIG_FILE, n));
    const adopting = one("pulumi:providers:kubernetes", "queue-operators-adopting");
    assert.ok(files[1].provider?.startsWith(`${adopting.urn}::`), "the Topology Operator's manifest uses the adopting provider");
    assert.deepEqual([adopting.inputs.upsertExistingObjects, adopting.inputs.enablePatchForce], ["true", "true"], "provider inputs are serialized as strings");
    assert.ok(dependsOn(files[0], one("kubernetes:helm.sh/v3:Release", "cert-manager-release")), "the Cluster Operator's webhook certificate needs cert-manager");
    assert.deepEqual(await violationsOfUniqueObjects(program.resources), []);
    // Through the cluster's own provider, both manifests would create the namespace.
    const sameProvider = program.resources.map((r) => (r === files[1] ? { ...r, provider: files[0].provider } : r));
    assert.deepEqual(await violationsOfUniqueObjects(sameProvider), [
      'core/Namespace//rabbitmq-system is created by "queue-operators-cluster-operator" and "queue-operators-topology-operator"; the second create fails with AlreadyExists. Create it once, or adopt it with a provider that sets upsertExistingObjects.',
    ]);
  });

  it("creates every object of the backend with the cluster's provider, in the broker's namespace unless it serves clients or the operators", () => {
    for (const component of ["queue", "broker"]) {
      for (const r of under(component).filter((x) => x.custom)) {
        if (r.type === "random:index/randomPassword:RandomPassword") continue;
        assert.ok(r.provider?.includes(component === "queue" ? "dev-cluster-k8s" : "eks-k8s"), `${r.name} uses its cluster's provider`);
        const namespace = r.inputs.metadata?.namespace;
        if (namespace !== undefined) assert.ok(["data", "apps", "rabbitmq-system"].includes(namespace), `${r.name} in ${namespace}`);
      }
    }
  });

  it("writes built-in objects that pass the upstream Kubernetes schemas, without unknown fields", () => {
    const objects = [...under("queue"), ...under("events"), ...under("broker")].filter((r) => /^kubernetes:(core|policy)\/v1:/.test(r.type));
    // Three credentials Secrets, two connection Secrets (one client namespace each), one PDB.
    assert.equal(objects.length, 6, `checked ${objects.length} objects`);
    for (const r of objects) {
      assert.deepEqual(schemaErrors(k8sObject(r)), [], `${r.type} ${r.name}`);
      assert.deepEqual(unknownFields(k8sObject(r)), [], `${r.type} ${r.name}`);
    }
  });
});

describe("the policy pack over the RabbitMQ backend", () => {
  it("finds no mandatory violation in the prod broker, and would flag the non-TLS dev broker in prod", async () => {
    const broker = new Set(under("broker").map((r) => r.urn));
    const eks = program.resources.filter((r) => r.urn.includes("eks") || broker.has(r.urn));
    const report = await runPolicies(componentRules, eks, {}, new Map([["environment", "prod"]]));
    assert.deepEqual(report.violations.filter((v) => v.enforcementLevel === "mandatory").map((v) => `${v.policy}: ${v.message}`), []);
    assert.equal(hasMandatoryViolations(report), false);
    const plain = await runPolicies(rules, under("events"), {}, new Map([["environment", "prod"]]));
    assert.ok(plain.violations.some((v) => v.policy === "broker-tls"), "a broker without TLS fails broker-tls in prod");
    assert.ok(plain.violations.some((v) => v.policy === "broker-quorum"), "a single node fails broker-quorum in prod");
  });
});

async function violationsOfUniqueObjects(resources: CapturedResource[]): Promise<string[]> {
  return (await runPolicies([kubernetesUniqueObjects], resources)).violations.map((v) => v.message);
}

function cert(name: string): string[] {
  return one(CERTIFICATE, name).inputs.spec.dnsNames;
}

describe("RabbitMQ backend decisions", () => {
  it("chooses quorum queues only with 3 or more nodes, for durable queues without priorities", () => {
    assert.equal(queueType({ durable: true }, 3), "quorum");
    assert.equal(queueType({ durable: true }, 5), "quorum");
    assert.equal(queueType({ durable: true }, 1), "classic");
    assert.equal(queueType({ durable: false }, 3), "classic");
    assert.equal(queueType({ durable: true, maxPriority: 10 }, 3), "classic");
  });

  it("dead-letters through the default exchange to the named queue, and omits arguments that are not set", () => {
    assert.deepEqual(queueArguments({ deadLetter: "dlq" }), { "x-dead-letter-exchange": "", "x-dead-letter-routing-key": "dlq" });
    assert.deepEqual(queueArguments({ maxLength: 5, maxPriority: 3 }), { "x-max-length": 5, "x-max-priority": 3 });
    assert.deepEqual(queueArguments({}), {});
  });

  it("names Queue objects validly for Kubernetes and keeps queues differing only in case apart", () => {
    assert.equal(queueObjectName("mq", "jobs.v1"), "mq-jobs.v1");
    const upper = queueObjectName("mq", "Jobs_V1");
    assert.match(upper, /^mq-jobs-v1-[0-9a-f]{8}$/);
    assert.notEqual(upper, queueObjectName("mq", "jobs_v1"));
    assert.match(queueObjectName("mq", "_x_"), /^mq--x-[0-9a-f]{8}$/);
    for (const n of [upper, queueObjectName("mq", "_x_")]) assert.match(n, /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
  });

  it("covers the client Service in every form and each node under the operator's headless Service in the certificate", () => {
    assert.deepEqual(brokerCertificateDnsNames("mq", "ns"), [
      "mq.ns.svc.cluster.local",
      "mq.ns.svc",
      "mq.ns",
      "mq",
      "*.mq-nodes.ns.svc.cluster.local",
      "*.mq-nodes.ns.svc",
      "*.mq-nodes.ns",
    ]);
  });

  it("refuses to deploy without cert-manager, which the Topology Operator's webhook needs", () => {
    const spec = resolveMessageQueue("mq", { tls: false }, { flavour: "k3s", environment: "dev" });
    const context = { username: "platform", password: pulumi.output("unused"), parent: undefined as unknown as pulumi.Resource, addons: {} };
    assert.throws(() => deployRabbitmqToKubernetes("mq", spec, {} as KubernetesPlatform, context), /`certManager` is required/);
  });
});
