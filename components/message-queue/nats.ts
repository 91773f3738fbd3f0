import type { KubernetesPlatform } from "../platform/types";
import type { BrokerBackendContext, BrokerEndpoints } from "./index";
import type { ResolvedMessageQueue } from "./spec";

/** (Contract stub.) */
export function deployNatsToKubernetes(name: string, spec: ResolvedMessageQueue, platform: KubernetesPlatform, context: BrokerBackendContext): BrokerEndpoints {
  throw new Error(`not implemented: ${name} ${spec.broker} ${String(platform)} ${String(context.parent)}`);
}
