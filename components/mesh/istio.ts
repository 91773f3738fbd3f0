import type * as pulumi from "@pulumi/pulumi";
import type { KubernetesPlatform } from "../platform/types";
import type { MeshEnrollment } from "./index";
import type { ResolvedMesh } from "./spec";

/**
 * Installs Istio and the per-service policies. (Contract stub.)
 */
export function deployIstio(name: string, spec: ResolvedMesh, platform: KubernetesPlatform, parent: pulumi.Resource): MeshEnrollment {
  throw new Error(`not implemented: ${name} ${spec.provider} ${platform.flavour} ${String(parent)}`);
}
