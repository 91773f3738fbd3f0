/**
 * The Kubernetes backend of a service's run-to-completion workloads: the migration Job, which the
 * Deployment waits for, and the CronJobs. Both run the service's pod spec (its image, environment,
 * Secret references, requests and limits, restricted security context, ServiceAccount without a
 * token) with the task's command, and no ports, probes or topology spread.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/job/
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { COMPONENT_LABEL, COMPONENT_ROLES } from "../contract/labels";
import { cronJobName, jobDefaults, migrationJobName, type ResolvedMigration } from "./jobs-spec";
import type { ResolvedAppService } from "./spec";

type Container = k8s.types.input.core.v1.Container;
type PodSpec = k8s.types.input.core.v1.PodSpec;

/**
 * The labels of a task's objects and pods: the service's own `labels` (so what other parts of the
 * platform attach to a service's pods reaches them too) and `part-of` the service, but an
 * `app.kubernetes.io/name`, `app.kubernetes.io/instance` and role of their own. The service's
 * Service, its PodDisruptionBudget and NetworkPolicy, its ServiceMonitor's endpoints and Flagger's
 * generated Services (which select `app.kubernetes.io/name` alone) never select them, so a task's
 * pod never receives the service's traffic nor is scraped as the service.
 *
 * @param instance - the task's instance: `<service>-migrate`, or the CronJob's name.
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/
 */
export function taskLabels(name: string, spec: Pick<ResolvedAppService, "labels">, role: "migration" | "cronJob", instance: string): Record<string, string> {
  return {
    ...spec.labels,
    // Not the service's name: Flagger's generated `<service>-canary` Service selects that label alone.
    "app.kubernetes.io/name": instance,
    "app.kubernetes.io/instance": instance,
    "app.kubernetes.io/part-of": name,
    [COMPONENT_LABEL]: COMPONENT_ROLES[role],
    "app.kubernetes.io/managed-by": "pulumi",
  };
}

/**
 * A task's pod spec from the service's: its one container without ports or probes, with the task's
 * `command` and `args` (each absent keeps the image's), no topology spread (one pod), and
 * `restartPolicy: Never` so a failed attempt is a new pod whose logs stay, counted by `backoffLimit`.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/job/#pod-backoff-failure-policy
 */
export function taskPodSpec(service: PodSpec, containerName: string, task: Pick<ResolvedMigration, "command" | "args">): PodSpec {
  const { topologySpreadConstraints: _spread, containers, ...pod } = service;
  const { ports: _ports, readinessProbe: _ready, livenessProbe: _live, command: _command, args: _args, ...container } = (containers as Container[])[0];
  const taskContainer: Container = {
    ...container,
    name: containerName,
    ...(task.command ? { command: [...task.command] } : {}),
    ...(task.args ? { args: [...task.args] } : {}),
  };
  return { ...pod, containers: [taskContainer], restartPolicy: "Never" };
}

/** The objects {@link deployTasks} created. */
export interface KubernetesTasks {
  /** The migration Job, which the Deployments depend on. */
  readonly migration?: k8s.batch.v1.Job;
  readonly cronJobs: readonly k8s.batch.v1.CronJob[];
}

/**
 * Creates the service's migration Job and CronJobs.
 *
 * The Job is awaited: Pulumi's Kubernetes provider registers it only once its `Complete` condition
 * is true and fails the update on `Failed` (backoff limit or deadline exceeded), so the Deployment,
 * which depends on it, rolls only after a successful migration. Pulumi waits the Job's
 * `activeDeadlineSeconds` plus a minute, so the Job's deadline decides, not Pulumi's default
 * ten-minute timeout. CronJobs depend on the Job too: a run with the new image never meets the old
 * schema.
 *
 * @param podSpec - the service's pod spec (see `appPodSpec`).
 * @param opts - the service's resource options.
 * @see https://www.pulumi.com/registry/packages/kubernetes/api-docs/batch/v1/job/
 * @see https://github.com/pulumi/pulumi-kubernetes/blob/master/provider/pkg/await/job.go
 */
export function deployTasks(name: string, spec: ResolvedAppService, podSpec: PodSpec, opts: pulumi.CustomResourceOptions & { dependsOn: pulumi.Resource[] }): KubernetesTasks {
  const annotations = { ...spec.jobPodAnnotations };
  let migration: k8s.batch.v1.Job | undefined;
  if (spec.migration) {
    const labels = taskLabels(name, spec, "migration", `${name}-migrate`);
    const wait = `${spec.migration.activeDeadlineSeconds + jobDefaults.awaitMarginSeconds}s`;
    migration = new k8s.batch.v1.Job(
      `${name}-migration`,
      {
        // A failed Job is replaced (run again) by the next `pulumi up`; a complete one is left alone.
        metadata: { name: migrationJobName(name, spec.image, spec.migration), namespace: spec.namespace, labels, annotations: { "pulumi.com/replaceUnready": "true" } },
        spec: {
          backoffLimit: spec.migration.backoffLimit,
          activeDeadlineSeconds: spec.migration.activeDeadlineSeconds,
          template: { metadata: { labels, annotations }, spec: taskPodSpec(podSpec, "migrate", spec.migration) },
        },
      },
      { ...opts, customTimeouts: { create: wait, update: wait } },
    );
  }
  const cronJobs = spec.cronJobs.map((cronJob) => {
    const objectName = cronJobName(name, cronJob);
    const labels = taskLabels(name, spec, "cronJob", objectName);
    return new k8s.batch.v1.CronJob(
      `${objectName}-cron-job`,
      {
        metadata: { name: objectName, namespace: spec.namespace, labels },
        spec: {
          schedule: cronJob.schedule,
          timeZone: cronJob.timeZone,
          concurrencyPolicy: cronJob.concurrencyPolicy,
          startingDeadlineSeconds: cronJob.startingDeadlineSeconds,
          successfulJobsHistoryLimit: cronJob.successfulJobsHistoryLimit,
          failedJobsHistoryLimit: cronJob.failedJobsHistoryLimit,
          suspend: cronJob.suspend,
          jobTemplate: {
            metadata: { labels },
            spec: {
              backoffLimit: cronJob.backoffLimit,
              activeDeadlineSeconds: cronJob.activeDeadlineSeconds,
              template: { metadata: { labels, annotations }, spec: taskPodSpec(podSpec, cronJob.name, cronJob) },
            },
          },
        },
      },
      { ...opts, dependsOn: [...opts.dependsOn, ...(migration ? [migration] : [])] },
    );
  });
  return { migration, cronJobs };
}
