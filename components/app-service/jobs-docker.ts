/**
 * The Docker backend of a service's migration: a container that runs to completion before the
 * service's container is created or replaced. Docker has no scheduler, so CronJobs are refused on
 * Docker (see `index.ts`).
 *
 * How it behaves, from the Docker provider (kreuzwerker/terraform-provider-docker, which
 * @pulumi/docker bridges):
 *
 * - `attach: true` makes the create wait until the container is no longer running
 *   (`ContainerWait` with `not-running`); `mustRun: false` stops the provider from restarting it
 *   or reporting drift once it has exited; the provider then reads its `exitCode`.
 * - The provider does not fail on a non-zero exit code. So the service's container takes a label
 *   ({@link MIGRATION_LABEL}) computed from the exit code, and the computation throws a
 *   `ResourceError` naming the migration container unless it is 0: `pulumi up` stops with that
 *   message before the service's container is created.
 * - The service's container is not running then: @pulumi/docker replaces every container
 *   delete-first (`DeleteBeforeReplace` in its provider), so when the migration is replaced, the
 *   service's container, whose label reads the migration's outputs, is removed before the new
 *   migration runs. Docker runs one replica; a rollout there always has downtime.
 * - On the first `pulumi up` the migration starts once the database's container exists, not once
 *   its healthcheck passes, and is not retried: a migration tool that does not retry its
 *   connection may fail there, and `pulumi up` run again starts it anew (its inputs did not change,
 *   so with `--replace` its URN).
 * - The exited container is kept (no `rm`), so `docker logs <name>` shows its output. Its logs are
 *   not copied into the state (`logs` stays off): a migration may print connection strings.
 * - An unchanged migration is not run again. A new image or command gives it a new name (the hash
 *   in {@link migrationJobName}) and so a new container; any other change replaces it under the
 *   same name, deleting the old one first (`deleteBeforeReplace`, as the provider does anyway). A failed migration stays failed
 *   until its inputs change or `pulumi up --replace <its URN>` runs it again.
 * - No retries (`backoffLimit` applies to Kubernetes only: a restart policy would end the provider's
 *   wait at the first exit) and no `activeDeadlineSeconds`: Pulumi's create timeout (the deadline
 *   plus a minute) bounds the wait instead, after which `pulumi up` fails and the container is left
 *   running.
 *
 * @see https://www.pulumi.com/registry/packages/docker/api-docs/container/#attach_nodejs
 * @see https://github.com/kreuzwerker/terraform-provider-docker/blob/master/internal/provider/resource_docker_container_funcs.go
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { DockerPlatform } from "../contract/platform";
import { COMPONENT_LABEL, COMPONENT_ROLES } from "../contract/labels";
import { jobDefaults, migrationJobName, type ResolvedMigration } from "./jobs-spec";
import type { ResolvedAppService } from "./spec";

/** The label on the service's container naming the migration container that succeeded before it. */
export const MIGRATION_LABEL = "platform.acme.dev/migration";

/**
 * Docker's names for a Kubernetes container's `command` and `args`: `entrypoints` replaces the
 * image's ENTRYPOINT and `command` its CMD; each is left out when not set.
 *
 * @see https://docs.docker.com/reference/dockerfile/#understand-how-cmd-and-entrypoint-interact
 */
export function dockerCommand(task: { readonly command?: readonly string[]; readonly args?: readonly string[] }): Pick<docker.ContainerArgs, "entrypoints" | "command"> {
  return { ...(task.command ? { entrypoints: [...task.command] } : {}), ...(task.args ? { command: [...task.args] } : {}) };
}

/**
 * Why a finished migration container failed, or `undefined` when it exited with 0.
 *
 * @param exitCode - the container's `exitCode` output; anything but 0 (a missing one too) fails.
 */
export function migrationExitProblem(service: string, containerName: string, exitCode: number | undefined): string | undefined {
  if (exitCode === 0) return undefined;
  const how = exitCode === undefined ? "without an exit code" : `with exit code ${exitCode}`;
  return (
    `AppService "${service}": the migration container "${containerName}" ended ${how}, so the service's container was not started. ` +
    `Read its output with \`docker logs ${containerName}\`, fix the migration and run \`pulumi up\` again ` +
    "(a new image or command runs a new migration; to run the same one again, `pulumi up --replace` its URN)"
  );
}

/** The migration container, and the label value that exists only once it has exited with 0. */
export interface DockerMigration {
  readonly container: docker.Container;
  /** The migration container's name, once it exited with 0; a `ResourceError` otherwise. */
  readonly succeeded: pulumi.Output<string>;
}

/**
 * Runs the migration as a container on the platform's network, with the service's image,
 * environment, user, limits and hardening (`base`), and the migration's command. It takes no
 * network alias, so the service's name never resolves to it, and no `app-service` label, so
 * Prometheus does not look for it.
 *
 * @param base - the service's shared container arguments (see `dockerContainerBase`).
 */
export function deployDockerMigration(
  name: string,
  migration: ResolvedMigration,
  spec: ResolvedAppService,
  platform: DockerPlatform,
  base: docker.ContainerArgs,
  opts: pulumi.CustomResourceOptions,
): DockerMigration {
  const containerName = pulumi.interpolate`${platform.networkName}-${migrationJobName(name, spec.image, migration)}`;
  const labels = { ...spec.labels, "app.kubernetes.io/name": name, "app.kubernetes.io/instance": `${name}-migrate`, [COMPONENT_LABEL]: COMPONENT_ROLES.migration, "app.kubernetes.io/managed-by": "pulumi" };
  const wait = `${migration.activeDeadlineSeconds + jobDefaults.awaitMarginSeconds}s`;
  const container = new docker.Container(
    `${name}-migration`,
    {
      ...base,
      ...dockerCommand(migration),
      name: containerName,
      attach: true,
      mustRun: false,
      restart: "no",
      networksAdvanced: [{ name: platform.networkName }],
      labels: Object.entries(labels).map(([label, value]) => ({ label, value })),
    },
    { ...opts, deleteBeforeReplace: true, customTimeouts: { create: wait, update: wait } },
  );
  return { container, succeeded: migrationGate(name, container.name, container.exitCode, container) };
}

/**
 * The migration container's name once it has exited with 0; otherwise an output that fails with
 * {@link migrationExitProblem} as a `ResourceError` (no stack trace), which fails the registration
 * of whatever takes it as an input: the service's container.
 *
 * @param resource - the migration container, named in the error.
 */
export function migrationGate(service: string, containerName: pulumi.Input<string>, exitCode: pulumi.Input<number | undefined>, resource?: pulumi.Resource): pulumi.Output<string> {
  return pulumi.all([containerName, exitCode]).apply(([n, code]) => {
    const problem = migrationExitProblem(service, n, code);
    if (problem) throw new pulumi.ResourceError(problem, resource, true);
    return n;
  });
}
