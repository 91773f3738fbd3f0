import * as pulumi from "@pulumi/pulumi";
import { formatProblems } from "../app-service/spec";
import { deployGatewayToDocker } from "./docker";
import { deployGatewayToKubernetes } from "./kubernetes";
import { resolveGateway, validateGateway, type GatewayArgs } from "./spec";

export * from "./spec";
export { GatewayApiCrds, gatewayApiRelease } from "./crds";
export { httpsRedirectMiddleware, routeMiddlewares, tlsOptions, traefikRelease, type TraefikMiddleware } from "./traefik";

/** What every backend returns. */
export interface GatewayEndpoints {
  /** The address clients connect to: the load balancer's hostname or IP, or the Docker host's publish address. */
  readonly address: pulumi.Output<string>;
  /** The HTTPS port clients use (443, or the Docker host port). */
  readonly httpsPort: number;
  /** The controller's workload identity, for mesh authorization policies (Kubernetes only). */
  readonly identity?: GatewayIdentity;
}

/** The controller's namespace and ServiceAccount: who the mesh sees calling the backends. */
export interface GatewayIdentity {
  readonly namespace: string;
  readonly serviceAccount: string;
}

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
 * const gateway = new Gateway("gateway", { platform, certManager, routes: [{ name: "api", backend: api.backend, hostname: "api.example.com" }] });
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
   *   or when the platform is Kubernetes and `certManager` is missing.
   */
  constructor(name: string, args: GatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    const problems = validateGateway(args);
    if (args.platform.kind === "kubernetes" && !args.certManager) problems.push({ path: ["certManager"], message: "is required on Kubernetes: listeners get their certificates from cert-manager" });
    if (problems.length > 0) throw new Error(`Gateway "${name}": ${formatProblems(problems)}`);
    super("platform:index:Gateway", name, {}, opts);
    const spec = resolveGateway(args);
    this.namespace = spec.namespace;
    const endpoints =
      args.platform.kind === "kubernetes"
        ? deployGatewayToKubernetes(name, spec, args.platform, args.certManager!, this)
        : deployGatewayToDocker(name, spec, args.platform, this);
    this.address = endpoints.address;
    this.identity = endpoints.identity;
    const port = endpoints.httpsPort === 443 ? "" : `:${endpoints.httpsPort}`;
    this.urls = Object.fromEntries(spec.routes.map((r) => [r.name, pulumi.output(`https://${r.hostname}${port}${r.pathPrefix}`)]));
    this.registerOutputs({ address: this.address, urls: this.urls });
  }
}
