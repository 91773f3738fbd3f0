import { validateResourceOfType, type ResourceValidationPolicy, type StackValidationPolicy } from "@pulumi/policy";
import { environmentConfigProperty, isProduction } from "./environment";
import { chartName, known, kubeObjects } from "./known";
import { k8s } from "./resource-types";

const PEER_AUTHENTICATION_TYPES = ["kubernetes:security.istio.io/v1:PeerAuthentication", "kubernetes:security.istio.io/v1beta1:PeerAuthentication"];

/** Istio's root namespace, where a PeerAuthentication without a selector applies to the whole mesh. */
const ISTIO_ROOT_NAMESPACE = "istio-system";

/** The PeerAuthentication modes that accept plaintext. */
const PLAINTEXT_MODES = ["PERMISSIVE", "DISABLE"];

/** Linkerd's default inbound policy when the chart's `proxy.defaultInboundPolicy` is unset. */
const LINKERD_DEFAULT_INBOUND_POLICY = "all-unauthenticated";

/** The Linkerd inbound policies that let clients without a mesh identity in (`audit` allows all and logs). */
const UNAUTHENTICATED_POLICIES = ["all-unauthenticated", "cluster-unauthenticated", "audit"];

/**
 * Production service-to-service traffic is mutually authenticated TLS only.
 *
 * Applies only when the stack is production (see `environment.ts`).
 *
 * - Istio `security.istio.io` PeerAuthentication (v1, v1beta1): neither `spec.mtls.mode` nor any
 *   `spec.portLevelMtls[port].mode` is `PERMISSIVE` or `DISABLE` (`UNSET` inherits, and is
 *   accepted below the mesh-wide policy).
 * - Stack check: when a Helm release of the `istiod` chart exists, a mesh-wide PeerAuthentication
 *   exists (in `istio-system`, without a `selector`, whatever its name; `default` by convention)
 *   with `spec.mtls.mode: STRICT`. Without one, Istio accepts plaintext (PERMISSIVE).
 * - Helm release of the `linkerd-control-plane` chart: `values.proxy.defaultInboundPolicy` is not
 *   `all-unauthenticated` (also the default when unset), `cluster-unauthenticated` or `audit`.
 *   Linkerd always encrypts meshed traffic; the policy decides whether unmeshed clients get in.
 *
 * @severity high
 *
 * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/
 * @see https://istio.io/latest/docs/tasks/security/authentication/mtls-migration/#lock-down-mutual-tls-for-the-entire-mesh
 * @see https://linkerd.io/2/reference/authorization-policy/#default-policies
 */
export const meshMtlsStrict: ResourceValidationPolicy & StackValidationPolicy = {
  name: "mesh-mtls-strict",
  description: "In production the mesh accepts mutually authenticated TLS only.",
  severity: "high",
  enforcementLevel: "mandatory",
  configSchema: { properties: { environment: environmentConfigProperty } },
  validateResource: [
    (args, reportViolation) => {
      if (!PEER_AUTHENTICATION_TYPES.includes(args.type) || !isProduction(args)) return;
      const label = `PeerAuthentication "${args.props.metadata?.namespace ?? "default"}/${args.props.metadata?.name ?? args.name}"`;
      const mode = args.props.spec?.mtls?.mode as string | undefined;
      if (mode && PLAINTEXT_MODES.includes(mode)) reportViolation(`${label} sets spec.mtls.mode ${mode}, which accepts plaintext; set STRICT.`);
      for (const [port, setting] of Object.entries((args.props.spec?.portLevelMtls ?? {}) as Record<string, { mode?: string }>)) {
        if (setting.mode && PLAINTEXT_MODES.includes(setting.mode)) {
          reportViolation(`${label} sets spec.portLevelMtls["${port}"].mode ${setting.mode}, which accepts plaintext on port ${port}; set STRICT.`);
        }
      }
    },
    validateResourceOfType(k8s.helm.v3.Release, (release, args, reportViolation) => {
      if (chartName(release.chart) !== "linkerd-control-plane" || !isProduction(args)) return;
      const policy = (release.values?.proxy?.defaultInboundPolicy as string | undefined) ?? LINKERD_DEFAULT_INBOUND_POLICY;
      if (UNAUTHENTICATED_POLICIES.includes(policy)) {
        reportViolation(
          `Helm release "${release.name ?? args.name}" (chart linkerd-control-plane) has proxy.defaultInboundPolicy "${policy}"${release.values?.proxy?.defaultInboundPolicy === undefined ? " (the default)" : ""}, which admits clients without a mesh identity; set "all-authenticated" or "cluster-authenticated".`,
        );
      }
    }),
  ],
  validateStack: (args, reportViolation) => {
    if (!isProduction(args)) return;
    const istiod = args.resources.find((r) => r.isType(k8s.helm.v3.Release) && chartName(known(() => String(r.props.chart)) ?? "") === "istiod");
    if (!istiod) return;
    const meshWide = kubeObjects(args.resources, PEER_AUTHENTICATION_TYPES, "PeerAuthentication").filter(
      (p) => p.namespace === ISTIO_ROOT_NAMESPACE && p.spec !== undefined && Object.keys(p.spec.selector?.matchLabels ?? {}).length === 0,
    );
    if (meshWide.length === 0) {
      reportViolation(
        `Helm release "${known(() => istiod.props.name as string | undefined) ?? istiod.name}" installs istiod, but no mesh-wide PeerAuthentication exists; create "${ISTIO_ROOT_NAMESPACE}/default" without a selector and with spec.mtls.mode STRICT.`,
        istiod.urn,
      );
    }
    for (const policy of meshWide) {
      const mode = policy.spec.mtls?.mode as string | undefined;
      // PERMISSIVE and DISABLE are reported by the resource check.
      if (mode !== "STRICT" && !PLAINTEXT_MODES.includes(mode ?? "")) {
        reportViolation(`${policy.label} is the mesh-wide policy but leaves spec.mtls.mode ${mode ?? "unset"}, which Istio treats as PERMISSIVE; set STRICT.`, policy.resource.urn);
      }
    }
  },
};
