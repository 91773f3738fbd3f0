/**
 * ServiceMesh's Linkerd backend under Pulumi's mock runtime: one program builds a dev mesh on k3s
 * (no gateway) and prod meshes on GKE and EKS (with the gateway), each with a canary service `web`
 * (80/20) and a service `api` that `web` may call. The pure functions are tested directly.
 *
 * Linkerd's own CRDs are not among the pinned upstream CRDs, so its objects' shapes are asserted
 * field by field (against the `linkerd-crds` chart's v1beta3 Server and v1alpha1
 * MeshTLSAuthentication/AuthorizationPolicy); the HTTPRoutes are validated against Gateway API.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { captureProgram, type CapturedProgram, type CapturedResource } from "../plan/capture";
import { MOCK_SECRET_PREFIX } from "../plan/mocks";
import { SECRET_PLACEHOLDER } from "../plan/wire";
import { createPlatform, type KubernetesPlatform } from "../components/platform";
import { ServiceMesh, TRACK_LABEL, resolveMesh, type MeshServiceArgs } from "../components/mesh";
import {
  IDENTITY_ISSUER_SECRET,
  allowedIdentities,
  cniHostPaths,
  defaultInboundPolicy,
  failureAccrualAnnotations,
  linkerdCertificates,
  linkerdCharts,
  linkerdControlPlaneValues,
  linkerdIdentity,
  linkerdRetryConditions,
  linkerdRouteAnnotations,
  linkerdServiceObjects,
} from "../components/mesh/linkerd";
import { crdSchemaErrors, crdSkipReason } from "./support/crd-schema";
import { schemaErrors, unknownFields } from "./support/k8s-schema";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const SERVER = "kubernetes:policy.linkerd.io/v1beta3:Server";
const AUTHN = "kubernetes:policy.linkerd.io/v1alpha1:MeshTLSAuthentication";
const AUTHZ = "kubernetes:policy.linkerd.io/v1alpha1:AuthorizationPolicy";
const ROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute";
const SERVICE = "kubernetes:core/v1:Service";

const selector = (name: string) => ({ "app.kubernetes.io/name": name, "app.kubernetes.io/instance": name });
const services: MeshServiceArgs[] = [
  { name: "web", namespace: "apps", port: 80, selector: selector("web"), canary: { weights: { stable: 80, canary: 20 } } },
  { name: "api", namespace: "apps", port: 8080, selector: selector("api"), allowedCallers: ["web"], retries: { attempts: 3 }, timeoutSeconds: 5 },
];
const gateway = { namespace: "gateway", serviceAccount: "traefik" };

let program: CapturedProgram;
const enrollments: Record<string, ServiceMesh["enrollment"]> = {};
const named = (name: string): CapturedResource => {
  const found = program.resources.filter((r) => r.name === name);
  assert.equal(found.length, 1, `expected one resource named ${name}`);
  return found[0];
};
const ofType = (type: string, prefix: string) => program.resources.filter((r) => r.type === type && r.name.startsWith(`${prefix}-`));

before(async () => {
  program = await captureProgram(
    () => {
      const k3s = createPlatform("lab", { target: "k3s", k3s: { environment: "dev", kubeconfig: pulumi.secret("kubeconfig") } }) as KubernetesPlatform;
      const gke = createPlatform("gcp", { target: "gke", gke: { environment: "prod", project: "acme-prod", region: "europe-west1" } }) as KubernetesPlatform;
      const eks = createPlatform("aws", { target: "eks", eks: { environment: "prod", region: "eu-west-1", endpointPublicAccessCidrs: ["203.0.113.0/24"] } }) as KubernetesPlatform;
      enrollments.dev = new ServiceMesh("dev", { platform: k3s, provider: "linkerd", services }).enrollment;
      enrollments.gke = new ServiceMesh("gke", { platform: gke, provider: "linkerd", services, gateway }).enrollment;
      enrollments.eks = new ServiceMesh("eks", { platform: eks, provider: "linkerd", services, gateway }).enrollment;
    },
    { project: "platform", stack: "test" },
  );
});

describe("Linkerd charts", () => {
  it("installs the CRDs, the CNI plugin and the control plane from one pinned edge release", () => {
    for (const mesh of ["dev", "gke", "eks"]) {
      const releases = ofType(RELEASE, mesh);
      assert.deepEqual(releases.map((r) => r.inputs.chart).sort(), ["linkerd-control-plane", "linkerd-crds", "linkerd2-cni"]);
      for (const r of releases) {
        assert.equal(r.inputs.version, linkerdCharts.version);
        assert.equal(r.inputs.repositoryOpts.repo, "https://helm.linkerd.io/edge");
      }
    }
    assert.match(linkerdCharts.version, /^20\d\d\.\d{1,2}\.\d+$/, "edge charts are versioned by date, never a floating tag");
  });

  it("leaves the Gateway API CRDs to their own installation", () => {
    assert.deepEqual(named("dev-linkerd-crds").inputs.values, { installGatewayAPI: false });
  });

  it("starts the control plane only after the CRDs, the CNI plugin and the issuer Secret exist", () => {
    const controlPlane = named("gke-linkerd-control-plane");
    for (const before of ["gke-linkerd-crds", "gke-linkerd-cni", "gke-identity-issuer"]) assert.ok(controlPlane.dependencies.includes(named(before).urn), before);
    assert.equal(controlPlane.inputs.namespace, "linkerd");
    assert.equal(named("gke-linkerd-cni").inputs.namespace, "linkerd-cni");
  });

  it("runs the control plane with CNI, so injected pods need no NET_ADMIN and the namespace can be restricted", () => {
    for (const mesh of ["dev", "gke", "eks"]) assert.equal(named(`${mesh}-linkerd-control-plane`).inputs.values.cniEnabled, true);
    assert.equal(named("dev-linkerd-namespace").inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
    assert.equal(named("dev-linkerd-cni-namespace").inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "privileged");
  });

  it("points the CNI plugin at each distribution's CNI directories", () => {
    assert.equal(named("gke-linkerd-cni").inputs.values.destCNIBinDir, "/home/kubernetes/bin");
    assert.equal(named("dev-linkerd-cni").inputs.values.destCNINetDir, "/var/lib/rancher/k3s/agent/etc/cni/net.d");
    assert.deepEqual(cniHostPaths("eks"), { destCNINetDir: "/etc/cni/net.d", destCNIBinDir: "/opt/cni/bin" });
  });

  it("runs an HA control plane in prod and a single replica without PodDisruptionBudgets in dev", () => {
    const prod = named("eks-linkerd-control-plane").inputs.values;
    const dev = named("dev-linkerd-control-plane").inputs.values;
    assert.equal(prod.controllerReplicas, 2);
    assert.equal(prod.enablePodDisruptionBudget, true);
    assert.equal(prod.enablePodAntiAffinity, true);
    assert.equal(prod.controller.podDisruptionBudget.maxUnavailable, 1);
    assert.equal(prod.webhookFailurePolicy, "Fail", "HA refuses to start pods the injector could not mesh");
    assert.equal(dev.controllerReplicas, 1);
    assert.equal(dev.enablePodDisruptionBudget, false, "a PDB over one pod would block every drain");
    assert.equal(dev.webhookFailurePolicy, "Ignore");
  });

  it("sets requests and limits on every control-plane container and every injected proxy", () => {
    const values = linkerdControlPlaneValues({ mtls: "STRICT", replicas: 2 }, "pem") as any;
    for (const r of [values.proxy.resources, values.policyController.resources, values.destinationResources, values.identityResources, values.proxyInjectorResources, values.spValidatorResources, values.heartbeatResources]) {
      assert.ok(r.cpu.request && r.cpu.limit && r.memory.request && r.memory.limit);
    }
    const cni = named("dev-linkerd-cni").inputs.values.resources;
    assert.ok(cni.cpu.request && cni.cpu.limit && cni.memory.request && cni.memory.limit);
  });

  it("refuses plain text from unmeshed clients when mTLS is STRICT", () => {
    assert.equal(named("gke-linkerd-control-plane").inputs.values.proxy.defaultInboundPolicy, "all-authenticated");
    assert.equal(defaultInboundPolicy("STRICT"), "all-authenticated");
    assert.equal(defaultInboundPolicy("PERMISSIVE"), "all-unauthenticated");
  });
});

describe("Linkerd identity", () => {
  it("creates an ECDSA P-256 trust anchor and an issuer signed by it", () => {
    for (const key of ["eks-trust-anchor-key", "eks-issuer-key"]) assert.deepEqual([named(key).inputs.algorithm, named(key).inputs.ecdsaCurve], ["ECDSA", "P256"]);
    const anchor = named("eks-trust-anchor");
    const issuer = named("eks-issuer");
    assert.equal(anchor.inputs.isCaCertificate, true);
    assert.equal(anchor.inputs.subject.commonName, "root.linkerd.cluster.local");
    assert.equal(anchor.inputs.validityPeriodHours, 87600);
    assert.deepEqual(anchor.inputs.allowedUses, ["cert_signing", "crl_signing"]);
    assert.equal(issuer.inputs.isCaCertificate, true);
    assert.equal(issuer.inputs.validityPeriodHours, 8760);
    assert.ok(issuer.inputs.earlyRenewalHours < issuer.inputs.validityPeriodHours);
    assert.deepEqual(issuer.inputs.allowedUses, ["cert_signing", "crl_signing"]);
    assert.equal(named("eks-issuer-csr").inputs.subject.commonName, "identity.linkerd.cluster.local");
    assert.match(issuer.inputs.caCertPem, /MOCK-SELF-SIGNED-eks-trust-anchor/, "the issuer is signed by this mesh's anchor");
    assert.equal(issuer.inputs.caPrivateKeyPem, `${MOCK_SECRET_PREFIX}eks-trust-anchor-key-private-key`);
    assert.equal(issuer.redactedInputs.caPrivateKeyPem, SECRET_PLACEHOLDER);
    assert.ok(issuer.dependencies.includes(anchor.urn));
  });

  it("gives the chart the public trust anchor and the issuer only through a kubernetes.io/tls Secret", () => {
    const values = named("gke-linkerd-control-plane").inputs.values;
    assert.match(values.identityTrustAnchorsPEM, /MOCK-SELF-SIGNED-gke-trust-anchor/);
    assert.deepEqual(values.identity, { externalCA: false, issuer: { scheme: "kubernetes.io/tls" } });
    assert.equal(JSON.stringify(values).includes("keyPEM"), false, "the issuer key is not a Helm value");
    const secret = named("gke-identity-issuer");
    assert.equal(secret.inputs.metadata.name, IDENTITY_ISSUER_SECRET);
    assert.equal(secret.inputs.metadata.namespace, "linkerd");
    assert.equal(secret.inputs.type, "kubernetes.io/tls");
    assert.equal(secret.inputs.stringData["tls.key"], `${MOCK_SECRET_PREFIX}gke-issuer-key-private-key`);
    assert.match(secret.inputs.stringData["tls.crt"], /MOCK-SIGNED-gke-issuer/);
    assert.match(secret.inputs.stringData["ca.crt"], /MOCK-SELF-SIGNED-gke-trust-anchor/);
    assert.equal(secret.redactedInputs.stringData, SECRET_PLACEHOLDER);
  });

  it("never writes a private key in plain text into any resource's inputs", () => {
    const linkerd = program.resources.filter((r) => /^(dev|gke|eks)-/.test(r.name));
    assert.ok(linkerd.some((r) => JSON.stringify(r.inputs).includes(MOCK_SECRET_PREFIX)), "the check would see a leak");
    for (const r of linkerd) assert.ok(!JSON.stringify(r.redactedInputs).includes(MOCK_SECRET_PREFIX), `${r.type} ${r.name} leaks a secret`);
  });

  it("names mesh identities after the ServiceAccount, namespace and trust domain", () => {
    assert.equal(linkerdIdentity("apps", "web"), "web.apps.serviceaccount.identity.linkerd.cluster.local");
    assert.equal(linkerdCertificates.issuer.commonName, "identity.linkerd.cluster.local");
  });
});

describe("Linkerd per-service policy", () => {
  it("guards each service's http port with a Server that denies what is not authorized", () => {
    const server = named("gke-apps-api-server");
    assert.equal(server.type, SERVER);
    assert.deepEqual(server.inputs.metadata, { name: "api", namespace: "apps" });
    assert.deepEqual(server.inputs.spec, { podSelector: { matchLabels: selector("api") }, port: "http", accessPolicy: "deny" });
    assert.ok(server.dependencies.includes(named("gke-linkerd-crds").urn), "waits for the policy CRDs");
    for (const policy of [server, named("gke-apps-api-authn"), named("gke-apps-api-authz")]) {
      assert.ok(policy.dependencies.includes(named("gke-linkerd-control-plane").urn), `${policy.name} waits for the policy validator's webhook`);
    }
  });

  it("admits only the gateway and the declared callers, by mTLS identity", () => {
    const authn = named("gke-apps-api-authn");
    assert.equal(authn.type, AUTHN);
    assert.deepEqual(authn.inputs.spec.identities, ["traefik.gateway.serviceaccount.identity.linkerd.cluster.local", "web.apps.serviceaccount.identity.linkerd.cluster.local"]);
    assert.deepEqual(named("gke-apps-web-authn").inputs.spec.identities, ["traefik.gateway.serviceaccount.identity.linkerd.cluster.local"]);
    const authz = named("gke-apps-api-authz");
    assert.equal(authz.type, AUTHZ);
    assert.deepEqual(authz.inputs.spec, {
      targetRef: { group: "policy.linkerd.io", kind: "Server", name: "api" },
      requiredAuthenticationRefs: [{ group: "policy.linkerd.io", kind: "MeshTLSAuthentication", name: "api" }],
    });
  });

  it("authorizes nobody when a service has neither the gateway nor callers, so its Server denies all", () => {
    assert.equal(ofType(AUTHN, "dev").map((r) => r.inputs.metadata.name).join(), "api", "dev has no gateway: only api, called by web, is authorized");
    assert.equal(ofType(SERVER, "dev").length, 2);
  });

  it("splits a canary service 80/20 between Services that select each track", () => {
    const route = named("eks-apps-web-route");
    assert.deepEqual(route.inputs.spec.parentRefs, [{ group: "", kind: "Service", name: "web", port: 80 }]);
    assert.equal(route.inputs.metadata.name, "web-mesh", "apart from the gateway's HTTPRoute named after the service");
    assert.deepEqual(route.inputs.spec.rules[0].backendRefs, [
      { name: "web-stable", port: 80, weight: 80 },
      { name: "web-canary", port: 80, weight: 20 },
    ]);
    for (const track of ["stable", "canary"]) {
      const service = named(`eks-apps-web-${track}`);
      assert.equal(service.type, SERVICE);
      assert.deepEqual(service.inputs.spec.selector, { ...selector("web"), [TRACK_LABEL]: track });
      assert.deepEqual(service.inputs.spec.ports, [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }]);
      assert.ok(route.dependencies.includes(service.urn));
    }
    assert.equal(ofType(SERVICE, "eks").length, 2, "a service without a canary gets no track Services");
  });

  it("sends a service without a canary to itself, with retries and a timeout as Linkerd annotations", () => {
    const route = named("eks-apps-api-route");
    assert.deepEqual(route.inputs.spec.rules, [{ backendRefs: [{ name: "api", port: 8080 }] }]);
    assert.deepEqual(route.inputs.metadata.annotations, {
      "retry.linkerd.io/http": "5xx",
      "retry.linkerd.io/limit": "3",
      "retry.linkerd.io/timeout": "2s",
      "timeout.linkerd.io/request": "5s",
    });
    assert.ok(route.dependencies.includes(named("eks-linkerd-control-plane").urn));
  });

  it("writes HTTPRoutes that match the upstream Gateway API CRD", { skip: crdSkipReason() ?? false }, () => {
    const routes = program.resources.filter((r) => r.type === ROUTE);
    assert.equal(routes.length, 6);
    for (const r of routes) assert.deepEqual(crdSchemaErrors(r.inputs as any), [], r.name);
  });

  it("writes namespaces, the issuer Secret and the track Services that match the Kubernetes schemas", () => {
    const builtIn = program.resources.filter((r) => /^(dev|gke|eks)-/.test(r.name) && /^kubernetes:core\/v1:(Namespace|Secret|Service)$/.test(r.type));
    assert.equal(builtIn.length, 3 * 3 + 3 * 2);
    for (const r of builtIn) {
      assert.deepEqual(schemaErrors(r.inputs as any), [], r.name);
      assert.deepEqual(unknownFields(r.inputs), [], r.name);
    }
  });

  it("creates every Kubernetes resource with the platform's provider", () => {
    for (const r of program.resources.filter((r) => r.type.startsWith("kubernetes:") && /^(dev|gke|eks)-/.test(r.name))) {
      assert.match(r.provider ?? "", new RegExp(`pulumi:providers:kubernetes::${{ dev: "lab", gke: "gcp", eks: "aws" }[r.name.split("-")[0]]}`), r.name);
    }
  });
});

describe("Linkerd traffic policy functions", () => {
  it("keeps only the retry conditions Linkerd can express as HTTP statuses", () => {
    assert.deepEqual(linkerdRetryConditions(["5xx", "reset", "gateway-error", "503", "500-504", "connect-failure"]), {
      http: ["5xx", "gateway-error", "503", "500-504"],
      unsupported: ["reset", "connect-failure"],
    });
  });

  it("leaves retries out when attempts are 0, because Linkerd reads a zero limit as unset", () => {
    const service = resolveMesh({ services: [{ ...services[1], retries: { attempts: 0 } }] }, { environment: "dev" }).services[0];
    assert.deepEqual(linkerdRouteAnnotations(service), { "timeout.linkerd.io/request": "5s" });
  });

  it("writes fractional seconds as milliseconds", () => {
    const service = resolveMesh({ services: [{ ...services[1], retries: { perTryTimeoutSeconds: 0.5 }, timeoutSeconds: 2.5 }] }, { environment: "dev" }).services[0];
    assert.equal(linkerdRouteAnnotations(service)["retry.linkerd.io/timeout"], "500ms");
    assert.equal(linkerdRouteAnnotations(service)["timeout.linkerd.io/request"], "2500ms");
  });

  it("maps the circuit breaker to consecutive failure accrual annotations", () => {
    const { circuitBreaker } = resolveMesh({ services: [services[0]] }, { environment: "dev" }).services[0];
    assert.deepEqual(failureAccrualAnnotations(circuitBreaker), {
      "balancer.linkerd.io/failure-accrual": "consecutive",
      "balancer.linkerd.io/failure-accrual-consecutive-max-failures": "5",
      "balancer.linkerd.io/failure-accrual-consecutive-min-penalty": "30s",
      "balancer.linkerd.io/failure-accrual-consecutive-max-penalty": "300s",
    });
  });

  it("returns pure objects for one service without creating anything", () => {
    const [web] = resolveMesh({ services }, { environment: "dev" }).services;
    const objects = linkerdServiceObjects(web);
    assert.equal(objects.authentication, undefined);
    assert.equal(objects.trackServices.length, 2);
  });
});

describe("Linkerd enrollment", () => {
  it("enrols namespaces by annotation and meshes the gateway in ingress mode, open to public clients", () => {
    for (const mesh of ["dev", "gke", "eks"]) {
      const e = enrollments[mesh];
      assert.deepEqual(e.namespaceLabels, {});
      assert.deepEqual(e.namespaceAnnotations, { "linkerd.io/inject": "enabled" });
      assert.equal(e.gatewayPodAnnotations["linkerd.io/inject"], "ingress");
      assert.equal(e.gatewayPodAnnotations["config.linkerd.io/default-inbound-policy"], "all-unauthenticated");
      assert.equal(e.ready.length, 1);
    }
  });

  it("makes workloads wait for the control plane release", async () => {
    const urn = await new Promise<string>((resolve) => (enrollments.gke.ready[0] as pulumi.CustomResource).urn.apply(resolve));
    assert.equal(urn, named("gke-linkerd-control-plane").urn);
  });
});

describe("Linkerd and the metrics scraper", () => {
  it("lets Prometheus's identity through every service's authentication, besides the gateway", () => {
    const identities = allowedIdentities({ namespace: "apps", allowedCallers: [] }, { namespace: "gateway", serviceAccount: "traefik" }, { namespace: "monitoring", serviceAccount: "kube-prometheus-stack-prometheus" });
    assert.deepEqual(identities, ["traefik.gateway.serviceaccount.identity.linkerd.cluster.local", "kube-prometheus-stack-prometheus.monitoring.serviceaccount.identity.linkerd.cluster.local"]);
  });
});
