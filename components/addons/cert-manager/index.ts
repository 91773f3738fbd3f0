import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { KubernetesPlatform } from "../../contract/platform";

/** The pinned cert-manager chart. @see https://cert-manager.io/docs/installation/helm/ */
export const certManagerChart = { repo: "https://charts.jetstack.io", chart: "cert-manager", version: "v1.21.1" } as const;

/**
 * The arguments of a {@link CertManager}.
 */
export interface CertManagerArgs {
  /** The cluster to install into. */
  readonly platform: KubernetesPlatform;
  /** The namespace for cert-manager (created by the release). @default "cert-manager" */
  readonly namespace?: string;
  /** Replicas of the controller, webhook and cainjector. @default 2 in prod, 1 otherwise */
  readonly replicas?: number;
  /**
   * What the release must be installed after: the Gateway API CRDs, which cert-manager's Gateway
   * API support (on here, for ACME HTTP-01 through a Gateway) requires at start.
   * @default []
   */
  readonly dependsOn?: readonly pulumi.Resource[];
  /**
   * Create the chart's `ServiceMonitor`, so Prometheus scrapes the controller (certificate expiry
   * alerts read `certmanager_certificate_expiration_timestamp_seconds`). It needs the Prometheus
   * operator CRDs: pass their release in `dependsOn`.
   * @default false
   */
  readonly serviceMonitor?: boolean;
}

/**
 * The Helm values for cert-manager: CRDs installed and kept by the chart (its recommended way with
 * Helm 3), the Gateway API support on (the controller's `enableGatewayAPI`, so ACME HTTP-01
 * challenges are answered through a Gateway with the `gatewayHTTPRoute` solver), replicas with a
 * PodDisruptionBudget when there are two or more, and requests/limits on every container.
 *
 * @param replicas - replicas of each deployment.
 * @param serviceMonitor - whether to create the chart's ServiceMonitor (needs the Prometheus operator CRDs).
 * @see https://cert-manager.io/docs/devops-tips/prometheus-metrics/
 * @see https://artifacthub.io/packages/helm/cert-manager/cert-manager?modal=values
 * @see https://cert-manager.io/docs/installation/configuring-components/
 * @see https://cert-manager.io/docs/usage/gateway/
 */
export function certManagerValues(replicas: number, serviceMonitor = false): Record<string, unknown> {
  const resources = (cpu: string, memory: string) => ({ requests: { cpu, memory }, limits: { cpu: "500m", memory: "256Mi" } });
  const pdb = { enabled: replicas >= 2, minAvailable: 1 };
  return {
    crds: { enabled: true, keep: true },
    prometheus: { enabled: true, servicemonitor: { enabled: serviceMonitor } },
    config: { apiVersion: "controller.config.cert-manager.io/v1alpha1", kind: "ControllerConfiguration", enableGatewayAPI: true },
    replicaCount: replicas,
    podDisruptionBudget: pdb,
    resources: resources("50m", "128Mi"),
    webhook: { replicaCount: replicas, podDisruptionBudget: pdb, resources: resources("20m", "64Mi") },
    cainjector: { replicaCount: replicas, podDisruptionBudget: pdb, resources: resources("20m", "128Mi") },
    startupapicheck: { resources: resources("10m", "64Mi") },
    topologySpreadConstraints:
      replicas >= 2
        ? [{ maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { "app.kubernetes.io/component": "controller" } } }]
        : [],
  };
}

/**
 * cert-manager, installed once per cluster from its maintainers' chart, with two issuers that
 * in-cluster TLS uses:
 *
 * - `<name>-selfsigned`, a self-signed `ClusterIssuer` that only signs the internal CA;
 * - `<name>-ca`, a CA `ClusterIssuer` backed by that CA, for service certificates (Redis,
 *   the Barman Cloud plugin's own TLS is issued by the plugin chart's issuer).
 *
 * The Gateway adds its ACME issuers on top.
 *
 * @example
 * ```ts
 * const certManager = new CertManager("cert-manager", { platform });
 * ```
 * @see https://cert-manager.io/docs/
 * @see https://cert-manager.io/docs/configuration/ca/
 */
export class CertManager extends pulumi.ComponentResource {
  /** The Helm release; custom resources that need cert-manager's CRDs depend on it. */
  public readonly release: k8s.helm.v3.Release;
  /** The name of the CA `ClusterIssuer` for internal service certificates. */
  public readonly caIssuerName: string;
  /** The namespace cert-manager runs in. */
  public readonly namespace: string;

  /**
   * @param name - the logical name; children are named `${name}-<role>`.
   * @param args - see {@link CertManagerArgs}.
   * @param opts - component options.
   * @throws Error when `replicas` is not a whole number ≥ 1.
   */
  constructor(name: string, args: CertManagerArgs, opts?: pulumi.ComponentResourceOptions) {
    const replicas = args.replicas ?? (args.platform.environment === "prod" ? 2 : 1);
    if (!Number.isInteger(replicas) || replicas < 1) throw new Error(`CertManager "${name}": \`replicas\` must be a whole number ≥ 1 (got ${replicas})`);
    super("platform:index:CertManager", name, {}, opts);
    this.namespace = args.namespace ?? "cert-manager";
    const provider = args.platform.provider;
    this.release = new k8s.helm.v3.Release(
      `${name}-release`,
      {
        name: "cert-manager",
        chart: certManagerChart.chart,
        version: certManagerChart.version,
        repositoryOpts: { repo: certManagerChart.repo },
        namespace: this.namespace,
        createNamespace: true,
        atomic: true,
        values: certManagerValues(replicas, args.serviceMonitor ?? false),
      },
      { parent: this, provider, dependsOn: [...(args.platform.cluster ? [args.platform.cluster] : []), ...(args.dependsOn ?? [])] },
    );
    const after = { parent: this, provider, dependsOn: [this.release] };
    const selfSigned = new k8s.apiextensions.CustomResource(
      `${name}-selfsigned`,
      { apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", metadata: { name: `${name}-selfsigned` }, spec: { selfSigned: {} } },
      after,
    );
    const caSecretName = `${name}-ca`;
    const ca = new k8s.apiextensions.CustomResource(
      `${name}-ca-certificate`,
      {
        apiVersion: "cert-manager.io/v1",
        kind: "Certificate",
        metadata: { name: `${name}-ca`, namespace: this.namespace },
        spec: {
          isCA: true,
          commonName: `${name} internal CA`,
          secretName: caSecretName,
          duration: "87600h",
          renewBefore: "720h",
          privateKey: { algorithm: "ECDSA", size: 256 },
          issuerRef: { name: `${name}-selfsigned`, kind: "ClusterIssuer", group: "cert-manager.io" },
        },
      },
      { ...after, dependsOn: [this.release, selfSigned] },
    );
    this.caIssuerName = `${name}-ca`;
    new k8s.apiextensions.CustomResource(
      `${name}-ca-issuer`,
      { apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", metadata: { name: this.caIssuerName }, spec: { ca: { secretName: caSecretName } } },
      { ...after, dependsOn: [this.release, ca] },
    );
    this.registerOutputs({ caIssuerName: this.caIssuerName, namespace: this.namespace });
  }
}
