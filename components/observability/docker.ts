/**
 * The ObservabilityStack on Docker, for local development: Prometheus, Alertmanager and Grafana as
 * containers on the platform's network, Prometheus scraping the services and the data stores'
 * exporters (which the data stores run). Every configuration file is generated from the same
 * service list, alert rules and dashboards as on Kubernetes, and uploaded into its container.
 *
 * @see https://prometheus.io/docs/prometheus/latest/configuration/configuration/
 * @see https://prometheus.io/docs/alerting/latest/configuration/
 * @see https://grafana.com/docs/grafana/latest/administration/provisioning/
 */
import * as docker from "@pulumi/docker";
import { alertmanagerConfigFile } from "./alertmanager";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import type { DockerPlatform } from "../contract/platform";
import { statefulResourceOptions } from "../shared/options";
import { serviceDashboard } from "./dashboards";
import { platformDashboards } from "./dashboards-platform";
import type { ObservabilityContext, ObservabilityEndpoints } from "./types";
import { alertRuleGroups, type AlertRuleGroup } from "./rules";
import type { ScrapeEndpoint } from "../contract/metrics";
import type { ResolvedObservability } from "./spec";
import { COMPONENT_LABEL, COMPONENT_ROLES } from "../contract/labels";

/**
 * The pinned images.
 *
 * - Prometheus 3.13 is a long-term-support release.
 * - Grafana 12.4 is the last 12.x minor (13 saves dashboards in a format file provisioning refuses).
 *
 * @see https://hub.docker.com/r/prom/prometheus/tags
 * @see https://hub.docker.com/r/prom/alertmanager/tags
 * @see https://hub.docker.com/r/grafana/grafana/tags
 */
export const observabilityDockerImages = {
  prometheus: "prom/prometheus:v3.13.2",
  alertmanager: "prom/alertmanager:v0.33.0",
  grafana: "grafana/grafana:12.4.10",
} as const;

/** One container of the stack: its network alias, port, user and limits. */
interface Role {
  /** The network alias, the container name's suffix and the `app.kubernetes.io/name` label. */
  readonly alias: string;
  /** The port it listens on, in the container. */
  readonly port: number;
  /** `uid:gid`: the image's own non-root user, so a new named volume inherits the image's ownership. */
  readonly user: string;
  /** The memory limit and reservation, in MiB, and the CPU limit in cores. */
  readonly memoryMiB: number;
  readonly memoryReservationMiB: number;
  readonly cpus: string;
}

/**
 * Fixed facts of each container: alias, port, user (the images' `nobody`, 65534; Grafana's
 * `grafana`, 472 in group 0) and limits; and the files each reads.
 *
 * @see https://grafana.com/docs/grafana/latest/setup-grafana/installation/docker/#run-grafana-docker-image
 */
export const observabilityDockerDefaults = {
  prometheus: { alias: "prometheus", port: 9090, user: "65534:65534", memoryMiB: 1024, memoryReservationMiB: 256, cpus: "1" },
  alertmanager: { alias: "alertmanager", port: 9093, user: "65534:65534", memoryMiB: 128, memoryReservationMiB: 32, cpus: "0.25" },
  grafana: { alias: "grafana", port: 3000, user: "472:0", memoryMiB: 512, memoryReservationMiB: 128, cpus: "0.5" },
  /** How often Prometheus scrapes and evaluates rules. */
  scrapeInterval: "30s",
  files: {
    prometheusConfig: "/etc/prometheus/prometheus.yml",
    prometheusRules: "/etc/prometheus/rules/platform.yml",
    prometheusData: "/prometheus",
    alertmanagerConfig: "/etc/alertmanager/alertmanager.yml",
    alertmanagerData: "/alertmanager",
    grafanaDatasources: "/etc/grafana/provisioning/datasources/platform.yaml",
    grafanaDashboardProvider: "/etc/grafana/provisioning/dashboards/platform.yaml",
    /** Outside Grafana's data volume, so a removed service's dashboard does not linger there. */
    grafanaDashboards: "/etc/grafana/dashboards",
    grafanaData: "/var/lib/grafana",
  },
} as const;

/** A static scrape job. @see https://prometheus.io/docs/prometheus/latest/configuration/configuration/#scrape_config */
export interface PrometheusScrapeConfig {
  readonly job_name: string;
  readonly metrics_path: string;
  /** URL query parameters, each with its values. */
  readonly params?: Record<string, string[]>;
  readonly static_configs: { readonly targets: string[]; readonly labels?: Record<string, string> }[];
}

/**
 * The part of Prometheus's configuration file this backend writes.
 * @see https://prometheus.io/docs/prometheus/latest/configuration/configuration/
 */
export interface PrometheusConfig {
  readonly global: { readonly scrape_interval: string; readonly evaluation_interval: string; readonly external_labels: Record<string, string> };
  readonly rule_files: string[];
  readonly alerting: { readonly alertmanagers: { readonly static_configs: { readonly targets: string[] }[] }[] };
  readonly scrape_configs: PrometheusScrapeConfig[];
}

/** A data store's exporter to scrape, or `undefined` when the stack has none (or only says it has one). */
function exporterTarget(value: ScrapeEndpoint | boolean | undefined): ScrapeEndpoint | undefined {
  return typeof value === "object" ? value : undefined;
}

/**
 * Prometheus's configuration on Docker:
 *
 * - one job per service, named after it, scraping `<name>:<port><path>` (the service's network
 *   alias) and labelling its series with `namespace` and `service` as a ServiceMonitor does;
 * - a `postgres` and a `redis` job scraping the data stores' exporters, for those given with an
 *   endpoint (a bare `true` says only that the store exists, so it gets no job);
 * - for a RabbitMQ given with an endpoint, the two scrapes its PodMonitor makes in a cluster: a
 *   `rabbitmq` job on the aggregated `/metrics` (alarms) and a `rabbitmq-detailed` job on
 *   `/metrics/detailed` with the `queue_coarse_metrics` and `queue_consumer_count` families (per
 *   queue), both labelled `pod` (the broker's host) and `container: rabbitmq` as the PodMonitor's
 *   series are, so the same `rabbitmqRuleGroup` (rules-broker.ts) applies;
 * - Prometheus itself;
 * - the rule file with {@link alertRuleGroups}, and Alertmanager as the alert destination.
 *
 * @throws Error when a service's name is also another job's (`prometheus`, `postgres`, `redis`,
 *   `rabbitmq`, `rabbitmq-detailed`).
 * @see https://prometheus.io/docs/prometheus/latest/configuration/configuration/#static_config
 * @see https://www.rabbitmq.com/docs/prometheus#metric-aggregation
 */
export function prometheusConfig(spec: Pick<ResolvedObservability, "services" | "dataStores" | "environment">): PrometheusConfig {
  const d = observabilityDockerDefaults;
  const job = (name: string, target: string, metricsPath = "/metrics", labels?: Record<string, string>): PrometheusScrapeConfig => ({
    job_name: name,
    metrics_path: metricsPath,
    static_configs: [{ targets: [target], ...(labels ? { labels } : {}) }],
  });
  const exporters = (["postgres", "redis"] as const).flatMap((store) => {
    const target = exporterTarget(spec.dataStores[store]);
    return target ? [job(store, `${target.host}:${target.port}`, target.path)] : [];
  });
  const rabbitmq = exporterTarget(spec.dataStores.rabbitmq);
  // A fresh labels object per job, so the YAML has no anchors.
  const brokerJob = (target: ScrapeEndpoint, name: string, metricsPath?: string) => job(name, `${target.host}:${target.port}`, metricsPath, { pod: target.host, container: "rabbitmq" });
  const broker = rabbitmq
    ? [brokerJob(rabbitmq, "rabbitmq", rabbitmq.path), { ...brokerJob(rabbitmq, "rabbitmq-detailed", "/metrics/detailed"), params: { family: ["queue_coarse_metrics", "queue_consumer_count"] } }]
    : [];
  const scrapeConfigs = [
    ...spec.services.map((s) => job(s.name, `${s.name}:${s.port}`, s.path, { namespace: s.namespace, service: s.name })),
    ...exporters,
    ...broker,
    job("prometheus", `localhost:${d.prometheus.port}`),
  ];
  const names = scrapeConfigs.map((j) => j.job_name);
  const clash = names.find((n, i) => names.indexOf(n) !== i);
  if (clash) throw new Error(`\`services\` has a service named "${clash}", which another scrape job on Docker already uses; Prometheus refuses duplicate job names`);
  return {
    global: { scrape_interval: d.scrapeInterval, evaluation_interval: d.scrapeInterval, external_labels: { environment: spec.environment } },
    rule_files: [d.files.prometheusRules],
    alerting: { alertmanagers: [{ static_configs: [{ targets: [`${d.alertmanager.alias}:${d.alertmanager.port}`] }] }] },
    scrape_configs: scrapeConfigs,
  };
}

/**
 * Prometheus's rule file: the platform's alert rules, the same as the Kubernetes `PrometheusRule`s.
 *
 * @see https://prometheus.io/docs/prometheus/latest/configuration/alerting_rules/
 */
export function prometheusRules(spec: Pick<ResolvedObservability, "thresholds" | "dataStores" | "managedDataStores" | "services">): { groups: AlertRuleGroup[] } {
  return { groups: alertRuleGroups(spec, "docker") };
}

/**
 * Grafana's data sources: Prometheus (the default) and Alertmanager, by their network aliases.
 * @see https://grafana.com/docs/grafana/latest/administration/provisioning/#data-sources
 */
export function grafanaDatasources(): { apiVersion: 1; datasources: Record<string, unknown>[] } {
  const d = observabilityDockerDefaults;
  return {
    apiVersion: 1,
    datasources: [
      { name: "Prometheus", type: "prometheus", uid: "prometheus", access: "proxy", url: `http://${d.prometheus.alias}:${d.prometheus.port}`, isDefault: true, editable: false, jsonData: { timeInterval: d.scrapeInterval } },
      { name: "Alertmanager", type: "alertmanager", uid: "alertmanager", access: "proxy", url: `http://${d.alertmanager.alias}:${d.alertmanager.port}`, editable: false, jsonData: { implementation: "prometheus" } },
    ],
  };
}

/**
 * Grafana's dashboard provider: the JSON files in {@link observabilityDockerDefaults}'
 * `grafanaDashboards`, in a `Platform` folder, not deletable nor editable from the UI.
 * @see https://grafana.com/docs/grafana/latest/administration/provisioning/#dashboards
 */
export function grafanaDashboardProvider(): { apiVersion: 1; providers: Record<string, unknown>[] } {
  return {
    apiVersion: 1,
    providers: [
      {
        name: "platform",
        orgId: 1,
        folder: "Platform",
        type: "file",
        disableDeletion: true,
        allowUiUpdates: false,
        updateIntervalSeconds: 30,
        options: { path: observabilityDockerDefaults.files.grafanaDashboards },
      },
    ],
  };
}

/**
 * Grafana's settings that are not secret, as environment variables: the admin user, no anonymous
 * access, no sign-up, no usage reporting. The admin password is added as a secret.
 * @see https://grafana.com/docs/grafana/latest/setup-grafana/configure-grafana/#override-configuration-with-environment-variables
 */
export function grafanaEnv(): Record<string, string> {
  return {
    GF_SECURITY_ADMIN_USER: "admin",
    GF_AUTH_ANONYMOUS_ENABLED: "false",
    GF_USERS_ALLOW_SIGN_UP: "false",
    GF_ANALYTICS_REPORTING_ENABLED: "false",
    GF_ANALYTICS_CHECK_FOR_UPDATES: "false",
  };
}

/**
 * A healthcheck fetching `path` from inside the container with busybox `wget`.
 * @see https://docs.docker.com/reference/dockerfile/#healthcheck
 */
export function httpHealthcheck(port: number, path: string): docker.types.input.ContainerHealthcheck {
  return { tests: ["CMD", "wget", "-q", "--spider", `http://127.0.0.1:${port}${path}`], interval: "15s", timeout: "5s", startPeriod: "30s", retries: 3 };
}

/**
 * Runs the stack's containers on the platform's network: Prometheus (published on
 * `publishAddress:9090`), Alertmanager (internal) and Grafana (published on `publishAddress:3000`).
 *
 * Prometheus, Alertmanager and Grafana get their configuration as container `uploads`. Docker's
 * archive API refuses to extract on a read-only root filesystem, so those three keep it writable;
 * like every other container of the platform, they run as their image's non-root user with every capability
 * dropped and `no-new-privileges`. Alertmanager's configuration holds the receivers' secrets and is
 * uploaded as a secret readable only by its user; Grafana's admin password is a secret environment
 * variable.
 *
 * @param name - the component's name; resources are named `${name}-<role>`.
 * @param spec - the resolved arguments.
 * @param platform - the Docker engine and network.
 * @param context - Grafana's admin password and the parent.
 * @returns Grafana's and Prometheus's URLs on the publish address; no OTLP endpoint.
 * @see https://www.pulumi.com/registry/packages/docker/api-docs/container/
 */
export function deployObservabilityToDocker(name: string, spec: ResolvedObservability, platform: DockerPlatform, context: ObservabilityContext): ObservabilityEndpoints {
  const d = observabilityDockerDefaults;
  const opts: pulumi.CustomResourceOptions = { parent: context.parent, provider: platform.provider };
  const readOnlyFile = (role: Role, file: string, content: pulumi.Input<string>) => {
    const [owner, group] = role.user.split(":");
    return { file, content, permissions: "0444", owner, group };
  };

  const container = (
    role: Role,
    image: string,
    args: Pick<docker.ContainerArgs, "command" | "envs" | "uploads" | "ports" | "volumes" | "healthcheck">,
    containerOpts: pulumi.CustomResourceOptions = {},
  ): docker.Container => {
    const pulled = new docker.RemoteImage(`${name}-${role.alias}-image`, { name: image, keepLocally: true }, opts);
    const labels = {
      "app.kubernetes.io/name": role.alias,
      "app.kubernetes.io/instance": name,
      [COMPONENT_LABEL]: COMPONENT_ROLES.observability,
      "app.kubernetes.io/managed-by": "pulumi",
    };
    return new docker.Container(
      `${name}-${role.alias}`,
      {
        name: pulumi.interpolate`${platform.networkName}-${role.alias}`,
        image: pulled.imageId,
        ...args,
        // Uploads need a writable root filesystem (see above); a container without them does not.
        readOnly: args.uploads === undefined,
        restart: "unless-stopped",
        user: role.user,
        securityOpts: ["no-new-privileges:true"],
        capabilities: { drops: ["ALL"] },
        memory: role.memoryMiB,
        memoryReservation: role.memoryReservationMiB,
        cpus: role.cpus,
        networksAdvanced: [{ name: platform.networkName, aliases: [role.alias] }],
        labels: Object.entries(labels).map(([label, value]) => ({ label, value })),
      },
      { ...opts, ...containerOpts },
    );
  };
  const volume = (role: Role) =>
    new docker.Volume(
      `${name}-${role.alias}-data`,
      { name: pulumi.interpolate`${platform.networkName}-${role.alias}-data`, labels: [{ label: "app.kubernetes.io/instance", value: name }] },
      { ...opts, ...statefulResourceOptions(spec.protect) },
    );

  const prometheusData = volume(d.prometheus);
  container(d.prometheus, observabilityDockerImages.prometheus, {
    command: [
      `--config.file=${d.files.prometheusConfig}`,
      `--storage.tsdb.path=${d.files.prometheusData}`,
      `--storage.tsdb.retention.time=${spec.retentionDays}d`,
      // Docker volumes have no size; this caps the disk Prometheus uses instead.
      `--storage.tsdb.retention.size=${spec.storageGiB}GB`,
    ],
    uploads: [
      readOnlyFile(d.prometheus, d.files.prometheusConfig, stringify(prometheusConfig(spec))),
      readOnlyFile(d.prometheus, d.files.prometheusRules, stringify(prometheusRules(spec))),
    ],
    volumes: [{ volumeName: prometheusData.name, containerPath: d.files.prometheusData }],
    ports: [{ internal: d.prometheus.port, external: spec.docker.prometheusHostPort, ip: platform.publishAddress }],
    healthcheck: httpHealthcheck(d.prometheus.port, "/-/ready"),
  });

  const alertmanagerData = volume(d.alertmanager);
  const [amOwner, amGroup] = d.alertmanager.user.split(":");
  container(
    d.alertmanager,
    observabilityDockerImages.alertmanager,
    {
      // One instance: no cluster gossip listener.
      command: [`--config.file=${d.files.alertmanagerConfig}`, `--storage.path=${d.files.alertmanagerData}`, "--cluster.listen-address="],
      uploads: [
        {
          file: d.files.alertmanagerConfig,
          content: alertmanagerConfigFile(spec.receivers, spec.heartbeat),
          permissions: "0400",
          owner: amOwner,
          group: amGroup,
        },
      ],
      volumes: [{ volumeName: alertmanagerData.name, containerPath: d.files.alertmanagerData }],
      healthcheck: httpHealthcheck(d.alertmanager.port, "/-/ready"),
    },
    // The provider returns `uploads` in its state, which must stay secret there too.
    { additionalSecretOutputs: ["uploads"] },
  );

  const grafanaData = volume(d.grafana);
  container(
    d.grafana,
    observabilityDockerImages.grafana,
    {
      envs: [
        ...Object.entries(grafanaEnv()).map(([key, value]) => `${key}=${value}`),
        pulumi.secret(pulumi.interpolate`GF_SECURITY_ADMIN_PASSWORD=${context.adminPassword}`),
      ],
      uploads: [
        readOnlyFile(d.grafana, d.files.grafanaDatasources, stringify(grafanaDatasources())),
        readOnlyFile(d.grafana, d.files.grafanaDashboardProvider, stringify(grafanaDashboardProvider())),
        ...spec.services.map((s) => readOnlyFile(d.grafana, `${d.files.grafanaDashboards}/${s.name}.json`, JSON.stringify(serviceDashboard(s), null, 2))),
        ...Object.entries(platformDashboards(prometheusRules(spec).groups, { slos: spec.services.some((s) => s.slo), gateway: false })).map(([file, json]) =>
          readOnlyFile(d.grafana, `${d.files.grafanaDashboards}/${file}.json`, JSON.stringify(json, null, 2)),
        ),
      ],
      volumes: [{ volumeName: grafanaData.name, containerPath: d.files.grafanaData }],
      ports: [{ internal: d.grafana.port, external: spec.docker.grafanaHostPort, ip: platform.publishAddress }],
      healthcheck: httpHealthcheck(d.grafana.port, "/api/health"),
    },
    { additionalSecretOutputs: ["envs"] },
  );


  return {
    grafanaUrl: pulumi.output(`http://${platform.publishAddress}:${spec.docker.grafanaHostPort}`),
    prometheusUrl: pulumi.output(`http://${platform.publishAddress}:${spec.docker.prometheusHostPort}`),
  };
}
