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

/** The pinned Traefik Proxy release: chart and image. */
export const traefikRelease = {
  /** Traefik Proxy; the Docker image and the chart's `appVersion`. */
  image: "traefik:v3.6.2",
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
    // An empty value removes the header: do not advertise the backend's software.
    customResponseHeaders: { Server: "", "X-Powered-By": "" },
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
