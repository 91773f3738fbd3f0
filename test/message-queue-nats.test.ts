/**
 * MessageQueue with `broker: "nats"` under Pulumi's mock runtime, captured once for the file: a
 * small dev broker on k3s without TLS, and a prod one on EKS (3 servers, TLS from cert-manager,
 * Prometheus CRDs, a client namespace). The pure functions are tested directly.
 */
import assert from "node:assert/strict";
import { validateMessageQueue } from "../components/message-queue";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { captureProgram, type CapturedProgram } from "../plan/capture";
import { MOCK_SECRET_PREFIX } from "../plan/mocks";
import { SECRET_PLACEHOLDER } from "../plan/wire";
import { CertManager } from "../components/addons";
import { MessageQueue, resolveMessageQueue } from "../components/message-queue";
import { natsCertificateDnsNames, natsChart, natsUrl, natsValues } from "../components/message-queue/nats";
import { PrometheusOperatorCrds } from "../components/addons";
import { createPlatform, type KubernetesPlatform } from "../components/platform";
import { crdSchemaErrors, crdSkipReason } from "./support/crd-schema";
import { schemaErrors, unknownFields } from "./support/k8s-schema";
import { findOne, k8sObject } from "./support/captured";
import { recordBroker, type SeenBroker } from "./support/broker";

let program: CapturedProgram;
const seen: Record<string, SeenBroker> = {};

before(async () => {
  program = await captureProgram(
    () => {
      const record = (key: string, queue: MessageQueue) => recordBroker(seen, key, queue);
      const dev = createPlatform("dev", { target: "k3s", k3s: { environment: "dev", kubeconfig: pulumi.secret("kubeconfig") } });
      record("dev", new MessageQueue("events", { platform: dev, broker: "nats", namespace: "data", tls: false }));
      const eks = createPlatform("aws", { target: "eks", eks: { environment: "prod", region: "eu-west-1", endpointPublicAccessCidrs: ["203.0.113.0/24"] } }) as KubernetesPlatform;
      const certManager = new CertManager("cert-manager", { platform: eks });
      const crds = new PrometheusOperatorCrds("prometheus-crds", { platform: eks });
      record(
        "prod",
        new MessageQueue("bus", {
          platform: eks,
          broker: "nats",
          namespace: "data",
          clientNamespaces: ["apps"],
          addons: { certManager, prometheusOperatorCrds: crds },
        }),
      );
    },
    { project: "platform", stack: "test" },
  );
});

const RELEASE = "kubernetes:helm.sh/v3:Release";
const CERTIFICATE = "kubernetes:cert-manager.io/v1:Certificate";
const one = (type: string, name: string) => findOne(program.resources, type, name);
const values = (name: string) => one(RELEASE, `${name}-release`).inputs.values;

describe("MessageQueue on NATS", () => {
  it("installs the pinned official NATS chart as a release named after the component in its namespace", () => {
    for (const name of ["events", "bus"]) {
      const release = one(RELEASE, `${name}-release`).inputs;
      assert.equal(release.chart, "nats");
      assert.equal(release.version, natsChart.version);
      assert.match(release.version, /^\d+\.\d+\.\d+$/);
      assert.equal(release.repositoryOpts.repo, "https://nats-io.github.io/k8s/helm/charts/");
      assert.equal(release.name, name);
      assert.equal(release.namespace, "data");
      assert.equal(release.values.fullnameOverride, name);
    }
  });

  it("creates every Kubernetes object with the cluster's explicit provider", () => {
    for (const [component, provider] of [["events", "dev-k8s"], ["bus", "aws-k8s"]]) {
      const providerUrn = one("pulumi:providers:kubernetes", provider).urn;
      const objects = program.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:") && (r.name.startsWith(`${component}-`) || r.name === component));
      assert.ok(objects.length >= 2);
      for (const r of objects) assert.ok(r.provider?.startsWith(`${providerUrn}::`), `${r.type} ${r.name} uses ${r.provider}`);
    }
  });

  it("runs JetStream on a PVC of the platform's storage class sized from storageGiB", () => {
    const dev = values("events").config.jetstream;
    assert.equal(dev.enabled, true);
    assert.deepEqual(dev.fileStore.pvc, { enabled: true, size: "10Gi", storageClassName: "local-path" });
    assert.equal(values("bus").config.jetstream.fileStore.pvc.storageClassName, "gp3");
  });

  it("forms a routed cluster only with more than one server, with a disruption budget", () => {
    assert.deepEqual(values("events").config.cluster, { enabled: false });
    assert.equal(values("events").podDisruptionBudget.enabled, false);
    const prod = values("bus");
    assert.equal(prod.config.cluster.enabled, true);
    assert.equal(prod.config.cluster.replicas, 3);
    assert.deepEqual(prod.config.cluster.tls, { enabled: true, secretName: "bus-tls" });
    assert.equal(prod.podDisruptionBudget.enabled, true);
  });

  it("serves clients over TLS from cert-manager's Secret and trusts its CA only when TLS is on", () => {
    const prod = values("bus");
    assert.deepEqual(prod.config.nats.tls, { enabled: true, secretName: "bus-tls" });
    assert.deepEqual(prod.tlsCA, { enabled: true, secretName: "bus-tls" });
    assert.equal(values("events").config.nats.tls, undefined);
    assert.equal(values("events").tlsCA, undefined);
    assert.equal(program.resources.filter((r) => r.type === CERTIFICATE && r.name.startsWith("events")).length, 0);
  });

  it("authenticates the platform user with a password the server reads from a Secret-backed variable", () => {
    const prod = values("bus");
    assert.deepEqual(prod.config.merge.authorization, { user: "platform", password: "<< $NATS_PASSWORD >>" });
    assert.deepEqual(prod.container.env.NATS_PASSWORD, { valueFrom: { secretKeyRef: { name: "bus-auth", key: "password" } } });
    const secret = one("kubernetes:core/v1:Secret", "bus-auth");
    assert.equal(secret.redactedInputs.stringData, SECRET_PLACEHOLDER);
    assert.match(secret.inputs.stringData.password, new RegExp(`^${MOCK_SECRET_PREFIX}`));
  });

  it("never puts a password in plaintext in any captured input", () => {
    for (const r of program.resources) {
      assert.ok(!JSON.stringify(r.redactedInputs).includes(MOCK_SECRET_PREFIX), `${r.type} ${r.name} has a plaintext secret`);
    }
    // The releases carry no secret at all, not even a wrapped one.
    for (const name of ["events", "bus"]) assert.ok(!JSON.stringify(one(RELEASE, `${name}-release`).inputs).includes(MOCK_SECRET_PREFIX));
  });

  it("gives the server and the exporter requests, limits and the restricted security context", () => {
    const prod = values("bus");
    assert.deepEqual(prod.container.merge.resources, { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" } });
    const pod = prod.podTemplate.merge.spec.securityContext;
    assert.equal(pod.runAsNonRoot, true);
    assert.ok(pod.runAsUser > 0);
    assert.equal(pod.seccompProfile.type, "RuntimeDefault");
    for (const merge of [prod.container.merge, prod.promExporter.merge]) {
      const sc = merge.securityContext;
      assert.equal(sc.allowPrivilegeEscalation, false);
      assert.equal(sc.readOnlyRootFilesystem, true);
      assert.deepEqual(sc.capabilities.drop, ["ALL"]);
      assert.ok(merge.resources.limits.cpu && merge.resources.limits.memory);
    }
    assert.notDeepEqual(prod.promExporter.merge.readinessProbe, prod.promExporter.merge.livenessProbe);
    // Sidecars without a health endpoint are off rather than unprobed.
    assert.equal(prod.reloader.enabled, false);
    assert.equal(prod.natsBox.enabled, false);
  });

  it("keeps prod servers on separate nodes and dev servers spread where possible", () => {
    assert.equal(values("bus").podTemplate.topologySpreadConstraints["kubernetes.io/hostname"].whenUnsatisfiable, "DoNotSchedule");
    assert.equal(values("events").podTemplate.topologySpreadConstraints["kubernetes.io/hostname"].whenUnsatisfiable, "ScheduleAnyway");
  });

  it("scrapes the exporter through the chart's PodMonitor only when the Prometheus CRDs are given, after them", () => {
    assert.deepEqual([values("bus").promExporter.enabled, values("bus").promExporter.podMonitor.enabled], [true, true]);
    assert.deepEqual([values("events").promExporter.enabled, values("events").promExporter.podMonitor.enabled], [false, false]);
    const crds = program.resources.find((r) => r.type === RELEASE && r.name.startsWith("prometheus-crds"));
    assert.ok(crds);
    assert.ok(one(RELEASE, "bus-release").dependencies.includes(crds.urn));
  });

  it("protects the prod release, which holds the JetStream volumes, and not the dev one", () => {
    assert.deepEqual([one(RELEASE, "bus-release").protect, one(RELEASE, "bus-release").retainOnDelete], [true, true]);
    assert.deepEqual([one(RELEASE, "events-release").protect, one(RELEASE, "events-release").retainOnDelete], [false, false]);
  });

  it("installs the release after its auth Secret and certificate exist", () => {
    const deps = one(RELEASE, "bus-release").dependencies;
    assert.ok(deps.includes(one("kubernetes:core/v1:Secret", "bus-auth").urn));
    assert.ok(deps.includes(one(CERTIFICATE, "bus-tls").urn));
  });

  it(
    "issues a server certificate for the Service and every routed pod, and a CA Secret in each client namespace, valid against cert-manager's CRD",
    { skip: crdSkipReason() },
    () => {
      const server = one(CERTIFICATE, "bus-tls");
      assert.deepEqual(server.inputs.spec.issuerRef, { name: "cert-manager-ca", kind: "ClusterIssuer", group: "cert-manager.io" });
      assert.ok(server.inputs.spec.dnsNames.includes("bus.data.svc.cluster.local"));
      assert.ok(server.inputs.spec.dnsNames.includes("*.bus-headless"), "routes dial tls://<pod>.<headless>:6222");
      assert.ok(server.inputs.spec.usages.includes("client auth"), "routes authenticate both ways");
      const client = one(CERTIFICATE, "bus-client-ca-0");
      assert.equal(client.inputs.metadata.namespace, "apps");
      assert.equal(client.inputs.spec.secretName, "bus-ca");
      for (const r of [server, client]) assert.deepEqual(crdSchemaErrors(k8sObject(r)), [], `${r.name}`);
    },
  );

  it("writes built-in objects that match the Kubernetes schemas without unknown fields", () => {
    const builtIn = program.resources.filter((r) => /^kubernetes:(core|apps|policy)\/v1:/.test(r.type) && /^(bus|events)-/.test(r.name));
    assert.ok(builtIn.length >= 2);
    for (const r of builtIn) {
      assert.deepEqual(schemaErrors(k8sObject(r)), [], `${r.type} ${r.name}`);
      assert.deepEqual(unknownFields(k8sObject(r)), [], `${r.type} ${r.name}`);
    }
  });

  it("returns the in-cluster host on 4222 with a tls:// URL when TLS is on and nats:// otherwise", () => {
    assert.equal(seen.prod.host, "bus.data.svc.cluster.local");
    assert.equal(seen.prod.port, 4222);
    assert.match(seen.prod.url!, new RegExp(`^tls://platform:${MOCK_SECRET_PREFIX}[^@]+@bus\\.data\\.svc\\.cluster\\.local:4222$`));
    assert.match(seen.dev.url!, /^nats:\/\/platform:[^@]+@events\.data\.svc\.cluster\.local:4222$/);
    assert.equal(seen.prod.caSecretName, "bus-ca");
    assert.equal(seen.dev.caSecretName, undefined);
  });
});

describe("NATS pure functions", () => {
  it("percent-encodes credentials in the URL", () => {
    assert.equal(natsUrl(false, "a@b", "p/w:x", "h", 4222), "nats://a%40b:p%2Fw%3Ax@h:4222");
  });

  it("names the Service and headless pods in every form, plus localhost", () => {
    const names = natsCertificateDnsNames("q", "ns");
    assert.deepEqual(names.slice(0, 4), ["q", "q.ns", "q.ns.svc", "q.ns.svc.cluster.local"]);
    assert.ok(names.includes("*.q-headless.ns.svc.cluster.local") && names.includes("localhost"));
  });

  it("sizes the JetStream volume from storageGiB and sets the cluster size from replicas", () => {
    const spec = resolveMessageQueue("q", { broker: "nats", storageGiB: 25, replicas: 5 }, { flavour: "gke", environment: "prod" });
    const v = natsValues("q", spec, { username: "u", storageClass: "premium-rwo", monitoring: false }) as any;
    assert.equal(v.config.jetstream.fileStore.pvc.size, "25Gi");
    assert.equal(v.config.cluster.replicas, 5);
  });
});

describe("NATS and declared queues", () => {
  it("refuses declared queues, which NATS would silently ignore: services create their streams", () => {
    const problems = validateMessageQueue({ broker: "nats", queues: [{ name: "jobs" }] }, { flavour: "k3s", environment: "dev" });
    assert.deepEqual(problems.map((p) => p.path.join(".")), ["queues"]);
  });
});
