/**
 * The rules of the platform policy pack, as a plain array.
 *
 * Importing this module constructs no `PolicyPack` (which would start a gRPC server and may exit
 * the process), so tests and `npm run plan` import it; only `policies/index.ts` builds the pack.
 */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { clusterEndpointAccess } from "./cluster-endpoint-access";
import { dockerContainerLimits } from "./docker-container-limits";
import { kubernetesContainerResources } from "./kubernetes-container-resources";
import { pinnedImageTags } from "./pinned-image-tags";
import { restrictedSecurityContext } from "./restricted-security-context";
import { tlsDataStores } from "./tls-data-stores";
import { tlsLoadBalancers } from "./tls-load-balancers";
import { workloadProbes } from "./workload-probes";

export {
  clusterEndpointAccess,
  dockerContainerLimits,
  kubernetesContainerResources,
  pinnedImageTags,
  restrictedSecurityContext,
  tlsDataStores,
  tlsLoadBalancers,
  workloadProbes,
};

/** Every rule of the pack. */
export const rules: (ResourceValidationPolicy | StackValidationPolicy)[] = [
  kubernetesContainerResources,
  dockerContainerLimits,
  pinnedImageTags,
  restrictedSecurityContext,
  workloadProbes,
  tlsLoadBalancers,
  tlsDataStores,
  clusterEndpointAccess,
];
