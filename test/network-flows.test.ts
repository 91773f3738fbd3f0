/**
 * The flows stackNetwork derives for configurations the shipped plans do not exercise: Velero's own
 * bucket endpoint on k3s, the NATS exporter's port, cert-manager's DNS-01 check, and its HTTP-01
 * self check reaching Traefik's container ports (a load balancer IP inside the cluster is DNATed to
 * the pods before the policies see it).
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { createPlatform, isPodPeer, type KubernetesPlatform, type NetworkFlow } from "../components";
import { readStackConfig } from "../plan/stack-file";
import type { ProgramConfig } from "../stacks/compose";
import { loadConfig } from "../stacks/load";
import { accessLabels, stackNetwork } from "../stacks/network-policies";
import { STACK_VARIANTS } from "./support/stack-variants";

let platform: KubernetesPlatform;

before(() => {
  pulumi.runtime.setMocks(
    { newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }), call: (args) => args.inputs },
    "project",
    "stack",
    true,
  );
  platform = createPlatform("cluster", { target: "k3s", k3s: { environment: "prod", kubeconfig: pulumi.secret("kubeconfig") } }) as KubernetesPlatform;
});

const ROOT = path.join(__dirname, "..");
/** The stack's config as the runtime loads it (a whole secret block, which the offline reader leaves out, stands in as an object). */
function stackConfig(stack: string, overrides: string[]): ProgramConfig {
  const file = readStackConfig(ROOT, stack, overrides);
  pulumi.runtime.setAllConfig({ ...file.config, ...Object.fromEntries(file.secretBlocks.map((b) => [b, "{}"])) }, file.secretKeys);
  return loadConfig();
}
const onprem = (...overrides: string[]): ProgramConfig => stackConfig("onprem", overrides);
const flow = (flows: readonly NetworkFlow[], name: string) => flows.find((f) => f.name === name);
const ports = (f: NetworkFlow | undefined) => (f?.ports ?? []).map((p) => `${p.protocol ?? "TCP"}/${p.port}`);

describe("stackNetwork", () => {
  it("lets Velero out to its own bucket endpoint's port on k3s, not the PostgreSQL bucket's", () => {
    const config = onprem('platform:dr={"verification":{"enabled":true},"clusterBackups":{"bucket":{"name":"velero","endpointUrl":"https://minio.example.com:9000"}}}');
    const { flows } = stackNetwork(config, platform, { cnpg: true, rabbitmq: true });
    assert.deepEqual(ports(flow(flows, "velero-internet")), ["TCP/443", "TCP/9000"]);
    assert.deepEqual(ports(flow(flows, "postgres-backups")), ["TCP/443"]);
  });

  it("admits Prometheus to the NATS exporter (7777)", () => {
    // The NATS variant of the shipped stack (its queue triggers turned into JetStream ones).
    const natsOverrides = STACK_VARIANTS["onprem-nats"].filter((_, i, args) => args[i - 1] === "--config");
    const { flows } = stackNetwork(onprem(...natsOverrides), platform, { cnpg: true, rabbitmq: false, keda: true });
    assert.ok(ports(flow(flows, "prometheus-data")).includes("TCP/7777"));
    // KEDA's nats-jetstream scaler reads the servers' monitoring endpoint, not a RabbitMQ port.
    assert.deepEqual(ports(flow(flows, "keda-nats")), ["TCP/8222"]);
    assert.equal(flow(flows, "keda-rabbitmq"), undefined);
  });

  it("selects a progressive service's pods by instance, so Flagger's primary pods (name <service>-primary) stay reachable", () => {
    // The shipped onprem podinfo has canary.analysis; orders-worker does not.
    const { flows } = stackNetwork(onprem(), platform, { cnpg: true, rabbitmq: true });
    const to = flow(flows, "gateway-to-podinfo")?.to;
    assert.ok(to && isPodPeer(to));
    assert.deepEqual(to.pods?.matchLabels, { "app.kubernetes.io/instance": "podinfo", "app.kubernetes.io/component": "app-service" });
    const worker = flow(flows, "prometheus-to-orders-worker")?.to;
    assert.ok(worker && isPodPeer(worker));
    assert.equal(worker.pods?.matchLabels?.["app.kubernetes.io/name"], "orders-worker");
  });

  it("lets a service with a cloud identity, and its Jobs, reach the cloud's APIs (and GKE's metadata server), and no other service", () => {
    const policy = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::orders/*"] }] };
    for (const target of ["eks", "gke"] as const) {
      const base = stackConfig("prod", target === "gke" ? ["platform:target=gke"] : []);
      const config = { ...base, services: base.services!.map((s) => (s.name === "orders-worker" ? { ...s, cloudIdentity: { aws: { policy }, gcp: { roles: ["roles/storage.objectViewer"] } } } : s)) } as ProgramConfig;
      const { flows } = stackNetwork(config, platform, { cnpg: false, rabbitmq: true });
      const label = { "platform.acme.dev/access-cloud-apis": "true" };
      assert.deepEqual(accessLabels(config.services![1], config)["platform.acme.dev/access-cloud-apis"], "true", target);
      assert.equal(accessLabels(config.services![0], config)["platform.acme.dev/access-cloud-apis"], undefined, `${target}: podinfo has no identity`);
      const apis = flow(flows, "apps-cloud-apis");
      assert.ok(apis && isPodPeer(apis.from), target);
      assert.deepEqual(apis.from.pods?.matchLabels, label);
      assert.deepEqual(ports(apis), ["TCP/443"]);
      assert.equal(flow(flows, "apps-gke-metadata") !== undefined, target === "gke", target);
      const none = stackNetwork(base, platform, { cnpg: false, rabbitmq: true });
      assert.equal(flow(none.flows, "apps-cloud-apis"), undefined, `${target}: no identity, no path`);
    }
  });

  it("admits KEDA and Flagger to what they query, only when installed", () => {
    const config = onprem();
    const both = stackNetwork(config, platform, { cnpg: true, rabbitmq: true, keda: true, flagger: true });
    const cases: [string, string[]][] = [
      ["keda-internal", ["TCP/9666"]],
      ["keda-rabbitmq", ["TCP/5671", "TCP/5672"]],
      ["keda-prometheus", ["TCP/9090"]],
      ["keda-webhooks", ["TCP/6443", "TCP/9443"]],
      ["flagger-prometheus", ["TCP/9090"]],
      // Meshed under Linkerd, Flagger's proxy is scraped by the linkerd-proxies PodMonitor.
      ["flagger-system-metrics", ["TCP/4191"]],
      // Flagger's chart meshes its pod under Linkerd (podAnnotations linkerd.io/inject: enabled).
      ["flagger-system-mesh-control-plane", ["TCP/8086", "TCP/8080", "TCP/8090"]],
    ];
    for (const [name, expected] of cases) assert.deepEqual(ports(flow(both.flows, name)), expected, name);
    for (const namespace of ["keda", "flagger-system"]) assert.ok(both.namespaces.includes(namespace), namespace);
    const neither = stackNetwork(config, platform, { cnpg: true, rabbitmq: true });
    for (const [name] of cases) assert.equal(flow(neither.flows, name), undefined, name);
    assert.ok(!neither.namespaces.includes("keda") && !neither.namespaces.includes("flagger-system"));
  });

  it("lets cert-manager reach Traefik's container ports for the HTTP-01 self check", () => {
    const f = flow(stackNetwork(onprem(), platform, { cnpg: true, rabbitmq: true }).flows, "cert-manager-self-check");
    assert.ok(f && isPodPeer(f.to) && f.to.namespace === "gateway");
    assert.deepEqual(ports(f), ["TCP/8000", "TCP/8443"]);
  });

  it("lets cert-manager query authoritative nameservers only with the DNS-01 solver", () => {
    assert.equal(flow(stackNetwork(onprem(), platform, { cnpg: true, rabbitmq: true }).flows, "cert-manager-dns01"), undefined);
    const prod = stackConfig("prod", ['platform:gateway={"tls":{"acme":{"email":"ops@example.com","solver":"dns01","dnsZone":"Z123"}},"routes":[{"service":"podinfo","hostname":"podinfo.example.com"}]}']) as ProgramConfig;
    assert.deepEqual(ports(flow(stackNetwork(prod, platform, { cnpg: false, rabbitmq: true }).flows, "cert-manager-dns01")), ["UDP/53", "TCP/53"]);
  });
});
