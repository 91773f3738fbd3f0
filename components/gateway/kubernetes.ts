import type * as pulumi from "@pulumi/pulumi";
import type { CertManager } from "../cert-manager";
import type { KubernetesPlatform } from "../platform/types";
import type { GatewayEndpoints } from "./index";
import type { ResolvedGateway } from "./spec";

/**
 * Deploys the gateway into a Kubernetes cluster. (Contract stub: implemented by the gateway-k8s work.)
 */
export function deployGatewayToKubernetes(name: string, spec: ResolvedGateway, platform: KubernetesPlatform, certManager: CertManager, parent: pulumi.Resource): GatewayEndpoints {
  throw new Error(`not implemented: ${name} ${spec.namespace} ${platform.flavour} ${certManager.caIssuerName} ${String(parent)}`);
}
