/**
 * The Gateway on Docker, for local development: Traefik Proxy as one container with the file
 * provider, the same middlewares as on Kubernetes (built by {@link routeMiddlewares}), HTTPS only
 * with a self-signed certificate from @pulumi/tls, and HTTP answering with a redirect.
 *
 * @see https://doc.traefik.io/traefik/providers/file/
 * @see https://hub.docker.com/_/traefik
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { stringify } from "yaml";
import type { DockerPlatform } from "../contract/platform";
import { cpuToCores, memoryToMiB } from "../shared/quantity";
import type { GatewayEndpoints } from "./types";
import type { ResolvedGateway } from "./spec";
import { routeMiddlewares, tlsOptions, traefikRelease, type TraefikMiddleware } from "./traefik";
import { COMPONENT_LABEL, COMPONENT_ROLES } from "../contract/labels";

/** Fixed facts of the Traefik container: entryPoint ports, file paths, the user. */
export const traefikDockerDefaults = {
  /** Container port of the `web` entryPoint (HTTP; only redirects). */
  webPort: 8000,
  /** Container port of the `websecure` entryPoint (HTTPS). */
  websecurePort: 8443,
  /** Container port of the `ping` entryPoint; not published, used by the healthcheck only. */
  pingPort: 8082,
  /** The static configuration, where Traefik looks first. @see https://doc.traefik.io/traefik/getting-started/configuration-overview/#configuration-file */
  staticConfigFile: "/etc/traefik/traefik.yaml",
  /** The file provider's directory, watched for changes. */
  dynamicConfigDirectory: "/etc/traefik/dynamic",
  /** The certificate (PEM) and its private key (PEM). */
  certFile: "/etc/traefik/certs/gateway.crt",
  keyFile: "/etc/traefik/certs/gateway.key",
  /** The non-root UID and GID Traefik runs as (the Traefik chart's default too). */
  uid: 65532,
  /** The self-signed certificate's lifetime and how long before its end `pulumi up` renews it, in hours. */
  certificateValidityHours: 8760,
  certificateEarlyRenewalHours: 720,
} as const;

/**
 * The part of Traefik's install (static) configuration this backend writes.
 * @see https://doc.traefik.io/traefik/reference/install-configuration/configuration-options/
 */
export interface TraefikStaticConfig {
  readonly global: { readonly checkNewVersion: boolean; readonly sendAnonymousUsage: boolean };
  readonly entryPoints: Record<
    string,
    {
      readonly address: string;
      readonly http?: {
        readonly redirections?: { readonly entryPoint: { readonly to: string; readonly scheme: string; readonly permanent: boolean } };
        readonly tls?: Record<string, never>;
      };
    }
  >;
  readonly ping: { readonly entryPoint: string };
  readonly providers: { readonly file: { readonly directory: string; readonly watch: boolean } };
  readonly log: { readonly level: string };
  readonly accessLog: Record<string, never>;
}

/**
 * The part of Traefik's routing (dynamic) configuration this backend writes for the file provider.
 * @see https://doc.traefik.io/traefik/reference/routing-configuration/other-providers/file/
 */
export interface TraefikDynamicConfig {
  readonly http: {
    readonly routers: Record<string, { readonly entryPoints: string[]; readonly rule: string; readonly service: string; readonly middlewares: string[]; readonly tls: Record<string, never> }>;
    readonly middlewares: Record<string, TraefikMiddleware>;
    readonly services: Record<string, { readonly loadBalancer: { readonly servers: { readonly url: string }[]; readonly serversTransport: string } }>;
    readonly serversTransports: Record<string, { readonly forwardingTimeouts: { readonly responseHeaderTimeout: string } }>;
  };
  readonly tls: {
    readonly options: { readonly default: ReturnType<typeof tlsOptions> };
    readonly certificates: { readonly certFile: string; readonly keyFile: string }[];
  };
}

/**
 * Traefik's static configuration on Docker:
 *
 * - `web` (container port 8000) redirects every request, permanently, to HTTPS on the host's HTTPS
 *   port (`to` given as a port, because the host publishes `websecure` on `docker.httpsPort`, not
 *   on the container port);
 * - `websecure` (8443) terminates TLS for every router;
 * - `/ping` on its own entryPoint (8082), unpublished, for the healthcheck;
 * - the file provider watching {@link traefikDockerDefaults.dynamicConfigDirectory};
 * - access logs on stdout; no API or dashboard (there is no `api` section); no version check and no
 *   anonymous usage reporting.
 *
 * @see https://doc.traefik.io/traefik/reference/install-configuration/entrypoints/
 * @see https://doc.traefik.io/traefik/reference/install-configuration/observability/healthcheck/
 */
export function traefikStaticConfig(spec: Pick<ResolvedGateway, "docker">): TraefikStaticConfig {
  const d = traefikDockerDefaults;
  return {
    global: { checkNewVersion: false, sendAnonymousUsage: false },
    entryPoints: {
      web: { address: `:${d.webPort}`, http: { redirections: { entryPoint: { to: `:${spec.docker.httpsPort}`, scheme: "https", permanent: true } } } },
      websecure: { address: `:${d.websecurePort}`, http: { tls: {} } },
      ping: { address: `:${d.pingPort}` },
    },
    ping: { entryPoint: "ping" },
    providers: { file: { directory: d.dynamicConfigDirectory, watch: true } },
    log: { level: "INFO" },
    accessLog: {},
  };
}

/**
 * A Traefik router's host matcher: `Host(\`api.example.com\`)`, or for a wildcard hostname
 * (`*.example.com`) a `HostRegexp` that matches exactly one label under the domain, as a Gateway
 * listener's wildcard does.
 *
 * @see https://doc.traefik.io/traefik/routing/routers/#rule
 * @see https://gateway-api.sigs.k8s.io/reference/spec/#hostname
 */
export function hostRule(hostname: string): string {
  if (!hostname.startsWith("*.")) return `Host(\`${hostname}\`)`;
  return `HostRegexp(\`^[a-z0-9-]+\\.${hostname.slice(2).replace(/\./g, "\\.")}$\`)`;
}

/**
 * Traefik's dynamic configuration on Docker: per route a router on `websecure` matching its host
 * and path prefix, its three middlewares (`<route>-rate-limit`, `<route>-security-headers`,
 * `<route>-body-limit`), and a service sending to the backend's network alias and port through a
 * servers transport that gives up waiting for response headers after `timeoutSeconds`; TLS 1.2 at
 * least as the default TLS options, and the self-signed certificate.
 *
 * @see https://doc.traefik.io/traefik/reference/routing-configuration/http/load-balancing/serverstransport/
 * @see https://doc.traefik.io/traefik/https/tls/
 */
export function traefikDynamicConfig(spec: Pick<ResolvedGateway, "routes" | "hsts">): TraefikDynamicConfig {
  const d = traefikDockerDefaults;
  const http: TraefikDynamicConfig["http"] = { routers: {}, middlewares: {}, services: {}, serversTransports: {} };
  for (const route of spec.routes) {
    const middlewares = Object.entries(routeMiddlewares(route, spec)).map(([suffix, definition]) => {
      http.middlewares[`${route.name}-${suffix}`] = definition;
      return `${route.name}-${suffix}`;
    });
    http.routers[route.name] = {
      entryPoints: ["websecure"],
      // Host() matches one name; a wildcard listener's `*.example.com` is one label under the domain.
      rule: `${hostRule(route.hostname)} && PathPrefix(\`${route.pathPrefix}\`)`,
      service: route.name,
      middlewares,
      tls: {},
    };
    http.services[route.name] = { loadBalancer: { servers: [{ url: `http://${route.backend.serviceName}:${route.backend.port}` }], serversTransport: route.name } };
    http.serversTransports[route.name] = { forwardingTimeouts: { responseHeaderTimeout: `${route.policy.timeoutSeconds}s` } };
  }
  return { http, tls: { options: { default: tlsOptions() }, certificates: [{ certFile: d.certFile, keyFile: d.keyFile }] } };
}

/**
 * Runs Traefik Proxy as one container on the platform's network, publishing HTTP and HTTPS on
 * `platform.publishAddress`, with a self-signed ECDSA P-256 certificate for the routes' hostnames,
 * `localhost` and 127.0.0.1.
 *
 * The configuration and the certificate are container `uploads`. Docker's archive API extracts them
 * at `/` and refuses that on a read-only root filesystem, so the root filesystem stays writable;
 * the container still runs as a non-root user with every capability dropped and
 * `no-new-privileges`. The private key is uploaded as a secret, readable by Traefik's user only.
 *
 * @param name - the component's name; resources are named `${name}-<role>`.
 * @param spec - the resolved arguments.
 * @param platform - the Docker engine and network.
 * @param parent - the Gateway component.
 * @returns the publish address and the host's HTTPS port.
 * @see https://www.pulumi.com/registry/packages/docker/api-docs/container/
 * @see https://www.pulumi.com/registry/packages/tls/api-docs/selfsignedcert/
 */
export function deployGatewayToDocker(name: string, spec: ResolvedGateway, platform: DockerPlatform, parent: pulumi.Resource): GatewayEndpoints {
  const d = traefikDockerDefaults;
  const opts: pulumi.CustomResourceOptions = { parent, provider: platform.provider };
  const key = new tls.PrivateKey(`${name}-tls-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent });
  const cert = new tls.SelfSignedCert(
    `${name}-tls-cert`,
    {
      privateKeyPem: key.privateKeyPem,
      subject: { commonName: spec.hostnames[0] ?? "localhost", organization: `${pulumi.getProject()} ${platform.environment}` },
      dnsNames: [...spec.hostnames, "localhost"],
      ipAddresses: ["127.0.0.1"],
      allowedUses: ["server_auth", "digital_signature", "key_encipherment"],
      validityPeriodHours: d.certificateValidityHours,
      earlyRenewalHours: d.certificateEarlyRenewalHours,
    },
    { parent },
  );
  const image = new docker.RemoteImage(`${name}-image`, { name: traefikRelease.image, keepLocally: true }, opts);
  const labels = {
    "app.kubernetes.io/name": "traefik",
    "app.kubernetes.io/instance": name,
    [COMPONENT_LABEL]: COMPONENT_ROLES.gateway,
    "app.kubernetes.io/managed-by": "pulumi",
  };
  const owner = { owner: String(d.uid), group: String(d.uid) };
  new docker.Container(
    `${name}-container`,
    {
      name: pulumi.interpolate`${platform.networkName}-${name}`,
      image: image.imageId,
      command: ["traefik", `--configFile=${d.staticConfigFile}`],
      uploads: [
        { file: d.staticConfigFile, content: stringify(traefikStaticConfig(spec)), permissions: "0444", ...owner },
        { file: `${d.dynamicConfigDirectory}/routes.yaml`, content: stringify(traefikDynamicConfig(spec)), permissions: "0444", ...owner },
        { file: d.certFile, content: cert.certPem, permissions: "0444", ...owner },
        { file: d.keyFile, content: key.privateKeyPem, permissions: "0400", ...owner },
      ],
      restart: "unless-stopped",
      user: `${d.uid}:${d.uid}`,
      securityOpts: ["no-new-privileges:true"],
      capabilities: { drops: ["ALL"] },
      memory: memoryToMiB(spec.resources.limits.memory),
      memoryReservation: memoryToMiB(spec.resources.requests.memory),
      cpus: String(cpuToCores(spec.resources.limits.cpu)),
      healthcheck: {
        tests: ["CMD", "traefik", "healthcheck", `--configFile=${d.staticConfigFile}`],
        interval: "10s",
        timeout: "5s",
        startPeriod: "10s",
        retries: 3,
      },
      networksAdvanced: [{ name: platform.networkName, aliases: [name] }],
      ports: [
        { internal: d.webPort, external: spec.docker.httpPort, ip: platform.publishAddress },
        { internal: d.websecurePort, external: spec.docker.httpsPort, ip: platform.publishAddress },
      ],
      labels: Object.entries(labels).map(([label, value]) => ({ label, value })),
    },
    // `privateKeyPem` is a secret output, so the key's upload is sent as a secret; the provider
    // also returns `uploads` in its state, which must stay secret there too.
    { ...opts, additionalSecretOutputs: ["uploads"] },
  );
  return { address: pulumi.output(platform.publishAddress), httpsPort: spec.docker.httpsPort };
}
