/**
 * A database role per client (`clients`), where the backend can create one: on CloudNativePG as
 * `spec.managed.roles` of the `Cluster`, each a login role whose password CloudNativePG reads from
 * a `kubernetes.io/basic-auth` Secret in the Cluster's namespace, and each a member of the
 * application's owner role (`username`, default `app`).
 *
 * **Which privileges.** The seeds run one image as several processes on one database and one
 * schema: the API and the workers read and write the same tables, which the owner role owns. A
 * schema or database per service would split those tables; so a client's role is a member of the
 * owner role with `inherit` on, and has the owner's privileges on the application's objects and
 * nothing beyond them (no `createdb`, `createrole`, `superuser`, `replication` or `bypassrls`).
 * What the role adds over the shared user: a credential per service that no other service holds,
 * and a name in `pg_stat_activity` and the logs. Removing a client removes its entry, and
 * CloudNativePG leaves a role it no longer manages in the database as it is (with its password):
 * drop it by hand, or mark it `ensure: absent` first (see the component's README).
 *
 * **Grants.** CloudNativePG creates and alters roles but grants no table privileges; membership
 * does it here, so no `GRANT` runs. A migration that creates tables should run `SET ROLE <owner>`
 * first, so the tables belong to the owner and every client's role reaches them.
 *
 * **Through PgBouncer.** The `Pooler` authenticates clients with `auth_query` (the
 * `cnpg_pooler_pgbouncer` user and the `user_search` function CloudNativePG installs), which looks
 * any role up in `pg_shadow`: a client's role logs in through the pooler like the owner. PgBouncer
 * keeps a pool per (user, database) pair, so the server connections can reach
 * `default_pool_size` × the number of roles.
 *
 * Other backends (RDS, Aurora, Cloud SQL, Docker) create no role per client: their clients get
 * the owner's credentials in a Secret of their own (see the component's README for why).
 *
 * @see https://cloudnative-pg.io/documentation/current/declarative_role_management/
 * @see https://cloudnative-pg.io/documentation/current/connection_pooling/#authentication
 * @see https://www.postgresql.org/docs/current/role-membership.html
 */
import type { ArgProblem } from "../contract/problems";
import { clientProblems, clientRoleName } from "../data-store/clients";
import type { ResolvedPostgres } from "./spec";

/**
 * Roles CloudNativePG keeps for itself, which `managed.roles` must not name.
 * @see https://cloudnative-pg.io/documentation/current/declarative_role_management/
 */
export const CNPG_RESERVED_ROLES = ["postgres", "streaming_replica", "cnpg_pooler_pgbouncer"] as const;

/** The name of a client role's password Secret in the Cluster's namespace: `<name>-role-<client>`. */
export function roleSecretName(name: string, client: string): string {
  return `${name}-role-${client}`;
}

/**
 * Problems with `clients`: DNS labels, listed once, and no client whose role would be the owner
 * role or one CloudNativePG reserves.
 */
export function postgresClientProblems(spec: Pick<ResolvedPostgres, "clients" | "username">): ArgProblem[] {
  const reserved: Record<string, string> = Object.fromEntries(CNPG_RESERVED_ROLES.map((role) => [role.replaceAll("_", "-"), `its role "${role}" is PostgreSQL's or CloudNativePG's own`]));
  for (const client of spec.clients) {
    const role = clientRoleName(client.name);
    if (role === spec.username) reserved[client.name] = `its role "${spec.username}" is the application's owner role (\`username\`)`;
    else if (reservedRolePrefix(role)) reserved[client.name] = `its role "${role}" starts with "${RESERVED_ROLE_PREFIX}", which PostgreSQL keeps for its own roles`;
  }
  return clientProblems(spec.clients, reserved);
}

/**
 * The prefix PostgreSQL reserves for its predefined roles: `CREATE ROLE pg_…` fails ("role name
 * … is reserved"), so CloudNativePG could never reconcile such a managed role.
 * @see https://www.postgresql.org/docs/current/predefined-roles.html
 */
export const RESERVED_ROLE_PREFIX = "pg_";

/** Whether PostgreSQL keeps a role name for itself (its predefined roles' `pg_` prefix). */
export function reservedRolePrefix(role: string): boolean {
  return role.startsWith(RESERVED_ROLE_PREFIX);
}

/**
 * The `spec.managed.roles` entries of the `Cluster`, one per client: a login role named
 * {@link clientRoleName}, member of the owner role, password from {@link roleSecretName}.
 *
 * @param name - the Cluster's name.
 * @param spec - the resolved arguments (the owner role and the clients).
 * @see https://cloudnative-pg.io/documentation/current/cloudnative-pg.v1/#postgresql-cnpg-io-v1-RoleConfiguration
 */
export function managedRoles(name: string, spec: Pick<ResolvedPostgres, "clients" | "username">): Record<string, unknown>[] {
  return spec.clients.map((client) => ({
    name: clientRoleName(client.name),
    comment: `service ${client.name}`,
    ensure: "present",
    login: true,
    inherit: true,
    inRoles: [spec.username],
    passwordSecret: { name: roleSecretName(name, client.name) },
  }));
}
