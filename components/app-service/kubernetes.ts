import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { KubernetesPlatform } from "../contract/platform";
import type { ResolvedAppService } from "./spec";
import { COMPONENT_LABEL, COMPONENT_ROLES, TRACK_LABEL } from "../contract/labels";
import { appServiceDefaults, scrapeAnnotations } from "./spec";
import { restrictedContainerSecurityContext } from "../shared/security";

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

/** The objects the Kubernetes backend created. */
export interface KubernetesAppService {
  readonly deployment: k8s.apps.v1.Deployment;
  readonly canary?: k8s.apps.v1.Deployment;
  readonly service: k8s.core.v1.Service;
  readonly url: pulumi.Output<string>;
}

/**
 * Deploys the service into a Kubernetes cluster: ServiceAccount, Deployment, Service,
 * HorizontalPodAutoscaler, PodDisruptionBudget and NetworkPolicy, all with the platform's provider.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/deployment/
 */
export function deployToKubernetes(name: string, spec: ResolvedAppService, platform: KubernetesPlatform, parent: pulumi.Resource): KubernetesAppService {
  const opts = { parent, provider: platform.provider, dependsOn: [...spec.dependsOn] };
  const labels = appLabels(name, spec);
  const metadata = { name, namespace: spec.namespace, labels };

  const serviceAccount = new k8s.core.v1.ServiceAccount(`${name}-service-account`, { metadata, automountServiceAccountToken: false }, opts);

  const podTemplate = (track: "stable" | "canary", image: string) => ({
    metadata: { labels: { ...labels, [TRACK_LABEL]: track }, annotations: scrapeAnnotations(spec) },
    spec: appPodSpec(name, { ...spec, image }, serviceAccount.metadata.name),
  });
  const strategy = { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 0 } };
  const deployment = new k8s.apps.v1.Deployment(
    `${name}-deployment`,
    {
      metadata,
      spec: {
        // With an autoscaler the HPA owns the replica count; setting it here would reset it on every update.
        replicas: spec.autoscaling.enabled ? undefined : spec.replicas,
        revisionHistoryLimit: 5,
        selector: { matchLabels: trackSelectorLabels(name, "stable") },
        strategy,
        template: podTemplate("stable", spec.image),
      },
    },
    opts,
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
        opts,
      )
    : undefined;

  const servicePorts: k8s.types.input.core.v1.ServicePort[] = [{ name: "http", port: spec.servicePort, targetPort: "http", protocol: "TCP" }];
  if (spec.metrics && spec.metrics.port !== spec.port) servicePorts.push({ name: "metrics", port: spec.metrics.port, targetPort: "metrics", protocol: "TCP" });
  const service = new k8s.core.v1.Service(
    `${name}-service`,
    { metadata: { ...metadata, annotations: { ...spec.serviceAnnotations } }, spec: { type: "ClusterIP", selector: selectorLabels(name), ports: servicePorts } },
    opts,
  );

  if (spec.autoscaling.enabled) {
    new k8s.autoscaling.v2.HorizontalPodAutoscaler(
      `${name}-hpa`,
      {
        metadata,
        spec: {
          scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deployment.metadata.name },
          minReplicas: spec.autoscaling.minReplicas,
          maxReplicas: spec.autoscaling.maxReplicas,
          metrics: [
            { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: spec.autoscaling.targetCPUUtilizationPercentage } } },
          ],
        },
      },
      opts,
    );
  }

  if (needsDisruptionBudget(spec)) {
    new k8s.policy.v1.PodDisruptionBudget(
      `${name}-pdb`,
      { metadata, spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(name) } } },
      opts,
    );
  }

  const ingressPorts = servicePorts.map((p) => ({ port: p.targetPort as string, protocol: "TCP" }));
  const callers = [
    // The declared callers' pods, or (without a list) every pod of the namespace.
    ...(spec.allowedCallers ? spec.allowedCallers.map((caller) => ({ podSelector: { matchLabels: selectorLabels(caller) } })) : [{ podSelector: {} }]),
    ...(spec.allowFromNamespaces.length > 0 ? [{ namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: [...spec.allowFromNamespaces] }] } }] : []),
  ];
  new k8s.networking.v1.NetworkPolicy(
    `${name}-network-policy`,
    {
      metadata,
      spec: {
        podSelector: { matchLabels: selectorLabels(name) },
        policyTypes: ["Ingress"],
        // No caller at all is no rule: a rule with an empty `from` would admit every source.
        // @see https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/#NetworkPolicySpec
        ingress: callers.length > 0 ? [{ from: callers, ports: ingressPorts }] : [],
      },
    },
    opts,
  );

  const url = service.metadata.apply((m) => `http://${m.name}.${m.namespace}.svc.cluster.local:${spec.servicePort}`);
  return { deployment, canary, service, url };
}
