/**
 * The admission webhooks and aggregated APIs the platform's add-ons serve, and the pod ports the
 * Kubernetes API server calls them on. A private GKE cluster's control plane reaches its nodes only
 * on the ports of GKE's own firewall rule, so every other port here needs a rule of the platform's
 * (`GkeCluster` opens them; the `gke-webhooks-reachable` policy checks it). Facts read from each
 * pinned chart's or manifest's templates, at the tag the project pins.
 *
 * @see https://cloud.google.com/kubernetes-engine/docs/concepts/firewall-rules
 * @see https://cloud.google.com/service-mesh/docs/private-cluster-open-port
 */

/** A server of admission webhooks (or an aggregated API) that the API server must reach. */
export interface WebhookServer {
  /** What serves it. */
  readonly what: string;
  /** How a plan recognizes it: the Helm chart that installs it. */
  readonly chart?: string;
  /** Or: a pattern of the manifest URL that installs it. */
  readonly manifest?: RegExp;
  /** The pod (container) ports the API server calls. */
  readonly ports: readonly number[];
  /** Where the port is declared. */
  readonly see: string;
}

/** The webhook servers of the charts and manifests the platform installs. */
export const WEBHOOK_SERVERS: readonly WebhookServer[] = [
  { what: "istiod (sidecar injector, config validation)", chart: "istiod", ports: [15017], see: "https://github.com/istio/istio/blob/1.30.3/manifests/charts/istio-control/istio-discovery/templates/deployment.yaml" },
  {
    what: "Linkerd proxy injector and service-profile validator (8443), policy validator (9443)",
    chart: "linkerd-control-plane",
    ports: [8443, 9443],
    see: "https://linkerd.io/2/reference/cluster-configuration/#private-clusters",
  },
  { what: "CloudNativePG operator", chart: "cloudnative-pg", ports: [9443], see: "https://github.com/cloudnative-pg/charts/blob/cloudnative-pg-v0.29.0/charts/cloudnative-pg/values.yaml" },
  {
    what: "RabbitMQ Cluster Operator (webhooks since v2.22.0)",
    manifest: /rabbitmq\/cluster-operator\/releases\/download\//,
    ports: [9443],
    see: "https://github.com/rabbitmq/cluster-operator/blob/v2.22.3/config/installation/manager_webhook_patch.yaml",
  },
  {
    what: "RabbitMQ Messaging Topology Operator",
    manifest: /rabbitmq\/messaging-topology-operator\/releases\/download\//,
    ports: [9443],
    see: "https://github.com/rabbitmq/messaging-topology-operator/blob/v1.20.1/config/default/manager_webhook_patch.yaml",
  },
  {
    what: "KEDA metrics API server (the v1beta1.external.metrics.k8s.io API, 6443) and admission webhooks (9443)",
    chart: "keda",
    ports: [6443, 9443],
    see: "https://github.com/kedacore/charts/blob/v2.20.2/keda/values.yaml",
  },
  { what: "cert-manager webhook", chart: "cert-manager", ports: [10250], see: "https://github.com/cert-manager/cert-manager/blob/v1.21.1/deploy/charts/cert-manager/values.yaml" },
  { what: "prometheus-operator admission webhook", chart: "kube-prometheus-stack", ports: [10250], see: "https://github.com/prometheus-community/helm-charts/blob/kube-prometheus-stack-88.2.0/charts/kube-prometheus-stack/values.yaml" },
  { what: "metrics-server (the v1beta1.metrics.k8s.io API)", chart: "metrics-server", ports: [10250], see: "https://github.com/kubernetes-sigs/metrics-server/blob/master/charts/metrics-server/values.yaml" },
];

/**
 * The ports GKE's automatically created firewall rule opens from a private cluster's control plane
 * to its nodes.
 * @see https://cloud.google.com/kubernetes-engine/docs/concepts/firewall-rules
 */
export const GKE_CONTROL_PLANE_PORTS: readonly number[] = [443, 10250];

/** The webhook ports of {@link WEBHOOK_SERVERS} that GKE's own rule leaves closed, ascending. */
export function webhookPortsBeyondGke(): number[] {
  return [...new Set(WEBHOOK_SERVERS.flatMap((s) => s.ports))].filter((p) => !GKE_CONTROL_PLANE_PORTS.includes(p)).sort((a, b) => a - b);
}
