import type * as pulumi from "@pulumi/pulumi";
import type { DockerPlatform } from "../platform/types";
import type { GatewayEndpoints } from "./index";
import type { ResolvedGateway } from "./spec";

/**
 * Runs the gateway as a Traefik container. (Contract stub: implemented by the gateway-docker work.)
 */
export function deployGatewayToDocker(name: string, spec: ResolvedGateway, platform: DockerPlatform, parent: pulumi.Resource): GatewayEndpoints {
  throw new Error(`not implemented: ${name} ${spec.namespace} ${platform.flavour} ${String(parent)}`);
}
