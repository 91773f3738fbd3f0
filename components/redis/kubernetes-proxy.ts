/**
 * The in-cluster HAProxy: a Deployment behind the client Service that always reaches the current
 * primary (its configuration is in `./haproxy-config`), with a PodDisruptionBudget when two run.
 *
 * @see https://github.com/DandyDeveloper/charts/tree/master/charts/redis-ha (the HAProxy-in-front design)
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/deployment/
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { restrictedContainerSecurityContext } from "../shared/security";
import { redisVersions, type ResolvedRedis } from "./spec";
import { haproxyConfig } from "./haproxy-config";
import { disruptionBudget, objectMeta, podPlacement, podSecurity, sha256, tlsVolume, type ValkeyDeployment } from "./kubernetes-common";
import { valkeyKubernetesDefaults, valkeyLabels, valkeySelector } from "./valkey-config";

const d = valkeyKubernetesDefaults;

/**
 * How many HAProxy pods run. The proxy is clients' only way in, so with anything to fail over it
 * must not be a single point of failure: three in prod, so that a node drain (the budget lets one
 * pod go) plus one failure still leaves a proxy; two elsewhere; one without replicas.
 *
 * @see https://kubernetes.io/docs/tasks/run-application/configure-pdb/#think-about-how-your-application-reacts-to-disruptions
 */
export function proxyReplicas(spec: Pick<ResolvedRedis, "replicas" | "sentinel" | "environment">): number {
  if (!spec.sentinel.enabled && spec.replicas < 2) return 1;
  return spec.environment === "prod" ? 3 : 2;
}

/**
 * HAProxy: its ConfigMap, the Deployment (with the config's checksum on its pods), the client
 * Service and, from two pods on, a PodDisruptionBudget.
 *
 * @see https://docs.haproxy.org/3.2/configuration.html
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/deployment/
 */
export function deployProxy(deployment: ValkeyDeployment): void {
  const { name, spec, names: n, opts } = deployment;
  const meta = (objectName: string) => objectMeta(deployment, objectName, "proxy");
  const haproxy = pulumi.output(spec.namespace).apply((namespace) => haproxyConfig({ name, namespace, replicas: spec.replicas, tls: spec.tls }));
  new k8s.core.v1.ConfigMap(n.proxyConfig, { metadata: meta(n.proxyConfig), data: { "haproxy.cfg": haproxy } }, opts);
  const replicas = proxyReplicas(spec);
  new k8s.apps.v1.Deployment(
    n.proxy,
    {
      metadata: meta(n.proxy),
      spec: {
        replicas,
        revisionHistoryLimit: 5,
        selector: { matchLabels: valkeySelector(name, "proxy") },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
        template: {
          metadata: { labels: valkeyLabels(name, "proxy", spec.labels), annotations: { "checksum/config": haproxy.apply(sha256) } },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: podSecurity(d.haproxyUser, d.haproxyUser),
            containers: [
              {
                name: "haproxy",
                image: redisVersions.haproxyImage,
                imagePullPolicy: "IfNotPresent",
                command: ["haproxy", "-db", "-f", "/etc/haproxy/haproxy.cfg"],
                ports: [
                  { name: "valkey", containerPort: spec.port, protocol: "TCP" },
                  { name: "health", containerPort: d.proxyHealthPort, protocol: "TCP" },
                ],
                env: [{ name: "REDIS_PASSWORD", valueFrom: { secretKeyRef: { name: n.auth, key: "password" } } }],
                resources: { requests: { ...d.proxyResources.requests }, limits: { ...d.proxyResources.limits } },
                readinessProbe: { httpGet: { path: "/ready", port: "health" }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 2 },
                livenessProbe: { httpGet: { path: "/healthz", port: "health" }, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
                securityContext: restrictedContainerSecurityContext(),
                volumeMounts: [
                  { name: "config", mountPath: "/etc/haproxy", readOnly: true },
                  ...(spec.tls ? [{ name: "tls", mountPath: d.tlsPath, readOnly: true }] : []),
                ],
              },
            ],
            volumes: [
              { name: "config", configMap: { name: n.proxyConfig, defaultMode: 0o444 } },
              // HAProxy reads the key from `<crt>.key` next to the certificate.
              ...(spec.tls
                ? [tlsVolume(deployment, [{ key: "tls.crt", path: "server.pem" }, { key: "tls.key", path: "server.pem.key" }, { key: "ca.crt", path: "ca.crt" }])]
                : []),
            ],
            terminationGracePeriodSeconds: 30,
            ...podPlacement(name, "proxy", false),
          },
        },
      },
    },
    opts,
  );
  new k8s.core.v1.Service(
    `${name}-service`,
    {
      metadata: meta(n.service),
      spec: { type: "ClusterIP", selector: valkeySelector(name, "proxy"), ports: [{ name: "valkey", port: spec.port, targetPort: "valkey", protocol: "TCP" }] },
    },
    opts,
  );
  if (replicas >= 2) disruptionBudget(deployment, n.proxy, "proxy");
}
