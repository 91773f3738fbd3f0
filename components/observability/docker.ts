import type { DockerPlatform } from "../platform/types";
import type { ObservabilityContext, ObservabilityEndpoints } from "./index";
import type { ResolvedObservability } from "./spec";

/**
 * Runs Prometheus, Alertmanager and Grafana as containers. (Contract stub.)
 */
export function deployObservabilityToDocker(name: string, spec: ResolvedObservability, platform: DockerPlatform, context: ObservabilityContext): ObservabilityEndpoints {
  throw new Error(`not implemented: ${name} ${spec.namespace} ${platform.flavour} ${String(context.parent)}`);
}
