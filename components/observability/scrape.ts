/**
 * What the stack scrapes besides the services: the gateway (Traefik) and the service mesh (Istio's
 * sidecars and istiod, or Linkerd's proxies and control plane), as prometheus-operator monitors
 * in the stack's namespace.
 *
 * @see https://doc.traefik.io/traefik/observability/metrics/prometheus/
 * @see https://istio.io/latest/docs/ops/integrations/prometheus/
 * @see https://linkerd.io/2/tasks/external-prometheus/
 */
import type { ResolvedObservability } from "./spec";

/** Where Istio's sidecar writes its workload certificate for Prometheus. @see https://istio.io/latest/docs/ops/integrations/prometheus/#tls-settings */
export const ISTIO_PROM_CERTS = "/etc/prom-certs";

/**
 * How Prometheus reaches a port behind Istio's STRICT mTLS: over https with the certificate its
 * own sidecar writes (Istio checks the mesh identity, not a hostname, hence `insecureSkipVerify`
 * as Istio documents); nothing to add otherwise (Linkerd meshes Prometheus itself).
 *
 * @see https://istio.io/latest/docs/ops/integrations/prometheus/#tls-settings
 */
export function meshScrapeTls(mesh: ResolvedObservability["mesh"]): Record<string, unknown> {
  if (mesh !== "istio") return {};
  return {
    scheme: "https",
    tlsConfig: { caFile: `${ISTIO_PROM_CERTS}/root-cert.pem`, certFile: `${ISTIO_PROM_CERTS}/cert-chain.pem`, keyFile: `${ISTIO_PROM_CERTS}/key.pem`, insecureSkipVerify: true },
  };
}

/** A prometheus-operator monitor: its kind, name and `spec`. */
export interface Monitor {
  readonly kind: "PodMonitor" | "ServiceMonitor";
  readonly name: string;
  readonly spec: Record<string, unknown>;
}

/**
 * The monitors of the gateway and the mesh:
 *
 * - `traefik`: Traefik's pods in the gateway's namespace on their `metrics` port (the chart's
 *   `metrics` entryPoint, 9100), which the gateway leaves out of Istio's capture (a PodMonitor
 *   cannot present Istio's certificate files) and Linkerd's meshed Prometheus reaches anyway;
 * - Istio: `istio-proxies`, every sidecar's Envoy statistics (`http-envoy-prom`, 15090, which the
 *   sidecar does not intercept), and `istiod` (`http-monitoring`, 15014);
 * - Linkerd: `linkerd-proxies`, every meshed pod's proxy (`linkerd-admin`, 4191), control plane
 *   included.
 *
 * @see https://istio.io/latest/docs/ops/integrations/prometheus/#option-2-customized-scraping-configurations
 * @see https://linkerd.io/2/tasks/external-prometheus/
 */
export function platformMonitors(spec: Pick<ResolvedObservability, "gatewayNamespace" | "mesh">): Monitor[] {
  const monitors: Monitor[] = [];
  if (spec.gatewayNamespace) {
    monitors.push({
      kind: "PodMonitor",
      name: "traefik",
      spec: {
        namespaceSelector: { matchNames: [spec.gatewayNamespace] },
        selector: { matchLabels: { "app.kubernetes.io/name": "traefik" } },
        // Plain text under Istio too: the gateway leaves the metrics port out of its sidecar's capture.
        podMetricsEndpoints: [{ port: "metrics", path: "/metrics", interval: "30s" }],
      },
    });
  }
  if (spec.mesh === "istio") {
    monitors.push(
      {
        kind: "PodMonitor",
        name: "istio-proxies",
        spec: {
          namespaceSelector: { any: true },
          selector: { matchExpressions: [{ key: "security.istio.io/tlsMode", operator: "Exists" }] },
          podMetricsEndpoints: [{ port: "http-envoy-prom", path: "/stats/prometheus", interval: "30s" }],
        },
      },
      {
        kind: "ServiceMonitor",
        name: "istiod",
        spec: { namespaceSelector: { matchNames: ["istio-system"] }, selector: { matchLabels: { app: "istiod" } }, endpoints: [{ port: "http-monitoring", interval: "30s" }] },
      },
    );
  }
  if (spec.mesh === "linkerd") {
    monitors.push({
      kind: "PodMonitor",
      name: "linkerd-proxies",
      spec: {
        namespaceSelector: { any: true },
        selector: { matchExpressions: [{ key: "linkerd.io/control-plane-ns", operator: "Exists" }] },
        // `deployment` from the proxy's `linkerd.io/proxy-deployment` pod label, as Linkerd's external
        // Prometheus guide maps it: Flagger's success-rate and latency queries filter on it.
        podMetricsEndpoints: [
          {
            port: "linkerd-admin",
            path: "/metrics",
            interval: "30s",
            relabelings: [{ action: "replace", sourceLabels: ["__meta_kubernetes_pod_label_linkerd_io_proxy_deployment"], targetLabel: "deployment" }],
          },
        ],
      },
    });
  }
  return monitors;
}
