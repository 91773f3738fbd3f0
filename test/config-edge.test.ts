/**
 * The `gateway` and `mesh` blocks of the stack config, and the services' `mesh` and `canary`
 * settings: every bad input the edge refuses, named by its key path, before any resource exists.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatConfigIssues, meshProvider, parseConfig, type ConfigIssue } from "../stacks/config";

import { PAGED } from "./support/config-fixtures";
const docker = { target: "docker", environment: "dev" };
const eks = { target: "eks", environment: "prod", eks: { region: "eu-west-1", endpointPublicAccessCidrs: ["203.0.113.0/24"] }, ...PAGED };
// Postgres is off so the k3s stacks need no backup bucket; the edge is what is under test.
const k3s = { target: "k3s", environment: "prod", kubeconfig: "apiVersion: v1", k3s: { disable: ["traefik", "gateway-api-crd"] }, postgres: { enabled: false }, ...PAGED };
const k3sDev = { ...k3s, environment: "dev" };
const api = { name: "api", image: "ghcr.io/stefanprodan/podinfo:6.9.2", port: 9898 };
const worker = { name: "worker", image: "ghcr.io/stefanprodan/podinfo:6.9.2", port: 9898 };

function parse(raw: Record<string, unknown>) {
  return parseConfig(raw, ["kubeconfig", "observability"].filter((key) => raw[key] !== undefined));
}

function issues(raw: Record<string, unknown>): ConfigIssue[] {
  const result = parse(raw);
  assert.equal(result.ok, false, "expected the config to be refused");
  return result.ok ? [] : result.issues;
}

function issueAt(raw: Record<string, unknown>, key: string, message: RegExp) {
  const found = issues(raw);
  const match = found.find((i) => i.key === key);
  assert.ok(match, `no issue at ${key}; got:\n${formatConfigIssues(found)}`);
  assert.match(match.message, message);
}

function accepted(raw: Record<string, unknown>) {
  const result = parse(raw);
  assert.ok(result.ok, result.ok ? "" : formatConfigIssues(result.issues));
  return result.config;
}

describe("gateway and mesh config", () => {
  it("accepts a full edge: ACME on EKS, routes with overrides, CORS, JWT with Istio, a canary and callers", () => {
    accepted({
      ...eks,
      services: [{ ...api, canary: { image: "ghcr.io/stefanprodan/podinfo:6.9.3", weights: { stable: 90, canary: 10 } } }, { ...worker, mesh: { allowedCallers: ["api"], retries: { attempts: 3 } } }],
      gateway: {
        tls: { issuer: "acme", acme: { email: "ops@example.com", solver: "http01" } },
        defaults: { rateLimit: { requests: 50, periodSeconds: 5 } },
        routes: [{ service: "api", hostname: "api.example.com", cors: { allowOrigins: ["https://app.example.com"] }, jwt: { issuer: "https://id.example.com", jwksUri: "https://id.example.com/jwks.json" } }],
      },
      mesh: { istio: { replicas: 2 }, mtls: "STRICT" },
    });
  });

  it("chooses the mesh by its settings block: Istio by default on Kubernetes, Linkerd when asked, none on Docker unless asked", () => {
    assert.equal(meshProvider(accepted({ ...k3s })), "istio");
    assert.equal(meshProvider(accepted({ ...k3s, mesh: { linkerd: {} } })), "linkerd");
    assert.equal(meshProvider(accepted({ ...k3s, mesh: { enabled: false } })), undefined);
    assert.equal(meshProvider(accepted({ ...docker })), undefined);
  });

  it("refuses Istio and Linkerd selected together", () => {
    issueAt({ ...k3s, mesh: { istio: {}, linkerd: {} } }, "platform:mesh", /both istio and linkerd/);
  });

  it("refuses PERMISSIVE mTLS in prod but accepts it in dev", () => {
    issueAt({ ...k3s, mesh: { mtls: "PERMISSIVE" } }, "platform:mesh.mtls", /must be STRICT in prod/);
    accepted({ ...k3sDev, mesh: { mtls: "PERMISSIVE" } });
  });

  it("refuses canary weights that do not sum to 100, naming the service's weights", () => {
    issueAt({ ...k3s, services: [{ ...api, canary: { image: "ghcr.io/stefanprodan/podinfo:6.9.3", weights: { stable: 90, canary: 20 } } }] }, "platform:services[0].canary.weights", /sum to 100 .*= 110/);
    issueAt({ ...k3s, services: [{ ...api, canary: { image: "ghcr.io/stefanprodan/podinfo:6.9.3", weights: { stable: 101, canary: -1 } } }] }, "platform:services[0].canary.weights", /whole percentages/);
  });

  it("refuses a canary without a mesh, and an unpinned canary image", () => {
    issueAt({ ...docker, services: [{ ...api, canary: { image: "ghcr.io/stefanprodan/podinfo:6.9.3", weights: { stable: 90, canary: 10 } } }] }, "platform:services[0].canary", /needs the service mesh/);
    issueAt({ ...k3s, services: [{ ...api, canary: { image: "ghcr.io/stefanprodan/podinfo:latest", weights: { stable: 90, canary: 10 } } }] }, "platform:services[0].canary.image", /latest/);
  });

  it("refuses a route to a service that does not exist, listing the declared ones", () => {
    issueAt({ ...k3s, services: [api], gateway: { routes: [{ service: "ghost", hostname: "ghost.example.com" }] } }, "platform:gateway.routes[0].service", /"ghost" is not a declared service \(declared: api\)/);
  });

  it("refuses a caller that is not a declared service", () => {
    issueAt({ ...k3s, services: [{ ...api, mesh: { allowedCallers: ["ghost"] } }] }, "platform:services[0].mesh.allowedCallers[0]", /"ghost" is not a service in the mesh/);
  });

  it("refuses hostnames that are not DNS names", () => {
    for (const hostname of ["api_v1.example.com", "localhost", "-api.example.com", "API.example.com", "*.*.example.com", "a.*.example.com", "*", "a..example.com"]) {
      issueAt({ ...k3s, gateway: { routes: [{ service: "podinfo", hostname }] } }, "platform:gateway.routes[0].hostname", /not a valid DNS hostname/);
    }
  });

  it("refuses the ACME issuer without an email, and ACME on Docker", () => {
    issueAt({ ...eks, gateway: { tls: { issuer: "acme" } } }, "platform:gateway.tls.acme.email", /required for the ACME issuer/);
    issueAt({ ...eks, gateway: { tls: { issuer: "acme", acme: { email: "not-an-email" } } } }, "platform:gateway.tls.acme.email", /not an email address/);
    issueAt({ ...docker, gateway: { tls: { issuer: "acme", acme: { email: "ops@example.com" } } } }, "platform:gateway.tls.issuer", /self-signed" on docker/);
  });

  it("defaults prod on a cloud to ACME, so a prod EKS gateway without an email is refused", () => {
    issueAt({ ...eks, gateway: {} }, "platform:gateway.tls.acme.email", /required/);
    accepted({ ...k3s, gateway: {} });
  });

  it("refuses a rate limit of zero or below, in the defaults and on a route", () => {
    issueAt({ ...k3s, gateway: { defaults: { rateLimit: { requests: 0 } } } }, "platform:gateway.defaults.rateLimit.requests", /≥ 1 \(got 0\)/);
    issueAt({ ...k3s, gateway: { routes: [{ service: "podinfo", hostname: "a.example.com", rateLimit: { requests: -5 } }] } }, "platform:gateway.routes[0].rateLimit.requests", /got -5/);
    issueAt({ ...k3s, gateway: { routes: [{ service: "podinfo", hostname: "a.example.com", rateLimit: { periodSeconds: 0 } }] } }, "platform:gateway.routes[0].rateLimit.periodSeconds", /seconds ≥ 1/);
  });

  it("refuses the mesh on Docker", () => {
    issueAt({ ...docker, mesh: { enabled: true } }, "platform:mesh.enabled", /not available on docker/);
    issueAt({ ...docker, mesh: { istio: {} } }, "platform:mesh.enabled", /not available on docker/);
    accepted({ ...docker, mesh: { enabled: false } });
  });

  it("refuses JWT on a route without the Istio mesh", () => {
    const jwt = { issuer: "https://id.example.com", jwksUri: "https://id.example.com/jwks.json" };
    issueAt({ ...k3s, mesh: { linkerd: {} }, gateway: { routes: [{ service: "podinfo", hostname: "a.example.com", jwt }] } }, "platform:gateway.routes[0].jwt", /needs the Istio mesh/);
    issueAt({ ...k3s, gateway: { routes: [{ service: "podinfo", hostname: "a.example.com", jwt: { ...jwt, jwksUri: "http://id.example.com/jwks" } }] } }, "platform:gateway.routes[0].jwt.jwksUri", /https:\/\//);
  });

  it("refuses CORS that browsers would reject and unknown keys, with a hint", () => {
    issueAt({ ...k3s, gateway: { routes: [{ service: "podinfo", hostname: "a.example.com", cors: { allowOrigins: ["*"], allowCredentials: true } }] } }, "platform:gateway.routes[0].cors.allowOrigins", /allowCredentials/);
    issueAt({ ...k3s, gateway: { routes: [{ service: "podinfo", hostname: "a.example.com", ratelimit: {} }] } }, "platform:gateway.routes[0].ratelimit", /did you mean `rateLimit`/);
  });

  it("refuses two routes for the same host and path", () => {
    issueAt(
      { ...k3s, services: [api, worker], gateway: { routes: [{ service: "api", hostname: "a.example.com" }, { service: "worker", hostname: "a.example.com" }] } },
      "platform:gateway.routes[1].pathPrefix",
      /already routed/,
    );
  });

  it("reports every problem at once", () => {
    const found = issues({ ...k3s, mesh: { istio: {}, linkerd: {}, mtls: "PERMISSIVE" }, gateway: { routes: [{ service: "ghost", hostname: "bad_host" }] } });
    const keys = found.map((i) => i.key);
    for (const key of ["platform:mesh", "platform:gateway.routes[0].service", "platform:gateway.routes[0].hostname"]) assert.ok(keys.includes(key), `${key} missing from ${keys.join(", ")}`);
  });
});

describe("edge config that would only fail at pulumi up", () => {
  it("refuses a services namespace the platform uses itself", () => {
    for (const namespace of ["gateway", "istio-system", "linkerd", "cert-manager", "data"]) {
      issueAt({ ...k3s, namespace }, "platform:namespace", /used by the platform itself/);
    }
  });

  it("refuses path prefixes the HTTPRoute CRD rejects", () => {
    for (const pathPrefix of ["/a b", "//x", "/a/../b", "/x%2Fy", "/a#b", "/a/."]) {
      issueAt({ ...k3s, gateway: { routes: [{ service: "podinfo", hostname: "a.example.com", pathPrefix }] } }, "platform:gateway.routes[0].pathPrefix", /must not|may contain only/);
    }
    accepted({ ...k3s, gateway: { routes: [{ service: "podinfo", hostname: "a.example.com", pathPrefix: "/api/v1.2/~user" }] } });
  });

  it("refuses a negative HSTS age, preload without the list's requirements, and an empty CORS method list", () => {
    issueAt({ ...k3s, gateway: { hsts: { maxAgeSeconds: -5 } } }, "platform:gateway.hsts.maxAgeSeconds", /≥ 0/);
    issueAt({ ...k3s, gateway: { hsts: { preload: true, maxAgeSeconds: 600 } } }, "platform:gateway.hsts.preload", /31536000/);
    issueAt(
      { ...k3s, gateway: { routes: [{ service: "podinfo", hostname: "a.example.com", cors: { allowOrigins: ["https://a.example.com"], allowMethods: [] } }] } },
      "platform:gateway.routes[0].cors.allowMethods",
      /at least one method/,
    );
  });

  it("names the `service` key when a service gets two routes", () => {
    issueAt(
      { ...k3s, gateway: { routes: [{ service: "podinfo", hostname: "a.example.com" }, { service: "podinfo", hostname: "b.example.com" }] } },
      "platform:gateway.routes[1].service",
      /declared twice: one route per service/,
    );
  });

  it("refuses DNS-01 outside EKS", () => {
    issueAt({ ...k3s, gateway: { tls: { issuer: "acme", acme: { email: "ops@example.com", solver: "dns01", dnsZone: "z" } } } }, "platform:gateway.tls.acme.solver", /eks \(Route 53\) only/);
  });
});

describe("what a k3s cluster ships (k3s.disable)", () => {
  const on = (disable: string[], extra: Record<string, unknown> = {}) => ({ ...k3s, k3s: { disable }, ...extra });
  const autoscaled = { services: [{ ...api, autoscaling: { minReplicas: 2, maxReplicas: 4 } }] };
  const cases: [string, Record<string, unknown>, RegExp | undefined][] = [
    ["a default install under the gateway", on([]), /^must list "traefik" and "gateway-api-crd", or the platform's traefik and gateway-api-crds collide .*`pulumi config set --path 'platform:k3s.disable\[0\]' traefik && pulumi config set --path 'platform:k3s.disable\[1\]' gateway-api-crd`$/],
    ["Traefik disabled but k3s 1.37's Gateway API CRDs kept", on(["traefik"]), /^must list "gateway-api-crd", .*`pulumi config set --path 'platform:k3s.disable\[1\]' gateway-api-crd`$/],
    ["a default install without the gateway (the platform still installs the Gateway API CRDs)", on([], { gateway: { enabled: false } }), /^must list "traefik" and "gateway-api-crd", or the platform's gateway-api-crds collide/],
    ["both disabled", on(["traefik", "gateway-api-crd"]), undefined],
    ["autoscaling without metrics-server", on(["traefik", "gateway-api-crd", "metrics-server"], autoscaled), /^lists "metrics-server", but services\[\]\.autoscaling needs the resource metrics API/],
    ["autoscaling with metrics-server", on(["traefik", "gateway-api-crd"], autoscaled), undefined],
    ["local-path without its provisioner", on(["traefik", "gateway-api-crd", "local-storage"]), /^lists "local-storage", but the `local-path` StorageClass/],
    ["another StorageClass without the local-path provisioner", { ...on(["traefik", "gateway-api-crd", "local-storage"]), k3s: { disable: ["traefik", "gateway-api-crd", "local-storage"], storageClass: "longhorn" } }, undefined],
  ];
  for (const [name, raw, message] of cases) {
    it(`${message ? "refuses" : "accepts"} ${name}`, () => {
      if (!message) return void accepted(raw);
      issueAt(raw, "platform:k3s.disable", message);
    });
  }
});

describe("message queue config", () => {
  it("accepts RabbitMQ with queues and a dead-letter target, and NATS", () => {
    accepted({ ...k3s, messageQueue: { queues: [{ name: "jobs", deadLetter: "jobs-dlq", maxLength: 10000 }, { name: "jobs-dlq" }, { name: "urgent", maxPriority: 10 }] } });
    accepted({ ...k3s, messageQueue: { broker: "nats" } });
  });

  it("refuses an unknown broker, naming it", () => {
    issueAt({ ...k3s, messageQueue: { broker: "kafka" } }, "platform:messageQueue.broker", /rabbitmq \| nats \(got "kafka"\)/);
  });

  it("refuses a dead-letter target that is not declared", () => {
    issueAt({ ...k3s, messageQueue: { queues: [{ name: "jobs", deadLetter: "nowhere" }] } }, "platform:messageQueue.queues[0].deadLetter", /"nowhere" is not a declared queue/);
  });

  it("refuses an even number of broker nodes in prod, and one", () => {
    issueAt({ ...k3s, messageQueue: { replicas: 4 } }, "platform:messageQueue.replicas", /odd and at least 3 in prod/);
    issueAt({ ...k3s, messageQueue: { replicas: 1 } }, "platform:messageQueue.replicas", /odd and at least 3 in prod/);
    accepted({ ...k3sDev, messageQueue: { replicas: 2 } });
  });

  it("refuses a managed broker on docker and k3s", () => {
    issueAt({ target: "docker", environment: "dev", messageQueue: { mode: "managed" } }, "platform:messageQueue.mode", /managed needs eks/);
    issueAt({ ...k3s, messageQueue: { mode: "managed" } }, "platform:messageQueue.mode", /managed needs eks/);
  });

  it("refuses a gateway route to a worker", () => {
    issueAt({ ...k3s, services: [{ ...api, worker: true }], gateway: { routes: [{ service: "api", hostname: "api.example.com" }] } }, "platform:services[0].worker", /is a worker/);
  });
});
