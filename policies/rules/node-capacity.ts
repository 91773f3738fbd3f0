import type { StackValidationPolicy } from "@pulumi/policy";
import { capacityReport, formatAmount, formatPools } from "./capacity";
import { isProduction } from "./environment";

const NODE_POOL_TYPES = ["aws:eks/nodeGroup:NodeGroup", "gcp:container/nodePool:NodePool"];

/**
 * In production, the node pools at their minimum size allocate at least the CPU and memory the
 * stack requests. Pods that do not fit stay `Pending`, and the releases and workloads that wait for
 * them time out on the first `pulumi up`, whatever the autoscaler adds later.
 *
 * The requests are summed as `capacity.ts` describes (workloads × replicas, mesh sidecars, the
 * requests set in Helm values, CloudNativePG and RabbitMQ clusters); the capacity is each EKS node
 * group's `scalingConfig.minSize` and each GKE node pool's `autoscaling.minNodeCount` per zone,
 * times the allocatable resources of its instance or machine type (the smallest, when a group lists
 * several), from the table in `components/contract/node-types.ts`. A stack without node pools
 * (k3s, Docker) or with a type not in the table is not checked. A value not known yet (a preview
 * before the cluster exists) counts as unset: the rule still runs on what is known.
 *
 * @severity high
 * @see https://kubernetes.io/docs/tasks/administer-cluster/reserve-compute-resources/
 * @see https://github.com/awslabs/amazon-eks-ami/blob/main/nodeadm/internal/kubelet/config.go
 * @see https://cloud.google.com/kubernetes-engine/docs/concepts/plan-node-sizes
 */
export const nodeCapacity: StackValidationPolicy = {
  name: "node-capacity",
  description: "In production, the node pools at their minimum size allocate the CPU and memory the stack requests.",
  severity: "high",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    if (!isProduction(args) || !args.resources.some((r) => NODE_POOL_TYPES.includes(r.type))) return;
    const report = capacityReport(args.resources);
    if (report.pools.length === 0 || report.unknownTypes.length > 0) return;
    const { requests, allocatable } = report;
    const short = [
      requests.cpuMillis > allocatable.cpuMillis ? `${((requests.cpuMillis - allocatable.cpuMillis) / 1000).toFixed(2)} vCPU` : undefined,
      requests.memoryMiB > allocatable.memoryMiB ? `${((requests.memoryMiB - allocatable.memoryMiB) / 1024).toFixed(1)} GiB` : undefined,
    ].filter((s) => s !== undefined);
    if (short.length === 0) return;
    reportViolation(
      `The stack requests ${formatAmount(requests)}, but its node pools allocate ${formatAmount(allocatable)} at their minimum size (${formatPools(report.pools)}): ` +
        `${short.join(" and ")} short. Raise the pools' minimum size or use a larger instance type.`,
    );
  },
};
