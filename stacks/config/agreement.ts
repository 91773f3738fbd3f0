/**
 * A compile-time check that every config block and the settings of the component it configures
 * have the same keys, at every depth: adding an argument to a component without a config key (or a
 * config key without an argument) fails `npm run build` here, naming the key. The keys the program
 * sets itself (namespaces, the add-ons, dependencies…) are listed per block, with why.
 *
 * Nothing here runs; the constants only exist for the type checker.
 *
 * @see https://www.typescriptlang.org/docs/handbook/2/conditional-types.html
 */
import type * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import type {
  AppServiceArgs,
  SloArgs,
  DockerHostArgs,
  EksClusterArgs,
  GatewayRouteArgs,
  GatewaySettings,
  GkeClusterArgs,
  K3sClusterArgs,
  MeshServiceArgs,
  MessageQueueSettings,
  ObservabilityStackSettings,
  PostgresSettings,
  RedisSettings,
  ServiceMeshSettings,
} from "../../components";
import type {
  dockerSchema,
  eksSchema,
  gatewaySchema,
  gkeSchema,
  k3sSchema,
  meshSchema,
  messageQueueSchema,
  observabilitySchema,
  postgresSchema,
  redisSchema,
  serviceSchema,
} from "./schema";

/** Values that end a key path: scalars, inputs and resources. */
type Leaf = string | number | boolean | bigint | symbol | null | undefined | Promise<unknown> | pulumi.OutputInstance<unknown> | pulumi.Resource | ((...args: never[]) => unknown);

/**
 * Every dotted key path of a shape (`backup.bucket.name`), walking objects and the elements of
 * arrays; a record with free keys (labels, env) ends a path.
 */
export type KeyPaths<T> = T extends Leaf
  ? never
  : T extends readonly (infer E)[]
    ? KeyPaths<E>
    : T extends object
      ? string extends keyof T
        ? never
        : { [K in keyof T & string]-?: K | `${K}.${KeyPaths<NonNullable<T[K]>>}` }[keyof T & string]
      : never;

/**
 * `true` when both shapes have the same key paths; otherwise the keys each lacks, by name.
 * `FromSecrets` are settings paths the program fills from secret config keys of their own.
 */
export type Agree<Config, Settings, FromSecrets extends string = never> = [
  Exclude<KeyPaths<Config>, KeyPaths<Settings>>,
  Exclude<KeyPaths<Settings>, KeyPaths<Config> | FromSecrets>,
] extends [never, never]
  ? true
  : { readonly onlyInConfig: Exclude<KeyPaths<Config>, KeyPaths<Settings>>; readonly onlyInSettings: Exclude<KeyPaths<Settings>, KeyPaths<Config> | FromSecrets> };

/** A block as config holds it, without `enabled` (which decides whether the component exists at all). */
type Block<S extends z.ZodType> = Omit<NonNullable<z.infer<S>>, "enabled">;

/** What the program sets on every data store: where it runs, who gets its Secret (`clients` from `services[].uses`), `protect`. */
type DataStorePlacement = "namespace" | "clientNamespaces" | "clients" | "protect" | "labels";

/** The backup's S3 access key pair comes from the secret keys `postgresBackupAccessKeyId` and `postgresBackupSecretAccessKey`. */
type BackupCredentials = "backup.bucket.credentials" | "backup.bucket.credentials.accessKeyId" | "backup.bucket.credentials.secretAccessKey";
/** `recovery` comes from the stack's `dr` block (the region and the drill), not from `postgres`. */
export const postgresAgrees: Agree<Block<typeof postgresSchema>, Omit<PostgresSettings, DataStorePlacement | "currentStorageGiB" | "recovery">, BackupCredentials> = true;
/** `drRegion` comes from the stack's `dr.region`. */
export const redisAgrees: Agree<Block<typeof redisSchema>, Omit<RedisSettings, DataStorePlacement | "drRegion">> = true;
export const messageQueueAgrees: Agree<Block<typeof messageQueueSchema>, Omit<MessageQueueSettings, DataStorePlacement | "dependsOn">> = true;

/**
 * The observability block; the program adds the scrape targets (from `services`), which data stores
 * to alert on, the mesh, its namespace, `protect` (from the stack's `protect`) and dependencies.
 */
export const observabilityAgrees: Agree<Block<typeof observabilitySchema>, Omit<ObservabilityStackSettings, "namespace" | "services" | "dataStores" | "managedDataStores" | "mesh" | "gatewayNamespace" | "dependsOn" | "protect">> = true;

/**
 * The gateway block; routes name a service (`service`) where the component takes the route's name
 * and backend, and the program sets the namespace, the mesh and what the controller's pods need.
 * `controller` has one value, Traefik, and is not configurable yet.
 */
export const gatewayAgrees: Agree<Omit<Block<typeof gatewaySchema>, "routes">, Omit<GatewaySettings, "routes" | "namespace" | "mesh" | "tracing" | "namespaceLabels" | "podAnnotations" | "dependsOn" | "controller">> = true;
export const gatewayRouteAgrees: Agree<Omit<NonNullable<Block<typeof gatewaySchema>["routes"]>[number], "service">, Omit<GatewayRouteArgs, "name" | "backend">> = true;

/** The mesh block: a provider's settings block carries its `replicas`; services and identities come from the program. */
export const meshAgrees: Agree<Omit<Block<typeof meshSchema>, "istio" | "linkerd">, Omit<ServiceMeshSettings, "provider" | "replicas" | "services" | "gateway" | "metricsScraper" | "tracing" | "dependsOn">> = true;

/** A service's `mesh` block: its traffic policy and callers; the rest of the mesh's view comes from the service. */
export const meshServiceAgrees: Agree<NonNullable<z.infer<typeof serviceSchema>["mesh"]>, Omit<MeshServiceArgs, "name" | "namespace" | "port" | "selector" | "canary" | "progressive" | "routed">> = true;

/**
 * One service: the AppService's arguments, plus its `name`, its `mesh` block, the canary's traffic
 * `weights` (the mesh's), `worker`, `uses` (the data stores and queues it is wired to), `cloudIdentity` (the program makes the role or Google service account and sets `serviceAccountAnnotations`) and `slo` (the ObservabilityStack's, see {@link sloAgrees}); the program sets where it runs, its Secrets, where its autoscaling triggers read from (`triggerSources`), its callers (from `mesh.allowedCallers`), its access labels (from `uses`), and what the mesh,
 * the gateway and Prometheus need of it (`jobPodAnnotations`: the mesh's native-sidecar switch).
 */
export const serviceAgrees: Agree<
  Omit<z.infer<typeof serviceSchema>, "name" | "mesh" | "worker" | "canary" | "slo" | "uses" | "cloudIdentity">,
  Omit<AppServiceArgs, "platform" | "namespace" | "secretEnv" | "triggerSources" | "allowFromNamespaces" | "allowedCallers" | "labels" | "serviceAnnotations" | "serviceAccountAnnotations" | "jobPodAnnotations" | "dependsOn" | "canary" | "progressive">
> = true;
export const canaryAgrees: Agree<Omit<NonNullable<z.infer<typeof serviceSchema>["canary"]>, "weights" | "analysis">, NonNullable<AppServiceArgs["canary"]>> = true;
/**
 * `canary.analysis` is the AppService's `progressive.analysis`; the program sets the mesh, the
 * thresholds (from `observability.thresholds`), Prometheus's URL, the autoscaler and the mesh policy.
 */
export const canaryAnalysisAgrees: Agree<NonNullable<NonNullable<z.infer<typeof serviceSchema>["canary"]>["analysis"]>, NonNullable<NonNullable<AppServiceArgs["progressive"]>["analysis"]>> = true;

/** The check itself can fail: a key only one side has is an error (`@ts-expect-error` fails the build if it is not). */
// @ts-expect-error: `b` is only in the second shape.
export const agreementCatchesAMissingKey: Agree<{ a?: number; nested?: { c?: string } }, { a?: number; nested?: { c?: string }; b?: string }> = true;
// @ts-expect-error: `nested.d` is only in the first shape.
export const agreementCatchesANestedKey: Agree<{ a?: number; nested?: { c?: string; d?: number } }, { a?: number; nested?: { c?: string } }> = true;

/** The target blocks: the program adds the environment and `protect`, and k3s's kubeconfig is its own secret key. */
export const eksAgrees: Agree<z.infer<typeof eksSchema>, Omit<EksClusterArgs, "environment" | "protect">> = true;
export const gkeAgrees: Agree<z.infer<typeof gkeSchema>, Omit<GkeClusterArgs, "environment" | "protect">> = true;
export const k3sAgrees: Agree<z.infer<typeof k3sSchema>, Omit<K3sClusterArgs, "environment" | "kubeconfig">> = true;
export const dockerAgrees: Agree<z.infer<typeof dockerSchema>, Omit<DockerHostArgs, "environment">> = true;

/** A service's `slo` block is the ObservabilityStack's {@link SloArgs} for that service. */
export const sloAgrees: Agree<Exclude<NonNullable<z.infer<typeof serviceSchema>["slo"]>, false>, SloArgs> = true;
