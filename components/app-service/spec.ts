import type * as pulumi from "@pulumi/pulumi";
import { imagePinProblem } from "../shared/image";
import { resourceProblems } from "../shared/quantity";
import type { Platform } from "../contract/platform";
import type { ArgProblem } from "../contract/problems";
import type { ResourceQuantities } from "../contract/resources";
import { resolveCronJob, resolveMigration, validateJobs, type CronJobArgs, type MigrationArgs, type ResolvedCronJob, type ResolvedMigration } from "./jobs-spec";
import { canaryAnalysisProblems, resolveProgressive, type ProgressiveDeliveryArgs, type ResolvedProgressive } from "./progressive";
import { autoscalingProblems, type ResolvedAutoscaling, type ScaleTrigger, type TriggerSources } from "./autoscaling";

/**
 * Horizontal autoscaling on CPU (and memory) utilisation with a HorizontalPodAutoscaler
 * (autoscaling/v2), or, with `triggers`, a KEDA ScaledObject that also scales on a queue's depth or
 * a Prometheus query (see `autoscaling.ts`). Docker runs one container and ignores it (with a
 * warning when there are triggers).
 * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/
 * @see https://keda.sh/docs/2.20/reference/scaledobject-spec/
 */
export interface AutoscalingArgs {
  /** Create a HorizontalPodAutoscaler. @default true */
  readonly enabled?: boolean;
  /** The fewest replicas; 0 (scale to zero) only with a queue or Prometheus trigger. @default `replicas` */
  readonly minReplicas?: number;
  /** The most replicas. @default 3 × `minReplicas` */
  readonly maxReplicas?: number;
  /** Average CPU utilisation to keep, in percent of the request. @default 70 */
  readonly targetCPUUtilizationPercentage?: number;
  /** Average memory utilisation to keep, in percent of the request; a second HPA metric. @default none */
  readonly targetMemoryUtilizationPercentage?: number;
  /** KEDA triggers: with any, the service also gets a ScaledObject, which adopts its HorizontalPodAutoscaler. @default [] */
  readonly triggers?: readonly ScaleTrigger[];
}

/**
 * HTTP probes. Readiness gates traffic; liveness restarts a stuck container. They use different
 * paths so that a slow dependency takes a pod out of rotation without restarting it.
 * @see https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
 */
export interface ProbeArgs {
  /** The readiness path. @default "/ready" */
  readonly readinessPath?: string;
  /** The liveness path. @default "/health" */
  readonly livenessPath?: string;
  /** Seconds before the first liveness check. @default 10 */
  readonly initialDelaySeconds?: number;
  /** Seconds between checks. @default 10 */
  readonly periodSeconds?: number;
  /** Seconds before a check times out. @default 2 */
  readonly timeoutSeconds?: number;
}

/**
 * A canary version of the service: a second Deployment with another image, whose pods carry
 * {@link TRACK_LABEL} `canary` and sit behind the same Service. The mesh decides the split; without
 * a mesh the Service balances by pod count. Kubernetes only.
 *
 * @see https://istio.io/latest/docs/tasks/traffic-management/traffic-shifting/
 */
export interface CanaryDeploymentArgs {
  /** The canary's image, pinned like `image`. */
  readonly image: string;
  /** The canary's replicas (it is not autoscaled). @default 1 */
  readonly replicas?: number;
}

/** Docker-only settings of an {@link AppServiceArgs}. */
export interface AppServiceDockerArgs {
  /** Publish the service port on the host at this port (bound to the platform's `publishAddress`). @default not published */
  readonly hostPort?: number;
  /** The healthcheck command, run inside the container. @default curl of the liveness path */
  readonly healthcheckCommand?: readonly string[];
}

/**
 * The arguments of an {@link AppService}: one stateless HTTP service.
 */
export interface AppServiceArgs {
  /** Where to deploy: the result of `createPlatform`. */
  readonly platform: Platform;
  /** The container image, pinned to a version tag or a digest (`latest` is refused). */
  readonly image: string;
  /** The port the container listens on. */
  readonly port: number;
  /**
   * The container's entrypoint, replacing the image's ENTRYPOINT (Docker: the container's
   * `entrypoints`), so one image can run as several processes.
   * @default the image's ENTRYPOINT
   * @see https://kubernetes.io/docs/tasks/inject-data-application/define-command-argument-container/
   */
  readonly command?: readonly string[];
  /** The entrypoint's arguments, replacing the image's CMD (Docker: the container's `command`). @default the image's CMD, unless `command` is set */
  readonly args?: readonly string[];
  /** A migration Job run with the service's image that must succeed before the Deployment rolls; see {@link MigrationArgs}. @default none */
  readonly migration?: MigrationArgs;
  /** CronJobs run with the service's image; Kubernetes only (Docker has no scheduler). @default [] */
  readonly cronJobs?: readonly CronJobArgs[];
  /**
   * Annotations of the pods of the migration Job and the CronJobs, such as the mesh's switch to a
   * native sidecar (an init container with `restartPolicy: Always`), without which a meshed Job's
   * proxy never exits and the Job never completes.
   * @default {}
   * @see https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/#jobs-with-sidecar-containers
   */
  readonly jobPodAnnotations?: Readonly<Record<string, string>>;
  /** The Kubernetes namespace; it must exist. @default "default" */
  readonly namespace?: pulumi.Input<string>;
  /** Replicas when autoscaling is off, and the autoscaler's default minimum. @default 2 */
  readonly replicas?: number;
  /** Horizontal autoscaling. @default enabled, `replicas`…3×`replicas` at 70 % CPU */
  readonly autoscaling?: AutoscalingArgs;
  /** Where `autoscaling.triggers` read from: the broker's Secrets (by `secretEnv` name) and endpoints, Prometheus. @default {} */
  readonly triggerSources?: TriggerSources;
  /** Requests and limits. @default requests 100m/128Mi, limits 500m/256Mi */
  readonly resources?: { readonly requests?: ResourceQuantities; readonly limits?: ResourceQuantities };
  /** Plain environment variables. Never put secrets here; pass them as Secret references. @default {} */
  readonly env?: Readonly<Record<string, pulumi.Input<string>>>;
  /**
   * Environment variables read from Kubernetes Secrets (`{ secretName, key }`), or on Docker from
   * secret values.
   * @default {}
   */
  readonly secretEnv?: Readonly<Record<string, { readonly secretName: pulumi.Input<string>; readonly key: string; readonly value?: pulumi.Input<string> }>>;
  /** HTTP probes. @default readiness `/ready`, liveness `/health` */
  readonly probes?: ProbeArgs;
  /** Prometheus scraping of the metrics endpoint, or `false`. @default `{ path: "/metrics" }` on the service port */
  readonly metrics?: false | { readonly path?: string; readonly port?: number };
  /** The Service's port. @default 80 */
  readonly servicePort?: number;
  /** Namespaces, besides the service's own, whose pods may connect (the gateway's, monitoring's). @default [] */
  readonly allowFromNamespaces?: readonly string[];
  /**
   * The services of the same namespace whose pods may connect (by their `app.kubernetes.io/instance` and AppService role, which Flagger's primary pods keep);
   * with the mesh, the same callers its authorization admits (`mesh.allowedCallers`).
   * @default every pod of the namespace
   * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/#behavior-of-to-and-from-selectors
   */
  readonly allowedCallers?: readonly string[];
  /** Extra labels for every object. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * Annotations of the service's ServiceAccount (Kubernetes): the cloud identity its pods act as,
   * `eks.amazonaws.com/role-arn` (IRSA) or `iam.gke.io/gcp-service-account` (Workload Identity).
   * @default {}
   * @see https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html
   */
  readonly serviceAccountAnnotations?: Readonly<Record<string, pulumi.Input<string>>>;
  /**
   * Annotations of the Kubernetes Service, such as Linkerd's failure-accrual settings, which
   * Linkerd reads from the Service its clients call.
   * @default {}
   */
  readonly serviceAnnotations?: Readonly<Record<string, string>>;
  /** A canary Deployment beside the stable one; Kubernetes only. @default none */
  readonly canary?: CanaryDeploymentArgs;
  /**
   * Progressive delivery with Flagger (see `progressive.ts`): a `Canary` drives each new revision
   * of `image` from the mesh's metrics. Flagger takes the AppService's Service over as the apex
   * (its selector and ports; Pulumi ignores changes to them) and the Deployment never sets
   * `replicas`; it needs an autoscaler and excludes `canary`.
   * Kubernetes only, and Flagger (`ClusterAddons.flagger`) must be installed first (`dependsOn`).
   * @default none
   */
  readonly progressive?: ProgressiveDeliveryArgs;
  /**
   * What the service's objects must be created after, such as the mesh's injector (pods started
   * before it run without a proxy) or the data stores. Children of a component do not inherit its
   * `dependsOn`, so it is passed here.
   * @default []
   */
  readonly dependsOn?: readonly pulumi.Resource[];
  /** Docker-only settings. */
  readonly docker?: AppServiceDockerArgs;
}

/**
 * Defaults of {@link AppServiceArgs}, merged once by {@link resolveAppService}.
 */
export const appServiceDefaults = {
  namespace: "default",
  replicas: 2,
  autoscaling: { enabled: true, targetCPUUtilizationPercentage: 70, maxReplicasFactor: 3 },
  resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
  probes: { readinessPath: "/ready", livenessPath: "/health", initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 2 },
  metricsPath: "/metrics",
  servicePort: 80,
  /** The UID and GID containers run as: the distroless `nonroot` user. */
  runAsUser: 65532,
} as const;

/** An {@link AppServiceArgs} with every default applied. */
export interface ResolvedAppService {
  readonly image: string;
  readonly port: number;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly migration?: ResolvedMigration;
  readonly cronJobs: readonly ResolvedCronJob[];
  readonly jobPodAnnotations: Readonly<Record<string, string>>;
  readonly namespace: pulumi.Input<string>;
  readonly replicas: number;
  readonly autoscaling: ResolvedAutoscaling;
  readonly triggerSources: TriggerSources;
  readonly resources: { readonly requests: Required<ResourceQuantities>; readonly limits: Required<ResourceQuantities> };
  readonly env: Readonly<Record<string, pulumi.Input<string>>>;
  readonly secretEnv: NonNullable<AppServiceArgs["secretEnv"]>;
  readonly probes: Required<ProbeArgs>;
  readonly metrics: false | { readonly path: string; readonly port: number };
  readonly servicePort: number;
  readonly allowFromNamespaces: readonly string[];
  readonly allowedCallers?: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceAnnotations: Readonly<Record<string, string>>;
  readonly serviceAccountAnnotations: Readonly<Record<string, pulumi.Input<string>>>;
  readonly canary?: Required<CanaryDeploymentArgs>;
  readonly progressive?: ResolvedProgressive;
  readonly dependsOn: readonly pulumi.Resource[];
  readonly docker: AppServiceDockerArgs;
}

/**
 * Applies the defaults to an {@link AppServiceArgs}.
 * @see appServiceDefaults
 */
export function resolveAppService(args: Omit<AppServiceArgs, "platform">): ResolvedAppService {
  const d = appServiceDefaults;
  const replicas = args.replicas ?? d.replicas;
  const minReplicas = args.autoscaling?.minReplicas ?? replicas;
  return {
    image: args.image,
    port: args.port,
    command: args.command,
    args: args.args,
    migration: args.migration ? resolveMigration(args.migration) : undefined,
    cronJobs: (args.cronJobs ?? []).map(resolveCronJob),
    jobPodAnnotations: args.jobPodAnnotations ?? {},
    namespace: args.namespace ?? d.namespace,
    replicas,
    autoscaling: {
      enabled: args.autoscaling?.enabled ?? d.autoscaling.enabled,
      minReplicas,
      maxReplicas: args.autoscaling?.maxReplicas ?? Math.max((minReplicas || replicas) * d.autoscaling.maxReplicasFactor, minReplicas),
      targetCPUUtilizationPercentage: args.autoscaling?.targetCPUUtilizationPercentage ?? d.autoscaling.targetCPUUtilizationPercentage,
      targetMemoryUtilizationPercentage: args.autoscaling?.targetMemoryUtilizationPercentage,
      triggers: args.autoscaling?.triggers ?? [],
    },
    triggerSources: args.triggerSources ?? {},
    resources: {
      requests: { ...d.resources.requests, ...args.resources?.requests },
      limits: { ...d.resources.limits, ...args.resources?.limits },
    },
    env: args.env ?? {},
    secretEnv: args.secretEnv ?? {},
    probes: { ...d.probes, ...args.probes },
    metrics: args.metrics === false ? false : { path: args.metrics?.path ?? d.metricsPath, port: args.metrics?.port ?? args.port },
    servicePort: args.servicePort ?? d.servicePort,
    allowFromNamespaces: args.allowFromNamespaces ?? [],
    allowedCallers: args.allowedCallers,
    labels: args.labels ?? {},
    serviceAnnotations: args.serviceAnnotations ?? {},
    serviceAccountAnnotations: args.serviceAccountAnnotations ?? {},
    canary: args.canary ? { image: args.canary.image, replicas: args.canary.replicas ?? 1 } : undefined,
    progressive: args.progressive ? resolveProgressive(args.progressive) : undefined,
    dependsOn: args.dependsOn ?? [],
    docker: args.docker ?? {},
  };
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Finds every problem with an AppService's arguments.
 *
 * @returns the problems, each with the field's path; empty when the arguments are usable.
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/deployment/
 */
export function validateAppService(args: Omit<AppServiceArgs, "platform">): ArgProblem[] {
  const problems: ArgProblem[] = [];
  const add = (path: (string | number)[], message: string) => problems.push({ path, message });
  const spec = resolveAppService(args);
  const imageProblem = imagePinProblem(spec.image);
  if (imageProblem) add(["image"], imageProblem);
  if (!Number.isInteger(spec.port) || spec.port < 1 || spec.port > 65535) add(["port"], `must be an integer from 1 to 65535 (got ${spec.port})`);
  if (!Number.isInteger(spec.servicePort) || spec.servicePort < 1 || spec.servicePort > 65535) add(["servicePort"], `must be an integer from 1 to 65535 (got ${spec.servicePort})`);
  if (!Number.isInteger(spec.replicas) || spec.replicas < 1) add(["replicas"], `must be a whole number ≥ 1 (got ${spec.replicas})`);
  problems.push(...autoscalingProblems(spec.autoscaling, args.autoscaling));
  problems.push(...resourceProblems(spec.resources));
  for (const [field, names] of [["env", Object.keys(spec.env)], ["secretEnv", Object.keys(spec.secretEnv)]] as const) {
    for (const name of names) if (!ENV_NAME.test(name)) add([field, name], "is not a valid environment variable name ([A-Za-z_][A-Za-z0-9_]*)");
  }
  for (const key of ["readinessPath", "livenessPath"] as const) {
    if (!spec.probes[key].startsWith("/")) add(["probes", key], `must start with "/" (got "${spec.probes[key]}")`);
  }
  for (const key of ["initialDelaySeconds", "periodSeconds", "timeoutSeconds"] as const) {
    if (!Number.isInteger(spec.probes[key]) || spec.probes[key] < (key === "initialDelaySeconds" ? 0 : 1)) add(["probes", key], `must be a whole number of seconds (got ${spec.probes[key]})`);
  }
  if (spec.metrics && !spec.metrics.path.startsWith("/")) add(["metrics", "path"], `must start with "/" (got "${spec.metrics.path}")`);
  if (spec.canary) {
    const canaryImageProblem = imagePinProblem(spec.canary.image);
    if (canaryImageProblem) add(["canary", "image"], canaryImageProblem);
    if (!Number.isInteger(spec.canary.replicas) || spec.canary.replicas < 1) add(["canary", "replicas"], `must be a whole number ≥ 1 (got ${spec.canary.replicas})`);
  }
  problems.push(...validateJobs(args));
  if (args.progressive) {
    for (const p of canaryAnalysisProblems(args.progressive.analysis)) add(["progressive", "analysis", ...p.path], p.message);
    if (args.canary) add(["canary"], "cannot be combined with `progressive`: Flagger runs the canary from the next `image`; remove `canary`");
    // Flagger pauses a target ScaledObject during an analysis, and a primary re-created while it is paused stays at zero (fluxcd/flagger#1934).
    if ((args.autoscaling?.triggers?.length ?? 0) > 0) add(["progressive"], "cannot be combined with `autoscaling.triggers` (KEDA): Flagger pauses the ScaledObject during an analysis and a primary re-created while it is paused stays at 0 replicas (fluxcd/flagger#1934); keep CPU/memory autoscaling for a progressive service");
    // Flagger scales the Deployment to zero after each promotion: only an autoscaler may own its replicas.
    if (!spec.autoscaling.enabled && (args.progressive.autoscalerKind ?? "HorizontalPodAutoscaler") === "HorizontalPodAutoscaler") {
      add(["autoscaling", "enabled"], "must be true for progressive delivery: Flagger copies the autoscaler for the primary and scales the Deployment to zero after promotion, so a fixed `replicas` would fight it");
    }
  }
  return problems;
}

/**
 * The `prometheus.io/*` scrape hints: pod annotations on Kubernetes, container labels on Docker.
 * @see https://github.com/prometheus/prometheus/blob/main/documentation/examples/prometheus-kubernetes.yml
 */
export function scrapeAnnotations(spec: ResolvedAppService): Record<string, string> {
  if (!spec.metrics) return {};
  return { "prometheus.io/scrape": "true", "prometheus.io/port": String(spec.metrics.port), "prometheus.io/path": spec.metrics.path };
}
