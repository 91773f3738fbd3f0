/**
 * Children honour the providers a consumer passes to a component: a platform component uses the
 * consumer's provider of its package instead of creating one, and the other components' children
 * inherit `opts.providers` through `parent`.
 *
 * @see https://www.pulumi.com/docs/iac/concepts/options/providers/
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as docker from "@pulumi/docker";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { captureProgram, type CapturedProgram, type CapturedResource } from "../plan/capture";
import { PostgresCluster } from "../components";
import { CertManager, RabbitmqOperators } from "../components/addons";
import { DockerHost } from "../components/docker";
import { K3sCluster } from "../components/k3s";

let program: CapturedProgram;

before(async () => {
  program = await captureProgram(
    () => {
      // Each case gets a component of its own; the consumer's providers are named `consumer-*`.
      const engine = new docker.Provider("consumer-docker", { host: "ssh://build@engine.internal" });
      new DockerHost("by-providers-map", { environment: "dev", networkName: "a" }, { providers: { docker: engine } });
      new DockerHost("by-providers-list", { environment: "dev", networkName: "b" }, { providers: [engine] });
      new DockerHost("by-provider", { environment: "dev", networkName: "c" }, { provider: engine });
      const own = new DockerHost("own", { environment: "dev", networkName: "d" });

      const cluster = new k8s.Provider("consumer-k8s", { kubeconfig: "{}" });
      const k3sByProviders = new K3sCluster("k3s-by-providers", { environment: "dev", kubeconfig: pulumi.secret("") }, { providers: { kubernetes: cluster } });
      const k3sOwn = new K3sCluster("k3s-own", { environment: "dev", kubeconfig: pulumi.secret("{}") });
      for (const [name, k3s] of [["rabbitmq-by-providers", k3sByProviders], ["rabbitmq-own", k3sOwn]] as const) {
        new RabbitmqOperators(name, { platform: k3s.platform, certManager: new CertManager(`${name}-cm`, { platform: k3s.platform }) });
      }

      const passwords = new random.Provider("consumer-random", {});
      new PostgresCluster("db-by-providers", { platform: own.platform }, { providers: { random: passwords } });
      new PostgresCluster("db-own", { platform: own.platform });
    },
    { project: "consumer", stack: "dev" },
  );
});

/** The provider a custom resource uses, as `<package>/<provider name>`, or `default` for the package's default provider. */
function providerOf(r: CapturedResource): string | undefined {
  if (r.provider === undefined) return "default";
  // `urn:pulumi:<stack>::<project>::<parent types>$pulumi:providers:<package>::<name>::<id>`
  const match = /pulumi:providers:([^:]+)::([^:]+)::/.exec(r.provider);
  assert.ok(match, `not a provider reference: ${r.provider}`);
  return `${match[1]}/${match[2]}`;
}

function one(type: string, name: string): CapturedResource {
  const found = program.resources.filter((r) => r.type === type && r.name === name);
  assert.equal(found.length, 1, `expected one ${type} ${name}, found ${found.length}`);
  return found[0];
}

describe("providers passed to components", () => {
  const cases: { what: string; type: string; name: string; provider: string }[] = [
    { what: "DockerHost, providers map", type: "docker:index/network:Network", name: "by-providers-map-network", provider: "docker/consumer-docker" },
    { what: "DockerHost, providers list", type: "docker:index/network:Network", name: "by-providers-list-network", provider: "docker/consumer-docker" },
    { what: "DockerHost, provider", type: "docker:index/network:Network", name: "by-provider-network", provider: "docker/consumer-docker" },
    { what: "DockerHost, none", type: "docker:index/network:Network", name: "own-network", provider: "docker/own-docker" },
    { what: "RabbitmqOperators on a K3sCluster given a provider: no provider from the empty kubeconfig", type: "kubernetes:yaml/v2:ConfigFile", name: "rabbitmq-by-providers-topology-operator", provider: "kubernetes/consumer-k8s" },
    { what: "RabbitmqOperators on a K3sCluster given none: its adopting provider", type: "kubernetes:yaml/v2:ConfigFile", name: "rabbitmq-own-topology-operator", provider: "kubernetes/rabbitmq-own-adopting" },
    { what: "PostgresCluster, providers map", type: "random:index/randomPassword:RandomPassword", name: "db-by-providers-password", provider: "random/consumer-random" },
    { what: "PostgresCluster, none", type: "random:index/randomPassword:RandomPassword", name: "db-own-password", provider: "default" },
  ];
  for (const c of cases) {
    it(`${c.what}: ${c.name} uses ${c.provider}`, () => {
      assert.equal(providerOf(one(c.type, c.name)), c.provider);
    });
  }

  it("creates a platform provider only when the consumer passed none", () => {
    const dockerProviders = program.resources.filter((r) => r.type === "pulumi:providers:docker").map((r) => r.name).sort();
    assert.deepEqual(dockerProviders, ["consumer-docker", "own-docker"]);
    const k8sProviders = program.resources.filter((r) => r.type === "pulumi:providers:kubernetes").map((r) => r.name).sort();
    assert.deepEqual(k8sProviders, ["consumer-k8s", "k3s-own-k8s", "rabbitmq-own-adopting"]);
  });

  it("children of the database on a platform keep the platform's provider, whatever the consumer passed for random", () => {
    const containers = program.resources.filter((r) => r.type === "docker:index/container:Container" && r.name.startsWith("db-by-providers"));
    assert.ok(containers.length > 0, "the database runs containers");
    for (const container of containers) assert.equal(providerOf(container), "docker/own-docker", container.name);
  });

});
