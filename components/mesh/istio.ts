import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { Environment, KubernetesFlavour, KubernetesPlatform } from "../contract/platform";
import type { MeshEnrollment } from "./types";
import { TRACK_LABEL } from "../contract/labels";
import { type ResolvedMesh, type ResolvedMeshService } from "./spec";

/**
 * The pinned Istio charts (`base`, `cni`, `istiod`), all at one release. 1.30.3 matches the CRDs
 * the tests validate against (istio/api tag 1.30.3).
 * @see https://istio.io/latest/docs/setup/install/helm/
 * @see https://istio.io/latest/news/releases/1.30.x/announcing-1.30.3/
 */
export const istioChart = { repo: "https://istio-release.storage.googleapis.com/charts", version: "1.30.3" } as const;

/** The Istio root namespace: istiod runs here, and mesh-wide policies (PeerAuthentication) live here. */
export const ISTIO_ROOT_NAMESPACE = "istio-system";

/**
 * The namespace of the Istio CNI node agent. Istio recommends `kube-system` so the agent can use
 * the `system-node-critical` priority class (on GKE only namespaces with a ResourceQuota for it may).
 * @see https://istio.io/latest/docs/ambient/install/platform-prerequisites/#google-kubernetes-engine-gke
 */
export const ISTIO_CNI_NAMESPACE = "kube-system";

/** Settings of the Istio backend that have no argument. */
export const istioDefaults = {
  /**
   * The base interval between retries (Envoy backs off exponentially with jitter from it, up to 10×).
   * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRetry
   */
  retryBackoff: "100ms",
  /** Namespace label that turns on sidecar injection. @see https://istio.io/latest/docs/setup/additional-setup/sidecar-injection/ */
  injectionLabel: { "istio-injection": "enabled" },
} as const;

/**
 * `<name>.<namespace>.svc.cluster.local`.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/#services
 */
export function serviceHost(service: Pick<ResolvedMeshService, "name" | "namespace">): string {
  return `${service.name}.${service.namespace}.svc.cluster.local`;
}

/** A number of seconds as an Istio duration (`"2s"`, `"0.5s"`). */
const seconds = (n: number): string => `${n}s`;

/** A custom resource as a plain object. */
export interface IstioObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace: pulumi.Input<string> };
  readonly spec: Record<string, unknown>;
}

/**
 * Values for the `cni` chart: the node agent that sets up traffic redirection, so injected pods need
 * no `istio-init` container with NET_ADMIN/NET_RAW and meet the restricted Pod Security Standard.
 *
 * - k3s keeps CNI config and binaries in non-standard paths: set them (the chart's `platform-k3s`
 *   profile holds the same two values).
 * - GKE: `global.platform: gke` selects the chart's GKE profile.
 * - EKS: the chart defaults (`/opt/cni/bin`, `/etc/cni/net.d`) are right.
 *
 * @see https://istio.io/latest/docs/setup/additional-setup/cni/
 * @see https://istio.io/latest/docs/ambient/install/platform-prerequisites/
 * @see https://github.com/istio/istio/blob/master/manifests/helm-profiles/platform-k3s.yaml
 */
export function istioCniValues(flavour: KubernetesFlavour): Record<string, unknown> {
  const platform: Record<string, unknown> =
    flavour === "k3s"
      ? { cniConfDir: "/var/lib/rancher/k3s/agent/etc/cni/net.d", cniBinDir: "/var/lib/rancher/k3s/data/current/bin/" }
      : {};
  return {
    ...platform,
    global: { tag: istioChart.version, ...(flavour === "gke" ? { platform: "gke" } : {}) },
    seccompProfile: { type: "RuntimeDefault" },
    resources: { requests: { cpu: "100m", memory: "100Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
  };
}

/**
 * Values for the `istiod` chart.
 *
 * - `cni.enabled`: the injector leaves redirection to the CNI node agent (no `istio-init`).
 * - `replicas` fixed (no autoscaler), a PodDisruptionBudget (`minAvailable: 1`) only with two or
 *   more replicas — over one pod it would block every node drain — and pods spread across nodes.
 * - requests and limits for istiod and for every injected sidecar.
 * - `meshConfig.accessLogFile: /dev/stdout`; `outboundTrafficPolicy` keeps Istio's default.
 *
 * @param replicas - istiod replicas.
 * @param environment - sizes the requests.
 * @see https://github.com/istio/istio/blob/master/manifests/charts/istio-control/istio-discovery/values.yaml
 * @see https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/
 */
export function istiodValues(replicas: number, environment: Environment, tracing?: ResolvedMesh["tracing"]): Record<string, unknown> {
  const prod = environment === "prod";
  return {
    cni: { enabled: true },
    autoscaleEnabled: false,
    replicaCount: replicas,
    resources: prod
      ? { requests: { cpu: "500m", memory: "2Gi" }, limits: { cpu: "2", memory: "4Gi" } }
      : { requests: { cpu: "100m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } },
    seccompProfile: { type: "RuntimeDefault" },
    // The share (percent) of traces a sidecar starts itself (PILOT_TRACE_SAMPLING; the chart's default
    // is 1). Requests from the gateway carry Traefik's decision, which samples all of them (its
    // sampleRate defaults to 1): the mesh samples the traces it starts at the same rate.
    ...(tracing ? { traceSampling: 100 } : {}),
    topologySpreadConstraints:
      replicas >= 2 ? [{ maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { app: "istiod" } } }] : [],
    meshConfig: {
      accessLogFile: "/dev/stdout",
      // Every sidecar sends its spans to the platform's collector, so traces cross the mesh.
      ...(tracing
        ? { extensionProviders: [{ name: "otel-tracing", opentelemetry: { service: tracing.otlpService, port: tracing.otlpPort } }], defaultProviders: { tracing: ["otel-tracing"] } }
        : {}),
    },
    global: {
      tag: istioChart.version,
      defaultPodDisruptionBudget: { enabled: replicas >= 2 },
      proxy: { resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } } },
    },
  };
}

/**
 * The mesh-wide mTLS policy: `PeerAuthentication` `default` in the root namespace.
 * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/
 */
export function peerAuthentication(mtls: ResolvedMesh["mtls"]): IstioObject {
  return { apiVersion: "security.istio.io/v1", kind: "PeerAuthentication", metadata: { name: "default", namespace: ISTIO_ROOT_NAMESPACE }, spec: { mtls: { mode: mtls } } };
}

/**
 * A service's `DestinationRule`: Istio mTLS to it, connection-pool limits, outlier detection, and
 * with a canary the `stable`/`canary` subsets by {@link TRACK_LABEL}.
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/
 */
export function destinationRule(service: ResolvedMeshService): IstioObject {
  const cb = service.circuitBreaker;
  return {
    apiVersion: "networking.istio.io/v1",
    kind: "DestinationRule",
    metadata: { name: service.name, namespace: service.namespace },
    spec: {
      host: serviceHost(service),
      trafficPolicy: {
        tls: { mode: "ISTIO_MUTUAL" },
        connectionPool: { tcp: { maxConnections: cb.maxConnections }, http: { http1MaxPendingRequests: cb.maxPendingRequests } },
        outlierDetection: {
          consecutive5xxErrors: cb.consecutive5xxErrors,
          interval: seconds(cb.intervalSeconds),
          baseEjectionTime: seconds(cb.baseEjectionTimeSeconds),
          maxEjectionPercent: cb.maxEjectionPercent,
        },
      },
      ...(service.canary
        ? { subsets: (["stable", "canary"] as const).map((track) => ({ name: track, labels: { [TRACK_LABEL]: track } })) }
        : {}),
    },
  };
}

/**
 * A service's `VirtualService`: the request timeout, retries with backoff, and with a canary the
 * weighted split between the `stable` and `canary` subsets (weights sum to 100).
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/
 */
export function virtualService(service: ResolvedMeshService): IstioObject {
  const host = serviceHost(service);
  const r = service.retries;
  const retries = r.attempts === 0 ? { attempts: 0 } : { attempts: r.attempts, perTryTimeout: seconds(r.perTryTimeoutSeconds), retryOn: r.retryOn.join(","), backoff: istioDefaults.retryBackoff };
  const destination = (subset?: string) => ({ host, port: { number: service.port }, ...(subset ? { subset } : {}) });
  const route = service.canary
    ? [
        { destination: destination("stable"), weight: service.canary.weights.stable },
        { destination: destination("canary"), weight: service.canary.weights.canary },
      ]
    : [{ destination: destination() }];
  return {
    apiVersion: "networking.istio.io/v1",
    kind: "VirtualService",
    metadata: { name: service.name, namespace: service.namespace },
    spec: { hosts: [host], http: [{ name: "default", timeout: seconds(service.timeoutSeconds), retries, route }] },
  };
}

/**
 * The SPIFFE-style principal Istio gives a workload: `cluster.local/ns/<namespace>/sa/<account>`.
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source
 */
export function principal(namespace: string, serviceAccount: string): string {
  return `cluster.local/ns/${namespace}/sa/${serviceAccount}`;
}

/**
 * A service's `AuthorizationPolicy`: ALLOW only the gateway's ServiceAccount and the declared
 * callers (whose ServiceAccount is their service name). With neither, the policy has no rules, which
 * Istio reads as deny-all for the selected pods.
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/
 */
export function authorizationPolicy(service: ResolvedMeshService, gateway: ResolvedMesh["gateway"], metricsScraper?: ResolvedMesh["metricsScraper"]): IstioObject {
  const principals = [
    ...[gateway, metricsScraper].flatMap((identity) => (identity ? [principal(identity.namespace, identity.serviceAccount)] : [])),
    ...service.allowedCallers.map((caller) => principal(service.namespace, caller)),
  ];
  return {
    apiVersion: "security.istio.io/v1",
    kind: "AuthorizationPolicy",
    metadata: { name: service.name, namespace: service.namespace },
    spec: {
      selector: { matchLabels: { ...service.selector } },
      action: "ALLOW",
      ...(principals.length > 0 ? { rules: [{ from: [{ source: { principals } }] }] } : {}),
    },
  };
}

/**
 * How workloads join an Istio mesh: namespaces by the injection label, the gateway's pods with
 * their inbound traffic left out of the sidecar, and Jobs' pods with a native sidecar.
 *
 * Istio 1.30's `ENABLE_NATIVE_SIDECARS` defaults to `auto`: the injector makes the proxy a native
 * sidecar only when every node's kubelet is 1.33 or newer (`DetectNativeSidecar`), so a cluster
 * with one older node would get a classic sidecar that keeps a Job running forever. The pod
 * annotation `sidecar.istio.io/nativeSidecar: "true"` takes precedence over it (the injection
 * template reads it first). Kubernetes runs native sidecars from 1.29 (beta, on by default; GA in
 * 1.33); on an older cluster the init container would never finish.
 *
 * @see https://istio.io/latest/docs/setup/additional-setup/sidecar-injection/
 * @see https://github.com/istio/istio/blob/1.30.3/pkg/kube/inject/webhook.go (DetectNativeSidecar)
 * @see https://github.com/istio/istio/blob/1.30.3/manifests/charts/istio-control/istio-discovery/files/injection-template.yaml
 */
export function istioEnrollment(): Omit<MeshEnrollment, "ready"> {
  return {
    namespaceLabels: { ...istioDefaults.injectionLabel },
    namespaceAnnotations: {},
    gatewayPodAnnotations: { ...istioGatewayPodAnnotations },
    jobPodAnnotations: { "sidecar.istio.io/nativeSidecar": "true" },
  };
}

/**
 * Pod annotations for a third-party ingress controller (the gateway) in the mesh: it gets a sidecar,
 * so its calls to STRICT services carry its mesh identity, while inbound redirection is off
 * (`includeInboundPorts: ""`), so public traffic reaches the controller directly.
 * @see https://istio.io/latest/docs/reference/config/annotations/#SidecarTrafficIncludeInboundPorts
 * @see https://istio.io/latest/docs/reference/config/annotations/#SidecarInject
 */
export const istioGatewayPodAnnotations = {
  "sidecar.istio.io/inject": "true",
  "traffic.sidecar.istio.io/includeInboundPorts": "",
} as const;

/** The route a JWT policy protects: its backend's pods and path prefix. */
export interface IstioJwtRoute {
  /** The route's name; the policies are named `<name>-jwt`. */
  readonly name: string;
  /** The backend's namespace. */
  readonly namespace: pulumi.Input<string>;
  /** The labels of the backend's pods. */
  readonly selector: Readonly<Record<string, string>>;
  /** The protected path prefix (`/` protects everything). */
  readonly pathPrefix: string;
  readonly jwt: { readonly issuer: string; readonly jwksUri: string; readonly audiences?: readonly string[] };
}

/**
 * The Istio path patterns under a prefix: the prefix itself and everything below it.
 * Istio matches `*` at the end of a path as a prefix.
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Operation
 */
export function pathsUnder(prefix: string): string[] {
  const base = prefix.replace(/\/+$/, "");
  return base === "" ? ["/*"] : [base, `${base}/*`];
}

/**
 * The two objects that make the backend's sidecar verify JWTs on a route:
 *
 * - a `RequestAuthentication` that rejects a request carrying an invalid token (401) and strips the
 *   token before the request reaches the app (`forwardOriginalToken: false`);
 * - an `AuthorizationPolicy` DENY for requests without a valid token (`notRequestPrincipals: ["*"]`)
 *   under the route's path prefix (403).
 *
 * @returns `[RequestAuthentication, AuthorizationPolicy]`.
 * @see https://istio.io/latest/docs/tasks/security/authorization/authz-jwt/
 * @see https://istio.io/latest/docs/reference/config/security/request_authentication/
 */
export function istioJwtPolicies(route: IstioJwtRoute): [IstioObject, IstioObject] {
  const metadata = { name: `${route.name}-jwt`, namespace: route.namespace };
  const selector = { matchLabels: { ...route.selector } };
  const { issuer, jwksUri, audiences } = route.jwt;
  return [
    {
      apiVersion: "security.istio.io/v1",
      kind: "RequestAuthentication",
      metadata,
      spec: { selector, jwtRules: [{ issuer, jwksUri, ...(audiences?.length ? { audiences: [...audiences] } : {}), forwardOriginalToken: false }] },
    },
    {
      apiVersion: "security.istio.io/v1",
      kind: "AuthorizationPolicy",
      metadata,
      spec: { selector, action: "DENY", rules: [{ from: [{ source: { notRequestPrincipals: ["*"] } }], to: [{ operation: { paths: pathsUnder(route.pathPrefix) } }] }] },
    },
  ];
}

const customResource = (name: string, object: IstioObject, opts: pulumi.CustomResourceOptions) => new k8s.apiextensions.CustomResource(name, { ...object }, opts);

/**
 * Creates the {@link istioJwtPolicies} objects as custom resources named `${name}-jwt-authn` and
 * `${name}-jwt-authz`.
 *
 * @param dependsOn - the mesh's `ready` resources (the CRDs and istiod must exist first).
 * @see https://istio.io/latest/docs/tasks/security/authorization/authz-jwt/
 */
export function createIstioJwtPolicies(
  name: string,
  route: IstioJwtRoute,
  provider: k8s.Provider,
  parent: pulumi.Resource,
  dependsOn: readonly pulumi.Resource[],
): k8s.apiextensions.CustomResource[] {
  const [authn, authz] = istioJwtPolicies(route);
  const opts = { parent, provider, dependsOn: [...dependsOn] };
  return [customResource(`${name}-jwt-authn`, authn, opts), customResource(`${name}-jwt-authz`, authz, opts)];
}

/**
 * Installs Istio in sidecar mode with the CNI node agent, in order `base` (CRDs) → `cni` → `istiod`,
 * then mesh-wide STRICT/PERMISSIVE mTLS and per service a `DestinationRule`, a `VirtualService`
 * and an `AuthorizationPolicy`, each after istiod.
 *
 * Injected pods meet the restricted Pod Security Standard when their pod-level securityContext sets
 * `seccompProfile: RuntimeDefault` (AppService does): with the CNI agent there is no `istio-init`,
 * and `istio-validation`/`istio-proxy` run non-root with all capabilities dropped.
 *
 * @see https://istio.io/latest/docs/setup/install/helm/
 * @see https://istio.io/latest/docs/setup/additional-setup/pod-security-admission/
 */
export function deployIstio(name: string, spec: ResolvedMesh, platform: KubernetesPlatform, parent: pulumi.Resource): MeshEnrollment {
  const provider = platform.provider;
  const release = (role: string, chart: string, namespace: string, values: Record<string, unknown>, dependsOn: pulumi.Resource[]) =>
    new k8s.helm.v3.Release(
      `${name}-${role}`,
      { name: role === "base" ? "istio-base" : role === "cni" ? "istio-cni" : "istiod", chart, version: istioChart.version, repositoryOpts: { repo: istioChart.repo }, namespace, createNamespace: namespace === ISTIO_ROOT_NAMESPACE, atomic: true, values },
      { parent, provider, dependsOn },
    );
  const cluster = platform.cluster ? [platform.cluster] : [];
  const base = release("base", "base", ISTIO_ROOT_NAMESPACE, { defaultRevision: "default" }, cluster);
  const cni = release("cni", "cni", ISTIO_CNI_NAMESPACE, istioCniValues(platform.flavour), [base]);
  const istiod = release("istiod", "istiod", ISTIO_ROOT_NAMESPACE, istiodValues(spec.replicas, spec.environment, spec.tracing), [base, cni]);

  const opts = { parent, provider, dependsOn: [base, istiod, ...spec.dependsOn] };
  customResource(`${name}-peer-authentication`, peerAuthentication(spec.mtls), opts);
  for (const service of spec.services) {
    // Flagger writes a progressive service's VirtualService and DestinationRule (flaggerServicePolicy carries this policy).
    if (!service.progressive) {
      customResource(`${name}-${service.name}-destination-rule`, destinationRule(service), opts);
      customResource(`${name}-${service.name}-virtual-service`, virtualService(service), opts);
    }
    customResource(`${name}-${service.name}-authorization-policy`, authorizationPolicy(service, service.routed ? spec.gateway : undefined, spec.metricsScraper), opts);
  }
  return { ...istioEnrollment(), ready: [istiod, cni] };
}
