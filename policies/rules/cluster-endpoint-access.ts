import { validateResourceOfType, type ResourceValidationPolicy } from "@pulumi/policy";
import { aws, gcp } from "./resource-types";

/** CIDRs that mean "any address". */
const ANYWHERE = ["0.0.0.0/0", "::/0"];

/**
 * A managed Kubernetes control plane is not open to the internet, keeps its secrets encrypted,
 * and is audited. The API endpoint always speaks HTTPS; this rule limits who can reach it.
 *
 * - AWS EKS cluster: when `vpcConfig.endpointPublicAccess` is true (AWS's default),
 *   `vpcConfig.publicAccessCidrs` is set and contains neither `0.0.0.0/0` nor `::/0` (unset
 *   means `0.0.0.0/0`); `encryptionConfig.resources` includes `secrets`; and
 *   `enabledClusterLogTypes` includes `audit`.
 * - Google GKE cluster: `privateClusterConfig.enablePrivateNodes: true`;
 *   `masterAuthorizedNetworksConfig` is set, lists no `0.0.0.0/0` or `::/0`, and does not set
 *   `gcpPublicCidrsAccessEnabled: true` (any Google Cloud VM's address); and
 *   `databaseEncryption.state: "ENCRYPTED"` (application-layer secrets encryption).
 *
 * @severity critical
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html
 * @see https://docs.aws.amazon.com/eks/latest/userguide/enable-kms.html
 * @see https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html
 * @see https://cloud.google.com/kubernetes-engine/docs/concepts/network-isolation
 * @see https://cloud.google.com/kubernetes-engine/docs/how-to/authorized-networks
 * @see https://cloud.google.com/kubernetes-engine/docs/how-to/encrypting-secrets
 * @see https://github.com/pulumi/compliance-policies/tree/main/vendor-aws/aws/eks/Cluster
 */
export const clusterEndpointAccess: ResourceValidationPolicy = {
  name: "cluster-endpoint-access",
  description: "Managed Kubernetes API endpoints are not open to the internet, and clusters encrypt secrets and keep audit logs.",
  severity: "critical",
  enforcementLevel: "mandatory",
  validateResource: [
    validateResourceOfType(aws.eks.Cluster, (cluster, args, reportViolation) => {
      const label = `EKS cluster "${args.name}"`;
      const vpc = cluster.vpcConfig;
      if (vpc?.endpointPublicAccess !== false) {
        const cidrs = vpc?.publicAccessCidrs ?? [];
        if (cidrs.length === 0) {
          reportViolation(`${label} has a public API endpoint without vpcConfig.publicAccessCidrs, so any address can reach it; list the allowed CIDRs or set endpointPublicAccess: false.`);
        }
        for (const cidr of cidrs.filter((c) => ANYWHERE.includes(c.trim()))) {
          reportViolation(`${label} allows ${cidr} in vpcConfig.publicAccessCidrs, so any address can reach its API endpoint.`);
        }
      }
      if (!(cluster.encryptionConfig?.resources ?? []).includes("secrets")) {
        reportViolation(`${label} does not encrypt Kubernetes secrets with KMS; set encryptionConfig with resources ["secrets"].`);
      }
      if (!(cluster.enabledClusterLogTypes ?? []).includes("audit")) {
        reportViolation(`${label} does not enable the "audit" log type in enabledClusterLogTypes.`);
      }
    }),
    validateResourceOfType(gcp.container.Cluster, (cluster, args, reportViolation) => {
      const label = `GKE cluster "${args.name}"`;
      if (cluster.privateClusterConfig?.enablePrivateNodes !== true) {
        reportViolation(`${label} does not set privateClusterConfig.enablePrivateNodes: true, so its nodes have public IP addresses.`);
      }
      const authorized = cluster.masterAuthorizedNetworksConfig;
      if (!authorized) {
        reportViolation(`${label} has no masterAuthorizedNetworksConfig, so any address can reach its API endpoint.`);
      } else {
        for (const block of (authorized.cidrBlocks ?? []).filter((b) => ANYWHERE.includes(b.cidrBlock.trim()))) {
          reportViolation(`${label} allows ${block.cidrBlock} in masterAuthorizedNetworksConfig, so any address can reach its API endpoint.`);
        }
        if (authorized.gcpPublicCidrsAccessEnabled === true) {
          reportViolation(`${label} sets masterAuthorizedNetworksConfig.gcpPublicCidrsAccessEnabled: true, so any Google Cloud VM can reach its API endpoint.`);
        }
      }
      if (cluster.databaseEncryption?.state !== "ENCRYPTED") {
        reportViolation(`${label} does not set databaseEncryption.state: "ENCRYPTED", so its secrets are not encrypted with Cloud KMS.`);
      }
    }),
  ],
};
