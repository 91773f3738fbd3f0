/**
 * The Gateway on Docker under Pulumi's mock runtime, captured once for the file (the runtime runs
 * one program per process), and its two configuration builders called directly.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { parse } from "yaml";
import { captureProgram, type CapturedProgram, type CapturedResource } from "../plan/capture";
import { MOCK_SECRET_PREFIX } from "../plan/mocks";
import { Gateway, resolveGateway, traefikRelease, type GatewayArgs } from "../components/gateway";
import { traefikDockerDefaults, traefikDynamicConfig, traefikStaticConfig } from "../components/gateway/docker";
import { createPlatform } from "../components/platform";
import { runPolicies } from "../plan/policy-runner";
import { rules } from "../policies/rules";

let program: CapturedProgram;
let urls: Record<string, string> = {};

const routes: GatewayArgs["routes"] = [
  { name: "api", backend: { serviceName: "api", namespace: "apps", port: 8080 }, hostname: "api.example.test", pathPrefix: "/v1", rateLimit: { requests: 20, periodSeconds: 60, burst: 40 }, timeoutSeconds: 5 },
  { name: "site", backend: { serviceName: "site", namespace: "apps", port: 9898 }, hostname: "www.example.test", cors: { allowOrigins: ["https://app.example.test"] } },
];

const one = (type: string, name: string): CapturedResource => {
  const found = program.resources.filter((r) => r.type === type && r.name === name);
  assert.equal(found.length, 1, `expected one ${type} named ${name}`);
  return found[0];
};
const container = () => one("docker:index/container:Container", "edge-container");
const upload = (file: string): { file: string; content: string; permissions?: string; owner?: string } => {
  const found = container().inputs.uploads.find((u: { file: string }) => u.file === file);
  assert.ok(found, `an upload to ${file}`);
  return found;
};
const staticConfig = () => parse(upload("/etc/traefik/traefik.yaml").content);
const dynamicConfig = () => parse(upload("/etc/traefik/dynamic/routes.yaml").content);

before(async () => {
  program = await captureProgram(
    () => {
      const platform = createPlatform("local", { target: "docker", docker: { environment: "dev" } });
      const gateway = new Gateway("edge", { platform, routes, docker: { httpPort: 8081, httpsPort: 9443 } });
      return { urls: gateway.urls };
    },
    { project: "platform", stack: "test" },
  );
  urls = (program.outputs as { urls: Record<string, string> }).urls;
});

describe("Gateway on Docker", () => {
  it("runs the pinned Traefik image in a container labelled as the gateway", () => {
    assert.equal(one("docker:index/remoteImage:RemoteImage", "edge-image").inputs.name, traefikRelease.image);
    assert.match(traefikRelease.image, /^traefik:v3\.\d+\.\d+$/);
    const labels = Object.fromEntries(container().inputs.labels.map((l: { label: string; value: string }) => [l.label, l.value]));
    assert.equal(labels["app.kubernetes.io/component"], "gateway");
    assert.equal(labels["app.kubernetes.io/name"], "traefik");
  });

  it("uses the platform's Docker provider for the image and the container", () => {
    const provider = one("pulumi:providers:docker", "local-docker");
    for (const r of [one("docker:index/remoteImage:RemoteImage", "edge-image"), container()]) assert.ok(r.provider?.startsWith(provider.urn), `${r.name} uses ${r.provider}`);
  });

  it("publishes HTTP and HTTPS on the loopback address only, on the configured host ports", () => {
    assert.deepEqual(
      container().inputs.ports.map((p: { internal: number; external: number; ip: string }) => [p.internal, p.external, p.ip]),
      [
        [8000, 8081, "127.0.0.1"],
        [8443, 9443, "127.0.0.1"],
      ],
    );
  });

  it("gives each route a URL on the HTTPS host port", () => {
    assert.deepEqual(urls, { api: "https://api.example.test:9443/v1", site: "https://www.example.test:9443/" });
  });

  it("runs as a non-root user without capabilities or new privileges, with limits and a restart policy", () => {
    const c = container().inputs;
    assert.equal(c.user, "65532:65532");
    assert.deepEqual(c.capabilities.drops, ["ALL"]);
    assert.deepEqual(c.securityOpts, ["no-new-privileges:true"]);
    assert.deepEqual([c.memory, c.memoryReservation, c.cpus], [512, 128, "1"]);
    assert.equal(c.restart, "unless-stopped");
  });

  it("checks health through Traefik's ping endpoint with the same configuration file", () => {
    assert.deepEqual(container().inputs.healthcheck.tests, ["CMD", "traefik", "healthcheck", "--configFile=/etc/traefik/traefik.yaml"]);
    assert.deepEqual(container().inputs.command, ["traefik", "--configFile=/etc/traefik/traefik.yaml"]);
    const config = staticConfig();
    assert.equal(config.ping.entryPoint, "ping");
    assert.equal(config.entryPoints.ping.address, ":8082");
  });

  it("redirects HTTP permanently to HTTPS on the host's HTTPS port", () => {
    assert.deepEqual(staticConfig().entryPoints.web.http.redirections.entryPoint, { to: ":9443", scheme: "https", permanent: true });
    assert.deepEqual(staticConfig().entryPoints.websecure, { address: ":8443", http: { tls: {} } });
  });

  it("routes each host and path prefix to its backend over websecure with TLS", () => {
    const { routers, services } = dynamicConfig().http;
    assert.deepEqual(Object.keys(routers).sort(), ["api", "site"]);
    assert.equal(routers.api.rule, "Host(`api.example.test`) && PathPrefix(`/v1`)");
    assert.equal(routers.site.rule, "Host(`www.example.test`) && PathPrefix(`/`)");
    for (const router of Object.values<any>(routers)) {
      assert.deepEqual(router.entryPoints, ["websecure"]);
      assert.deepEqual(router.tls, {});
    }
    assert.deepEqual(services.api.loadBalancer.servers, [{ url: "http://api:8080" }]);
    assert.deepEqual(services.site.loadBalancer.servers, [{ url: "http://site:9898" }]);
  });

  it("puts the rate limit, security headers and body limit on every router, all defined", () => {
    const { routers, middlewares } = dynamicConfig().http;
    for (const [name, router] of Object.entries<any>(routers)) {
      assert.deepEqual(router.middlewares, [`${name}-rate-limit`, `${name}-security-headers`, `${name}-body-limit`]);
      for (const m of router.middlewares) assert.ok(middlewares[m], `${m} is defined`);
    }
  });

  it("limits each client to 100 requests per 10 seconds by default and honours a route's override", () => {
    const { middlewares } = dynamicConfig().http;
    assert.deepEqual(middlewares["site-rate-limit"], { rateLimit: { average: 100, period: "10s", burst: 100 } });
    assert.deepEqual(middlewares["api-rate-limit"], { rateLimit: { average: 20, period: "60s", burst: 40 } });
  });

  it("sends HSTS on every route and CORS headers only on the route that allows it", () => {
    const { middlewares } = dynamicConfig().http;
    for (const route of ["api", "site"]) assert.equal(middlewares[`${route}-security-headers`].headers.stsSeconds, 31536000);
    assert.deepEqual(middlewares["site-security-headers"].headers.accessControlAllowOriginList, ["https://app.example.test"]);
    assert.equal(middlewares["api-security-headers"].headers.accessControlAllowOriginList, undefined);
    assert.equal(middlewares["site-body-limit"].buffering.maxRequestBodyBytes, 10 * 1024 * 1024);
  });

  it("stops waiting for a backend's response headers after the route's timeout", () => {
    const { services, serversTransports } = dynamicConfig().http;
    assert.equal(serversTransports[services.api.loadBalancer.serversTransport].forwardingTimeouts.responseHeaderTimeout, "5s");
    assert.equal(serversTransports[services.site.loadBalancer.serversTransport].forwardingTimeouts.responseHeaderTimeout, "30s");
  });

  it("refuses TLS older than 1.2 and serves the uploaded certificate", () => {
    const { tls } = dynamicConfig();
    assert.equal(tls.options.default.minVersion, "VersionTLS12");
    assert.deepEqual(tls.certificates, [{ certFile: "/etc/traefik/certs/gateway.crt", keyFile: "/etc/traefik/certs/gateway.key" }]);
    assert.match(upload("/etc/traefik/certs/gateway.crt").content, /^-----BEGIN CERTIFICATE-----/);
    assert.equal(upload("/etc/traefik/certs/gateway.key").content, `${MOCK_SECRET_PREFIX}edge-tls-key-private-key`);
  });

  it("signs the certificate for every hostname, localhost and 127.0.0.1, for server authentication", () => {
    assert.deepEqual(one("tls:index/privateKey:PrivateKey", "edge-tls-key").inputs, { algorithm: "ECDSA", ecdsaCurve: "P256" });
    const cert = one("tls:index/selfSignedCert:SelfSignedCert", "edge-tls-cert").inputs;
    assert.deepEqual(cert.dnsNames, ["api.example.test", "www.example.test", "localhost"]);
    assert.deepEqual(cert.ipAddresses, ["127.0.0.1"]);
    assert.deepEqual(cert.allowedUses, ["server_auth", "digital_signature", "key_encipherment"]);
    assert.ok(cert.earlyRenewalHours > 0 && cert.earlyRenewalHours < cert.validityPeriodHours);
  });

  it("uploads the private key as a secret readable only by Traefik's user", () => {
    const redacted = (container().redactedInputs.uploads as { file: string; content: unknown }[]).find((u) => u.file === traefikDockerDefaults.keyFile);
    assert.equal(redacted?.content, "[secret]");
    assert.deepEqual([upload(traefikDockerDefaults.keyFile).permissions, upload(traefikDockerDefaults.keyFile).owner], ["0400", "65532"]);
  });

  it("writes no secret in plaintext into any resource's inputs", () => {
    for (const r of program.resources) assert.ok(!JSON.stringify(r.redactedInputs).includes(MOCK_SECRET_PREFIX), `${r.urn} leaks a secret`);
    assert.ok(JSON.stringify(container().inputs).includes(MOCK_SECRET_PREFIX), "the check can see the key when it is not redacted");
  });
});

describe("Traefik configuration for Docker", () => {
  const spec = resolveGateway({ routes }, { environment: "dev", flavour: "docker" });

  it("turns off version checks, usage reporting and the API, and logs access", () => {
    const config = traefikStaticConfig(spec);
    assert.deepEqual(config.global, { checkNewVersion: false, sendAnonymousUsage: false });
    assert.equal((config as unknown as Record<string, unknown>).api, undefined);
    assert.deepEqual(config.accessLog, {});
    assert.deepEqual(config.providers.file, { directory: "/etc/traefik/dynamic", watch: true });
  });

  it("redirects to the default HTTPS host port when none is configured", () => {
    assert.equal(traefikStaticConfig(spec).entryPoints.web.http?.redirections?.entryPoint.to, ":8443");
  });

  it("gives every route its own router, service and transport, and nothing for no routes", () => {
    const config = traefikDynamicConfig(spec);
    assert.deepEqual(Object.keys(config.http.services), ["api", "site"]);
    assert.deepEqual(Object.keys(config.http.serversTransports), ["api", "site"]);
    assert.equal(Object.keys(config.http.middlewares).length, 6);
    const empty = traefikDynamicConfig(resolveGateway({}, { environment: "dev", flavour: "docker" }));
    assert.deepEqual(empty.http, { routers: {}, middlewares: {}, services: {}, serversTransports: {} });
    assert.equal(empty.tls.options.default.minVersion, "VersionTLS12");
  });
});

describe("Gateway on Docker against the policy pack", () => {
  it("passes every policy", async () => {
    const report = await runPolicies(rules, program.resources);
    assert.deepEqual(report.violations, []);
  });
});
