/**
 * The least-privilege checks on `services`: a service that reads a store's connection variable it
 * did not declare in `uses`, a service whose database role or broker user would take a name the
 * store keeps for itself, and `cloudIdentity` where the target has no cloud identity or the
 * target's part is missing. Each problem names the service's key.
 *
 * @see https://kubernetes.io/docs/concepts/security/secrets-good-practices/#least-privilege-secret-access
 */
import { clientRoleName, CNPG_RESERVED_ROLES, RESERVED_ROLE_PREFIX, reservedRolePrefix, workloadRoleGrantName, type PlatformFacts } from "../../components";
import { removeCommand, setCommand } from "./keys";
import { COMPONENT_NAMES } from "./reserved";
import type { PlatformConfig, ServiceConfig } from "./schema";

/** A problem at a config key path. */
interface KeyedProblem {
  readonly path: (string | number)[];
  readonly message: string;
}

/** The variables a store's Secret sets, by the `uses` key that declares the store. */
export const STORE_VARIABLES = {
  postgres: ["DATABASE_URL"],
  redis: ["REDIS_URL", "REDIS_CA_CERT"],
  queues: ["AMQP_URL", "AMQP_CA_CERT", "NATS_URL", "NATS_CA_CERT"],
} as const;

/** The broker users the platform keeps: its own and RabbitMQ's built-in one. */
const RESERVED_BROKER_USERS = ["platform", "guest"];

/** The problems of one service; see the module comment. */
function serviceAccessProblems(config: PlatformConfig, service: Partial<ServiceConfig>, i: number, on: Pick<PlatformFacts, "flavour">): KeyedProblem[] {
  const problems: KeyedProblem[] = [];
  const uses = service.uses ?? {};
  for (const [store, variables] of Object.entries(STORE_VARIABLES) as [keyof typeof STORE_VARIABLES, readonly string[]][]) {
    const declared = store === "queues" ? (uses.queues ?? []).length > 0 : uses[store] === true;
    for (const variable of variables) {
      if (!declared && service.env?.[variable] !== undefined) {
        const hint = store === "queues" ? `\`${setCommand(["services", i, "uses", "queues", 0], "<queue>")}\`` : `\`${setCommand(["services", i, "uses", store], "true", { type: "bool" })}\``;
        problems.push({ path: ["services", i, "env", variable], message: `is the connection setting of ${store === "queues" ? "the broker" : store}, which the service does not declare in \`uses\`: declare it (${hint}) and the platform hands it its own Secret, or remove the variable: \`${removeCommand(["services", i, "env", variable])}\`` });
      }
    }
  }
  const name = service.name;
  if (typeof name === "string") {
    const owner = config.postgres?.username ?? "app";
    const role = clientRoleName(name);
    if (uses.postgres && ((CNPG_RESERVED_ROLES as readonly string[]).includes(role) || role === owner)) {
      problems.push({ path: ["services", i, "name"], message: `"${name}" would get the database role "${role}", which is ${role === owner ? "the application's owner role (`postgres.username`)" : "PostgreSQL's or CloudNativePG's own"}; choose another name` });
    } else if (uses.postgres && reservedRolePrefix(role)) {
      problems.push({ path: ["services", i, "name"], message: `"${name}" would get the database role "${role}", and PostgreSQL keeps names starting with "${RESERVED_ROLE_PREFIX}" for its own roles; choose a name not starting with "pg-"` });
    }
    if ((uses.queues ?? []).length > 0 && RESERVED_BROKER_USERS.includes(name)) {
      problems.push({ path: ["services", i, "name"], message: `"${name}" would get the broker user "${name}", which the platform keeps (${RESERVED_BROKER_USERS.join(", ")}); choose another name` });
    } else if ((uses.queues ?? []).length > 0 && name === "user" && (config.messageQueue?.broker ?? "rabbitmq") === "rabbitmq") {
      // Its user's credentials Secret, `<broker>-user-credentials`, is the broker's own user's (rabbitmq-clients.ts).
      problems.push({ path: ["services", i, "name"], message: `"user" would get the broker credentials Secret "${COMPONENT_NAMES.messageQueue}-user-credentials", which is the broker's own user's; choose another name (such as "users")` });
    }
  }
  const identity = service.cloudIdentity;
  // Each role is one grant resource: a role listed twice (or one that differs only in `.`/`_`) would be a duplicate URN.
  const grants = new Map<string, string>();
  (identity?.gcp?.roles ?? []).forEach((role, j) => {
    const grant = workloadRoleGrantName("", role);
    const first = grants.get(grant);
    if (first !== undefined) {
      problems.push({ path: ["services", i, "cloudIdentity", "gcp", "roles", j], message: `"${role}" ${first === role ? "is listed twice" : `would be granted under the same resource name as "${first}"`}: remove it with \`${removeCommand(["services", i, "cloudIdentity", "gcp", "roles", j])}\`` });
    } else grants.set(grant, role);
  });
  if (identity) {
    if (on.flavour !== "eks" && on.flavour !== "gke") {
      problems.push({ path: ["services", i, "cloudIdentity"], message: `needs a cloud's workload identity (IRSA on eks, Workload Identity on gke); target ${on.flavour} has none: remove it with \`${removeCommand(["services", i, "cloudIdentity"])}\`` });
    } else if (on.flavour === "eks" && !identity.aws) {
      problems.push({ path: ["services", i, "cloudIdentity", "aws", "policy"], message: "is required on eks: the IAM policy document of the service's role (`Version: \"2012-10-17\"`, `Statement: [{ Effect, Action, Resource }]`), set in Pulumi.<stack>.yaml" });
    } else if (on.flavour === "gke" && !identity.gcp) {
      problems.push({ path: ["services", i, "cloudIdentity", "gcp", "roles"], message: `is required on gke: the IAM roles of the service's Google service account, such as \`${setCommand(["services", i, "cloudIdentity", "gcp", "roles", 0], "roles/storage.objectViewer")}\`` });
    }
  }
  return problems;
}

/**
 * Least-privilege problems of every service (see the module comment).
 *
 * @param config - the stack config (services possibly partly invalid: what does not parse is skipped).
 * @param on - the target.
 */
export function accessProblems(config: PlatformConfig, on: Pick<PlatformFacts, "flavour">): KeyedProblem[] {
  const services: unknown = config.services;
  if (!Array.isArray(services)) return [];
  return services.flatMap((service: Partial<ServiceConfig> | undefined, i) => (service && typeof service === "object" ? serviceAccessProblems(config, service, i, on) : []));
}
