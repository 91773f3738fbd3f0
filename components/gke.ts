/**
 * The GKE target, `<package>/gke`: {@link GkeCluster}. Importing it loads and type-checks
 * `@pulumi/gcp`, an optional peer dependency that a GKE consumer installs.
 *
 * @packageDocumentation
 */
export { GkeCluster } from "./platform/gke";
