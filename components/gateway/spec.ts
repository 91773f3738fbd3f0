import { isIP } from "node:net";
import type * as pulumi from "@pulumi/pulumi";
import type { ArgProblem } from "../contract/problems";
import type { ClusterAddons } from "../addons/types";
import type { Environment, Platform, PlatformFacts } from "../contract/platform";
import type { RouteBackend } from "../contract/routing";
import { resourceProblems } from "../shared/quantity";

/**
 * The Gateway API controllers the component can install. One is implemented and is the default:
 * Traefik Proxy. The README says why (per-client token buckets of any period, the same proxy
 * standalone on Docker, built-in header/CORS/body-size middlewares).
 *
 * @see https://gateway-api.sigs.k8s.io/implementations/
 */
export type GatewayController = "traefik";

/** Where listener certificates come from. @see GatewayTlsArgs */
export const CERTIFICATE_ISSUERS = ["acme", "self-signed"] as const;

/** How ACME challenges are answered. @see AcmeArgs */
export const ACME_SOLVERS = ["http01", "dns01"] as const;

/**
 * Rate limiting per route and per client (the client's source address), as a token bucket:
 * `requests` per `periodSeconds` on average, with bursts up to `burst`.
 *
 * @see https://doc.traefik.io/traefik/middlewares/http/ratelimit/
 */
export interface RateLimitArgs {
  /** Requests allowed per period, per client. Must be ≥ 1. @default 100 */
  readonly requests?: number;
  /** The period, in seconds. Must be ≥ 1. @default 10 */
  readonly periodSeconds?: number;
  /** The most requests a client may send at once. @default `requests` */
  readonly burst?: number;
}

/**
 * Cross-origin resource sharing for browser clients. Off unless `allowOrigins` is set.
 * @see https://developer.mozilla.org/en-US/docs/Web/HTTP/CORS
 */
export interface CorsArgs {
  /** Origins allowed, such as `https://app.example.com`; `*` is refused with credentials. */
  readonly allowOrigins: readonly string[];
  /** Methods allowed. @default ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] */
  readonly allowMethods?: readonly string[];
  /** Request headers allowed. @default ["Authorization", "Content-Type"] */
  readonly allowHeaders?: readonly string[];
  /** Whether credentials (cookies, Authorization) may be sent. @default false */
  readonly allowCredentials?: boolean;
  /** How long browsers may cache a preflight answer, in seconds. @default 600 */
  readonly maxAgeSeconds?: number;
}

/**
 * JSON Web Token authentication on a route: a request with an invalid token (bad signature, wrong
 * `iss` or `aud`, expired) is refused with 401, and one without a token with 403.
 *
 * Traefik Proxy has no JWT middleware (it is a Traefik Hub feature; catalogue plugins are fetched
 * at start-up and interpreted, which we keep off the edge), so the token is verified by the Istio
 * sidecar of the route's backend: a `RequestAuthentication` and an `AuthorizationPolicy` that
 * denies requests without a valid principal. It therefore needs `mesh: "istio"`.
 *
 * @see https://istio.io/latest/docs/tasks/security/authorization/authz-jwt/
 * @see https://datatracker.ietf.org/doc/html/rfc7519
 */
export interface JwtArgs {
  /** The expected `iss` claim. */
  readonly issuer: string;
  /** The HTTPS URL of the issuer's JSON Web Key Set. */
  readonly jwksUri: string;
  /** Accepted `aud` claims. @default any */
  readonly audiences?: readonly string[];
}

/**
 * The traffic policy of a route. Every field has a safe default; a route overrides any of them.
 */
export interface TrafficPolicyArgs {
  /** Rate limit per client on this route. @default 100 requests per 10 seconds, burst 100 */
  readonly rateLimit?: RateLimitArgs;
  /** The largest request body accepted, in bytes; larger bodies get 413. @default 10485760 (10 MiB) */
  readonly maxRequestBodyBytes?: number;
  /** The whole request's timeout, in seconds. @default 30 */
  readonly timeoutSeconds?: number;
  /** CORS; off unless set. */
  readonly cors?: CorsArgs;
  /** JWT authentication; off unless set. */
  readonly jwt?: JwtArgs;
}

/**
 * One route: requests for `hostname` whose path starts with `pathPrefix` go to `backend`.
 * @see https://gateway-api.sigs.k8s.io/api-types/httproute/
 */
export interface GatewayRouteArgs extends TrafficPolicyArgs {
  /** The route's name; a DNS-1035 label, unique in the gateway. Usually the service's name. */
  readonly name: string;
  /** The backend. */
  readonly backend: RouteBackend;
  /** The public hostname (a DNS name such as `api.example.com`). */
  readonly hostname: string;
  /** The path prefix. @default "/" */
  readonly pathPrefix?: string;
}

/**
 * Where the listeners' certificates come from.
 *
 * - `acme`: Let's Encrypt (or another ACME CA) through cert-manager, for public environments;
 * - `self-signed`: the platform's internal CA issuer (cert-manager's `CA` ClusterIssuer) on
 *   Kubernetes, a @pulumi/tls self-signed certificate on Docker; for dev and on-prem.
 *
 * @see https://cert-manager.io/docs/configuration/acme/
 */
export interface GatewayTlsArgs {
  /** @default "acme" in prod on EKS/GKE, "self-signed" otherwise */
  readonly issuer?: (typeof CERTIFICATE_ISSUERS)[number];
  /** ACME settings; required when `issuer` is `acme`. */
  readonly acme?: AcmeArgs;
}

/**
 * An ACME account and how to solve its challenges.
 * @see https://cert-manager.io/docs/configuration/acme/
 */
export interface AcmeArgs {
  /** The account's contact email, for Let's Encrypt's expiry notices. Required: {@link validateGateway} refuses ACME without it. */
  readonly email?: string;
  /** The directory URL. @default Let's Encrypt production, `https://acme-v02.api.letsencrypt.org/directory` */
  readonly server?: string;
  /**
   * The challenge: `http01` through the gateway itself (the HTTP listener serves
   * `/.well-known/acme-challenge/` before redirecting), or `dns01` through the cloud's DNS
   * (Route 53 on EKS, with an IRSA role scoped to the zone; not yet on GKE).
   * @default "http01"
   */
  readonly solver?: (typeof ACME_SOLVERS)[number];
  /** For `dns01`: the Route 53 hosted zone ID. */
  readonly dnsZone?: string;
}

/**
 * Strict-Transport-Security.
 * @see https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Strict-Transport-Security
 */
export interface HstsArgs {
  /** `max-age`, in seconds. @default 31536000 (one year) */
  readonly maxAgeSeconds?: number;
  /** @default true */
  readonly includeSubDomains?: boolean;
  /** @default false; set it only after submitting the domain to the preload list */
  readonly preload?: boolean;
}

/** Docker-only settings of a {@link GatewayArgs}. */
export interface GatewayDockerArgs {
  /** Host port for HTTP (answers only with a redirect). @default 8080 */
  readonly httpPort?: number;
  /** Host port for HTTPS. @default 8443 */
  readonly httpsPort?: number;
}

/**
 * The arguments of a {@link Gateway}.
 */
export interface GatewayArgs {
  /** Where to deploy. */
  readonly platform: Platform;
  /** The cluster's add-ons: `certManager` is required on Kubernetes (the listeners' certificates). @default {} */
  readonly addons?: ClusterAddons;
  /** The controller. @default "traefik" */
  readonly controller?: GatewayController;
  /** The namespace of the controller and the Gateway (created by the component). @default "gateway" */
  readonly namespace?: string;
  /** Certificates. @default see {@link GatewayTlsArgs} */
  readonly tls?: GatewayTlsArgs;
  /** HSTS on every HTTPS response. */
  readonly hsts?: HstsArgs;
  /** The traffic policy every route gets unless it overrides a field. */
  readonly defaults?: TrafficPolicyArgs;
  /** The routes. @default [] */
  readonly routes?: readonly GatewayRouteArgs[];
  /** Controller replicas. @default 2 in prod (with a PodDisruptionBudget), 1 otherwise */
  readonly replicas?: number;
  /** The controller's requests and limits. @default requests 100m/128Mi, limits 1/512Mi */
  readonly resources?: { readonly requests?: { readonly cpu?: string; readonly memory?: string }; readonly limits?: { readonly cpu?: string; readonly memory?: string } };
  /**
   * Labels for the controller's namespace, such as the mesh's injection label, so the gateway
   * reaches STRICT-mTLS services with a mesh identity.
   * @default {}
   */
  readonly namespaceLabels?: Readonly<Record<string, string>>;
  /** The mesh the backends run in, if any. JWT on routes needs `"istio"`. @default none */
  readonly mesh?: "istio" | "linkerd";
  /**
   * Kubernetes: send a span per request to an OpenTelemetry collector over OTLP/gRPC (plain text,
   * in-cluster), so traces start at the edge; `sampleRate` is the share of requests traced (0–1).
   * @default none (no tracing)
   * @see https://doc.traefik.io/traefik/observability/tracing/opentelemetry/
   */
  readonly tracing?: { readonly otlpGrpcEndpoint: string; readonly sampleRate?: number };
  /** Annotations for the controller's pods (mesh injection settings). @default {} */
  readonly podAnnotations?: Readonly<Record<string, string>>;
  /**
   * What the gateway's objects must be created after: the Gateway API CRDs, the mesh's injector.
   * Children of a component do not inherit its `dependsOn`, so it is passed here.
   * @default []
   */
  readonly dependsOn?: readonly pulumi.Resource[];
  /** Docker-only settings. */
  readonly docker?: GatewayDockerArgs;
}

/**
 * The settings of a Gateway: its arguments without what the composition root hands it (the
 * platform and the add-ons).
 */
export type GatewaySettings = Omit<GatewayArgs, "platform" | "addons">;

/** Defaults of {@link GatewayArgs}, merged once by {@link resolveGateway}. */
export const gatewayDefaults = {
  controller: "traefik" as GatewayController,
  namespace: "gateway",
  rateLimit: { requests: 100, periodSeconds: 10 },
  maxRequestBodyBytes: 10 * 1024 * 1024,
  timeoutSeconds: 30,
  cors: { allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"], allowHeaders: ["Authorization", "Content-Type"], allowCredentials: false, maxAgeSeconds: 600 },
  hsts: { maxAgeSeconds: 31536000, includeSubDomains: true, preload: false },
  acmeServer: "https://acme-v02.api.letsencrypt.org/directory",
  resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } },
  docker: { httpPort: 8080, httpsPort: 8443 },
  /** The minimum TLS version on every HTTPS listener. */
  minTlsVersion: "1.2" as const,
} as const;

/** A route's traffic policy with every default applied. */
export interface ResolvedTrafficPolicy {
  readonly rateLimit: { readonly requests: number; readonly periodSeconds: number; readonly burst: number };
  readonly maxRequestBodyBytes: number;
  readonly timeoutSeconds: number;
  readonly cors?: Required<CorsArgs>;
  readonly jwt?: JwtArgs;
}

/** A route with every default applied. */
export interface ResolvedRoute {
  readonly name: string;
  readonly backend: RouteBackend;
  readonly hostname: string;
  readonly pathPrefix: string;
  readonly policy: ResolvedTrafficPolicy;
}

/** A {@link GatewayArgs} with every default applied. */
export interface ResolvedGateway {
  readonly controller: GatewayController;
  readonly environment: Environment;
  readonly namespace: string;
  readonly tls: { readonly issuer: "acme" | "self-signed"; readonly acme?: Required<Omit<AcmeArgs, "dnsZone">> & { readonly dnsZone?: string } };
  readonly hsts: Required<HstsArgs>;
  readonly routes: readonly ResolvedRoute[];
  /** The distinct hostnames of the routes, sorted: one HTTPS listener and certificate each. */
  readonly hostnames: readonly string[];
  readonly replicas: number;
  readonly resources: { readonly requests: { readonly cpu: string; readonly memory: string }; readonly limits: { readonly cpu: string; readonly memory: string } };
  readonly namespaceLabels: Readonly<Record<string, string>>;
  readonly podAnnotations: Readonly<Record<string, string>>;
  readonly mesh?: "istio" | "linkerd";
  readonly tracing?: { readonly otlpGrpcEndpoint: string; readonly sampleRate?: number };
  readonly dependsOn: readonly pulumi.Resource[];
  readonly docker: Required<GatewayDockerArgs>;
  readonly minTlsVersion: "1.2";
}

function resolvePolicy(defaults: TrafficPolicyArgs | undefined, route: TrafficPolicyArgs): ResolvedTrafficPolicy {
  const d = gatewayDefaults;
  const rate = { ...defaults?.rateLimit, ...route.rateLimit };
  const requests = rate.requests ?? d.rateLimit.requests;
  const cors = route.cors ?? defaults?.cors;
  return {
    rateLimit: { requests, periodSeconds: rate.periodSeconds ?? d.rateLimit.periodSeconds, burst: rate.burst ?? requests },
    maxRequestBodyBytes: route.maxRequestBodyBytes ?? defaults?.maxRequestBodyBytes ?? d.maxRequestBodyBytes,
    timeoutSeconds: route.timeoutSeconds ?? defaults?.timeoutSeconds ?? d.timeoutSeconds,
    cors: cors ? { ...d.cors, ...cors } as Required<CorsArgs> : undefined,
    jwt: route.jwt ?? defaults?.jwt,
  };
}

/**
 * Applies the defaults to a {@link GatewayArgs}.
 * @see gatewayDefaults
 */
export function resolveGateway(args: GatewaySettings, on: PlatformFacts): ResolvedGateway {
  const d = gatewayDefaults;
  const environment = on.environment;
  const cloud = on.flavour === "eks" || on.flavour === "gke";
  const issuer = args.tls?.issuer ?? (environment === "prod" && cloud ? "acme" : "self-signed");
  const acme = args.tls?.acme;
  const routes = (args.routes ?? []).map((r) => ({
    name: r.name,
    backend: r.backend,
    hostname: r.hostname,
    pathPrefix: r.pathPrefix ?? "/",
    policy: resolvePolicy(args.defaults, r),
  }));
  return {
    controller: args.controller ?? d.controller,
    environment,
    namespace: args.namespace ?? d.namespace,
    // A missing email is refused by validateGateway, which runs before anything is resolved.
    tls: { issuer, acme: acme ? { email: acme.email ?? "", server: acme.server ?? d.acmeServer, solver: acme.solver ?? "http01", dnsZone: acme.dnsZone } : undefined },
    hsts: { ...d.hsts, ...args.hsts },
    routes,
    hostnames: [...new Set(routes.map((r) => r.hostname))].sort(),
    replicas: args.replicas ?? (environment === "prod" ? 2 : 1),
    resources: { requests: { ...d.resources.requests, ...args.resources?.requests }, limits: { ...d.resources.limits, ...args.resources?.limits } },
    namespaceLabels: args.namespaceLabels ?? {},
    podAnnotations: args.podAnnotations ?? {},
    mesh: args.mesh,
    tracing: args.tracing,
    dependsOn: args.dependsOn ?? [],
    docker: { ...d.docker, ...args.docker },
    minTlsVersion: d.minTlsVersion,
  };
}

/**
 * A hostname as a Gateway listener takes it: a DNS name of RFC 1123 labels (letters, digits and
 * `-`, not starting or ending with `-`, at most 63 characters each and 253 in all, at least two
 * labels), optionally with a leading `*.` wildcard label (`*.example.com`: one listener and one
 * wildcard certificate for every subdomain). An IP address is not a hostname.
 *
 * @see https://gateway-api.sigs.k8s.io/reference/spec/#hostname
 * @see https://datatracker.ietf.org/doc/html/rfc1123#section-2.1
 */
export function hostnameProblem(hostname: string): string | undefined {
  if (isIP(hostname) !== 0) return `"${hostname}" is an IP address; Gateway listeners and routes take DNS names only, such as api.example.com`;
  const label = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
  const wildcard = hostname.startsWith("*.");
  const labels = (wildcard ? hostname.slice(2) : hostname).split(".");
  if (hostname.length > 253 || labels.length + (wildcard ? 1 : 0) < 2 || !labels.every((l) => label.test(l))) {
    return `"${hostname}" is not a valid DNS hostname (lower-case labels of letters, digits and "-", separated by dots, such as api.example.com, or a leading wildcard such as *.example.com)`;
  }
  return undefined;
}

const ROUTE_NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * The problem with a path prefix, if any: the rules the HTTPRoute CRD enforces with CEL on a
 * `PathPrefix` match (absolute, the URL path characters, no `//`, `/./`, `/../`, encoded `/` or `#`),
 * checked here so a bad prefix stops the plan instead of failing at `pulumi up`.
 *
 * @see https://gateway-api.sigs.k8s.io/reference/spec/#httppathmatch
 */
export function pathPrefixProblem(prefix: string): string | undefined {
  if (!prefix.startsWith("/")) return `must start with "/" (got "${prefix}")`;
  if (prefix.length > 1024) return `must be at most 1024 characters (got ${prefix.length})`;
  if (!/^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|%[0-9a-fA-F]{2})+$/.test(prefix)) return `"${prefix}" may contain only URL path characters (letters, digits, - . _ ~ ! $ & ' ( ) * + , ; = : @ / and %XX escapes)`;
  for (const bad of ["//", "/./", "/../", "%2f", "%2F", "#"]) if (prefix.includes(bad)) return `"${prefix}" must not contain "${bad}"`;
  if (prefix.endsWith("/.") || prefix.endsWith("/..")) return `"${prefix}" must not end with "/." or "/.."`;
  return undefined;
}

function policyProblems(policy: TrafficPolicyArgs | undefined, path: (string | number)[], resolved: ResolvedTrafficPolicy | undefined): ArgProblem[] {
  const problems: ArgProblem[] = [];
  const add = (p: (string | number)[], message: string) => problems.push({ path: [...path, ...p], message });
  const whole = (n: unknown) => typeof n === "number" && Number.isInteger(n) && n >= 1;
  const rate = policy?.rateLimit;
  if (rate?.requests !== undefined && !whole(rate.requests)) add(["rateLimit", "requests"], `must be a whole number ≥ 1 (got ${rate.requests}); to lift the limit raise it, a route without one is refused in prod`);
  if (rate?.periodSeconds !== undefined && !whole(rate.periodSeconds)) add(["rateLimit", "periodSeconds"], `must be a whole number of seconds ≥ 1 (got ${rate.periodSeconds})`);
  if (rate?.burst !== undefined && !whole(rate.burst)) add(["rateLimit", "burst"], `must be a whole number ≥ 1 (got ${rate.burst})`);
  if (resolved && whole(rate?.burst) && resolved.rateLimit.burst < resolved.rateLimit.requests) {
    add(["rateLimit", "burst"], `(${resolved.rateLimit.burst}) must be at least \`rateLimit.requests\` (${resolved.rateLimit.requests}), or the average can never be reached`);
  }
  if (policy?.maxRequestBodyBytes !== undefined && !whole(policy.maxRequestBodyBytes)) add(["maxRequestBodyBytes"], `must be a whole number of bytes ≥ 1 (got ${policy.maxRequestBodyBytes})`);
  if (policy?.timeoutSeconds !== undefined && !whole(policy.timeoutSeconds)) add(["timeoutSeconds"], `must be a whole number of seconds ≥ 1 (got ${policy.timeoutSeconds})`);
  const cors = policy?.cors;
  if (cors) {
    if (cors.allowOrigins.length === 0) add(["cors", "allowOrigins"], "must list at least one origin, or leave `cors` out");
    cors.allowOrigins.forEach((origin, i) => {
      if (origin !== "*" && !/^https?:\/\/[a-z0-9.-]+(:\d+)?$/.test(origin)) add(["cors", "allowOrigins", i], `"${origin}" must be an origin such as https://app.example.com (scheme, host, optional port; no path)`);
    });
    if (cors.allowCredentials && cors.allowOrigins.includes("*")) add(["cors", "allowOrigins"], 'must not contain "*" when `allowCredentials` is true; browsers refuse it');
    if (cors.allowMethods !== undefined && cors.allowMethods.length === 0) add(["cors", "allowMethods"], "must list at least one method, or leave it out for the defaults");
    if (cors.maxAgeSeconds !== undefined && (!Number.isInteger(cors.maxAgeSeconds) || cors.maxAgeSeconds < 0)) add(["cors", "maxAgeSeconds"], `must be a whole number of seconds ≥ 0 (got ${cors.maxAgeSeconds})`);
  }
  const jwt = policy?.jwt;
  if (jwt) {
    if (!/^https:\/\/\S+$/.test(jwt.jwksUri)) add(["jwt", "jwksUri"], `must be an https:// URL (got "${jwt.jwksUri}")`);
    if (!jwt.issuer) add(["jwt", "issuer"], "must not be empty");
  }
  return problems;
}

/**
 * Finds every problem with a gateway's arguments, before any resource exists.
 *
 * @param args - the settings (no platform, no add-ons).
 * @param on - the target's flavour and environment.
 * @returns the problems, each with its field's path; empty when the arguments are usable.
 * @see https://cert-manager.io/docs/configuration/acme/
 */
export function validateGateway(args: GatewaySettings, on: PlatformFacts): ArgProblem[] {
  const problems: ArgProblem[] = [];
  const add = (path: (string | number)[], message: string) => problems.push({ path, message });
  if (args.controller !== undefined && args.controller !== "traefik") add(["controller"], `must be "traefik" (got "${String(args.controller)}")`);
  if (args.namespace !== undefined && !ROUTE_NAME.test(args.namespace)) add(["namespace"], `"${args.namespace}" must be a DNS-1035 label`);
  const spec = resolveGateway(args, on);
  if (spec.tls.issuer === "acme") {
    if (!args.tls?.acme?.email) add(["tls", "acme", "email"], "is required for the ACME issuer: Let's Encrypt sends expiry and account notices there");
    else if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(args.tls.acme.email)) add(["tls", "acme", "email"], `"${args.tls.acme.email}" is not an email address`);
    if (on.flavour === "docker") add(["tls", "issuer"], 'must be "self-signed" on docker: an ACME CA cannot reach a laptop');
    if (args.tls?.acme?.server !== undefined && !/^https:\/\//.test(args.tls.acme.server)) add(["tls", "acme", "server"], `must be an https:// ACME directory URL (got "${args.tls.acme.server}")`);
    if (spec.tls.acme?.solver === "dns01" && !spec.tls.acme.dnsZone) add(["tls", "acme", "dnsZone"], "is required for the dns01 solver: the Route 53 hosted zone ID");
    // GKE's Cloud DNS would need a Google service account bound to cert-manager's through Workload
    // Identity, which the platform does not create yet: refused rather than failing at issue time.
    if (spec.tls.acme?.solver === "dns01" && on.flavour !== "eks") add(["tls", "acme", "solver"], "dns01 is supported on eks (Route 53) only; use http01");
  }
  if (!Number.isInteger(spec.replicas) || spec.replicas < 1) add(["replicas"], `must be a whole number ≥ 1 (got ${spec.replicas})`);
  if (!Number.isInteger(spec.hsts.maxAgeSeconds) || spec.hsts.maxAgeSeconds < 0) add(["hsts", "maxAgeSeconds"], `must be a whole number of seconds ≥ 0 (got ${spec.hsts.maxAgeSeconds})`);
  if (spec.hsts.preload && (spec.hsts.maxAgeSeconds < 31536000 || !spec.hsts.includeSubDomains)) add(["hsts", "preload"], "needs `maxAgeSeconds` ≥ 31536000 and `includeSubDomains`, or browsers' preload list refuses the domain");
  problems.push(...resourceProblems(spec.resources));
  problems.push(...policyProblems(args.defaults, ["defaults"], undefined));
  const names = new Set<string>();
  const paths = new Set<string>();
  (args.routes ?? []).forEach((route, i) => {
    if (!ROUTE_NAME.test(route.name)) add(["routes", i, "name"], `"${route.name}" must be a DNS-1035 label`);
    if (names.has(route.name)) add(["routes", i, "name"], `"${route.name}" is declared twice`);
    names.add(route.name);
    const hostProblem = hostnameProblem(route.hostname);
    if (hostProblem) add(["routes", i, "hostname"], hostProblem);
    else if (route.hostname.startsWith("*.") && spec.tls.issuer === "acme" && spec.tls.acme?.solver !== "dns01") {
      add(["routes", i, "hostname"], `"${route.hostname}" is a wildcard: an ACME CA issues wildcard certificates only through the dns01 solver (set gateway.tls.acme.solver to dns01), or name each host`);
    }
    const prefix = route.pathPrefix ?? "/";
    const pathProblem = pathPrefixProblem(prefix);
    if (pathProblem) add(["routes", i, "pathPrefix"], pathProblem);
    if (paths.has(`${route.hostname}${prefix}`)) add(["routes", i, "pathPrefix"], `${route.hostname}${prefix} is already routed by another route`);
    paths.add(`${route.hostname}${prefix}`);
    problems.push(...policyProblems(route, ["routes", i], spec.routes[i].policy));
    if (spec.routes[i].policy.jwt && !route.backend.selector) add(["routes", i, "backend", "selector"], "is required with `jwt`: the token is verified by the backend pods' sidecars, which the selector picks");
    if (spec.routes[i].policy.jwt && args.mesh !== "istio") {
      add(["routes", i, "jwt"], "needs the Istio mesh, whose sidecars verify the token (Traefik Proxy has no JWT middleware); enable `mesh` with provider istio or remove `jwt`");
    }
  });
  for (const key of ["httpPort", "httpsPort"] as const) {
    const port = spec.docker[key];
    if (!Number.isInteger(port) || port < 1 || port > 65535) add(["docker", key], `must be a port from 1 to 65535 (got ${port})`);
  }
  return problems;
}
