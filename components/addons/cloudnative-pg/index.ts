/**
 * The CloudNativePG operator and its Barman Cloud plugin, from their maintainers' charts: the
 * cluster add-on behind every in-cluster PostgresCluster.
 *
 * @see https://cloudnative-pg.io/documentation/current/installation_upgrade/
 * @see https://cloudnative-pg.io/plugin-barman-cloud/docs/installation/
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Environment, KubernetesPlatform } from "../../contract/platform";
import type { CertManager } from "../cert-manager";
import { cloudNativePgCharts } from "./versions";

export { cloudNativePgCharts } from "./versions";

/** The namespace of the operator and the plugin (the plugin must share the operator's). @see https://cloudnative-pg.io/plugin-barman-cloud/docs/installation/ */
export const CNPG_NAMESPACE = "cnpg-system";

/** Requests and limits of the operator's and the plugin's containers. */
export const cloudNativePgResources = {
  operator: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } },
  plugin: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
} as const;

/**
 * Helm values of the `cloudnative-pg` chart: CRDs from the chart, two replicas (leader election)
 * in prod, requests and limits, and no operator PodMonitor (the stack installs the Prometheus CRDs
 * separately, so the chart must not depend on them).
 *
 * @see https://github.com/cloudnative-pg/charts/blob/main/charts/cloudnative-pg/values.yaml
 */
export function operatorValues(environment: Environment): Record<string, unknown> {
  return {
    crds: { create: true },
    replicaCount: environment === "prod" ? 2 : 1,
    resources: cloudNativePgResources.operator,
    monitoring: { podMonitorEnabled: false },
  };
}

/**
 * Helm values of the `plugin-barman-cloud` chart: its CRD (`ObjectStore`) from the chart, and
 * requests and limits. One replica: the chart only supports the `Recreate` update strategy.
 *
 * @see https://github.com/cloudnative-pg/charts/blob/main/charts/plugin-barman-cloud/values.yaml
 */
export function pluginValues(): Record<string, unknown> {
  return { crds: { create: true }, replicaCount: 1, resources: cloudNativePgResources.plugin };
}

/** The arguments of {@link CloudNativePg}. */
export interface CloudNativePgArgs {
  /** The cluster to install into. */
  readonly platform: KubernetesPlatform;
  /**
   * cert-manager: the Barman Cloud plugin gets its TLS certificates from it. Required with
   * `barmanCloud`.
   */
  readonly certManager?: CertManager;
  /** Also install the Barman Cloud plugin, which backups and WAL archiving go through. @default true */
  readonly barmanCloud?: boolean;
}

/**
 * The CloudNativePG operator (Helm release `cnpg`) and, with `barmanCloud`, the Barman Cloud plugin
 * (release `barman-cloud`, after cert-manager), both in `cnpg-system`. One per cluster: every
 * PostgresCluster on the cluster receives it in its `addons`.
 *
 * @example
 * ```ts
 * const cnpg = new CloudNativePg("cnpg", { platform, certManager });
 * new PostgresCluster("db", { platform, addons: { certManager, cloudNativePg: cnpg } });
 * ```
 * @see https://cloudnative-pg.io/documentation/current/installation_upgrade/
 * @see https://cloudnative-pg.io/plugin-barman-cloud/docs/installation/
 */
export class CloudNativePg extends pulumi.ComponentResource {
  /** The resources that must exist before a `Cluster`, a `Pooler` or an `ObjectStore`: the operator, and the plugin where installed. */
  public readonly ready: readonly pulumi.Resource[];
  /** Whether the Barman Cloud plugin is installed (backups need it). */
  public readonly barmanCloud: boolean;

  /**
   * @param name - the logical name; children are named `${name}-operator` and `${name}-barman-cloud`.
   * @param args - see {@link CloudNativePgArgs}.
   * @param opts - component options.
   * @throws Error when `barmanCloud` is on without `certManager`.
   */
  constructor(name: string, args: CloudNativePgArgs, opts?: pulumi.ComponentResourceOptions) {
    const barmanCloud = args.barmanCloud ?? true;
    if (barmanCloud && !args.certManager) throw new Error(`CloudNativePg "${name}": \`certManager\` is required with \`barmanCloud\`: the Barman Cloud plugin gets its TLS certificates from cert-manager`);
    super("platform:index:CloudNativePg", name, {}, opts);
    this.barmanCloud = barmanCloud;
    const { platform } = args;
    const chart = cloudNativePgCharts.operator;
    const operator = new k8s.helm.v3.Release(
      `${name}-operator`,
      {
        name: "cnpg",
        chart: chart.chart,
        version: chart.version,
        repositoryOpts: { repo: chart.repo },
        namespace: CNPG_NAMESPACE,
        createNamespace: true,
        atomic: true,
        values: operatorValues(platform.environment),
      },
      { parent: this, provider: platform.provider, dependsOn: platform.cluster ? [platform.cluster] : [] },
    );
    const ready: pulumi.Resource[] = [operator];
    if (barmanCloud) {
      const plugin = cloudNativePgCharts.plugin;
      ready.push(
        new k8s.helm.v3.Release(
          `${name}-barman-cloud`,
          {
            name: "barman-cloud",
            chart: plugin.chart,
            version: plugin.version,
            repositoryOpts: { repo: plugin.repo },
            namespace: CNPG_NAMESPACE,
            createNamespace: true,
            atomic: true,
            values: pluginValues(),
          },
          { parent: this, provider: platform.provider, dependsOn: [operator, args.certManager!.release] },
        ),
      );
    }
    this.ready = ready;
    this.registerOutputs({});
  }
}
