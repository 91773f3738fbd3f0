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
import { stackNetwork } from "../stacks/network-policies";

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
    const { flows } = stackNetwork(onprem('platform:messageQueue={"broker":"nats"}'), platform, { cnpg: true, rabbitmq: false });
    assert.ok(ports(flow(flows, "prometheus-data")).includes("TCP/7777"));
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
