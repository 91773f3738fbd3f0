/**
 * The public component library's target-neutral entry point, `<package>` (`"."`): the contract,
 * {@link createPlatform}, the components and the Kubernetes add-ons. Nothing here imports or types
 * `@pulumi/aws` or `@pulumi/gcp`, so a Docker or k3s consumer neither loads nor type-checks them.
 * Each target's own classes come from its entry point: `<package>/docker` ({@link DockerHost}),
 * `<package>/k3s` (`K3sCluster`), `<package>/eks` (`EksCluster`, the AWS add-ons) and
 * `<package>/gke` (`GkeCluster`). `<package>/components` re-exports all of them, as it always did.
 *
 * @packageDocumentation
 */
export * from "./contract";
export * from "./platform";
export * from "./app-service";
export { statefulResourceOptions } from "./shared/options";
export { movedFrom, topLevelUrn } from "./shared/aliases";
export { DATA_STORE_MODES, clientRoleName, clientSecretName, dataStoreDefaults, type DataStoreArgs, type DataStoreClient, type DataStoreMode } from "./data-store";
export { cpuQuantityProblem, memoryQuantityProblem, parseQuantity } from "./shared/quantity";
export { imagePinProblem, parseImage } from "./shared/image";
export * from "./addons";
export * from "./postgres";
export * from "./redis";
export * from "./observability";
export * from "./gateway";
export * from "./mesh";
export * from "./message-queue";
export * from "./network-policy";
