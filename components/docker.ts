/**
 * The local Docker target, `<package>/docker`: {@link DockerHost} and its arguments.
 *
 * @packageDocumentation
 */
export { DockerHost, dockerDefaults } from "./platform/docker";
export type { DockerHostArgs } from "./platform/args";
