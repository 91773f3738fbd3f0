/**
 * The on-prem k3s target, `<package>/k3s`: {@link K3sCluster} and its arguments.
 *
 * @packageDocumentation
 */
export { K3sCluster } from "./platform/k3s";
export { k3sDefaults, type K3sClusterArgs } from "./platform/args";
