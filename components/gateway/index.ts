import * as pulumi from "@pulumi/pulumi";
import { targetConflicts } from "../addons";
import { formatProblems } from "../contract/problems";
import { deployGatewayToDocker } from "./docker";
import { deployGatewayToKubernetes } from "./kubernetes";
import { resolveGateway, validateGateway, type GatewayArgs } from "./spec";
import type { GatewayIdentity } from "./types";

export * from "./spec";
export type * from "./types";
export { gatewayIdentity } from "./kubernetes";
export { httpsRedirectMiddleware, routeMiddlewares, tlsOptions, traefikRelease, type TraefikMiddleware } from "./traefik";

/**
 * The platform's API gateway: HTTPS only, with rate limits, security headers, body-size limits,
 * timeouts, optional CORS and JWT on every route.
 *
 * - **Kubernetes** (EKS, GKE, k3s): Traefik Proxy from its chart serving the Gateway API: one
 *   `Gateway` with an HTTPS listener and a cert-manager `Certificate` per hostname, an HTTP listener
 *   that only redirects (and serves ACME HTTP-01 challenges), one `HTTPRoute` per route with Traefik
 *   `Middleware`s attached, a `TLSOption` with TLS 1.2 at least, exposed through the cloud's load
 *   balancer (EKS NLB, GKE passthrough LB) or k3s's service load balancer / a NodePort.
 * - **Docker**: the same Traefik Proxy as a container with the file provider, the same middlewares,
 *   and a self-signed certificate from @pulumi/tls.
 *
 * @example
 * ```ts
 * const gateway = new Gateway("gateway", { platform, addons: { certManager }, routes: [{ name: "api", backend: api.backend, hostname: "api.example.com" }] });
 * ```
 * @see https://gateway-api.sigs.k8s.io/
 * @see https://doc.traefik.io/traefik/routing/providers/kubernetes-gateway/
 * @see https://cert-manager.io/docs/usage/gateway/
 */
export class Gateway extends pulumi.ComponentResource {
  /** The address clients connect to. */
  public readonly address: pulumi.Output<string>;
  /** The public URL of each route, by route name: `https://<hostname>[:port]<pathPrefix>`. */
  public readonly urls: Record<string, pulumi.Output<string>>;
  /** The namespace of the controller and the Gateway (Kubernetes). */
  public readonly namespace: string;
  /** The controller's namespace and ServiceAccount (Kubernetes only), for mesh authorization. */
  public readonly identity?: GatewayIdentity;

  /**
   * @param name - the logical name; children are named `${name}-<role>`.
   * @param args - see {@link GatewayArgs}.
   * @param opts - component options.
   * @throws Error naming every bad field (invalid hostname, ACME without email, rate limit ≤ 0…),
   *   when the platform is Kubernetes and `addons.certManager` is missing, or when it is a k3s
   *   cluster that still runs its bundled Traefik (which holds ports 80 and 443).
   */
  constructor(name: string, args: GatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    const { platform, addons = {}, ...settings } = args;
    const problems = validateGateway(settings, platform);
    if (platform.kind === "kubernetes" && !addons.certManager) problems.push({ path: ["addons", "certManager"], message: "is required on Kubernetes: listeners get their certificates from cert-manager" });
    for (const conflict of platform.kind === "kubernetes" ? targetConflicts(["traefik"], platform) : []) problems.push({ path: ["platform"], message: conflict.message });
    if (problems.length > 0) throw new Error(`Gateway "${name}": ${formatProblems(problems)}`);
    super("platform:index:Gateway", name, {}, opts);
    const spec = resolveGateway(settings, platform);
    this.namespace = spec.namespace;
    const endpoints =
      platform.kind === "kubernetes" ? deployGatewayToKubernetes(name, spec, platform, addons.certManager!, this) : deployGatewayToDocker(name, spec, platform, this);
    this.address = endpoints.address;
    this.identity = endpoints.identity;
    const port = endpoints.httpsPort === 443 ? "" : `:${endpoints.httpsPort}`;
    this.urls = Object.fromEntries(spec.routes.map((r) => [r.name, pulumi.output(`https://${r.hostname}${port}${r.pathPrefix}`)]));
    this.registerOutputs({ address: this.address, urls: this.urls });
  }
}
