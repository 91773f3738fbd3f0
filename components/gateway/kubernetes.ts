/**
 * The Kubernetes backend of the Gateway: Traefik Proxy from its maintainers' chart serving the
 * Gateway API, cert-manager certificates for the HTTPS listeners, and Traefik middlewares on every
 * route.
 *
 * @see https://doc.traefik.io/traefik/reference/routing-configuration/kubernetes/gateway-api/
 * @see https://cert-manager.io/docs/usage/gateway/
 */
import { createHash } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { CertManager } from "../addons/cert-manager";
import type { KubernetesPlatform } from "../contract/platform";
import { parseImage } from "../shared/image";
import { restrictedContainerSecurityContext } from "../shared/security";
import { createIstioJwtPolicies } from "../mesh";
import type { GatewayEndpoints, GatewayIdentity } from "./types";
import { EDGE_LABEL, GATEWAY_API_GROUP as GATEWAY_API } from "../contract/labels";
import type { ResolvedGateway, ResolvedRoute } from "./spec";
import { routeMiddlewares, tlsOptions, traefikRelease, type TraefikMiddleware } from "./traefik";
import { acmeIssuerSpec, listenerIssuerName, route53Access } from "./acme";

export { acmeIssuerSpec, listenerIssuerName, route53SolverPolicy } from "./acme";

/** The name of the GatewayClass the chart creates, which the Gateway uses. */
export const GATEWAY_CLASS = "traefik";

/** The Helm release name; the chart names its Deployment, Service and ServiceAccount after it. */
export const TRAEFIK_RELEASE_NAME = "traefik";

/**
 * Who the mesh sees calling the backends: the chart's ServiceAccount (named after the release) in
 * the gateway's namespace. Known before the gateway exists, so the mesh's authorization policies
 * can be written first.
 *
 * @param namespace - the gateway's namespace (`GatewayArgs.namespace`).
 * @see https://kubernetes.io/docs/concepts/security/service-accounts/
 */
export function gatewayIdentity(namespace: string): GatewayIdentity {
  return { namespace, serviceAccount: TRAEFIK_RELEASE_NAME };
}

/**
 * Traefik's entryPoints: the container ports (the chart's defaults, unprivileged) and the Service
 * ports clients use. A Gateway listener's `port` must equal the entryPoint's container port.
 *
 * @see https://doc.traefik.io/traefik/reference/routing-configuration/kubernetes/gateway-api/#deploying-a-gateway
 */
export const TRAEFIK_ENTRYPOINTS = {
  web: { containerPort: 8000, servicePort: 80, nodePort: 30080 },
  websecure: { containerPort: 8443, servicePort: 443, nodePort: 30443 },
} as const;

/**
 * With Linkerd, the public entry points skip the gateway's own proxy, so Traefik sees the clients'
 * addresses (its per-client rate limit counts them) rather than the proxy's loopback address.
 * Istio's enrolment already leaves inbound traffic out of the sidecar.
 *
 * @see https://linkerd.io/2/features/protocol-detection/#marking-ports-as-opaque-or-skipped
 */
export function meshInboundBypass(spec: Pick<ResolvedGateway, "mesh">): Record<string, string> {
  const ports = `${TRAEFIK_ENTRYPOINTS.web.containerPort},${TRAEFIK_ENTRYPOINTS.websecure.containerPort}`;
  if (spec.mesh === "linkerd") return { "config.linkerd.io/skip-inbound-ports": ports };
  // Prometheus scrapes the metrics entryPoint in plain text: a PodMonitor cannot present Istio's
  // workload certificate (its TLS settings take Secrets, not the files Istio writes).
  return spec.mesh === "istio" ? { "traffic.sidecar.istio.io/excludeInboundPorts": String(TRAEFIK_METRICS_PORT) } : {};
}

/** The chart's `metrics` entryPoint port, which Prometheus scrapes. @see https://github.com/traefik/traefik-helm-chart/blob/v37.3.0/traefik/values.yaml */
export const TRAEFIK_METRICS_PORT = 9100;

/**
 * The listener name of a hostname's HTTPS listener, derived from the hostname alone
 * (`https-api-example-com`), so adding or removing another hostname never renames a listener, its
 * Certificate or its Secret (which would re-issue every certificate). Long hostnames are cut and
 * given a hash, to stay a DNS label.
 *
 * @see https://gateway-api.sigs.k8s.io/reference/spec/#listener
 */
export function httpsListenerName(_spec: Pick<ResolvedGateway, "hostnames">, hostname: string): string {
  // A wildcard (`*.example.com`) is named `wildcard-https-example-com`: `*` is not a name character,
  // and every other HTTPS listener starts with `https-`, so no hostname (`wildcard.example.com` is
  // `https-wildcard-example-com`) gets the same name.
  const wildcard = hostname.startsWith("*.");
  const prefix = wildcard ? "wildcard-https-" : "https-";
  const label = (wildcard ? hostname.slice(2) : hostname).replace(/\./g, "-");
  const budget = 56 - prefix.length;
  return label.length <= budget ? `${prefix}${label}` : `${prefix}${label.slice(0, budget - 10).replace(/-+$/, "")}-${createHash("sha256").update(hostname).digest("hex").slice(0, 8)}`;
}

/**
 * The Secret cert-manager writes a hostname's certificate to, which its listener references.
 *
 * @see https://cert-manager.io/docs/usage/gateway/
 */
export function certificateSecretName(name: string, spec: Pick<ResolvedGateway, "hostnames">, hostname: string): string {
  return `${name}-${httpsListenerName(spec, hostname)}-tls`;
}


/**
 * The Gateway's listeners: `http` on the `web` entryPoint, for the redirect route and ACME HTTP-01
 * challenges only (routes from the gateway's namespace: cert-manager creates its solver routes
 * next to the Certificates); one `https-<hostname with dashes>` per hostname on `websecure`, terminating TLS with that
 * hostname's certificate and accepting routes from the backends' namespaces only.
 *
 * @param routeNamespaces - the namespaces the routes live in (their backends' namespaces).
 * @see https://gateway-api.sigs.k8s.io/reference/spec/#listener
 */
export function gatewayListeners(name: string, spec: Pick<ResolvedGateway, "hostnames">, routeNamespaces: pulumi.Input<string[]>): Record<string, unknown>[] {
  return [
    { name: "http", protocol: "HTTP", port: TRAEFIK_ENTRYPOINTS.web.containerPort, allowedRoutes: { namespaces: { from: "Same" } } },
    ...spec.hostnames.map((hostname) => ({
      name: httpsListenerName(spec, hostname),
      protocol: "HTTPS",
      port: TRAEFIK_ENTRYPOINTS.websecure.containerPort,
      hostname,
      tls: { mode: "Terminate", certificateRefs: [{ kind: "Secret", name: certificateSecretName(name, spec, hostname) }] },
      allowedRoutes: {
        kinds: [{ group: GATEWAY_API, kind: "HTTPRoute" }],
        namespaces: { from: "Selector", selector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: routeNamespaces }] } },
      },
    })),
  ];
}

/**
 * The name of a Middleware: `<gateway>-<role>-<hash of its definition>`. Routes with the same policy
 * in one namespace share the object (Traefik still builds one middleware instance per router, so
 * each route keeps its own rate-limit buckets), and a changed policy is a new object that the route
 * switches to before the old one is deleted.
 *
 * @see https://doc.traefik.io/traefik/middlewares/overview/
 */
export function middlewareName(gateway: string, role: string, middleware: TraefikMiddleware): string {
  return `${gateway}-${role}-${createHash("sha256").update(JSON.stringify(middleware)).digest("hex").slice(0, 8)}`;
}

/**
 * One route's HTTPRoute spec: attached to its hostname's HTTPS listener, matching the path prefix,
 * running the route's Traefik middlewares (rate limit, security headers, body limit) through
 * `ExtensionRef` filters, and sending traffic to the backend Service in the route's own namespace.
 *
 * @see https://doc.traefik.io/traefik/reference/routing-configuration/kubernetes/gateway-api/#httproute
 */
export function httpRouteSpec(name: string, spec: Pick<ResolvedGateway, "hostnames" | "namespace" | "hsts" | "mesh">, route: ResolvedRoute): Record<string, unknown> {
  const middlewares = Object.entries(routeMiddlewares(route, spec)).map(([suffix, middleware]) => ({
    type: "ExtensionRef",
    extensionRef: { group: "traefik.io", kind: "Middleware", name: middlewareName(name, suffix, middleware) },
  }));
  // An Istio sidecar routes HTTP by Host: with the public hostname the gateway's sidecar would not
  // recognise the destination and send plain text, which STRICT mTLS refuses. So the Host becomes
  // the Service's cluster name. (Linkerd resolves the Service by its cluster IP instead.)
  const hostRewrite =
    spec.mesh === "istio" ? [{ type: "URLRewrite", urlRewrite: { hostname: pulumi.interpolate`${route.backend.serviceName}.${route.backend.namespace}.svc.cluster.local` } }] : [];
  return {
    parentRefs: [{ group: GATEWAY_API, kind: "Gateway", name, namespace: spec.namespace, sectionName: httpsListenerName(spec, route.hostname) }],
    hostnames: [route.hostname],
    rules: [
      {
        matches: [{ path: { type: "PathPrefix", value: route.pathPrefix } }],
        filters: [...middlewares, ...hostRewrite],
        backendRefs: [{ group: "", kind: "Service", name: route.backend.serviceName, port: route.backend.port }],
      },
    ],
  };
}

/**
 * The HTTP listener's only route: a 301 to the same URL on HTTPS. ACME HTTP-01 solver routes are
 * created by cert-manager and win by their exact path match.
 *
 * @see https://gateway-api.sigs.k8s.io/guides/http-redirect-rewrite/
 */
export function httpsRedirectRouteSpec(name: string, spec: Pick<ResolvedGateway, "namespace">): Record<string, unknown> {
  return {
    parentRefs: [{ group: GATEWAY_API, kind: "Gateway", name, namespace: spec.namespace, sectionName: "http" }],
    rules: [{ filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }] }],
  };
}

/**
 * How long Traefik waits for a request to be read and its response written, on the HTTPS
 * entryPoint: the longest route timeout. Traefik v3.6 does not implement the HTTPRoute
 * `timeouts.request` field (its Gateway API conformance report lists `HTTPRouteRequestTimeout` as
 * unsupported), so the per-route value becomes an entryPoint-wide bound.
 *
 * @returns a Go duration, such as `"30s"`.
 * @see https://doc.traefik.io/traefik/reference/install-configuration/entrypoints/#respondingtimeouts
 */
export function entryPointTimeout(spec: Pick<ResolvedGateway, "routes">, fallbackSeconds: number): string {
  return `${Math.max(fallbackSeconds, ...spec.routes.map((r) => r.policy.timeoutSeconds))}s`;
}

/**
 * The values of the Traefik chart (keys checked against the chart's `values.yaml` at 37.3.0):
 *
 * - the Gateway API provider on, with the chart's GatewayClass `traefik` but not its Gateway (the
 *   component writes its own); with a mesh, `nativeLBByDefault` so Traefik sends to the Service's
 *   ClusterIP, which the backend's sidecar-side routing (DestinationRule, VirtualService) expects;
 * - the Kubernetes CRD provider on, for the `Middleware`s and the `TLSOption`; Ingress off;
 * - the `web` (8000) and `websecure` (8443) entryPoints behind Service ports 80 and 443, with fixed
 *   node ports 30080/30443 when the Service is a NodePort, so a front load balancer can target them;
 * - the Service type and annotations of the platform, the edge label, and
 *   `externalTrafficPolicy: Local`, which keeps the client's source address for the rate limit;
 * - replicas, a PodDisruptionBudget from two replicas, requests/limits, spread across zones and
 *   nodes, the restricted securityContext, the pod annotations (mesh settings);
 * - Prometheus metrics on their own entryPoint (not exposed), JSON access logs, no dashboard, no
 *   version check; with `tracing`, a span per request to the OpenTelemetry collector (OTLP/gRPC).
 *
 * @see https://github.com/traefik/traefik-helm-chart/blob/v37.3.0/traefik/values.yaml
 */
export function traefikValues(spec: ResolvedGateway, platform: Pick<KubernetesPlatform, "ingress">): Record<string, unknown> {
  const image = parseImage(traefikRelease.image);
  const nodePort = platform.ingress.serviceType === "NodePort";
  const selector = { "app.kubernetes.io/name": "traefik", "app.kubernetes.io/instance": `${TRAEFIK_RELEASE_NAME}-${spec.namespace}` };
  const spread = (topologyKey: string) => ({ maxSkew: 1, topologyKey, whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } });
  const timeout = entryPointTimeout(spec, 30);
  const { runAsNonRoot: _, ...containerSecurityContext } = restrictedContainerSecurityContext();
  return {
    image: { registry: "docker.io", repository: image.repository, tag: image.tag },
    deployment: { replicas: spec.replicas, podAnnotations: { ...spec.podAnnotations, ...meshInboundBypass(spec) } },
    podDisruptionBudget: { enabled: spec.replicas >= 2, maxUnavailable: 1 },
    ingressClass: { enabled: false },
    gateway: { enabled: false },
    gatewayClass: { enabled: true, name: GATEWAY_CLASS },
    api: { dashboard: false },
    providers: {
      kubernetesCRD: { enabled: true, allowCrossNamespace: false },
      kubernetesIngress: { enabled: false },
      kubernetesGateway: { enabled: true, nativeLBByDefault: spec.mesh !== undefined },
    },
    ports: {
      web: { port: TRAEFIK_ENTRYPOINTS.web.containerPort, exposedPort: TRAEFIK_ENTRYPOINTS.web.servicePort, expose: { default: true }, ...(nodePort ? { nodePort: TRAEFIK_ENTRYPOINTS.web.nodePort } : {}) },
      websecure: {
        port: TRAEFIK_ENTRYPOINTS.websecure.containerPort,
        exposedPort: TRAEFIK_ENTRYPOINTS.websecure.servicePort,
        expose: { default: true },
        tls: { enabled: true },
        transport: { respondingTimeouts: { readTimeout: timeout, writeTimeout: timeout } },
        ...(nodePort ? { nodePort: TRAEFIK_ENTRYPOINTS.websecure.nodePort } : {}),
      },
    },
    service: {
      type: platform.ingress.serviceType,
      annotations: { ...platform.ingress.serviceAnnotations },
      labels: { [EDGE_LABEL]: "true" },
      spec: { externalTrafficPolicy: "Local" },
    },
    metrics: { prometheus: { entryPoint: "metrics" } },
    ...(spec.tracing
      ? { tracing: { serviceName: "gateway", sampleRate: spec.tracing.sampleRate ?? 1, otlp: { enabled: true, grpc: { enabled: true, endpoint: spec.tracing.otlpGrpcEndpoint, insecure: true } } } }
      : {}),
    logs: { general: { format: "json", level: "INFO" }, access: { enabled: true, format: "json" } },
    global: { checkNewVersion: false, sendAnonymousUsage: false },
    resources: spec.resources,
    topologySpreadConstraints: [spread("topology.kubernetes.io/zone"), spread("kubernetes.io/hostname")],
    // The chart's defaults (UID/GID 65532, read-only root filesystem, no capabilities) plus seccomp.
    podSecurityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: "RuntimeDefault" } },
    securityContext: containerSecurityContext,
  };
}

/**
 * Deploys the gateway into a Kubernetes cluster:
 *
 * - the namespace (restricted Pod Security Standard, plus `namespaceLabels`);
 * - Traefik's CRDs (`traefik-crds` chart, without Gateway API's: those come from
 *   `GatewayApiCrds` in `./crds`) and Traefik itself (chart, `skipCrds`), see {@link traefikValues};
 * - the ACME ClusterIssuer `<name>-acme` when `tls.issuer` is `acme` (otherwise the platform's CA
 *   issuer signs), one `Certificate` per hostname;
 * - the `Gateway` `<name>` ({@link gatewayListeners}), the HTTP→HTTPS redirect route, and per route
 *   its `Middleware`s and `HTTPRoute` in the backend's namespace;
 * - the `default` `TLSOption` (TLS 1.2 at least).
 *
 * Custom resources wait for the release that installs their CRDs: cert-manager's for issuers and
 * certificates, `traefik-crds` for middlewares and TLS options, Traefik's (which creates the
 * GatewayClass) for Gateway API objects. The Gateway API CRDs and the mesh's injector are the
 * caller's: they arrive in `spec.dependsOn` and the namespace and both releases wait for them.
 * With the Istio mesh, each route rewrites Host to the Service's cluster name (see
 * {@link httpRouteSpec}) and a route with `jwt` gets Istio's RequestAuthentication and
 * AuthorizationPolicy on its backend.
 *
 * @returns `address`: the load balancer's hostname or IP read from the chart's Service once the
 *   release is ready (`status.loadBalancer.ingress[0]`). Where there is none (a NodePort Service,
 *   or a preview before the Service exists) it is the Service's cluster DNS name,
 *   `traefik.<namespace>.svc.cluster.local`; with NodePort, clients reach any node on port 30443
 *   (`TRAEFIK_ENTRYPOINTS.websecure.nodePort`), usually through a front load balancer on 443.
 *   `httpsPort` is 443, `identity` the controller's namespace and ServiceAccount (`traefik`).
 * @see https://doc.traefik.io/traefik/reference/install-configuration/providers/kubernetes/kubernetes-gateway/
 */
export function deployGatewayToKubernetes(
  name: string,
  spec: ResolvedGateway,
  platform: KubernetesPlatform,
  certManager: CertManager,
  parent: pulumi.Resource,
): GatewayEndpoints {
  const provider = platform.provider;
  const first = [...(platform.cluster ? [platform.cluster] : []), ...spec.dependsOn];
  const namespace = new k8s.core.v1.Namespace(
    `${name}-namespace`,
    {
      metadata: {
        name: spec.namespace,
        labels: {
          ...spec.namespaceLabels,
          "pod-security.kubernetes.io/enforce": "restricted",
          "pod-security.kubernetes.io/enforce-version": "latest",
          "pod-security.kubernetes.io/warn": "restricted",
        },
      },
    },
    { parent, provider, dependsOn: first },
  );
  const crds = new k8s.helm.v3.Release(
    `${name}-traefik-crds`,
    {
      name: "traefik-crds",
      chart: traefikRelease.crdsChart.name,
      version: traefikRelease.crdsChart.version,
      repositoryOpts: { repo: traefikRelease.crdsChart.repo },
      namespace: namespace.metadata.name,
      atomic: true,
      values: { traefik: true, gatewayAPI: false, hub: false },
    },
    { parent, provider, dependsOn: first },
  );
  const release = new k8s.helm.v3.Release(
    `${name}-traefik`,
    {
      name: TRAEFIK_RELEASE_NAME,
      chart: traefikRelease.chart.name,
      version: traefikRelease.chart.version,
      repositoryOpts: { repo: traefikRelease.chart.repo },
      namespace: namespace.metadata.name,
      skipCrds: true,
      atomic: true,
      values: traefikValues(spec, platform),
    },
    { parent, provider, dependsOn: [crds, ...first] },
  );

  const afterCertManager = { parent, provider, dependsOn: [certManager.release] };
  const afterTraefikCrds = { parent, provider, dependsOn: [crds] };
  const afterTraefik = { parent, provider, dependsOn: [release] };
  const custom = (resourceName: string, apiVersion: string, kind: string, metadata: Record<string, unknown>, body: Record<string, unknown>, opts: pulumi.CustomResourceOptions) =>
    new k8s.apiextensions.CustomResource(resourceName, { apiVersion, kind, metadata, ...body }, opts);

  if (spec.tls.issuer === "acme") {
    const cloud = platform.cloud;
    // validateGateway allows dns01 on EKS only.
    const dns = spec.tls.acme?.solver === "dns01" && cloud?.kind === "aws" ? route53Access(name, spec.tls.acme.dnsZone!, cloud, platform, certManager, parent) : undefined;
    custom(`${name}-acme`, "cert-manager.io/v1", "ClusterIssuer", { name: `${name}-acme` }, { spec: acmeIssuerSpec(name, spec, dns) }, afterCertManager);
  }
  const issuer = listenerIssuerName(name, spec, certManager);
  for (const hostname of spec.hostnames) {
    const listener = httpsListenerName(spec, hostname);
    custom(
      `${name}-${listener}-certificate`,
      "cert-manager.io/v1",
      "Certificate",
      { name: `${name}-${listener}`, namespace: spec.namespace },
      {
        spec: {
          secretName: certificateSecretName(name, spec, hostname),
          dnsNames: [hostname],
          issuerRef: { group: "cert-manager.io", kind: "ClusterIssuer", name: issuer },
          privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
        },
      },
      { ...afterCertManager, dependsOn: [certManager.release, namespace] },
    );
  }

  const routeNamespaces = pulumi.all(spec.routes.map((r) => r.backend.namespace)).apply((namespaces) => [...new Set(namespaces)].sort());
  custom(`${name}-gateway`, `${GATEWAY_API}/v1`, "Gateway", { name, namespace: spec.namespace }, { spec: { gatewayClassName: GATEWAY_CLASS, listeners: gatewayListeners(name, spec, routeNamespaces) } }, afterTraefik);
  custom(`${name}-https-redirect`, `${GATEWAY_API}/v1`, "HTTPRoute", { name: `${name}-https-redirect`, namespace: spec.namespace }, { spec: httpsRedirectRouteSpec(name, spec) }, afterTraefik);
  custom(`${name}-tls-option`, "traefik.io/v1alpha1", "TLSOption", { name: "default", namespace: spec.namespace }, { spec: tlsOptions() }, afterTraefikCrds);

  // Middlewares are shared by the routes of a namespace that have the same policy: one object per
  // distinct definition, keyed by the namespace input (one Output for all of a stack's services).
  const created = new Map<pulumi.Input<string>, Map<string, pulumi.Resource>>();
  for (const route of spec.routes) {
    if (!created.has(route.backend.namespace)) created.set(route.backend.namespace, new Map());
    const inNamespace = created.get(route.backend.namespace)!;
    const namespaceIndex = [...created.keys()].indexOf(route.backend.namespace);
    const middlewares = Object.entries(routeMiddlewares(route, spec)).map(([suffix, middleware]) => {
      const middlewareObjectName = middlewareName(name, suffix, middleware);
      if (!inNamespace.has(middlewareObjectName)) {
        const resourceName = namespaceIndex === 0 ? middlewareObjectName : `${middlewareObjectName}-${namespaceIndex}`;
        inNamespace.set(middlewareObjectName, custom(resourceName, "traefik.io/v1alpha1", "Middleware", { name: middlewareObjectName, namespace: route.backend.namespace }, { spec: middleware }, afterTraefikCrds));
      }
      return inNamespace.get(middlewareObjectName)!;
    });
    custom(
      `${name}-${route.name}-route`,
      `${GATEWAY_API}/v1`,
      "HTTPRoute",
      { name: route.backend.httpRouteName ?? route.name, namespace: route.backend.namespace },
      { spec: httpRouteSpec(name, spec, route) },
      { ...afterTraefik, dependsOn: [release, ...middlewares] },
    );
    // Traefik Proxy has no JWT middleware: the backend's Istio sidecar verifies the token.
    const jwt = route.policy.jwt;
    if (jwt && spec.mesh === "istio" && route.backend.selector) {
      createIstioJwtPolicies(`${name}-${route.name}`, { name: route.name, namespace: route.backend.namespace, selector: route.backend.selector, pathPrefix: route.pathPrefix, jwt }, provider, parent, [...spec.dependsOn]);
    }
  }

  const serviceName = TRAEFIK_RELEASE_NAME;
  const service = k8s.core.v1.Service.get(`${name}-service`, pulumi.interpolate`${release.status.namespace}/${serviceName}`, { parent, provider, dependsOn: [release] });
  const address = service.status.apply((status) => {
    const ingress = status?.loadBalancer?.ingress?.[0];
    return ingress?.hostname || ingress?.ip || `${serviceName}.${spec.namespace}.svc.cluster.local`;
  });
  return { address, httpsPort: TRAEFIK_ENTRYPOINTS.websecure.servicePort, identity: gatewayIdentity(spec.namespace) };
}
