/**
 * The Gateway on Kubernetes under Pulumi's mock runtime: a dev gateway on k3s (self-signed, NodePort),
 * a prod gateway on EKS (ACME HTTP-01) and one with DNS-01 on Route 53, a GKE gateway with CORS,
 * custom rate limits and the Let's Encrypt staging server, and the backend called directly with the Gateway API CRDs.
 * Captured once for the file (the runtime runs one program per process).
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { captureProgram, type CapturedProgram, type CapturedResource } from "../plan/capture";
import { MOCK_SECRET_PREFIX } from "../plan/mocks";
import { CertManager } from "../components/addons";
import { EDGE_LABEL } from "../components/contract";
import { Gateway, resolveGateway, traefikRelease, validateGateway, type GatewayArgs } from "../components/gateway";
import { GatewayApiCrds, gatewayApiRelease } from "../components/addons";
import { deployGatewayToKubernetes, entryPointTimeout, gatewayIdentity, httpsListenerName, meshInboundBypass, middlewareName, route53SolverPolicy, TRAEFIK_ENTRYPOINTS, traefikValues } from "../components/gateway/kubernetes";
import { createPlatform } from "../components/platform";
import type { KubernetesPlatform } from "../components/contract/platform";
import { parseImage } from "../components/shared/image";
import { crdSchemaErrors, crdSkipReason } from "./support/crd-schema";
import { findOne, k8sObject } from "./support/captured";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const GATEWAY = "kubernetes:gateway.networking.k8s.io/v1:Gateway";
const HTTPROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute";
const CERTIFICATE = "kubernetes:cert-manager.io/v1:Certificate";
const ISSUER = "kubernetes:cert-manager.io/v1:ClusterIssuer";
const MIDDLEWARE = "kubernetes:traefik.io/v1alpha1:Middleware";

const devRoutes: GatewayArgs["routes"] = [
  { name: "web", backend: { serviceName: "web", namespace: "apps", port: 80 }, hostname: "web.dev.test" },
  {
    name: "api",
    backend: { serviceName: "api", namespace: "apps", port: 8080, selector: { "app.kubernetes.io/name": "api" } },
    hostname: "web.dev.test",
    pathPrefix: "/api",
    jwt: { issuer: "https://id.dev.test", jwksUri: "https://id.dev.test/.well-known/jwks.json", audiences: ["api"] },
  },
];
const prodRoutes: GatewayArgs["routes"] = [
  { name: "api", backend: { serviceName: "api", namespace: "apps", port: 8080 }, hostname: "api.example.com", timeoutSeconds: 45 },
  { name: "site", backend: { serviceName: "site", namespace: "web", port: 80 }, hostname: "www.example.com" },
];
const corsRoutes: GatewayArgs["routes"] = [
  { name: "public", backend: { serviceName: "public", namespace: "apps", port: 80 }, hostname: "app.example.org", cors: { allowOrigins: ["https://ui.example.org"], allowCredentials: true } },
  { name: "search", backend: { serviceName: "search", namespace: "apps", port: 80 }, hostname: "app.example.org", pathPrefix: "/search", rateLimit: { requests: 5, periodSeconds: 1, burst: 10 } },
];
const acme = { email: "ops@example.com" };

let program: CapturedProgram;
const ofType = (type: string, prefix: string): CapturedResource[] => program.resources.filter((r) => r.type === type && r.name.startsWith(`${prefix}-`));
const one = (type: string, name: string) => findOne(program.resources, type, name);
const values = (gateway: string) => one(RELEASE, `${gateway}-traefik`).inputs.values;
const object = k8sObject;
/** The Middleware a route's HTTPRoute refers to for a role, found by its name in the route's namespace. */
const routeMiddleware = (gateway: string, route: string, role: string): CapturedResource => {
  const httpRoute = one(HTTPROUTE, `${gateway}-${route}-route`).inputs;
  const ref = httpRoute.spec.rules[0].filters.find((f: any) => f.type === "ExtensionRef" && f.extensionRef.name.startsWith(`${gateway}-${role}-`));
  assert.ok(ref, `${gateway}/${route}: no ${role} middleware`);
  const found = program.resources.filter(
    (r) => r.type === MIDDLEWARE && r.inputs.metadata.name === ref.extensionRef.name && r.inputs.metadata.namespace === httpRoute.metadata.namespace,
  );
  assert.equal(found.length, 1, `${gateway}/${route}: one ${ref.extensionRef.name} in ${httpRoute.metadata.namespace}`);
  return found[0];
};
const urnOf = (resource: pulumi.Resource): Promise<string> => new Promise((resolve) => resource.urn.apply(resolve));
let crdsUrn = "";
/** What constructing the gateway's pieces on a default k3s install (bundled Traefik running) threw. */
const onDefaultK3s: { crds?: string; gateway?: string } = {};
const errorOf = (construct: () => unknown): string | undefined => {
  try {
    construct();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
};

before(async () => {
  program = await captureProgram(
    async () => {
      const k3s = createPlatform("k3s", { target: "k3s", k3s: { environment: "dev", kubeconfig: pulumi.secret("kubeconfig"), ingressServiceType: "NodePort", disable: ["traefik", "gateway-api-crd"] } }) as KubernetesPlatform;
      const eks = createPlatform("eks", { target: "eks", eks: { environment: "prod", region: "eu-west-1", endpointPublicAccessCidrs: ["203.0.113.0/24"] } }) as KubernetesPlatform;
      const gke = createPlatform("gke", { target: "gke", gke: { environment: "prod", project: "acme-prod", region: "europe-west1", endpointPublicAccessCidrs: ["203.0.113.0/24"] } }) as KubernetesPlatform;
      const cmK3s = new CertManager("cm-k3s", { platform: k3s });
      const cmEks = new CertManager("cm-eks", { platform: eks });
      const cmGke = new CertManager("cm-gke", { platform: gke });
      const dev = new Gateway("dev", { platform: k3s, addons: { certManager: cmK3s }, namespace: "edge-dev", routes: devRoutes, namespaceLabels: { "istio-injection": "enabled" }, podAnnotations: { "sidecar.istio.io/inject": "true" }, mesh: "istio" });
      const prod = new Gateway("prod", { platform: eks, addons: { certManager: cmEks }, namespace: "edge-prod", routes: prodRoutes, tls: { acme } });
      new Gateway("dns", { platform: eks, addons: { certManager: cmEks }, namespace: "edge-dns", routes: prodRoutes, tls: { acme: { ...acme, solver: "dns01", dnsZone: "Z0123456789ABC" } } });
      new Gateway("cors", { platform: gke, addons: { certManager: cmGke }, namespace: "edge-cors", routes: corsRoutes, tls: { acme: { ...acme, server: "https://acme-staging-v02.api.letsencrypt.org/directory" } } });
      const crds = new GatewayApiCrds("gateway-api", { platform: k3s });
      crdsUrn = await urnOf(crds.ready);
      const defaultK3s: KubernetesPlatform = { ...k3s, disabledComponents: [] };
      onDefaultK3s.crds = errorOf(() => new GatewayApiCrds("refused-crds", { platform: defaultK3s }));
      onDefaultK3s.gateway = errorOf(() => new Gateway("refused", { platform: defaultK3s, addons: { certManager: cmK3s }, namespace: "edge-refused", routes: devRoutes }));
      const parent = new pulumi.ComponentResource("test:index:Parent", "direct");
      deployGatewayToKubernetes("direct", resolveGateway({ namespace: "edge-direct", routes: devRoutes, dependsOn: [crds.ready] }, k3s), k3s, cmK3s, parent);
      return { devAddress: dev.address, prodAddress: prod.address, devUrls: dev.urls, devIdentity: dev.identity };
    },
    { project: "platform", stack: "test" },
  );
});

describe("GatewayApiCrds", () => {
  it("installs the Gateway API v1.6.1 standard channel from the release's manifest", () => {
    const file = one("kubernetes:yaml/v2:ConfigFile", "gateway-api-standard-install");
    assert.equal(file.inputs.file, "https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.6.1/standard-install.yaml");
    assert.equal(gatewayApiRelease.version, "v1.6.1");
    assert.ok(file.provider?.includes("k3s"), "through the cluster's provider");
  });

  it("refuses a k3s cluster that still ships its own Gateway API CRDs or Traefik, before creating anything", () => {
    assert.match(onDefaultK3s.crds ?? "", /^GatewayApiCrds "refused-crds": gateway-api-crds is shipped by k3s's traefik-crd chart .* unless the k3s servers run with --disable=traefik --disable=gateway-api-crd$/);
    assert.match(onDefaultK3s.gateway ?? "", /^Gateway "refused": .*platform.*traefik is shipped by k3s's bundled Traefik, on ports 80 and 443 through ServiceLB; .* --disable=traefik/s);
    assert.deepEqual(program.resources.filter((r) => r.name.startsWith("refused")), []);
  });

  it("makes the gateway's first resources wait for the CRDs it is given", () => {
    for (const r of [one("kubernetes:core/v1:Namespace", "direct-namespace"), one(RELEASE, "direct-traefik-crds"), one(RELEASE, "direct-traefik")]) {
      assert.ok(r.dependencies.includes(crdsUrn), `${r.name} waits for the Gateway API CRDs`);
    }
  });
});

describe("Gateway on Kubernetes: the Traefik release", () => {
  it("installs the pinned Traefik chart without its CRDs, after a traefik-crds release that leaves Gateway API's out", () => {
    const release = one(RELEASE, "prod-traefik");
    const crds = one(RELEASE, "prod-traefik-crds");
    assert.equal(release.inputs.chart, "traefik");
    assert.equal(release.inputs.version, "37.3.0");
    assert.equal(release.inputs.repositoryOpts.repo, "https://traefik.github.io/charts");
    assert.equal(release.inputs.skipCrds, true, "the chart's crds/ folder carries Gateway API v1.4.0 CRDs");
    assert.equal(crds.inputs.chart, "traefik-crds");
    assert.equal(crds.inputs.version, traefikRelease.crdsChart.version);
    assert.deepEqual(crds.inputs.values, { traefik: true, gatewayAPI: false, hub: false });
    assert.ok(release.dependencies.includes(crds.urn));
  });

  it("runs the same pinned Traefik v3 image as the Docker target", () => {
    const image = values("prod").image;
    assert.equal(`${image.repository}:${image.tag}`, traefikRelease.image);
    assert.match(image.tag, /^v3\.\d+\.\d+$/);
    assert.equal(parseImage(traefikRelease.image).tag, image.tag);
  });

  it("serves the Gateway API through the chart's GatewayClass traefik, not the chart's own Gateway, with the CRD provider for middlewares", () => {
    const v = values("prod");
    assert.equal(v.providers.kubernetesGateway.enabled, true);
    assert.equal(v.providers.kubernetesCRD.enabled, true);
    assert.equal(v.providers.kubernetesIngress.enabled, false);
    assert.deepEqual(v.gatewayClass, { enabled: true, name: "traefik" });
    assert.equal(v.gateway.enabled, false);
    assert.equal(one(GATEWAY, "prod-gateway").inputs.spec.gatewayClassName, "traefik");
  });

  it("sends to the Service's ClusterIP only when the backends run in a mesh", () => {
    assert.equal(values("dev").providers.kubernetesGateway.nativeLBByDefault, true);
    assert.equal(values("prod").providers.kubernetesGateway.nativeLBByDefault, false);
  });

  it("gives the edge Service the platform's type and annotations, the edge label and the Local traffic policy", () => {
    const prod = values("prod").service;
    assert.equal(prod.type, "LoadBalancer");
    assert.equal(prod.annotations["service.beta.kubernetes.io/aws-load-balancer-type"], "external");
    assert.deepEqual(prod.labels, { [EDGE_LABEL]: "true" });
    assert.equal(prod.spec.externalTrafficPolicy, "Local", "the rate limit keys on the client's address");
    assert.equal(values("dev").service.type, "NodePort");
  });

  it("fixes the node ports only when the Service is a NodePort", () => {
    assert.equal(values("dev").ports.websecure.nodePort, TRAEFIK_ENTRYPOINTS.websecure.nodePort);
    assert.equal(values("dev").ports.web.nodePort, TRAEFIK_ENTRYPOINTS.web.nodePort);
    assert.equal(values("prod").ports.websecure.nodePort, undefined);
  });

  it("runs two replicas with a disruption budget in prod and one without in dev, with the given pod annotations", () => {
    assert.equal(values("prod").deployment.replicas, 2);
    assert.deepEqual(values("prod").podDisruptionBudget, { enabled: true, maxUnavailable: 1 });
    assert.equal(values("dev").deployment.replicas, 1);
    assert.equal(values("dev").podDisruptionBudget.enabled, false, "a budget over one pod would block every drain");
    assert.deepEqual(values("dev").deployment.podAnnotations, { "sidecar.istio.io/inject": "true", "traffic.sidecar.istio.io/excludeInboundPorts": "9100" });
  });

  it("sets requests and limits, spreads pods over zones and nodes, and runs under the restricted securityContext", () => {
    const v = values("prod");
    assert.deepEqual(v.resources, { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } });
    assert.deepEqual(v.topologySpreadConstraints.map((c: { topologyKey: string }) => c.topologyKey), ["topology.kubernetes.io/zone", "kubernetes.io/hostname"]);
    assert.deepEqual(v.topologySpreadConstraints[0].labelSelector.matchLabels, { "app.kubernetes.io/name": "traefik", "app.kubernetes.io/instance": "traefik-edge-prod" });
    assert.equal(v.podSecurityContext.runAsNonRoot, true);
    assert.equal(v.podSecurityContext.seccompProfile.type, "RuntimeDefault");
    assert.deepEqual(v.securityContext.capabilities, { drop: ["ALL"] });
    assert.equal(v.securityContext.readOnlyRootFilesystem, true);
    assert.equal(v.securityContext.allowPrivilegeEscalation, false);
  });

  it("exports Prometheus metrics on an unexposed entryPoint and writes JSON access logs, with no dashboard", () => {
    const v = values("prod");
    assert.equal(v.metrics.prometheus.entryPoint, "metrics");
    assert.deepEqual(v.logs.access, { enabled: true, format: "json" });
    assert.equal(v.api.dashboard, false);
  });

  it("bounds request time on the HTTPS entryPoint by the longest route timeout, as Traefik v3.6 ignores HTTPRoute timeouts", () => {
    assert.equal(values("prod").ports.websecure.transport.respondingTimeouts.writeTimeout, "45s");
    assert.equal(values("dev").ports.websecure.transport.respondingTimeouts.readTimeout, "30s");
    assert.equal(entryPointTimeout({ routes: [] }, 30), "30s");
  });

  it("creates its namespace under the restricted Pod Security Standard, with the extra labels", () => {
    const labels = one("kubernetes:core/v1:Namespace", "dev-namespace").inputs.metadata.labels;
    assert.equal(labels["pod-security.kubernetes.io/enforce"], "restricted");
    assert.equal(labels["istio-injection"], "enabled");
    assert.equal(one(RELEASE, "dev-traefik").inputs.namespace, "edge-dev");
  });
});

describe("Gateway on Kubernetes: listeners and certificates", () => {
  it("listens for HTTP on the web entryPoint and for HTTPS per hostname on websecure, each with its certificate", () => {
    const listeners = one(GATEWAY, "prod-gateway").inputs.spec.listeners;
    const v = values("prod");
    assert.deepEqual(listeners.map((l: { name: string }) => l.name), ["http", "https-api-example-com", "https-www-example-com"]);
    assert.equal(listeners[0].protocol, "HTTP");
    assert.equal(listeners[0].port, v.ports.web.port, "a listener's port is Traefik's entryPoint port");
    const certificates = ofType(CERTIFICATE, "prod");
    for (const [i, hostname] of ["api.example.com", "www.example.com"].entries()) {
      const listener = listeners[i + 1];
      assert.equal(listener.protocol, "HTTPS");
      assert.equal(listener.port, v.ports.websecure.port);
      assert.equal(listener.hostname, hostname);
      assert.equal(listener.tls.mode, "Terminate");
      const certificate = certificates.find((c) => c.inputs.spec.dnsNames.includes(hostname))!;
      assert.equal(certificate.inputs.metadata.namespace, "edge-prod");
      assert.deepEqual(listener.tls.certificateRefs, [{ kind: "Secret", name: certificate.inputs.spec.secretName }]);
    }
    assert.equal(certificates.length, 2);
  });

  it("accepts routes on HTTPS listeners only from the backends' namespaces", () => {
    const https = one(GATEWAY, "prod-gateway").inputs.spec.listeners[1];
    assert.deepEqual(https.allowedRoutes.namespaces.selector.matchExpressions[0].values, ["apps", "web"]);
    assert.equal(one(GATEWAY, "prod-gateway").inputs.spec.listeners[0].allowedRoutes.namespaces.from, "Same");
  });

  it("shares one listener and certificate between routes on the same hostname", () => {
    assert.equal(one(GATEWAY, "dev-gateway").inputs.spec.listeners.length, 2);
    assert.equal(ofType(CERTIFICATE, "dev").length, 1);
  });

  it("signs dev certificates with the platform's internal CA issuer", () => {
    const certificate = ofType(CERTIFICATE, "dev")[0];
    assert.deepEqual(certificate.inputs.spec.issuerRef, { group: "cert-manager.io", kind: "ClusterIssuer", name: "cm-k3s-ca" });
    assert.equal(ofType(ISSUER, "dev").length, 0);
  });

  it("signs prod certificates with an ACME issuer that has the email and Let's Encrypt's directory and solves HTTP-01 through the http listener", () => {
    const issuer = one(ISSUER, "prod-acme");
    assert.equal(issuer.inputs.spec.acme.email, "ops@example.com");
    assert.equal(issuer.inputs.spec.acme.server, "https://acme-v02.api.letsencrypt.org/directory");
    assert.equal(issuer.inputs.spec.acme.privateKeySecretRef.name, "prod-acme-account-key");
    assert.deepEqual(issuer.inputs.spec.acme.solvers.map((s: any) => s.http01.gatewayHTTPRoute.parentRefs), [
      [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "prod", namespace: "edge-prod", sectionName: "http" }],
    ]);
    for (const certificate of ofType(CERTIFICATE, "prod")) assert.equal(certificate.inputs.spec.issuerRef.name, "prod-acme");
  });

  it("solves DNS-01 on EKS with Route 53 through a role that trusts a token cert-manager may mint", () => {
    const solver = one(ISSUER, "dns-acme").inputs.spec.acme.solvers[0].dns01.route53;
    assert.equal(solver.hostedZoneID, "Z0123456789ABC");
    assert.deepEqual(solver.auth, { kubernetes: { serviceAccountRef: { name: "dns-acme-dns" } } });
    const role = one("aws:iam/role:Role", "dns-acme-dns");
    assert.equal(solver.role, `arn:aws:iam::123456789012:role/${role.name}`);
    const trust = JSON.parse(role.inputs.assumeRolePolicy);
    assert.ok(Object.values(trust.Statement[0].Condition.StringEquals).includes("system:serviceaccount:cert-manager:dns-acme-dns"));
    assert.equal(one("aws:iam/rolePolicy:RolePolicy", "dns-acme-dns").inputs.policy, route53SolverPolicy("Z0123456789ABC"));
    const rbac = one("kubernetes:rbac.authorization.k8s.io/v1:Role", "dns-acme-dns-token").inputs.rules[0];
    assert.deepEqual([rbac.resources, rbac.resourceNames, rbac.verbs], [["serviceaccounts/token"], ["dns-acme-dns"], ["create"]]);
    const binding = one("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "dns-acme-dns-token").inputs;
    assert.deepEqual(binding.subjects, [{ kind: "ServiceAccount", name: "cert-manager", namespace: "cert-manager" }]);
  });

  it("uses the given ACME server, and keeps the HTTP-01 solver's pod out of the mesh behind a ClusterIP Service", () => {
    const spec = one(ISSUER, "cors-acme").inputs.spec.acme;
    assert.equal(spec.server, "https://acme-staging-v02.api.letsencrypt.org/directory");
    const route = spec.solvers[0].http01.gatewayHTTPRoute;
    assert.equal(route.serviceType, "ClusterIP", "no NodePort for the solver");
    assert.equal(route.podTemplate.metadata.labels["sidecar.istio.io/inject"], "false");
    assert.equal(route.podTemplate.metadata.annotations["linkerd.io/inject"], "disabled");
  });

  it("refuses DNS-01 where it is not wired: GKE and k3s", () => {
    for (const flavour of ["gke", "k3s"] as const) {
      const problems = validateGateway({ tls: { issuer: "acme", acme: { ...acme, solver: "dns01", dnsZone: "zone" } } }, { environment: "prod", flavour });
      assert.ok(problems.some((p) => p.path.join(".") === "tls.acme.solver"), flavour);
    }
  });

  it("keeps TLS 1.2 as the minimum with a default TLSOption in the gateway's namespace", () => {
    const option = one("kubernetes:traefik.io/v1alpha1:TLSOption", "prod-tls-option").inputs;
    assert.equal(option.metadata.name, "default");
    assert.equal(option.metadata.namespace, "edge-prod");
    assert.equal(option.spec.minVersion, "VersionTLS12");
  });
});

describe("Gateway on Kubernetes: routes", () => {
  it("answers HTTP only with a 301 redirect to HTTPS", () => {
    const route = one(HTTPROUTE, "prod-https-redirect").inputs;
    assert.equal(route.metadata.name, "prod-https-redirect");
    assert.equal(route.spec.parentRefs[0].sectionName, "http");
    const filters = route.spec.rules.flatMap((rule: { filters: unknown[]; backendRefs?: unknown[] }) => {
      assert.equal(rule.backendRefs, undefined, "the redirect forwards nothing");
      return rule.filters;
    });
    assert.deepEqual(filters, [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }]);
  });

  it("attaches each route in its backend's namespace to its hostname's listener, with its middlewares next to it", () => {
    const listeners = one(GATEWAY, "prod-gateway").inputs.spec.listeners;
    for (const route of prodRoutes!) {
      const httpRoute = one(HTTPROUTE, `prod-${route.name}-route`).inputs;
      assert.equal(httpRoute.metadata.namespace, route.backend.namespace);
      const parent = httpRoute.spec.parentRefs[0];
      assert.equal(parent.namespace, "edge-prod");
      assert.equal(listeners.find((l: { name: string }) => l.name === parent.sectionName).hostname, route.hostname);
      const rule = httpRoute.spec.rules[0];
      assert.deepEqual(rule.matches, [{ path: { type: "PathPrefix", value: "/" } }]);
      assert.deepEqual(rule.backendRefs, [{ group: "", kind: "Service", name: route.backend.serviceName, port: route.backend.port }]);
      const names = rule.filters.map((f: { type: string; extensionRef: { group: string; kind: string; name: string } }) => {
        assert.equal(f.type, "ExtensionRef");
        assert.equal(f.extensionRef.group, "traefik.io");
        assert.equal(f.extensionRef.kind, "Middleware");
        return f.extensionRef.name;
      });
      assert.deepEqual(
        names.map((n: string) => n.replace(/-[0-9a-f]{8}$/, "")),
        ["prod-rate-limit", "prod-security-headers", "prod-body-limit"],
      );
      for (const role of ["rate-limit", "security-headers", "body-limit"]) assert.ok(routeMiddleware("prod", route.name, role), `${route.name}: ${role} exists in its namespace`);
    }
  });

  it("limits each client to 100 requests per 10 seconds by default", () => {
    assert.deepEqual(routeMiddleware("prod", "api", "rate-limit").inputs.spec, { rateLimit: { average: 100, period: "10s", burst: 100 } });
  });

  it("shares one Middleware between the routes of a namespace with the same policy, and keeps different ones apart", () => {
    const devWeb = routeMiddleware("dev", "web", "rate-limit");
    assert.equal(routeMiddleware("dev", "api", "rate-limit"), devWeb, "web and api have the same limit in apps");
    assert.notEqual(routeMiddleware("cors", "search", "rate-limit"), routeMiddleware("cors", "public", "rate-limit"));
    assert.notEqual(routeMiddleware("cors", "search", "security-headers"), routeMiddleware("cors", "public", "security-headers"), "CORS differs");
    assert.equal(middlewareName("g", "rate-limit", { rateLimit: { average: 1 } }), middlewareName("g", "rate-limit", { rateLimit: { average: 1 } }));
    assert.notEqual(middlewareName("g", "rate-limit", { rateLimit: { average: 1 } }), middlewareName("g", "rate-limit", { rateLimit: { average: 2 } }));
  });

  it("applies a route's own rate limit and CORS settings", () => {
    assert.deepEqual(routeMiddleware("cors", "search", "rate-limit").inputs.spec.rateLimit, { average: 5, period: "1s", burst: 10 });
    const headers = routeMiddleware("cors", "public", "security-headers").inputs.spec.headers;
    assert.deepEqual(headers.accessControlAllowOriginList, ["https://ui.example.org"]);
    assert.equal(headers.accessControlAllowCredentials, true);
    assert.equal(routeMiddleware("cors", "search", "security-headers").inputs.spec.headers.accessControlAllowOriginList, undefined, "CORS stays off where not asked for");
    assert.equal(one(HTTPROUTE, "cors-search-route").inputs.spec.rules[0].matches[0].path.value, "/search");
  });

  it("writes Middlewares and TLSOptions that Traefik's CRD schema accepts", async () => {
    // The package is ESM-only.
    const { Middleware, TLSOption } = await import("@kubernetes-models/traefik/traefik.io/v1alpha1");
    const objects = program.resources.filter((r) => r.type.startsWith("kubernetes:traefik.io/"));
    assert.ok(objects.length >= 20);
    for (const r of objects) {
      const model = r.inputs.kind === "Middleware" ? new Middleware(object(r) as never) : new TLSOption(object(r) as never);
      assert.doesNotThrow(() => model.validate(), r.name);
    }
  });

  it("writes Gateway API and cert-manager objects that match the upstream CRDs", { skip: crdSkipReason() ?? false }, () => {
    const objects = program.resources.filter((r) => /^kubernetes:(gateway\.networking\.k8s\.io|cert-manager\.io)\//.test(r.type));
    assert.ok(objects.length >= 25);
    for (const r of objects) assert.deepEqual(crdSchemaErrors(object(r)), [], r.name);
  });
});

describe("Gateway on Kubernetes: ordering, outputs and secrets", () => {
  it("makes each custom resource wait for the release that installs its CRDs", () => {
    const traefik = one(RELEASE, "prod-traefik").urn;
    const traefikCrds = one(RELEASE, "prod-traefik-crds").urn;
    const certManager = one(RELEASE, "cm-eks-release").urn;
    for (const r of [one(GATEWAY, "prod-gateway"), one(HTTPROUTE, "prod-https-redirect"), one(HTTPROUTE, "prod-api-route")]) assert.ok(r.dependencies.includes(traefik), r.name);
    for (const r of [...ofType(MIDDLEWARE, "prod"), one("kubernetes:traefik.io/v1alpha1:TLSOption", "prod-tls-option")]) assert.ok(r.dependencies.includes(traefikCrds), r.name);
    for (const r of [...ofType(CERTIFICATE, "prod"), one(ISSUER, "prod-acme")]) assert.ok(r.dependencies.includes(certManager), r.name);
  });

  it("creates every Kubernetes object through the platform's provider", () => {
    for (const [prefix, platform] of [["dev", "k3s"], ["prod", "eks"], ["dns", "eks"], ["cors", "gke"]]) {
      const provider = one("pulumi:providers:kubernetes", `${platform}-k8s`).urn;
      const objects = program.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:") && r.name.startsWith(`${prefix}-`));
      assert.ok(objects.length >= 8, prefix);
      for (const r of objects) assert.ok(r.provider?.startsWith(`${provider}::`), `${r.name} has provider ${r.provider}`);
    }
  });

  it("reports the Service's cluster DNS name where no load balancer address is known, HTTPS on 443 and the traefik identity", () => {
    assert.equal(program.outputs.devAddress, "traefik.edge-dev.svc.cluster.local");
    assert.deepEqual(program.outputs.devUrls, { web: "https://web.dev.test/", api: "https://web.dev.test/api" });
    assert.deepEqual(program.outputs.devIdentity, { namespace: "edge-dev", serviceAccount: "traefik" });
    assert.deepEqual(gatewayIdentity("edge-dev"), program.outputs.devIdentity);
  });

  it("writes no secret in plaintext", () => {
    for (const r of program.resources) assert.ok(!JSON.stringify(r.redactedInputs).includes(MOCK_SECRET_PREFIX), `${r.type} ${r.name}`);
    assert.ok(!JSON.stringify(program.outputs).includes(MOCK_SECRET_PREFIX));
  });
});

describe("Gateway in the Istio mesh", () => {
  const filters = (route: string) => one(HTTPROUTE, route).inputs.spec.rules[0].filters as { type: string; urlRewrite?: { hostname: string } }[];

  it("rewrites Host to the Service's cluster name when the mesh is Istio, so the sidecar sends mTLS", () => {
    assert.deepEqual(filters("dev-web-route").find((f) => f.type === "URLRewrite"), { type: "URLRewrite", urlRewrite: { hostname: "web.apps.svc.cluster.local" } });
    assert.equal(filters("prod-api-route").find((f) => f.type === "URLRewrite"), undefined, "without a mesh the public Host is kept");
  });

  it("verifies a route's JWT in the backend's sidecar: a RequestAuthentication and a deny-without-principal policy on its pods", () => {
    const authn = one("kubernetes:security.istio.io/v1:RequestAuthentication", "dev-api-jwt-authn").inputs;
    assert.equal(authn.metadata.namespace, "apps");
    assert.deepEqual(authn.spec.selector.matchLabels, { "app.kubernetes.io/name": "api" });
    assert.equal(authn.spec.jwtRules[0].issuer, "https://id.dev.test");
    assert.equal(authn.spec.jwtRules[0].jwksUri, "https://id.dev.test/.well-known/jwks.json");
    const authz = one("kubernetes:security.istio.io/v1:AuthorizationPolicy", "dev-api-jwt-authz").inputs;
    assert.equal(authz.spec.action, "DENY");
    assert.deepEqual(authz.spec.rules[0].from[0].source.notRequestPrincipals, ["*"]);
    assert.equal(program.resources.filter((r) => r.name === "dev-web-jwt-authn").length, 0, "routes without jwt get none");
  });

  it("keeps the JWT policies valid against the pinned Istio CRDs", { skip: crdSkipReason() }, () => {
    for (const r of program.resources.filter((x) => x.type.startsWith("kubernetes:security.istio.io/"))) assert.deepEqual(crdSchemaErrors(object(r)), [], r.name);
  });
});

describe("Gateway in the Linkerd mesh", () => {
  it("keeps its public ports out of Linkerd's proxy so the rate limit sees client addresses", () => {
    assert.deepEqual(meshInboundBypass({ mesh: "linkerd" }), { "config.linkerd.io/skip-inbound-ports": "8000,8443" });
    assert.deepEqual(meshInboundBypass({}), {});
  });

  it("leaves only the metrics port out of Istio's capture, so Prometheus's PodMonitor can scrape it", () => {
    assert.deepEqual(meshInboundBypass({ mesh: "istio" }), { "traffic.sidecar.istio.io/excludeInboundPorts": "9100" });
  });

  it("sends a span per request to the collector when tracing is on, and none otherwise", () => {
    const base = resolveGateway({ namespace: "gateway", routes: [] }, { flavour: "k3s", environment: "dev" } as any);
    assert.equal((traefikValues(base, { ingress: { serviceType: "LoadBalancer", serviceAnnotations: {} } } as any) as any).tracing, undefined);
    const traced = traefikValues({ ...base, tracing: { otlpGrpcEndpoint: "otel-collector.monitoring.svc.cluster.local:4317" } }, { ingress: { serviceType: "LoadBalancer", serviceAnnotations: {} } } as any) as any;
    assert.deepEqual(traced.tracing.otlp, { enabled: true, grpc: { enabled: true, endpoint: "otel-collector.monitoring.svc.cluster.local:4317", insecure: true } });
    assert.equal(traced.tracing.sampleRate, 1);
  });

  it("strips a client's Linkerd destination override on every route", () => {
    for (const r of program.resources.filter((x) => x.type === "kubernetes:traefik.io/v1alpha1:Middleware" && x.name.endsWith("-security-headers"))) {
      assert.equal(r.inputs.spec.headers.customRequestHeaders["l5d-dst-override"], "", r.name);
    }
  });
});

describe("listener names", () => {
  it("derive from the hostname alone, so another hostname never renames a listener or re-issues its certificate", () => {
    const one = httpsListenerName({ hostnames: ["b.example.com"] }, "b.example.com");
    assert.equal(httpsListenerName({ hostnames: ["a.example.com", "b.example.com"] }, "b.example.com"), one);
    assert.equal(one, "https-b-example-com");
  });

  it("stay DNS labels of at most 63 characters for long hostnames, and distinct", () => {
    const long = `${"x".repeat(60)}.example.com`;
    const other = `${"x".repeat(60)}.example.org`;
    const name = httpsListenerName({ hostnames: [long] }, long);
    assert.ok(name.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name), name);
    assert.notEqual(name, httpsListenerName({ hostnames: [other] }, other));
  });

  it("tell a wildcard from the host named wildcard, short and long, each a DNS label", () => {
    const long = `${"w".repeat(50)}.example.com`;
    const pairs = [
      ["*.example.com", "wildcard.example.com"],
      [`*.${long}`, `wildcard.${long}`],
    ];
    for (const [wildcard, host] of pairs) {
      const names = [wildcard, host].map((h) => httpsListenerName({ hostnames: [wildcard, host] }, h));
      assert.notEqual(names[0], names[1], wildcard);
      for (const name of names) assert.ok(name.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name), name);
    }
    assert.equal(httpsListenerName({ hostnames: ["*.example.com"] }, "*.example.com"), "wildcard-https-example-com");
  });
});
