/**
 * The public component library: import from `<package>/components`.
 *
 * @packageDocumentation
 */
export * from "./platform";
export * from "./app-service";
export { statefulResourceOptions } from "./shared/options";
export { cpuQuantityProblem, memoryQuantityProblem, parseQuantity } from "./shared/quantity";
export { imagePinProblem, parseImage } from "./shared/image";
export * from "./cert-manager";
export * from "./postgres";
export * from "./redis";
export * from "./observability";
export * from "./gateway";
export * from "./mesh";
export * from "./message-queue";
