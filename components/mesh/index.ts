import * as pulumi from "@pulumi/pulumi";
import { formatProblems } from "../contract/problems";
import { deployIstio, destinationRule, istioEnrollment, virtualService } from "./istio";
import { deployLinkerd, linkerdEnrollment, linkerdRouteAnnotations } from "./linkerd";
import { resolveMesh, validateMesh, type MeshProvider, type ResolvedMeshService, type ServiceMeshArgs } from "./spec";
import type { MeshEnrollment } from "./types";

export * from "./spec";
export type * from "./types";
export { failureAccrualAnnotations } from "./linkerd";
export { createIstioJwtPolicies, istioJwtPolicies, ISTIO_ROOT_NAMESPACE } from "./istio";
export { LINKERD_CNI_NAMESPACE, LINKERD_NAMESPACE } from "./linkerd";

/**
 * How workloads join a mesh of the given provider, known before the mesh exists so that the
 * services' namespaces can be created (and passed to the mesh's `dependsOn`) first.
 *
 * @param provider - the mesh provider.
 * @returns namespace labels and annotations, and the gateway's pod annotations.
 * @see https://linkerd.io/2/features/proxy-injection/
 */
export function meshEnrollment(provider: MeshProvider): Omit<MeshEnrollment, "ready"> {
  return provider === "istio" ? istioEnrollment() : linkerdEnrollment();
}

/**
 * The service mesh: mesh-wide mTLS, and per service retries with backoff, a request timeout,
 * circuit breaking (connection-pool limits, outlier detection), a canary split and an
 * authorization policy that admits only the gateway and declared callers.
 *
 * - **Istio** (default): the `base`, `istiod` and `cni` charts, pinned; `PeerAuthentication`
 *   STRICT in the root namespace; per service a `DestinationRule`, a `VirtualService` and an
 *   `AuthorizationPolicy`.
 * - **Linkerd**: the `linkerd-crds`, `linkerd2-cni` and `linkerd-control-plane` charts with a trust
 *   anchor and an issuer certificate from @pulumi/tls; per service `Server`,
 *   `AuthorizationPolicy` with `MeshTLSAuthentication`, retries/timeouts on an `HTTPRoute`, failure
 *   accrual through the Service's annotations ({@link failureAccrualAnnotations}, which the
 *   program passes to the AppService).
 * - **Docker**: there is no mesh. The component creates nothing and logs a warning that the plan
 *   and `pulumi up` print, so the gap is never silent.
 *
 * @example
 * ```ts
 * const mesh = new ServiceMesh("mesh", { platform, services: [{ name: "api", namespace: "apps", port: 80, selector: { app: "api" } }] });
 * ```
 * @see https://istio.io/latest/docs/concepts/security/#mutual-tls-authentication
 * @see https://linkerd.io/2/features/automatic-mtls/
 */
export class ServiceMesh extends pulumi.ComponentResource {
  /** The mesh provider, or `undefined` on Docker where there is none. */
  public readonly provider?: MeshProvider;
  /** How to enrol namespaces and the gateway; empty on Docker. */
  public readonly enrollment: MeshEnrollment;

  /**
   * @param name - the logical name; children are named `${name}-<role>`.
   * @param args - see {@link ServiceMeshArgs}.
   * @param opts - component options.
   * @throws Error naming every bad field (PERMISSIVE in prod, canary weights not summing to 100,
   *   an unknown caller…).
   */
  constructor(name: string, args: ServiceMeshArgs, opts?: pulumi.ComponentResourceOptions) {
    const { platform, ...settings } = args;
    const problems = validateMesh(settings, platform);
    if (problems.length > 0) throw new Error(`ServiceMesh "${name}": ${formatProblems(problems)}`);
    super("platform:index:ServiceMesh", name, {}, opts);
    const spec = resolveMesh(settings, platform);
    if (platform.kind === "docker") {
      this.enrollment = { namespaceLabels: {}, namespaceAnnotations: {}, gatewayPodAnnotations: {}, jobPodAnnotations: {}, ready: [] };
      pulumi.log.warn(
        `ServiceMesh "${name}": Docker has no service mesh. Containers talk plain HTTP on the private network, without mTLS, retries, circuit breaking or canary splits; use a Kubernetes target for those.`,
        this,
      );
      this.registerOutputs({ provider: "none" });
      return;
    }
    this.provider = spec.provider;
    this.enrollment = spec.provider === "istio" ? deployIstio(name, spec, platform, this) : deployLinkerd(name, spec, platform, this);
    this.registerOutputs({ provider: this.provider });
  }
}

/**
 * The mesh policy of a progressive service, as fields of its Flagger `Canary`'s `spec.service`, so
 * the routing Flagger generates keeps what the mesh would have written: with Istio the request
 * `timeout`, `retries` and the DestinationRule's `trafficPolicy` (mTLS, the HTTP connection pool,
 * outlier detection; the Canary CRD has no TCP pool, so `circuitBreaker.maxConnections` does not
 * apply to a progressive service); with Linkerd the retry and timeout annotations of the HTTPRoute
 * Flagger writes (`apex.annotations`; failure accrual stays on the AppService's own Service, which
 * Flagger takes over as the apex, through its `serviceAnnotations`).
 *
 * @see https://docs.flagger.app/usage/how-it-works#canary-service
 * @see https://linkerd.io/2-edge/reference/retries/
 */
export function flaggerServicePolicy(provider: MeshProvider, service: ResolvedMeshService): Record<string, unknown> {
  if (provider === "linkerd") return { apex: { annotations: linkerdRouteAnnotations(service) } };
  const route = virtualService(service).spec.http as { timeout: string; retries: Record<string, unknown> }[];
  // Flagger's `retries` takes attempts, perTryTimeout and retryOn (no backoff: Envoy's default 25 ms base applies).
  const { backoff: _backoff, ...retries } = route[0].retries;
  // The Canary CRD (v1.44.0) declares only `connectionPool.http`: `maxConnections` (tcp) would be pruned, so it is left out.
  const { connectionPool, ...trafficPolicy } = destinationRule(service).spec.trafficPolicy as { connectionPool: { http: unknown } } & Record<string, unknown>;
  return { timeout: route[0].timeout, retries, trafficPolicy: { ...trafficPolicy, connectionPool: { http: connectionPool.http } } };
}
