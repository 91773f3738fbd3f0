import type * as pulumi from "@pulumi/pulumi";
import type { ArgProblem } from "../contract/problems";
import type { Environment, Platform, PlatformFacts } from "../contract/platform";

/**
 * The meshes the component can install.
 *
 * - `istio` (default): istiod with the Istio CNI node agent, sidecar mode.
 * - `linkerd`: the Linkerd control plane with the Linkerd CNI plugin.
 *
 * @see https://istio.io/latest/docs/
 * @see https://linkerd.io/2/overview/
 */
export type MeshProvider = "istio" | "linkerd";

/**
 * Mutual TLS between meshed workloads. `STRICT` refuses plain text; `PERMISSIVE` accepts both and
 * is refused in prod.
 * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/
 */
export type MtlsMode = (typeof MTLS_MODES)[number];

/** The mesh-wide mTLS modes. */
export const MTLS_MODES = ["STRICT", "PERMISSIVE"] as const;

/**
 * Retries of failed requests, with exponential backoff between attempts.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRetry
 */
export interface RetryArgs {
  /** Attempts after the first. `0` turns retries off. @default 2 */
  readonly attempts?: number;
  /** The timeout of each attempt, in seconds. @default 2 */
  readonly perTryTimeoutSeconds?: number;
  /** The conditions retried (Envoy `retry_on` values). @default ["5xx", "reset", "connect-failure", "refused-stream"] */
  readonly retryOn?: readonly string[];
}

/**
 * Circuit breaking: connection-pool limits and outlier detection, which ejects a pod from the
 * load-balancing pool after consecutive 5xx errors.
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#OutlierDetection
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#ConnectionPoolSettings
 */
export interface CircuitBreakerArgs {
  /** The most TCP connections to the service, per client proxy. @default 1024 */
  readonly maxConnections?: number;
  /** The most requests queued while waiting for a connection. @default 1024 */
  readonly maxPendingRequests?: number;
  /** Consecutive 5xx errors before a pod is ejected. @default 5 */
  readonly consecutive5xxErrors?: number;
  /** How often pods are checked, in seconds. @default 10 */
  readonly intervalSeconds?: number;
  /** The minimum ejection time, in seconds; it grows with each ejection. @default 30 */
  readonly baseEjectionTimeSeconds?: number;
  /** The most pods ejected at once, in percent. @default 50 */
  readonly maxEjectionPercent?: number;
}

/** The mesh's per-service traffic policy; every field has a safe default. */
export interface MeshTrafficPolicyArgs {
  /** @default 2 attempts, 2 s each, on 5xx/reset/connect-failure/refused-stream */
  readonly retries?: RetryArgs;
  /** The whole request's timeout, including retries, in seconds. @default 10 */
  readonly timeoutSeconds?: number;
  /** @default see {@link CircuitBreakerArgs} */
  readonly circuitBreaker?: CircuitBreakerArgs;
}

/**
 * A traffic split between the stable and the canary version of a service. The weights are
 * percentages and must sum to 100. The pods of each version carry the label
 * {@link TRACK_LABEL} = `stable` or `canary` (an {@link AppService} with `canary` set does this).
 */
export interface CanaryArgs {
  readonly weights: { readonly stable: number; readonly canary: number };
}

export { TRACK_LABEL } from "../contract/labels";

/** One service in the mesh, with its policy. */
export interface MeshServiceArgs extends MeshTrafficPolicyArgs {
  /** The Service's name; also its pods' ServiceAccount name. */
  readonly name: string;
  /** The Service's namespace. */
  readonly namespace: string;
  /** The Service's port. */
  readonly port: number;
  /** The labels that select the service's pods. */
  readonly selector: Readonly<Record<string, string>>;
  /** A canary split; off unless set. */
  readonly canary?: CanaryArgs;
  /**
   * Flagger drives the service's canary: the mesh then creates none of its routing (Istio
   * VirtualService and DestinationRule, Linkerd's HTTPRoute), which Flagger generates from the
   * policy {@link flaggerServicePolicy} hands the service's `Canary`; the authorization stays.
   * @default false
   */
  readonly progressive?: boolean;
  /**
   * Who may call the service besides the gateway: other services by name, in the same namespace.
   * @default []
   */
  readonly allowedCallers?: readonly string[];
  /**
   * Whether the gateway routes to the service: only then does the authorization admit the gateway
   * (the NetworkPolicies admit it to routed services only, and the two must agree).
   * @default true
   */
  readonly routed?: boolean;
}

/**
 * The arguments of a {@link ServiceMesh}.
 */
export interface ServiceMeshArgs {
  /** Where to deploy. On Docker the component creates nothing and says so in the plan. */
  readonly platform: Platform;
  /** @default "istio" */
  readonly provider?: MeshProvider;
  /** Mesh-wide mTLS. @default "STRICT" */
  readonly mtls?: MtlsMode;
  /** The policy every service gets unless it overrides a field. */
  readonly defaults?: MeshTrafficPolicyArgs;
  /** The services, with their policies. @default [] */
  readonly services?: readonly MeshServiceArgs[];
  /**
   * The gateway's namespace and ServiceAccount: an allowed caller of every service it routes to (`services[].routed`).
   * @default none: only `allowedCallers` reach the services
   */
  readonly gateway?: { readonly namespace: string; readonly serviceAccount: string };
  /**
   * Prometheus's namespace and ServiceAccount: admitted to every service (its scrapes of
   * `/metrics` would otherwise be refused by the authorization policies).
   * @default none
   */
  readonly metricsScraper?: { readonly namespace: string; readonly serviceAccount: string };
  /**
   * Istio: the OpenTelemetry collector (Service host and OTLP/gRPC port) every sidecar sends its
   * spans to, so traces cross the mesh. Linkerd needs its Jaeger extension instead.
   * @default none (no mesh tracing)
   * @see https://istio.io/latest/docs/tasks/observability/distributed-tracing/opentelemetry/
   */
  readonly tracing?: { readonly otlpService: string; readonly otlpPort: number };
  /** Control-plane replicas. @default 2 in prod (with a PodDisruptionBudget), 1 otherwise */
  readonly replicas?: number;
  /**
   * What the per-service objects must be created after: the services' Namespaces, and the Gateway
   * API CRDs (Linkerd's routes are HTTPRoutes). Children of a component do not inherit its
   * `dependsOn`, so it is passed here.
   * @default []
   */
  readonly dependsOn?: readonly pulumi.Resource[];
}

/** The settings of a ServiceMesh: its arguments without the platform the composition root hands it. */
export type ServiceMeshSettings = Omit<ServiceMeshArgs, "platform">;

/** Defaults of {@link ServiceMeshArgs}. */
export const meshDefaults = {
  provider: "istio" as MeshProvider,
  mtls: "STRICT" as MtlsMode,
  retries: { attempts: 2, perTryTimeoutSeconds: 2, retryOn: ["5xx", "reset", "connect-failure", "refused-stream"] },
  timeoutSeconds: 10,
  circuitBreaker: { maxConnections: 1024, maxPendingRequests: 1024, consecutive5xxErrors: 5, intervalSeconds: 10, baseEjectionTimeSeconds: 30, maxEjectionPercent: 50 },
} as const;

/** A service's policy with every default applied. */
export interface ResolvedMeshService {
  readonly name: string;
  readonly namespace: string;
  readonly port: number;
  readonly selector: Readonly<Record<string, string>>;
  readonly retries: { readonly attempts: number; readonly perTryTimeoutSeconds: number; readonly retryOn: readonly string[] };
  readonly timeoutSeconds: number;
  readonly circuitBreaker: Required<CircuitBreakerArgs>;
  readonly canary?: CanaryArgs;
  readonly progressive: boolean;
  readonly allowedCallers: readonly string[];
  readonly routed: boolean;
}

/** A {@link ServiceMeshArgs} with every default applied. */
export interface ResolvedMesh {
  readonly provider: MeshProvider;
  readonly environment: Environment;
  readonly mtls: MtlsMode;
  readonly services: readonly ResolvedMeshService[];
  readonly gateway?: { readonly namespace: string; readonly serviceAccount: string };
  readonly metricsScraper?: { readonly namespace: string; readonly serviceAccount: string };
  readonly tracing?: { readonly otlpService: string; readonly otlpPort: number };
  readonly replicas: number;
  readonly dependsOn: readonly pulumi.Resource[];
}

/**
 * Applies the defaults to a {@link ServiceMeshArgs}.
 * @see meshDefaults
 */
export function resolveMesh(args: ServiceMeshSettings, on: Pick<PlatformFacts, "environment">): ResolvedMesh {
  const d = meshDefaults;
  const environment = on.environment;
  return {
    provider: args.provider ?? d.provider,
    environment,
    mtls: args.mtls ?? d.mtls,
    services: (args.services ?? []).map((s) => ({
      name: s.name,
      namespace: s.namespace,
      port: s.port,
      selector: s.selector,
      retries: { ...d.retries, ...args.defaults?.retries, ...s.retries },
      timeoutSeconds: s.timeoutSeconds ?? args.defaults?.timeoutSeconds ?? d.timeoutSeconds,
      circuitBreaker: { ...d.circuitBreaker, ...args.defaults?.circuitBreaker, ...s.circuitBreaker },
      canary: s.canary,
      progressive: s.progressive ?? false,
      allowedCallers: s.allowedCallers ?? [],
      routed: s.routed ?? true,
    })),
    gateway: args.gateway,
    metricsScraper: args.metricsScraper,
    tracing: args.tracing,
    replicas: args.replicas ?? (environment === "prod" ? 2 : 1),
    dependsOn: args.dependsOn ?? [],
  };
}

function policyProblems(policy: MeshTrafficPolicyArgs | undefined, path: (string | number)[]): ArgProblem[] {
  const problems: ArgProblem[] = [];
  const add = (p: (string | number)[], message: string) => problems.push({ path: [...path, ...p], message });
  const atLeast = (n: unknown, min: number) => typeof n === "number" && Number.isInteger(n) && n >= min;
  const r = policy?.retries;
  if (r?.attempts !== undefined && !atLeast(r.attempts, 0)) add(["retries", "attempts"], `must be a whole number ≥ 0 (got ${r.attempts})`);
  if (r?.perTryTimeoutSeconds !== undefined && !(typeof r.perTryTimeoutSeconds === "number" && r.perTryTimeoutSeconds > 0)) add(["retries", "perTryTimeoutSeconds"], `must be a number of seconds > 0 (got ${r.perTryTimeoutSeconds})`);
  if (r?.retryOn !== undefined && r.retryOn.length === 0) add(["retries", "retryOn"], "must list at least one condition, or set `retries.attempts` to 0");
  if (policy?.timeoutSeconds !== undefined && !(typeof policy.timeoutSeconds === "number" && policy.timeoutSeconds > 0)) add(["timeoutSeconds"], `must be a number of seconds > 0 (got ${policy.timeoutSeconds})`);
  const cb = policy?.circuitBreaker;
  for (const key of ["maxConnections", "maxPendingRequests", "consecutive5xxErrors", "intervalSeconds", "baseEjectionTimeSeconds"] as const) {
    if (cb?.[key] !== undefined && !atLeast(cb[key], 1)) add(["circuitBreaker", key], `must be a whole number ≥ 1 (got ${cb[key]})`);
  }
  if (cb?.maxEjectionPercent !== undefined && !(atLeast(cb.maxEjectionPercent, 0) && cb.maxEjectionPercent <= 100)) add(["circuitBreaker", "maxEjectionPercent"], `must be a whole percentage from 0 to 100 (got ${cb.maxEjectionPercent})`);
  return problems;
}

/**
 * The problem with a canary split, if any: weights must be whole percentages that sum to 100.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRouteDestination
 */
export function canaryProblem(canary: CanaryArgs): string | undefined {
  const { stable, canary: weight } = canary.weights;
  const ok = (n: number) => Number.isInteger(n) && n >= 0 && n <= 100;
  if (!ok(stable) || !ok(weight)) return `must be whole percentages from 0 to 100 (got stable ${stable}, canary ${weight})`;
  if (stable + weight !== 100) return `must sum to 100 (stable ${stable} + canary ${weight} = ${stable + weight})`;
  return undefined;
}

/**
 * Finds every problem with a mesh's arguments, before any resource exists.
 *
 * @returns the problems, each with its field's path; empty when the arguments are usable.
 * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/
 */
export function validateMesh(args: ServiceMeshSettings, on: PlatformFacts): ArgProblem[] {
  const problems: ArgProblem[] = [];
  const add = (path: (string | number)[], message: string) => problems.push({ path, message });
  if (args.provider !== undefined && args.provider !== "istio" && args.provider !== "linkerd") add(["provider"], `must be istio or linkerd (got "${String(args.provider)}")`);
  if (args.mtls !== undefined && args.mtls !== "STRICT" && args.mtls !== "PERMISSIVE") add(["mtls"], `must be STRICT or PERMISSIVE (got "${String(args.mtls)}")`);
  if (args.mtls === "PERMISSIVE" && on.environment === "prod") add(["mtls"], "must be STRICT in prod: PERMISSIVE accepts plain-text traffic from outside the mesh");
  if (args.mtls === "PERMISSIVE" && (args.provider ?? meshDefaults.provider) === "linkerd") add(["mtls"], "cannot be PERMISSIVE with Linkerd, which always uses mTLS between meshed pods; remove it");
  if (args.replicas !== undefined && !(Number.isInteger(args.replicas) && args.replicas >= 1)) add(["replicas"], `must be a whole number ≥ 1 (got ${args.replicas})`);
  problems.push(...policyProblems(args.defaults, ["defaults"]));
  const names = new Set((args.services ?? []).map((s) => s.name));
  const seen = new Set<string>();
  (args.services ?? []).forEach((s, i) => {
    // Callers are named by service name, and children are named after it: it must be unique.
    if (seen.has(s.name)) add(["services", i, "name"], `"${s.name}" is declared twice`);
    seen.add(s.name);
    problems.push(...policyProblems(s, ["services", i]));
    if (s.canary && s.progressive) add(["services", i, "canary"], "cannot be combined with `progressive`: Flagger sets the weights; remove `canary`");
    if (s.canary) {
      const problem = canaryProblem(s.canary);
      if (problem) add(["services", i, "canary", "weights"], problem);
    }
    (s.allowedCallers ?? []).forEach((caller, j) => {
      if (!names.has(caller)) add(["services", i, "allowedCallers", j], `"${caller}" is not a service in the mesh (known: ${[...names].join(", ")})`);
    });
  });
  return problems;
}
