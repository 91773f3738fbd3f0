/**
 * Everything, `<package>/components`: the target-neutral index and every target's entry point.
 * Importing it type-checks `@pulumi/aws` and `@pulumi/gcp`; prefer `<package>` and the entry
 * point of your target.
 *
 * @packageDocumentation
 */
export * from "./index";
export * from "./docker";
export * from "./k3s";
export * from "./eks";
export * from "./gke";
