/**
 * The HAProxy in front of the in-cluster servers: its configuration, which routes every client
 * connection to whichever server currently reports `role:master`. A pure function: the proxy's
 * Kubernetes objects are in `./kubernetes-proxy`.
 *
 * @see https://github.com/DandyDeveloper/charts/tree/master/charts/redis-ha (the HAProxy-in-front design)
 * @see https://docs.haproxy.org/3.2/configuration.html
 */
import { valkeyKubernetesDefaults, valkeyNames } from "./valkey-config";

const d = valkeyKubernetesDefaults;

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
