/**
 * CertManager under Pulumi's mock runtime: the pinned release, its values, and the issuers
 * validated against the upstream cert-manager v1.21.1 CRDs.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { captureProgram, type CapturedProgram, type CapturedResource } from "../plan/capture";
import { CertManager, certManagerChart, certManagerValues } from "../components/addons";
import { createPlatform } from "../components/platform";
import type { KubernetesPlatform } from "../components/contract/platform";
import { crdSchemaErrors, crdSkipReason } from "./support/crd-schema";

let program: CapturedProgram;
const one = (type: string, name: string): CapturedResource => {
  const found = program.resources.filter((r) => r.type === type && r.name === name);
  assert.equal(found.length, 1, `expected one ${type} named ${name}`);
  return found[0];
};

before(async () => {
  program = await captureProgram(
    () => {
      const platform = createPlatform("cluster", { target: "k3s", k3s: { environment: "prod", kubeconfig: pulumi.secret("kubeconfig") } }) as KubernetesPlatform;
      new CertManager("cert-manager", { platform });
    },
    { project: "platform", stack: "test" },
  );
});

describe("CertManager", () => {
  it("installs the pinned chart with its CRDs kept across uninstalls", () => {
    const release = one("kubernetes:helm.sh/v3:Release", "cert-manager-release");
    assert.equal(release.inputs.chart, "cert-manager");
    assert.equal(release.inputs.version, certManagerChart.version);
    assert.match(release.inputs.version, /^v\d+\.\d+\.\d+$/);
    assert.equal(release.inputs.repositoryOpts.repo, "https://charts.jetstack.io");
    assert.deepEqual(release.inputs.values.crds, { enabled: true, keep: true });
  });

  it("runs two replicas of each part with a PodDisruptionBudget in prod, one without in dev", () => {
    const prod = certManagerValues(2) as any;
    const dev = certManagerValues(1) as any;
    for (const part of [prod, prod.webhook, prod.cainjector]) {
      assert.equal(part.replicaCount, 2);
      assert.equal(part.podDisruptionBudget.enabled, true);
    }
    assert.equal(dev.podDisruptionBudget.enabled, false, "a PDB over one pod would block every drain");
    assert.equal(one("kubernetes:helm.sh/v3:Release", "cert-manager-release").inputs.values.replicaCount, 2);
  });

  it("turns on the controller's Gateway API support so ACME HTTP-01 challenges can go through a Gateway", () => {
    const config = one("kubernetes:helm.sh/v3:Release", "cert-manager-release").inputs.values.config;
    assert.equal(config.enableGatewayAPI, true);
    assert.equal(config.apiVersion, "controller.config.cert-manager.io/v1alpha1");
    assert.equal(config.kind, "ControllerConfiguration");
  });

  it("creates the chart's ServiceMonitor only when asked, so certificate expiry can alert", () => {
    assert.deepEqual((certManagerValues(1, true) as any).prometheus, { enabled: true, servicemonitor: { enabled: true } });
    assert.equal((certManagerValues(1) as any).prometheus.servicemonitor.enabled, false, "without the Prometheus CRDs the chart's ServiceMonitor would fail the release");
  });

  it("sets requests and limits on every container the chart runs", () => {
    const values = certManagerValues(1) as any;
    for (const part of [values, values.webhook, values.cainjector, values.startupapicheck]) {
      assert.ok(part.resources.requests.cpu && part.resources.requests.memory && part.resources.limits.cpu && part.resources.limits.memory);
    }
  });

  it("chains a self-signed root, a CA certificate and a CA issuer, each after the release", () => {
    const release = one("kubernetes:helm.sh/v3:Release", "cert-manager-release");
    const root = one("kubernetes:cert-manager.io/v1:ClusterIssuer", "cert-manager-selfsigned");
    const ca = one("kubernetes:cert-manager.io/v1:Certificate", "cert-manager-ca-certificate");
    const issuer = one("kubernetes:cert-manager.io/v1:ClusterIssuer", "cert-manager-ca-issuer");
    assert.deepEqual(root.inputs.spec, { selfSigned: {} });
    assert.equal(ca.inputs.spec.isCA, true);
    assert.equal(ca.inputs.spec.issuerRef.name, root.inputs.metadata.name);
    assert.equal(issuer.inputs.spec.ca.secretName, ca.inputs.spec.secretName);
    for (const cr of [root, ca, issuer]) assert.ok(cr.dependencies.includes(release.urn), `${cr.name} waits for the CRDs`);
    assert.ok(issuer.dependencies.includes(ca.urn));
  });

  it("refuses zero replicas", () => {
    const platform = { kind: "kubernetes", environment: "dev" } as unknown as KubernetesPlatform;
    assert.throws(() => new CertManager("bad", { platform, replicas: 0 }), /`replicas` must be a whole number ≥ 1 \(got 0\)/);
  });

  it("writes issuers and certificates that match the upstream CRDs", { skip: crdSkipReason() ?? false }, () => {
    const crs = program.resources.filter((r) => r.type.startsWith("kubernetes:cert-manager.io/"));
    assert.equal(crs.length, 3);
    for (const cr of crs) assert.deepEqual(crdSchemaErrors(cr.inputs as any), [], cr.name);
  });
});
