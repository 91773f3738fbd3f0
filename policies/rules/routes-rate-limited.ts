import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { environmentConfigProperty, isProduction } from "./environment";
import { HTTP_ROUTE_TYPES, gatewayParentRefs, isRedirectRouter, isRedirectRule, routerMiddlewares, validateTraefikDynamic, type RouteRule } from "./gateway";
import { kubeObjects, mayMatch } from "./known";

const MIDDLEWARE_TYPES = ["kubernetes:traefik.io/v1alpha1:Middleware"];

/** Whether a Traefik middleware spec rate-limits: `rateLimit.average` of at least 1. */
function rateLimits(spec: { rateLimit?: { average?: number } } | undefined): boolean {
  return Number(spec?.rateLimit?.average ?? 0) >= 1;
}

/** Docker: every router that is not a pure redirect uses a rate-limiting middleware. */
const validateDockerRateLimits = validateTraefikDynamic(({ label, dynamic }, reportViolation) => {
  for (const [name, router] of Object.entries(dynamic.routers)) {
    if (isRedirectRouter(router, dynamic) || routerMiddlewares(router, dynamic).some(([, m]) => rateLimits(m))) continue;
    reportViolation(`${label} router "${name}" uses no middleware with rateLimit.average of at least 1.`);
  }
});

/**
 * Every production route is rate limited per client.
 *
 * Applies only when the stack is production (see `environment.ts`).
 *
 * - Gateway API HTTPRoute attached to a Gateway (a parentRef of the default group and kind), a
 *   stack check with every Traefik Middleware: each rule that is not a pure redirect (see
 *   `gateway-https-only`) has an `ExtensionRef` filter to a `traefik.io` `Middleware` that exists in
 *   the route's namespace and whose `spec.rateLimit.average` is at least 1. A Middleware whose spec
 *   is not known yet counts as rate limiting; a route whose spec is not known yet is left to the
 *   check after the update. Filters on `backendRefs` are not read.
 * - The Traefik gateway container on Docker: every router that is not a pure redirect uses a
 *   middleware of the dynamic configuration with `rateLimit.average` of at least 1.
 *
 * @severity medium
 *
 * @see https://gateway-api.sigs.k8s.io/reference/spec/#localobjectreference
 * @see https://doc.traefik.io/traefik/reference/routing-configuration/kubernetes/gateway-api/
 * @see https://doc.traefik.io/traefik/middlewares/http/ratelimit/
 */
export const routesRateLimited: ResourceValidationPolicy & StackValidationPolicy = {
  name: "routes-rate-limited",
  description: "In production every route through the gateway has a per-client rate limit.",
  severity: "medium",
  enforcementLevel: "mandatory",
  configSchema: { properties: { environment: environmentConfigProperty } },
  validateResource: (args, reportViolation) => (isProduction(args) ? validateDockerRateLimits(args, reportViolation) : undefined),
  validateStack: (args, reportViolation) => {
    if (!isProduction(args)) return;
    const middlewares = kubeObjects(args.resources, MIDDLEWARE_TYPES, "Middleware");
    for (const route of kubeObjects(args.resources, HTTP_ROUTE_TYPES, "HTTPRoute")) {
      if (route.spec === undefined || gatewayParentRefs(route).length === 0) continue;
      ((route.spec.rules ?? []) as RouteRule[]).forEach((rule, i) => {
        if (isRedirectRule(rule)) return;
        const where = `${route.label} spec.rules[${i}]`;
        const refs = (rule.filters ?? [])
          .filter((f) => f.type === "ExtensionRef" && f.extensionRef?.group === "traefik.io" && f.extensionRef.kind === "Middleware")
          .map((f) => f.extensionRef!.name);
        if (refs.length === 0) {
          reportViolation(`${where} has no ExtensionRef filter to a traefik.io Middleware, so it is not rate limited.`, route.resource.urn);
          return;
        }
        const found = refs.map((name) => ({ name, middleware: middlewares.find((m) => mayMatch(m.name, name) && mayMatch(m.namespace, route.namespace)) }));
        if (found.some(({ middleware }) => middleware && (middleware.spec === undefined || rateLimits(middleware.spec)))) return;
        const listed = found.map(({ name, middleware }) => `"${name}"${middleware ? "" : " (not in the stack)"}`).join(", ");
        reportViolation(`${where} is not rate limited: none of its Middlewares (${listed}) in namespace "${route.namespace ?? "(not known yet)"}" has spec.rateLimit.average of at least 1.`, route.resource.urn);
      });
    }
  },
};
