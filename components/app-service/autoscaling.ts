/**
 * An AppService's autoscaler: a HorizontalPodAutoscaler on CPU (and memory) utilisation and, as
 * soon as the service has `autoscaling.triggers`, a KEDA ScaledObject that adopts that HPA and
 * owns it from then on. Always one HPA per Deployment: KEDA's admission webhook refuses a
 * ScaledObject whose Deployment another (unadopted) HPA scales, and two HPAs on one Deployment fight.
 *
 * Triggers use KEDA's scaler names and metadata keys (KEDA 2.20): `rabbitmq` (queue length, over
 * AMQP with the service's own broker URL), `nats-jetstream` (a consumer's lag, from the servers'
 * monitoring endpoint) and `prometheus` (a PromQL query). The broker's connection reaches KEDA
 * through a TriggerAuthentication that reads the service's Secret, never the manifest.
 *
 * **The HPA stays a Pulumi resource; KEDA adopts it.** The service's HorizontalPodAutoscaler
 * (`<name>-hpa`, named after the service) is created with or without triggers. With triggers the
 * ScaledObject waits for it, carries KEDA's ownership-transfer annotation and names it in
 * `advanced.horizontalPodAutoscalerConfig.name`: KEDA's webhook admits the ScaledObject (it would
 * refuse one whose Deployment another HPA scales) and KEDA's controller replaces the HPA's spec with
 * its own and becomes its controller; Pulumi ignores the HPA's spec, labels and annotations from
 * then on (`ignoreChanges`). Pulumi never deletes the HPA while triggers are set, so adding triggers
 * to a deployed service is race-free. (Removing the old HPA from the program instead would make
 * Pulumi delete the object KEDA has just adopted; KEDA re-creates it under the same name at once,
 * and the Kubernetes provider, which starts watching after its DELETE and matches by name only,
 * may then never see the deletion and fail the `up` after 10 minutes.) Removing all triggers later
 * deletes the ScaledObject, whose HPA Kubernetes garbage-collects with it: run `pulumi up --refresh`
 * once more to re-create the HPA.
 *
 * @see https://keda.sh/docs/2.20/reference/scaledobject-spec/#transfer-ownership-of-an-existing-hpa
 * @see https://keda.sh/docs/2.20/scalers/rabbitmq-queue/
 * @see https://keda.sh/docs/2.20/scalers/nats-jetstream/
 * @see https://keda.sh/docs/2.20/scalers/prometheus/
 * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#scaling-on-multiple-metrics
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { ArgProblem } from "../contract/problems";

/** Scale on a RabbitMQ queue's length (`mode: QueueLength`), read over AMQP. */
export interface RabbitmqTrigger {
  readonly type: "rabbitmq";
  /** The queue, one the service uses. */
  readonly queueName: string;
  /** Messages per replica: the HPA's target average. @default 20 (KEDA's default) */
  readonly value?: number;
  /** Messages above which the service scales from zero (with `minReplicas: 0`). @default 0 */
  readonly activationValue?: number;
}

/** Scale on a JetStream consumer's lag (pending plus unacknowledged messages). */
export interface NatsJetStreamTrigger {
  readonly type: "nats-jetstream";
  /** The stream, named after a queue the service uses. */
  readonly stream: string;
  /** The durable consumer whose lag counts. */
  readonly consumer: string;
  /** Lag per replica. @default 10 (KEDA's default) */
  readonly lagThreshold?: number;
  /** Lag above which the service scales from zero. @default 0 */
  readonly activationLagThreshold?: number;
}

/** Scale on a Prometheus query of the platform's Prometheus. */
export interface PrometheusTrigger {
  readonly type: "prometheus";
  /** A PromQL query that returns one value. */
  readonly query: string;
  /** The query's value per replica (`AverageValue`). */
  readonly threshold: number;
  /** The value above which the service scales from zero. @default 0 */
  readonly activationThreshold?: number;
}

/** One KEDA trigger. @see https://keda.sh/docs/2.20/reference/scaledobject-spec/#triggers */
export type ScaleTrigger = RabbitmqTrigger | NatsJetStreamTrigger | PrometheusTrigger;

/** The trigger types, KEDA's scaler names. */
export const SCALE_TRIGGER_TYPES = ["rabbitmq", "nats-jetstream", "prometheus"] as const;

/**
 * Where the triggers read from, set by whoever wires the service to its broker and Prometheus.
 * The broker's URL and CA are named by the service's own `secretEnv` variables, so the
 * TriggerAuthentication reads exactly the Secrets the service reads.
 */
export interface TriggerSources {
  /** RabbitMQ: the `secretEnv` variable with the AMQP URL, the one with the CA (private CA only), and whether the URL is `amqps://`. */
  readonly rabbitmq?: { readonly hostEnv: string; readonly caEnv?: string; readonly tls: boolean };
  /** NATS: the servers' monitoring endpoint (`host:8222`, the headless Service so KEDA reaches each server) and the account (`$G` without accounts). */
  readonly natsJetStream?: { readonly monitoringEndpoint: string; readonly account: string };
  /** Prometheus's HTTP API base URL. */
  readonly prometheus?: { readonly serverAddress: string };
}

/** The autoscaling settings the autoscaler is built from (defaults applied). */
export interface ResolvedAutoscaling {
  readonly enabled: boolean;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly targetCPUUtilizationPercentage: number;
  readonly targetMemoryUtilizationPercentage?: number;
  readonly triggers: readonly ScaleTrigger[];
}

/** Whether the autoscaler is a KEDA ScaledObject: autoscaling on, with at least one trigger. */
export function usesKeda(autoscaling: Pick<ResolvedAutoscaling, "enabled" | "triggers">): boolean {
  return autoscaling.enabled && autoscaling.triggers.length > 0;
}

const whole = (n: number) => Number.isInteger(n) && n >= 0;

/**
 * The problems of the autoscaling settings: bounds, percentages, each trigger's fields, and
 * `minReplicas: 0` without a trigger that can wake the service (KEDA scales from zero on its
 * triggers' activation only; CPU and memory cannot, and a plain HPA never goes below 1).
 *
 * @param given - the fields as set (derived ones are not reported twice).
 * @see https://keda.sh/docs/2.20/concepts/scaling-deployments/#activating-and-scaling-thresholds
 */
export function autoscalingProblems(resolved: ResolvedAutoscaling, given: { minReplicas?: number; maxReplicas?: number } = {}): ArgProblem[] {
  const problems: ArgProblem[] = [];
  const add = (path: (string | number)[], message: string) => problems.push({ path: ["autoscaling", ...path], message });
  const { minReplicas, maxReplicas, triggers } = resolved;
  if (given.minReplicas !== undefined && !whole(minReplicas)) add(["minReplicas"], `must be a whole number ≥ 0 (got ${minReplicas})`);
  else if (given.minReplicas !== undefined && minReplicas === 0 && !usesKeda(resolved)) {
    add(["minReplicas"], "is 0, which needs a queue or Prometheus trigger (`autoscaling.triggers`) to wake the service: CPU and memory cannot scale from zero");
  }
  if (given.maxReplicas !== undefined && !(whole(maxReplicas) && maxReplicas >= 1)) add(["maxReplicas"], `must be a whole number ≥ 1 (got ${maxReplicas})`);
  if (whole(minReplicas) && whole(maxReplicas) && maxReplicas >= 1 && minReplicas > maxReplicas) add(["minReplicas"], `(${minReplicas}) must not exceed \`autoscaling.maxReplicas\` (${maxReplicas})`);
  for (const key of ["targetCPUUtilizationPercentage", "targetMemoryUtilizationPercentage"] as const) {
    const value = resolved[key];
    if (value !== undefined && !(value >= 1 && value <= 100)) add([key], `must be from 1 to 100 (got ${value})`);
  }
  const positive = (path: (string | number)[], value: number | undefined, zero = false) => {
    if (value !== undefined && !(Number.isFinite(value) && (zero ? value >= 0 : value > 0))) add(path, `must be a number ${zero ? "≥ 0" : "> 0"} (got ${value})`);
  };
  triggers.forEach((t, i) => {
    const at = (field: string) => ["triggers", i, field];
    if (t.type === "rabbitmq") {
      if (!t.queueName) add(at("queueName"), "must name a queue");
      positive(at("value"), t.value);
      positive(at("activationValue"), t.activationValue, true);
    } else if (t.type === "nats-jetstream") {
      if (!t.stream) add(at("stream"), "must name a stream");
      if (!t.consumer) add(at("consumer"), "must name the stream's durable consumer");
      for (const [key, value] of [["lagThreshold", t.lagThreshold], ["activationLagThreshold", t.activationLagThreshold]] as const) {
        if (value !== undefined && !(Number.isInteger(value) && value >= (key === "lagThreshold" ? 1 : 0))) add(at(key), `must be a whole number ≥ ${key === "lagThreshold" ? 1 : 0} (got ${value})`);
      }
    } else if (t.type === "prometheus") {
      if (!t.query?.trim()) add(at("query"), "must be a PromQL query");
      positive(at("threshold"), t.threshold);
      positive(at("activationThreshold"), t.activationThreshold, true);
    } else add(["triggers", i, "type"], `must be one of ${SCALE_TRIGGER_TYPES.join(", ")}`);
  });
  return problems;
}

/** The HPA's resource metrics: CPU, and memory when a target is set (the HPA scales on the larger proposal). */
export function hpaMetrics(autoscaling: ResolvedAutoscaling): k8s.types.input.autoscaling.v2.MetricSpec[] {
  const resource = (name: string, averageUtilization: number) => ({ type: "Resource", resource: { name, target: { type: "Utilization", averageUtilization } } });
  return [
    resource("cpu", autoscaling.targetCPUUtilizationPercentage),
    ...(autoscaling.targetMemoryUtilizationPercentage !== undefined ? [resource("memory", autoscaling.targetMemoryUtilizationPercentage)] : []),
  ];
}

/**
 * The triggers whose source is missing: a RabbitMQ trigger without `sources.rabbitmq` or without the
 * service's `secretEnv` entry for the URL (and the CA with TLS), a NATS trigger without
 * `sources.natsJetStream`, a Prometheus trigger without `sources.prometheus`. Checked before
 * anything is created, on Kubernetes only (Docker has no autoscaler).
 */
export function triggerSourceProblems(autoscaling: ResolvedAutoscaling, sources: TriggerSources, secretEnv: Readonly<Record<string, unknown>>): ArgProblem[] {
  if (!usesKeda(autoscaling)) return [];
  return autoscaling.triggers.flatMap((t, i): ArgProblem[] => {
    const path = ["autoscaling", "triggers", i, "type"];
    if (t.type === "rabbitmq") {
      const source = sources.rabbitmq;
      if (!source) return [{ path, message: "is rabbitmq, but the service has no RabbitMQ broker (`triggerSources.rabbitmq`)" }];
      const envs = [source.hostEnv, ...(source.tls && source.caEnv ? [source.caEnv] : [])].filter((env) => !(env in secretEnv));
      return envs.length > 0 ? [{ path, message: `is rabbitmq, whose TriggerAuthentication reads the service's \`secretEnv\` ${envs.join(" and ")}, which it does not have` }] : [];
    }
    if (t.type === "nats-jetstream" && !sources.natsJetStream) return [{ path, message: "is nats-jetstream, but the service has no NATS broker (`triggerSources.natsJetStream`)" }];
    if (t.type === "prometheus" && !sources.prometheus) return [{ path, message: "is prometheus, but the service has no Prometheus (`triggerSources.prometheus`)" }];
    return [];
  });
}

/** KEDA's annotation that lets a ScaledObject adopt the HPA named in `advanced.horizontalPodAutoscalerConfig.name`. */
export const TRANSFER_HPA_OWNERSHIP = "scaledobject.keda.sh/transfer-hpa-ownership";

/** What Pulumi leaves to KEDA on an HPA a ScaledObject has adopted: KEDA rewrites all three. */
export const HPA_ADOPTED_BY_KEDA = ["spec", "metadata.labels", "metadata.annotations"] as const;

/** The name of the TriggerAuthentication (and of its ConfigMap) of a service's RabbitMQ triggers. */
export const rabbitmqAuthName = (name: string): string => `${name}-rabbitmq`;

/** A trigger's `metadata`, which KEDA takes as strings only. */
const strings = (fields: Record<string, string | number | boolean | undefined>): Record<string, string> =>
  Object.fromEntries(Object.entries(fields).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)]])));

/**
 * The ScaledObject's `triggers`: CPU (and memory) utilisation as before, then each event trigger
 * with KEDA's metadata keys.
 *
 * @throws Error when a trigger's source is missing from `sources`.
 */
export function kedaTriggers(name: string, autoscaling: ResolvedAutoscaling, sources: TriggerSources): Record<string, unknown>[] {
  const resource = (type: string, value: number) => ({ type, metricType: "Utilization", metadata: { value: String(value) } });
  const missing = (i: number, what: string) => new Error(`AppService "${name}": \`autoscaling.triggers[${i}]\` needs ${what}`);
  return [
    resource("cpu", autoscaling.targetCPUUtilizationPercentage),
    ...(autoscaling.targetMemoryUtilizationPercentage !== undefined ? [resource("memory", autoscaling.targetMemoryUtilizationPercentage)] : []),
    ...autoscaling.triggers.map((t, i) => {
      switch (t.type) {
        case "rabbitmq":
          if (!sources.rabbitmq) throw missing(i, "a RabbitMQ broker (`triggerSources.rabbitmq`)");
          return {
            type: "rabbitmq",
            metadata: strings({ queueName: t.queueName, mode: "QueueLength", value: t.value ?? 20, activationValue: t.activationValue, protocol: "amqp" }),
            authenticationRef: { name: rabbitmqAuthName(name) },
          };
        case "nats-jetstream": {
          const nats = sources.natsJetStream;
          if (!nats) throw missing(i, "a NATS broker (`triggerSources.natsJetStream`)");
          return {
            type: "nats-jetstream",
            metadata: strings({
              natsServerMonitoringEndpoint: nats.monitoringEndpoint,
              account: nats.account,
              stream: t.stream,
              consumer: t.consumer,
              lagThreshold: t.lagThreshold ?? 10,
              activationLagThreshold: t.activationLagThreshold,
            }),
          };
        }
        case "prometheus":
          if (!sources.prometheus) throw missing(i, "Prometheus (`triggerSources.prometheus`)");
          return {
            type: "prometheus",
            metadata: strings({ serverAddress: sources.prometheus.serverAddress, query: t.query, threshold: t.threshold, activationThreshold: t.activationThreshold }),
          };
      }
    }),
  ];
}

/**
 * The ScaledObject's `spec`: the Deployment, the replica bounds (`minReplicaCount` may be 0), the
 * HPA KEDA owns under the service's name (so a deployed HPA is adopted, see the module comment)
 * and the triggers.
 *
 * @see https://keda.sh/docs/2.20/reference/scaledobject-spec/
 */
export function scaledObjectSpec(name: string, deploymentName: pulumi.Input<string>, autoscaling: ResolvedAutoscaling, sources: TriggerSources): Record<string, unknown> {
  return {
    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deploymentName },
    minReplicaCount: autoscaling.minReplicas,
    maxReplicaCount: autoscaling.maxReplicas,
    advanced: { horizontalPodAutoscalerConfig: { name } },
    triggers: kedaTriggers(name, autoscaling, sources),
  };
}

/** A Secret key reference of a service's `secretEnv`. */
type SecretRef = { readonly secretName: pulumi.Input<string>; readonly key: string };

/**
 * The TriggerAuthentication of the RabbitMQ triggers: `host` from the Secret the service reads its
 * AMQP URL from, `ca` from the broker's CA Secret when it is private, and `tls: enable` (from the
 * ConfigMap {@link rabbitmqAuthName}, since KEDA reads `tls` from authentication only) for `amqps://`.
 *
 * @throws Error when the service has no `secretEnv` entry for the URL (or the CA).
 * @see https://keda.sh/docs/2.20/scalers/rabbitmq-queue/#authentication-parameters
 */
export function rabbitmqAuthenticationSpec(name: string, source: NonNullable<TriggerSources["rabbitmq"]>, secretEnv: Readonly<Record<string, SecretRef>>): Record<string, unknown> {
  const ref = (env: string) => {
    const found = secretEnv[env];
    if (!found) throw new Error(`AppService "${name}": a RabbitMQ trigger reads the broker's URL from \`secretEnv.${env}\`, which the service does not have; give the service the queue (\`uses.queues\`)`);
    return found;
  };
  const host = ref(source.hostEnv);
  const ca = source.tls && source.caEnv ? ref(source.caEnv) : undefined;
  return {
    secretTargetRef: [{ parameter: "host", name: host.secretName, key: host.key }, ...(ca ? [{ parameter: "ca", name: ca.secretName, key: ca.key }] : [])],
    ...(source.tls ? { configMapTargetRef: [{ parameter: "tls", name: rabbitmqAuthName(name), key: "tls" }] } : {}),
  };
}

/** What {@link deployAutoscaler} needs of the service. */
export interface AutoscalerTarget {
  readonly name: string;
  readonly metadata: { name: string; namespace: pulumi.Input<string>; labels: Record<string, string> };
  readonly deploymentName: pulumi.Input<string>;
  readonly autoscaling: ResolvedAutoscaling;
  readonly sources: TriggerSources;
  readonly secretEnv: Readonly<Record<string, SecretRef>>;
}

/**
 * Creates the service's autoscaler: nothing when autoscaling is off; a HorizontalPodAutoscaler
 * (`<name>-hpa`); with triggers also the ScaledObject (`<name>-scaledobject`), which adopts that
 * HPA, and, for RabbitMQ triggers, its TriggerAuthentication and ConfigMap.
 *
 * @returns the HPA and the ScaledObject, when there are (a canary controller references them).
 */
export function deployAutoscaler(
  target: AutoscalerTarget,
  opts: pulumi.CustomResourceOptions,
): { readonly hpa?: k8s.autoscaling.v2.HorizontalPodAutoscaler; readonly scaledObject?: k8s.apiextensions.CustomResource } {
  const { name, metadata, autoscaling } = target;
  if (!autoscaling.enabled) return {};
  const keda = usesKeda(autoscaling);
  const hpa = new k8s.autoscaling.v2.HorizontalPodAutoscaler(
    `${name}-hpa`,
    {
      metadata,
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: target.deploymentName },
        // An HPA never goes below 1; scaling to zero is KEDA's (it deactivates the Deployment).
        minReplicas: Math.max(1, autoscaling.minReplicas),
        maxReplicas: autoscaling.maxReplicas,
        metrics: hpaMetrics(autoscaling),
      },
    },
    // With triggers KEDA adopts this HPA and owns its spec and metadata (see the module comment).
    keda ? { ...opts, ignoreChanges: [...HPA_ADOPTED_BY_KEDA] } : opts,
  );
  if (!keda) return { hpa };
  // The HPA first: KEDA adopts it (named in the ScaledObject) rather than racing Pulumi to create it.
  const dependsOn: pulumi.Resource[] = [hpa];
  const rabbitmq = target.sources.rabbitmq;
  if (rabbitmq && autoscaling.triggers.some((t) => t.type === "rabbitmq")) {
    const authMetadata = { ...metadata, name: rabbitmqAuthName(name) };
    if (rabbitmq.tls) dependsOn.push(new k8s.core.v1.ConfigMap(`${name}-rabbitmq-scaler`, { metadata: authMetadata, data: { tls: "enable" } }, opts));
    dependsOn.push(
      new k8s.apiextensions.CustomResource(
        `${name}-rabbitmq-auth`,
        { apiVersion: "keda.sh/v1alpha1", kind: "TriggerAuthentication", metadata: authMetadata, spec: rabbitmqAuthenticationSpec(name, rabbitmq, target.secretEnv) },
        opts,
      ),
    );
  }
  const scaledObject = new k8s.apiextensions.CustomResource(
    `${name}-scaledobject`,
    {
      apiVersion: "keda.sh/v1alpha1",
      kind: "ScaledObject",
      metadata: { ...metadata, annotations: { [TRANSFER_HPA_OWNERSHIP]: "true" } },
      spec: scaledObjectSpec(name, target.deploymentName, autoscaling, target.sources),
    },
    { ...opts, dependsOn: [...((opts.dependsOn as pulumi.Resource[] | undefined) ?? []), ...dependsOn] },
  );
  return { hpa, scaledObject };
}
