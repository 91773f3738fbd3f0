import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import type { KubernetesFlavour, KubernetesPlatform } from "../contract/platform";
import type { MeshEnrollment } from "./types";
import { CANARY_TRACKS, TRACK_LABEL } from "../contract/labels";
import { type MtlsMode, type ResolvedMesh, type ResolvedMeshService } from "./spec";

/**
 * The pinned Linkerd charts: one open-source edge release (`edge-26.9.1`) for all three. Since
 * `edge-24.3.1` an edge release's charts carry its date as their version (`edge-26.9.1` →
 * `2026.9.1`); stable releases are only published by vendors since February 2024.
 *
 * @see https://linkerd.io/releases/
 * @see https://github.com/linkerd/linkerd2/releases/tag/edge-26.9.1
 * @see https://linkerd.io/2024/03/12/linkerd-edge-release-roundup/ (chart version scheme)
 */
export const linkerdCharts = {
  repo: "https://helm.linkerd.io/edge",
  version: "2026.9.1",
  crds: "linkerd-crds",
  cni: "linkerd2-cni",
  controlPlane: "linkerd-control-plane",
} as const;

/** The control plane's namespace. */
export const LINKERD_NAMESPACE = "linkerd";
/** The CNI plugin's namespace (its DaemonSet writes to the host, so it is `privileged`). */
export const LINKERD_CNI_NAMESPACE = "linkerd-cni";
/**
 * The Secret the identity controller reads its issuer from when `identity.issuer.scheme` is
 * `kubernetes.io/tls` (keys `tls.crt`, `tls.key`, `ca.crt`).
 * @see https://linkerd.io/2-edge/tasks/automatically-rotating-control-plane-tls-credentials/
 */
export const IDENTITY_ISSUER_SECRET = "linkerd-identity-issuer";
/** The identity trust domain (the chart's `identityTrustDomain` defaults to the cluster domain). */
export const TRUST_DOMAIN = "cluster.local";

/**
 * The mTLS certificates Linkerd needs: a trust anchor (root CA) and an issuer (intermediate CA)
 * that signs every proxy's 24-hour certificate. Both ECDSA P-256, as Linkerd requires; subjects,
 * lifetimes and path lengths follow the `step` `root-ca` / `intermediate-ca` profiles the docs use.
 * The issuer is re-signed by `pulumi up` once it is within `earlyRenewalHours` of expiry.
 *
 * @see https://linkerd.io/2/tasks/generate-certificates/
 */
export const linkerdCertificates = {
  trustAnchor: { commonName: `root.linkerd.${TRUST_DOMAIN}`, validityHours: 87600, maxPathLength: 1 },
  issuer: { commonName: `identity.linkerd.${TRUST_DOMAIN}`, validityHours: 8760, earlyRenewalHours: 720, maxPathLength: 0 },
  allowedUses: ["cert_signing", "crl_signing"],
} as const;

/**
 * The mesh identity of a ServiceAccount, as `MeshTLSAuthentication.spec.identities` expects it.
 * @see https://linkerd.io/2-edge/reference/authorization-policy/#meshtlsauthentication
 */
export function linkerdIdentity(namespace: string, serviceAccount: string): string {
  return `${serviceAccount}.${namespace}.serviceaccount.identity.linkerd.${TRUST_DOMAIN}`;
}

/**
 * The cluster-wide `proxy.defaultInboundPolicy` for ports without a `Server`. Meshed pods always
 * talk mTLS to each other; `STRICT` also refuses plain text from unmeshed clients
 * (`all-authenticated`). Kubelet probes stay authorized either way.
 * @see https://linkerd.io/2-edge/reference/authorization-policy/#default-policies
 */
export function defaultInboundPolicy(mtls: MtlsMode): "all-authenticated" | "all-unauthenticated" {
  return mtls === "STRICT" ? "all-authenticated" : "all-unauthenticated";
}

/**
 * Where the CNI plugin installs its binary and chained config on each distribution: GKE's
 * Container-Optimized OS keeps CNI binaries in `/home/kubernetes/bin` (`/opt/cni` is read-only);
 * k3s keeps its CNI config under its data dir and, since v1.31, its binaries in a stable dir.
 *
 * @see https://github.com/linkerd/linkerd2/issues/2174 (GKE)
 * @see https://github.com/k3s-io/k3s/pull/10868 (k3s static CNI bin dir)
 */
export function cniHostPaths(flavour: KubernetesFlavour): { destCNINetDir: string; destCNIBinDir: string } {
  switch (flavour) {
    case "gke":
      return { destCNINetDir: "/etc/cni/net.d", destCNIBinDir: "/home/kubernetes/bin" };
    case "k3s":
      return { destCNINetDir: "/var/lib/rancher/k3s/agent/etc/cni/net.d", destCNIBinDir: "/var/lib/rancher/k3s/data/cni" };
    case "eks":
      return { destCNINetDir: "/etc/cni/net.d", destCNIBinDir: "/opt/cni/bin" };
  }
}

/** Linkerd's resource shape (`cpu`/`memory` × `request`/`limit`), as its charts take it. */
function linkerdResources(cpu: [string, string], memory: [string, string]) {
  return { cpu: { request: cpu[0], limit: cpu[1] }, memory: { request: memory[0], limit: memory[1] } };
}

/**
 * The Helm values of `linkerd2-cni`: the host paths of the distribution, and requests/limits.
 * @see https://github.com/linkerd/linkerd2/blob/main/charts/linkerd2-cni/values.yaml
 */
export function linkerdCniValues(flavour: KubernetesFlavour): Record<string, unknown> {
  return { ...cniHostPaths(flavour), privileged: false, resources: linkerdResources(["10m", "100m"], ["32Mi", "64Mi"]) };
}

/**
 * The Helm values of `linkerd-control-plane`.
 *
 * - `cniEnabled`: the CNI plugin rewires pod networking, so injected pods need no `NET_ADMIN`
 *   init container and meet the restricted Pod Security Standard.
 * - The issuer comes from the {@link IDENTITY_ISSUER_SECRET} Secret (`kubernetes.io/tls` scheme),
 *   so its private key never passes through Helm values; the chart writes the public trust anchor
 *   to the `linkerd-identity-trust-roots` ConfigMap.
 * - Two or more replicas get the chart's HA settings (`values-ha.yaml`): PodDisruptionBudgets,
 *   pod anti-affinity, one pod at a time on rollout, and a failing injector webhook that refuses
 *   to start pods unmeshed.
 * - Requests and limits on every control-plane container and on every injected proxy.
 *
 * @param spec - mTLS mode and control-plane replicas.
 * @param trustAnchorPem - the trust anchor certificate (public).
 * @see https://linkerd.io/2-edge/tasks/install-helm/
 * @see https://github.com/linkerd/linkerd2/blob/main/charts/linkerd-control-plane/values-ha.yaml
 */
export function linkerdControlPlaneValues(spec: Pick<ResolvedMesh, "mtls" | "replicas">, trustAnchorPem: pulumi.Input<string>): Record<string, unknown> {
  const ha = spec.replicas >= 2;
  const controller = linkerdResources(["100m", "1"], ["50Mi", "250Mi"]);
  return {
    cniEnabled: true,
    identityTrustAnchorsPEM: trustAnchorPem,
    identity: { externalCA: false, issuer: { scheme: "kubernetes.io/tls" } },
    controllerReplicas: spec.replicas,
    enablePodDisruptionBudget: ha,
    enablePodAntiAffinity: ha,
    ...(ha ? { controller: { podDisruptionBudget: { maxUnavailable: 1 } }, deploymentStrategy: { rollingUpdate: { maxUnavailable: 1, maxSurge: "25%" } } } : {}),
    webhookFailurePolicy: ha ? "Fail" : "Ignore",
    proxy: { defaultInboundPolicy: defaultInboundPolicy(spec.mtls), resources: linkerdResources(["50m", "1"], ["32Mi", "250Mi"]) },
    policyController: { resources: controller },
    destinationResources: controller,
    identityResources: linkerdResources(["100m", "1"], ["20Mi", "250Mi"]),
    proxyInjectorResources: controller,
    spValidatorResources: controller,
    heartbeatResources: controller,
  };
}

/** The HTTP conditions `retry.linkerd.io/http` understands: `5xx`, `gateway-error`, codes and code ranges. */
const LINKERD_HTTP_RETRY = /^(5xx|gateway-error|\d{3}(-\d{3})?)$/;

/**
 * Splits Envoy-style `retryOn` conditions into those Linkerd retries on (HTTP statuses) and those it
 * cannot express (`reset`, `connect-failure`, `refused-stream`…: connection-level failures that
 * Linkerd's load balancer handles without a retry policy).
 * @see https://linkerd.io/2-edge/reference/retries/
 */
export function linkerdRetryConditions(retryOn: readonly string[]): { http: string[]; unsupported: string[] } {
  return { http: retryOn.filter((c) => LINKERD_HTTP_RETRY.test(c)), unsupported: retryOn.filter((c) => !LINKERD_HTTP_RETRY.test(c)) };
}

/** A Linkerd duration (`2s`, `1500ms`) from seconds. */
function duration(seconds: number): string {
  return Number.isInteger(seconds) ? `${seconds}s` : `${Math.round(seconds * 1000)}ms`;
}

/**
 * The retry and timeout annotations of a service's `HTTPRoute`. Retries are left out entirely when
 * `attempts` is 0 or no condition is an HTTP status: Linkerd reads `retry.linkerd.io/limit: "0"` as
 * unset, not as off.
 * @see https://linkerd.io/2-edge/reference/retries/
 * @see https://linkerd.io/2-edge/reference/timeouts/
 */
export function linkerdRouteAnnotations(service: Pick<ResolvedMeshService, "retries" | "timeoutSeconds">): Record<string, string> {
  const http = linkerdRetryConditions(service.retries.retryOn).http;
  const retries: Record<string, string> =
    service.retries.attempts > 0 && http.length > 0
      ? {
          "retry.linkerd.io/http": http.join(","),
          "retry.linkerd.io/limit": String(service.retries.attempts),
          "retry.linkerd.io/timeout": duration(service.retries.perTryTimeoutSeconds),
        }
      : {};
  return { ...retries, "timeout.linkerd.io/request": duration(service.timeoutSeconds) };
}

/**
 * Linkerd's circuit breaker (consecutive failure accrual) as Service annotations:
 * `consecutive5xxErrors` trips it, `baseEjectionTimeSeconds` is the first penalty, and penalties
 * back off up to ten times that. Linkerd reads them only from the Service clients address, which
 * the AppService owns, so this backend does not apply them; the AppService's Service must carry
 * them. Connection-pool limits and `maxEjectionPercent` have no Linkerd equivalent.
 * @see https://linkerd.io/2-edge/reference/circuit-breaking/
 */
export function failureAccrualAnnotations(circuitBreaker: ResolvedMeshService["circuitBreaker"]): Record<string, string> {
  return {
    "balancer.linkerd.io/failure-accrual": "consecutive",
    "balancer.linkerd.io/failure-accrual-consecutive-max-failures": String(circuitBreaker.consecutive5xxErrors),
    "balancer.linkerd.io/failure-accrual-consecutive-min-penalty": duration(circuitBreaker.baseEjectionTimeSeconds),
    "balancer.linkerd.io/failure-accrual-consecutive-max-penalty": duration(circuitBreaker.baseEjectionTimeSeconds * 10),
  };
}

/**
 * The identities allowed to call a service: the gateway's, then each allowed caller's.
 *
 * @see https://linkerd.io/2-edge/reference/authorization-policy/#meshtlsauthentication
 */
export function allowedIdentities(service: Pick<ResolvedMeshService, "namespace" | "allowedCallers">, gateway?: ResolvedMesh["gateway"], metricsScraper?: ResolvedMesh["metricsScraper"]): string[] {
  return [
    ...[gateway, metricsScraper].flatMap((identity) => (identity ? [linkerdIdentity(identity.namespace, identity.serviceAccount)] : [])),
    ...service.allowedCallers.map((c) => linkerdIdentity(service.namespace, c)),
  ];
}

/** The Kubernetes objects of one service's policy, before they become resources. */
export interface LinkerdServiceObjects {
  /** `policy.linkerd.io/v1beta3` Server on the pods' `http` port; it denies whatever is not authorized. */
  readonly server: Record<string, any>;
  /** MeshTLSAuthentication + AuthorizationPolicy; absent when nobody may call (the Server denies all). */
  readonly authentication?: Record<string, any>;
  readonly authorization?: Record<string, any>;
  /** GAMMA HTTPRoute on the Service: retries, timeouts and the canary split. */
  readonly route: Record<string, any>;
  /** `<name>-stable` and `<name>-canary` Services, when the service has a canary. */
  readonly trackServices: Record<string, any>[];
}

/**
 * The Linkerd objects of one service: inbound authorization (only the gateway and declared callers,
 * by mTLS identity) and outbound policy (an HTTPRoute whose parent is the Service, with retries,
 * a timeout and, for a canary, weighted backends that select each track).
 *
 * @see https://linkerd.io/2-edge/reference/authorization-policy/
 * @see https://linkerd.io/2-edge/features/gateway-api/
 * @see https://linkerd.io/2-edge/tasks/configuring-dynamic-request-routing/
 */
export function linkerdServiceObjects(service: ResolvedMeshService, gateway?: ResolvedMesh["gateway"], metricsScraper?: ResolvedMesh["metricsScraper"]): LinkerdServiceObjects {
  const metadata = { name: service.name, namespace: service.namespace };
  const server = {
    apiVersion: "policy.linkerd.io/v1beta3",
    kind: "Server",
    metadata,
    spec: { podSelector: { matchLabels: { ...service.selector } }, port: "http", accessPolicy: "deny" },
  };
  const identities = allowedIdentities(service, gateway, metricsScraper);
  const authentication = identities.length > 0 ? { apiVersion: "policy.linkerd.io/v1alpha1", kind: "MeshTLSAuthentication", metadata, spec: { identities } } : undefined;
  const authorization = authentication && {
    apiVersion: "policy.linkerd.io/v1alpha1",
    kind: "AuthorizationPolicy",
    metadata,
    spec: {
      targetRef: { group: "policy.linkerd.io", kind: "Server", name: service.name },
      requiredAuthenticationRefs: [{ group: "policy.linkerd.io", kind: "MeshTLSAuthentication", name: service.name }],
    },
  };
  const tracks = service.canary ? CANARY_TRACKS : [];
  const trackServices = tracks.map((track) => ({
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: `${service.name}-${track}`, namespace: service.namespace, labels: { ...service.selector, [TRACK_LABEL]: track } },
    spec: { type: "ClusterIP", selector: { ...service.selector, [TRACK_LABEL]: track }, ports: [{ name: "http", port: service.port, targetPort: "http", protocol: "TCP" }] },
  }));
  const backendRefs = service.canary
    ? tracks.map((track) => ({ name: `${service.name}-${track}`, port: service.port, weight: service.canary!.weights[track] }))
    : [{ name: service.name, port: service.port }];
  const route = {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    // Named apart from the gateway's HTTPRoute for the same service, which lives in the same namespace.
    metadata: { ...metadata, name: `${service.name}-mesh`, annotations: linkerdRouteAnnotations(service) },
    spec: { parentRefs: [{ group: "", kind: "Service", name: service.name, port: service.port }], rules: [{ backendRefs }] },
  };
  return { server, authentication, authorization, route, trackServices };
}

/**
 * Installs Linkerd and the per-service policies:
 *
 * 1. the `linkerd` (restricted) and `linkerd-cni` (privileged) namespaces;
 * 2. a trust anchor and an issuer from @pulumi/tls, the issuer's key only in the
 *    {@link IDENTITY_ISSUER_SECRET} Secret;
 * 3. `linkerd-crds` (without Gateway API CRDs, installed separately) and `linkerd2-cni`, then
 *    `linkerd-control-plane` with `cniEnabled`;
 * 4. per service the objects of {@link linkerdServiceObjects}.
 *
 * @returns the namespace annotation that turns on injection, and the control plane to wait for.
 * @see https://linkerd.io/2-edge/tasks/install-helm/
 * @see https://linkerd.io/2-edge/features/cni/
 */
export function deployLinkerd(name: string, spec: ResolvedMesh, platform: KubernetesPlatform, parent: pulumi.Resource): MeshEnrollment {
  const provider = platform.provider;
  const opts = { parent, provider };

  const controlPlaneNamespace = new k8s.core.v1.Namespace(
    `${name}-linkerd-namespace`,
    {
      metadata: {
        name: LINKERD_NAMESPACE,
        annotations: { "linkerd.io/inject": "disabled" },
        labels: {
          "linkerd.io/is-control-plane": "true",
          "linkerd.io/control-plane-ns": LINKERD_NAMESPACE,
          "config.linkerd.io/admission-webhooks": "disabled",
          "pod-security.kubernetes.io/enforce": "restricted",
        },
      },
    },
    { ...opts, dependsOn: platform.cluster ? [platform.cluster] : [] },
  );
  const cniNamespace = new k8s.core.v1.Namespace(
    `${name}-linkerd-cni-namespace`,
    {
      metadata: {
        name: LINKERD_CNI_NAMESPACE,
        labels: { "linkerd.io/cni-resource": "true", "config.linkerd.io/admission-webhooks": "disabled", "pod-security.kubernetes.io/enforce": "privileged" },
      },
    },
    { ...opts, dependsOn: platform.cluster ? [platform.cluster] : [] },
  );

  const certs = linkerdCertificates;
  const anchorKey = new tls.PrivateKey(`${name}-trust-anchor-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent });
  const anchor = new tls.SelfSignedCert(
    `${name}-trust-anchor`,
    {
      privateKeyPem: anchorKey.privateKeyPem,
      subject: { commonName: certs.trustAnchor.commonName },
      validityPeriodHours: certs.trustAnchor.validityHours,
      isCaCertificate: true,
      maxPathLength: certs.trustAnchor.maxPathLength,
      allowedUses: [...certs.allowedUses],
    },
    { parent },
  );
  const issuerKey = new tls.PrivateKey(`${name}-issuer-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent });
  const issuerCsr = new tls.CertRequest(`${name}-issuer-csr`, { privateKeyPem: issuerKey.privateKeyPem, subject: { commonName: certs.issuer.commonName } }, { parent });
  const issuer = new tls.LocallySignedCert(
    `${name}-issuer`,
    {
      certRequestPem: issuerCsr.certRequestPem,
      caPrivateKeyPem: anchorKey.privateKeyPem,
      caCertPem: anchor.certPem,
      validityPeriodHours: certs.issuer.validityHours,
      earlyRenewalHours: certs.issuer.earlyRenewalHours,
      isCaCertificate: true,
      maxPathLength: certs.issuer.maxPathLength,
      allowedUses: [...certs.allowedUses],
    },
    { parent },
  );
  const issuerSecret = new k8s.core.v1.Secret(
    `${name}-identity-issuer`,
    {
      metadata: { name: IDENTITY_ISSUER_SECRET, namespace: LINKERD_NAMESPACE },
      type: "kubernetes.io/tls",
      stringData: pulumi.secret({ "tls.crt": issuer.certPem, "tls.key": issuerKey.privateKeyPem, "ca.crt": anchor.certPem }),
    },
    { ...opts, dependsOn: [controlPlaneNamespace] },
  );

  const release = (role: string, chart: string, namespace: k8s.core.v1.Namespace, values: Record<string, unknown>, dependsOn: pulumi.Resource[]) =>
    new k8s.helm.v3.Release(
      `${name}-${role}`,
      {
        name: role,
        chart,
        version: linkerdCharts.version,
        repositoryOpts: { repo: linkerdCharts.repo },
        namespace: namespace.metadata.name,
        createNamespace: false,
        atomic: true,
        values,
      },
      { ...opts, dependsOn },
    );
  const crds = release("linkerd-crds", linkerdCharts.crds, controlPlaneNamespace, { installGatewayAPI: false }, [controlPlaneNamespace]);
  const cni = release("linkerd-cni", linkerdCharts.cni, cniNamespace, linkerdCniValues(platform.flavour), [cniNamespace]);
  // Linkerd requires the Gateway API CRDs (in spec.dependsOn) before its control plane starts.
  const controlPlane = release("linkerd-control-plane", linkerdCharts.controlPlane, controlPlaneNamespace, linkerdControlPlaneValues(spec, anchor.certPem), [
    crds,
    cni,
    issuerSecret,
    ...spec.dependsOn,
  ]);

  for (const service of spec.services) {
    const objects = linkerdServiceObjects(service, service.routed ? spec.gateway : undefined, spec.metricsScraper);
    const prefix = `${name}-${service.namespace}-${service.name}`;
    const custom = (role: string, object: Record<string, any>, dependsOn: pulumi.Resource[]) =>
      new k8s.apiextensions.CustomResource(`${prefix}-${role}`, object as k8s.apiextensions.CustomResourceArgs, { ...opts, dependsOn });
    const after = [...spec.dependsOn];
    // The control plane's policy validator (a fail-closed admission webhook) checks these objects:
    // they are created after it runs, not only after their CRDs.
    const server = custom("server", objects.server, [crds, controlPlane, ...after]);
    if (objects.authentication && objects.authorization) {
      const authentication = custom("authn", objects.authentication, [crds, controlPlane, ...after]);
      custom("authz", objects.authorization, [crds, controlPlane, server, authentication, ...after]);
    }
    const backends = objects.trackServices.map(
      (object) => new k8s.core.v1.Service(`${name}-${service.namespace}-${object.metadata.name}`, { metadata: object.metadata, spec: object.spec }, { ...opts, dependsOn: after }),
    );
    // Flagger writes a progressive service's HTTPRoute (flaggerServicePolicy carries its annotations).
    if (!service.progressive) custom("route", objects.route, [controlPlane, ...backends, ...after]);
  }

  return { ...linkerdEnrollment(), ready: [controlPlane] };
}

/**
 * How workloads join a Linkerd mesh: namespaces by the inject annotation; the gateway in ingress
 * mode, whose public listeners accept unmeshed clients, which the cluster-wide all-authenticated
 * default would refuse; Jobs' pods with the proxy as a native sidecar.
 *
 * The control-plane chart's `proxy.nativeSidecar` is already `true` in the pinned edge releases;
 * the pod annotation `config.linkerd.io/proxy-enable-native-sidecar` (which replaced the
 * deprecated `config.alpha`/`config.beta` forms and takes precedence over them and the chart value)
 * keeps Jobs completing should the cluster-wide value be turned off.
 *
 * @see https://linkerd.io/2/tasks/using-ingress/
 * @see https://github.com/linkerd/linkerd2/blob/edge-26.8.3/pkg/inject/inject.go
 * @see https://github.com/linkerd/linkerd2/blob/edge-26.8.3/charts/linkerd-control-plane/values.yaml
 */
export function linkerdEnrollment(): Omit<MeshEnrollment, "ready"> {
  return {
    namespaceLabels: {},
    namespaceAnnotations: { "linkerd.io/inject": "enabled" },
    gatewayPodAnnotations: { "linkerd.io/inject": "ingress", "config.linkerd.io/default-inbound-policy": "all-unauthenticated" },
    jobPodAnnotations: { "config.linkerd.io/proxy-enable-native-sidecar": "true" },
  };
}
