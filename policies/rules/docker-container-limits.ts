import { validateResourceOfType, type ResourceValidationPolicy } from "@pulumi/policy";
import { docker } from "./resource-types";

/**
 * Every Docker container sets a memory limit (`memory`, in MB) and a CPU limit (`cpus`), both
 * above zero, so that one runaway service cannot starve the others on a developer's machine.
 *
 * @severity low (the Docker target is for local development).
 *
 * @see https://docs.docker.com/engine/containers/resource_constraints/
 * @see https://www.pulumi.com/registry/packages/docker/api-docs/container/#memory_nodejs
 */
export const dockerContainerLimits: ResourceValidationPolicy = {
  name: "docker-container-limits",
  description: "Every Docker container sets `memory` and `cpus` above zero.",
  severity: "low",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(docker.Container, (container, args, reportViolation) => {
    const label = `Docker container "${container.name ?? args.name}"`;
    const memory = container.memory;
    if (memory === undefined || memory === null) {
      reportViolation(`${label} has no memory limit; set \`memory\` in MB.`);
    } else if (!(Number(memory) > 0)) {
      reportViolation(`${label} has \`memory\` ${memory}; set a limit above 0 MB.`);
    }
    const cpus = container.cpus;
    if (cpus === undefined || cpus === null || String(cpus).trim() === "") {
      reportViolation(`${label} has no CPU limit; set \`cpus\`, such as "0.5".`);
    } else if (!(Number(cpus) > 0)) {
      reportViolation(`${label} has \`cpus\` "${cpus}", which is not a number of CPUs above 0.`);
    }
  }),
};
