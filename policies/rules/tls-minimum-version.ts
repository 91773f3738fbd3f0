import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { GATEWAY_TYPES, validateTraefikDynamic } from "./gateway";
import { kubeObjects, mayMatch, refOf } from "./known";

const TLS_OPTION_TYPES = ["kubernetes:traefik.io/v1alpha1:TLSOption"];

/** The TLS versions, as Traefik names them, that a minimum may be. */
const MODERN_TLS_VERSIONS = ["VersionTLS12", "VersionTLS13"];

/**
 * The gateway accepts TLS 1.2 or newer only.
 *
 * - Traefik `traefik.io/v1alpha1` TLSOption: a `spec.minVersion` that is set is `VersionTLS12` or
 *   `VersionTLS13`.
 * - Stack check: when a Gateway with `gatewayClassName: traefik` exists, a TLSOption named
 *   `default` exists in its namespace and sets `minVersion` (explicitly, so the minimum does not
 *   depend on Traefik's default); and there is at most one TLSOption named `default`, since
 *   Traefik drops them all when there are several.
 * - The Traefik gateway container on Docker: the dynamic configuration's
 *   `tls.options.default.minVersion` is `VersionTLS12` or `VersionTLS13`, and no other TLS option
 *   sets a lower one.
 *
 * AWS load balancer SSL policies are checked by `tls-load-balancers`.
 *
 * @severity high
 *
 * @see https://doc.traefik.io/traefik/reference/routing-configuration/http/tls/tls-options/
 * @see https://doc.traefik.io/traefik/reference/routing-configuration/kubernetes/crd/tcp/tlsoption/
 */
export const tlsMinimumVersion: ResourceValidationPolicy & StackValidationPolicy = {
  name: "tls-minimum-version",
  description: "The gateway's TLS options accept TLS 1.2 or newer only.",
  severity: "high",
  enforcementLevel: "mandatory",
  validateResource: [
    (args, reportViolation) => {
      if (!TLS_OPTION_TYPES.includes(args.type)) return;
      const minVersion = args.props.spec?.minVersion as string | undefined;
      if (minVersion !== undefined && !MODERN_TLS_VERSIONS.includes(minVersion)) {
        reportViolation(`TLSOption "${refOf(args.props, args.name)}" sets minVersion "${minVersion}"; set "VersionTLS12" or "VersionTLS13".`);
      }
    },
    validateTraefikDynamic(({ label, dynamic }, reportViolation) => {
      const fallback = dynamic.tlsOptions.default?.minVersion;
      if (fallback === undefined) {
        reportViolation(`${label} sets no tls.options.default.minVersion in its dynamic configuration; set "VersionTLS12" or "VersionTLS13".`);
      }
      for (const [name, option] of Object.entries(dynamic.tlsOptions)) {
        if (option.minVersion !== undefined && !MODERN_TLS_VERSIONS.includes(option.minVersion)) {
          reportViolation(`${label} sets tls.options.${name}.minVersion "${option.minVersion}"; set "VersionTLS12" or "VersionTLS13".`);
        }
      }
    }),
  ],
  validateStack: (args, reportViolation) => {
    const defaults = kubeObjects(args.resources, TLS_OPTION_TYPES, "TLSOption").filter((o) => o.name === "default");
    if (defaults.length > 1) {
      for (const option of defaults) {
        reportViolation(`${option.label} is one of ${defaults.length} TLSOptions named "default"; Traefik drops them all when there is more than one.`, option.resource.urn);
      }
    }
    for (const gateway of kubeObjects(args.resources, GATEWAY_TYPES, "Gateway").filter((g) => g.spec?.gatewayClassName === "traefik")) {
      const option = defaults.find((o) => mayMatch(o.namespace, gateway.namespace));
      if (!option) {
        reportViolation(`${gateway.label} is served by Traefik, but no TLSOption "default" exists in its namespace; create one with minVersion "VersionTLS12" or "VersionTLS13".`, gateway.resource.urn);
      } else if (option.spec !== undefined && option.spec.minVersion === undefined) {
        reportViolation(`${option.label} sets no minVersion; set "VersionTLS12" or "VersionTLS13".`, option.resource.urn);
      }
    }
  },
};
