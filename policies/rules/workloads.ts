/**
 * The pod template inside every Kubernetes workload kind, so that a rule about containers is
 * written once and covers Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job and CronJob.
 *
 * Internal to the policy pack: rules import it, `policies/rules/index.ts` does not export it as a
 * rule.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/pods/#pod-templates
 */
import type * as k8sSdk from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { ReportViolation, ResourceValidation, ResourceValidationArgs } from "@pulumi/policy";
import { k8s } from "./resource-types";

/** A pod spec as a policy sees it: the resource's inputs, resolved. */
export type PodSpec = pulumi.Unwrap<k8sSdk.types.input.core.v1.PodSpec>;

/** A container spec as a policy sees it. */
export type Container = pulumi.Unwrap<k8sSdk.types.input.core.v1.Container>;

/** The workload kinds whose pod template the pack checks. */
export type WorkloadKind = "Pod" | "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" | "CronJob";

/** Every workload kind, in the order the pack documents them. */
export const WORKLOAD_KINDS: readonly WorkloadKind[] = ["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"];

/**
 * The kinds that run a service rather than a task to completion: their containers are expected to
 * stay up, so they need probes.
 */
export const LONG_RUNNING_KINDS: readonly WorkloadKind[] = ["Deployment", "StatefulSet", "DaemonSet"];

/** One container of a workload's pod template. */
export interface WorkloadContainer {
  /** The container's `name`. */
  readonly name: string;
  /** The container spec. */
  readonly spec: Container;
  /** True for an entry of `initContainers`. */
  readonly init: boolean;
  /** How a message names it: `Container "web" in Deployment "apps/podinfo"`. */
  readonly label: string;
}

/** A workload resource, reduced to what container rules need. */
export interface Workload {
  readonly kind: WorkloadKind;
  /** `namespace/name`: `metadata.namespace` (or `default`) and `metadata.name` (or the Pulumi resource name). */
  readonly ref: string;
  /** The pod spec: `spec` of a Pod, `spec.template.spec` of a controller, `spec.jobTemplate.spec.template.spec` of a CronJob. */
  readonly podSpec: PodSpec;
  /** `initContainers` first, then `containers`, in declaration order. */
  readonly containers: readonly WorkloadContainer[];
}

type Metadata = pulumi.Unwrap<k8sSdk.types.input.meta.v1.ObjectMeta> | undefined;

/** The kind, metadata and pod spec of a workload resource, or undefined for any other type. */
function podTemplateOf(args: Pick<ResourceValidationArgs, "asType">): { kind: WorkloadKind; metadata: Metadata; podSpec?: PodSpec } | undefined {
  const pod = args.asType(k8s.core.v1.Pod);
  if (pod) return { kind: "Pod", metadata: pod.metadata, podSpec: pod.spec };
  const deployment = args.asType(k8s.apps.v1.Deployment);
  if (deployment) return { kind: "Deployment", metadata: deployment.metadata, podSpec: deployment.spec?.template?.spec };
  const statefulSet = args.asType(k8s.apps.v1.StatefulSet);
  if (statefulSet) return { kind: "StatefulSet", metadata: statefulSet.metadata, podSpec: statefulSet.spec?.template?.spec };
  const daemonSet = args.asType(k8s.apps.v1.DaemonSet);
  if (daemonSet) return { kind: "DaemonSet", metadata: daemonSet.metadata, podSpec: daemonSet.spec?.template?.spec };
  const replicaSet = args.asType(k8s.apps.v1.ReplicaSet);
  if (replicaSet) return { kind: "ReplicaSet", metadata: replicaSet.metadata, podSpec: replicaSet.spec?.template?.spec };
  const job = args.asType(k8s.batch.v1.Job);
  if (job) return { kind: "Job", metadata: job.metadata, podSpec: job.spec?.template?.spec };
  const cronJob = args.asType(k8s.batch.v1.CronJob);
  if (cronJob) return { kind: "CronJob", metadata: cronJob.metadata, podSpec: cronJob.spec?.jobTemplate?.spec?.template?.spec };
  return undefined;
}

/**
 * Reads a resource as a workload.
 *
 * @param args - the validation args of one resource.
 * @returns the workload, or `undefined` when the resource is not one of {@link WORKLOAD_KINDS} or
 *   has no pod spec.
 * @see https://kubernetes.io/docs/concepts/workloads/
 */
export function workloadOf(args: Pick<ResourceValidationArgs, "name" | "asType">): Workload | undefined {
  const template = podTemplateOf(args);
  if (!template?.podSpec) return undefined;
  const { kind, metadata, podSpec } = template;
  const ref = `${metadata?.namespace ?? "default"}/${metadata?.name ?? args.name}`;
  const entry = (spec: Container, init: boolean): WorkloadContainer => ({
    name: spec.name,
    spec,
    init,
    label: `${init ? "Init container" : "Container"} "${spec.name}" in ${kind} "${ref}"`,
  });
  const containers = [
    ...(podSpec.initContainers ?? []).map((c) => entry(c, true)),
    ...(podSpec.containers ?? []).map((c) => entry(c, false)),
  ];
  return { kind, ref, podSpec, containers };
}

/**
 * A resource validation that runs `check` on every workload resource and skips everything else.
 *
 * @param check - called once per workload resource.
 * @see https://www.pulumi.com/docs/insights/policy/policy-packs/authoring/
 */
export function validateWorkloads(
  check: (workload: Workload, args: ResourceValidationArgs, reportViolation: ReportViolation) => void,
): ResourceValidation {
  return (args, reportViolation) => {
    const workload = workloadOf(args);
    if (workload) check(workload, args, reportViolation);
  };
}
