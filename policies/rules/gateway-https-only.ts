import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { GATEWAY_TYPES, HTTP_ROUTE_TYPES, gatewayParentRefs, isRedirectOnly, isRedirectRouter, listenerLabel, validateTraefikDynamic, type Listener } from "./gateway";
import { kubeObjects, mayMatch, type KubeObject } from "./known";

/** The listener protocols this pack accepts or leaves to `tls-load-balancers` (TCP, UDP, TLS). */
const NOT_PLAIN_HTTP = ["HTTPS", "TLS", "TCP", "UDP"];

/**
 * Whether an HTTPRoute attaches to a listener: a parentRef names the Gateway (its namespace
 * defaulting to the route's) and either names the listener in `sectionName` or has none, and names
 * no other `port`.
 *
 * @see https://gateway-api.sigs.k8s.io/reference/spec/#parentreference
 */
function attaches(route: KubeObject, gateway: KubeObject, listener: Listener): boolean {
  return gatewayParentRefs(route).some(
    (ref) =>
      mayMatch(ref.name, gateway.name) &&
      mayMatch(ref.namespace ?? route.namespace, gateway.namespace) &&
      (ref.sectionName === undefined || ref.sectionName === listener.name) &&
      (ref.port === undefined || ref.port === listener.port),
  );
}

/**
 * The gateway serves HTTPS only; plain HTTP answers with a redirect to HTTPS and nothing else.
 *
 * - Gateway API Gateway (v1, v1beta1), a stack check with every HTTPRoute: an `HTTP` listener has
 *   at least one HTTPRoute attached (a parentRef naming the Gateway, with `sectionName` the
 *   listener's name or none), and every attached route only redirects: it has rules, and each
 *   rule's filters are exactly one `RequestRedirect` with `scheme: https`. A listener of a protocol
 *   other than HTTP, HTTPS, TLS, TCP and UDP (an implementation-specific one) is a violation. TCP
 *   and UDP listeners are reported by `tls-load-balancers`, and TLS listeners are encrypted.
 * - The Traefik gateway container on Docker (labelled `app.kubernetes.io/component: gateway`), from
 *   its uploaded YAML: every router of the file provider either listens on the `websecure`
 *   entryPoint only, with TLS (`tls` on the router or `http.tls` on the entryPoint), or only
 *   redirects (every middleware a `redirectScheme` to `https`); the static configuration's `web`
 *   entryPoint redirects (`http.redirections.entryPoint`, scheme `https`) to `websecure` or to a
 *   port.
 *
 * When an HTTPRoute's spec is not known yet (during preview), the Gateway checks are left to the
 * check that runs after the update.
 *
 * @severity high
 *
 * @see https://gateway-api.sigs.k8s.io/guides/http-redirect-rewrite/#http-to-https-redirects
 * @see https://doc.traefik.io/traefik/reference/install-configuration/entrypoints/#redirection
 */
export const gatewayHttpsOnly: ResourceValidationPolicy & StackValidationPolicy = {
  name: "gateway-https-only",
  description: "Gateway listeners serve HTTPS; an HTTP listener only redirects to HTTPS.",
  severity: "high",
  enforcementLevel: "mandatory",
  validateResource: validateTraefikDynamic(({ label, static: staticConfig, dynamic }, reportViolation) => {
    const entryPoints = staticConfig.entryPoints ?? {};
    for (const [name, router] of Object.entries(dynamic.routers)) {
      const on = router.entryPoints ?? [];
      if (on.length > 0 && on.every((e) => e === "websecure")) {
        if (router.tls === undefined && entryPoints.websecure?.http?.tls === undefined) {
          reportViolation(`${label} router "${name}" has no tls, and the websecure entryPoint sets no http.tls, so it serves plain HTTP.`);
        }
      } else if (!isRedirectRouter(router, dynamic)) {
        const where = on.length > 0 ? `entryPoints ${on.map((e) => `"${e}"`).join(", ")}` : "every entryPoint (it sets none)";
        reportViolation(`${label} router "${name}" listens on ${where}, not only "websecure", and does more than redirect to HTTPS.`);
      }
    }
    const redirect = entryPoints.web?.http?.redirections?.entryPoint;
    if (entryPoints.web && !(redirect && (redirect.to === "websecure" || /^:\d+$/.test(String(redirect.to))) && (redirect.scheme ?? "https") === "https")) {
      reportViolation(`${label} static configuration's web entryPoint does not redirect to HTTPS; set http.redirections.entryPoint.to "websecure" with scheme "https".`);
    }
  }),
  validateStack: (args, reportViolation) => {
    const routes = kubeObjects(args.resources, HTTP_ROUTE_TYPES, "HTTPRoute");
    if (routes.some((r) => r.spec === undefined)) return;
    for (const gateway of kubeObjects(args.resources, GATEWAY_TYPES, "Gateway")) {
      for (const listener of (gateway.spec?.listeners ?? []) as Listener[]) {
        if (NOT_PLAIN_HTTP.includes(listener.protocol)) continue;
        const where = listenerLabel(gateway, listener);
        if (listener.protocol !== "HTTP") {
          reportViolation(`${where} is not HTTPS.`, gateway.resource.urn);
          continue;
        }
        const attached = routes.filter((route) => attaches(route, gateway, listener));
        if (attached.length === 0) {
          reportViolation(`${where} has no HTTPRoute attached, so it does not redirect to HTTPS; attach one whose every rule's only filter is a RequestRedirect with scheme "https".`, gateway.resource.urn);
        }
        for (const route of attached.filter((r) => !isRedirectOnly(r.spec))) {
          reportViolation(`${route.label} is attached to ${where} and does more than redirect to HTTPS; attach it to an HTTPS listener (sectionName).`, route.resource.urn);
        }
      }
    }
  },
};
