/**
 * The in-cluster RedisCluster: Valkey servers (one primary, the rest replicas) in a StatefulSet,
 * Sentinel in its own StatefulSet, and HAProxy in front that sends every connection to whichever
 * server currently reports `role:master`. Plain Kubernetes objects with the official Valkey and
 * HAProxy images: no operator, no chart. Each server pod has a redis_exporter sidecar, scraped
 * through a PodMonitor when the Prometheus operator's CRDs are given.
 *
 * @see https://valkey.io/topics/sentinel/
 * @see https://valkey.io/topics/encryption/
 * @see https://github.com/DandyDeveloper/charts/tree/master/charts/redis-ha (the HAProxy-in-front design)
 * @see https://github.com/oliver006/redis_exporter
 */
import { createHash } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { KubernetesPlatform } from "../platform/types";
import { statefulResourceOptions } from "../shared/options";
import { parseQuantity } from "../shared/quantity";
import type { RedisBackendContext, RedisEndpoints } from "./index";
import { redisVersions, type ResolvedRedis } from "./spec";
import { restrictedContainerSecurityContext } from "../shared/security";

type Container = k8s.types.input.core.v1.Container;
type Probe = k8s.types.input.core.v1.Probe;
type PodSpec = k8s.types.input.core.v1.PodSpec;

/** The roles of the pods; the value of `app.kubernetes.io/component`. */
export type ValkeyRole = "server" | "sentinel" | "proxy" | "client";

/**
 * Fixed settings of the in-cluster backend.
 *
 * The image users come from the images' Dockerfiles: `valkey` is UID 999 / GID 1000 in the Alpine
 * image (Alpine already has a GID 999), `haproxy` is UID/GID 99.
 *
 * @see https://github.com/valkey-io/valkey-container/blob/mainline/8.1/alpine/Dockerfile
 * @see https://github.com/docker-library/haproxy/blob/master/3.2/alpine/Dockerfile
 */
export const valkeyKubernetesDefaults = {
  clusterDomain: "cluster.local",
  valkeyUser: 999,
  valkeyGroup: 1000,
  haproxyUser: 99,
  /** Where the scripts and static configs are mounted (a ConfigMap). */
  scriptsPath: "/scripts",
  /** The writable, generated config (an emptyDir): Valkey and Sentinel rewrite their config. */
  configPath: "/config",
  /** The data volume. */
  dataPath: "/data",
  /** The cert-manager Secret: `tls.crt`, `tls.key`, `ca.crt`. */
  tlsPath: "/tls",
  /** The HAProxy health endpoint (`/healthz` alive, `/ready` when a primary is up). */
  proxyHealthPort: 8404,
  /** How long Sentinel waits before it calls an unreachable primary down, in milliseconds. */
  downAfterMilliseconds: 10_000,
  /** How long one failover attempt may take, in milliseconds. */
  failoverTimeoutMilliseconds: 60_000,
  /** The certificate's lifetime and renewal margin. Valkey reads it only at start. */
  certificate: { duration: "8760h", renewBefore: "720h" },
  sentinelResources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "200m", memory: "64Mi" } },
  proxyResources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "128Mi" } },
  /** The exporter's HTTP port (its default `:9121`), named `metrics`; it serves `/metrics` and `/health`. */
  metricsPort: 9121,
  exporterResources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
} as const;

const d = valkeyKubernetesDefaults;

/**
 * The annotation on the server StatefulSet that records TLS is off on purpose; the policy pack's
 * `redis-tls` rule accepts it outside production only.
 */
export const tlsDisabledAnnotation: Readonly<Record<string, string>> = { "platform.acme.io/tls": "disabled" };

/**
 * The most memory the data set may use (`maxmemory`): a fraction of the container's memory limit,
 * leaving the rest for replication buffers, the AOF rewrite's copy-on-write and the allocator.
 *
 * @param memoryLimit - the memory limit, a Kubernetes quantity such as `"256Mi"`.
 * @param fraction - the share of it for data, above 0 and at most 0.9.
 * @returns whole bytes, rounded down.
 * @throws Error when `memoryLimit` is not a quantity.
 * @see https://valkey.io/topics/lru-cache/
 */
export function maxMemoryBytes(memoryLimit: string, fraction: number): number {
  const bytes = parseQuantity(memoryLimit);
  if (bytes === undefined) throw new Error(`"${memoryLimit}" is not a memory quantity`);
  return Math.floor(bytes * fraction);
}

/**
 * The recommended labels of one role's objects.
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/
 */
export function valkeyLabels(name: string, role: ValkeyRole, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return { ...extra, ...valkeySelector(name, role), "app.kubernetes.io/managed-by": "pulumi" };
}

/**
 * The labels that select one role's pods; stable for the life of the workload.
 *
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/
 */
export function valkeySelector(name: string, role: ValkeyRole): Record<string, string> {
  return { "app.kubernetes.io/name": "valkey", "app.kubernetes.io/instance": name, "app.kubernetes.io/component": role };
}

/**
 * The names of the in-cluster objects, shared by the objects, the scripts and the certificate.
 *
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/names/
 */
export function valkeyNames(name: string) {
  return {
    auth: `${name}-auth`,
    tls: `${name}-tls`,
    scripts: `${name}-scripts`,
    proxyConfig: `${name}-proxy-config`,
    server: `${name}-server`,
    sentinel: `${name}-sentinel`,
    proxy: `${name}-proxy`,
    /** The headless Service that gives each server pod a DNS name. */
    headless: `${name}-headless`,
    /** The headless Service that gives each Sentinel pod a DNS name. */
    sentinelHeadless: `${name}-sentinel-headless`,
    /** The client Service: HAProxy, always the primary. */
    service: name,
  };
}

/**
 * The certificate's DNS names: every server and Sentinel pod (wildcards under their headless
 * Services), the Sentinel Service and the client Service, in the short and long forms clients use,
 * and `localhost` for the probes.
 *
 * @param name - the component's name.
 * @param namespace - the namespace of the servers.
 * @see https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/
 */
export function certificateDnsNames(name: string, namespace: string): string[] {
  const n = valkeyNames(name);
  const suffixes = (host: string) => [`${host}.${namespace}.svc.${d.clusterDomain}`, `${host}.${namespace}.svc`];
  return [
    ...suffixes(`*.${n.headless}`),
    ...suffixes(`*.${n.sentinelHeadless}`),
    ...suffixes(n.sentinel),
    `${n.sentinel}.${namespace}`,
    ...suffixes(n.service),
    `${n.service}.${namespace}`,
    "localhost",
  ];
}

/** What the config builders need. */
export interface ValkeyConfigOptions {
  /** TLS-only listeners (`port 0`) and TLS replication. */
  readonly tls: boolean;
  /** `maxmemory`, in bytes; see {@link maxMemoryBytes}. */
  readonly maxMemoryBytes: number;
  /** Announce the pod by its headless DNS name (`${SELF}`), for Sentinel with hostnames. */
  readonly announce: boolean;
}

const CLI_TLS = `--tls --cacert ${d.tlsPath}/ca.crt`;

function tlsLines(port: number): string[] {
  return [
    "port 0",
    `tls-port ${port}`,
    `tls-cert-file ${d.tlsPath}/tls.crt`,
    `tls-key-file ${d.tlsPath}/tls.key`,
    `tls-ca-cert-file ${d.tlsPath}/ca.crt`,
    // Clients authenticate with the AUTH password, not a client certificate.
    "tls-auth-clients no",
    "tls-replication yes",
    'tls-protocols "TLSv1.2 TLSv1.3"',
  ];
}

/**
 * The Valkey server's config. Shell variables stay in the text: the start script writes it
 * through a heredoc, so `${REDIS_PASSWORD}` (from the Secret) and `${SELF}` (the pod's DNS name)
 * are filled in inside the pod and never appear in any Kubernetes object.
 *
 * - `appendonly yes`: every write is logged and fsynced each second.
 * - `maxmemory-policy noeviction`: when full, writes fail with an OOM error instead of silently
 *   evicting keys, because the cluster also holds data that is not a cache (queues, sessions,
 *   locks). ElastiCache and Memorystore get the same policy.
 *
 * @see https://valkey.io/topics/valkey.conf/
 * @see https://valkey.io/topics/persistence/
 * @see https://valkey.io/topics/sentinel/#ip-addresses-and-dns-names
 */
export function serverConfig(options: ValkeyConfigOptions): string {
  return [
    "bind * -::*",
    ...(options.tls ? tlsLines(6379) : ["port 6379"]),
    `dir ${d.dataPath}`,
    "appendonly yes",
    "appendfsync everysec",
    `maxmemory ${options.maxMemoryBytes}`,
    "maxmemory-policy noeviction",
    ...(options.announce ? ["replica-announce-ip ${SELF}", "replica-announce-port 6379"] : []),
    'requirepass "${REDIS_PASSWORD}"',
    'masterauth "${REDIS_PASSWORD}"',
    "",
  ].join("\n");
}

/** What the Sentinel config needs. */
export interface SentinelConfigOptions {
  readonly tls: boolean;
  readonly masterName: string;
  readonly quorum: number;
  readonly port: number;
}

/**
 * Sentinel's config, with `${SELF}`, `${PRIMARY}` and `${REDIS_PASSWORD}` filled in by the start
 * script. Sentinel rewrites this file as it learns the topology, so it lives in an emptyDir.
 *
 * Sentinel requires the password too (`requirepass`), and uses it towards its peers
 * (`sentinel sentinel-pass`) and the servers (`sentinel auth-pass`). Hostnames are resolved and
 * announced, so failover survives pods changing IP.
 *
 * @see https://valkey.io/topics/sentinel/#configuring-sentinel
 * @see https://valkey.io/topics/sentinel/#ip-addresses-and-dns-names
 */
export function sentinelConfig(options: SentinelConfigOptions): string {
  const m = options.masterName;
  return [
    "bind * -::*",
    ...(options.tls ? tlsLines(options.port) : [`port ${options.port}`]),
    `dir ${d.configPath}`,
    "sentinel resolve-hostnames yes",
    "sentinel announce-hostnames yes",
    "sentinel announce-ip ${SELF}",
    `sentinel announce-port ${options.port}`,
    'requirepass "${REDIS_PASSWORD}"',
    'sentinel sentinel-pass "${REDIS_PASSWORD}"',
    `sentinel monitor ${m} \${PRIMARY} 6379 ${options.quorum}`,
    `sentinel auth-pass ${m} "\${REDIS_PASSWORD}"`,
    `sentinel down-after-milliseconds ${m} ${d.downAfterMilliseconds}`,
    `sentinel failover-timeout ${m} ${d.failoverTimeoutMilliseconds}`,
    `sentinel parallel-syncs ${m} 1`,
    "",
  ].join("\n");
}

/** What the start scripts need. */
export interface StartScriptOptions {
  readonly name: string;
  readonly masterName: string;
  readonly tls: boolean;
  /** Whether Sentinel runs, so the server asks it for the current primary. */
  readonly sentinel: boolean;
  readonly sentinelPort: number;
}

/** The shell lines that set `SELF`, `PRIMARY` (asked from Sentinel, else server 0) and `REDISCLI_AUTH`. */
function discoveryLines(options: StartScriptOptions, headless: string): string[] {
  const n = valkeyNames(options.name);
  const domain = `\${POD_NAMESPACE}.svc.${d.clusterDomain}`;
  const tls = options.tls ? ` ${CLI_TLS}` : "";
  return [
    "set -eu",
    `SELF="\${HOSTNAME}.${headless}.${domain}"`,
    // valkey-cli reads the password from REDISCLI_AUTH, so it never shows in a process list.
    'export REDISCLI_AUTH="${REDIS_PASSWORD}"',
    'PRIMARY=""',
    ...(options.sentinel
      ? [
          // Up to a minute: after a full restart the Sentinels, which remember the primary, may
          // still be starting; falling back to server 0 too early could promote stale data.
          "for attempt in $(seq 1 30); do",
          `  PRIMARY="$(timeout 3 valkey-cli${tls} -h ${n.sentinel}.${domain} -p ${options.sentinelPort} --raw SENTINEL get-master-addr-by-name ${options.masterName} 2>/dev/null | head -n 1 | tr -d '\\r')" || PRIMARY=""`,
          '  case "$PRIMARY" in *[!A-Za-z0-9.-]*) PRIMARY="" ;; esac',
          '  [ -n "$PRIMARY" ] && break',
          "  sleep 2",
          "done",
        ]
      : []),
    // No Sentinel answered: a fresh cluster (or no Sentinel), where server 0 is the primary.
    `[ -n "$PRIMARY" ] || PRIMARY="${n.server}-0.${n.headless}.${domain}"`,
    `echo "primary: $PRIMARY"`,
    "umask 077",
  ];
}

/**
 * The server's start script: find the primary (ask Sentinel; on a fresh cluster, server 0), write
 * the config with the password from the environment into the emptyDir, add `replicaof` unless this
 * pod is the primary, and exec Valkey.
 *
 * @see https://valkey.io/topics/replication/
 */
export function serverScript(options: StartScriptOptions, config: string): string {
  const n = valkeyNames(options.name);
  return [
    "#!/bin/sh",
    "# Starts a Valkey server as the primary or as a replica of the current primary.",
    ...discoveryLines(options, n.headless),
    `cat > ${d.configPath}/valkey.conf <<EOF`,
    config.trimEnd(),
    "EOF",
    `if [ "$PRIMARY" != "$SELF" ]; then echo "replicaof $PRIMARY 6379" >> ${d.configPath}/valkey.conf; fi`,
    `exec valkey-server ${d.configPath}/valkey.conf`,
    "",
  ].join("\n");
}

/**
 * Sentinel's start script. On first start: find the primary as the server does, wait until it
 * answers (Sentinel refuses to start on a name it cannot resolve) and write the config. On a
 * restart: resume from the config Sentinel rewrote on its volume, which names the current primary,
 * so a full restart after a failover never hands the primary role back to server 0's older data.
 *
 * @see https://valkey.io/topics/sentinel/
 */
export function sentinelScript(options: StartScriptOptions, config: string): string {
  const n = valkeyNames(options.name);
  const tls = options.tls ? ` ${CLI_TLS}` : "";
  return [
    "#!/bin/sh",
    "# Starts a Sentinel that monitors the current primary.",
    // Sentinel records the topology it learns (the current primary, the epoch) in its config, on
    // a volume: after a restart it resumes from there rather than from server 0.
    `if [ -s ${d.configPath}/sentinel.conf ]; then`,
    `  echo "resuming from the topology recorded in ${d.configPath}/sentinel.conf"`,
    "else",
    ...discoveryLines({ ...options, sentinel: true }, n.sentinelHeadless).map((line) => `  ${line}`),
    `  until timeout 3 valkey-cli${tls} -h "$PRIMARY" -p 6379 PING 2>/dev/null | grep -q PONG; do echo "waiting for $PRIMARY"; sleep 2; done`,
    `  cat > ${d.configPath}/sentinel.conf <<EOF`,
    config.trimEnd(),
    "EOF",
    "fi",
    `exec valkey-server ${d.configPath}/sentinel.conf --sentinel`,
    "",
  ].join("\n");
}

/** What the HAProxy config needs. */
export interface HaproxyConfigOptions {
  readonly name: string;
  readonly namespace: string;
  /** Server pods; one `server` line each. */
  readonly replicas: number;
  readonly tls: boolean;
}

/**
 * HAProxy's config: one TCP frontend on 6379 and a backend whose health check logs in, and passes
 * only the server that answers `role:master` to `INFO replication`, so the client Service always
 * reaches the current primary. On failover the old primary fails its check and its connections
 * are closed (`on-marked-down shutdown-sessions`), so clients reconnect to the new one.
 *
 * - The password comes from the `REDIS_PASSWORD` environment variable: HAProxy expands `${…}`
 *   inside double quotes, so the config holds no secret.
 * - Servers are addressed by their headless DNS names, re-resolved at run time
 *   (`resolvers` with `parse-resolv-conf`, `init-addr none` so a missing pod does not stop start).
 * - With TLS: the frontend serves the cert-manager certificate (the key is read from
 *   `<crt>.key`, HAProxy's default `ssl-load-extra-files`), and the checks and traffic to the
 *   servers verify the servers against the CA and their DNS names.
 * - Port 8404 answers `/healthz` (alive) and `/ready` (a primary is up).
 *
 * @see https://docs.haproxy.org/3.2/configuration.html#2.3 (environment variables)
 * @see https://docs.haproxy.org/3.2/configuration.html#4.2-tcp-check%20expect
 * @see https://docs.haproxy.org/3.2/configuration.html#5.3.2 (resolvers)
 * @see https://docs.haproxy.org/3.2/configuration.html#3.2-ssl-load-extra-files
 */
export function haproxyConfig(options: HaproxyConfigOptions): string {
  const n = valkeyNames(options.name);
  const tlsDir = d.tlsPath;
  const serverTls = options.tls ? ` ssl check-ssl verify required ca-file ${tlsDir}/ca.crt` : "";
  const servers = Array.from({ length: options.replicas }, (_, i) => {
    const host = `${n.server}-${i}.${n.headless}.${options.namespace}.svc.${d.clusterDomain}`;
    return `  server ${n.server}-${i} ${host}:6379${options.tls ? ` verifyhost ${host}` : ""}`;
  });
  return [
    "global",
    "  log stdout format raw local0 notice",
    ...(options.tls ? ["  ssl-default-bind-options ssl-min-ver TLSv1.2", "  ssl-default-server-options ssl-min-ver TLSv1.2"] : []),
    "",
    "defaults",
    "  mode tcp",
    "  log global",
    "  option dontlognull",
    "  timeout connect 5s",
    // Clients keep idle connections and use blocking commands; do not cut them.
    "  timeout client 1h",
    "  timeout server 1h",
    "  timeout check 3s",
    "",
    "resolvers cluster",
    "  parse-resolv-conf",
    "  resolve_retries 3",
    "  timeout resolve 1s",
    "  timeout retry 1s",
    "  hold valid 10s",
    "",
    "frontend health",
    "  mode http",
    `  bind :${d.proxyHealthPort}`,
    '  http-request return status 200 content-type text/plain string "alive" if { path /healthz }',
    '  http-request return status 503 content-type text/plain string "no primary" if { path /ready } { nbsrv(primary) lt 1 }',
    '  http-request return status 200 content-type text/plain string "ready" if { path /ready }',
    "  http-request deny",
    "",
    "frontend valkey",
    `  bind :6379${options.tls ? ` ssl crt ${tlsDir}/server.pem` : ""}`,
    "  default_backend primary",
    "",
    "backend primary",
    "  option tcp-check",
    '  tcp-check send "AUTH ${REDIS_PASSWORD}"\\r\\n',
    "  tcp-check expect string +OK",
    "  tcp-check send PING\\r\\n",
    "  tcp-check expect string +PONG",
    "  tcp-check send info\\ replication\\r\\n",
    "  tcp-check expect string role:master",
    "  tcp-check send QUIT\\r\\n",
    "  tcp-check expect string +OK",
    `  default-server check inter 1s fall 2 rise 1 resolvers cluster init-addr none on-marked-down shutdown-sessions${serverTls}`,
    ...servers,
    "",
  ].join("\n");
}

/**
 * How many HAProxy pods run: two when there is anything to fail over, so the proxy is not the single point of failure.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/deployment/
 */
export function proxyReplicas(spec: Pick<ResolvedRedis, "replicas" | "sentinel">): number {
  return spec.sentinel.enabled || spec.replicas >= 2 ? 2 : 1;
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


function podSecurity(user: number, group: number): k8s.types.input.core.v1.PodSecurityContext {
  return { runAsNonRoot: true, runAsUser: user, runAsGroup: group, fsGroup: group, fsGroupChangePolicy: "OnRootMismatch", seccompProfile: { type: "RuntimeDefault" } };
}

/** An exec probe running a `valkey-cli` command whose reply must match `pattern` (grep -E). */
function cliProbe(tls: boolean, port: number, command: string, pattern: string, timing: Partial<Probe>): Probe {
  return {
    exec: { command: ["sh", "-c", `valkey-cli${tls ? ` ${CLI_TLS}` : ""} -p ${port} ${command} | grep -Eq '${pattern}'`] },
    timeoutSeconds: 5,
    ...timing,
  };
}

function passwordEnv(secretName: string): k8s.types.input.core.v1.EnvVar[] {
  const fromSecret = { valueFrom: { secretKeyRef: { name: secretName, key: "password" } } };
  return [
    { name: "REDIS_PASSWORD", ...fromSecret },
    // valkey-cli in the probes reads it; kept for compatibility as Valkey 8 still reads this name.
    { name: "REDISCLI_AUTH", ...fromSecret },
    { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
  ];
}

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

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * Deploys Valkey with Sentinel and HAProxy into the cluster. See the module comment.
 *
 * @param name - the component's name; objects are named `${name}-<role>`.
 * @param spec - the resolved arguments.
 * @param platform - the cluster.
 * @param context - the password, the parent, and the Prometheus CRDs that the PodMonitor needs
 *   (`monitoringCrds`; no PodMonitor without them).
 * @returns the client Service (HAProxy) and, with Sentinel, the Sentinel Service.
 * @see https://valkey.io/topics/sentinel/
 */
export function deployRedisToKubernetes(
  name: string,
  spec: ResolvedRedis,
  platform: KubernetesPlatform,
  context: RedisBackendContext,
): RedisEndpoints {
  const opts: pulumi.CustomResourceOptions = { parent: context.parent, provider: platform.provider };
  const n = valkeyNames(name);
  const ns = spec.namespace;
  const prod = spec.environment === "prod";
  const meta = (objectName: string, role: ValkeyRole) => ({ name: objectName, namespace: ns, labels: valkeyLabels(name, role, spec.labels) });

  new k8s.core.v1.Secret(
    n.auth,
    { metadata: meta(n.auth, "server"), type: "Opaque", stringData: pulumi.secret(context.password.apply((password) => ({ password }))) },
    opts,
  );

  if (spec.tls) {
    const certManager = context.certManager;
    if (!certManager) throw new Error(`RedisCluster "${name}": \`certManager\` is required in-cluster with \`tls\``);
    new k8s.apiextensions.CustomResource(
      n.tls,
      {
        apiVersion: "cert-manager.io/v1",
        kind: "Certificate",
        metadata: meta(n.tls, "server"),
        spec: {
          secretName: n.tls,
          issuerRef: { name: certManager.caIssuerName, kind: "ClusterIssuer", group: "cert-manager.io" },
          dnsNames: pulumi.output(ns).apply((namespace) => certificateDnsNames(name, namespace)),
          ipAddresses: ["127.0.0.1"],
          duration: d.certificate.duration,
          renewBefore: d.certificate.renewBefore,
          privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
          usages: ["server auth", "client auth", "digital signature"],
        },
      },
      { ...opts, dependsOn: [certManager.release] },
    );
    // Clients in other namespaces cannot read this namespace's Secrets. A client certificate from
    // the same CA issuer, in each client namespace, brings them the CA (`ca.crt`) to verify the
    // servers with (and a certificate, should `tls-auth-clients` ever be turned on).
    spec.clientNamespaces.forEach((clientNamespace, index) =>
      new k8s.apiextensions.CustomResource(
        `${name}-client-ca-${index}`,
        {
          apiVersion: "cert-manager.io/v1",
          kind: "Certificate",
          metadata: { name: `${name}-client`, namespace: clientNamespace, labels: valkeyLabels(name, "client", spec.labels) },
          spec: {
            secretName: `${name}-ca`,
            commonName: `${name}-client`,
            issuerRef: { name: certManager.caIssuerName, kind: "ClusterIssuer", group: "cert-manager.io" },
            duration: d.certificate.duration,
            renewBefore: d.certificate.renewBefore,
            privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
            usages: ["client auth", "digital signature"],
          },
        },
        { ...opts, dependsOn: [certManager.release] },
      ),
    );
  }

  const scriptOptions: StartScriptOptions = { name, masterName: spec.sentinel.masterName, tls: spec.tls, sentinel: spec.sentinel.enabled, sentinelPort: spec.sentinelPort };
  const server = serverScript(scriptOptions, serverConfig({ tls: spec.tls, maxMemoryBytes: maxMemoryBytes(spec.resources.limits.memory, spec.maxMemoryFraction), announce: true }));
  const sentinel = sentinelScript(scriptOptions, sentinelConfig({ tls: spec.tls, masterName: spec.sentinel.masterName, quorum: spec.sentinel.quorum, port: spec.sentinelPort }));
  new k8s.core.v1.ConfigMap(n.scripts, { metadata: meta(n.scripts, "server"), data: { "server.sh": server, "sentinel.sh": sentinel } }, opts);

  const headlessService = (objectName: string, role: ValkeyRole, port: number) =>
    new k8s.core.v1.Service(
      objectName,
      {
        metadata: meta(objectName, role),
        spec: {
          clusterIP: "None",
          // Pods need their DNS names before they are ready: replicas and Sentinel find each other by them.
          publishNotReadyAddresses: true,
          selector: valkeySelector(name, role),
          ports: [{ name: "valkey", port, targetPort: "valkey", protocol: "TCP" }],
        },
      },
      opts,
    );
  headlessService(n.headless, "server", spec.port);

  const tlsVolume = (items?: { key: string; path: string }[]) => ({ name: "tls", secret: { secretName: n.tls, defaultMode: 0o440, ...(items ? { items } : {}) } });
  const valkeyVolumes = [
    { name: "scripts", configMap: { name: n.scripts, defaultMode: 0o444 } },
    { name: "config", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
    ...(spec.tls ? [tlsVolume()] : []),
  ];
  const valkeyMounts = (extra: k8s.types.input.core.v1.VolumeMount[]) => [
    { name: "scripts", mountPath: d.scriptsPath, readOnly: true },
    { name: "config", mountPath: d.configPath },
    ...(spec.tls ? [{ name: "tls", mountPath: d.tlsPath, readOnly: true }] : []),
    ...extra,
  ];
  const scriptsChecksum = { "checksum/scripts": sha256(server + sentinel) };

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
    volumeMounts: valkeyMounts([{ name: "data", mountPath: d.dataPath }]),
  };
  const servers = new k8s.apps.v1.StatefulSet(
    n.server,
    {
      metadata: { ...meta(n.server, "server"), ...(spec.tls ? {} : { annotations: { ...tlsDisabledAnnotation } }) },
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
            volumes: valkeyVolumes,
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
  if (context.monitoringCrds) {
    new k8s.apiextensions.CustomResource(
      `${name}-pod-monitor`,
      { apiVersion: "monitoring.coreos.com/v1", kind: "PodMonitor", metadata: meta(name, "server"), spec: serverPodMonitorSpec(name) },
      { ...opts, dependsOn: [servers, context.monitoringCrds] },
    );
  }
  if (spec.replicas >= 2) {
    new k8s.policy.v1.PodDisruptionBudget(
      `${n.server}-pdb`,
      { metadata: meta(n.server, "server"), spec: { maxUnavailable: 1, selector: { matchLabels: valkeySelector(name, "server") } } },
      opts,
    );
  }

  let sentinelEndpoint: RedisEndpoints["sentinel"];
  if (spec.sentinel.enabled) {
    headlessService(n.sentinelHeadless, "sentinel", spec.sentinelPort);
    new k8s.core.v1.Service(
      n.sentinel,
      {
        metadata: meta(n.sentinel, "sentinel"),
        spec: { type: "ClusterIP", selector: valkeySelector(name, "sentinel"), ports: [{ name: "sentinel", port: spec.sentinelPort, targetPort: "valkey", protocol: "TCP" }] },
      },
      opts,
    );
    new k8s.apps.v1.StatefulSet(
      n.sentinel,
      {
        metadata: meta(n.sentinel, "sentinel"),
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
                  volumeMounts: valkeyMounts([]),
                },
              ],
              volumes: valkeyVolumes.filter((volume) => volume.name !== "config"),
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
    new k8s.policy.v1.PodDisruptionBudget(
      `${n.sentinel}-pdb`,
      { metadata: meta(n.sentinel, "sentinel"), spec: { maxUnavailable: 1, selector: { matchLabels: valkeySelector(name, "sentinel") } } },
      opts,
    );
    sentinelEndpoint = {
      host: pulumi.interpolate`${n.sentinel}.${ns}.svc.${d.clusterDomain}`,
      port: pulumi.output(spec.sentinelPort),
      masterName: spec.sentinel.masterName,
    };
  }

  // --- HAProxy: the client Service always reaches the primary --------------------------------
  const haproxy = pulumi.output(ns).apply((namespace) => haproxyConfig({ name, namespace, replicas: spec.replicas, tls: spec.tls }));
  new k8s.core.v1.ConfigMap(n.proxyConfig, { metadata: meta(n.proxyConfig, "proxy"), data: { "haproxy.cfg": haproxy } }, opts);
  const replicas = proxyReplicas(spec);
  new k8s.apps.v1.Deployment(
    n.proxy,
    {
      metadata: meta(n.proxy, "proxy"),
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
                ? [tlsVolume([{ key: "tls.crt", path: "server.pem" }, { key: "tls.key", path: "server.pem.key" }, { key: "ca.crt", path: "ca.crt" }])]
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
      metadata: meta(n.service, "proxy"),
      spec: { type: "ClusterIP", selector: valkeySelector(name, "proxy"), ports: [{ name: "valkey", port: spec.port, targetPort: "valkey", protocol: "TCP" }] },
    },
    opts,
  );
  if (replicas >= 2) {
    new k8s.policy.v1.PodDisruptionBudget(
      `${n.proxy}-pdb`,
      { metadata: meta(n.proxy, "proxy"), spec: { maxUnavailable: 1, selector: { matchLabels: valkeySelector(name, "proxy") } } },
      opts,
    );
  }

  return {
    host: pulumi.interpolate`${n.service}.${ns}.svc.${d.clusterDomain}`,
    port: pulumi.output(spec.port),
    tls: spec.tls,
    sentinel: sentinelEndpoint,
    ...(spec.tls && spec.clientNamespaces.length > 0 ? { caSecretName: `${name}-ca` } : {}),
  };
}
