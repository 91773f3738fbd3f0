/**
 * Traefik middleware definitions, built once from a resolved route and used twice: as the `spec`
 * of `traefik.io/v1alpha1` `Middleware` objects on Kubernetes, and as the `http.middlewares`
 * entries of the file provider on Docker. The two schemas are the same, so both targets enforce
 * exactly the same limits and headers.
 *
 * @see https://doc.traefik.io/traefik/middlewares/http/overview/
 * @see https://doc.traefik.io/traefik/providers/file/
 */
import type { ResolvedGateway, ResolvedRoute } from "./spec";

/** One middleware's definition, keyed by its kind (`rateLimit`, `headers`, `buffering`…). */
export type TraefikMiddleware = Record<string, Record<string, unknown>>;

/**
 * The pinned Traefik Proxy release: the image both targets run, and on Kubernetes the maintainers'
 * chart with its separate CRDs chart.
 *
 * Chart 37.3.0 ships Traefik v3.6.0 (`appVersion`) and was published together with `traefik-crds`
 * 1.12.0; the image is the v3.6.2 patch release of the same minor, set through the chart's
 * `image.tag`. Traefik v3.6 passes the Gateway API v1.4.0 conformance suite; the `v1` kinds the
 * Gateway writes (GatewayClass, Gateway, HTTPRoute) are unchanged in the v1.6.1 CRDs the cluster runs.
 *
 * @see https://github.com/traefik/traefik-helm-chart/blob/master/traefik/Changelog.md
 * @see https://github.com/kubernetes-sigs/gateway-api/tree/main/conformance/reports/v1.4.0/traefik-traefik
 */
export const traefikRelease = {
  /** Traefik Proxy: the Docker image, and the chart's `image.tag`. */
  image: "traefik:v3.6.2",
  /** The Traefik chart. @see https://traefik.github.io/charts */
  chart: { repo: "https://traefik.github.io/charts", name: "traefik", version: "37.3.0" },
  /** Traefik's own CRDs (`traefik.io`: Middleware, TLSOption…) without Gateway API's. */
  crdsChart: { repo: "https://traefik.github.io/charts", name: "traefik-crds", version: "1.12.0" },
} as const;

/**
 * The middlewares of one route, in the order they run, keyed by a suffix for their names
 * (`<route>-<suffix>`):
 *
 * - `rate-limit`: a token bucket per client source address, `requests` per `periodSeconds`;
 * - `security-headers`: HSTS, `X-Frame-Options: DENY`, `X-Content-Type-Options: nosniff`,
 *   `Referrer-Policy`, and the CORS headers when the route allows cross-origin calls;
 * - `body-limit`: requests larger than `maxRequestBodyBytes` get 413.
 *
 * @see https://doc.traefik.io/traefik/middlewares/http/ratelimit/
 * @see https://doc.traefik.io/traefik/middlewares/http/headers/
 * @see https://doc.traefik.io/traefik/middlewares/http/buffering/
 */
export function routeMiddlewares(route: ResolvedRoute, gateway: Pick<ResolvedGateway, "hsts">): Record<"rate-limit" | "security-headers" | "body-limit", TraefikMiddleware> {
  const { rateLimit, cors, maxRequestBodyBytes } = route.policy;
  const headers: Record<string, unknown> = {
    stsSeconds: gateway.hsts.maxAgeSeconds,
    stsIncludeSubdomains: gateway.hsts.includeSubDomains,
    stsPreload: gateway.hsts.preload,
    forceSTSHeader: true,
    frameDeny: true,
    contentTypeNosniff: true,
    referrerPolicy: "strict-origin-when-cross-origin",
    // An empty value removes the header: do not advertise the backend's software, and never let a
    // client choose a mesh destination (Linkerd's override header would make the gateway a relay).
    customResponseHeaders: { Server: "", "X-Powered-By": "" },
    customRequestHeaders: { "l5d-dst-override": "" },
  };
  if (cors) {
    Object.assign(headers, {
      accessControlAllowOriginList: [...cors.allowOrigins],
      accessControlAllowMethods: [...cors.allowMethods],
      accessControlAllowHeaders: [...cors.allowHeaders],
      accessControlAllowCredentials: cors.allowCredentials,
      accessControlMaxAge: cors.maxAgeSeconds,
      addVaryHeader: true,
    });
  }
  return {
    "rate-limit": { rateLimit: { average: rateLimit.requests, period: `${rateLimit.periodSeconds}s`, burst: rateLimit.burst } },
    "security-headers": { headers },
    "body-limit": { buffering: { maxRequestBodyBytes, memRequestBodyBytes: Math.min(maxRequestBodyBytes, 1024 * 1024) } },
  };
}

/**
 * The redirect the HTTP listener answers every request with: 301 to the same URL on HTTPS.
 * @see https://doc.traefik.io/traefik/middlewares/http/redirectscheme/
 */
export function httpsRedirectMiddleware(httpsPort?: number): TraefikMiddleware {
  return { redirectScheme: { scheme: "https", permanent: true, ...(httpsPort && httpsPort !== 443 ? { port: String(httpsPort) } : {}) } };
}

/**
 * The TLS options every HTTPS listener uses: TLS 1.2 at least, with the cipher suites of
 * Mozilla's "intermediate" profile for TLS 1.2 (TLS 1.3 suites are not configurable).
 *
 * @see https://doc.traefik.io/traefik/https/tls/#tls-options
 * @see https://ssl-config.mozilla.org/#server=traefik&config=intermediate
 */
export function tlsOptions(): { minVersion: string; cipherSuites: string[]; sniStrict: boolean } {
  return {
    minVersion: "VersionTLS12",
    cipherSuites: [
      "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
      "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    ],
    sniStrict: true,
  };
}
