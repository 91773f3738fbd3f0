/**
 * A service's `autoscaling` block and its cross-key checks: the HPA's bounds and utilisation
 * targets (CPU, memory), and KEDA `triggers` in KEDA's own vocabulary (the scaler's `type` and its
 * metadata keys). The component's `validateAppService` checks each field; here, what only the
 * whole stack knows: the queue a trigger reads is one the service uses, the broker is the one the
 * trigger speaks to, Prometheus runs, and scale to zero is for workers outside prod.
 *
 * @see https://keda.sh/docs/2.20/reference/scaledobject-spec/#triggers
 */
import { z } from "zod";
import type { Environment } from "../../components";
import { removeCommand, setCommand } from "./keys";
import { count } from "./validators";

const rabbitmqTrigger = z.strictObject({
  type: z.literal("rabbitmq"),
  queueName: z.string().meta({ examples: ["orders"] }),
  value: z.number().optional(),
  activationValue: z.number().optional(),
});
const natsJetStreamTrigger = z.strictObject({
  type: z.literal("nats-jetstream"),
  stream: z.string().meta({ examples: ["orders"] }),
  consumer: z.string().meta({ examples: ["orders-worker"] }),
  lagThreshold: z.number().optional(),
  activationLagThreshold: z.number().optional(),
});
const prometheusTrigger = z.strictObject({
  type: z.literal("prometheus"),
  query: z.string(),
  threshold: z.number(),
  activationThreshold: z.number().optional(),
});

/** `services[].autoscaling`. `minReplicas` may be 0 (scale to zero) for a worker outside prod with a queue or Prometheus trigger. */
export const autoscalingSchema = z.strictObject({
  enabled: z.boolean().optional(),
  minReplicas: count(0).optional(),
  maxReplicas: count().optional(),
  targetCPUUtilizationPercentage: z.number().optional(),
  targetMemoryUtilizationPercentage: z.number().optional(),
  triggers: z.array(z.discriminatedUnion("type", [rabbitmqTrigger, natsJetStreamTrigger, prometheusTrigger])).optional(),
});

/** What the checks read of the stack. */
interface StackFacts {
  readonly environment: Environment;
  readonly target: string;
  readonly broker?: "rabbitmq" | "nats";
  readonly observability: boolean;
  /** The queues `messageQueue.queues` declares, where the platform declares them (in-cluster RabbitMQ); undefined where the application does. */
  readonly declaredQueues?: readonly string[];
}

/** What the checks read of one service (as parsed, possibly partly). */
interface ServiceFacts {
  readonly worker?: boolean;
  readonly uses?: { readonly queues?: readonly string[] };
  readonly autoscaling?: z.infer<typeof autoscalingSchema>;
}

/**
 * The stack-level problems of one service's autoscaling, at their key paths under
 * `services[i].autoscaling`: a queue trigger on a queue the service does not use (with the command
 * that adds it to `uses.queues`), a trigger for a broker the stack does not run, a Prometheus
 * trigger without the observability stack, triggers with autoscaling off, and `minReplicas: 0`
 * for a service that is not a worker or in prod (a worker idles at zero safely; an API must
 * answer the first request, and prod keeps its minimum).
 */
export function autoscalingConfigProblems(service: ServiceFacts, i: number, stack: StackFacts): { path: (string | number)[]; message: string }[] {
  const autoscaling = service.autoscaling;
  if (!autoscaling) return [];
  const problems: { path: (string | number)[]; message: string }[] = [];
  const at = (...path: (string | number)[]) => ["services", i, "autoscaling", ...path];
  const uses = service.uses?.queues ?? [];
  const triggers = Array.isArray(autoscaling.triggers) ? autoscaling.triggers : [];
  triggers.forEach((trigger, t) => {
    if (!trigger || typeof trigger !== "object") return;
    if (trigger.type === "rabbitmq" || trigger.type === "nats-jetstream") {
      const key = trigger.type === "rabbitmq" ? "queueName" : "stream";
      const queue = trigger.type === "rabbitmq" ? trigger.queueName : trigger.stream;
      const wanted = trigger.type === "rabbitmq" ? "rabbitmq" : "nats";
      if (stack.broker !== wanted) {
        problems.push({ path: at("triggers", t, "type"), message: `is ${trigger.type}, but the stack's broker is ${stack.broker ? `\`${stack.broker}\`` : "off (`messageQueue.enabled: false`)"}; use the ${stack.broker === "nats" ? "nats-jetstream" : "rabbitmq"} trigger or remove it: \`${removeCommand(at("triggers", t))}\`` });
      } else if (typeof queue === "string" && !uses.includes(queue)) {
        const listed = uses.length > 0 ? uses.map((q) => `"${q}"`).join(", ") : "none";
        // A name no queue has (a typo): adding it to `uses.queues` would only move the error there.
        const undeclared = stack.declaredQueues !== undefined && !stack.declaredQueues.includes(queue);
        const fix = uses.length > 0 ? `fix the name: \`${setCommand(at("triggers", t, key), uses[0])}\`` : `declare the queue in \`messageQueue.queues\` and \`uses.queues\``;
        problems.push({
          path: at("triggers", t, key),
          message: undeclared
            ? `"${queue}" is not a queue of \`messageQueue.queues\` (${stack.declaredQueues!.length > 0 ? stack.declaredQueues!.map((q) => `"${q}"`).join(", ") : "none declared"}) nor of this service's \`uses.queues\` (${listed}); ${fix}`
            : `"${queue}" is not a queue of this service's \`uses.queues\` (${listed}): the service scales on a queue it consumes; add it with \`${setCommand(["services", i, "uses", "queues", uses.length], queue)}\` or fix the name`,
        });
      }
    } else if (trigger.type === "prometheus" && !stack.observability) {
      problems.push({ path: at("triggers", t, "type"), message: `is prometheus, but \`observability.enabled\` is false, so there is no Prometheus to query; enable observability (\`${setCommand(["observability", "enabled"], "true")}\`) or remove the trigger: \`${removeCommand(at("triggers", t))}\`` });
    }
  });
  if (triggers.length > 0 && autoscaling.enabled === false) {
    problems.push({ path: at("enabled"), message: `is false while \`autoscaling.triggers\` are set: triggers need the autoscaler; remove it (\`${removeCommand(at("enabled"))}\`) or the triggers` });
  }
  if (autoscaling.minReplicas === 0) {
    if (!service.worker) problems.push({ path: at("minReplicas"), message: `is 0, which only a worker (\`worker: true\`) may use: a service behind a route must answer the first request; set it to 1 or more: \`${setCommand(at("minReplicas"), "1")}\`` });
    else if (stack.environment === "prod") problems.push({ path: at("minReplicas"), message: `is 0 in prod, which keeps at least its minimum: the first message would wait for a pod to start; set it with \`${setCommand(["services", i, "autoscaling", "minReplicas"], "1")}\`` });
  }
  return problems;
}
