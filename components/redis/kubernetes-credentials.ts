/**
 * The credentials of the in-cluster backend: the Secret with the AUTH password, the servers'
 * certificate from cert-manager, and the client certificates that bring the CA to each client
 * namespace.
 *
 * @see https://valkey.io/topics/encryption/
 * @see https://cert-manager.io/docs/usage/certificate/
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { RedisBackendContext } from "./types";
import { objectMeta, type ValkeyDeployment } from "./kubernetes-common";
import { valkeyKubernetesDefaults, valkeyLabels, valkeyNames } from "./valkey-config";

const d = valkeyKubernetesDefaults;

/** The cert-manager add-on, as the backend context carries it. */
type CertManagerAddon = NonNullable<RedisBackendContext["addons"]["certManager"]>;

/**
 * The certificate's DNS names: every server and Sentinel pod (wildcards under their headless
 * Services), the Sentinel Service and the client Service, in the short and long forms clients use,
 * and `localhost` for the probes.
 *
 * @param name - the component's name.
 * @param namespace - the namespace of the servers.
 * @see https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/
 */
export function certificateDnsNames(name: string, namespace: string): string[] {
  const n = valkeyNames(name);
  const suffixes = (host: string) => [`${host}.${namespace}.svc.${d.clusterDomain}`, `${host}.${namespace}.svc`];
  return [
    ...suffixes(`*.${n.headless}`),
    ...suffixes(`*.${n.sentinelHeadless}`),
    ...suffixes(n.sentinel),
    `${n.sentinel}.${namespace}`,
    ...suffixes(n.service),
    `${n.service}.${namespace}`,
    "localhost",
  ];
}

/**
 * The Secret whose key `password` is the AUTH password; the pods read it into their environment.
 *
 * @see https://valkey.io/topics/security/#authentication
 */
export function authSecret(deployment: ValkeyDeployment, password: pulumi.Output<string>): k8s.core.v1.Secret {
  const n = deployment.names;
  return new k8s.core.v1.Secret(
    n.auth,
    { metadata: objectMeta(deployment, n.auth, "server"), type: "Opaque", stringData: pulumi.secret(password.apply((password) => ({ password }))) },
    deployment.opts,
  );
}

/**
 * The servers' certificate (see {@link certificateDnsNames}), and a client certificate from the
 * same CA issuer in each client namespace, whose Secret `${name}-ca` brings clients the CA.
 *
 * @param certManager - the cert-manager add-on.
 * @throws Error when `certManager` is missing.
 * @see https://cert-manager.io/docs/usage/certificate/
 * @see https://valkey.io/topics/encryption/
 */
export function valkeyCertificates(deployment: ValkeyDeployment, certManager: CertManagerAddon | undefined): void {
  const { name, spec, names: n, opts } = deployment;
  if (!certManager) throw new Error(`RedisCluster "${name}": \`certManager\` is required in \`addons\` in-cluster with \`tls\``);
  new k8s.apiextensions.CustomResource(
    n.tls,
    {
      apiVersion: "cert-manager.io/v1",
      kind: "Certificate",
      metadata: objectMeta(deployment, n.tls, "server"),
      spec: {
        secretName: n.tls,
        issuerRef: { name: certManager.caIssuerName, kind: "ClusterIssuer", group: "cert-manager.io" },
        dnsNames: pulumi.output(spec.namespace).apply((namespace) => certificateDnsNames(name, namespace)),
        ipAddresses: ["127.0.0.1"],
        duration: d.certificate.duration,
        renewBefore: d.certificate.renewBefore,
        privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
        usages: ["server auth", "client auth", "digital signature"],
      },
    },
    { ...opts, dependsOn: [certManager.release] },
  );
  // Clients in other namespaces cannot read this namespace's Secrets. A client certificate from
  // the same CA issuer, in each client namespace, brings them the CA (`ca.crt`) to verify the
  // servers with (and a certificate, should `tls-auth-clients` ever be turned on).
  spec.clientNamespaces.forEach((clientNamespace, index) =>
    new k8s.apiextensions.CustomResource(
      `${name}-client-ca-${index}`,
      {
        apiVersion: "cert-manager.io/v1",
        kind: "Certificate",
        metadata: { name: `${name}-client`, namespace: clientNamespace, labels: valkeyLabels(name, "client", spec.labels) },
        spec: {
          secretName: `${name}-ca`,
          commonName: `${name}-client`,
          issuerRef: { name: certManager.caIssuerName, kind: "ClusterIssuer", group: "cert-manager.io" },
          duration: d.certificate.duration,
          renewBefore: d.certificate.renewBefore,
          privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
          usages: ["client auth", "digital signature"],
        },
      },
      { ...opts, dependsOn: [certManager.release] },
    ),
  );
}
