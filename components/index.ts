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
