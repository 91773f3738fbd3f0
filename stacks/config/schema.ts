/**
 * The stack config schema: one strict zod block per component, each mirroring the component's
 * settings (a compile-time check in `agreement.ts` fails the build when a block and its component
 * disagree on a key), with enums built from the components' own constants. Cross-field checks are
 * in `checks.ts`, parsing and messages in `parse.ts`.
 *
 * @see https://www.pulumi.com/docs/iac/concepts/config/
 * @see https://zod.dev/api
 */
import { z } from "zod";
import { enumOf } from "./enums";
import { observabilitySchema, sloSchema } from "./observability";
import {
  ACME_SOLVERS,
  AWS_POSTGRES_ENGINES,
  BROKERS,
  CERTIFICATE_ISSUERS,
  DATA_STORE_MODES,
  DNS_LABEL,
  EKS_ACCESS_POLICIES,
  EKS_CAPACITY_TYPES,
  EKS_CLUSTER_LOG_TYPES,
  ENVIRONMENTS,
  GKE_RELEASE_CHANNELS,
  K3S_INGRESS_SERVICE_TYPES,
  MTLS_MODES,
  CONCURRENCY_POLICIES,
  POOL_MODES,
  TARGETS,
  validateAppService,
} from "../../components";
import { setIt } from "./keys";
import { count, cronSchedule, imageReference, ipAddress, kubernetesCronSchedule, kubernetesVersion, port, sizeGiB } from "./validators";
import { drSchema, managedPostgresReadScaling } from "./dr";
import { cloudIdentitySchema } from "./identity";
import { autoscalingSchema } from "./autoscaling";

export { CONFIG_NAMESPACE, SECRET_KEYS } from "./keys";
export { observabilitySchema };

/** A hint that sets a key given as a dotted path (`eks.region`): `set it with \`pulumi config set --path 'platform:eks.region' eu-west-1\``. */
export const setHint = (key: string, example: string) => setIt(key.split(".").map((p) => (/^\d+$/.test(p) ? Number(p) : p)), example);

const cidr = z.string().regex(/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/, "must be an IPv4 CIDR block such as 10.0.0.0/16");
const wholeNumber = z.number().int("must be a whole number");
const positive = wholeNumber.min(1, "must be at least 1");
const k8sVersion = kubernetesVersion;
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

/** A command run to completion with a service's image: the migration's and each CronJob's. */
const taskShape = {
  command: z.array(z.string()).min(1).optional(),
  args: z.array(z.string()).optional(),
  activeDeadlineSeconds: count().optional(),
  backoffLimit: count(0).optional(),
};

/** One AppService in stack config. Semantic checks come from the component's own validation. */
export const serviceSchema = z
  .strictObject({
    name: z.string().regex(DNS_LABEL, "must be a DNS-1035 label: lower case letters, digits and '-', starting with a letter"),
    image: imageReference,
    port,
    command: z.array(z.string()).min(1).optional(),
    args: z.array(z.string()).optional(),
    migration: z.strictObject(taskShape).optional(),
    cronJobs: z
      .array(
        z.strictObject({
          name: z.string(),
          schedule: kubernetesCronSchedule,
          ...taskShape,
          timeZone: z.string().optional(),
          concurrencyPolicy: enumOf(CONCURRENCY_POLICIES).optional(),
          startingDeadlineSeconds: count().optional(),
          successfulJobsHistoryLimit: count(0).optional(),
          failedJobsHistoryLimit: count(0).optional(),
          suspend: z.boolean().optional(),
        }),
      )
      .optional(),
    replicas: count().optional(),
    autoscaling: autoscalingSchema.optional(),
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
    metrics: z.union([z.literal(false), z.strictObject({ path: z.string().optional(), port: port.optional() })]).optional(),
    servicePort: port.optional(),
    docker: z.strictObject({ hostPort: port.optional(), healthcheckCommand: z.array(z.string()).min(1).optional() }).optional(),
    mesh: z
      .strictObject({
        retries: retriesSchema,
        timeoutSeconds: z.number().optional(),
        circuitBreaker: circuitBreakerSchema,
        allowedCallers: z.array(z.string()).optional(),
      })
      .optional(),
    worker: z.boolean().optional(),
    uses: z
      .strictObject({
        postgres: z.boolean().optional(),
        redis: z.boolean().optional(),
        queues: z.array(z.string()).optional(),
      })
      .optional(),
    cloudIdentity: cloudIdentitySchema.optional(),
    slo: sloSchema.optional(),
    // Either a static split (`image`, `replicas`, `weights`) or Flagger's analysis of the next `image` (`analysis`); checks.ts refuses a mix.
    canary: z
      .strictObject({
        image: imageReference.optional(),
        replicas: count().optional(),
        weights: z.strictObject({ stable: z.number(), canary: z.number() }).optional(),
        analysis: z
          .strictObject({ intervalSeconds: z.number().optional(), threshold: z.number().optional(), stepWeight: z.number().optional(), maxWeight: z.number().optional() })
          .optional(),
      })
      .optional(),
  })
  .superRefine((service, ctx) => {
    const { canary, ...args } = service;
    // The analysis is checked as the AppService's `progressive.analysis`, whose problems are the config's `canary.analysis`.
    const progressive = canary?.analysis ? { mesh: "istio" as const, analysis: canary.analysis, thresholds: { httpErrorRatePercent: 1, latencyP99Seconds: 1 }, metricsServer: "http://prometheus:9090" } : undefined;
    const staticCanary = canary?.image && !canary.analysis ? { image: canary.image, replicas: canary.replicas } : undefined;
    for (const problem of validateAppService({ ...args, canary: staticCanary, progressive })) {
      // Progressive delivery beside KEDA triggers: checks.ts reports it at `canary.analysis`, with the command that removes it.
      if (problem.path.length === 1 && problem.path[0] === "progressive") continue;
      const path = problem.path[0] === "progressive" ? ["canary", ...problem.path.slice(1)] : [...problem.path];
      ctx.addIssue({ code: "custom", path, message: problem.message });
    }
  });

/** The demo service every stack deploys unless `services` says otherwise: podinfo, which serves `/healthz`, `/readyz` and `/metrics`. */
export const DEMO_SERVICE = {
  name: "podinfo",
  image: "ghcr.io/stefanprodan/podinfo:6.9.2",
  port: 9898,
  probes: { readinessPath: "/readyz", livenessPath: "/healthz" },
} as const;

export const eksSchema = z.strictObject({
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
        diskSizeGiB: sizeGiB.optional(),
        capacityType: enumOf(EKS_CAPACITY_TYPES).optional(),
        labels: labels.optional(),
      }),
    )
    .min(1)
    .optional(),
  endpointPublicAccessCidrs: z.array(cidr).optional(),
  clusterLogTypes: z.array(enumOf(EKS_CLUSTER_LOG_TYPES)).optional(),
  logRetentionDays: positive.optional(),
  accessEntries: z.array(z.strictObject({ principalArn: z.string(), policy: enumOf(EKS_ACCESS_POLICIES) })).optional(),
  karpenter: z.strictObject({ enabled: z.boolean().optional(), cpuLimit: positive.optional(), amiAlias: z.string().optional() }).optional(),
  tags: labels.optional(),
});

export const gkeSchema = z.strictObject({
  project: z.string().regex(/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/, "must be a Google Cloud project ID"),
  region: z.string().regex(/^[a-z]+-[a-z]+\d+$/, "must be a Google Cloud region such as europe-west1"),
  releaseChannel: enumOf(GKE_RELEASE_CHANNELS).optional(),
  kubernetesVersion: k8sVersion.optional(),
  nodePools: z
    .array(
      z.strictObject({
        name: z.string().regex(DNS_LABEL, "must be a DNS-1035 label"),
        machineType: z.string().optional(),
        minNodesPerZone: wholeNumber.min(0).optional(),
        maxNodesPerZone: positive.optional(),
        diskSizeGiB: sizeGiB.optional(),
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
  webhookPorts: z.array(port).optional(),
  endpointPublicAccessCidrs: z.array(cidr).optional(),
  labels: labels.optional(),
});

export const k3sSchema = z.strictObject({
  context: z.string().optional(),
  storageClass: z.string().optional(),
  ingressServiceType: enumOf(K3S_INGRESS_SERVICE_TYPES).optional(),
  disable: z.array(z.string().regex(/^[a-z0-9-]+$/, "must name a k3s packaged component, as --disable takes it (traefik, gateway-api-crd, servicelb, local-storage, metrics-server)")).optional(),
});

export const dockerSchema = z.strictObject({
  host: z.string().regex(/^(unix|tcp|ssh|npipe):\/\//, "must be a Docker host URL such as unix:///var/run/docker.sock").optional(),
  context: z.string().optional(),
  networkName: z.string().optional(),
  publishAddress: ipAddress.optional(),
});

const quantities = z
  .strictObject({
    requests: z.strictObject({ cpu: z.string().optional(), memory: z.string().optional() }).optional(),
    limits: z.strictObject({ cpu: z.string().optional(), memory: z.string().optional() }).optional(),
  })
  .optional();
const mode = enumOf(DATA_STORE_MODES).optional();
const hostPort = z.strictObject({ hostPort: port.optional() }).optional();

/** The `postgres` block: the PostgresCluster's arguments. Semantic checks come from `validatePostgres`. */
export const postgresSchema = z.strictObject({
  enabled: z.boolean().optional(),
  mode,
  version: z.number().optional(),
  database: z.string().optional(),
  username: z.string().optional(),
  instances: count().optional(),
  storageGiB: sizeGiB.optional(),
  resources: quantities,
  parameters: z.record(z.string(), z.string()).optional(),
  pooler: z
    .strictObject({
      enabled: z.boolean().optional(),
      instances: count().optional(),
      poolMode: enumOf(POOL_MODES).optional(),
      maxClientConnections: z.number().optional(),
      defaultPoolSize: z.number().optional(),
    })
    .optional(),
  backup: z
    .strictObject({
      enabled: z.boolean().optional(),
      schedule: cronSchedule.optional(),
      retentionDays: z.number().optional(),
      bucket: z
        .strictObject({
          name: z.string().optional(),
          endpointUrl: z.string().optional(),
          region: z.string().optional(),
          credentialsSecret: z
            .strictObject({ name: z.string(), accessKeyIdKey: z.string().optional(), secretAccessKeyKey: z.string().optional() })
            .optional(),
          endpointCA: z.union([z.strictObject({ name: z.string(), key: z.string().optional() }), z.strictObject({ certificate: z.string() })]).optional(),
        })
        .optional(),
    })
    .optional(),
  managed: z
    .strictObject({
      awsEngine: enumOf(AWS_POSTGRES_ENGINES).optional(),
      instanceClass: z.string().optional(),
      tier: z.string().optional(),
      highAvailability: z.boolean().optional(),
      insights: z.boolean().optional(),
      ...managedPostgresReadScaling,
    })
    .optional(),
  monitoring: z.boolean().optional(),
  docker: hostPort,
});

/** The `redis` block: the RedisCluster's arguments. Semantic checks come from `validateRedis`. */
export const redisSchema = z.strictObject({
  enabled: z.boolean().optional(),
  mode,
  replicas: count().optional(),
  sentinel: z
    .strictObject({ enabled: z.boolean().optional(), replicas: count().optional(), quorum: z.number().optional(), masterName: z.string().optional() })
    .optional(),
  storageGiB: sizeGiB.optional(),
  resources: quantities,
  maxMemoryFraction: z.number().optional(),
  tls: z.boolean().optional(),
  monitoring: z.boolean().optional(),
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
export const gatewaySchema = z.strictObject({
  enabled: z.boolean().optional(),
  tls: z
    .strictObject({
      issuer: enumOf(CERTIFICATE_ISSUERS).optional(),
      acme: z
        .strictObject({ email: z.string().optional(), server: z.string().optional(), solver: enumOf(ACME_SOLVERS).optional(), dnsZone: z.string().optional() })
        .optional(),
    })
    .optional(),
  hsts: z.strictObject({ maxAgeSeconds: z.number().optional(), includeSubDomains: z.boolean().optional(), preload: z.boolean().optional() }).optional(),
  defaults: z.strictObject(trafficPolicyShape).optional(),
  routes: z
    .array(z.strictObject({ service: z.string(), hostname: z.string().meta({ examples: ["api.example.com"] }), pathPrefix: z.string().optional(), ...trafficPolicyShape }))
    .optional(),
  replicas: count().optional(),
  resources: quantities,
  docker: z.strictObject({ httpPort: port.optional(), httpsPort: port.optional() }).optional(),
});

/**
 * The `mesh` block. The provider is chosen by its settings block: `istio` (the default when
 * neither is present) or `linkerd`; both at once is an error.
 */
export const meshSchema = z.strictObject({
  enabled: z.boolean().optional(),
  istio: z.strictObject({ replicas: count().optional() }).optional(),
  linkerd: z.strictObject({ replicas: count().optional() }).optional(),
  mtls: enumOf(MTLS_MODES).optional(),
  defaults: z.strictObject({ retries: retriesSchema, timeoutSeconds: z.number().optional(), circuitBreaker: circuitBreakerSchema }).optional(),
});

/** The `messageQueue` block: the MessageQueue's arguments. Semantic checks come from `validateMessageQueue`. */
export const messageQueueSchema = z.strictObject({
  enabled: z.boolean().optional(),
  broker: enumOf(BROKERS).optional(),
  mode,
  replicas: count().optional(),
  storageGiB: sizeGiB.optional(),
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

/**
 * The stack config schema, in the `platform` namespace.
 *
 * @see README.md#configuration for every key with its default.
 */
export const configShape = z.strictObject({
  target: enumOf(TARGETS),
  environment: enumOf(ENVIRONMENTS),
  protect: z.boolean().optional(),
  namespace: z.string().regex(DNS_LABEL, "must be a DNS-1035 label").optional(),
  eks: eksSchema.optional(),
  gke: gkeSchema.optional(),
  k3s: k3sSchema.optional(),
  docker: dockerSchema.optional(),
  kubeconfig: z.string().min(1, "must not be empty").optional(),
  postgresBackupAccessKeyId: z.string().min(1, "must not be empty").optional(),
  postgresBackupSecretAccessKey: z.string().min(1, "must not be empty").optional(),
  services: z.array(serviceSchema).optional(),
  postgres: postgresSchema.optional(),
  redis: redisSchema.optional(),
  gateway: gatewaySchema.optional(),
  mesh: meshSchema.optional(),
  observability: observabilitySchema.optional(),
  messageQueue: messageQueueSchema.optional(),
  dr: drSchema.optional(),
});

/** The parsed, validated stack config. */
export type PlatformConfig = z.infer<typeof configShape>;

/** One entry of `services`. */
export type ServiceConfig = z.infer<typeof serviceSchema>;
