/**
 * What the in-cluster roles (servers, Sentinel, HAProxy) share: the deployment being built, the
 * objects' metadata, headless Services and PodDisruptionBudgets, the scripts ConfigMap, and the
 * pods' volumes, probes, environment, security context and placement.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/pods/
 * @see https://valkey.io/topics/sentinel/
 */
import { createHash } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { KubernetesPlatform } from "../contract/platform";
import type { ResolvedRedis } from "./spec";
import {
  CLI_TLS,
  maxMemoryBytes,
  sentinelConfig,
  sentinelScript,
  serverConfig,
  serverScript,
  valkeyKubernetesDefaults,
  valkeyLabels,
  valkeyNames,
  valkeySelector,
  type StartScriptOptions,
  type ValkeyNames,
  type ValkeyRole,
} from "./valkey-config";

type Probe = k8s.types.input.core.v1.Probe;
type PodSpec = k8s.types.input.core.v1.PodSpec;
type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;

const d = valkeyKubernetesDefaults;

/** One in-cluster RedisCluster being built: what every role's builder needs. */
export interface ValkeyDeployment {
  /** The component's name; objects are named `${name}-<role>`. */
  readonly name: string;
  readonly spec: ResolvedRedis;
  readonly platform: KubernetesPlatform;
  readonly names: ValkeyNames;
  /** The options of every object: the component as parent, the cluster's provider. */
  readonly opts: pulumi.CustomResourceOptions;
  /** Whether server and Sentinel pods must run on different nodes (prod). */
  readonly prod: boolean;
}

/**
 * The deployment of `name` on `platform`, its objects children of `parent`.
 *
 * @see https://www.pulumi.com/docs/iac/concepts/options/parent/
 */
export function valkeyDeployment(name: string, spec: ResolvedRedis, platform: KubernetesPlatform, parent: pulumi.Resource): ValkeyDeployment {
  return { name, spec, platform, names: valkeyNames(name), opts: { parent, provider: platform.provider }, prod: spec.environment === "prod" };
}

/**
 * The metadata of one of the deployment's objects: its name, the namespace and the role's labels.
 *
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/
 */
export function objectMeta(deployment: ValkeyDeployment, objectName: string, role: ValkeyRole) {
  return { name: objectName, namespace: deployment.spec.namespace, labels: valkeyLabels(deployment.name, role, deployment.spec.labels) };
}

/**
 * A headless Service that gives each of a role's pods a DNS name, published before the pods are
 * ready: replicas and Sentinel find each other by them.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/service/#headless-services
 */
export function headlessService(deployment: ValkeyDeployment, objectName: string, role: ValkeyRole, port: number): k8s.core.v1.Service {
  return new k8s.core.v1.Service(
    objectName,
    {
      metadata: objectMeta(deployment, objectName, role),
      spec: {
        clusterIP: "None",
        // Pods need their DNS names before they are ready: replicas and Sentinel find each other by them.
        publishNotReadyAddresses: true,
        selector: valkeySelector(deployment.name, role),
        ports: [{ name: "valkey", port, targetPort: "valkey", protocol: "TCP" }],
      },
    },
    deployment.opts,
  );
}

/**
 * A PodDisruptionBudget `${objectName}-pdb` that lets a drain take one of a role's pods at a time.
 *
 * @see https://kubernetes.io/docs/tasks/run-application/configure-pdb/
 */
export function disruptionBudget(deployment: ValkeyDeployment, objectName: string, role: ValkeyRole): k8s.policy.v1.PodDisruptionBudget {
  return new k8s.policy.v1.PodDisruptionBudget(
    `${objectName}-pdb`,
    { metadata: objectMeta(deployment, objectName, role), spec: { maxUnavailable: 1, selector: { matchLabels: valkeySelector(deployment.name, role) } } },
    deployment.opts,
  );
}

/**
 * The ConfigMap with the server's and Sentinel's start scripts (see {@link serverScript} and
 * {@link sentinelScript}).
 *
 * @returns the pod annotation that carries the scripts' checksum, so a change rolls the pods.
 * @see https://valkey.io/topics/sentinel/
 */
export function scriptsConfigMap(deployment: ValkeyDeployment): Record<string, string> {
  const { name, spec, names: n } = deployment;
  const scriptOptions: StartScriptOptions = { name, masterName: spec.sentinel.masterName, tls: spec.tls, sentinel: spec.sentinel.enabled, sentinelPort: spec.sentinelPort };
  const server = serverScript(scriptOptions, serverConfig({ tls: spec.tls, maxMemoryBytes: maxMemoryBytes(spec.resources.limits.memory, spec.maxMemoryFraction), announce: true }));
  const sentinel = sentinelScript(scriptOptions, sentinelConfig({ tls: spec.tls, masterName: spec.sentinel.masterName, quorum: spec.sentinel.quorum, port: spec.sentinelPort }));
  new k8s.core.v1.ConfigMap(n.scripts, { metadata: objectMeta(deployment, n.scripts, "server"), data: { "server.sh": server, "sentinel.sh": sentinel } }, deployment.opts);
  return { "checksum/scripts": sha256(server + sentinel) };
}

/**
 * The volume of the cert-manager Secret, optionally only some of its keys under other paths.
 *
 * @see https://kubernetes.io/docs/concepts/storage/volumes/#secret
 */
export function tlsVolume(deployment: ValkeyDeployment, items?: { key: string; path: string }[]): Volume {
  return { name: "tls", secret: { secretName: deployment.names.tls, defaultMode: 0o440, ...(items ? { items } : {}) } };
}

/**
 * The volumes of the server and Sentinel pods: the scripts, the generated config (an emptyDir in
 * memory) and, with TLS, the certificate.
 *
 * @see https://kubernetes.io/docs/concepts/storage/volumes/#emptydir
 */
export function valkeyVolumes(deployment: ValkeyDeployment): Volume[] {
  return [
    { name: "scripts", configMap: { name: deployment.names.scripts, defaultMode: 0o444 } },
    { name: "config", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
    ...(deployment.spec.tls ? [tlsVolume(deployment)] : []),
  ];
}

/**
 * Where the Valkey containers mount {@link valkeyVolumes}, then `extra`.
 *
 * @see https://kubernetes.io/docs/concepts/storage/volumes/
 */
export function valkeyMounts(deployment: ValkeyDeployment, extra: VolumeMount[]): VolumeMount[] {
  return [
    { name: "scripts", mountPath: d.scriptsPath, readOnly: true },
    { name: "config", mountPath: d.configPath },
    ...(deployment.spec.tls ? [{ name: "tls", mountPath: d.tlsPath, readOnly: true }] : []),
    ...extra,
  ];
}

/**
 * Where a role's pods run: spread across zones (best effort) and apart on nodes, required in prod
 * so that one node failure takes at most one server.
 *
 * @see https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#inter-pod-affinity-and-anti-affinity
 */
export function podPlacement(name: string, role: ValkeyRole, requiredApart: boolean): Pick<PodSpec, "affinity" | "topologySpreadConstraints"> {
  const labelSelector = { matchLabels: valkeySelector(name, role) };
  const term = { labelSelector, topologyKey: "kubernetes.io/hostname" };
  return {
    affinity: {
      podAntiAffinity: requiredApart
        ? { requiredDuringSchedulingIgnoredDuringExecution: [term] }
        : { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] },
    },
    topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector }],
  };
}

/**
 * The pod security context: the image's user and group, never root, the runtime's seccomp profile.
 *
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
 */
export function podSecurity(user: number, group: number): k8s.types.input.core.v1.PodSecurityContext {
  return { runAsNonRoot: true, runAsUser: user, runAsGroup: group, fsGroup: group, fsGroupChangePolicy: "OnRootMismatch", seccompProfile: { type: "RuntimeDefault" } };
}

/**
 * An exec probe running a `valkey-cli` command whose reply must match `pattern` (grep -E).
 *
 * @see https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
 */
export function cliProbe(tls: boolean, port: number, command: string, pattern: string, timing: Partial<Probe>): Probe {
  return {
    exec: { command: ["sh", "-c", `valkey-cli${tls ? ` ${CLI_TLS}` : ""} -p ${port} ${command} | grep -Eq '${pattern}'`] },
    timeoutSeconds: 5,
    ...timing,
  };
}

/**
 * The environment of the Valkey containers: the password from the auth Secret and the namespace.
 *
 * @see https://kubernetes.io/docs/tasks/inject-data-application/distribute-credentials-secure/
 */
export function passwordEnv(secretName: string): k8s.types.input.core.v1.EnvVar[] {
  const fromSecret = { valueFrom: { secretKeyRef: { name: secretName, key: "password" } } };
  return [
    { name: "REDIS_PASSWORD", ...fromSecret },
    // valkey-cli in the probes reads it; kept for compatibility as Valkey 8 still reads this name.
    { name: "REDISCLI_AUTH", ...fromSecret },
    { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
  ];
}

/** The hex SHA-256 of `text`, for the checksum annotations that roll pods when a config changes. */
export const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
