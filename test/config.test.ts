import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfig, formatConfigIssues, type ConfigIssue } from "../stacks/config";
import { readStackConfig } from "../plan/stack-file";
import { decodeConfigValue } from "../stacks/config";

const service = { name: "api", image: "ghcr.io/stefanprodan/podinfo:6.9.2", port: 9898 };
const docker = { target: "docker", environment: "dev" };

function issues(raw: Record<string, unknown>, secretKeys: string[] = []): ConfigIssue[] {
  const result = parseConfig(raw, secretKeys);
  assert.equal(result.ok, false, "expected the config to be refused");
  return result.ok ? [] : result.issues;
}

function issueAt(raw: Record<string, unknown>, key: string, message: RegExp, secretKeys: string[] = []) {
  const found = issues(raw, secretKeys);
  const match = found.find((i) => i.key === key);
  assert.ok(match, `no issue at ${key}; got:\n${formatConfigIssues(found)}`);
  assert.match(match.message, message);
}

import { PAGED } from "./support/config-fixtures";

describe("stack config", () => {
  it("accepts a minimal docker config and leaves defaults to the components", () => {
    const result = parseConfig({ ...docker, services: [service] });
    assert.ok(result.ok);
    assert.deepEqual(result.config.services, [service]);
  });

  it("refuses an unknown target and suggests the right spelling", () => {
    issueAt({ ...docker, target: "EKS" }, "platform:target", /must be one of eks \| gke \| k3s \| docker \(got "EKS"\); did you mean "eks"\?/);
    issueAt({ ...docker, target: "k8s" }, "platform:target", /must be one of eks \| gke \| k3s \| docker \(got "k8s"\)$/);
  });

  it("refuses a misspelled key and names the closest known one", () => {
    issueAt({ ...docker, servces: [] }, "platform:servces", /is not a known setting; did you mean `services`\?/);
    issueAt({ ...docker, services: [{ ...service, replica: 2 }] }, "platform:services[0].replica", /did you mean `replicas`\?/);
  });

  it("asks for a missing required secret and says how to set it", () => {
    issueAt({ target: "k3s", environment: "prod" }, "platform:kubeconfig", /pulumi config set --secret platform:kubeconfig/);
  });

  it("refuses a kubeconfig that was not stored as a secret", () => {
    issueAt({ target: "k3s", environment: "prod", kubeconfig: "apiVersion: v1" }, "platform:kubeconfig", /must be a secret; set it again with `pulumi config set --secret/);
    // (k3s backups need a bucket of the user's; the database is off here to test only the secret.)
    const accepted = parseConfig({ target: "k3s", environment: "prod", kubeconfig: "apiVersion: v1", k3s: { disable: ["traefik", "gateway-api-crd"] }, postgres: { enabled: false }, ...PAGED }, ["kubeconfig", "observability"]);
    assert.ok(accepted.ok, accepted.ok ? "" : formatConfigIssues(accepted.issues));
  });

  for (const replicas of [0, -1, 1.5]) {
    it(`refuses replicas ${replicas}`, () => {
      issueAt({ ...docker, services: [{ ...service, replicas }] }, "platform:services[0].replicas", replicas === 1.5 ? /must be a whole number \(got the number 1.5\)/ : new RegExp(`must be at least 1 \\(got the number ${replicas}\\)`));
    });
  }

  it("refuses autoscaling whose minimum is above its maximum", () => {
    issueAt(
      { ...docker, services: [{ ...service, autoscaling: { minReplicas: 5, maxReplicas: 2 } }] },
      "platform:services[0].autoscaling.minReplicas",
      /\(5\) must not exceed `autoscaling.maxReplicas` \(2\)/,
    );
  });

  it("refuses a CPU of 500 and suggests 500m", () => {
    issueAt({ ...docker, services: [{ ...service, resources: { limits: { cpu: "500" } } }] }, "platform:services[0].resources.limits.cpu", /"500" means 500 cores; did you mean "500m"\?/);
  });

  it("refuses memory in decimal units or millibytes and suggests the binary unit", () => {
    issueAt({ ...docker, services: [{ ...service, resources: { limits: { memory: "1G" } } }] }, "platform:services[0].resources.limits.memory", /did you mean "1Gi"\?/);
    issueAt({ ...docker, services: [{ ...service, resources: { requests: { memory: "512m" } } }] }, "platform:services[0].resources.requests.memory", /0.512 bytes .*did you mean "512Mi"\?/);
  });

  it("refuses an image without a tag or with latest", () => {
    issueAt({ ...docker, services: [{ ...service, image: "nginx" }] }, "platform:services[0].image", /has no tag/);
    issueAt({ ...docker, services: [{ ...service, image: "nginx:latest" }] }, "platform:services[0].image", /moving tag "latest"/);
  });

  it("accepts an image pinned by digest or by a registry with a port", () => {
    const digest = `nginx@sha256:${"a".repeat(64)}`;
    assert.ok(parseConfig({ ...docker, services: [{ ...service, image: digest }] }).ok);
    assert.ok(parseConfig({ ...docker, services: [{ ...service, image: "registry.local:5000/team/app:2.1.0" }] }).ok);
  });

  it("refuses cloud settings on the docker and k3s targets", () => {
    issueAt({ ...docker, eks: { region: "eu-west-1" } }, "platform:eks", /applies only to target eks or gke \(target is docker\)/);
    issueAt({ target: "k3s", environment: "prod", kubeconfig: "x", gke: { project: "acme-prod-1", region: "europe-west1" } }, "platform:gke", /applies only to target eks or gke \(target is k3s\)/, ["kubeconfig"]);
  });

  it("lets the EKS and GKE blocks sit side by side so prod can switch target with one key", () => {
    // Prod on a cloud defaults the gateway to ACME certificates, which need an account email.
    const both = { environment: "prod", eks: { region: "eu-west-1" }, gke: { project: "acme-prod-1", region: "europe-west1" }, gateway: { tls: { acme: { email: "ops@example.com" } } }, ...PAGED };
    assert.ok(parseConfig({ ...both, target: "eks" }, ["observability"]).ok);
    assert.ok(parseConfig({ ...both, target: "gke" }, ["observability"]).ok);
  });

  it("requires the cloud block of the chosen cloud target", () => {
    issueAt({ target: "eks", environment: "prod" }, "platform:eks.region", /is required for target eks/);
  });

  it("refuses an EKS API endpoint open to the internet in prod, and too few zones, before any resource", () => {
    const eks = { region: "eu-west-1", endpointPublicAccessCidrs: ["0.0.0.0/0"], availabilityZoneCount: 2 };
    issueAt({ target: "eks", environment: "prod", eks }, "platform:eks.endpointPublicAccessCidrs", /^must not contain 0.0.0.0\/0 in prod/);
    issueAt({ target: "eks", environment: "prod", eks }, "platform:eks.availabilityZoneCount", /^must be at least 3 in prod/);
    assert.ok(parseConfig({ target: "eks", environment: "dev", eks: { ...eks, endpointPublicAccessCidrs: ["203.0.113.0/24"] } }).ok);
  });

  it("refuses a GKE control-plane range that is not a /28", () => {
    issueAt({ target: "gke", environment: "prod", gke: { project: "acme-prod-1", region: "europe-west1", masterIpv4CidrBlock: "172.16.0.0/24" } }, "platform:gke.masterIpv4CidrBlock", /^must be a \/28/);
  });

  it("reports several mistakes at once", () => {
    const found = issues({
      target: "docker",
      environment: "dev",
      eks: { region: "eu-west-1" },
      servces: [],
      services: [{ ...service, replicas: 0, image: "nginx:latest", resources: { limits: { cpu: "500", memory: "1G" } } }],
    });
    const keys = found.map((i) => i.key).sort();
    assert.deepEqual(keys, [
      "platform:eks",
      "platform:services[0].image",
      "platform:services[0].replicas",
      "platform:services[0].resources.limits.cpu",
      "platform:services[0].resources.limits.memory",
      "platform:servces",
    ].sort());
  });

  it("refuses two services with the same name", () => {
    issueAt({ ...docker, services: [service, service] }, "platform:services[1].name", /declared twice/);
  });

  it("decodes the CLI's string values: JSON where it parses, text otherwise", () => {
    assert.equal(decodeConfigValue("docker"), "docker");
    assert.equal(decodeConfigValue("true"), true);
    assert.deepEqual(decodeConfigValue('[{"name":"a"}]'), [{ name: "a" }]);
  });

  for (const stack of ["dev", "prod", "onprem"]) {
    it(`accepts the shipped Pulumi.${stack}.yaml`, () => {
      const { config, secretKeys } = readStackConfig(`${__dirname}/..`, stack);
      const raw = Object.fromEntries(Object.entries(config).filter(([k]) => k.startsWith("platform:")).map(([k, v]) => [k.slice(9), decodeConfigValue(v)]));
      const result = parseConfig(raw, secretKeys.map((k) => k.slice(9)));
      assert.ok(result.ok, result.ok ? "" : formatConfigIssues(result.issues));
    });
  }
});
