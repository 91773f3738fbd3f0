/**
 * The public component library: import from `<package>/components`.
 *
 * @packageDocumentation
 */
export * from "./contract";
export * from "./platform";
export * from "./app-service";
export { statefulResourceOptions } from "./shared/options";
export { movedFrom, topLevelUrn } from "./shared/aliases";
export { DATA_STORE_MODES, dataStoreDefaults, type DataStoreArgs, type DataStoreMode } from "./data-store";
export { cpuQuantityProblem, memoryQuantityProblem, parseQuantity } from "./shared/quantity";
export { imagePinProblem, parseImage } from "./shared/image";
export * from "./addons";
export * from "./postgres";
export * from "./redis";
export * from "./observability";
export * from "./gateway";
export * from "./mesh";
export * from "./message-queue";
