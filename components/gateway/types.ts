/**
 * The types the gateway component and its backends share. Backends import them from here, never
 * from the component's index, so no import runs in a circle.
 */
import type * as pulumi from "@pulumi/pulumi";

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
