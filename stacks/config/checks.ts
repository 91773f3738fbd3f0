/**
 * The config checks that span keys: which settings blocks a target takes, what each target
 * requires, and every component's own validation run on the settings `compose.ts` derives from
 * the config (exactly what the program will construct), with each problem mapped back to the key
 * that holds it.
 *
 * @see https://www.pulumi.com/docs/iac/concepts/config/
 */
import { accessProblems } from "./access-checks";
import type { z } from "zod";
import {
  appServiceDefaults,
  gatewayDefaults,
  jobNameProblems,
  k3sDefaults,
  observabilityDefaults,
  selectorLabels,
  targetConflicts,
  targetGaps,
  validateEksClusterArgs,
  validateGateway,
  validateGkeClusterArgs,
  validateMesh,
  validateMessageQueue,
  validateObservability,
  validatePostgres,
  validateRedis,
  CANARY_TRACKS,
  DOCKER_CRON_JOBS,
  ENVIRONMENTS,
  TARGETS,
  type AddonName,
  type ArgProblem,
  type Environment,
  type PlatformFacts,
  type Target,
} from "../../components";
import {
  dataStorePlacement,
  gatewaySettings,
  meshProvider,
  meshService,
  meshSettings,
  messageQueueSettings,
  namespaceOf,
  observabilitySettings,
  postgresSettings,
  redisSettings,
  serviceBackend,
  servicesOf,
  withBackupCredentials,
} from "../compose";
import {
  configShape,
  eksSchema,
  gkeSchema,
  k3sSchema,
  gatewaySchema,
  meshSchema,
  messageQueueSchema,
  observabilitySchema,
  postgresSchema,
  redisSchema,
  serviceSchema,
  setHint,
  type PlatformConfig,
  type ServiceConfig,
} from "./schema";
import { CONFIG_NAMESPACE, removeCommand, setCommand } from "./keys";
import { RESERVED_SERVICE_NAMES } from "./reserved";
import { bucketNameProblem, generatedNameProblem } from "./validators";
import { drProblems } from "../backups";
import { autoscalingConfigProblems } from "./autoscaling";

/** A problem at a config key path (without the namespace). */
export interface KeyedProblem {
  readonly path: (string | number)[];
  readonly message: string;
}

/**
 * Which targets each settings block may appear with. The cloud blocks may sit side by side, so a
 * prod stack can switch between EKS and GKE with one key; on k3s or Docker they are mistakes.
 */
const BLOCK_TARGETS = [
  ["eks", ["eks", "gke"]],
  ["gke", ["eks", "gke"]],
  ["k3s", ["k3s"]],
  ["docker", ["docker"]],
] as const satisfies readonly (readonly [keyof PlatformConfig & Target, readonly Target[]])[];

/** Namespaces the platform creates or installs into; the services' `namespace` must be another. */
const RESERVED_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease", "data", "gateway", "cert-manager", "istio-system", "linkerd", "linkerd-cni", "monitoring"];

const isTarget = (value: unknown): value is Target => TARGETS.some((t) => t === value);
const isEnvironment = (value: unknown): value is Environment => ENVIRONMENTS.some((e) => e === value);
/** Whether a block parses on its own: only then are its settings handed to the component's validation. */
const parses = (schema: z.ZodType, value: unknown) => schema.safeParse(value).success;
const under = (block: string, problems: readonly ArgProblem[]): KeyedProblem[] => problems.map((p) => ({ path: [block, ...p.path], message: p.message }));

/** What each target requires, and the blocks that do not belong to it. */
function targetProblems(config: PlatformConfig, target: Target): KeyedProblem[] {
  const problems: KeyedProblem[] = [];
  for (const [key, allowed] of BLOCK_TARGETS) {
    if (!allowed.some((t) => t === target) && config[key] !== undefined) {
      problems.push({ path: [key], message: `applies only to target ${allowed.join(" or ")} (target is ${target}); remove it with \`pulumi config rm ${CONFIG_NAMESPACE}:${key}\`` });
    }
  }
  if (target === "eks" && !config.eks) problems.push({ path: ["eks", "region"], message: `is required for target eks; ${setHint("eks.region", "eu-west-1")}` });
  if (target === "gke" && !config.gke) problems.push({ path: ["gke", "project"], message: `is required for target gke; ${setHint("gke.project", "my-project")} and gke.region` });
  if (target === "k3s" && config.kubeconfig === undefined) {
    problems.push({ path: ["kubeconfig"], message: `is required for target k3s; set it with \`pulumi config set --secret ${CONFIG_NAMESPACE}:kubeconfig -- "$(cat k3s.yaml)"\`` });
  }
  if (config.environment === "prod" && config.protect === false) {
    problems.push({
      path: ["protect"],
      message:
        "is false in prod: the databases, caches, broker and observability volumes would lose `protect`, `retainOnDelete` and the clouds' deletion protection " +
        `(the production-data-resilience policy refuses that too); remove it with \`pulumi config rm ${CONFIG_NAMESPACE}:protect\`. To tear prod down on purpose, \`pulumi state unprotect --all\` then \`pulumi destroy\``,
    });
  }
  if (target !== "k3s" && config.kubeconfig !== undefined) {
    problems.push({ path: ["kubeconfig"], message: `applies only to target k3s (target is ${target}); the cluster's own kubeconfig is generated` });
  }
  return problems;
}

/**
 * A cluster check's message at the key it names: the clusters' validation words its problems as
 * "\`availabilityZoneCount\` must be…", so the key is \`eks.availabilityZoneCount\`, not \`eks\`.
 */
function keyedByField(block: "eks" | "gke", message: string): KeyedProblem {
  const match = /^`([A-Za-z]\w*)((?:\[\d+\])*)` (.*)$/s.exec(message);
  if (!match) return { path: [block], message };
  const indices = [...match[2].matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1]));
  return { path: [block, match[1], ...indices], message: match[3] };
}

/** The cloud platforms' own checks (zone counts in prod, open endpoints, overlapping ranges). */
function cloudProblems(config: PlatformConfig, on: PlatformFacts): KeyedProblem[] {
  const environment = on.environment;
  // A section the schema refuses is reported once, by the schema.
  if (on.flavour === "eks" && config.eks && parses(eksSchema, config.eks)) return validateEksClusterArgs({ environment, ...config.eks }).map((message) => keyedByField("eks", message));
  if (on.flavour === "gke" && config.gke && parses(gkeSchema, config.gke)) return validateGkeClusterArgs({ environment, ...config.gke }).map((message) => keyedByField("gke", message));
  return [];
}

/**
 * What the k3s cluster ships against what the stack installs and relies on (the add-on catalogue):
 * the gateway's Traefik and Gateway API CRDs collide with k3s's packaged ones unless the servers
 * run with `--disable`; autoscaling needs the packaged metrics-server, and the `local-path`
 * StorageClass the packaged local-path provisioner. Reported at `k3s.disable`, the list that must
 * match the servers' flags.
 */
function k3sProblems(config: PlatformConfig, on: PlatformFacts): KeyedProblem[] {
  if (on.flavour !== "k3s" || !parses(k3sSchema.optional(), config.k3s)) return [];
  const disabled = on.disabledComponents ?? [];
  // The foundation installs the Gateway API CRDs on every cluster (cert-manager's Gateway API support needs them).
  const installs: AddonName[] = config.gateway?.enabled === false ? ["gateway-api-crds"] : ["traefik", "gateway-api-crds"];
  const needs: AddonName[] = [];
  if (parsedServices(config).some(({ service }) => service.autoscaling)) needs.push("metrics-server");
  if ((config.k3s?.storageClass ?? k3sDefaults.storageClass) === k3sDefaults.storageClass) needs.push("local-path-provisioner");
  const problems: KeyedProblem[] = [];
  const conflicts = targetConflicts(installs, on);
  const missing = [...new Set(conflicts.flatMap((c) => c.packages))];
  if (missing.length > 0) {
    const set = missing.map((p, i) => `pulumi config set --path '${CONFIG_NAMESPACE}:k3s.disable[${disabled.length + i}]' ${p}`).join(" && ");
    problems.push({
      path: ["k3s", "disable"],
      message:
        `must list ${missing.map((p) => `"${p}"`).join(" and ")}, or the platform's ${conflicts.map((c) => c.addon).join(" and ")} collide with k3s's packaged ones ` +
        `(its Traefik holds ports 80 and 443; its traefik-crd and, from k3s 1.37, gateway-api-crd charts own the CRDs). Start every k3s server with ` +
        `${missing.map((p) => `--disable=${p}`).join(" ")} (or list them under \`disable:\` in /etc/rancher/k3s/config.yaml), then run \`${set}\``,
    });
  }
  for (const gap of targetGaps(needs, on)) {
    const why = gap.addon === "metrics-server" ? "services[].autoscaling needs the resource metrics API" : "the `local-path` StorageClass (k3s.storageClass) needs the local-path provisioner";
    problems.push({ path: ["k3s", "disable"], message: `lists ${gap.packages.map((p) => `"${p}"`).join(", ")}, but ${why}: ${gap.message}. Re-enable it, or ${gap.addon === "metrics-server" ? "remove autoscaling" : "set k3s.storageClass to a StorageClass the cluster provides"}` });
  }
  return problems;
}

/**
 * Docker host ports: every published port of the stack on `publishAddress` once (the gateway's,
 * Prometheus's and Grafana's with their defaults, and each `hostPort` set), or `pulumi up` fails
 * with "port is already allocated" on the second container.
 */
function dockerPortProblems(config: PlatformConfig, on: PlatformFacts): KeyedProblem[] {
  if (on.flavour !== "docker") return [];
  const used: { path: (string | number)[]; port: number }[] = [];
  const use = (path: (string | number)[], port: number | undefined) => port !== undefined && used.push({ path, port });
  if (config.gateway?.enabled !== false) {
    use(["gateway", "docker", "httpPort"], config.gateway?.docker?.httpPort ?? gatewayDefaults.docker.httpPort);
    use(["gateway", "docker", "httpsPort"], config.gateway?.docker?.httpsPort ?? gatewayDefaults.docker.httpsPort);
  }
  if (config.observability?.enabled !== false) {
    use(["observability", "docker", "prometheusHostPort"], config.observability?.docker?.prometheusHostPort ?? observabilityDefaults.docker.prometheusHostPort);
    use(["observability", "docker", "grafanaHostPort"], config.observability?.docker?.grafanaHostPort ?? observabilityDefaults.docker.grafanaHostPort);
  }
  for (const store of ["postgres", "redis", "messageQueue"] as const) {
    if (config[store]?.enabled !== false) use([store, "docker", "hostPort"], config[store]?.docker?.hostPort);
  }
  for (const { service, index } of parsedServices(config)) use(["services", index, "docker", "hostPort"], service.docker?.hostPort);
  const first = new Map<number, (string | number)[]>();
  const problems: KeyedProblem[] = [];
  for (const { path, port } of used) {
    const taken = first.get(port);
    // Prometheus against Grafana is the ObservabilityStack's own check.
    const own = taken?.[0] === "observability" && path[0] === "observability";
    if (taken && !own) problems.push({ path, message: `is ${port}, already the host port of ${taken.join(".")}: one host port serves one container; choose another` });
    else first.set(port, path);
  }
  return problems;
}

/** The data tier's own checks on the target it will run on (managed mode on docker, an even Sentinel count, retention out of bounds…). */
function dataProblems(config: PlatformConfig, on: PlatformFacts): KeyedProblem[] {
  const placement = dataStorePlacement(config);
  const problems: KeyedProblem[] = [];
  const postgres = parses(postgresSchema.optional(), config.postgres) ? postgresSettings(config, placement) : undefined;
  const keys = { accessKeyId: config.postgresBackupAccessKeyId, secretAccessKey: config.postgresBackupSecretAccessKey };
  if ((keys.accessKeyId === undefined) !== (keys.secretAccessKey === undefined)) {
    const missing = keys.accessKeyId === undefined ? "postgresBackupAccessKeyId" : "postgresBackupSecretAccessKey";
    problems.push({ path: [missing], message: `is required with ${missing === "postgresBackupAccessKeyId" ? "postgresBackupSecretAccessKey" : "postgresBackupAccessKeyId"}; set it with \`pulumi config set --secret ${CONFIG_NAMESPACE}:${missing} …\`` });
  }
  if (keys.accessKeyId !== undefined && on.flavour !== "k3s") {
    problems.push({ path: ["postgresBackupAccessKeyId"], message: `applies only to target k3s (target is ${on.flavour}): on a cloud, backups use the cluster's workload identity; remove it with \`pulumi config rm ${CONFIG_NAMESPACE}:postgresBackupAccessKeyId\`` });
  }
  const bucket = config.postgres?.backup?.bucket?.name;
  if (typeof bucket === "string" && on.flavour !== "docker") {
    const problem = bucketNameProblem(bucket, on.flavour === "gke" ? "gcs" : "s3");
    if (problem) problems.push({ path: ["postgres", "backup", "bucket", "name"], message: problem });
  }
  if (postgres) {
    const found = validatePostgres(withBackupCredentials(postgres, keys.accessKeyId, keys.secretAccessKey), on);
    const backupKeysMissing = found.some((p) => p.path.join(".") === "backup.bucket.credentials");
    for (const p of found) {
      // The access key pair is two secret keys of their own, not a key of the postgres block.
      if (p.path.join(".") === "backup.bucket.credentialsSecret" && keys.accessKeyId !== undefined) {
        problems.push({ path: ["postgres", "backup", "bucket", "credentialsSecret"], message: "names a Secret while postgresBackupAccessKeyId and postgresBackupSecretAccessKey are set too; keep one (`pulumi config rm` the keys, or remove credentialsSecret)" });
      } else if (p.path.join(".") === "backup.bucket.credentials") {
        problems.push({ path: ["postgresBackupAccessKeyId"], message: `and postgresBackupSecretAccessKey are required on k3s for backups (or postgres.backup.bucket.credentialsSecret): set them with \`pulumi config set --secret ${CONFIG_NAMESPACE}:postgresBackupAccessKeyId …\` and \`pulumi config set --secret ${CONFIG_NAMESPACE}:postgresBackupSecretAccessKey …\`` });
      } else if (p.path.join(".") === "recovery.drBucket.credentials") {
        // The other site's bucket takes the backup's key pair; with backup.bucket.credentialsSecret
        // nothing else reports the pair missing, and the DR ObjectStore would have no credentials.
        if (!backupKeysMissing) {
          problems.push({ path: ["postgresBackupAccessKeyId"], message: `and postgresBackupSecretAccessKey are required on k3s for dr.bucket (the other site's store is reached with that pair, even when postgres.backup.bucket.credentialsSecret serves this site): set them with \`pulumi config set --secret ${CONFIG_NAMESPACE}:postgresBackupAccessKeyId …\` and \`pulumi config set --secret ${CONFIG_NAMESPACE}:postgresBackupSecretAccessKey …\`, or remove dr.bucket` });
        }
      } else if (p.path[0] === "recovery") {
        // `recovery` comes from the stack's `dr` block (`drRegion` is `dr.region`, `drBucket` is `dr.bucket`).
        const key = ({ drRegion: "region", drBucket: "bucket" } as Record<string, string>)[String(p.path[1])] ?? p.path[1];
        problems.push({ path: ["dr", key, ...p.path.slice(2)], message: p.message });
      } else problems.push(...under("postgres", [p]));
    }
  }
  const redis = parses(redisSchema.optional(), config.redis) ? redisSettings(config, placement) : undefined;
  if (redis) problems.push(...under("redis", validateRedis(redis, on)));
  const queue = parses(messageQueueSchema.optional(), config.messageQueue) ? messageQueueSettings(config, placement) : undefined;
  if (queue) problems.push(...under("messageQueue", validateMessageQueue(queue, on)));
  return problems;
}

/** The declared services that parse, with their index in `services`. */
function parsedServices(config: PlatformConfig): { service: ServiceConfig; index: number }[] {
  const services: readonly unknown[] = Array.isArray(config.services) ? config.services : servicesOf({});
  return services.flatMap((service, index) => {
    const parsed = serviceSchema.safeParse(service);
    return parsed.success ? [{ service: parsed.data, index }] : [];
  });
}

/** A service's `uses`: each store it names is one the stack runs, each queue one `messageQueue.queues` declares where the platform declares the broker's queues. */
function usesProblems(config: PlatformConfig, service: Partial<ServiceConfig> | undefined, i: number, problems: KeyedProblem[]): void {
  const uses = service?.uses;
  if (!uses) return;
  for (const store of ["postgres", "redis"] as const) {
    if (uses[store] && config[store]?.enabled === false) {
      problems.push({ path: ["services", i, "uses", store], message: `\`${store}.enabled\` is false, so there is no ${store} to use; remove it: \`${removeCommand(["services", i, "uses", store])}\`` });
    }
  }
  const declared = (config.messageQueue?.queues ?? []).map((q) => q.name);
  // The platform declares RabbitMQ's queues itself, except on Amazon MQ; there, and on NATS (whose
  // streams services create with the JetStream API), the application declares them.
  const platformDeclares = (config.messageQueue?.broker ?? "rabbitmq") === "rabbitmq" && config.messageQueue?.mode !== "managed";
  (uses.queues ?? []).forEach((queue, q) => {
    if (config.messageQueue?.enabled === false) {
      problems.push({ path: ["services", i, "uses", "queues", q], message: "`messageQueue.enabled` is false, so there is no broker to use; remove the queue or enable `messageQueue`" });
    } else if (platformDeclares && !declared.includes(queue)) {
      problems.push({ path: ["services", i, "uses", "queues", q], message: `"${queue}" is not a queue of \`messageQueue.queues\` (${declared.length > 0 ? declared.map((n) => `"${n}"`).join(", ") : "none declared"}); declare it there or fix the name` });
    }
  });
}

/**
 * A service's migration and CronJobs: a migration needs the database it migrates (`uses.postgres`),
 * CronJobs need a scheduler (not Docker), and their names must fit Kubernetes's limits.
 */
function taskProblems(config: PlatformConfig, service: Partial<ServiceConfig> | undefined, i: number, problems: KeyedProblem[]): void {
  if (service?.migration && service.uses?.postgres !== true) {
    problems.push({
      path: ["services", i, "migration"],
      message: `migrates the service's database, but the service declares none (\`uses.postgres\` is not true), so its Job would get no DATABASE_URL; declare it: \`${setCommand(["services", i, "uses", "postgres"], "true")}\`, or remove \`migration\``,
    });
  }
  if (config.target === "docker" && Array.isArray(service?.cronJobs) && service.cronJobs.length > 0) problems.push({ path: ["services", i, "cronJobs"], message: DOCKER_CRON_JOBS });
  if (typeof service?.name === "string") {
    for (const p of jobNameProblems(service.name, { migration: service.migration, cronJobs: Array.isArray(service.cronJobs) ? service.cronJobs : undefined })) problems.push({ path: ["services", i, ...p.path], message: p.message });
  }
}

/**
 * A service's `canary`: either a static split (`image` and `weights`, optionally `replicas`) or
 * Flagger's `analysis` of the next `image`, never both; either needs the mesh, and the analysis
 * also needs the observability stack's Prometheus, whose mesh metrics it reads.
 */
function canaryProblems(config: PlatformConfig, service: Partial<ServiceConfig> | undefined, i: number, provider: string | undefined, problems: KeyedProblem[]): void {
  const canary = service?.canary;
  if (!canary || typeof canary !== "object") return;
  const at = (...path: string[]) => ["services", i, "canary", ...path];
  if (canary.analysis) {
    if (!provider) problems.push({ path: at("analysis"), message: "needs the service mesh, whose metrics Flagger reads and whose routing it drives; enable `mesh` (Kubernetes targets) or remove `canary.analysis`" });
    else if (config.observability?.enabled === false) problems.push({ path: at("analysis"), message: "needs the observability stack's Prometheus, which Flagger queries; remove `observability.enabled: false` or remove `canary.analysis`" });
    for (const key of ["image", "replicas", "weights"] as const) {
      if (canary[key] !== undefined) problems.push({ path: at(key), message: `cannot be combined with \`canary.analysis\`: Flagger runs the next \`image\` as the canary and sets the weights; remove it: \`${removeCommand(at(key))}\`` });
    }
    // A worker serves no requests: the mesh's success rate and latency have no values, so every check fails and every release rolls back.
    if (service?.worker) problems.push({ path: at("analysis"), message: `analyses the mesh's request metrics, which a worker (\`worker: true\`) does not serve, so every release would roll back; remove it: \`${removeCommand(at("analysis"))}\`` });
    // Flagger pauses the target's ScaledObject during an analysis, and KEDA then deletes the HPA it
    // adopted; a primary re-created while paused keeps `paused-replicas: "0"` (fluxcd/flagger#1934).
    const triggers = service?.autoscaling?.triggers;
    if (Array.isArray(triggers) && triggers.length > 0) {
      problems.push({ path: at("analysis"), message: `cannot be combined with \`autoscaling.triggers\` (KEDA): Flagger pauses the service's ScaledObject during an analysis and a primary re-created while it is paused stays at 0 replicas (fluxcd/flagger#1934); keep CPU/memory autoscaling for a progressive service, or remove it: \`${removeCommand(at("analysis"))}\`` });
    }
    return;
  }
  if (!provider) problems.push({ path: ["services", i, "canary"], message: "needs the service mesh, which splits traffic by weight; enable `mesh` (Kubernetes targets) or remove `canary`" });
  if (canary.image === undefined) problems.push({ path: at("image"), message: `is required for a static canary (the canary's image), unless Flagger runs it: \`${setCommand(at("analysis", "stepWeight"), "10")}\`` });
  if (canary.weights === undefined) problems.push({ path: at("weights"), message: "is required for a static canary (`{ stable, canary }` summing to 100), unless Flagger sets them with `canary.analysis`" });
}

/** The suffixes of the objects Flagger generates for a service. @see https://docs.flagger.app/usage/how-it-works */
const FLAGGER_SUFFIXES = ["primary", "canary"] as const;

/** The services' own cross-field checks: unique names, canaries need the mesh, workers serve no route. */
function serviceProblems(config: PlatformConfig): KeyedProblem[] {
  const problems: KeyedProblem[] = [];
  const provider = config.mesh?.istio && config.mesh.linkerd ? undefined : meshProvider(config);
  const names = new Set<string>();
  const stackFacts = {
    environment: config.environment,
    target: config.target,
    broker: config.messageQueue?.enabled === false ? undefined : (config.messageQueue?.broker ?? "rabbitmq"),
    observability: config.observability?.enabled !== false,
    // As usesProblems: the platform declares the queues of an in-cluster RabbitMQ only.
    declaredQueues:
      (config.messageQueue?.broker ?? "rabbitmq") === "rabbitmq" && config.messageQueue?.mode !== "managed" ? (config.messageQueue?.queues ?? []).map((q) => q.name) : undefined,
  };
  (Array.isArray(config.services) ? config.services : []).forEach((service: Partial<ServiceConfig> | undefined, i) => {
    if (service?.name && names.has(service.name)) problems.push({ path: ["services", i, "name"], message: `"${service.name}" is declared twice` });
    if (typeof service?.name === "string" && RESERVED_SERVICE_NAMES.includes(service.name)) {
      problems.push({ path: ["services", i, "name"], message: `"${service.name}" is a name the platform uses for its own components and containers (${RESERVED_SERVICE_NAMES.join(", ")}); choose another: \`${setCommand(["services", i, "name"], `${service.name}-api`)}\`` });
    }
    // Flagger names its objects `<name>-primary` and `<name>-canary`; a static canary `<name>-stable` and `<name>-canary`.
    const generated = typeof service?.name === "string" && service.canary ? generatedNameProblem(service.name, service.canary.analysis ? FLAGGER_SUFFIXES : CANARY_TRACKS) : undefined;
    if (generated) problems.push({ path: ["services", i, "name"], message: generated });
    if (service?.name) names.add(service.name);
    canaryProblems(config, service, i, provider, problems);
    usesProblems(config, service, i, problems);
    taskProblems(config, service, i, problems);
    problems.push(...autoscalingConfigProblems(service ?? {}, i, stackFacts));
    if (service?.worker && (config.gateway?.routes ?? []).some((r) => r.service === service.name)) {
      problems.push({ path: ["services", i, "worker"], message: `"${service.name}" is a worker: it consumes from the broker and serves no route; remove its gateway route or \`worker\`` });
    }
  });
  if (config.namespace && RESERVED_NAMESPACES.includes(config.namespace)) {
    problems.push({ path: ["namespace"], message: `"${config.namespace}" is used by the platform itself (${RESERVED_NAMESPACES.join(", ")}); choose another` });
  }
  return problems;
}

/**
 * The mesh's checks: a provider chosen once, none on Docker, and `validateMesh` on the mesh's
 * settings, a service's problems mapped to its `mesh` or `canary` keys.
 */
function meshProblems(config: PlatformConfig, on: PlatformFacts): KeyedProblem[] {
  const mesh = config.mesh;
  const problems: KeyedProblem[] = [];
  if (mesh?.istio && mesh.linkerd) problems.push({ path: ["mesh"], message: "selects both istio and linkerd; keep one of `mesh.istio` or `mesh.linkerd`" });
  if (on.flavour === "docker" && mesh !== undefined && mesh.enabled !== false) {
    problems.push({ path: ["mesh", "enabled"], message: "a service mesh is not available on docker; remove `mesh` or set `mesh.enabled` to false" });
  }
  const provider = mesh?.istio && mesh.linkerd ? undefined : meshProvider(config);
  if (!provider || !parses(meshSchema.optional(), mesh)) return problems;
  const services = parsedServices(config);
  const settings = { ...meshSettings(config), services: services.map(({ service }) => meshService(service, namespaceOf(config))) };
  for (const p of validateMesh(settings, on)) {
    if (p.path[0] === "services") {
      const [, i, field, ...rest] = p.path;
      const where = field === "canary" ? ["canary", ...rest] : ["mesh", field, ...rest];
      problems.push({ path: ["services", services[i as number].index, ...where], message: p.message });
    } else if (p.path[0] === "replicas") problems.push({ path: ["mesh", provider, "replicas"], message: p.message });
    else problems.push({ path: ["mesh", ...p.path], message: p.message });
  }
  return problems;
}

/** `validateObservability` on the stack's observability settings; a service's problem is its `services` entry's. */
function observabilityProblems(config: PlatformConfig, on: PlatformFacts): KeyedProblem[] {
  if (!parses(observabilitySchema.optional(), config.observability) || !(config.services === undefined || parses(serviceSchema.array(), config.services))) return [];
  const settings = observabilitySettings(config);
  if (!settings) return [];
  return validateObservability(settings, on).map((p) => (p.path[0] === "services" ? { path: [...p.path], message: p.message } : { path: ["observability", ...p.path], message: p.message }));
}

/** Routes name declared services, and `validateGateway` on the gateway's settings; a route's name is its `service` key. */
function gatewayProblems(config: PlatformConfig, on: PlatformFacts): KeyedProblem[] {
  if (!parses(gatewaySchema.optional(), config.gateway)) return [];
  const services = parsedServices(config).map(({ service }) => service);
  const declared = (Array.isArray(config.services) ? config.services : servicesOf({})).map((s: { name?: unknown } | undefined) => s?.name).filter((n): n is string => typeof n === "string");
  const problems: KeyedProblem[] = [];
  (config.gateway?.routes ?? []).forEach((r, i) => {
    if (!declared.includes(r.service)) problems.push({ path: ["gateway", "routes", i, "service"], message: `"${r.service}" is not a declared service (declared: ${declared.join(", ")})` });
  });
  const backendOf = (name: string) => {
    const service = services.find((s) => s.name === name);
    // An undeclared service is reported above; its route still gets the other checks.
    return service ? serviceBackend(service, config) : { serviceName: name, namespace: namespaceOf(config), port: appServiceDefaults.servicePort, selector: selectorLabels(name) };
  };
  const settings = gatewaySettings(config, backendOf);
  if (!settings) return problems;
  for (const p of validateGateway(settings, on)) {
    // A route is named after its service: a name problem is the config's `service` key.
    const named = p.path[0] === "routes" && p.path[2] === "name";
    const path = named ? ["routes", p.path[1], "service"] : p.path;
    const message = named ? `${p.message}: one route per service (give a service one route with the shortest common path prefix)` : p.message;
    problems.push({ path: ["gateway", ...path], message });
  }
  return problems;
}

/**
 * Every cross-key problem of a config, in the order a person fixes them: the target's blocks, the
 * cloud's settings, the data tier, the services, the mesh, the broker, observability, the gateway.
 * Runs even when other keys failed to parse, so every mistake is reported in one go; a block that
 * does not parse on its own is left to the schema's message.
 */
export function crossKeyProblems(config: PlatformConfig): KeyedProblem[] {
  const target: unknown = config.target;
  const environment: unknown = config.environment;
  if (!isTarget(target)) return [];
  const problems = targetProblems(config, target);
  if (!isEnvironment(environment)) return [...problems, ...serviceProblems(config)];
  if (target === "docker" && environment === "prod") {
    // One refusal for the whole combination, rather than each component's own reason.
    return [...problems, { path: ["environment"], message: `prod cannot run on docker: single containers on one host, without TLS between them, replicas or backups. Use a Kubernetes target (\`pulumi config set ${CONFIG_NAMESPACE}:target eks\`), or \`pulumi config set ${CONFIG_NAMESPACE}:environment dev\`` }];
  }
  const on: PlatformFacts = { flavour: target, environment, disabledComponents: target === "k3s" ? (config.k3s?.disable ?? []) : undefined };
  return [
    ...problems,
    ...cloudProblems(config, on),
    ...k3sProblems(config, on),
    ...dockerPortProblems(config, on),
    ...dataProblems(config, on),
    ...serviceProblems(config),
    ...accessProblems(config, on),
    ...meshProblems(config, on),
    ...observabilityProblems(config, on),
    ...gatewayProblems(config, on),
    ...drProblems(config),
  ];
}

/**
 * The stack config schema, in the `platform` namespace: the blocks, then the cross-key checks.
 *
 * @see README.md#configuration for every key with its default.
 */
export const configSchema = configShape.superRefine(
  (config, ctx) => {
    for (const problem of crossKeyProblems(config)) ctx.addIssue({ code: "custom", path: problem.path, message: problem.message });
  },
  // Runs even when other fields failed, so every mistake is reported in one go.
  { when: () => true },
);
