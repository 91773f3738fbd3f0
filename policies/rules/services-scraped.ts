import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { parse } from "yaml";
import { environmentConfigProperty, isProduction } from "./environment";
import { dockerLabel, flagValue, knownCopy, kubeObject, kubeObjects, mayMatch, selectorMatches, uploadText, type KubeObject } from "./known";
import { COMPONENT_LABEL, COMPONENT_ROLES, COMPONENT_TYPES } from "../../components/contract/labels";

/** The label that marks an AppService's Deployment and Docker container (the AppService sets it). */
const APP_SERVICE = COMPONENT_ROLES.appService;
const APP_SERVICE_TYPE = COMPONENT_TYPES.appService;
const DEPLOYMENT_TYPE = "kubernetes:apps/v1:Deployment";
const SERVICE_MONITOR_TYPES = ["kubernetes:monitoring.coreos.com/v1:ServiceMonitor"];
const DOCKER_CONTAINER_TYPE = "docker:index/container:Container";
/** The label that marks the Prometheus container on Docker. */
const PROMETHEUS_LABEL = { label: "app.kubernetes.io/name", value: "prometheus" } as const;
/** Where the Prometheus image reads its configuration unless `--config.file` says otherwise. */
const DEFAULT_PROMETHEUS_CONFIG = "/etc/prometheus/prometheus.yml";

type Labels = { label: string; value: string }[];

// ---------------------------------------------------------------------------------------------
// Kubernetes

/**
 * The AppService Deployments of the stack: those labelled `app.kubernetes.io/component:
 * app-service`, one per AppService component (its canary Deployment is the same service).
 */
function appServiceDeployments(resources: readonly PolicyResource[]): (KubeObject & { labels: Record<string, string> })[] {
  const seen = new Set<string>();
  return resources.flatMap((r) => {
    if (r.type !== DEPLOYMENT_TYPE) return [];
    const labels = knownCopy(() => r.props.metadata?.labels as Record<string, string> | undefined);
    const service = r.parent?.type === APP_SERVICE_TYPE ? r.parent.urn : r.urn;
    if (labels?.[COMPONENT_LABEL] !== APP_SERVICE || seen.has(service)) return [];
    seen.add(service);
    return [{ ...kubeObject(r, "Deployment"), labels }];
  });
}

/**
 * Why a ServiceMonitor does not scrape a Service in `namespace` with `labels`, or `undefined` when
 * it does (or its spec is not known yet).
 *
 * @see https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.ServiceMonitorSpec
 */
function serviceMonitorMiss(monitor: KubeObject, namespace: string | undefined, labels: Record<string, string>): string | undefined {
  if (monitor.spec === undefined) return undefined;
  const { namespaceSelector = {}, selector = {}, endpoints = [] } = monitor.spec;
  // Without `any` or `matchNames`, a ServiceMonitor selects Services in its own namespace.
  const namespaces: (string | undefined)[] | undefined =
    namespaceSelector.any === true ? undefined : namespaceSelector.matchNames?.length ? namespaceSelector.matchNames : [monitor.namespace];
  if (namespaces && !namespaces.some((n) => mayMatch(n, namespace))) return `namespaceSelector does not include "${namespace}"`;
  if (!selectorMatches(selector, labels)) return "selector does not match its labels";
  if (endpoints.length === 0) return "no endpoints";
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Docker

/** A Docker container of the stack, read without throwing on values not known yet. */
interface DockerContainer {
  readonly resource: PolicyResource;
  readonly name: string;
  /** `undefined` when not known yet. */
  readonly labels?: Labels;
}

function dockerContainers(resources: readonly PolicyResource[]): DockerContainer[] {
  return resources
    .filter((r) => r.type === DOCKER_CONTAINER_TYPE)
    .map((r) => ({ resource: r, name: knownCopy(() => r.props.name as string | undefined) ?? r.name, labels: knownCopy(() => r.props.labels as Labels | undefined) }));
}

/** A Prometheus scrape job, as `scrape_configs[]` holds it. */
interface ScrapeJob {
  metrics_path?: string;
  static_configs?: { targets?: string[] }[];
}

/**
 * The scrape jobs of a Prometheus container: from the upload at `--config.file` (else the image's
 * default path). `"unknown"` when its command or uploads are not known yet; a string saying why
 * there are none otherwise.
 *
 * @see https://prometheus.io/docs/prometheus/latest/configuration/configuration/#scrape_config
 */
function scrapeJobs(prometheus: DockerContainer): ScrapeJob[] | "unknown" | { problem: string } {
  const command = knownCopy(() => (prometheus.resource.props.command ?? []) as string[]);
  const uploads = knownCopy(() => (prometheus.resource.props.uploads ?? []) as { file: string; content?: string; contentBase64?: string }[]);
  if (command === undefined || uploads === undefined) return "unknown";
  const path = flagValue(command, "--config.file") ?? DEFAULT_PROMETHEUS_CONFIG;
  const upload = uploads.find((u) => u.file === path);
  if (!upload) return { problem: `uploads no ${path}` };
  try {
    return ((parse(uploadText(upload) ?? "") ?? {}).scrape_configs ?? []) as ScrapeJob[];
  } catch {
    return { problem: `${path} is not YAML` };
  }
}

/** The problems of the Docker AppService containers' scraping, given every container of the stack. */
function dockerProblems(containers: DockerContainer[]): [string, string][] {
  const prometheuses = containers
    .filter((c) => dockerLabel(c.labels, PROMETHEUS_LABEL.label) === PROMETHEUS_LABEL.value)
    .map((c) => ({ label: `Docker Prometheus container "${c.name}"`, jobs: scrapeJobs(c) }));
  return containers.flatMap((c): [string, string][] => {
    if (dockerLabel(c.labels, COMPONENT_LABEL) !== APP_SERVICE) return [];
    const label = `Docker AppService container "${c.name}"`;
    const port = dockerLabel(c.labels, "prometheus.io/port");
    if (port === undefined) return [[`${label} has no prometheus.io/port label, so Prometheus cannot find its metrics; enable the AppService's metrics.`, c.resource.urn]];
    if (prometheuses.length === 0) {
      return [[`${label} is not scraped: the stack has no Prometheus container (label ${PROMETHEUS_LABEL.label}: ${PROMETHEUS_LABEL.value}).`, c.resource.urn]];
    }
    const networks = knownCopy(() => (c.resource.props.networksAdvanced ?? []) as { aliases?: string[] }[]);
    if (networks === undefined) return [];
    // The container's network aliases and its name resolve on its Docker network.
    const hosts = [...networks.flatMap((n) => n.aliases ?? []), c.name];
    const path = dockerLabel(c.labels, "prometheus.io/path") ?? "/metrics";
    const misses: string[] = [];
    for (const { label: prometheus, jobs } of prometheuses) {
      if (jobs === "unknown") return [];
      if (!Array.isArray(jobs)) {
        misses.push(`${prometheus} ${jobs.problem}`);
        continue;
      }
      const scrapes = jobs.some(
        (job) => (job.metrics_path ?? "/metrics") === path && (job.static_configs ?? []).some((s) => hosts.some((h) => (s.targets ?? []).includes(`${h}:${port}`))),
      );
      if (scrapes) return [];
      misses.push(`${prometheus} has no such job`);
    }
    return [[`${label} is not scraped: no scrape job has the static target "${hosts[0]}:${port}" with metrics_path "${path}" (${misses.join("; ")}).`, c.resource.urn]];
  });
}

/**
 * Every production AppService is scraped by Prometheus.
 *
 * Applies only when the stack is production (see `environment.ts`). A stack check:
 *
 * - Kubernetes: every `apps/v1` Deployment labelled `app.kubernetes.io/component: app-service`
 *   (one per AppService; its canary is the same service) is selected by a `monitoring.coreos.com/v1`
 *   ServiceMonitor: `spec.namespaceSelector` has `any: true` or its `matchNames` (else the
 *   ServiceMonitor's own namespace) include the Deployment's namespace, `spec.selector` selects the
 *   Deployment's labels (which the AppService's Service carries too), and `spec.endpoints` is not
 *   empty. A ServiceMonitor whose spec, or a namespace, is not known yet matches.
 * - Docker: every container labelled `app.kubernetes.io/component: app-service` has a
 *   `prometheus.io/port` label, and a container labelled `app.kubernetes.io/name: prometheus`
 *   uploads a configuration (at `--config.file=` of its command, else
 *   `/etc/prometheus/prometheus.yml`) with a scrape job whose `metrics_path` (default `/metrics`)
 *   is the service's `prometheus.io/path` label (default `/metrics`) and whose `static_configs`
 *   target `<host>:<port>`, the host one of the container's network aliases or its name.
 *
 * A stack with AppServices and no ServiceMonitor or Prometheus container reports each service.
 *
 * @severity medium
 *
 * @see https://prometheus-operator.dev/docs/developer/getting-started/#using-servicemonitors
 * @see https://prometheus.io/docs/prometheus/latest/configuration/configuration/#static_config
 */
export const servicesScraped: StackValidationPolicy = {
  name: "services-scraped",
  description: "In production Prometheus scrapes every AppService: a ServiceMonitor on Kubernetes, a static scrape target on Docker.",
  severity: "medium",
  enforcementLevel: "mandatory",
  configSchema: { properties: { environment: environmentConfigProperty } },
  validateStack: (args, reportViolation) => {
    if (!isProduction(args)) return;
    const monitors = kubeObjects(args.resources, SERVICE_MONITOR_TYPES, "ServiceMonitor");
    for (const deployment of appServiceDeployments(args.resources)) {
      const where = `namespace "${deployment.namespace ?? "(not known yet)"}"`;
      if (monitors.length === 0) {
        reportViolation(`AppService ${deployment.label} is not scraped: the stack has no ServiceMonitor; create one whose selector matches its Service's labels in ${where}.`, deployment.resource.urn);
        continue;
      }
      const misses = monitors.map((m) => ({ m, miss: serviceMonitorMiss(m, deployment.namespace, deployment.labels) }));
      if (misses.some(({ miss }) => miss === undefined)) continue;
      const listed = misses.map(({ m, miss }) => `${m.label}: ${miss}`).join("; ");
      reportViolation(`AppService ${deployment.label} is not scraped: no ServiceMonitor selects its Service in ${where} (${listed}).`, deployment.resource.urn);
    }
    for (const [message, urn] of dockerProblems(dockerContainers(args.resources))) reportViolation(message, urn);
  },
};
