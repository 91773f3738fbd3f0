/**
 * The Valkey and Sentinel configuration of the in-cluster backend, which the Docker backend reuses
 * for its server: the fixed settings, the objects' names and labels, `maxmemory`, the
 * `valkey.conf` and `sentinel.conf` texts, and the start scripts that write them inside the pods.
 * Pure functions: nothing here registers a resource or loads a provider.
 *
 * @see https://valkey.io/topics/valkey.conf/
 * @see https://valkey.io/topics/sentinel/
 * @see https://valkey.io/topics/encryption/
 */
import { parseQuantity } from "../shared/quantity";

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

/** The names {@link valkeyNames} returns. */
export type ValkeyNames = ReturnType<typeof valkeyNames>;

/** What the config builders need. */
export interface ValkeyConfigOptions {
  /** TLS-only listeners (`port 0`) and TLS replication. */
  readonly tls: boolean;
  /** `maxmemory`, in bytes; see {@link maxMemoryBytes}. */
  readonly maxMemoryBytes: number;
  /** Announce the pod by its headless DNS name (`${SELF}`), for Sentinel with hostnames. */
  readonly announce: boolean;
}

/** The `valkey-cli` flags for a TLS connection that verifies the server against the mounted CA. */
export const CLI_TLS = `--tls --cacert ${d.tlsPath}/ca.crt`;

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
