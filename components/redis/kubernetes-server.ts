/**
 * The in-cluster Valkey servers: one primary and its replicas in a StatefulSet with a volume each,
 * behind a headless Service, with a redis_exporter sidecar per pod (scraped through a PodMonitor
 * when the Prometheus operator's CRDs are given) and a PodDisruptionBudget.
 *
 * @see https://valkey.io/topics/replication/
 * @see https://github.com/oliver006/redis_exporter
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { TLS_DISABLED_ANNOTATION } from "../contract/labels";
import { statefulResourceOptions } from "../shared/options";
import { restrictedContainerSecurityContext } from "../shared/security";
import { redisVersions } from "./spec";
import {
  cliProbe,
  disruptionBudget,
  headlessService,
  objectMeta,
  passwordEnv,
  podPlacement,
  podSecurity,
  valkeyMounts,
  valkeyVolumes,
  type ValkeyDeployment,
} from "./kubernetes-common";
import { valkeyKubernetesDefaults, valkeyLabels, valkeySelector } from "./valkey-config";

type Container = k8s.types.input.core.v1.Container;

const d = valkeyKubernetesDefaults;

/**
 * The annotation on the server StatefulSet that records TLS is off on purpose; the policy pack's
 * `redis-tls` rule accepts it outside production only.
 */
export const tlsDisabledAnnotation: Readonly<Record<string, string>> = { [TLS_DISABLED_ANNOTATION.key]: TLS_DISABLED_ANNOTATION.value };
/** What the exporter sidecar needs. */
export interface ExporterOptions {
  /** The Secret whose key `password` is the AUTH password. */
  readonly secretName: string;
  /** Connect over TLS (`rediss://`), verifying the server against the mounted CA. */
  readonly tls: boolean;
  /** The server's port on `localhost`. */
  readonly port: number;
}

/**
 * The redis_exporter sidecar of a server pod: it reads `INFO` from the server beside it on
 * `localhost` (`redis_up`, `redis_instance_info{role}`, `redis_master_link_up`,
 * `redis_connected_slaves`) and serves them on the `metrics` port.
 *
 * - The password comes from the auth Secret as `REDIS_PASSWORD`; the command line holds none.
 * - With TLS the address is `rediss://localhost` and the server's certificate (whose names include
 *   `localhost`) is verified against the cert-manager CA (`REDIS_EXPORTER_TLS_CA_CERT_FILE`); no
 *   client certificate, as the server does not ask for one (`tls-auth-clients no`).
 * - `/health` answers as long as the HTTP server runs: readiness checks it often, liveness rarely
 *   and with more patience. A server that is down shows as `redis_up 0`, not as a failed probe.
 *
 * @see https://github.com/oliver006/redis_exporter#command-line-flags
 * @see https://github.com/oliver006/redis_exporter/blob/master/exporter/http.go (`/health`)
 */
export function exporterContainer(options: ExporterOptions): Container {
  const health = { httpGet: { path: "/health", port: "metrics" }, timeoutSeconds: 2 };
  return {
    name: "exporter",
    image: redisVersions.exporterImage,
    imagePullPolicy: "IfNotPresent",
    ports: [{ name: "metrics", containerPort: d.metricsPort, protocol: "TCP" }],
    env: [
      { name: "REDIS_ADDR", value: `${options.tls ? "rediss" : "redis"}://localhost:${options.port}` },
      { name: "REDIS_PASSWORD", valueFrom: { secretKeyRef: { name: options.secretName, key: "password" } } },
      ...(options.tls ? [{ name: "REDIS_EXPORTER_TLS_CA_CERT_FILE", value: `${d.tlsPath}/ca.crt` }] : []),
    ],
    resources: { requests: { ...d.exporterResources.requests }, limits: { ...d.exporterResources.limits } },
    readinessProbe: { ...health, periodSeconds: 10, failureThreshold: 3 },
    livenessProbe: { ...health, initialDelaySeconds: 10, periodSeconds: 30, failureThreshold: 5 },
    securityContext: restrictedContainerSecurityContext(),
    volumeMounts: options.tls ? [{ name: "tls", mountPath: d.tlsPath, readOnly: true }] : [],
  };
}

/**
 * The `spec` of the PodMonitor that scrapes the exporter of every server pod. Prometheus names the
 * job `<namespace>/<PodMonitor name>`, so each cluster's servers share a job and the alert rules
 * can count masters per job.
 * @see https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.PodMonitorSpec
 */
export function serverPodMonitorSpec(name: string): Record<string, unknown> {
  return {
    selector: { matchLabels: valkeySelector(name, "server") },
    podMetricsEndpoints: [{ port: "metrics", path: "/metrics" }],
  };
}

/**
 * The servers: the headless Service, the StatefulSet (with the scripts' checksum on its pods), the
 * PodMonitor when `monitoringCrds` is given, and a PodDisruptionBudget from two servers on.
 *
 * @param scriptsChecksum - the pod annotation that `scriptsConfigMap` returns.
 * @param monitoringCrds - the resource that installs the Prometheus operator's CRDs; no PodMonitor without it.
 * @see https://valkey.io/topics/replication/
 * @see https://valkey.io/topics/persistence/
 */
export function deployServers(deployment: ValkeyDeployment, scriptsChecksum: Record<string, string>, monitoringCrds: pulumi.Resource | undefined): void {
  const { name, spec, platform, names: n, opts, prod } = deployment;
  const meta = (objectName: string) => objectMeta(deployment, objectName, "server");
  headlessService(deployment, n.headless, "server", spec.port);

  const serverContainer: Container = {
    name: "valkey",
    image: redisVersions.image,
    imagePullPolicy: "IfNotPresent",
    command: ["sh", `${d.scriptsPath}/server.sh`],
    ports: [{ name: "valkey", containerPort: spec.port, protocol: "TCP" }],
    env: passwordEnv(n.auth),
    resources: { requests: { ...spec.resources.requests }, limits: { ...spec.resources.limits } },
    // Ready only when PONG; alive also while loading the data set. Startup covers a long AOF load.
    startupProbe: cliProbe(spec.tls, spec.port, "PING", "^(PONG|LOADING)", { periodSeconds: 5, failureThreshold: 60 }),
    readinessProbe: cliProbe(spec.tls, spec.port, "PING", "^PONG$", { periodSeconds: 5, failureThreshold: 3 }),
    livenessProbe: cliProbe(spec.tls, spec.port, "PING", "^(PONG|LOADING)", { periodSeconds: 10, failureThreshold: 6 }),
    securityContext: restrictedContainerSecurityContext(),
    volumeMounts: valkeyMounts(deployment, [{ name: "data", mountPath: d.dataPath }]),
  };
  const servers = new k8s.apps.v1.StatefulSet(
    n.server,
    {
      metadata: { ...meta(n.server), ...(spec.tls ? {} : { annotations: { ...tlsDisabledAnnotation } }) },
      spec: {
        serviceName: n.headless,
        replicas: spec.replicas,
        selector: { matchLabels: valkeySelector(name, "server") },
        updateStrategy: { type: "RollingUpdate" },
        persistentVolumeClaimRetentionPolicy: { whenDeleted: spec.protect ? "Retain" : "Delete", whenScaled: "Retain" },
        template: {
          metadata: { labels: valkeyLabels(name, "server", spec.labels), annotations: scriptsChecksum },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: podSecurity(d.valkeyUser, d.valkeyGroup),
            containers: [serverContainer, exporterContainer({ secretName: n.auth, tls: spec.tls, port: spec.port })],
            volumes: valkeyVolumes(deployment),
            terminationGracePeriodSeconds: 30,
            ...podPlacement(name, "server", prod),
          },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: "data", labels: valkeyLabels(name, "server", spec.labels) },
            spec: { accessModes: ["ReadWriteOnce"], storageClassName: platform.storageClass, resources: { requests: { storage: `${spec.storageGiB}Gi` } } },
          },
        ],
      },
    },
    { ...opts, ...statefulResourceOptions(spec.protect) },
  );
  if (monitoringCrds) {
    new k8s.apiextensions.CustomResource(
      `${name}-pod-monitor`,
      { apiVersion: "monitoring.coreos.com/v1", kind: "PodMonitor", metadata: meta(name), spec: serverPodMonitorSpec(name) },
      { ...opts, dependsOn: [servers, monitoringCrds] },
    );
  }
  if (spec.replicas >= 2) disruptionBudget(deployment, n.server, "server");
}
