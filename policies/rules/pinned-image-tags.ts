import { validateResourceOfType, type ResourceValidationPolicy } from "@pulumi/policy";
import { imagePinProblem } from "../../components/shared/image";
import { validateWorkloads } from "./workloads";
import { docker } from "./resource-types";

/**
 * Every container image is pinned to a version tag that does not move, or to a digest: the
 * images of Kubernetes containers (init containers included), of Docker containers, and the
 * `name` of a Docker `RemoteImage`. An unpinned image changes under a running platform without a
 * change to the program, and a rollback cannot bring the old one back.
 *
 * A Docker container that runs an image ID (`sha256:…`, the `imageId` of a `RemoteImage`) is
 * pinned.
 *
 * @severity high
 *
 * @see https://kubernetes.io/docs/concepts/containers/images/#image-names
 * @see https://kubernetes.io/docs/concepts/configuration/overview/#container-images
 * @see https://docs.docker.com/reference/cli/docker/image/pull/#pull-an-image-by-digest-immutable-identifier
 */
export const pinnedImageTags: ResourceValidationPolicy = {
  name: "pinned-image-tags",
  description: "Every container image is pinned to a fixed version tag or a digest.",
  severity: "high",
  enforcementLevel: "mandatory",
  validateResource: [
    validateWorkloads((workload, _args, reportViolation) => {
      for (const container of workload.containers) {
        // The API server rejects a workload container without an image; nothing to pin here.
        if (container.spec.image === undefined) continue;
        const problem = imagePinProblem(container.spec.image);
        if (problem) reportViolation(`${container.label} has an unpinned image: ${problem}.`);
      }
    }),
    validateResourceOfType(docker.Container, (container, args, reportViolation) => {
      const problem = imagePinProblem(container.image);
      if (problem) reportViolation(`Docker container "${container.name ?? args.name}" has an unpinned image: ${problem}.`);
    }),
    validateResourceOfType(docker.RemoteImage, (image, args, reportViolation) => {
      const problem = imagePinProblem(image.name);
      if (problem) reportViolation(`Docker remote image "${args.name}" has an unpinned image: ${problem}.`);
    }),
  ],
};
