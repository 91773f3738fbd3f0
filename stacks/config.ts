/**
 * Stack configuration: one strict zod schema, parsed once before any resource exists. Nothing else
 * in the program reads `pulumi.Config`.
 *
 * Every problem is reported at once, each with its key path and a hint; unknown keys are errors,
 * so a misspelled key cannot be silently ignored.
 *
 * @see https://www.pulumi.com/docs/iac/concepts/config/
 * @see https://zod.dev/api
 */
import { z } from "zod";
import { DNS_LABEL, validateAppService, type ArgProblem } from "../components/app-service";
import { postgresDefaults, storageShrinkProblem, validatePostgres } from "../components/postgres/spec";
import { validateRedis } from "../components/redis/spec";
import { validateGateway, type GatewayArgs, type GatewayRouteArgs } from "../components/gateway/spec";
import { validateMesh, type MeshServiceArgs } from "../components/mesh/spec";
import { validateObservability, type ObservabilityStackArgs } from "../components/observability/spec";
import { validateMessageQueue, type MessageQueueArgs } from "../components/message-queue/spec";

/** The config namespace: the Pulumi project name. */
export const CONFIG_NAMESPACE = "platform";

/** Keys whose values must be set with `pulumi config set --secret`. */
export const SECRET_KEYS = ["kubeconfig"] as const;

const TARGETS = ["eks", "gke", "k3s", "docker"] as const;
const ENVIRONMENTS = ["dev", "staging", "prod"] as const;

const setHint = (key: string, example: string) => `set it with \`pulumi config set ${CONFIG_NAMESPACE}:${key} ${example}\``;

const enumOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, {
    error: (issue) => {
      const got = String(issue.input);
      const near = values.find((v) => v.toLowerCase() === got.toLowerCase());
      return `must be one of ${values.join(" | ")} (got "${got}")${near ? `; did you mean "${near}"?` : ""}`;
    },
  });

const cidr = z.string().regex(/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/, "must be an IPv4 CIDR block such as 10.0.0.0/16");
const wholeNumber = z.number().int("must be a whole number");
const positive = wholeNumber.min(1, "must be at least 1");
const k8sVersion = z.string().regex(/^1\.\d{2}$/, 'must be a Kubernetes minor version such as "1.34"');
const labels = z.record(z.string(), z.string());

/** The mesh's retry and circuit-breaker settings; semantic checks come from `validateMesh`. */
const retriesSchema = z
  .strictObject({ attempts: z.number().optional(), perTryTimeoutSeconds: z.number().optional(), retryOn: z.array(z.string()).optional() })
  .optional();
const circuitBreakerSchema = z
  .strictObject({
    maxConnections: z.number().optional(),
    maxPendingRequests: z.number().optional(),
    consecutive5xxErrors: z.number().optional(),
    intervalSeconds: z.number().optional(),
    baseEjectionTimeSeconds: z.number().optional(),
    maxEjectionPercent: z.number().optional(),
  })
  .optional();

/** One AppService in stack config. Semantic checks come from the component's own validation. */
const serviceSchema = z
  .strictObject({
    name: z.string().regex(DNS_LABEL, "must be a DNS-1035 label: lower case letters, digits and '-', starting with a letter"),
    image: z.string(),
    port: z.number(),
    replicas: z.number().optional(),
    autoscaling: z
      .strictObject({
        enabled: z.boolean().optional(),
        minReplicas: z.number().optional(),
        maxReplicas: z.number().optional(),
        targetCPUUtilizationPercentage: z.number().optional(),
      })
      .optional(),
    resources: z
      .strictObject({
        requests: z.strictObject({ cpu: z.string().optional(), memory: z.string().optional() }).optional(),
        limits: z.strictObject({ cpu: z.string().optional(), memory: z.string().optional() }).optional(),
      })
      .optional(),
    env: z.record(z.string(), z.string()).optional(),
    probes: z
      .strictObject({
        readinessPath: z.string().optional(),
        livenessPath: z.string().optional(),
        initialDelaySeconds: z.number().optional(),
        periodSeconds: z.number().optional(),
        timeoutSeconds: z.number().optional(),
      })
      .optional(),
    metrics: z.union([z.literal(false), z.strictObject({ path: z.string().optional(), port: z.number().optional() })]).optional(),
    servicePort: z.number().optional(),
    docker: z.strictObject({ hostPort: z.number().optional() }).optional(),
    mesh: z
      .strictObject({
        retries: retriesSchema,
        timeoutSeconds: z.number().optional(),
        circuitBreaker: circuitBreakerSchema,
        allowedCallers: z.array(z.string()).optional(),
      })
      .optional(),
    worker: z.boolean().optional(),
    canary: z
      .strictObject({
        image: z.string(),
        replicas: z.number().optional(),
        weights: z.strictObject({ stable: z.number(), canary: z.number() }),
      })
      .optional(),
  })
  .superRefine((service, ctx) => {
    for (const problem of validateAppService(service)) {
      ctx.addIssue({ code: "custom", path: [...problem.path], message: problem.message });
    }
  });

/** The demo service every stack deploys unless `services` says otherwise: podinfo, which serves `/healthz`, `/readyz` and `/metrics`. */
export const DEMO_SERVICE = {
  name: "podinfo",
  image: "ghcr.io/stefanprodan/podinfo:6.9.2",
  port: 9898,
  probes: { readinessPath: "/readyz", livenessPath: "/healthz" },
} as const;

const eksSchema = z.strictObject({
  region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, "must be an AWS region such as eu-west-1"),
  availabilityZoneCount: positive.optional(),
  vpcCidr: cidr.optional(),
  kubernetesVersion: k8sVersion.optional(),
  nodeGroups: z
    .array(
      z.strictObject({
        name: z.string().regex(DNS_LABEL, "must be a DNS-1035 label"),
        instanceTypes: z.array(z.string()).min(1).optional(),
        minSize: wholeNumber.min(0).optional(),
        maxSize: positive.optional(),
        desiredSize: wholeNumber.min(0).optional(),
        diskSizeGiB: positive.optional(),
        capacityType: enumOf(["ON_DEMAND", "SPOT"] as const).optional(),
        labels: labels.optional(),
      }),
    )
    .min(1)
    .optional(),
  endpointPublicAccessCidrs: z.array(cidr).optional(),
  clusterLogTypes: z.array(enumOf(["api", "audit", "authenticator", "controllerManager", "scheduler"] as const)).optional(),
  logRetentionDays: positive.optional(),
  tags: labels.optional(),
});

const gkeSchema = z.strictObject({
  project: z.string().regex(/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/, "must be a Google Cloud project ID"),
  region: z.string().regex(/^[a-z]+-[a-z]+\d+$/, "must be a Google Cloud region such as europe-west1"),
  releaseChannel: enumOf(["RAPID", "REGULAR", "STABLE"] as const).optional(),
  kubernetesVersion: k8sVersion.optional(),
  nodePools: z
    .array(
      z.strictObject({
        name: z.string().regex(DNS_LABEL, "must be a DNS-1035 label"),
        machineType: z.string().optional(),
        minNodesPerZone: wholeNumber.min(0).optional(),
        maxNodesPerZone: positive.optional(),
        diskSizeGiB: positive.optional(),
        spot: z.boolean().optional(),
        labels: labels.optional(),
      }),
    )
    .min(1)
    .optional(),
  subnetCidr: cidr.optional(),
  podsCidr: cidr.optional(),
  servicesCidr: cidr.optional(),
  masterIpv4CidrBlock: cidr.optional(),
  endpointPublicAccessCidrs: z.array(cidr).optional(),
  labels: labels.optional(),
});

const k3sSchema = z.strictObject({
  context: z.string().optional(),
  storageClass: z.string().optional(),
  ingressServiceType: enumOf(["LoadBalancer", "NodePort"] as const).optional(),
});

const dockerSchema = z.strictObject({
  host: z.string().regex(/^(unix|tcp|ssh|npipe):\/\//, "must be a Docker host URL such as unix:///var/run/docker.sock").optional(),
  networkName: z.string().optional(),
  publishAddress: z.string().optional(),
});

const quantities = z
  .strictObject({
    requests: z.strictObject({ cpu: z.string().optional(), memory: z.string().optional() }).optional(),
    limits: z.strictObject({ cpu: z.string().optional(), memory: z.string().optional() }).optional(),
  })
  .optional();
const mode = enumOf(["in-cluster", "managed"] as const).optional();
const hostPort = z.strictObject({ hostPort: z.number().optional() }).optional();

/** The `postgres` block: the PostgresCluster's arguments. Semantic checks come from `validatePostgres`. */
const postgresSchema = z.strictObject({
  enabled: z.boolean().optional(),
  mode,
  version: z.number().optional(),
  database: z.string().optional(),
  username: z.string().optional(),
  instances: z.number().optional(),
  storageGiB: z.number().optional(),
  resources: quantities,
  parameters: z.record(z.string(), z.string()).optional(),
  pooler: z
    .strictObject({
      enabled: z.boolean().optional(),
      instances: z.number().optional(),
      poolMode: enumOf(["session", "transaction"] as const).optional(),
      maxClientConnections: z.number().optional(),
      defaultPoolSize: z.number().optional(),
    })
    .optional(),
  backup: z
    .strictObject({
      enabled: z.boolean().optional(),
      schedule: z.string().optional(),
      retentionDays: z.number().optional(),
      bucket: z
        .strictObject({
          name: z.string().optional(),
          endpointUrl: z.string().optional(),
          region: z.string().optional(),
          credentialsSecret: z
            .strictObject({ name: z.string(), accessKeyIdKey: z.string().optional(), secretAccessKeyKey: z.string().optional() })
            .optional(),
          endpointCA: z.strictObject({ name: z.string(), key: z.string().optional() }).optional(),
        })
        .optional(),
    })
    .optional(),
  managed: z
    .strictObject({
      awsEngine: enumOf(["rds", "aurora"] as const).optional(),
      instanceClass: z.string().optional(),
      tier: z.string().optional(),
      highAvailability: z.boolean().optional(),
      insights: z.boolean().optional(),
    })
    .optional(),
  monitoring: z.boolean().optional(),
  docker: hostPort,
});

/** The `redis` block: the RedisCluster's arguments. Semantic checks come from `validateRedis`. */
const redisSchema = z.strictObject({
  enabled: z.boolean().optional(),
  mode,
  replicas: z.number().optional(),
  sentinel: z
    .strictObject({ enabled: z.boolean().optional(), replicas: z.number().optional(), quorum: z.number().optional(), masterName: z.string().optional() })
    .optional(),
  storageGiB: z.number().optional(),
  resources: quantities,
  maxMemoryFraction: z.number().optional(),
  tls: z.boolean().optional(),
  managed: z
    .strictObject({ nodeType: z.string().optional(), memorySizeGiB: z.number().optional(), snapshotRetentionDays: z.number().optional() })
    .optional(),
  docker: hostPort,
});

/** A route's traffic policy; semantic checks come from `validateGateway`. */
const trafficPolicyShape = {
  rateLimit: z.strictObject({ requests: z.number().optional(), periodSeconds: z.number().optional(), burst: z.number().optional() }).optional(),
  maxRequestBodyBytes: z.number().optional(),
  timeoutSeconds: z.number().optional(),
  cors: z
    .strictObject({
      allowOrigins: z.array(z.string()),
      allowMethods: z.array(z.string()).optional(),
      allowHeaders: z.array(z.string()).optional(),
      allowCredentials: z.boolean().optional(),
      maxAgeSeconds: z.number().optional(),
    })
    .optional(),
  jwt: z.strictObject({ issuer: z.string(), jwksUri: z.string(), audiences: z.array(z.string()).optional() }).optional(),
};

/** The `gateway` block: the Gateway's arguments, with routes naming services. */
const gatewaySchema = z.strictObject({
  enabled: z.boolean().optional(),
  tls: z
    .strictObject({
      issuer: enumOf(["acme", "self-signed"] as const).optional(),
      acme: z
        .strictObject({ email: z.string().optional(), server: z.string().optional(), solver: enumOf(["http01", "dns01"] as const).optional(), dnsZone: z.string().optional() })
        .optional(),
    })
    .optional(),
  hsts: z.strictObject({ maxAgeSeconds: z.number().optional(), includeSubDomains: z.boolean().optional(), preload: z.boolean().optional() }).optional(),
  defaults: z.strictObject(trafficPolicyShape).optional(),
  routes: z
    .array(z.strictObject({ service: z.string(), hostname: z.string(), pathPrefix: z.string().optional(), ...trafficPolicyShape }))
    .optional(),
  replicas: z.number().optional(),
  resources: quantities,
  docker: z.strictObject({ httpPort: z.number().optional(), httpsPort: z.number().optional() }).optional(),
});

/**
 * The `mesh` block. The provider is chosen by its settings block: `istio` (the default when
 * neither is present) or `linkerd`; both at once is an error.
 */
const meshSchema = z.strictObject({
  enabled: z.boolean().optional(),
  istio: z.strictObject({ replicas: z.number().optional() }).optional(),
  linkerd: z.strictObject({ replicas: z.number().optional() }).optional(),
  mtls: enumOf(["STRICT", "PERMISSIVE"] as const).optional(),
  defaults: z.strictObject({ retries: retriesSchema, timeoutSeconds: z.number().optional(), circuitBreaker: circuitBreakerSchema }).optional(),
});

/** The `messageQueue` block: the MessageQueue's arguments. Semantic checks come from `validateMessageQueue`. */
const messageQueueSchema = z.strictObject({
  enabled: z.boolean().optional(),
  broker: z.string().optional(),
  mode,
  replicas: z.number().optional(),
  storageGiB: z.number().optional(),
  resources: quantities,
  tls: z.boolean().optional(),
  queues: z
    .array(
      z.strictObject({
        name: z.string(),
        durable: z.boolean().optional(),
        deadLetter: z.string().optional(),
        maxLength: z.number().optional(),
        maxPriority: z.number().optional(),
      }),
    )
    .optional(),
  managed: z.strictObject({ instanceType: z.string().optional(), engineVersion: z.string().optional() }).optional(),
  docker: hostPort,
});

const threshold = z.strictObject({ warning: z.number().optional(), critical: z.number().optional() }).optional();

/**
 * The `observability` block: the ObservabilityStack's arguments. Receiver URLs and SMTP passwords
 * are secrets, so the whole block must be set with `--secret` when it has them. Semantic checks come
 * from `validateObservability`.
 */
const observabilitySchema = z.strictObject({
  enabled: z.boolean().optional(),
  retentionDays: z.number().optional(),
  storageGiB: z.number().optional(),
  logRetentionDays: z.number().optional(),
  logStorageGiB: z.number().optional(),
  receivers: z
    .array(
      z.strictObject({
        name: z.string(),
        kind: z.string(),
        url: z.string().optional(),
        channel: z.string().optional(),
        to: z.string().optional(),
        from: z.string().optional(),
        smarthost: z.string().optional(),
        smtpUsername: z.string().optional(),
        smtpPassword: z.string().optional(),
        severities: z.array(enumOf(["critical", "warning"] as const)).optional(),
      }),
    )
    .optional(),
  thresholds: z
    .strictObject({
      httpErrorRatePercent: threshold,
      latencyP99Seconds: threshold,
      databaseConnectionsPercent: threshold,
      cpuPercent: threshold,
      memoryPercent: threshold,
      replicationLagSeconds: threshold,
      backupAgeHours: threshold,
      certificateExpiryDays: threshold,
    })
    .optional(),
});

/** What the stack knows about what is already deployed, for checks such as "storage never shrinks". */
export interface DeployedState {
  /** The PostgresCluster's current storage, in GiB. */
  readonly postgresStorageGiB?: number;
}

/**
 * Which targets each settings block may appear with. The cloud blocks may sit side by side, so a
 * prod stack can switch between EKS and GKE with one key; on k3s or Docker they are mistakes.
 */
const BLOCK_TARGETS: Record<"eks" | "gke" | "k3s" | "docker", readonly string[]> = {
  eks: ["eks", "gke"],
  gke: ["eks", "gke"],
  k3s: ["k3s"],
  docker: ["docker"],
};

/** Namespaces the platform creates or installs into; the services' `namespace` must be another. */
const RESERVED_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease", "data", "gateway", "cert-manager", "istio-system", "linkerd", "linkerd-cni", "monitoring"];

/**
 * The mesh provider a `mesh` block selects, or `undefined` when the mesh is off.
 *
 * @see https://www.pulumi.com/docs/iac/concepts/config/#structured-configuration
 */
export function meshProvider(config: Pick<PlatformConfig, "target" | "mesh">): "istio" | "linkerd" | undefined {
  if (config.mesh?.enabled === false || (config.target === "docker" && config.mesh === undefined)) return undefined;
  return config.mesh?.linkerd && !config.mesh.istio ? "linkerd" : "istio";
}

/**
 * The edge's and the mesh's own checks, on the services the stack declares: routes and callers
 * must name declared services, the mesh is refused on Docker and a provider must be chosen once,
 * and each component's `validate…` runs with its problems mapped to config keys.
 */
function edgeProblems(
  config: z.infer<typeof configShape>,
  on: { readonly flavour: "eks" | "gke" | "k3s" | "docker"; readonly environment: "dev" | "staging" | "prod" },
): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  const services: readonly (z.infer<typeof serviceSchema> | undefined)[] = Array.isArray(config.services) ? config.services : [DEMO_SERVICE];
  const known = services.map((s) => s?.name).filter((n): n is string => typeof n === "string");
  if (config.namespace && RESERVED_NAMESPACES.includes(config.namespace)) {
    problems.push({ path: ["namespace"], message: `"${config.namespace}" is used by the platform itself (${RESERVED_NAMESPACES.join(", ")}); choose another` });
  }
  const mesh = config.mesh;
  if (mesh?.istio && mesh.linkerd) problems.push({ path: ["mesh"], message: "selects both istio and linkerd; keep one of `mesh.istio` or `mesh.linkerd`" });
  if (on.flavour === "docker" && mesh !== undefined && mesh.enabled !== false) {
    problems.push({ path: ["mesh", "enabled"], message: "a service mesh is not available on docker; remove `mesh` or set `mesh.enabled` to false" });
  }
  const provider = mesh?.istio && mesh.linkerd ? undefined : meshProvider({ target: on.flavour, mesh } as Pick<PlatformConfig, "target" | "mesh">);
  const platform = { environment: on.environment, flavour: on.flavour };
  if (meshSchema.optional().safeParse(mesh).success && provider) {
    const meshServices: MeshServiceArgs[] = [];
    const index: number[] = [];
    services.forEach((s, i) => {
      if (!s?.name) return;
      index.push(i);
      meshServices.push({ name: s.name, namespace: "apps", port: 80, selector: {}, ...s.mesh, canary: s.canary ? { weights: s.canary.weights } : undefined });
    });
    const settings = mesh?.[provider];
    for (const p of validateMesh({ platform, provider, mtls: mesh?.mtls, defaults: mesh?.defaults, replicas: settings?.replicas, services: meshServices })) {
      if (p.path[0] === "services") {
        const [, i, field, ...rest] = p.path;
        const where = field === "canary" ? ["canary", ...rest] : ["mesh", field, ...rest];
        problems.push({ path: ["services", index[i as number], ...where], message: p.message });
      } else if (p.path[0] === "replicas") problems.push({ path: ["mesh", provider, "replicas"], message: p.message });
      else problems.push({ path: ["mesh", ...p.path], message: p.message });
    }
  }
  services.forEach((s, i) => {
    if (s?.canary && !provider) problems.push({ path: ["services", i, "canary"], message: "needs the service mesh, which splits traffic by weight; enable `mesh` (Kubernetes targets) or remove `canary`" });
  });
  const messageQueue = config.messageQueue;
  if (messageQueue?.enabled !== false && messageQueueSchema.optional().safeParse(messageQueue).success) {
    const { enabled: _on, ...args } = messageQueue ?? {};
    for (const p of validateMessageQueue({ ...args, broker: args.broker as MessageQueueArgs["broker"] }, on)) problems.push({ path: ["messageQueue", ...p.path], message: p.message });
  }
  services.forEach((s, i) => {
    if (s?.worker && (config.gateway?.routes ?? []).some((r) => r.service === s.name)) {
      problems.push({ path: ["services", i, "worker"], message: `"${s.name}" is a worker: it consumes from the broker and serves no route; remove its gateway route or \`worker\`` });
    }
  });
  const observability = config.observability;
  if (observability && observability.enabled !== false && observabilitySchema.safeParse(observability).success) {
    const { enabled: _on, ...args } = observability;
    for (const p of validateObservability({ ...args, receivers: args.receivers as ObservabilityStackArgs["receivers"], platform })) {
      problems.push({ path: ["observability", ...p.path], message: p.message });
    }
  }
  const gateway = config.gateway;
  if (gateway && gateway.enabled !== false && gatewaySchema.safeParse(gateway).success) {
    const routes: GatewayRouteArgs[] = (gateway.routes ?? []).map((r) => {
      const { service, ...rest } = r;
      return { ...rest, name: service, backend: { serviceName: service, namespace: "apps", port: 80, selector: { "app.kubernetes.io/name": service } } };
    });
    (gateway.routes ?? []).forEach((r, i) => {
      if (!known.includes(r.service)) problems.push({ path: ["gateway", "routes", i, "service"], message: `"${r.service}" is not a declared service (declared: ${known.join(", ")})` });
    });
    const { enabled: _enabled, routes: _routes, ...args } = gateway;
    // The email stays optional in the schema so that its absence is reported with the ACME hint.
    for (const p of validateGateway({ ...args, tls: args.tls as GatewayArgs["tls"], routes, platform, mesh: provider })) {
      // A route is named after its service: a name problem is the config's `service` key.
      const path = p.path[0] === "routes" && p.path[2] === "name" ? ["routes", p.path[1], "service"] : p.path;
      const message = path !== p.path ? `${p.message}: one route per service (give a service one route with the shortest common path prefix)` : p.message;
      problems.push({ path: ["gateway", ...path], message });
    }
  }
  return problems;
}

/**
 * The stack config schema, in the `platform` namespace.
 *
 * @see README.md#configuration for every key with its default.
 */
const configShape = z.strictObject({
  target: enumOf(TARGETS),
  environment: enumOf(ENVIRONMENTS),
  protect: z.boolean().optional(),
  namespace: z.string().regex(DNS_LABEL, "must be a DNS-1035 label").optional(),
  eks: eksSchema.optional(),
  gke: gkeSchema.optional(),
  k3s: k3sSchema.optional(),
  docker: dockerSchema.optional(),
  kubeconfig: z.string().min(1, "must not be empty").optional(),
  services: z.array(serviceSchema).optional(),
  postgres: postgresSchema.optional(),
  redis: redisSchema.optional(),
  gateway: gatewaySchema.optional(),
  mesh: meshSchema.optional(),
  observability: observabilitySchema.optional(),
  messageQueue: messageQueueSchema.optional(),
});

/**
 * The stack config schema, in the `platform` namespace.
 *
 * @see README.md#configuration for every key with its default.
 */
export const configSchema = configShape
  .superRefine(
    (config, ctx) => {
      // Runs even when other fields failed, so every mistake is reported in one go.
      const target = config.target as string | undefined;
      if (!(TARGETS as readonly string[]).includes(target ?? "")) return;
      for (const [key, allowed] of Object.entries(BLOCK_TARGETS)) {
        if (!allowed.includes(target!) && (config as Record<string, unknown>)[key] !== undefined) {
          ctx.addIssue({ code: "custom", path: [key], message: `applies only to target ${allowed.join(" or ")} (target is ${target}); remove it with \`pulumi config rm ${CONFIG_NAMESPACE}:${key}\`` });
        }
      }
      if (target === "eks" && !config.eks) ctx.addIssue({ code: "custom", path: ["eks", "region"], message: `is required for target eks; ${setHint("eks.region", "eu-west-1 --path")}` });
      if (target === "gke" && !config.gke) ctx.addIssue({ code: "custom", path: ["gke", "project"], message: `is required for target gke; ${setHint("gke.project", "my-project --path")} and gke.region` });
      if (target === "k3s" && config.kubeconfig === undefined) {
        ctx.addIssue({ code: "custom", path: ["kubeconfig"], message: `is required for target k3s; set it with \`pulumi config set --secret ${CONFIG_NAMESPACE}:kubeconfig -- "$(cat k3s.yaml)"\`` });
      }
      if (target !== "k3s" && config.kubeconfig !== undefined) {
        ctx.addIssue({ code: "custom", path: ["kubeconfig"], message: `applies only to target k3s (target is ${target}); the cluster's own kubeconfig is generated` });
      }
      // The cloud platforms' own checks (zone counts in prod, open endpoints, overlapping ranges),
      // run here so that `pulumi up` stops before the first resource, not inside the program.
      // The SDK of a cloud loads only when that cloud is the target.
      /* eslint-disable @typescript-eslint/no-require-imports */
      const environment = config.environment;
      if (target === "eks" && config.eks && (ENVIRONMENTS as readonly string[]).includes(environment)) {
        const { validateEksClusterArgs } = require("../components/platform/eks") as typeof import("../components/platform/eks");
        for (const message of validateEksClusterArgs({ environment, ...config.eks })) ctx.addIssue({ code: "custom", path: ["eks"], message });
      }
      if (target === "gke" && config.gke && (ENVIRONMENTS as readonly string[]).includes(environment)) {
        const { validateGkeClusterArgs } = require("../components/platform/gke") as typeof import("../components/platform/gke");
        for (const message of validateGkeClusterArgs({ environment, ...config.gke })) ctx.addIssue({ code: "custom", path: ["gke"], message });
      }
      /* eslint-enable @typescript-eslint/no-require-imports */
      // The data tier's own checks, on the target they will run on (managed mode on docker, an
      // even Sentinel count, retention out of bounds, a k3s backup without an endpoint…).
      if ((ENVIRONMENTS as readonly string[]).includes(environment)) {
        const on = { flavour: target as "eks" | "gke" | "k3s" | "docker", environment };
        const report = (block: string, problems: ArgProblem[]) => problems.forEach((p) => ctx.addIssue({ code: "custom", path: [block, ...p.path], message: p.message }));
        if (config.postgres?.enabled !== false && postgresSchema.optional().safeParse(config.postgres).success) {
          report("postgres", validatePostgres(config.postgres ?? {}, on));
        }
        if (config.redis?.enabled !== false && redisSchema.optional().safeParse(config.redis).success) report("redis", validateRedis(config.redis ?? {}, on));
      }
      const names = new Set<string>();
      (Array.isArray(config.services) ? config.services : []).forEach((service, index) => {
        if (service?.name && names.has(service.name)) ctx.addIssue({ code: "custom", path: ["services", index, "name"], message: `"${service.name}" is declared twice` });
        names.add(service?.name);
      });
      if ((ENVIRONMENTS as readonly string[]).includes(environment) && (TARGETS as readonly string[]).includes(target ?? "")) {
        for (const issue of edgeProblems(config, { flavour: target as "eks" | "gke" | "k3s" | "docker", environment })) ctx.addIssue({ code: "custom", ...issue });
      }
    },
    { when: () => true } as object,
  );

/** The parsed, validated stack config. */
export type PlatformConfig = z.infer<typeof configSchema>;

/** One problem with the stack config. */
export interface ConfigIssue {
  /** The full key path, such as `platform:services[0].replicas`. */
  readonly key: string;
  readonly message: string;
}

/** The result of {@link parseConfig}. */
export type ConfigResult = { readonly ok: true; readonly config: PlatformConfig } | { readonly ok: false; readonly issues: ConfigIssue[] };

function keyPath(path: readonly PropertyKey[]): string {
  let key = CONFIG_NAMESPACE;
  path.forEach((part, i) => {
    if (typeof part === "number") key += `[${part}]`;
    else key += i === 0 ? `:${String(part)}` : `.${String(part)}`;
  });
  return key;
}

/** The closest known key to a misspelled one, by edit distance. */
function nearest(key: string, known: readonly string[]): string | undefined {
  const distance = (a: string, b: string) => {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
      let previous = row[0];
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const current = row[j];
        row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
        previous = current;
      }
    }
    return row[b.length];
  };
  const best = known.map((k) => ({ k, d: distance(key, k) })).sort((a, b) => a.d - b.d)[0];
  return best && best.d <= Math.max(2, Math.floor(key.length / 3)) ? best.k : undefined;
}

/** The keys the schema knows at a path, for "did you mean" hints. */
function knownKeysAt(path: readonly PropertyKey[]): string[] {
  const unwrap = (schema: z.ZodType): z.ZodType => (schema instanceof z.ZodOptional ? unwrap(schema.unwrap() as z.ZodType) : schema);
  let schema: z.ZodType = configSchema;
  for (const part of path) {
    schema = unwrap(schema);
    if (schema instanceof z.ZodArray && typeof part === "number") schema = schema.element as z.ZodType;
    else if (schema instanceof z.ZodObject && typeof part === "string" && part in schema.shape) schema = schema.shape[part] as z.ZodType;
    else return [];
  }
  schema = unwrap(schema);
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

/**
 * Validates raw stack config (keys without the namespace, values already decoded from the CLI's
 * strings).
 *
 * @param raw - the config object, e.g. `{ target: "docker", services: [...] }`.
 * @param secretKeys - the keys whose values were set as secrets.
 * @param deployed - what is known of the deployed stack (from `pulumi stack export`), if anything.
 * @returns the config, or every issue with its key path and a hint. Never throws.
 * @see https://www.pulumi.com/docs/iac/concepts/config/
 */
export function parseConfig(raw: Record<string, unknown>, secretKeys: readonly string[] = [], deployed: DeployedState = {}): ConfigResult {
  const issues: ConfigIssue[] = [];
  for (const key of SECRET_KEYS) {
    if (raw[key] !== undefined && !secretKeys.includes(key)) {
      issues.push({ key: keyPath([key]), message: `must be a secret; set it again with \`pulumi config set --secret ${CONFIG_NAMESPACE}:${key} …\`` });
    }
  }
  const receivers = (raw.observability as { receivers?: unknown } | undefined)?.receivers;
  if (Array.isArray(receivers) && !secretKeys.includes("observability")) {
    receivers.forEach((receiver: Record<string, unknown> | null, i) => {
      for (const field of ["url", "smtpPassword"]) {
        if (receiver?.[field] !== undefined) {
          issues.push({ key: keyPath(["observability", "receivers", i, field]), message: `must be a secret (webhook URLs carry tokens); set it with \`pulumi config set --secret --path '${CONFIG_NAMESPACE}:observability.receivers[${i}].${field}' …\`` });
        }
      }
    });
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      if (issue.code === "unrecognized_keys") {
        const known = knownKeysAt(issue.path);
        for (const key of issue.keys) {
          const guess = nearest(key, known);
          issues.push({ key: keyPath([...issue.path, key]), message: `is not a known setting${guess ? `; did you mean \`${guess}\`?` : ` (known: ${known.join(", ")})`}` });
        }
      } else if (issue.code === "invalid_type" && issue.input === undefined) {
        const key = issue.path.map(String).join(".");
        issues.push({ key: keyPath(issue.path), message: `is required; ${setHint(key, "<value>")}` });
      } else {
        issues.push({ key: keyPath(issue.path), message: issue.message });
      }
    }
  }
  const storage = (raw.postgres as { storageGiB?: unknown } | undefined)?.storageGiB ?? postgresDefaults.storageGiB;
  const shrink = typeof storage === "number" ? storageShrinkProblem(storage, deployed.postgresStorageGiB) : undefined;
  if (shrink) issues.push({ key: keyPath(["postgres", "storageGiB"]), message: shrink });
  if (issues.length > 0 || !result.success) return { ok: false, issues };
  return { ok: true, config: result.data };
}

/**
 * Decodes the CLI's string values: Pulumi passes every config value as a string, with objects and
 * arrays JSON-encoded. Plain strings stay strings.
 *
 * @see https://www.pulumi.com/docs/iac/concepts/config/#structured-configuration
 */
export function decodeConfigValue(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/**
 * Formats config issues for a person: one line per issue.
 *
 * @see https://www.pulumi.com/docs/iac/concepts/config/
 */
export function formatConfigIssues(issues: readonly ConfigIssue[]): string {
  const plural = issues.length === 1 ? "problem" : "problems";
  return [`Stack config has ${issues.length} ${plural}:`, ...issues.map((i) => `  - ${i.key}: ${i.message}`)].join("\n");
}
