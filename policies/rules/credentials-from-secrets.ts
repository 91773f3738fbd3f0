import type { ResourceValidationPolicy } from "@pulumi/policy";
import { validateWorkloads } from "./workloads";

/**
 * Environment variable names that hold a credential: PASSWORD, PASSWD, SECRET, APIKEY, API_KEY,
 * PRIVATE_KEY or CREDENTIAL anywhere in the name (so `PGPASSWORD` too), or TOKEN or AUTH as a
 * `_`-separated word (so not `TOKENIZER` or `AUTHOR`).
 */
const CREDENTIAL_NAME = /PASSWORD|PASSWD|SECRET|APIKEY|API_KEY|PRIVATE_KEY|CREDENTIAL|(?:^|_)(?:TOKEN|AUTH)(?:_|$)/;

/**
 * Names of connection strings, which carry a password: any `*_DSN`, and `*_URL`/`*_URI` of a
 * database, cache or broker (DATABASE_URL, REDIS_URL, AMQP_URL, MONGODB_URI, …).
 */
const CONNECTION_STRING_NAME =
  /(?:^|_)DSN$|(?:^|_)(?:DATABASE|DB|POSTGRES|POSTGRESQL|PG|MYSQL|MARIADB|MONGO|MONGODB|REDIS|VALKEY|CACHE|AMQP|RABBITMQ|BROKER|KAFKA|NATS)(?:_[A-Z0-9]+)*_(?:URL|URI)$/;

/** A URI with a password in its user info: `scheme://user:password@` (the user may be empty). */
const URI_WITH_PASSWORD = /[a-z][a-z0-9+.-]*:\/\/[^/?#@\s:]*:[^/?#@\s]+@/i;

/**
 * Whether an environment variable's name says it holds a credential. A name ending in `_FILE`
 * holds the path of a mounted file, not the credential, and is not one.
 *
 * @see https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets-as-environment-variables
 */
export function isCredentialName(name: string): boolean {
  const upper = name.toUpperCase();
  return !upper.endsWith("_FILE") && (CREDENTIAL_NAME.test(upper) || CONNECTION_STRING_NAME.test(upper));
}

/**
 * Whether a value is a URI that carries a password, such as `postgres://app:s3cret@db:5432/app`.
 *
 * @see https://datatracker.ietf.org/doc/html/rfc3986#section-3.2.1
 */
export function hasUriPassword(value: string): boolean {
  return URI_WITH_PASSWORD.test(value);
}

/**
 * Credentials reach Kubernetes containers from Secrets, never as literals in the pod template,
 * where anyone who can read the workload (or its `last-applied` annotation, or the Pulumi state)
 * reads them.
 *
 * - Every container and init container of every workload kind¹: an `env` entry whose name looks
 *   like a credential ({@link isCredentialName}: PASSWORD, PASSWD, SECRET, API_KEY, APIKEY,
 *   PRIVATE_KEY or CREDENTIAL in the name, TOKEN or AUTH as a word of it; `*_DSN`; `*_URL`/`*_URI`
 *   of a data store or broker such as DATABASE_URL, REDIS_URL, AMQP_URL; not `*_FILE`, which
 *   holds a path) uses `valueFrom.secretKeyRef`,
 *   not a literal `value` nor another `valueFrom` source such as a ConfigMap.
 * - Whatever its name, no literal `value` is a URI with a password (`scheme://user:password@`).
 *
 * Messages name the workload, the container and the variable, never the value.
 *
 * ¹ Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob (`rules/workloads.ts`).
 *
 * @severity high
 *
 * @see https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets-as-environment-variables
 * @see https://kubernetes.io/docs/concepts/security/secrets-good-practices/
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Secrets_Management_Cheat_Sheet.html
 */
export const credentialsFromSecrets: ResourceValidationPolicy = {
  name: "credentials-from-secrets",
  description: "Container environment variables that carry credentials come from Secrets, never from literals.",
  severity: "high",
  enforcementLevel: "mandatory",
  validateResource: validateWorkloads((workload, _args, reportViolation) => {
    for (const container of workload.containers) {
      for (const env of container.spec.env ?? []) {
        const literal = typeof env.value === "string" && env.value !== "";
        if (isCredentialName(env.name)) {
          if (literal) {
            reportViolation(`${container.label} sets ${env.name} from a literal value; take it from a Secret with valueFrom.secretKeyRef.`);
          } else if (env.valueFrom && !env.valueFrom.secretKeyRef) {
            const source = Object.keys(env.valueFrom).filter((key) => (env.valueFrom as Record<string, unknown>)[key] !== undefined).join(", ");
            reportViolation(`${container.label} takes ${env.name} from valueFrom.${source}; take it from a Secret with valueFrom.secretKeyRef.`);
          }
        } else if (literal && hasUriPassword(env.value!)) {
          reportViolation(`${container.label} sets ${env.name} to a literal URI with a password; take it from a Secret with valueFrom.secretKeyRef.`);
        }
      }
    }
  }),
};
