import type * as k8s from "@pulumi/kubernetes";

/**
 * The container securityContext of the restricted Pod Security Standard: non-root, no privilege
 * escalation, all capabilities dropped, seccomp RuntimeDefault, and a read-only root filesystem.
 * Every container the components write uses it. A fresh object each call, so no caller can change
 * another's.
 *
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
 */
export function restrictedContainerSecurityContext(): k8s.types.input.core.v1.SecurityContext {
  return {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}
