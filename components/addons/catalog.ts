/**
 * The cluster add-ons the platform knows, and what each Kubernetes target already ships. Pure data,
 * written down from each target's documentation, and the checks built on it: an add-on the platform
 * installs where the target ships its own ({@link targetConflicts}: k3s's bundled Traefik and
 * Gateway API CRDs), and a setting that relies on one the cluster no longer ships
 * ({@link targetGaps}: metrics-server or local-path removed with k3s's `--disable`).
 *
 * Modelled on cdk-eks-blueprints' add-on catalogue (`lib/addons/<name>`), with the per-target facts
 * written down instead of discovered at deploy time.
 *
 * @see https://github.com/aws-quickstart/cdk-eks-blueprints/tree/main/lib/addons
 * @see https://docs.k3s.io/installation/packaged-components
 * @see https://cloud.google.com/kubernetes-engine/docs/concepts/gateway-api
 */
import type { KubernetesFlavour, PlatformFacts } from "../contract/platform";

/** The add-ons of {@link CLUSTER_ADDONS}. */
export type AddonName =
  | "cert-manager"
  | "gateway-api-crds"
  | "prometheus-operator-crds"
  | "cloudnative-pg"
  | "rabbitmq-operators"
  | "velero"
  | "flagger"
  | "keda"
  | "aws-load-balancer-controller"
  | "aws-ebs-csi-driver"
  | "metrics-server"
  | "traefik"
  | "service-load-balancer"
  | "local-path-provisioner";

/**
 * Where an add-on comes from on one target:
 *
 * - `install`: this project installs it (a class in `components/addons/<name>`);
 * - `provided`: the target ships it (`by`), possibly only `when` a condition holds; installing it
 *   again collides with the target's copy. On k3s, `packages` are the packaged components that
 *   ship it: the target provides it unless every one of them is disabled (`--disable`);
 * - `absent`: neither the target nor this project provides it yet (a known gap, `impact` says what
 *   it costs);
 * - `not-applicable`: the add-on has no meaning on the target.
 */
export type AddonProvision =
  | { readonly kind: "install" }
  | { readonly kind: "provided"; readonly by: string; readonly when?: string; readonly packages?: readonly string[]; readonly see: string }
  | { readonly kind: "absent"; readonly impact: string }
  | { readonly kind: "not-applicable" };

/** One add-on: what it is, and where it comes from on each Kubernetes target. */
export interface AddonDefinition {
  readonly name: AddonName;
  /** What it does for the platform, in one line. */
  readonly purpose: string;
  readonly targets: Readonly<Record<KubernetesFlavour, AddonProvision>>;
  /** The upstream documentation. */
  readonly see: string;
}

const install = { kind: "install" } as const;
const notApplicable = { kind: "not-applicable" } as const;
const K3S_PACKAGED = "https://docs.k3s.io/installation/packaged-components";

/**
 * Every add-on the platform installs or relies on, with its source per target.
 *
 * @see https://docs.k3s.io/installation/packaged-components
 * @see https://cloud.google.com/kubernetes-engine/docs/how-to/deploying-gateways#enable-gateway
 * @see https://docs.aws.amazon.com/eks/latest/userguide/eks-add-ons.html
 */
export const CLUSTER_ADDONS: readonly AddonDefinition[] = [
  {
    name: "cert-manager",
    purpose: "certificates for listeners, in-cluster TLS and webhooks",
    targets: { eks: install, gke: install, k3s: install },
    see: "https://cert-manager.io/docs/installation/helm/",
  },
  {
    name: "gateway-api-crds",
    purpose: "the Gateway API's CRDs, which the gateway's Gateway and HTTPRoutes are",
    targets: {
      eks: install,
      gke: {
        kind: "provided",
        by: "GKE's Gateway API controller, from 1.34 on the channel the cluster sets",
        when: "the cluster enables GKE's Gateway API (`gatewayApiConfig`); GkeCluster leaves it off",
        see: "https://cloud.google.com/kubernetes-engine/docs/how-to/deploying-gateways#enable-gateway",
      },
      k3s: {
        kind: "provided",
        by: "k3s's traefik-crd chart (with the bundled Traefik, up to k3s 1.36) or its gateway-api-crd chart (k3s 1.37 on, which takes ownership of existing CRDs)",
        when: "not disabled with `--disable=traefik` and `--disable=gateway-api-crd`",
        packages: ["traefik", "gateway-api-crd"],
        see: "https://github.com/k3s-io/k3s/pull/14565",
      },
    },
    see: "https://gateway-api.sigs.k8s.io/guides/#installing-gateway-api",
  },
  {
    name: "prometheus-operator-crds",
    purpose: "ServiceMonitor, PodMonitor and PrometheusRule, before anything creates one",
    targets: { eks: install, gke: install, k3s: install },
    see: "https://github.com/prometheus-community/helm-charts/tree/main/charts/prometheus-operator-crds",
  },
  {
    name: "cloudnative-pg",
    purpose: "the PostgreSQL operator and its Barman Cloud backup plugin, for in-cluster databases",
    targets: { eks: install, gke: install, k3s: install },
    see: "https://cloudnative-pg.io/documentation/current/installation_upgrade/",
  },
  {
    name: "rabbitmq-operators",
    purpose: "the RabbitMQ Cluster and Messaging Topology Operators, for in-cluster brokers",
    targets: { eks: install, gke: install, k3s: install },
    see: "https://www.rabbitmq.com/kubernetes/operator/install-operator",
  },
  {
    name: "velero",
    purpose: "scheduled backups of the cluster's objects and of the volumes without backups of their own (broker, Valkey)",
    targets: { eks: install, gke: install, k3s: install },
    see: "https://velero.io/docs/v1.18/",
  },
  {
    name: "flagger",
    purpose: "progressive delivery: each canary's traffic weight driven by the mesh's success rate and latency",
    targets: { eks: install, gke: install, k3s: install },
    see: "https://docs.flagger.app/install/flagger-install-on-kubernetes",
  },
  {
    name: "keda",
    purpose: "event-driven autoscaling: ScaledObjects on a queue's depth or a Prometheus query, through the external metrics API (no target registers `v1beta1.external.metrics.k8s.io` by default)",
    targets: { eks: install, gke: install, k3s: install },
    see: "https://keda.sh/docs/2.20/deploy/#helm",
  },
  {
    name: "aws-load-balancer-controller",
    purpose: "the NLB in front of the gateway (the in-tree controller ignores the NLB annotations)",
    targets: { eks: install, gke: notApplicable, k3s: notApplicable },
    see: "https://docs.aws.amazon.com/eks/latest/userguide/aws-load-balancer-controller.html",
  },
  {
    name: "aws-ebs-csi-driver",
    purpose: "EBS volumes for every PersistentVolumeClaim, through the gp3 StorageClass",
    targets: {
      eks: install,
      gke: { kind: "provided", by: "GKE's Compute Engine persistent disk CSI driver, which GkeCluster enables", see: "https://cloud.google.com/kubernetes-engine/docs/how-to/persistent-volumes/gce-pd-csi-driver" },
      k3s: notApplicable,
    },
    see: "https://docs.aws.amazon.com/eks/latest/userguide/ebs-csi.html",
  },
  {
    name: "metrics-server",
    purpose: "the resource metrics API that HorizontalPodAutoscalers scale on",
    targets: {
      eks: install,
      gke: { kind: "provided", by: "GKE", see: "https://cloud.google.com/kubernetes-engine/docs/concepts/horizontalpodautoscaler" },
      k3s: { kind: "provided", by: "k3s's packaged metrics-server", when: "not disabled with `--disable=metrics-server`", packages: ["metrics-server"], see: K3S_PACKAGED },
    },
    see: "https://github.com/kubernetes-sigs/metrics-server",
  },
  {
    name: "traefik",
    purpose: "the gateway's controller, which the Gateway component installs itself",
    targets: {
      eks: install,
      gke: install,
      k3s: { kind: "provided", by: "k3s's bundled Traefik, on ports 80 and 443 through ServiceLB", when: "not disabled with `--disable=traefik`", packages: ["traefik"], see: K3S_PACKAGED },
    },
    see: "https://doc.traefik.io/traefik/providers/kubernetes-gateway/",
  },
  {
    name: "service-load-balancer",
    purpose: "addresses for LoadBalancer Services",
    targets: {
      eks: { kind: "provided", by: "the AWS Load Balancer Controller (this project's add-on)", see: "https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/" },
      gke: { kind: "provided", by: "GKE's load balancer controller", see: "https://cloud.google.com/kubernetes-engine/docs/concepts/service-load-balancer" },
      k3s: { kind: "provided", by: "k3s's ServiceLB (klipper-lb)", when: "not disabled with `--disable=servicelb`", packages: ["servicelb"], see: K3S_PACKAGED },
    },
    see: "https://kubernetes.io/docs/concepts/services-networking/service/#loadbalancer",
  },
  {
    name: "local-path-provisioner",
    purpose: "node-local volumes, the k3s platform's default StorageClass",
    targets: {
      eks: notApplicable,
      gke: notApplicable,
      k3s: { kind: "provided", by: "k3s's packaged local-path-provisioner", when: "not disabled with `--disable=local-storage`", packages: ["local-storage"], see: K3S_PACKAGED },
    },
    see: "https://github.com/rancher/local-path-provisioner",
  },
];

/**
 * Where an add-on comes from on a target.
 *
 * @throws Error for a name that is not in {@link CLUSTER_ADDONS}.
 */
export function addonProvision(name: AddonName, flavour: KubernetesFlavour): AddonProvision {
  const addon = CLUSTER_ADDONS.find((a) => a.name === name);
  if (!addon) throw new Error(`unknown cluster add-on "${name}"`);
  return addon.targets[flavour];
}

/** The target's own copy of an add-on, when the cluster runs it. */
export type ProvidedAddon = Extract<AddonProvision, { kind: "provided" }>;

/**
 * The target's copy of an add-on, if this cluster runs it: the add-on is `provided` on the target,
 * and not every one of its k3s `packages` is among the cluster's `disabledComponents`. A copy with
 * a condition (`when`) but no `packages` depends on an opt-in the platform leaves off (GKE's
 * Gateway API) and is not counted as running.
 *
 * @see https://docs.k3s.io/installation/packaged-components
 */
export function runningOnTarget(name: AddonName, on: Pick<PlatformFacts, "flavour" | "disabledComponents">): ProvidedAddon | undefined {
  if (on.flavour === "docker") return undefined;
  const provision = addonProvision(name, on.flavour);
  if (provision.kind !== "provided") return undefined;
  if (provision.packages === undefined) return provision.when === undefined ? provision : undefined;
  const disabled = on.disabledComponents ?? [];
  return provision.packages.every((p) => disabled.includes(p)) ? undefined : provision;
}

/** A problem with what the target ships, and the `--disable` values that would resolve it. */
export interface TargetProblem {
  readonly addon: AddonName;
  readonly message: string;
  /** The k3s packaged components to disable (a conflict) or to keep (a gap). */
  readonly packages: readonly string[];
}

/**
 * The add-ons among `installs` that the cluster already runs: installing them again collides with
 * the target's copy (on a default k3s install, Traefik holds ports 80 and 443 and its charts own
 * the `traefik.io` and Gateway API CRDs, so our releases and CRDs fail to install).
 *
 * @param installs - the add-ons the caller is about to install.
 * @param on - the target, with k3s's `disabledComponents`.
 * @returns one problem per colliding add-on; empty when none collides.
 * @see https://docs.k3s.io/networking/networking-services#traefik-ingress-controller
 */
export function targetConflicts(installs: readonly AddonName[], on: Pick<PlatformFacts, "flavour" | "disabledComponents">): TargetProblem[] {
  return installs.flatMap((addon) => {
    const running = runningOnTarget(addon, on);
    if (!running?.packages) return [];
    const packages = running.packages.filter((p) => !(on.disabledComponents ?? []).includes(p));
    return [{ addon, packages, message: `${addon} is shipped by ${running.by}; installing the platform's collides with it unless the k3s servers run with ${packages.map((p) => `--disable=${p}`).join(" ")}` }];
  });
}

/**
 * The add-ons among `needs` that the target normally ships but this cluster runs without (k3s's
 * `--disable`): what relies on them breaks (a HorizontalPodAutoscaler without metrics-server never
 * scales; a volume on a StorageClass nobody provisions stays pending).
 *
 * @param needs - the add-ons the caller relies on the target for.
 * @param on - the target, with k3s's `disabledComponents`.
 * @returns one problem per missing add-on; empty when the target runs them all.
 * @see https://docs.k3s.io/installation/packaged-components
 */
export function targetGaps(needs: readonly AddonName[], on: Pick<PlatformFacts, "flavour" | "disabledComponents">): TargetProblem[] {
  return needs.flatMap((addon) => {
    if (on.flavour === "docker") return [];
    const provision = addonProvision(addon, on.flavour);
    if (provision.kind !== "provided" || !provision.packages || runningOnTarget(addon, on)) return [];
    return [{ addon, packages: provision.packages, message: `${addon} is not running: the k3s servers run with ${provision.packages.map((p) => `--disable=${p}`).join(" ")}` }];
  });
}
