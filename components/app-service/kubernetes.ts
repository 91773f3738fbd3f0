import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { KubernetesPlatform } from "../contract/platform";
import type { ResolvedAppService } from "./spec";
import { COMPONENT_LABEL, COMPONENT_ROLES, TRACK_LABEL } from "../contract/labels";
import { appServiceDefaults, scrapeAnnotations } from "./spec";
import { restrictedContainerSecurityContext } from "../shared/security";
import { deployTasks } from "./jobs";
import { deployProgressive, FLAGGER_OWNED_SERVICE_FIELDS } from "./progressive";
import { deployAutoscaler } from "./autoscaling";

type Container = k8s.types.input.core.v1.Container;
type PodSpec = k8s.types.input.core.v1.PodSpec;

/**
 * The recommended labels for every object of one service.
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/
 */
export function appLabels(name: string, spec: Pick<ResolvedAppService, "labels">): Record<string, string> {
  return {
    ...spec.labels,
    "app.kubernetes.io/name": name,
    "app.kubernetes.io/instance": name,
    [COMPONENT_LABEL]: COMPONENT_ROLES.appService,
    "app.kubernetes.io/managed-by": "pulumi",
  };
}

/**
 * The labels that select a service's pods; stable for the life of the Deployment.
 *
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors
 */
export function selectorLabels(name: string): Record<string, string> {
  return { "app.kubernetes.io/name": name, "app.kubernetes.io/instance": name };
}

/**
 * The application container: pinned image, requests and limits, probes that differ, and the
 * restricted securityContext (non-root, read-only root filesystem, no privilege escalation, all
 * capabilities dropped, seccomp RuntimeDefault).
 *
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
 */
export function appContainer(name: string, spec: ResolvedAppService): Container {
  const ports: k8s.types.input.core.v1.ContainerPort[] = [{ name: "http", containerPort: spec.port, protocol: "TCP" }];
  if (spec.metrics && spec.metrics.port !== spec.port) ports.push({ name: "metrics", containerPort: spec.metrics.port, protocol: "TCP" });
  const probe = (path: string) => ({
    httpGet: { path, port: "http" },
    periodSeconds: spec.probes.periodSeconds,
    timeoutSeconds: spec.probes.timeoutSeconds,
  });
  return {
    name,
    image: spec.image,
    imagePullPolicy: "IfNotPresent",
    ...(spec.command ? { command: [...spec.command] } : {}),
    ...(spec.args ? { args: [...spec.args] } : {}),
    ports,
    env: [
      ...Object.entries(spec.env).map(([envName, value]) => ({ name: envName, value })),
      ...Object.entries(spec.secretEnv).map(([envName, ref]) => ({
        name: envName,
        valueFrom: { secretKeyRef: { name: ref.secretName, key: ref.key } },
      })),
    ],
    resources: { requests: { ...spec.resources.requests }, limits: { ...spec.resources.limits } },
    readinessProbe: { ...probe(spec.probes.readinessPath), failureThreshold: 3 },
    livenessProbe: { ...probe(spec.probes.livenessPath), initialDelaySeconds: spec.probes.initialDelaySeconds, failureThreshold: 3 },
    securityContext: restrictedContainerSecurityContext(),
    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
  };
}

/**
 * The pod spec: the container, a pod-level restricted securityContext, a writable `/tmp`, no
 * service-account token, and spread across zones and nodes.
 *
 * @see https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/
 */
export function appPodSpec(name: string, spec: ResolvedAppService, serviceAccountName: pulumi.Input<string>): PodSpec {
  const uid = appServiceDefaults.runAsUser;
  const spread = (topologyKey: string) => ({
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable: "ScheduleAnyway",
    labelSelector: { matchLabels: selectorLabels(name) },
  });
  return {
    serviceAccountName,
    automountServiceAccountToken: false,
    securityContext: { runAsNonRoot: true, runAsUser: uid, runAsGroup: uid, fsGroup: uid, seccompProfile: { type: "RuntimeDefault" } },
    containers: [appContainer(name, spec)],
    volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }],
    topologySpreadConstraints: [spread("topology.kubernetes.io/zone"), spread("kubernetes.io/hostname")],
    terminationGracePeriodSeconds: 30,
  };
}

/**
 * Whether the service gets a PodDisruptionBudget: only when at least two pods run, so the budget
 * (`maxUnavailable: 1`) never blocks every eviction.
 * @see https://kubernetes.io/docs/tasks/run-application/configure-pdb/
 */
export function needsDisruptionBudget(spec: ResolvedAppService): boolean {
  return (spec.autoscaling.enabled ? spec.autoscaling.minReplicas : spec.replicas) >= 2;
}

/**
 * The labels that select one track's pods: the stable Deployment's (and the canary's) selector.
 * The Service, PodDisruptionBudget and NetworkPolicy select both tracks with {@link selectorLabels}.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#selector
 */
export function trackSelectorLabels(name: string, track: "stable" | "canary"): Record<string, string> {
  return { ...selectorLabels(name), [TRACK_LABEL]: track };
}

/**
 * The labels that select every pod of a service, whatever runs it: {@link selectorLabels}, or with
 * progressive delivery `app.kubernetes.io/instance` alone, since Flagger's primary pods carry
 * `app.kubernetes.io/name: <service>-primary` and keep every other label. The NetworkPolicy, the
 * PodDisruptionBudget and the mesh's authorization select by it.
 *
 * @see https://github.com/fluxcd/flagger/blob/v1.44.0/pkg/canary/util.go (makePrimaryLabels)
 */
export function workloadSelectorLabels(name: string, progressive: boolean): Record<string, string> {
  return progressive ? callerSelectorLabels(name) : selectorLabels(name);
}

/**
 * The labels every pod of a service's Deployments carries, stable and canary, Flagger's primary
 * included (it rewrites `app.kubernetes.io/name` only), and no other pod does: its instance and the
 * AppService role. The service's migration and CronJob pods have instances and roles of their own,
 * and another service's task named `<service>` is not an AppService pod. Callers are admitted by it,
 * since a caller may be progressive.
 */
export function callerSelectorLabels(name: string): Record<string, string> {
  return { "app.kubernetes.io/instance": name, [COMPONENT_LABEL]: COMPONENT_ROLES.appService };
}

/** The objects the Kubernetes backend created. */
export interface KubernetesAppService {
  readonly deployment: k8s.apps.v1.Deployment;
  readonly canary?: k8s.apps.v1.Deployment;
  /** The migration Job the Deployments wait for. */
  readonly migration?: k8s.batch.v1.Job;
  readonly cronJobs: readonly k8s.batch.v1.CronJob[];
  /** The Service; with progressive delivery Flagger owns its selector and ports (it is the apex). */
  readonly service: k8s.core.v1.Service;
  /** The Flagger `Canary`, with progressive delivery. */
  readonly flaggerCanary?: k8s.apiextensions.CustomResource;
  /** The KEDA ScaledObject, when the service has `autoscaling.triggers`. */
  readonly scaledObject?: k8s.apiextensions.CustomResource;
  readonly url: pulumi.Output<string>;
}

/**
 * Deploys the service into a Kubernetes cluster: ServiceAccount, the migration Job and CronJobs
 * (`jobs.ts`), Deployment, Service, HorizontalPodAutoscaler (with triggers adopted by a KEDA
 * ScaledObject), PodDisruptionBudget and NetworkPolicy, all with the platform's provider.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/deployment/
 */
export function deployToKubernetes(name: string, spec: ResolvedAppService, platform: KubernetesPlatform, parent: pulumi.Resource): KubernetesAppService {
  const opts = { parent, provider: platform.provider, dependsOn: [...spec.dependsOn] };
  const labels = appLabels(name, spec);
  const metadata = { name, namespace: spec.namespace, labels };

  // The cloud identity's annotation, where the service has one (IRSA's webhook projects its own token, so the API token stays unmounted).
  const saAnnotations = Object.keys(spec.serviceAccountAnnotations).length > 0 ? { annotations: spec.serviceAccountAnnotations } : {};
  const serviceAccount = new k8s.core.v1.ServiceAccount(`${name}-service-account`, { metadata: { ...metadata, ...saAnnotations }, automountServiceAccountToken: false }, opts);

  const podTemplate = (track: "stable" | "canary", image: string) => ({
    metadata: { labels: { ...labels, [TRACK_LABEL]: track }, annotations: scrapeAnnotations(spec) },
    spec: appPodSpec(name, { ...spec, image }, serviceAccount.metadata.name),
  });
  const strategy = { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 0 } };
  const tasks = deployTasks(name, spec, appPodSpec(name, spec, serviceAccount.metadata.name), opts);
  // The Deployments roll only once the migration Job has completed.
  const rollOpts = { ...opts, dependsOn: [...opts.dependsOn, ...(tasks.migration ? [tasks.migration] : [])] };
  const deployment = new k8s.apps.v1.Deployment(
    `${name}-deployment`,
    {
      metadata,
      spec: {
        // With an autoscaler the HPA owns the replica count; setting it here would reset it on every update.
        // With progressive delivery Flagger scales this Deployment (to zero after each promotion).
        replicas: spec.autoscaling.enabled || spec.progressive ? undefined : spec.replicas,
        revisionHistoryLimit: 5,
        selector: { matchLabels: trackSelectorLabels(name, "stable") },
        strategy,
        template: podTemplate("stable", spec.image),
      },
    },
    rollOpts,
  );
  const canary = spec.canary
    ? new k8s.apps.v1.Deployment(
        `${name}-canary-deployment`,
        {
          metadata: { name: `${name}-canary`, namespace: spec.namespace, labels: { ...labels, [TRACK_LABEL]: "canary" } },
          spec: {
            replicas: spec.canary.replicas,
            revisionHistoryLimit: 5,
            selector: { matchLabels: trackSelectorLabels(name, "canary") },
            strategy,
            template: podTemplate("canary", spec.canary.image),
          },
        },
        rollOpts,
      )
    : undefined;

  const servicePorts: k8s.types.input.core.v1.ServicePort[] = [{ name: "http", port: spec.servicePort, targetPort: "http", protocol: "TCP" }];
  if (spec.metrics && spec.metrics.port !== spec.port) servicePorts.push({ name: "metrics", port: spec.metrics.port, targetPort: "metrics", protocol: "TCP" });
  // With progressive delivery Flagger takes this Service over as its apex: it moves the selector to
  // the primary pods (only once they are ready) and sets the ports from the Canary, and it leaves the
  // labels and annotations alone. Pulumi keeps creating it and leaves those two fields to Flagger
  // (`ignoreChanges`, which also leaves them out of Pulumi's server-side apply), so the Service, its
  // ClusterIP and DNS name never go away: not on the `up` that turns the analysis on, not when it
  // is turned off (Flagger's `revertOnDeletion` points the selector back at the Deployment).
  const service = new k8s.core.v1.Service(
    `${name}-service`,
    { metadata: { ...metadata, annotations: { ...spec.serviceAnnotations } }, spec: { type: "ClusterIP", selector: selectorLabels(name), ports: servicePorts } },
    spec.progressive ? { ...opts, ignoreChanges: [...FLAGGER_OWNED_SERVICE_FIELDS] } : opts,
  );
  const podSelector = workloadSelectorLabels(name, spec.progressive !== undefined);

  // A HorizontalPodAutoscaler and, with triggers, a KEDA ScaledObject that adopts it: one HPA per Deployment.
  const { hpa, scaledObject } = deployAutoscaler(
    { name, metadata, deploymentName: deployment.metadata.name, autoscaling: spec.autoscaling, sources: spec.triggerSources, secretEnv: spec.secretEnv },
    opts,
  );

  if (needsDisruptionBudget(spec)) {
    new k8s.policy.v1.PodDisruptionBudget(
      `${name}-pdb`,
      { metadata, spec: { maxUnavailable: 1, selector: { matchLabels: podSelector } } },
      opts,
    );
  }

  const ingressPorts = servicePorts.map((p) => ({ port: p.targetPort as string, protocol: "TCP" }));
  const callers = [
    // The declared callers' pods, or (without a list) every pod of the namespace.
    ...(spec.allowedCallers ? spec.allowedCallers.map((caller) => ({ podSelector: { matchLabels: callerSelectorLabels(caller) } })) : [{ podSelector: {} }]),
    ...(spec.allowFromNamespaces.length > 0 ? [{ namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: [...spec.allowFromNamespaces] }] } }] : []),
  ];
  new k8s.networking.v1.NetworkPolicy(
    `${name}-network-policy`,
    {
      metadata,
      spec: {
        podSelector: { matchLabels: podSelector },
        policyTypes: ["Ingress"],
        // No caller at all is no rule: a rule with an empty `from` would admit every source.
        // @see https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/#NetworkPolicySpec
        ingress: callers.length > 0 ? [{ from: callers, ports: ingressPorts }] : [],
      },
    },
    opts,
  );

  const flaggerCanary = spec.progressive
    ? deployProgressive(
        name,
        {
          namespace: spec.namespace,
          servicePort: spec.servicePort,
          separateMetricsPort: spec.metrics !== false && spec.metrics.port !== spec.port,
          serviceLabels: labels,
          labels,
        },
        spec.progressive,
        // After the Service too: Flagger must find it and take it over, not create its own apex first.
        { ...opts, dependsOn: [...opts.dependsOn, deployment, service, ...(hpa ? [hpa] : []), ...(scaledObject ? [scaledObject] : [])] },
      )
    : undefined;

  const url = service.metadata.apply((m) => `http://${m.name}.${m.namespace}.svc.cluster.local:${spec.servicePort}`);
  return { deployment, canary, ...tasks, service, flaggerCanary, scaledObject, url };
}
