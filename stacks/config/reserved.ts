/**
 * The names the platform gives its own components, and the names their objects take where a
 * user's service shares a namespace with them (every Docker container shares one network, and is
 * named `<network>-<name>` with `<name>` as its network alias). A service with one of these names
 * would collide with a platform object, or be indistinguishable from one in the plan and in
 * Grafana. `test/config-names.test.ts` plans every target and checks this list against the names
 * the components really create, so it cannot drift.
 *
 * @see https://docs.docker.com/engine/network/#container-networks
 */
import { DEFAULT_DENY_POLICY } from "../../components";

/** The name the program gives each platform component (`new PostgresCluster("postgres", …)`). */
export const COMPONENT_NAMES = {
  postgres: "postgres",
  redis: "redis",
  messageQueue: "queue",
  observability: "observability",
  gateway: "gateway",
  mesh: "mesh",
} as const;

/**
 * The containers and network aliases the components create on Docker, from their component names:
 * Postgres and PgBouncer (`<postgres>-postgres`, `<postgres>-pgbouncer`), the data stores'
 * exporters (`<store>-exporter`), and the observability stack's Prometheus, Alertmanager and Grafana.
 */
const DOCKER_ALIASES = [
  `${COMPONENT_NAMES.postgres}-postgres`,
  `${COMPONENT_NAMES.postgres}-pgbouncer`,
  ...[COMPONENT_NAMES.postgres, COMPONENT_NAMES.redis, COMPONENT_NAMES.messageQueue].map((store) => `${store}-exporter`),
  "prometheus",
  "alertmanager",
  "grafana",
];

/** The NetworkPolicy in the services' namespace (on Kubernetes) whose name no service's own can avoid: the default deny. */
const KUBERNETES_NAMES = [DEFAULT_DENY_POLICY];

/** Every name a user's service may not take. */
export const RESERVED_SERVICE_NAMES: readonly string[] = [...new Set([...Object.values(COMPONENT_NAMES), ...DOCKER_ALIASES, ...KUBERNETES_NAMES])].sort();
