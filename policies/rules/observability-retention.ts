import { validateResourceOfType, type ReportViolation, type ResourceValidationPolicy } from "@pulumi/policy";
import { environmentConfigProperty, isProduction } from "./environment";
import { chartName, dockerLabel, flagValue } from "./known";
import { docker, k8s } from "./resource-types";

/** The Loki chart's deployment mode when `deploymentMode` is unset. */
const LOKI_DEFAULT_MODE = "SimpleScalable";

/**
 * The values that keep each Loki deployment mode's data on a volume. A migration mode
 * (`SingleBinary<->SimpleScalable`, `SimpleScalable<->Distributed`) needs the keys of both sides.
 *
 * @see https://github.com/grafana/loki/blob/main/production/helm/loki/values.yaml
 */
const LOKI_PERSISTENCE: Record<string, string[]> = {
  SingleBinary: ["singleBinary.persistence.enabled"],
  SimpleScalable: ["write.persistence.volumeClaimsEnabled", "backend.persistence.volumeClaimsEnabled"],
  Distributed: ["ingester.persistence.enabled"],
};

/** Where Prometheus keeps its TSDB when `--storage.tsdb.path` is unset: `data/` under the image's working directory. */
const PROMETHEUS_DEFAULT_TSDB = "/prometheus/data";

/** The value at a dotted `path` of Helm values. */
function valueAt(values: any, path: string): unknown {
  return path.split(".").reduce((v, key) => v?.[key], values);
}

/** Whether a duration such as `"0s"`, `"0h"` or `"0"` is zero, which Loki reads as "keep forever". */
function isZeroDuration(duration: string): boolean {
  return /^(0+(ms|s|m|h|d|w|y)?)+$/.test(duration);
}

function checkKubePrometheusStack(label: string, values: any, reportViolation: ReportViolation): void {
  const spec = values?.prometheus?.prometheusSpec;
  if (values?.prometheus?.enabled === false) return;
  if (!spec?.retention) reportViolation(`${label} sets no prometheus.prometheusSpec.retention; set how long Prometheus keeps samples, such as "15d".`);
  if (!spec?.storageSpec?.volumeClaimTemplate?.spec?.resources?.requests?.storage) {
    reportViolation(
      `${label} sets no prometheus.prometheusSpec.storageSpec.volumeClaimTemplate with spec.resources.requests.storage, so Prometheus keeps its data in an emptyDir and loses it with its pod.`,
    );
  }
}

function checkLoki(label: string, values: any, reportViolation: ReportViolation): void {
  const period = values?.loki?.limits_config?.retention_period as string | undefined;
  if (!period || isZeroDuration(String(period))) {
    reportViolation(`${label} sets no loki.limits_config.retention_period above zero, so Loki never deletes logs; set one such as "336h".`);
  }
  if (values?.loki?.compactor?.retention_enabled !== true) {
    reportViolation(`${label} does not set loki.compactor.retention_enabled: true, so the compactor never applies the retention period.`);
  }
  const mode = (values?.deploymentMode as string | undefined) ?? LOKI_DEFAULT_MODE;
  const keys = mode.split("<->").flatMap((m) => LOKI_PERSISTENCE[m] ?? []);
  if (keys.length === 0) reportViolation(`${label} has deploymentMode "${mode}", which is not a mode of the loki chart.`);
  for (const key of keys.filter((k) => valueAt(values, k) !== true)) {
    reportViolation(`${label} in deploymentMode ${mode}${values?.deploymentMode === undefined ? " (the default)" : ""} does not set ${key}: true, so Loki's data does not survive its pod.`);
  }
}

/**
 * Production Prometheus and Loki keep their data for a set time, on volumes that outlive their
 * pods and containers.
 *
 * Applies only when the stack is production (see `environment.ts`).
 *
 * - Helm release of the `kube-prometheus-stack` chart (unless `prometheus.enabled: false`):
 *   `prometheus.prometheusSpec.retention` set, and
 *   `prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage` set.
 * - Helm release of the `loki` chart: `loki.limits_config.retention_period` set and not zero,
 *   `loki.compactor.retention_enabled: true`, and the persistence keys of its `deploymentMode`
 *   (the chart's default `SimpleScalable` when unset) set to `true` explicitly:
 *   `singleBinary.persistence.enabled`; `write.` and `backend.persistence.volumeClaimsEnabled`;
 *   `ingester.persistence.enabled` for `Distributed`.
 * - Docker container labelled `app.kubernetes.io/name: prometheus`: its `command` has
 *   `--storage.tsdb.retention.time=` with a value, and a named volume or host path (`volumes` or
 *   `mounts` of type `volume`/`bind`) is mounted at its `--storage.tsdb.path` (default
 *   `/prometheus/data`) or a parent of it.
 *
 * @severity high
 *
 * @see https://github.com/prometheus-community/helm-charts/blob/main/charts/kube-prometheus-stack/values.yaml
 * @see https://grafana.com/docs/loki/latest/operations/storage/retention/
 * @see https://prometheus.io/docs/prometheus/latest/storage/#operational-aspects
 */
export const observabilityRetention: ResourceValidationPolicy = {
  name: "observability-retention",
  description: "In production Prometheus and Loki set a retention and keep their data on persistent volumes.",
  severity: "high",
  enforcementLevel: "mandatory",
  configSchema: { properties: { environment: environmentConfigProperty } },
  validateResource: [
    validateResourceOfType(k8s.helm.v3.Release, (release, args, reportViolation) => {
      if (!isProduction(args)) return;
      const chart = chartName(release.chart);
      const label = `Helm release "${release.name ?? args.name}" (chart ${chart})`;
      if (chart === "kube-prometheus-stack") checkKubePrometheusStack(label, release.values, reportViolation);
      if (chart === "loki") checkLoki(label, release.values, reportViolation);
    }),
    validateResourceOfType(docker.Container, (container, args, reportViolation) => {
      if (dockerLabel(container.labels, "app.kubernetes.io/name") !== "prometheus" || !isProduction(args)) return;
      const label = `Docker Prometheus container "${container.name ?? args.name}"`;
      if (!flagValue(container.command, "--storage.tsdb.retention.time")) {
        reportViolation(`${label} sets no --storage.tsdb.retention.time= in its command; set how long Prometheus keeps samples, such as "15d".`);
      }
      const tsdb = (flagValue(container.command, "--storage.tsdb.path") ?? PROMETHEUS_DEFAULT_TSDB).replace(/\/+$/, "");
      const covers = (target: string | undefined) => target !== undefined && (tsdb === target.replace(/\/+$/, "") || tsdb.startsWith(`${target.replace(/\/+$/, "")}/`));
      const persistent =
        (container.volumes ?? []).some((v) => covers(v.containerPath) && (v.volumeName || v.hostPath)) ||
        (container.mounts ?? []).some((m) => covers(m.target) && ["volume", "bind"].includes(m.type) && m.source);
      if (!persistent) {
        reportViolation(`${label} keeps its TSDB at "${tsdb}" without a named volume or host path mounted there, so its data is lost when the container is replaced.`);
      }
    }),
  ],
};
