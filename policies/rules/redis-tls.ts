import { validateResourceOfType, type ResourceValidationPolicy } from "@pulumi/policy";
import { environmentConfigProperty, isProduction } from "./environment";
import { COMPONENT_LABEL, COMPONENT_ROLES, TLS_DISABLED_ANNOTATION } from "../../components/contract/labels";
import { k8s } from "./resource-types";

/** The labels that mark a StatefulSet as the in-cluster Valkey server. */
export const VALKEY_SERVER_LABELS: Readonly<Record<string, string>> = {
  "app.kubernetes.io/name": "valkey",
  [COMPONENT_LABEL]: COMPONENT_ROLES.redisServer,
};

/** The annotation that records that TLS is off on purpose (accepted outside production only). */
export { TLS_DISABLED_ANNOTATION };

/** The suffix of the name of a Secret that holds a TLS certificate, as cert-manager's `Certificate.spec.secretName`. */
const TLS_SECRET_SUFFIX = "-tls";

/**
 * The in-cluster Valkey (Redis) server has a TLS certificate to serve with.
 *
 * - Kubernetes `apps/v1` StatefulSet labelled `app.kubernetes.io/name: valkey` and
 *   `app.kubernetes.io/component: server` (in `metadata.labels`): its pod template has a volume
 *   from a Secret whose name ends in `-tls` (such as a cert-manager certificate's Secret), mounted
 *   by one of its containers. Outside production (see `environment.ts`), the StatefulSet may
 *   instead carry the annotation `platform.acme.io/tls: "disabled"`; in production that
 *   annotation is a violation.
 *
 * The check stops at the certificate: whether `valkey.conf` sets `tls-port`, `port 0` and
 * `tls-auth-clients` lives in a ConfigMap, which this rule does not read. Managed caches are
 * checked by `tls-data-stores`.
 *
 * @severity high
 *
 * @see https://valkey.io/topics/tls/
 * @see https://cert-manager.io/docs/usage/certificate/
 * @see https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets-as-files-from-a-pod
 */
export const redisTls: ResourceValidationPolicy = {
  name: "redis-tls",
  description: "The in-cluster Valkey server mounts a TLS certificate; only outside production may it be annotated as running without TLS.",
  severity: "high",
  enforcementLevel: "mandatory",
  configSchema: { properties: { environment: environmentConfigProperty } },
  validateResource: validateResourceOfType(k8s.apps.v1.StatefulSet, (statefulSet, args, reportViolation) => {
    const labels = statefulSet.metadata?.labels ?? {};
    if (!Object.entries(VALKEY_SERVER_LABELS).every(([key, value]) => labels[key] === value)) return;
    const podSpec = statefulSet.spec?.template?.spec;
    const tlsVolumes = (podSpec?.volumes ?? []).filter((v) => v.secret?.secretName?.endsWith(TLS_SECRET_SUFFIX)).map((v) => v.name);
    const mounted = (podSpec?.containers ?? []).some((c) => (c.volumeMounts ?? []).some((m) => tlsVolumes.includes(m.name)));
    if (mounted) return;
    const ref = `${statefulSet.metadata?.namespace ?? "default"}/${statefulSet.metadata?.name ?? args.name}`;
    const label = `Valkey StatefulSet "${ref}"`;
    const disabled = statefulSet.metadata?.annotations?.[TLS_DISABLED_ANNOTATION.key] === TLS_DISABLED_ANNOTATION.value;
    if (!disabled) {
      reportViolation(`${label} mounts no TLS certificate: give a container a volume from a Secret whose name ends in "${TLS_SECRET_SUFFIX}".`);
    } else if (isProduction(args)) {
      reportViolation(`${label} is annotated ${TLS_DISABLED_ANNOTATION.key}: "${TLS_DISABLED_ANNOTATION.value}", which production does not accept; mount a TLS certificate.`);
    }
  }),
};
