import type * as pulumi from "@pulumi/pulumi";

/**
 * Where a route sends traffic: a Service (on Kubernetes) or a container (on Docker). An
 * AppService's `backend` is one; the Gateway's routes take one.
 *
 * @see https://gateway-api.sigs.k8s.io/api-types/httproute/#backendrefs
 */
export interface RouteBackend {
  /** The Kubernetes Service name, or on Docker the container's network alias. */
  readonly serviceName: string;
  /** The Service's namespace (ignored on Docker). */
  readonly namespace: pulumi.Input<string>;
  /** The Service port on Kubernetes, the container port on Docker. */
  readonly port: number;
  /** The labels that select the backend's pods, for mesh policies (JWT) that attach to workloads. */
  readonly selector?: Readonly<Record<string, string>>;
  /**
   * The name of the gateway's HTTPRoute to this backend, which lives in the backend's namespace,
   * when the route's own name is taken there: Flagger's Gateway API router (Linkerd) writes an
   * HTTPRoute named after the Service it routes.
   * @default the route's name
   */
  readonly httpRouteName?: string;
}
