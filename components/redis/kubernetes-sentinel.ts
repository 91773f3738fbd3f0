/**
 * The in-cluster Sentinels: the processes that watch the primary and promote a replica when it
 * fails, in their own StatefulSet (their learned topology kept on a volume), behind a headless
 * Service for their peers and a ClusterIP Service for clients, with a PodDisruptionBudget.
 *
 * @see https://valkey.io/topics/sentinel/
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { restrictedContainerSecurityContext } from "../shared/security";
import { redisVersions } from "./spec";
import type { RedisEndpoints } from "./types";
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

const d = valkeyKubernetesDefaults;

/**
 * The Sentinels: the headless and client Services, the StatefulSet (with the scripts' checksum on
 * its pods) and a PodDisruptionBudget.
 *
 * @param scriptsChecksum - the pod annotation that `scriptsConfigMap` returns.
 * @returns the Sentinel endpoint clients use.
 * @see https://valkey.io/topics/sentinel/
 */
export function deploySentinels(deployment: ValkeyDeployment, scriptsChecksum: Record<string, string>): NonNullable<RedisEndpoints["sentinel"]> {
  const { name, spec, platform, names: n, opts, prod } = deployment;
  const meta = (objectName: string) => objectMeta(deployment, objectName, "sentinel");
  headlessService(deployment, n.sentinelHeadless, "sentinel", spec.sentinelPort);
  new k8s.core.v1.Service(
    n.sentinel,
    {
      metadata: meta(n.sentinel),
      spec: { type: "ClusterIP", selector: valkeySelector(name, "sentinel"), ports: [{ name: "sentinel", port: spec.sentinelPort, targetPort: "valkey", protocol: "TCP" }] },
    },
    opts,
  );
  new k8s.apps.v1.StatefulSet(
    n.sentinel,
    {
      metadata: meta(n.sentinel),
      spec: {
        serviceName: n.sentinelHeadless,
        replicas: spec.sentinel.replicas,
        podManagementPolicy: "Parallel",
        selector: { matchLabels: valkeySelector(name, "sentinel") },
        template: {
          metadata: { labels: valkeyLabels(name, "sentinel", spec.labels), annotations: scriptsChecksum },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: podSecurity(d.valkeyUser, d.valkeyGroup),
            containers: [
              {
                name: "sentinel",
                image: redisVersions.image,
                imagePullPolicy: "IfNotPresent",
                command: ["sh", `${d.scriptsPath}/sentinel.sh`],
                ports: [{ name: "valkey", containerPort: spec.sentinelPort, protocol: "TCP" }],
                env: passwordEnv(n.auth),
                resources: { requests: { ...d.sentinelResources.requests }, limits: { ...d.sentinelResources.limits } },
                // Ready once it knows a primary; alive while it answers.
                startupProbe: cliProbe(spec.tls, spec.sentinelPort, "PING", "^PONG$", { periodSeconds: 5, failureThreshold: 60 }),
                readinessProbe: cliProbe(spec.tls, spec.sentinelPort, `SENTINEL get-master-addr-by-name ${spec.sentinel.masterName}`, "^[A-Za-z0-9.-]+$", { periodSeconds: 5, failureThreshold: 3 }),
                livenessProbe: cliProbe(spec.tls, spec.sentinelPort, "PING", "^PONG$", { periodSeconds: 10, failureThreshold: 6 }),
                securityContext: restrictedContainerSecurityContext(),
                volumeMounts: valkeyMounts(deployment, []),
              },
            ],
            volumes: valkeyVolumes(deployment).filter((volume) => volume.name !== "config"),
            terminationGracePeriodSeconds: 10,
            ...podPlacement(name, "sentinel", prod),
          },
        },
        // Sentinel's own state, kept across restarts (see sentinelScript).
        volumeClaimTemplates: [
          {
            metadata: { name: "config", labels: valkeyLabels(name, "sentinel", spec.labels) },
            spec: { accessModes: ["ReadWriteOnce"], storageClassName: platform.storageClass, resources: { requests: { storage: "1Gi" } } },
          },
        ],
      },
    },
    opts,
  );
  disruptionBudget(deployment, n.sentinel, "sentinel");
  return {
    host: pulumi.interpolate`${n.sentinel}.${spec.namespace}.svc.${d.clusterDomain}`,
    port: pulumi.output(spec.sentinelPort),
    masterName: spec.sentinel.masterName,
  };
}
