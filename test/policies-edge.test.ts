/**
 * The edge and mesh rules of the policy pack, run in-process over captured resources the way the
 * analyzer runs them: HTTPS-only gateways, listener certificates, the TLS minimum version, Service
 * exposure, route rate limits and mesh mTLS. Each rule has compliant fixtures (the Kubernetes edge,
 * an Istio and a Linkerd mesh, the Docker gateway built by the component's own config functions)
 * and one mutation per way it can fail; each failing case asserts the exact message and the
 * resource it is reported against.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { CapturedResource } from "../plan/capture";
import { runPolicies, type Rule } from "../plan/policy-runner";
import {
  edgeServiceTypes,
  gatewayHttpsOnly,
  gatewayListenerCertificates,
  meshMtlsStrict,
  routesRateLimited,
  rules,
  tlsLoadBalancers,
  tlsMinimumVersion,
} from "../policies/rules";
import { isRedirectOnly, traefikUploads } from "../policies/rules/gateway";
import { chartName } from "../policies/rules/known";
import { traefikDockerDefaults } from "../components/gateway/docker";
import { EDGE_LABEL } from "../components/contract";
import {
  compliantClusterIpService,
  compliantDockerGateway,
  compliantEdgeCertificate,
  compliantEdgeGateway,
  compliantEdgeStack,
  compliantIstiodRelease,
  compliantIstioMesh,
  compliantLinkerdRelease,
  compliantMiddlewares,
  compliantPeerAuthentication,
  compliantRedirectRoute,
  compliantServiceRoute,
  compliantTlsOption,
  compliantTraefikRelease,
  mutate,
  resource,
  uploadedYaml,
  urnOf,
} from "./support/policy-fixtures";
import { crdSchemaErrors, crdSkipReason } from "./support/crd-schema";
import { schemaErrors, unknownFields } from "./support/k8s-schema";

// What a value not known until apply looks like to a policy during preview.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { unknownStringValue } = require("@pulumi/policy/proxy") as { unknownStringValue: string };

const DEV = { environment: "dev" };
const GATEWAY = 'Gateway "gateway/edge"';
const HTTP_LISTENER = `${GATEWAY} listener "http" (HTTP)`;
const HTTPS_LISTENER = `${GATEWAY} listener "https-0" (HTTPS)`;
const DOCKER = 'Docker gateway container "platform-edge"';
const STATIC = traefikDockerDefaults.staticConfigFile;
const DYNAMIC = `${traefikDockerDefaults.dynamicConfigDirectory}/routes.yaml`;

/** `[policy: message, urn]` of every violation `rules` report over `resources`. */
async function violationsOf(rule: Rule | Rule[], resources: CapturedResource[], tags: Record<string, string> = {}): Promise<[string, string | undefined][]> {
  const report = await runPolicies(Array.isArray(rule) ? rule : [rule], resources, {}, new Map(Object.entries(tags)));
  for (const v of report.violations) assert.equal(v.enforcementLevel, "mandatory", v.message);
  return report.violations.map((v) => [`${v.policy}: ${v.message}`, v.urn]);
}

/** Asserts that `rule` over `resources` reports exactly `expected` (message and subject), in order. */
async function assertViolations(rule: Rule, resources: CapturedResource[], expected: [string, CapturedResource][], tags: Record<string, string> = {}): Promise<void> {
  assert.deepEqual(
    await violationsOf(rule, resources, tags),
    expected.map(([message, subject]) => [`${rule.name}: ${message}`, subject.urn]),
  );
}

async function assertCompliant(rule: Rule | Rule[], resources: CapturedResource[], tags: Record<string, string> = {}): Promise<void> {
  assert.deepEqual(await violationsOf(rule, resources, tags), []);
}

/** The compliant edge stack with the resource named `pulumiName` replaced by `edit(it)`, or dropped when `edit` returns undefined. */
function edgeWith(pulumiName: string, edit: (subject: CapturedResource) => CapturedResource | undefined): CapturedResource[] {
  const stack = compliantEdgeStack();
  assert.ok(stack.some((r) => r.name === pulumiName), `no ${pulumiName} in the edge stack`);
  return stack.flatMap((r) => (r.name === pulumiName ? [edit(r)].filter((x): x is CapturedResource => x !== undefined) : [r]));
}

/** The stack resource named `pulumiName`. */
function find(stack: CapturedResource[], pulumiName: string): CapturedResource {
  const found = stack.find((r) => r.name === pulumiName);
  assert.ok(found, pulumiName);
  return found;
}

/** `subject` as another resource of the program, named `pulumiName` (the runner tells resources apart by URN). */
function renamed(subject: CapturedResource, pulumiName: string): CapturedResource {
  return { ...subject, name: pulumiName, urn: urnOf(subject.type, pulumiName) };
}

/** The Docker gateway with its uploaded YAML `file` edited. */
function dockerGatewayWith(file: string, edit: (config: any) => void): CapturedResource {
  return mutate(compliantDockerGateway(), (inputs) => {
    const yaml = uploadedYaml(inputs, file);
    const config = yaml.get();
    edit(config);
    yaml.set(config);
  });
}

describe("the edge and mesh fixtures and the whole pack", () => {
  it("reports nothing from any rule of the pack over the compliant edge, both meshes and the Docker gateway in an untagged (production) stack", async () => {
    await assertCompliant(rules, [...compliantEdgeStack(), ...compliantIstioMesh(), compliantLinkerdRelease(), compliantDockerGateway()]);
  });

  it("writes the Gateway API, cert-manager and Istio fixtures as valid custom resources", { skip: crdSkipReason() }, () => {
    const custom = [compliantEdgeGateway(), compliantRedirectRoute(), compliantServiceRoute(), compliantEdgeCertificate(), compliantPeerAuthentication()];
    for (const subject of custom) {
      assert.deepEqual(crdSchemaErrors(subject.inputs as { apiVersion: string; kind: string }), [], subject.name);
    }
  });

  it("writes the Traefik fixtures as valid traefik.io objects", async () => {
    // ESM-only package: loaded with import(), which CommonJS tests can still await.
    const { Middleware, TLSOption } = await import("@kubernetes-models/traefik/traefik.io/v1alpha1");
    for (const subject of compliantMiddlewares()) new Middleware(subject.inputs as never).validate();
    new TLSOption(compliantTlsOption().inputs as never).validate();
  });

  it("writes the Service as a valid core/v1 object without unknown fields", () => {
    const service = compliantClusterIpService().inputs as { apiVersion: string; kind: string };
    assert.deepEqual(schemaErrors(service), []);
    assert.deepEqual(unknownFields(service), []);
  });

  it("reads the Docker gateway's configuration from the files the Docker gateway uploads", () => {
    const uploads = traefikUploads(compliantDockerGateway().inputs as never, "edge-container");
    assert.ok(uploads?.dynamic);
    assert.deepEqual(Object.keys(uploads.dynamic.routers), ["podinfo"]);
    assert.equal(uploads.static.entryPoints.websecure.address, ":8443");
    assert.equal(uploads.dynamic.tlsOptions.default.minVersion, "VersionTLS12");
  });

  it("ignores Docker containers that are not the gateway", () => {
    const other = mutate(compliantDockerGateway(), (i) => (i.labels = [{ label: "app.kubernetes.io/component", value: "api" }]));
    assert.equal(traefikUploads(other.inputs as never, "api"), undefined);
  });

  it("tells a chart's name from its reference", () => {
    assert.equal(chartName("istiod"), "istiod");
    assert.equal(chartName("istio/istiod"), "istiod");
    assert.equal(chartName("oci://registry.example.com/charts/istiod"), "istiod");
  });

  it("tells a redirect-only route from one that forwards", () => {
    assert.equal(isRedirectOnly(compliantRedirectRoute().inputs.spec), true);
    assert.equal(isRedirectOnly(compliantServiceRoute().inputs.spec), false);
    assert.equal(isRedirectOnly({ rules: [] }), false);
  });
});

describe("gateway-https-only", () => {
  const rule = gatewayHttpsOnly;

  it("accepts an HTTP listener whose only route redirects to HTTPS, and the Docker gateway", async () => {
    await assertCompliant(rule, [...compliantEdgeStack(), compliantDockerGateway()]);
  });

  it("reports an HTTP listener with no route attached", async () => {
    const stack = edgeWith("edge-https-redirect", () => undefined);
    await assertViolations(rule, stack, [
      [`${HTTP_LISTENER} has no HTTPRoute attached, so it does not redirect to HTTPS; attach one whose every rule's only filter is a RequestRedirect with scheme "https".`, find(stack, "edge-gateway")],
    ]);
  });

  it("reports a route on the HTTP listener that redirects to plain HTTP", async () => {
    const stack = edgeWith("edge-https-redirect", (r) => mutate(r, (i) => (i.spec.rules[0].filters[0].requestRedirect.scheme = "http")));
    await assertViolations(rule, stack, [
      [`HTTPRoute "gateway/edge-https-redirect" is attached to ${HTTP_LISTENER} and does more than redirect to HTTPS; attach it to an HTTPS listener (sectionName).`, find(stack, "edge-https-redirect")],
    ]);
  });

  it("reports a route on the HTTP listener that modifies headers besides redirecting", async () => {
    const stack = edgeWith("edge-https-redirect", (r) =>
      mutate(r, (i) => i.spec.rules[0].filters.push({ type: "RequestHeaderModifier", requestHeaderModifier: { set: [{ name: "X-Edge", value: "1" }] } })),
    );
    await assertViolations(rule, stack, [
      [`HTTPRoute "gateway/edge-https-redirect" is attached to ${HTTP_LISTENER} and does more than redirect to HTTPS; attach it to an HTTPS listener (sectionName).`, find(stack, "edge-https-redirect")],
    ]);
  });

  it("reports a service route without sectionName, which attaches to the HTTP listener too", async () => {
    const stack = edgeWith("podinfo-route", (r) => mutate(r, (i) => delete i.spec.parentRefs[0].sectionName));
    await assertViolations(rule, stack, [
      [`HTTPRoute "apps/podinfo" is attached to ${HTTP_LISTENER} and does more than redirect to HTTPS; attach it to an HTTPS listener (sectionName).`, find(stack, "podinfo-route")],
    ]);
  });

  it("reports a listener of an implementation-specific protocol", async () => {
    const stack = edgeWith("edge-gateway", (r) => mutate(r, (i) => i.spec.listeners.push({ name: "h2c", protocol: "example.com/h2c", port: 9000 })));
    await assertViolations(rule, stack, [[`${GATEWAY} listener "h2c" (example.com/h2c) is not HTTPS.`, find(stack, "edge-gateway")]]);
  });

  it("leaves TCP listeners to tls-load-balancers, which reports them once", async () => {
    const stack = edgeWith("edge-gateway", (r) => mutate(r, (i) => i.spec.listeners.push({ name: "postgres", protocol: "TCP", port: 5432 })));
    assert.deepEqual(await violationsOf([rule, tlsLoadBalancers], stack), [
      [`tls-load-balancers: ${GATEWAY} listener "postgres" (TCP) is not encrypted; use HTTPS or TLS.`, find(stack, "edge-gateway").urn],
    ]);
  });

  it("leaves the Gateway to the check after the update while an HTTPRoute's spec is not known", async () => {
    const stack = edgeWith("edge-https-redirect", (r) => mutate(r, (i) => (i.spec.parentRefs[0].name = unknownStringValue)));
    await assertCompliant(rule, stack);
  });

  it("reports a Docker router that listens on the web entryPoint and forwards", async () => {
    const subject = dockerGatewayWith(DYNAMIC, (c) => (c.http.routers.podinfo.entryPoints = ["web", "websecure"]));
    await assertViolations(rule, [subject], [[`${DOCKER} router "podinfo" listens on entryPoints "web", "websecure", not only "websecure", and does more than redirect to HTTPS.`, subject]]);
  });

  it("reports a Docker router without entryPoints, which listens on all of them", async () => {
    const subject = dockerGatewayWith(DYNAMIC, (c) => delete c.http.routers.podinfo.entryPoints);
    await assertViolations(rule, [subject], [[`${DOCKER} router "podinfo" listens on every entryPoint (it sets none), not only "websecure", and does more than redirect to HTTPS.`, subject]]);
  });

  it("accepts a Docker router on the web entryPoint that only redirects to HTTPS", async () => {
    const subject = dockerGatewayWith(DYNAMIC, (c) => {
      c.http.middlewares["to-https"] = { redirectScheme: { scheme: "https", permanent: true } };
      c.http.routers["to-https"] = { entryPoints: ["web"], rule: "PathPrefix(`/`)", service: "noop@internal", middlewares: ["to-https@file"] };
    });
    await assertCompliant(rule, [subject]);
  });

  it("reports a Docker router on websecure when neither it nor the entryPoint turns TLS on", async () => {
    const noRouterTls = dockerGatewayWith(DYNAMIC, (c) => delete c.http.routers.podinfo.tls);
    await assertCompliant(rule, [noRouterTls]);
    const subject = mutate(noRouterTls, (inputs) => {
      const yaml = uploadedYaml(inputs, STATIC);
      const config = yaml.get();
      delete config.entryPoints.websecure.http;
      yaml.set(config);
    });
    await assertViolations(rule, [subject], [[`${DOCKER} router "podinfo" has no tls, and the websecure entryPoint sets no http.tls, so it serves plain HTTP.`, subject]]);
  });

  it("reports a Docker web entryPoint without a redirection, or redirecting to plain HTTP", async () => {
    const message = `${DOCKER} static configuration's web entryPoint does not redirect to HTTPS; set http.redirections.entryPoint.to "websecure" with scheme "https".`;
    const none = dockerGatewayWith(STATIC, (c) => delete c.entryPoints.web.http);
    await assertViolations(rule, [none], [[message, none]]);
    const plain = dockerGatewayWith(STATIC, (c) => (c.entryPoints.web.http.redirections.entryPoint.scheme = "http"));
    await assertViolations(rule, [plain], [[message, plain]]);
    const elsewhere = dockerGatewayWith(STATIC, (c) => (c.entryPoints.web.http.redirections.entryPoint.to = "web"));
    await assertViolations(rule, [elsewhere], [[message, elsewhere]]);
  });

  it("accepts a Docker web entryPoint that redirects to websecure by name", async () => {
    await assertCompliant(rule, [dockerGatewayWith(STATIC, (c) => (c.entryPoints.web.http.redirections.entryPoint.to = "websecure"))]);
  });

  it("reports a Docker gateway that uploads no static configuration, or YAML that does not parse", async () => {
    const missing = mutate(compliantDockerGateway(), (i) => (i.uploads = i.uploads.filter((u: { file: string }) => u.file !== STATIC)));
    await assertViolations(rule, [missing], [[`${DOCKER} uploads no Traefik dynamic configuration: no static configuration, or no file under its providers.file.`, missing]]);
    const broken = mutate(compliantDockerGateway(), (i) => (i.uploads.find((u: { file: string }) => u.file === DYNAMIC).content = "http: [unclosed"));
    const [[message, urn]] = await violationsOf(rule, [broken]);
    assert.equal(urn, broken.urn);
    assert.match(message, /^gateway-https-only: Docker gateway container "platform-edge" uploads a Traefik configuration that is not YAML: /);
  });
});

describe("gateway-listener-certificates", () => {
  const rule = gatewayListenerCertificates;

  it("accepts an HTTPS listener whose Secret a Certificate for its hostname writes, and the Docker gateway", async () => {
    await assertCompliant(rule, [...compliantEdgeStack(), compliantDockerGateway()]);
  });

  it("reports a listener whose Secret no Certificate writes", async () => {
    const stack = edgeWith("edge-https-0", (r) => mutate(r, (i) => (i.spec.secretName = "other-tls")));
    await assertViolations(rule, stack, [
      [`${HTTPS_LISTENER} refers to Secret "gateway/edge-https-0-tls", which no cert-manager Certificate in the stack writes (spec.secretName).`, find(stack, "edge-gateway")],
    ]);
  });

  it("reports a listener whose Certificate is in another namespace", async () => {
    const stack = edgeWith("edge-https-0", (r) => mutate(r, (i) => (i.metadata.namespace = "apps")));
    await assertViolations(rule, stack, [
      [`${HTTPS_LISTENER} refers to Secret "gateway/edge-https-0-tls", which no cert-manager Certificate in the stack writes (spec.secretName).`, find(stack, "edge-gateway")],
    ]);
  });

  it("reports a Certificate whose dnsNames do not include the listener's hostname", async () => {
    const stack = edgeWith("edge-https-0", (r) => mutate(r, (i) => (i.spec.dnsNames = ["www.example.com", "*.api.example.com"])));
    await assertViolations(rule, stack, [
      [`${HTTPS_LISTENER} serves hostname "api.example.com", which Certificate "gateway/edge-https-0" (Secret "gateway/edge-https-0-tls") does not list in spec.dnsNames.`, find(stack, "edge-gateway")],
    ]);
  });

  it("accepts a wildcard Certificate that covers the hostname", async () => {
    await assertCompliant(rule, edgeWith("edge-https-0", (r) => mutate(r, (i) => (i.spec.dnsNames = ["*.example.com"]))));
  });

  it("reports a certificateRef that is not a Secret", async () => {
    const stack = edgeWith("edge-gateway", (r) => mutate(r, (i) => (i.spec.listeners[1].tls.certificateRefs[0] = { group: "example.com", kind: "Vault", name: "edge" })));
    await assertViolations(rule, stack, [
      [`${HTTPS_LISTENER} refers to Vault "edge" of group "example.com", not to a Secret that a cert-manager Certificate writes.`, find(stack, "edge-gateway")],
    ]);
  });

  it("leaves a listener without certificateRefs to tls-load-balancers, which reports it once", async () => {
    const stack = edgeWith("edge-gateway", (r) => mutate(r, (i) => delete i.spec.listeners[1].tls.certificateRefs));
    assert.deepEqual(await violationsOf([rule, tlsLoadBalancers], stack), [
      [`tls-load-balancers: ${HTTPS_LISTENER} has no tls.certificateRefs, so it has no certificate to terminate TLS with.`, find(stack, "edge-gateway").urn],
    ]);
  });

  it("matches a Certificate whose spec is not known yet", async () => {
    await assertCompliant(rule, edgeWith("edge-https-0", (r) => mutate(r, (i) => (i.spec.secretName = unknownStringValue))));
  });

  it("reports a Docker gateway without tls.certificates, or with one that lacks its key", async () => {
    const none = dockerGatewayWith(DYNAMIC, (c) => delete c.tls.certificates);
    await assertViolations(rule, [none], [[`${DOCKER} has no tls.certificates in its dynamic configuration, so Traefik serves its default self-signed certificate.`, none]]);
    const noKey = dockerGatewayWith(DYNAMIC, (c) => delete c.tls.certificates[0].keyFile);
    await assertViolations(rule, [noKey], [[`${DOCKER} tls.certificates[0] lacks certFile or keyFile.`, noKey]]);
  });
});

describe("tls-minimum-version", () => {
  const rule = tlsMinimumVersion;
  const set = '"VersionTLS12" or "VersionTLS13"';

  it("accepts the default TLSOption with TLS 1.2, and the Docker gateway", async () => {
    await assertCompliant(rule, [...compliantEdgeStack(), compliantDockerGateway()]);
  });

  it("accepts TLS 1.3", async () => {
    await assertCompliant(rule, edgeWith("edge-tls-options", (r) => mutate(r, (i) => (i.spec.minVersion = "VersionTLS13"))));
  });

  it("reports a TLSOption that accepts TLS 1.1, whatever its name", async () => {
    const old = renamed(
      mutate(compliantTlsOption(), (i) => {
        i.metadata.name = "legacy-clients";
        i.spec.minVersion = "VersionTLS11";
      }),
      "legacy-tls-options",
    );
    const stack = [...compliantEdgeStack(), old];
    await assertViolations(rule, stack, [[`TLSOption "gateway/legacy-clients" sets minVersion "VersionTLS11"; set ${set}.`, old]]);
  });

  it("reports a Traefik Gateway without a default TLSOption in its namespace", async () => {
    const stack = edgeWith("edge-tls-options", () => undefined);
    const message = `${GATEWAY} is served by Traefik, but no TLSOption "default" exists in its namespace; create one with minVersion ${set}.`;
    await assertViolations(rule, stack, [[message, find(stack, "edge-gateway")]]);
    const elsewhere = edgeWith("edge-tls-options", (r) => mutate(r, (i) => (i.metadata.namespace = "apps")));
    await assertViolations(rule, elsewhere, [[message, find(elsewhere, "edge-gateway")]]);
  });

  it("reports a default TLSOption that leaves minVersion to Traefik", async () => {
    const stack = edgeWith("edge-tls-options", (r) => mutate(r, (i) => delete i.spec.minVersion));
    await assertViolations(rule, stack, [[`TLSOption "gateway/default" sets no minVersion; set ${set}.`, find(stack, "edge-tls-options")]]);
  });

  it("reports every TLSOption named default when there are several", async () => {
    const second = renamed(mutate(compliantTlsOption(), (i) => (i.metadata.namespace = "apps")), "apps-tls-options");
    const stack = [...compliantEdgeStack(), second];
    await assertViolations(rule, stack, [
      [`TLSOption "gateway/default" is one of 2 TLSOptions named "default"; Traefik drops them all when there is more than one.`, find(stack, "edge-tls-options")],
      [`TLSOption "apps/default" is one of 2 TLSOptions named "default"; Traefik drops them all when there is more than one.`, second],
    ]);
  });

  it("asks no TLSOption of a Gateway served by another controller", async () => {
    const stack = edgeWith("edge-tls-options", () => undefined).map((r) => (r.name === "edge-gateway" ? mutate(r, (i) => (i.spec.gatewayClassName = "envoy")) : r));
    await assertCompliant(rule, stack);
  });

  it("reports a Docker gateway whose default TLS options set no minimum, or TLS 1.0", async () => {
    const none = dockerGatewayWith(DYNAMIC, (c) => delete c.tls.options.default.minVersion);
    await assertViolations(rule, [none], [[`${DOCKER} sets no tls.options.default.minVersion in its dynamic configuration; set ${set}.`, none]]);
    const old = dockerGatewayWith(DYNAMIC, (c) => (c.tls.options.default.minVersion = "VersionTLS10"));
    await assertViolations(rule, [old], [[`${DOCKER} sets tls.options.default.minVersion "VersionTLS10"; set ${set}.`, old]]);
  });

  it("reports another Docker TLS option below TLS 1.2", async () => {
    const subject = dockerGatewayWith(DYNAMIC, (c) => (c.tls.options.legacy = { minVersion: "VersionTLS11" }));
    await assertViolations(rule, [subject], [[`${DOCKER} sets tls.options.legacy.minVersion "VersionTLS11"; set ${set}.`, subject]]);
  });
});

describe("edge-service-types", () => {
  const rule = edgeServiceTypes;
  const exposed = (type: string, labels?: Record<string, string>) =>
    mutate(compliantClusterIpService(), (i) => {
      i.spec.type = type;
      if (labels) i.metadata.labels = labels;
    });

  it("accepts ClusterIP Services, the edge-labelled Traefik release and an edge-labelled LoadBalancer Service", async () => {
    await assertCompliant(rule, [...compliantEdgeStack(), exposed("LoadBalancer", { [EDGE_LABEL]: "true" })]);
  });

  it("reports a LoadBalancer or NodePort Service without the edge label, in dev too", async () => {
    for (const type of ["LoadBalancer", "NodePort"]) {
      const subject = exposed(type);
      await assertViolations(
        rule,
        [subject],
        [[`Service "apps/podinfo" is of type ${type} without the label ${EDGE_LABEL}: "true"; only the gateway's Service may be exposed outside the cluster.`, subject]],
        DEV,
      );
    }
  });

  it("reports an edge label whose value is not \"true\"", async () => {
    const subject = exposed("NodePort", { [EDGE_LABEL]: "false" });
    await assertViolations(rule, [subject], [[`Service "apps/podinfo" is of type NodePort without the label ${EDGE_LABEL}: "true"; only the gateway's Service may be exposed outside the cluster.`, subject]]);
  });

  it("reports a Helm release whose Service is exposed without the edge label", async () => {
    const subject = mutate(compliantTraefikRelease(), (i) => delete i.values.service.labels);
    await assertViolations(rule, [subject], [
      [`Helm release "traefik" (chart traefik) sets values.service.type LoadBalancer without ${EDGE_LABEL}: "true" in values.service.labels; only the gateway's Service may be exposed outside the cluster.`, subject],
    ]);
  });

  it("accepts a Helm release whose Service is ClusterIP", async () => {
    await assertCompliant(rule, [mutate(compliantTraefikRelease(), (i) => (i.values.service = { type: "ClusterIP" })), compliantIstiodRelease()]);
  });
});

describe("routes-rate-limited", () => {
  const rule = routesRateLimited;
  const ROUTE = 'HTTPRoute "apps/podinfo" spec.rules[0]';

  it("accepts a route through a rate-limiting Middleware and the redirect route, and the Docker gateway", async () => {
    await assertCompliant(rule, [...compliantEdgeStack(), compliantDockerGateway()]);
  });

  it("reports a route rule without Middleware filters", async () => {
    const stack = edgeWith("podinfo-route", (r) => mutate(r, (i) => delete i.spec.rules[0].filters));
    await assertViolations(rule, stack, [[`${ROUTE} has no ExtensionRef filter to a traefik.io Middleware, so it is not rate limited.`, find(stack, "podinfo-route")]]);
  });

  it("checks only in production: a dev-tagged stack is not checked, an untagged one is", async () => {
    const stack = edgeWith("podinfo-route", (r) => mutate(r, (i) => delete i.spec.rules[0].filters));
    await assertCompliant(rule, stack, DEV);
    assert.equal((await violationsOf(rule, stack)).length, 1);
  });

  it("reports an ExtensionRef to another group's Middleware", async () => {
    const stack = edgeWith("podinfo-route", (r) => mutate(r, (i) => i.spec.rules[0].filters.forEach((f: any) => (f.extensionRef.group = "traefik.containo.us"))));
    await assertViolations(rule, stack, [[`${ROUTE} has no ExtensionRef filter to a traefik.io Middleware, so it is not rate limited.`, find(stack, "podinfo-route")]]);
  });

  it("reports a route whose rate-limit Middleware is not in the stack", async () => {
    const stack = edgeWith("podinfo-rate-limit", () => undefined);
    await assertViolations(rule, stack, [
      [`${ROUTE} is not rate limited: none of its Middlewares ("podinfo-rate-limit" (not in the stack), "podinfo-security-headers") in namespace "apps" has spec.rateLimit.average of at least 1.`, find(stack, "podinfo-route")],
    ]);
  });

  it("reports a route whose rate-limit Middleware is in another namespace", async () => {
    const stack = edgeWith("podinfo-rate-limit", (r) => mutate(r, (i) => (i.metadata.namespace = "gateway")));
    await assertViolations(rule, stack, [
      [`${ROUTE} is not rate limited: none of its Middlewares ("podinfo-rate-limit" (not in the stack), "podinfo-security-headers") in namespace "apps" has spec.rateLimit.average of at least 1.`, find(stack, "podinfo-route")],
    ]);
  });

  it("reports a Middleware whose rate limit averages 0", async () => {
    const stack = edgeWith("podinfo-rate-limit", (r) => mutate(r, (i) => (i.spec.rateLimit.average = 0)));
    await assertViolations(rule, stack, [
      [`${ROUTE} is not rate limited: none of its Middlewares ("podinfo-rate-limit", "podinfo-security-headers") in namespace "apps" has spec.rateLimit.average of at least 1.`, find(stack, "podinfo-route")],
    ]);
  });

  it("ignores routes attached to something other than a Gateway", async () => {
    const stack = edgeWith("podinfo-route", (r) =>
      mutate(r, (i) => {
        i.spec.parentRefs = [{ group: "", kind: "Service", name: "podinfo" }];
        delete i.spec.rules[0].filters;
      }),
    );
    await assertCompliant(rule, stack);
  });

  it("counts a Middleware whose spec is not known yet as rate limiting", async () => {
    await assertCompliant(rule, edgeWith("podinfo-rate-limit", (r) => mutate(r, (i) => (i.spec.rateLimit.period = unknownStringValue))));
  });

  it("reports a Docker router without a rate-limit middleware, in production only", async () => {
    const subject = dockerGatewayWith(DYNAMIC, (c) => (c.http.routers.podinfo.middlewares = ["podinfo-security-headers"]));
    await assertViolations(rule, [subject], [[`${DOCKER} router "podinfo" uses no middleware with rateLimit.average of at least 1.`, subject]]);
    await assertCompliant(rule, [subject], DEV);
  });
});

describe("mesh-mtls-strict", () => {
  const rule = meshMtlsStrict;
  const PA = 'PeerAuthentication "istio-system/default"';

  it("accepts an Istio mesh with STRICT mTLS and Linkerd admitting authenticated clients only", async () => {
    await assertCompliant(rule, [...compliantIstioMesh(), compliantLinkerdRelease()]);
  });

  it("accepts a PERMISSIVE mesh in a dev-tagged stack", async () => {
    await assertCompliant(rule, [compliantIstiodRelease(), compliantPeerAuthentication("PERMISSIVE")], DEV);
  });

  it("reports a PERMISSIVE mesh-wide policy in an untagged (production) stack", async () => {
    const subject = compliantPeerAuthentication("PERMISSIVE");
    await assertViolations(rule, [compliantIstiodRelease(), subject], [[`${PA} sets spec.mtls.mode PERMISSIVE, which accepts plaintext; set STRICT.`, subject]]);
  });

  it("reports a namespace policy that disables mTLS", async () => {
    const subject = renamed(
      mutate(compliantPeerAuthentication(), (i) => {
        i.metadata.namespace = "apps";
        i.spec.mtls.mode = "DISABLE";
      }),
      "apps-peer-authentication",
    );
    await assertViolations(rule, [...compliantIstioMesh(), subject], [[`PeerAuthentication "apps/default" sets spec.mtls.mode DISABLE, which accepts plaintext; set STRICT.`, subject]]);
  });

  it("reports a port-level PERMISSIVE exception", async () => {
    const subject = renamed(
      mutate(compliantPeerAuthentication(), (i) => {
        i.metadata = { name: "podinfo", namespace: "apps" };
        i.spec = { selector: { matchLabels: { app: "podinfo" } }, mtls: { mode: "STRICT" }, portLevelMtls: { "9898": { mode: "PERMISSIVE" } } };
      }),
      "podinfo-peer-authentication",
    );
    await assertViolations(rule, [...compliantIstioMesh(), subject], [
      [`PeerAuthentication "apps/podinfo" sets spec.portLevelMtls["9898"].mode PERMISSIVE, which accepts plaintext on port 9898; set STRICT.`, subject],
    ]);
  });

  it("reports istiod without a mesh-wide policy, and a selector does not make one", async () => {
    const istiod = compliantIstiodRelease();
    const message = `Helm release "istiod" installs istiod, but no mesh-wide PeerAuthentication exists; create "istio-system/default" without a selector and with spec.mtls.mode STRICT.`;
    await assertViolations(rule, [istiod], [[message, istiod]]);
    const selective = mutate(compliantPeerAuthentication(), (i) => (i.spec.selector = { matchLabels: { app: "podinfo" } }));
    await assertViolations(rule, [istiod, selective], [[message, istiod]]);
  });

  it("reports a mesh-wide policy that leaves the mode unset, which Istio treats as PERMISSIVE", async () => {
    const subject = mutate(compliantPeerAuthentication(), (i) => delete i.spec.mtls);
    await assertViolations(rule, [compliantIstiodRelease(), subject], [[`${PA} is the mesh-wide policy but leaves spec.mtls.mode unset, which Istio treats as PERMISSIVE; set STRICT.`, subject]]);
  });

  it("reports Linkerd admitting clients without a mesh identity, including by default", async () => {
    for (const policy of ["all-unauthenticated", "cluster-unauthenticated", "audit"]) {
      const subject = mutate(compliantLinkerdRelease(), (i) => (i.values.proxy.defaultInboundPolicy = policy));
      await assertViolations(rule, [subject], [
        [`Helm release "linkerd-control-plane" (chart linkerd-control-plane) has proxy.defaultInboundPolicy "${policy}", which admits clients without a mesh identity; set "all-authenticated" or "cluster-authenticated".`, subject],
      ]);
    }
    const unset = mutate(compliantLinkerdRelease(), (i) => (i.values = {}));
    await assertViolations(rule, [unset], [
      [`Helm release "linkerd-control-plane" (chart linkerd-control-plane) has proxy.defaultInboundPolicy "all-unauthenticated" (the default), which admits clients without a mesh identity; set "all-authenticated" or "cluster-authenticated".`, unset],
    ]);
  });

  it("accepts Linkerd's all-unauthenticated default in a dev-tagged stack", async () => {
    await assertCompliant(rule, [mutate(compliantLinkerdRelease(), (i) => (i.values = {}))], DEV);
  });

  it("ignores other charts", async () => {
    await assertCompliant(rule, [compliantTraefikRelease(), resource("kubernetes:helm.sh/v3:Release", "other", { chart: "podinfo", values: {} })]);
  });
});
