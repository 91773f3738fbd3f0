/**
 * The rules of the platform policy pack, as a plain array.
 *
 * Importing this module constructs no `PolicyPack` (which would start a gRPC server and may exit
 * the process), so tests and `npm run plan` import it; only `policies/index.ts` builds the pack.
 */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { brokerPersistence } from "./broker-persistence";
import { brokerQuorum } from "./broker-quorum";
import { brokerTls } from "./broker-tls";
import { clusterEndpointAccess } from "./cluster-endpoint-access";
import { credentialsFromSecrets } from "./credentials-from-secrets";
import { dataStoreEncryptionAtRest } from "./data-store-encryption-at-rest";
import { databaseBackups } from "./database-backups";
import { disasterRecoveryObjectives } from "./disaster-recovery-objectives";
import { dockerContainerLimits } from "./docker-container-limits";
import { edgeServiceTypes } from "./edge-service-types";
import { gatewayHttpsOnly } from "./gateway-https-only";
import { gatewayListenerCertificates } from "./gateway-listener-certificates";
import { gkeWebhooksReachable } from "./gke-webhooks-reachable";
import { grafanaSecure } from "./grafana-secure";
import { kubernetesContainerResources } from "./kubernetes-container-resources";
import { kubernetesUniqueObjects } from "./kubernetes-unique-objects";
import { meshMtlsStrict } from "./mesh-mtls-strict";
import { namespaceDefaultDeny } from "./namespace-default-deny";
import { noPublicDatabases } from "./no-public-databases";
import { nodeCapacity } from "./node-capacity";
import { observabilityRetention } from "./observability-retention";
import { pinnedImageTags } from "./pinned-image-tags";
import { productionDataResilience } from "./production-data-resilience";
import { redisSentinelQuorum } from "./redis-sentinel-quorum";
import { redisTls } from "./redis-tls";
import { restrictedSecurityContext } from "./restricted-security-context";
import { routesRateLimited } from "./routes-rate-limited";
import { servicesScraped } from "./services-scraped";
import { tlsDataStores } from "./tls-data-stores";
import { tlsLoadBalancers } from "./tls-load-balancers";
import { tlsMinimumVersion } from "./tls-minimum-version";
import { workloadProbes } from "./workload-probes";

export {
  brokerPersistence,
  brokerQuorum,
  brokerTls,
  clusterEndpointAccess,
  credentialsFromSecrets,
  databaseBackups,
  dataStoreEncryptionAtRest,
  disasterRecoveryObjectives,
  dockerContainerLimits,
  edgeServiceTypes,
  gatewayHttpsOnly,
  gatewayListenerCertificates,
  gkeWebhooksReachable,
  grafanaSecure,
  kubernetesContainerResources,
  kubernetesUniqueObjects,
  meshMtlsStrict,
  namespaceDefaultDeny,
  noPublicDatabases,
  nodeCapacity,
  observabilityRetention,
  pinnedImageTags,
  productionDataResilience,
  redisSentinelQuorum,
  redisTls,
  restrictedSecurityContext,
  routesRateLimited,
  servicesScraped,
  tlsDataStores,
  tlsLoadBalancers,
  tlsMinimumVersion,
  workloadProbes,
};

/** Every rule of the pack. */
export const rules: (ResourceValidationPolicy | StackValidationPolicy)[] = [
  kubernetesContainerResources,
  kubernetesUniqueObjects,
  nodeCapacity,
  dockerContainerLimits,
  pinnedImageTags,
  restrictedSecurityContext,
  workloadProbes,
  tlsLoadBalancers,
  tlsDataStores,
  clusterEndpointAccess,
  gkeWebhooksReachable,
  credentialsFromSecrets,
  redisTls,
  dataStoreEncryptionAtRest,
  noPublicDatabases,
  databaseBackups,
  productionDataResilience,
  disasterRecoveryObjectives,
  redisSentinelQuorum,
  gatewayHttpsOnly,
  gatewayListenerCertificates,
  tlsMinimumVersion,
  edgeServiceTypes,
  routesRateLimited,
  meshMtlsStrict,
  namespaceDefaultDeny,
  servicesScraped,
  observabilityRetention,
  grafanaSecure,
  brokerTls,
  brokerQuorum,
  brokerPersistence,
];
