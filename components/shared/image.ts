/**
 * Container image references: is the image pinned to an immutable version?
 *
 * @see https://github.com/distribution/reference/blob/main/reference.go
 * @see https://kubernetes.io/docs/concepts/containers/images/#image-names
 */

/** Tags that move, and so pin nothing. */
export const MUTABLE_TAGS: readonly string[] = ["latest", "stable", "main", "master", "edge", "nightly", "dev"];

/**
 * The tag and digest of an image reference. The registry host may carry a port
 * (`registry:5000/app:1.2`), so the tag is what follows the last `:` after the last `/`.
 *
 * @see https://kubernetes.io/docs/concepts/containers/images/#image-names
 */
export function parseImage(image: string): { repository: string; tag?: string; digest?: string } {
  const [withoutDigest, digest] = image.split("@", 2);
  const slash = withoutDigest.lastIndexOf("/");
  const colon = withoutDigest.lastIndexOf(":");
  if (colon > slash) {
    return { repository: withoutDigest.slice(0, colon), tag: withoutDigest.slice(colon + 1), digest };
  }
  return { repository: withoutDigest, digest };
}

/**
 * Explains why an image reference is not pinned.
 *
 * @param image - an image reference such as `ghcr.io/stefanprodan/podinfo:6.9.2` or `repo@sha256:…`.
 * @returns `undefined` when the image has a fixed tag or a digest, otherwise the problem.
 * @see https://docs.docker.com/reference/cli/docker/image/pull/#pull-an-image-by-digest-immutable-identifier
 */
export function imagePinProblem(image: string): string | undefined {
  const { tag, digest } = parseImage(image.trim());
  if (digest !== undefined) {
    return /^sha256:[a-f0-9]{64}$/.test(digest) ? undefined : `"${image}" has a malformed digest; use @sha256:<64 hex digits>`;
  }
  if (tag === undefined || tag === "") return `"${image}" has no tag; pin a version such as "${image}:1.2.3" or a digest`;
  if (MUTABLE_TAGS.includes(tag.toLowerCase())) return `"${image}" uses the moving tag "${tag}"; pin a version or a digest`;
  return undefined;
}
