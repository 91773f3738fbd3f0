import type { DockerPlatform } from "../platform/types";
import type { BrokerBackendContext, BrokerEndpoints } from "./index";
import type { ResolvedMessageQueue } from "./spec";

/** (Contract stub.) */
export function deployBrokerToDocker(name: string, spec: ResolvedMessageQueue, platform: DockerPlatform, context: BrokerBackendContext): BrokerEndpoints {
  throw new Error(`not implemented: ${name} ${spec.broker} ${String(platform)} ${String(context.parent)}`);
}
