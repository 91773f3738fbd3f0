import type { KubernetesPlatform } from "../platform/types";
import type { ObservabilityContext, ObservabilityEndpoints } from "./index";
import type { ResolvedObservability } from "./spec";

/**
 * Deploys the observability stack into a Kubernetes cluster. (Contract stub.)
 */
export function deployObservabilityToKubernetes(name: string, spec: ResolvedObservability, platform: KubernetesPlatform, context: ObservabilityContext): ObservabilityEndpoints {
  throw new Error(`not implemented: ${name} ${spec.namespace} ${platform.flavour} ${String(context.parent)}`);
}
