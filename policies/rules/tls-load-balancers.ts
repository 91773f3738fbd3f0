import type * as awsSdk from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { validateResourceOfType, type ReportViolation, type ResourceValidation, type ResourceValidationPolicy } from "@pulumi/policy";
import { hostCovers, refOf } from "./known";
import { aws, k8s } from "./resource-types";

/** The rule's config. */
export interface TlsLoadBalancersConfig {
  /**
   * The lowest TLS version an AWS load balancer listener may accept, read from its SSL policy.
   * @default "1.2"
   */
  readonly minimumTlsVersion: "1.0" | "1.1" | "1.2" | "1.3";
  /**
   * Whether a Gateway API listener may use plain HTTP. Such a listener is expected to carry only
   * an HTTP→HTTPS redirect route, which is checked on the HTTPRoute, not here.
   * @default true
   */
  readonly allowHttpRedirectListeners: boolean;
}

/** What AWS applies to an HTTPS/TLS listener created through the API without `sslPolicy`. */
const AWS_DEFAULT_SSL_POLICY = "ELBSecurityPolicy-2016-08";

/**
 * The lowest TLS version an ELB security policy accepts, from its name:
 * `ELBSecurityPolicy-TLS13-1-2-2021-06` → 1.2, `ELBSecurityPolicy-TLS-1-1-2017-01` → 1.1,
 * `ELBSecurityPolicy-FS-1-2-Res-2020-10` → 1.2. The older names without a version
 * (`ELBSecurityPolicy-2016-08`, `-2015-05`, `-FS-2018-06`) all accept TLS 1.0.
 *
 * @see https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html
 */
function elbPolicyMinimumTls(policy: string): string {
  const match = /^ELBSecurityPolicy-(?:TLS13|TLS|FS)-1-([0-3])(?:-|$)/.exec(policy);
  return match ? `1.${match[1]}` : "1.0";
}

/** Compares two `major.minor` TLS versions. */
function tlsAtLeast(version: string, minimum: string): boolean {
  const [major, minor] = version.split(".").map(Number);
  const [minMajor, minMinor] = minimum.split(".").map(Number);
  return major > minMajor || (major === minMajor && minor >= minMinor);
}

type ListenerInputs = pulumi.Unwrap<awsSdk.lb.ListenerArgs>;

/** The protocols of an ELB listener that carry no encryption. */
const PLAINTEXT_ELB_PROTOCOLS = ["TCP", "UDP", "TCP_UDP", "TCP_QUIC"];

function checkElbListener(listener: ListenerInputs, name: string, minimum: string, reportViolation: ReportViolation): void {
  // ALB listeners default to HTTP. GENEVE (Gateway Load Balancer) has no protocol here and no TLS.
  const protocol = (listener.protocol ?? "HTTP").toUpperCase();
  const label = `Listener "${name}" (${protocol}${listener.port ? ` :${listener.port}` : ""})`;
  if (protocol === "HTTPS" || protocol === "TLS") {
    const policy = listener.sslPolicy;
    const version = elbPolicyMinimumTls(policy ?? AWS_DEFAULT_SSL_POLICY);
    if (!tlsAtLeast(version, minimum)) {
      reportViolation(
        policy
          ? `${label} uses SSL policy "${policy}", which accepts TLS ${version}; use a policy whose minimum is TLS ${minimum}, such as "ELBSecurityPolicy-TLS13-1-2-2021-06".`
          : `${label} sets no sslPolicy, so AWS applies "${AWS_DEFAULT_SSL_POLICY}", which accepts TLS ${version}; use a policy whose minimum is TLS ${minimum}.`,
      );
    }
  } else if (protocol === "HTTP") {
    const actions = listener.defaultActions ?? [];
    const redirects = actions.some((a) => a.type === "redirect" && a.redirect?.protocol?.toUpperCase() === "HTTPS");
    const forwards = actions.some((a) => a.type === "forward");
    if (!redirects || forwards) {
      reportViolation(`${label} serves plain HTTP; make its default action a redirect to HTTPS, or use HTTPS.`);
    }
  } else if (PLAINTEXT_ELB_PROTOCOLS.includes(protocol)) {
    reportViolation(`${label} is not encrypted; use TLS.`);
  }
}

/** The Gateway API kinds whose `spec.listeners` accept traffic. */
const GATEWAY_TYPES: Record<string, string> = {
  "kubernetes:gateway.networking.k8s.io/v1:Gateway": "Gateway",
  "kubernetes:gateway.networking.k8s.io/v1beta1:Gateway": "Gateway",
  "kubernetes:gateway.networking.k8s.io/v1:ListenerSet": "ListenerSet",
};

/** Gateway API listeners, read from the custom resource's `spec` (no typed class exists). */
const validateGatewayListeners: ResourceValidation = (args, reportViolation) => {
  const kind = GATEWAY_TYPES[args.type];
  if (!kind) return;
  const { allowHttpRedirectListeners } = args.getConfig<TlsLoadBalancersConfig>();
  const label = `${kind} "${refOf(args.props, args.name)}"`;
  for (const listener of (args.props.spec?.listeners ?? []) as { name: string; protocol: string; tls?: { mode?: string; certificateRefs?: unknown[] } }[]) {
    const where = `${label} listener "${listener.name}" (${listener.protocol})`;
    const terminates = (listener.tls?.mode ?? "Terminate") === "Terminate";
    if (listener.protocol === "HTTPS" || (listener.protocol === "TLS" && terminates)) {
      if ((listener.tls?.certificateRefs ?? []).length === 0) {
        reportViolation(`${where} has no tls.certificateRefs, so it has no certificate to terminate TLS with.`);
      }
    } else if (listener.protocol === "HTTP") {
      if (!allowHttpRedirectListeners) {
        reportViolation(`${where} serves plain HTTP, and allowHttpRedirectListeners is false.`);
      }
    } else if (listener.protocol === "TCP" || listener.protocol === "UDP") {
      reportViolation(`${where} is not encrypted; use HTTPS or TLS.`);
    }
  }
};

/**
 * Traffic that crosses a network to a load balancer is encrypted with TLS.
 *
 * - AWS `lb.Listener` and `alb.Listener`: HTTPS or TLS with an SSL policy whose minimum version is
 *   at least `minimumTlsVersion` (no `sslPolicy` means AWS's `ELBSecurityPolicy-2016-08`, TLS
 *   1.0); or HTTP whose default action redirects to HTTPS and forwards nothing; QUIC is accepted;
 *   TCP, UDP, TCP_UDP and TCP_QUIC are not.
 * - Kubernetes `networking.k8s.io/v1` Ingress: `spec.tls` exists and covers every rule host
 *   (exactly or with a `*.` wildcard of one label).
 * - Gateway API Gateway and ListenerSet: HTTPS listeners, and TLS listeners that terminate, have
 *   `tls.certificateRefs`; TLS passthrough is accepted; TCP and UDP listeners are not; HTTP
 *   listeners only when `allowHttpRedirectListeners` is true.
 *
 * @severity high
 *
 * @see https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html
 * @see https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-listeners.html#redirect-actions
 * @see https://kubernetes.io/docs/concepts/services-networking/ingress/#tls
 * @see https://gateway-api.sigs.k8s.io/guides/tls/
 * @see https://github.com/pulumi/compliance-policies/tree/main/vendor-aws/aws/alb/Listener
 */
export const tlsLoadBalancers: ResourceValidationPolicy = {
  name: "tls-load-balancers",
  description: "Load balancer listeners, Ingresses and Gateways accept traffic over TLS 1.2 or newer only.",
  severity: "high",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      minimumTlsVersion: { type: "string", enum: ["1.0", "1.1", "1.2", "1.3"], default: "1.2" },
      allowHttpRedirectListeners: { type: "boolean", default: true },
    },
  },
  validateResource: [
    validateResourceOfType(aws.lb.Listener, (listener, args, reportViolation) =>
      checkElbListener(listener, args.name, args.getConfig<TlsLoadBalancersConfig>().minimumTlsVersion, reportViolation),
    ),
    validateResourceOfType(aws.alb.Listener, (listener, args, reportViolation) =>
      checkElbListener(listener, args.name, args.getConfig<TlsLoadBalancersConfig>().minimumTlsVersion, reportViolation),
    ),
    validateResourceOfType(k8s.networking.v1.Ingress, (ingress, args, reportViolation) => {
      const label = `Ingress "${refOf(ingress, args.name)}"`;
      const tls = ingress.spec?.tls ?? [];
      if (tls.length === 0) {
        reportViolation(`${label} has no spec.tls, so it serves plain HTTP.`);
        return;
      }
      const tlsHosts = tls.flatMap((entry) => entry.hosts ?? []);
      for (const rule of ingress.spec?.rules ?? []) {
        if (rule.host && !tlsHosts.some((tlsHost) => hostCovers(tlsHost, rule.host!))) {
          reportViolation(`${label} serves host "${rule.host}" without TLS: no spec.tls entry lists it.`);
        }
      }
    }),
    validateGatewayListeners,
  ],
};
