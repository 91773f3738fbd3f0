/**
 * Requests, limits, volume sizes, replica counts and the security context of the Kubernetes
 * backend's charts, in one place so the backend and its Loki and Tempo values share them.
 *
 * @see https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/
 */
type Resources = { readonly requests: { readonly cpu: string; readonly memory: string }; readonly limits: { readonly cpu: string; readonly memory: string } };
const sized = (cpu: string, memory: string, cpuLimit: string, memoryLimit: string): Resources => ({ requests: { cpu, memory }, limits: { cpu: cpuLimit, memory: memoryLimit } });

/** Requests and limits of every component. */
export const observabilityResources = {
  prometheus: sized("250m", "1Gi", "1", "2Gi"),
  alertmanager: sized("50m", "64Mi", "200m", "256Mi"),
  operator: sized("100m", "128Mi", "500m", "256Mi"),
  grafana: sized("100m", "256Mi", "500m", "512Mi"),
  grafanaSidecar: sized("50m", "64Mi", "200m", "128Mi"),
  kubeStateMetrics: sized("50m", "64Mi", "200m", "256Mi"),
  nodeExporter: sized("50m", "32Mi", "200m", "64Mi"),
  loki: sized("250m", "512Mi", "1", "1Gi"),
  lokiWrite: sized("250m", "512Mi", "1", "1Gi"),
  lokiRead: sized("250m", "512Mi", "1", "1Gi"),
  lokiBackend: sized("100m", "256Mi", "500m", "512Mi"),
  lokiGateway: sized("50m", "32Mi", "200m", "128Mi"),
  tempo: sized("250m", "512Mi", "1", "1Gi"),
  otelCollector: sized("100m", "128Mi", "500m", "512Mi"),
  otelLogs: sized("50m", "64Mi", "250m", "256Mi"),
} as const;

/** Alertmanager's and Grafana's volumes, Tempo's, and each Loki backend's (compactor and ruler work space), in GiB. */
export const smallVolumesGiB = { alertmanager: 2, grafana: 5, tempo: 10, lokiBackend: 10 } as const;

/**
 * Loki's replicas in prod on a bucket: the chart's SimpleScalable mode with three write, read and
 * backend pods each and every stream written to three ingesters, so one node's loss drops no log
 * and stops no query (the chart's hard anti-affinity puts each replica on its own node).
 * @see https://grafana.com/docs/loki/latest/get-started/deployment-modes/#simple-scalable
 */
export const LOKI_REPLICAS = 3;

/**
 * A container security context that passes the restricted Pod Security Standard.
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
 */
export const restrictedContainer = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
} as const;
