import { validateResourceOfType, type ResourceValidationPolicy } from "@pulumi/policy";
import { LONG_RUNNING_KINDS, validateWorkloads } from "./workloads";
import { docker } from "./resource-types";

/** JSON with object keys sorted, so that two probes compare by content. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * Long-running services report whether they are alive and whether they are ready, and the two
 * answers come from different checks.
 *
 * - Kubernetes: every container (not init containers) of a Deployment, StatefulSet or DaemonSet
 *   has a readiness probe and a liveness probe, and the two are not identical. A liveness probe
 *   that is the readiness probe restarts a container whose dependency is slow, when it should only
 *   be taken out of the Service. Pods, ReplicaSets, Jobs and CronJobs are not checked.
 * - Docker: every container that is kept running (not `rm`, not `attach`, `mustRun` not false)
 *   has a `healthcheck` whose `tests` is not empty and not `["NONE"]`.
 *
 * @severity medium
 *
 * @see https://kubernetes.io/docs/concepts/configuration/liveness-readiness-startup-probes/
 * @see https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
 * @see https://docs.docker.com/reference/dockerfile/#healthcheck
 */
export const workloadProbes: ResourceValidationPolicy = {
  name: "workload-probes",
  description: "Long-running containers have distinct readiness and liveness probes, or a Docker healthcheck.",
  severity: "medium",
  enforcementLevel: "mandatory",
  validateResource: [
    validateWorkloads((workload, _args, reportViolation) => {
      if (!LONG_RUNNING_KINDS.includes(workload.kind)) return;
      for (const container of workload.containers) {
        if (container.init) continue;
        const { readinessProbe, livenessProbe } = container.spec;
        if (!readinessProbe) reportViolation(`${container.label} has no readiness probe.`);
        if (!livenessProbe) reportViolation(`${container.label} has no liveness probe.`);
        if (readinessProbe && livenessProbe && canonical(readinessProbe) === canonical(livenessProbe)) {
          reportViolation(`${container.label} has identical readiness and liveness probes; make the liveness probe check only that the process is alive.`);
        }
      }
    }),
    validateResourceOfType(docker.Container, (container, args, reportViolation) => {
      // A container that runs to completion (a migration, a one-off job) needs no healthcheck.
      if (container.rm === true || container.attach === true || container.mustRun === false) return;
      const label = `Docker container "${container.name ?? args.name}"`;
      const tests = container.healthcheck?.tests;
      if (!container.healthcheck) {
        reportViolation(`${label} has no healthcheck.`);
      } else if (!tests || tests.length === 0) {
        reportViolation(`${label} has a healthcheck without \`tests\`.`);
      } else if (tests[0] === "NONE") {
        reportViolation(`${label} disables its healthcheck (tests ["NONE"]).`);
      }
    }),
  ],
};
