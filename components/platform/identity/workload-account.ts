/**
 * The Kubernetes ServiceAccount a workload identity is bound to, and the names derived from it.
 */
import { createHash } from "node:crypto";

/** Where the identity's ServiceAccount is. */
export interface WorkloadServiceAccount {
  readonly namespace: string;
  readonly name: string;
}

/**
 * The Google service account ID of a workload: its name cut to 22 characters, then a hash of the
 * stack, namespace and name, so two stacks in one project never collide (IDs are 6–30 characters,
 * unique per project).
 * @see https://cloud.google.com/iam/docs/service-accounts-create#creating
 */
export function workloadAccountId(stack: string, account: WorkloadServiceAccount): string {
  const hash = createHash("sha256").update(`${stack}/${account.namespace}/${account.name}`).digest("hex").slice(0, 6);
  return `${account.name.slice(0, 22).replace(/-+$/, "")}-${hash}`;
}

/**
 * The resource name of the grant of `role` to a workload's Google service account:
 * `<name>-identity-<role with each run of other characters than letters and digits as "-">`
 * (`roles/storage.objectViewer` → `…-roles-storage-objectViewer`). Two roles with the same grant
 * name (listed twice, or differing only in `.` and `_`) would collide: config refuses them.
 */
export function workloadRoleGrantName(name: string, role: string): string {
  return `${name}-identity-${role.replace(/[^A-Za-z0-9]+/g, "-")}`;
}
