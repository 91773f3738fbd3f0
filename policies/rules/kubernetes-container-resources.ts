import type { ResourceValidationPolicy } from "@pulumi/policy";
import { parseQuantity } from "../../components/shared/quantity";
import { validateWorkloads } from "./workloads";

/** The rule's config. */
export interface KubernetesContainerResourcesConfig {
  /**
   * Whether a missing CPU limit is a violation. Some teams leave CPU unlimited to avoid CFS
   * throttling; requests stay required either way.
   * @default true
   */
  readonly requireCpuLimit: boolean;
}

const RESOURCES = [
  { key: "cpu", label: "CPU" },
  { key: "memory", label: "memory" },
] as const;

/**
 * Every Kubernetes container, init containers included, has CPU and memory requests and limits,
 * each a positive quantity, with no request above its limit. Without requests the scheduler
 * over-packs nodes; without a memory limit one container can take a node down.
 *
 * Covers Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job and CronJob.
 *
 * @severity medium
 *
 * @see https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/
 * @see https://kubernetes.io/docs/concepts/policy/limit-range/
 * @see https://github.com/pulumi/compliance-policies/tree/main/vendor-kubernetes
 */
export const kubernetesContainerResources: ResourceValidationPolicy = {
  name: "kubernetes-container-resources",
  description: "Every Kubernetes container has CPU and memory requests and limits.",
  severity: "medium",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      requireCpuLimit: { type: "boolean", default: true },
    },
  },
  validateResource: validateWorkloads((workload, args, reportViolation) => {
    const { requireCpuLimit } = args.getConfig<KubernetesContainerResourcesConfig>();
    for (const container of workload.containers) {
      const requests = container.spec.resources?.requests ?? {};
      const limits = container.spec.resources?.limits ?? {};
      for (const { key, label } of RESOURCES) {
        const amounts: Partial<Record<"request" | "limit", number>> = {};
        for (const [field, values] of [["request", requests], ["limit", limits]] as const) {
          const value = values[key];
          if (value === undefined || value === null || value === "") {
            if (!(field === "limit" && key === "cpu" && !requireCpuLimit)) {
              reportViolation(`${container.label} has no ${label} ${field}.`);
            }
            continue;
          }
          const amount = parseQuantity(String(value));
          if (amount === undefined || amount <= 0) {
            reportViolation(`${container.label} has ${label} ${field} "${value}", which is not a positive quantity.`);
            continue;
          }
          amounts[field] = amount;
        }
        if (amounts.request !== undefined && amounts.limit !== undefined && amounts.request > amounts.limit) {
          reportViolation(`${container.label} requests more ${label} ("${requests[key]}") than its limit ("${limits[key]}").`);
        }
      }
    }
  }),
};
