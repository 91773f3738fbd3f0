/**
 * The types the mesh component and its backends share. Backends import them from here, never
 * from the component's index, so no import runs in a circle.
 */
import type * as pulumi from "@pulumi/pulumi";

/**
 * What a mesh backend returns: how to enrol workloads, and what they must wait for.
 */
export interface MeshEnrollment {
  /** Labels for every namespace whose pods join the mesh (`istio-injection: enabled`). */
  readonly namespaceLabels: Readonly<Record<string, string>>;
  /** Annotations for every namespace whose pods join the mesh (`linkerd.io/inject: enabled`). */
  readonly namespaceAnnotations: Readonly<Record<string, string>>;
  /**
   * Pod annotations for the gateway's controller: it joins the mesh for its outbound calls (so
   * STRICT services accept it) while its inbound public traffic bypasses the proxy.
   */
  readonly gatewayPodAnnotations: Readonly<Record<string, string>>;
  /**
   * Pod annotations for Jobs and CronJobs: the proxy as a native sidecar (an init container with
   * `restartPolicy: Always`), which the kubelet stops once the Job's container has exited; a
   * classic sidecar never exits, and the Job never completes.
   * @see https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/#jobs-with-sidecar-containers
   */
  readonly jobPodAnnotations: Readonly<Record<string, string>>;
  /** The resources workloads must be created after (the injector's release). */
  readonly ready: readonly pulumi.Resource[];
}
