/**
 * The MessageQueue's backends: which exist, where each runs, for which broker, and how to load it.
 * Validation and construction both read {@link messageQueueBackends}, so a mode or broker is refused
 * exactly where no backend would run it.
 *
 * @see https://www.rabbitmq.com/kubernetes/operator/using-operator
 * @see https://docs.nats.io/running-a-nats-service/nats-kubernetes
 * @see https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/working-with-rabbitmq.html
 */
import type { PlatformFacts } from "../contract/platform";
import type { ArgProblem } from "../contract/problems";
import { onDocker, onKubernetes, targetsServing, type Backend } from "../data-store/backends";
import { BROKERS, messageQueueSettingsProblems, resolveMessageQueue, type MessageQueueSettings, type ResolvedMessageQueue } from "./spec";
import type { BrokerBackendContext, BrokerEndpoints } from "./types";

/* eslint-disable @typescript-eslint/no-require-imports */
/** Every backend of the MessageQueue, the first match winning. */
export const messageQueueBackends: readonly Backend<ResolvedMessageQueue, BrokerBackendContext, BrokerEndpoints>[] = [
  { name: "docker", mode: "in-cluster", targets: ["docker"], load: () => onDocker((require("./docker") as typeof import("./docker")).deployBrokerToDocker) },
  {
    name: "amazon-mq",
    mode: "managed",
    targets: ["eks"],
    when: (spec) => spec.broker === "rabbitmq",
    load: () => onKubernetes((require("./aws") as typeof import("./aws")).deployBrokerToAws),
  },
  {
    name: "nats",
    mode: "in-cluster",
    targets: ["eks", "gke", "k3s"],
    when: (spec) => spec.broker === "nats",
    load: () => onKubernetes((require("./nats") as typeof import("./nats")).deployNatsToKubernetes),
  },
  {
    name: "rabbitmq",
    mode: "in-cluster",
    targets: ["eks", "gke", "k3s"],
    when: (spec) => spec.broker === "rabbitmq",
    load: () => onKubernetes((require("./rabbitmq") as typeof import("./rabbitmq")).deployRabbitmqToKubernetes),
  },
];
/* eslint-enable @typescript-eslint/no-require-imports */

/**
 * Finds every problem with a MessageQueue's arguments on a target: an unknown broker, a mode no
 * backend runs on the target or for the broker, then each setting (see
 * {@link messageQueueSettingsProblems}).
 *
 * @param args - the settings (no platform, no add-ons).
 * @param on - the target's flavour and environment.
 * @returns the problems, each with its field's path; empty when the arguments are usable.
 * @see https://www.rabbitmq.com/docs/clustering
 */
export function validateMessageQueue(args: MessageQueueSettings, on: PlatformFacts): ArgProblem[] {
  const problems: ArgProblem[] = [];
  if (args.broker !== undefined && !BROKERS.includes(args.broker)) problems.push({ path: ["broker"], message: `must be one of ${BROKERS.join(" | ")} (got "${String(args.broker)}")` });
  const spec = resolveMessageQueue("queue", args, on);
  if (spec.mode === "managed") {
    const targets = targetsServing(messageQueueBackends, spec.mode);
    if (!targets.includes(on.flavour)) {
      problems.push({ path: ["mode"], message: `managed needs ${targets.join(" or ")} (Amazon MQ for RabbitMQ); on ${on.flavour} the broker runs in-cluster${on.flavour === "docker" ? " (a container)" : ""}` });
    }
    if (!messageQueueBackends.some((row) => row.mode === spec.mode && (row.when?.(spec) ?? true))) problems.push({ path: ["broker"], message: "managed mode is Amazon MQ for RabbitMQ; NATS runs in-cluster only" });
  }
  return [...problems, ...messageQueueSettingsProblems(args, on)];
}
