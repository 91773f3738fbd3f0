/**
 * The Istio backend of ServiceMesh under Pulumi's mock runtime: a dev mesh on k3s, a prod mesh on
 * EKS, an empty mesh on Docker and the JWT policies a route needs, captured once for the file. Every
 * Istio object is validated against the upstream Istio 1.30.3 CRDs.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { captureProgram, type CapturedProgram, type CapturedResource } from "../plan/capture";
import { MOCK_SECRET_PREFIX } from "../plan/mocks";
import { ServiceMesh, TRACK_LABEL, resolveMesh, type ServiceMeshArgs } from "../components/mesh";
import {
  ISTIO_CNI_NAMESPACE,
  ISTIO_ROOT_NAMESPACE,
  authorizationPolicy,
  createIstioJwtPolicies,
  istioChart,
  istioCniValues,
  istioJwtPolicies,
  istiodValues,
  pathsUnder,
  virtualService,
} from "../components/mesh/istio";
import { createPlatform } from "../components/platform";
import type { KubernetesPlatform } from "../components/contract/platform";
import { crdSchemaErrors, crdSkipReason } from "./support/crd-schema";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const gateway = { namespace: "gateway", serviceAccount: "traefik" };
const apiSelector = { "app.kubernetes.io/name": "api", "app.kubernetes.io/instance": "api" };
const prodServices: ServiceMeshArgs["services"] = [
  {
    name: "api",
    namespace: "apps",
    port: 80,
    selector: apiSelector,
    canary: { weights: { stable: 90, canary: 10 } },
    retries: { attempts: 3, perTryTimeoutSeconds: 1.5, retryOn: ["5xx", "gateway-error"] },
    timeoutSeconds: 5,
  },
  {
    name: "orders",
    namespace: "apps",
    port: 8080,
    selector: { "app.kubernetes.io/name": "orders", "app.kubernetes.io/instance": "orders" },
    allowedCallers: ["api"],
    circuitBreaker: { maxConnections: 100, maxPendingRequests: 10, consecutive5xxErrors: 3, intervalSeconds: 5, baseEjectionTimeSeconds: 60, maxEjectionPercent: 30 },
  },
  { name: "billing", namespace: "apps", port: 80, selector: { "app.kubernetes.io/name": "billing", "app.kubernetes.io/instance": "billing" } },
];

let program: CapturedProgram;
let devMesh: ServiceMesh;
let prodMesh: ServiceMesh;
const warnings: string[] = [];

const ofType = (type: string, name?: string): CapturedResource[] => program.resources.filter((r) => r.type === type && (name === undefined || r.name === name));
const one = (type: string, name: string): CapturedResource => {
  const found = ofType(type, name);
  assert.equal(found.length, 1, `expected one ${type} named ${name}`);
  return found[0];
};
const istioObjects = (): CapturedResource[] => program.resources.filter((r) => /^kubernetes:(networking|security)\.istio\.io\//.test(r.type));
const urnOf = (resource: pulumi.Resource): Promise<string> => new Promise((resolve) => resource.urn.apply(resolve));

before(async () => {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => void warnings.push(args.join(" "));
  try {
    program = await captureProgram(
      () => {
        const k3s = createPlatform("dev", { target: "k3s", k3s: { environment: "dev", kubeconfig: pulumi.secret("kubeconfig") } }) as KubernetesPlatform;
        const eks = createPlatform("prod", { target: "eks", eks: { environment: "prod", region: "eu-west-1", endpointPublicAccessCidrs: ["203.0.113.0/24"] } });
        const local = createPlatform("local", { target: "docker", docker: { environment: "dev" } });
        devMesh = new ServiceMesh("mesh-dev", { platform: k3s, gateway, services: [{ name: "web", namespace: "apps", port: 80, selector: { "app.kubernetes.io/name": "web" } }] });
        prodMesh = new ServiceMesh("mesh-prod", { platform: eks, gateway, services: prodServices, defaults: { timeoutSeconds: 8 } });
        new ServiceMesh("mesh-local", { platform: local, services: [{ name: "web", namespace: "apps", port: 80, selector: {} }] });
        createIstioJwtPolicies(
          "route-api",
          { name: "api", namespace: "apps", selector: apiSelector, pathPrefix: "/v1/", jwt: { issuer: "https://id.example.com/", jwksUri: "https://id.example.com/.well-known/jwks.json", audiences: ["api"] } },
          k3s.provider,
          devMesh,
          devMesh.enrollment.ready,
        );
      },
      { project: "platform", stack: "test" },
    );
  } finally {
    console.warn = warn;
  }
});

describe("Istio control plane", () => {
  it("pins base, cni and istiod to Istio 1.30.3 from the official chart repository, with matching image tags", () => {
    assert.equal(istioChart.version, "1.30.3", "the tests' CRDs are istio/api 1.30.3; bump both together");
    for (const mesh of ["mesh-dev", "mesh-prod"]) {
      for (const [role, chart] of [["base", "base"], ["cni", "cni"], ["istiod", "istiod"]]) {
        const release = one(RELEASE, `${mesh}-${role}`);
        assert.equal(release.inputs.chart, chart);
        assert.equal(release.inputs.version, "1.30.3");
        assert.equal(release.inputs.repositoryOpts.repo, "https://istio-release.storage.googleapis.com/charts");
        if (role !== "base") assert.equal(release.inputs.values.global.tag, "1.30.3", `${role} images are pinned, not the chart source's "latest"`);
      }
    }
  });

  it("installs the CRDs first, then the CNI node agent, then istiod", () => {
    for (const mesh of ["mesh-dev", "mesh-prod"]) {
      const base = one(RELEASE, `${mesh}-base`);
      const cni = one(RELEASE, `${mesh}-cni`);
      const istiod = one(RELEASE, `${mesh}-istiod`);
      assert.equal(base.inputs.values.defaultRevision, "default");
      assert.ok(cni.dependencies.includes(base.urn));
      assert.ok(istiod.dependencies.includes(base.urn) && istiod.dependencies.includes(cni.urn), "istiod must not inject before the CNI agent is there");
    }
  });

  it("runs istiod in istio-system and the CNI node agent in kube-system, where system-node-critical pods are allowed", () => {
    assert.equal(one(RELEASE, "mesh-prod-base").inputs.namespace, ISTIO_ROOT_NAMESPACE);
    assert.equal(one(RELEASE, "mesh-prod-base").inputs.createNamespace, true);
    assert.equal(one(RELEASE, "mesh-prod-istiod").inputs.namespace, "istio-system");
    assert.equal(one(RELEASE, "mesh-prod-cni").inputs.namespace, ISTIO_CNI_NAMESPACE);
    assert.equal(one(RELEASE, "mesh-prod-cni").inputs.namespace, "kube-system");
    assert.notEqual(one(RELEASE, "mesh-prod-cni").inputs.createNamespace, true, "kube-system is never created by the release");
  });

  it("tells istiod to leave traffic redirection to the CNI agent, so injected pods need no privileged istio-init", () => {
    for (const mesh of ["mesh-dev", "mesh-prod"]) assert.deepEqual(one(RELEASE, `${mesh}-istiod`).inputs.values.cni, { enabled: true });
  });

  it("points the CNI agent at k3s's own CNI directories on k3s, uses the GKE profile on GKE and the chart defaults on EKS", () => {
    const dev = one(RELEASE, "mesh-dev-cni").inputs.values;
    assert.equal(dev.cniConfDir, "/var/lib/rancher/k3s/agent/etc/cni/net.d");
    assert.equal(dev.cniBinDir, "/var/lib/rancher/k3s/data/current/bin/");
    const prod = one(RELEASE, "mesh-prod-cni").inputs.values;
    assert.equal(prod.cniConfDir, undefined);
    assert.equal(prod.cniBinDir, undefined);
    assert.equal(prod.global.platform, undefined, "the chart has no EKS platform profile and fails on an unknown one");
    assert.equal((istioCniValues("gke") as any).global.platform, "gke");
  });

  it("runs two istiod replicas with a PodDisruptionBudget in prod, and one without in dev", () => {
    const prod = one(RELEASE, "mesh-prod-istiod").inputs.values;
    const dev = one(RELEASE, "mesh-dev-istiod").inputs.values;
    assert.equal(prod.replicaCount, 2);
    assert.equal(prod.autoscaleEnabled, false, "the chart ignores replicaCount while autoscaling");
    assert.equal(prod.global.defaultPodDisruptionBudget.enabled, true);
    assert.equal(prod.topologySpreadConstraints.length, 1);
    assert.equal(dev.replicaCount, 1);
    assert.equal(dev.global.defaultPodDisruptionBudget.enabled, false, "a PDB with minAvailable 1 over one pod blocks every drain");
    assert.deepEqual(dev.topologySpreadConstraints, []);
  });

  it("sets CPU and memory requests and limits on istiod, the CNI agent and every injected sidecar", () => {
    const complete = (r: any) => r.requests.cpu && r.requests.memory && r.limits.cpu && r.limits.memory;
    for (const env of ["dev", "prod"] as const) {
      const values = istiodValues(1, env) as any;
      assert.ok(complete(values.resources), `istiod ${env}`);
      assert.ok(complete(values.global.proxy.resources), `sidecar ${env}`);
    }
    assert.ok(complete((istioCniValues("eks") as any).resources));
  });

  it("samples the traces sidecars start at the gateway's rate (all of them), and sets no sampling without tracing", () => {
    const tracing = { otlpService: "otel-collector.monitoring.svc.cluster.local", otlpPort: 4317 };
    // istiod's chart takes a percentage (default 1.0); Traefik's sampleRate 1 is a share.
    assert.equal((istiodValues(1, "prod", tracing) as any).traceSampling, 100);
    assert.equal((istiodValues(1, "prod") as any).traceSampling, undefined);
  });

  it("writes proxy access logs to stdout and keeps Istio's default outbound traffic policy", () => {
    const meshConfig = one(RELEASE, "mesh-prod-istiod").inputs.values.meshConfig;
    assert.equal(meshConfig.accessLogFile, "/dev/stdout");
    assert.equal(meshConfig.outboundTrafficPolicy, undefined);
  });

  it("creates every Kubernetes object with the platform's provider explicitly", () => {
    const k8sObjects = program.resources.filter((r) => r.type === RELEASE || /\.istio\.io\//.test(r.type));
    assert.ok(k8sObjects.length > 0);
    for (const r of k8sObjects) assert.match(r.provider ?? "", /kubernetes::/, `${r.name} has no explicit provider`);
  });
});

describe("Istio traffic and security policies", () => {
  it("enforces STRICT mTLS mesh-wide with the PeerAuthentication named default in istio-system", () => {
    for (const mesh of ["mesh-dev", "mesh-prod"]) {
      const peer = one("kubernetes:security.istio.io/v1:PeerAuthentication", `${mesh}-peer-authentication`);
      assert.deepEqual(peer.inputs.metadata, { name: "default", namespace: "istio-system" });
      assert.deepEqual(peer.inputs.spec, { mtls: { mode: "STRICT" } });
    }
  });

  it("gives each service a DestinationRule with Istio mTLS, its connection-pool limits and outlier detection", () => {
    const orders = one("kubernetes:networking.istio.io/v1:DestinationRule", "mesh-prod-orders-destination-rule").inputs;
    assert.deepEqual(orders.metadata, { name: "orders", namespace: "apps" });
    assert.equal(orders.spec.host, "orders.apps.svc.cluster.local");
    assert.deepEqual(orders.spec.trafficPolicy, {
      tls: { mode: "ISTIO_MUTUAL" },
      connectionPool: { tcp: { maxConnections: 100 }, http: { http1MaxPendingRequests: 10 } },
      outlierDetection: { consecutive5xxErrors: 3, interval: "5s", baseEjectionTime: "60s", maxEjectionPercent: 30 },
    });
    const billing = one("kubernetes:networking.istio.io/v1:DestinationRule", "mesh-prod-billing-destination-rule").inputs;
    assert.deepEqual(billing.spec.trafficPolicy.outlierDetection, { consecutive5xxErrors: 5, interval: "10s", baseEjectionTime: "30s", maxEjectionPercent: 50 }, "the defaults apply");
  });

  it("splits canary traffic 90/10 between stable and canary subsets selected by the track label", () => {
    const rule = one("kubernetes:networking.istio.io/v1:DestinationRule", "mesh-prod-api-destination-rule").inputs;
    assert.deepEqual(rule.spec.subsets, [
      { name: "stable", labels: { [TRACK_LABEL]: "stable" } },
      { name: "canary", labels: { [TRACK_LABEL]: "canary" } },
    ]);
    const routes = one("kubernetes:networking.istio.io/v1:VirtualService", "mesh-prod-api-virtual-service").inputs.spec.http[0].route;
    assert.deepEqual(
      routes.map((r: any) => [r.destination.subset, r.weight]),
      [["stable", 90], ["canary", 10]],
    );
    assert.ok(routes.every((r: any) => r.destination.host === "api.apps.svc.cluster.local" && r.destination.port.number === 80));
  });

  it("keeps weights summing to 100 on every split route, and sends all traffic to the host without subsets when there is no canary", () => {
    for (const vs of ofType("kubernetes:networking.istio.io/v1:VirtualService")) {
      for (const http of vs.inputs.spec.http) {
        const weights = http.route.map((r: any) => r.weight).filter((w: unknown) => w !== undefined);
        if (http.route.length > 1) assert.equal(weights.reduce((a: number, b: number) => a + b, 0), 100, vs.name);
      }
    }
    const billing = one("kubernetes:networking.istio.io/v1:VirtualService", "mesh-prod-billing-virtual-service").inputs.spec.http[0].route;
    assert.deepEqual(billing, [{ destination: { host: "billing.apps.svc.cluster.local", port: { number: 80 } } }]);
    assert.equal(one("kubernetes:networking.istio.io/v1:DestinationRule", "mesh-prod-billing-destination-rule").inputs.spec.subsets, undefined);
  });

  it("sets the request timeout and retries with backoff, joining the retry conditions with commas", () => {
    const api = one("kubernetes:networking.istio.io/v1:VirtualService", "mesh-prod-api-virtual-service").inputs.spec;
    assert.deepEqual(api.hosts, ["api.apps.svc.cluster.local"]);
    assert.equal(api.http[0].timeout, "5s");
    assert.deepEqual(api.http[0].retries, { attempts: 3, perTryTimeout: "1.5s", retryOn: "5xx,gateway-error", backoff: "100ms" });
    const billing = one("kubernetes:networking.istio.io/v1:VirtualService", "mesh-prod-billing-virtual-service").inputs.spec.http[0];
    assert.equal(billing.timeout, "8s", "the mesh-wide default timeout applies");
    assert.deepEqual(billing.retries, { attempts: 2, perTryTimeout: "2s", retryOn: "5xx,reset,connect-failure,refused-stream", backoff: "100ms" });
  });

  it("turns retries off with zero attempts instead of sending conditions Envoy would never use", () => {
    const [service] = resolveMesh({ services: [{ name: "a", namespace: "apps", port: 80, selector: {}, retries: { attempts: 0 } }] }, { environment: "dev" }).services;
    assert.deepEqual((virtualService(service).spec as any).http[0].retries, { attempts: 0 });
  });

  it("admits only the gateway's ServiceAccount and the declared callers", () => {
    const orders = one("kubernetes:security.istio.io/v1:AuthorizationPolicy", "mesh-prod-orders-authorization-policy").inputs;
    assert.deepEqual(orders.metadata, { name: "orders", namespace: "apps" });
    assert.deepEqual(orders.spec.selector, { matchLabels: { "app.kubernetes.io/name": "orders", "app.kubernetes.io/instance": "orders" } });
    assert.equal(orders.spec.action, "ALLOW");
    assert.deepEqual(orders.spec.rules, [{ from: [{ source: { principals: ["cluster.local/ns/gateway/sa/traefik", "cluster.local/ns/apps/sa/api"] } }] }]);
    const api = one("kubernetes:security.istio.io/v1:AuthorizationPolicy", "mesh-prod-api-authorization-policy").inputs;
    assert.deepEqual(api.spec.rules[0].from[0].source.principals, ["cluster.local/ns/gateway/sa/traefik"]);
  });

  it("admits Prometheus to every service when the mesh is given its identity, after the gateway", () => {
    const [service] = resolveMesh({ services: [{ name: "a", namespace: "apps", port: 80, selector: { app: "a" } }] }, { environment: "prod" }).services;
    const policy = authorizationPolicy(service, { namespace: "gateway", serviceAccount: "traefik" }, { namespace: "monitoring", serviceAccount: "kube-prometheus-stack-prometheus" });
    assert.deepEqual((policy.spec as any).rules[0].from[0].source.principals, ["cluster.local/ns/gateway/sa/traefik", "cluster.local/ns/monitoring/sa/kube-prometheus-stack-prometheus"]);
  });

  it("denies every caller of a service when the mesh has no gateway and the service no callers", () => {
    const [service] = resolveMesh({ services: [{ name: "a", namespace: "apps", port: 80, selector: { app: "a" } }] }, { environment: "dev" }).services;
    const policy = authorizationPolicy(service, undefined);
    assert.equal(policy.spec.action, "ALLOW");
    assert.equal(policy.spec.rules, undefined, "an ALLOW policy without rules matches nothing: deny-all for the selected pods");
  });

  it("makes every Istio object wait for the CRDs and istiod", () => {
    for (const mesh of ["mesh-dev", "mesh-prod"]) {
      const base = one(RELEASE, `${mesh}-base`).urn;
      const istiod = one(RELEASE, `${mesh}-istiod`).urn;
      const objects = istioObjects().filter((r) => r.name.startsWith(`${mesh}-`));
      assert.equal(objects.length, mesh === "mesh-dev" ? 4 : 10, "a PeerAuthentication and three objects per service");
      for (const r of objects) assert.ok(r.dependencies.includes(base) && r.dependencies.includes(istiod), r.name);
    }
  });

  it("writes Istio objects that match the upstream Istio 1.30.3 CRDs", { skip: crdSkipReason() ?? false }, () => {
    const objects = istioObjects();
    assert.equal(objects.length, 16);
    for (const r of objects) assert.deepEqual(crdSchemaErrors({ ...r.inputs } as any), [], r.name);
    const [service] = resolveMesh({ services: [{ name: "a", namespace: "apps", port: 80, selector: { app: "a" }, retries: { attempts: 0 } }] }, { environment: "dev" }).services;
    for (const object of [authorizationPolicy(service, undefined), virtualService(service)]) assert.deepEqual(crdSchemaErrors(object as any), [], object.kind);
  });
});

describe("Istio enrolment", () => {
  it("enrols namespaces with the istio-injection label and no annotations", () => {
    assert.deepEqual(prodMesh.enrollment.namespaceLabels, { "istio-injection": "enabled" });
    assert.deepEqual(prodMesh.enrollment.namespaceAnnotations, {});
    assert.equal(prodMesh.provider, "istio");
  });

  it("meshes the gateway's outbound calls while its public inbound traffic bypasses the sidecar", () => {
    assert.deepEqual(devMesh.enrollment.gatewayPodAnnotations, { "sidecar.istio.io/inject": "true", "traffic.sidecar.istio.io/includeInboundPorts": "" });
  });

  it("tells workloads to wait for istiod and the CNI agent", async () => {
    const ready = await Promise.all(prodMesh.enrollment.ready.map(urnOf));
    assert.deepEqual(ready.sort(), [one(RELEASE, "mesh-prod-cni").urn, one(RELEASE, "mesh-prod-istiod").urn].sort());
  });
});

describe("ServiceMesh on Docker", () => {
  it("creates no resource besides the component itself", () => {
    const component = one("platform:index:ServiceMesh", "mesh-local");
    assert.deepEqual(program.resources.filter((r) => r.parent === component.urn), []);
    assert.equal(program.resources.filter((r) => r.name.startsWith("mesh-local")).length, 1);
  });

  it("logs a warning that Docker has no mesh, so the gap shows in the plan", () => {
    assert.ok(
      warnings.some((w) => w.includes('ServiceMesh "mesh-local"') && /Docker has no service mesh/.test(w)),
      `warnings seen: ${JSON.stringify(warnings)}`,
    );
  });
});

describe("JWT on routes through Istio", () => {
  const route = { name: "api", namespace: "apps", selector: apiSelector, pathPrefix: "/v1", jwt: { issuer: "https://id.example.com/", jwksUri: "https://id.example.com/.well-known/jwks.json" } };

  it("verifies tokens with a RequestAuthentication that does not forward the token to the app", () => {
    const [authn] = istioJwtPolicies(route);
    assert.equal(authn.kind, "RequestAuthentication");
    assert.deepEqual(authn.metadata, { name: "api-jwt", namespace: "apps" });
    assert.deepEqual(authn.spec, {
      selector: { matchLabels: apiSelector },
      jwtRules: [{ issuer: "https://id.example.com/", jwksUri: "https://id.example.com/.well-known/jwks.json", forwardOriginalToken: false }],
    });
    assert.deepEqual((istioJwtPolicies({ ...route, jwt: { ...route.jwt, audiences: ["api"] } })[0].spec as any).jwtRules[0].audiences, ["api"]);
  });

  it("denies requests without a valid token under the route's path prefix only", () => {
    const [, authz] = istioJwtPolicies(route);
    assert.equal(authz.kind, "AuthorizationPolicy");
    assert.deepEqual(authz.spec, {
      selector: { matchLabels: apiSelector },
      action: "DENY",
      rules: [{ from: [{ source: { notRequestPrincipals: ["*"] } }], to: [{ operation: { paths: ["/v1", "/v1/*"] } }] }],
    });
  });

  it("covers the whole site when the prefix is / and ignores a trailing slash", () => {
    assert.deepEqual(pathsUnder("/"), ["/*"]);
    assert.deepEqual(pathsUnder("/v1/"), ["/v1", "/v1/*"]);
  });

  it("creates both policies as custom resources after the mesh is ready, in the backend's namespace", () => {
    const istiod = one(RELEASE, "mesh-dev-istiod").urn;
    const cni = one(RELEASE, "mesh-dev-cni").urn;
    const authn = one("kubernetes:security.istio.io/v1:RequestAuthentication", "route-api-jwt-authn");
    const authz = one("kubernetes:security.istio.io/v1:AuthorizationPolicy", "route-api-jwt-authz");
    for (const r of [authn, authz]) {
      assert.equal(r.inputs.metadata.namespace, "apps");
      assert.ok(r.dependencies.includes(istiod) && r.dependencies.includes(cni), r.name);
    }
    assert.deepEqual(authz.inputs.spec.rules[0].to[0].operation.paths, ["/v1", "/v1/*"]);
  });
});

describe("secrets", () => {
  it("never puts a secret value in plaintext in any input", () => {
    for (const r of program.resources) assert.ok(!JSON.stringify(r.redactedInputs).includes(MOCK_SECRET_PREFIX), r.name);
  });
});
