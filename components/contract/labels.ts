/**
 * The labels, annotations and type tokens that components put on what they create and that the
 * policy pack reads back. Declared once here, so a rule can never drift from the component it
 * checks.
 *
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/
 */

/** The recommended label naming a workload's role within the application. */
export const COMPONENT_LABEL = "app.kubernetes.io/component";

/**
 * The values of {@link COMPONENT_LABEL} the components set and the policies select by.
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/
 */
export const COMPONENT_ROLES = {
  /** An AppService's Deployment and pods, or its Docker container. */
  appService: "app-service",
  /** An AppService's migration Job and its pod, or its Docker migration container. */
  migration: "migration",
  /** An AppService's CronJobs and their pods. */
  cronJob: "cron-job",
  /** The gateway's Docker container. */
  gateway: "gateway",
  /** A broker's Docker container. */
  messageQueue: "message-queue",
  /** The observability stack's Docker containers. */
  observability: "observability",
  /** Valkey's data pods. */
  redisServer: "server",
  /** Valkey's Sentinel pods. */
  redisSentinel: "sentinel",
} as const;

/**
 * The label that tells a service's stable pods from its canary pods (`stable` or `canary`); the
 * mesh splits traffic between them by it.
 */
export const TRACK_LABEL = "platform.acme.dev/track";

/**
 * The values of {@link TRACK_LABEL}. With a canary, the platform names objects after the service
 * and its track (`<service>-canary` Deployment; Linkerd's `<service>-stable` and `<service>-canary`
 * Services), so a service's name must leave room for the longest suffix.
 */
export const CANARY_TRACKS = ["stable", "canary"] as const;

/**
 * The label on the gateway's own Service: the only Service allowed to be `LoadBalancer` or
 * `NodePort` (the policy pack checks it).
 */
export const EDGE_LABEL = "platform.acme.dev/edge";

/**
 * The annotation a workload carries when it runs without TLS on purpose (dev only); the policy pack
 * refuses it in prod.
 */
export const TLS_DISABLED_ANNOTATION = { key: "platform.acme.io/tls", value: "disabled" } as const;

/** The Gateway API's group, of the Gateway, the HTTPRoutes and their parent references. @see https://gateway-api.sigs.k8s.io/reference/spec/ */
export const GATEWAY_API_GROUP = "gateway.networking.k8s.io";

/** The type tokens of the components, as they appear in URNs and to policies. */
export const COMPONENT_TYPES = {
  appService: "platform:index:AppService",
} as const;

/**
 * The access labels: a pod carrying `<label>: "true"` may reach that data store's client ports
 * (the store admits it in the data namespace, the pod's own namespace lets it out). The program
 * puts them on a service's pods from `services[].uses`, so a Job or CronJob that carries the
 * service's labels reaches the same stores, and nothing else does.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/#behavior-of-to-and-from-selectors
 */
export const ACCESS_LABELS = {
  postgres: "platform.acme.dev/access-postgres",
  redis: "platform.acme.dev/access-redis",
  messageQueue: "platform.acme.dev/access-message-queue",
  /** A service with a cloud identity (IRSA, Workload Identity): its pods and its Jobs' call the cloud's APIs. */
  cloudApis: "platform.acme.dev/access-cloud-apis",
} as const;

/** The value of an {@link ACCESS_LABELS} label that grants the access. */
export const ACCESS_GRANTED = "true";
