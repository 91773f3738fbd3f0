/**
 * The gateway's ACME issuer on Kubernetes: the ClusterIssuer's spec with its HTTP-01 (through the
 * Gateway) or DNS-01 (Route 53) solver, and the Route 53 access the DNS-01 solver needs.
 *
 * @see https://cert-manager.io/docs/configuration/acme/
 */
import type * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { CertManager } from "../addons/cert-manager";
import type { AwsCloud, KubernetesPlatform } from "../contract/platform";
import { GATEWAY_API_GROUP as GATEWAY_API } from "../contract/labels";
import { irsaAssumeRolePolicy } from "../platform/identity/aws";
import type { ResolvedGateway } from "./spec";

/**
 * The ClusterIssuer that signs the listeners' certificates: the platform's internal CA for
 * `self-signed`, the gateway's own ACME issuer `<name>-acme` otherwise.
 *
 * @see https://cert-manager.io/docs/concepts/issuer/
 */
export function listenerIssuerName(name: string, spec: Pick<ResolvedGateway, "tls">, certManager: Pick<CertManager, "caIssuerName">): string {
  return spec.tls.issuer === "acme" ? `${name}-acme` : certManager.caIssuerName;
}

/**
 * The ACME ClusterIssuer's spec: the account (email, directory, account key Secret) and one solver:
 * HTTP-01 through the Gateway's `http` listener (cert-manager creates a temporary HTTPRoute), or
 * DNS-01 through Route 53 (EKS, with a role assumed from a bound ServiceAccount token).
 *
 * @param dns - for DNS-01: the Route 53 solver's region, role and ServiceAccount.
 * @see https://cert-manager.io/docs/configuration/acme/http01/#configuring-the-http-01-gateway-api-solver
 * @see https://cert-manager.io/docs/configuration/acme/dns01/route53/
 */
export function acmeIssuerSpec(
  name: string,
  spec: Pick<ResolvedGateway, "tls" | "namespace">,
  dns?: { route53: { region: pulumi.Input<string>; roleArn: pulumi.Input<string>; serviceAccount: string } },
): Record<string, unknown> {
  const acme = spec.tls.acme!;
  const solver =
    acme.solver === "http01"
      ? {
          http01: {
            gatewayHTTPRoute: {
              parentRefs: [{ group: GATEWAY_API, kind: "Gateway", name, namespace: spec.namespace, sectionName: "http" }],
              // The solver's Service stays inside the cluster (the default is a NodePort), and its
              // pod stays out of the mesh: the ACME server's plain-HTTP request reaches it through
              // Traefik with the public Host, which a STRICT-mTLS sidecar would refuse.
              serviceType: "ClusterIP",
              podTemplate: { metadata: { labels: { "sidecar.istio.io/inject": "false" }, annotations: { "linkerd.io/inject": "disabled" } } },
            },
          },
        }
      : {
          dns01: {
            route53: {
              region: dns!.route53.region,
              hostedZoneID: acme.dnsZone,
              role: dns!.route53.roleArn,
              auth: { kubernetes: { serviceAccountRef: { name: dns!.route53.serviceAccount } } },
            },
          },
        };
  return { acme: { email: acme.email, server: acme.server, privateKeySecretRef: { name: `${name}-acme-account-key` }, solvers: [solver] } };
}

/**
 * The IAM policy of the Route 53 DNS-01 solver: read changes, and edit records in the one zone.
 * @see https://cert-manager.io/docs/configuration/acme/dns01/route53/#set-up-an-iam-policy
 */
export function route53SolverPolicy(hostedZoneId: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: "route53:GetChange", Resource: "arn:aws:route53:::change/*" },
      { Effect: "Allow", Action: ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets"], Resource: `arn:aws:route53:::hostedzone/${hostedZoneId}` },
      { Effect: "Allow", Action: "route53:ListHostedZonesByName", Resource: "*" },
    ],
  });
}

/**
 * Route 53 access for cert-manager's DNS-01 solver: a ServiceAccount in cert-manager's namespace
 * that cert-manager may mint tokens for, and an IAM role that trusts that ServiceAccount's tokens
 * (IRSA) and may edit the zone.
 */
export function route53Access(name: string, zone: string, cloud: AwsCloud, platform: KubernetesPlatform, certManager: CertManager, parent: pulumi.Resource) {
  // Loaded here so that only EKS programs load the AWS SDK.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const awsSdk = require("@pulumi/aws") as typeof aws;
  const serviceAccount = `${name}-acme-dns`;
  const k8sOpts = { parent, provider: platform.provider, dependsOn: [certManager.release] };
  new k8s.core.v1.ServiceAccount(`${name}-acme-dns`, { metadata: { name: serviceAccount, namespace: certManager.namespace }, automountServiceAccountToken: false }, k8sOpts);
  const role = new k8s.rbac.v1.Role(
    `${name}-acme-dns-token`,
    { metadata: { name: `${name}-acme-dns-token`, namespace: certManager.namespace }, rules: [{ apiGroups: [""], resources: ["serviceaccounts/token"], resourceNames: [serviceAccount], verbs: ["create"] }] },
    k8sOpts,
  );
  new k8s.rbac.v1.RoleBinding(
    `${name}-acme-dns-token`,
    {
      metadata: { name: `${name}-acme-dns-token`, namespace: certManager.namespace },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
      subjects: [{ kind: "ServiceAccount", name: "cert-manager", namespace: certManager.namespace }],
    },
    k8sOpts,
  );
  const awsOpts = { parent, provider: cloud.provider };
  const iamRole = new awsSdk.iam.Role(
    `${name}-acme-dns`,
    {
      description: `cert-manager DNS-01 solver of Gateway ${name} (Route 53 zone ${zone})`,
      assumeRolePolicy: pulumi.all([cloud.oidcProviderArn, cloud.oidcIssuerUrl]).apply(([arn, url]) => irsaAssumeRolePolicy(arn, url, certManager.namespace, serviceAccount)),
    },
    awsOpts,
  );
  new awsSdk.iam.RolePolicy(`${name}-acme-dns`, { role: iamRole.name, policy: route53SolverPolicy(zone) }, awsOpts);
  const region = awsSdk.getRegionOutput({}, awsOpts).region;
  return { route53: { region, roleArn: iamRole.arn, serviceAccount } };
}
