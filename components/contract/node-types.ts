/**
 * What a node of a given instance or machine type can run: its allocatable CPU and memory, after
 * what the node image reserves for the kubelet, the container runtime and eviction. Pure data and
 * arithmetic, so the plan and the policy pack can compare a stack's requests with its node pools.
 *
 * EKS (Amazon Linux 2023, `nodeadm`): kube-reserved CPU is 6% of the first core, 1% of the second,
 * 0.5% of the third and fourth and 0.25% of every further core; kube-reserved memory is
 * `11 MiB × maxPods + 255 MiB`, plus a 100 MiB hard eviction threshold. `maxPods` is the VPC CNI's
 * ENI limit of the type.
 *
 * GKE: the same CPU reservation; memory reserves 25% of the first 4 GiB, 20% of the next 4 GiB, 10%
 * of the next 8 GiB, 6% of the next 112 GiB and 2% above, plus a 100 MiB eviction threshold.
 *
 * Memory is the type's nominal size; a node reports a little less (the kernel keeps some), so the
 * figures are an upper bound.
 *
 * @see https://github.com/awslabs/amazon-eks-ami/blob/main/nodeadm/internal/kubelet/config.go
 * @see https://github.com/awslabs/amazon-eks-ami/blob/main/templates/shared/runtime/eni-max-pods.txt
 * @see https://cloud.google.com/kubernetes-engine/docs/concepts/plan-node-sizes
 */

/** A node's size: CPU in millicores, memory in MiB. */
export interface NodeResources {
  readonly cpuMillis: number;
  readonly memoryMiB: number;
}

/** One EC2 instance type: vCPUs, memory and the VPC CNI's pod limit. */
interface Ec2Type {
  readonly vcpu: number;
  readonly memoryGiB: number;
  readonly maxPods: number;
}

/** The general-purpose and burstable EC2 types the platform's node groups use. */
const EC2_TYPES: Readonly<Record<string, Ec2Type>> = Object.fromEntries(
  [
    ...["m5", "m6i", "m6a", "m7i", "m7a"].flatMap((family) => [
      [`${family}.large`, { vcpu: 2, memoryGiB: 8, maxPods: 29 }],
      [`${family}.xlarge`, { vcpu: 4, memoryGiB: 16, maxPods: 58 }],
      [`${family}.2xlarge`, { vcpu: 8, memoryGiB: 32, maxPods: 58 }],
    ]),
    ...["c6i", "c7i"].flatMap((family) => [
      [`${family}.large`, { vcpu: 2, memoryGiB: 4, maxPods: 29 }],
      [`${family}.xlarge`, { vcpu: 4, memoryGiB: 8, maxPods: 58 }],
      [`${family}.2xlarge`, { vcpu: 8, memoryGiB: 16, maxPods: 58 }],
    ]),
    ["t3.medium", { vcpu: 2, memoryGiB: 4, maxPods: 17 }],
    ["t3.large", { vcpu: 2, memoryGiB: 8, maxPods: 35 }],
    ["t3.xlarge", { vcpu: 4, memoryGiB: 16, maxPods: 58 }],
    ["t3.2xlarge", { vcpu: 8, memoryGiB: 32, maxPods: 58 }],
  ] as [string, Ec2Type][],
);

/** The Compute Engine machine types the platform's node pools use: vCPUs and memory. */
const GCE_TYPES: Readonly<Record<string, { vcpu: number; memoryGiB: number }>> = Object.fromEntries(
  ["e2", "n2", "n2d"].flatMap((family) => [
    [`${family}-standard-2`, { vcpu: 2, memoryGiB: 8 }],
    [`${family}-standard-4`, { vcpu: 4, memoryGiB: 16 }],
    [`${family}-standard-8`, { vcpu: 8, memoryGiB: 32 }],
  ]),
);

/** The kubelet's CPU reservation for `vcpu` cores, in millicores (EKS AL2023 and GKE alike). */
export function reservedCpuMillis(vcpu: number): number {
  const bands: [number, number][] = [
    [1, 0.06],
    [1, 0.01],
    [2, 0.005],
    [Infinity, 0.0025],
  ];
  let left = vcpu;
  let reserved = 0;
  for (const [cores, share] of bands) {
    const used = Math.min(left, cores);
    reserved += used * 1000 * share;
    left -= used;
  }
  return Math.round(reserved);
}

/** The hard eviction threshold both node images keep free, in MiB. */
const EVICTION_MIB = 100;

/**
 * The allocatable CPU and memory of one EKS node of `instanceType` (Amazon Linux 2023).
 *
 * @returns `undefined` for a type not in the table.
 * @see https://github.com/awslabs/amazon-eks-ami/blob/main/nodeadm/internal/kubelet/config.go
 */
export function eksNodeAllocatable(instanceType: string): NodeResources | undefined {
  const type = EC2_TYPES[instanceType];
  if (!type) return undefined;
  const memoryMiB = type.memoryGiB * 1024;
  return { cpuMillis: type.vcpu * 1000 - reservedCpuMillis(type.vcpu), memoryMiB: memoryMiB - (11 * type.maxPods + 255) - EVICTION_MIB };
}

/** GKE's memory reservation for a machine of `memoryGiB`, in MiB. */
export function gkeReservedMemoryMiB(memoryGiB: number): number {
  const bands: [number, number][] = [
    [4, 0.25],
    [4, 0.2],
    [8, 0.1],
    [112, 0.06],
    [Infinity, 0.02],
  ];
  let left = memoryGiB * 1024;
  let reserved = 0;
  for (const [gib, share] of bands) {
    const used = Math.min(left, gib * 1024);
    reserved += used * share;
    left -= used;
  }
  return Math.round(reserved);
}

/**
 * The allocatable CPU and memory of one GKE node of `machineType`.
 *
 * @returns `undefined` for a type not in the table.
 * @see https://cloud.google.com/kubernetes-engine/docs/concepts/plan-node-sizes
 */
export function gkeNodeAllocatable(machineType: string): NodeResources | undefined {
  const type = GCE_TYPES[machineType];
  if (!type) return undefined;
  return { cpuMillis: type.vcpu * 1000 - reservedCpuMillis(type.vcpu), memoryMiB: type.memoryGiB * 1024 - gkeReservedMemoryMiB(type.memoryGiB) - EVICTION_MIB };
}
