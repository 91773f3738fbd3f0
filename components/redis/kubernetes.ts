/**
 * The in-cluster RedisCluster: Valkey servers (one primary, the rest replicas) in a StatefulSet,
 * Sentinel in its own StatefulSet, and HAProxy in front that sends every connection to whichever
 * server currently reports `role:master`. Plain Kubernetes objects with the official Valkey and
 * HAProxy images: no operator, no chart. Each server pod has a redis_exporter sidecar, scraped
 * through a PodMonitor when the Prometheus operator's CRDs are given.
 *
 * This module puts the pieces together; they live in:
 * - `./valkey-config`: the Valkey and Sentinel configs and start scripts, names and labels;
 * - `./haproxy-config`: HAProxy's config;
 * - `./kubernetes-common`: what the roles share (metadata, Services, volumes, probes, placement);
 * - `./kubernetes-credentials`: the AUTH Secret and the cert-manager certificates;
 * - `./kubernetes-server`, `./kubernetes-sentinel`, `./kubernetes-proxy`: each role's objects.
 *
 * @see https://valkey.io/topics/sentinel/
 * @see https://valkey.io/topics/encryption/
 * @see https://github.com/DandyDeveloper/charts/tree/master/charts/redis-ha (the HAProxy-in-front design)
 * @see https://github.com/oliver006/redis_exporter
 */
import * as pulumi from "@pulumi/pulumi";
import type { KubernetesPlatform } from "../contract/platform";
import { monitoringCrdsOf } from "../data-store";
import type { RedisBackendContext, RedisEndpoints } from "./types";
import type { ResolvedRedis } from "./spec";
import { scriptsConfigMap, valkeyDeployment } from "./kubernetes-common";
import { authSecret, valkeyCertificates } from "./kubernetes-credentials";
import { deployServers } from "./kubernetes-server";
import { deploySentinels } from "./kubernetes-sentinel";
import { deployProxy } from "./kubernetes-proxy";
import { valkeyKubernetesDefaults } from "./valkey-config";

// What this module has always exported; the tests import it from here.
export {
  maxMemoryBytes,
  sentinelConfig,
  sentinelScript,
  serverConfig,
  serverScript,
  valkeyKubernetesDefaults,
  valkeyLabels,
  valkeyNames,
  valkeySelector,
  type SentinelConfigOptions,
  type StartScriptOptions,
  type ValkeyConfigOptions,
  type ValkeyRole,
} from "./valkey-config";
export { haproxyConfig, type HaproxyConfigOptions } from "./haproxy-config";
export { podPlacement } from "./kubernetes-common";
export { certificateDnsNames } from "./kubernetes-credentials";
export { exporterContainer, serverPodMonitorSpec, tlsDisabledAnnotation, type ExporterOptions } from "./kubernetes-server";
export { proxyReplicas } from "./kubernetes-proxy";

/**
 * Deploys Valkey with Sentinel and HAProxy into the cluster. See the module comment.
 *
 * @param name - the component's name; objects are named `${name}-<role>`.
 * @param spec - the resolved arguments.
 * @param platform - the cluster.
 * @param context - the password, the parent, and the cluster add-ons: `certManager` (required
 *   with `tls`) and the Prometheus operator's CRDs that the PodMonitor needs (no PodMonitor
 *   without them).
 * @returns the client Service (HAProxy) and, with Sentinel, the Sentinel Service.
 * @see https://valkey.io/topics/sentinel/
 */
export function deployRedisToKubernetes(
  name: string,
  spec: ResolvedRedis,
  platform: KubernetesPlatform,
  context: RedisBackendContext,
): RedisEndpoints {
  const deployment = valkeyDeployment(name, spec, platform, context.parent);
  authSecret(deployment, context.password);
  if (spec.tls) valkeyCertificates(deployment, context.addons.certManager);
  const scriptsChecksum = scriptsConfigMap(deployment);
  deployServers(deployment, scriptsChecksum, spec.monitoring ? monitoringCrdsOf(context.addons) : undefined);
  const sentinel = spec.sentinel.enabled ? deploySentinels(deployment, scriptsChecksum) : undefined;
  // HAProxy: the client Service always reaches the primary.
  deployProxy(deployment);

  return {
    host: pulumi.interpolate`${deployment.names.service}.${spec.namespace}.svc.${valkeyKubernetesDefaults.clusterDomain}`,
    port: pulumi.output(spec.port),
    tls: spec.tls,
    sentinel,
    ...(spec.tls && spec.clientNamespaces.length > 0 ? { caSecretName: `${name}-ca` } : {}),
  };
}
