import { validateResourceOfType, type ResourceValidationPolicy } from "@pulumi/policy";
import { validateWorkloads } from "./workloads";
import { docker } from "./resource-types";

/** `no-new-privileges`, alone or set to true, in Docker's `--security-opt` syntax. */
const NO_NEW_PRIVILEGES = /^no-new-privileges(?:[:=]true)?$/;

/** The user part of a Docker `user` (`uid`, `name`, `uid:gid`, `name:group`) is root. */
function isRootUser(user: string): boolean {
  const name = user.split(":")[0].trim();
  return name === "root" || /^0+$/.test(name);
}

/**
 * Containers run without root and cannot gain privileges, the core of the Kubernetes
 * "restricted" Pod Security Standard.
 *
 * - Kubernetes (every workload kind, init containers included): `runAsNonRoot: true` on the
 *   container or the pod, no `runAsUser: 0` on either, `allowPrivilegeEscalation: false`, and
 *   not `privileged`.
 * - Docker: a non-root `user` (not empty, not `root`, not UID `0`, with or without a group), not
 *   `privileged`, and `no-new-privileges:true` in `securityOpts`.
 *
 * @severity high
 *
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
 * @see https://kubernetes.io/docs/tasks/configure-pod-container/security-context/
 * @see https://docs.docker.com/reference/cli/docker/container/run/#security-opt
 * @see https://github.com/pulumi/compliance-policies/tree/main/vendor-kubernetes
 */
export const restrictedSecurityContext: ResourceValidationPolicy = {
  name: "restricted-security-context",
  description: "Containers run as non-root, without privilege escalation and unprivileged.",
  severity: "high",
  enforcementLevel: "mandatory",
  validateResource: [
    validateWorkloads((workload, _args, reportViolation) => {
      const pod = workload.podSpec.securityContext;
      for (const container of workload.containers) {
        const own = container.spec.securityContext;
        if ((own?.runAsNonRoot ?? pod?.runAsNonRoot) !== true) {
          reportViolation(`${container.label} does not set runAsNonRoot: true on the container or the pod.`);
        }
        if ((own?.runAsUser ?? pod?.runAsUser) === 0) {
          reportViolation(`${container.label} runs as UID 0 (runAsUser: 0).`);
        }
        if (own?.allowPrivilegeEscalation !== false) {
          reportViolation(`${container.label} does not set allowPrivilegeEscalation: false.`);
        }
        if (own?.privileged === true) {
          reportViolation(`${container.label} is privileged (privileged: true).`);
        }
      }
    }),
    validateResourceOfType(docker.Container, (container, args, reportViolation) => {
      const label = `Docker container "${container.name ?? args.name}"`;
      const user = (container.user ?? "").trim();
      if (user === "") {
        reportViolation(`${label} sets no \`user\`, so it runs as the image's default user (often root); set a non-root UID such as "10001:10001".`);
      } else if (isRootUser(user)) {
        reportViolation(`${label} runs as root (user "${user}").`);
      }
      if (container.privileged === true) {
        reportViolation(`${label} is privileged (privileged: true).`);
      }
      if (!(container.securityOpts ?? []).some((opt) => NO_NEW_PRIVILEGES.test(opt.trim()))) {
        reportViolation(`${label} does not set "no-new-privileges:true" in \`securityOpts\`.`);
      }
    }),
  ],
};
