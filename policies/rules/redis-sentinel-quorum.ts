import { validateResourceOfType, type ResourceValidationPolicy } from "@pulumi/policy";
import { COMPONENT_LABEL, COMPONENT_ROLES } from "../../components/contract/labels";
import { k8s } from "./resource-types";

/** The label that marks a StatefulSet as the Sentinel tier of a Redis or Valkey deployment. */
export const SENTINEL_LABEL = { key: COMPONENT_LABEL, value: COMPONENT_ROLES.redisSentinel } as const;

/**
 * Redis/Valkey Sentinel can elect a new primary after losing one of its members. A failover needs
 * a majority of the Sentinels to agree, so their number is odd (an even number adds a member
 * without tolerating one more failure) and at least 3 (with 1 or 2, losing one leaves no majority).
 *
 * - Kubernetes `apps/v1` StatefulSet labelled `app.kubernetes.io/component: sentinel` (in
 *   `metadata.labels`): `spec.replicas` odd and at least 3. Unset means 1.
 *
 * @severity high
 *
 * @see https://valkey.io/topics/sentinel/
 * @see https://redis.io/docs/latest/operate/oss_and_stack/management/sentinel/
 */
export const redisSentinelQuorum: ResourceValidationPolicy = {
  name: "redis-sentinel-quorum",
  description: "Redis/Valkey Sentinel StatefulSets run an odd number of at least 3 replicas, so a majority survives the loss of one.",
  severity: "high",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(k8s.apps.v1.StatefulSet, (statefulSet, args, reportViolation) => {
    if (statefulSet.metadata?.labels?.[SENTINEL_LABEL.key] !== SENTINEL_LABEL.value) return;
    const replicas = statefulSet.spec?.replicas;
    const count = replicas ?? 1;
    if (count < 3 || count % 2 === 0) {
      const ref = `${statefulSet.metadata?.namespace ?? "default"}/${statefulSet.metadata?.name ?? args.name}`;
      const current = replicas === undefined ? "does not set spec.replicas (1 Sentinel)" : `runs ${replicas} Sentinel${replicas === 1 ? "" : "s"}`;
      reportViolation(`StatefulSet "${ref}" ${current}; run an odd number, at least 3, so a majority survives the loss of one.`);
    }
  }),
};
