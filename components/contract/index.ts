/**
 * The contract floor: the types and constants every layer shares (the platform a component deploys
 * onto, argument problems, routing, resource quantities, labels). It imports nothing of the
 * project, so anything may import it without a cycle.
 *
 * @packageDocumentation
 */
export * from "./labels";
export * from "./manifests";
export * from "./metrics";
export * from "./platform";
export * from "./problems";
export * from "./resources";
export * from "./routing";
export * from "./webhooks";
