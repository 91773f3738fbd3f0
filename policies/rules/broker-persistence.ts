import type { ResourceValidationPolicy } from "@pulumi/policy";
import { parseQuantity } from "../../components/shared/quantity";
import { brokerValidations } from "./broker-tls";
import { dockerLabel, dockerPersistentPaths, pathWithin } from "./known";

/**
 * The data directory of each broker image, by the container's `app.kubernetes.io/name` label. A
 * broker not listed here (NATS, whose JetStream `store_dir` is its own configuration) needs a
 * persistent mount anywhere.
 */
export const BROKER_DATA_DIRS: ReadonlyMap<string, string> = new Map([["rabbitmq", "/var/lib/rabbitmq"]]);

/**
 * Brokers keep their messages on storage that outlives a pod or a container, in every environment
 * (a durable queue on an emptyDir is lost with its pod).
 *
 * - RabbitMQ Cluster Operator `rabbitmq.com/v1beta1` `RabbitmqCluster`: `spec.persistence.storage`
 *   not zero (`0`, `0Gi`…), which makes the operator give each node an emptyDir. Unset is
 *   accepted: the CRD's default is `10Gi`.
 * - `kubernetes:helm.sh/v3:Release` of the `nats` chart: `values.config.jetstream.enabled: true`,
 *   `values.config.jetstream.fileStore.enabled: true` (not memory only) and
 *   `values.config.jetstream.fileStore.pvc.enabled: true` (a PersistentVolumeClaim per server),
 *   each set in the release (the rule reads the release's values, not the chart's defaults).
 * - Docker broker container (labelled `app.kubernetes.io/component: message-queue`): a named volume
 *   or host path (`volumes`, or `mounts` of type `volume`/`bind`) at its data directory or a parent
 *   of it: `/var/lib/rabbitmq` when labelled `app.kubernetes.io/name: rabbitmq`, anywhere otherwise.
 * - AWS Amazon MQ keeps messages on the storage of the service; nothing is checked.
 *
 * @severity high
 *
 * @see https://www.rabbitmq.com/kubernetes/operator/using-operator
 * @see https://docs.nats.io/running-a-nats-service/configuration/resource_management
 * @see https://github.com/nats-io/k8s/tree/main/helm/charts/nats
 * @see https://hub.docker.com/_/rabbitmq
 * @see https://docs.docker.com/engine/storage/volumes/
 */
export const brokerPersistence: ResourceValidationPolicy = {
  name: "broker-persistence",
  description: "Brokers keep their messages on persistent volumes, not in memory or an emptyDir.",
  severity: "high",
  enforcementLevel: "mandatory",
  validateResource: brokerValidations({
    rabbitmqCluster: (label, spec, reportViolation) => {
      const storage = spec.persistence?.storage as string | number | undefined;
      if (storage === undefined || parseQuantity(String(storage)) !== 0) return;
      reportViolation(`${label} sets spec.persistence.storage to "${storage}", so each node keeps its messages in an emptyDir and loses them with its pod; request a volume such as "10Gi".`);
    },
    natsRelease: (label, values, reportViolation) => {
      const jetstream = values.config?.jetstream;
      if (jetstream?.enabled !== true) {
        reportViolation(`${label} does not set config.jetstream.enabled: true, so NATS keeps no messages.`);
      } else if (jetstream.fileStore?.enabled !== true) {
        reportViolation(`${label} does not set config.jetstream.fileStore.enabled: true, so JetStream keeps its streams in memory only.`);
      } else if (jetstream.fileStore.pvc?.enabled !== true) {
        reportViolation(`${label} does not set config.jetstream.fileStore.pvc.enabled: true, so JetStream's file store is lost with its pod.`);
      }
    },
    dockerBroker: (label, container, reportViolation) => {
      const dataDir = BROKER_DATA_DIRS.get(dockerLabel(container.labels, "app.kubernetes.io/name") ?? "");
      const paths = dockerPersistentPaths(container);
      if (dataDir === undefined ? paths.length === 0 : !paths.some((path) => pathWithin(dataDir, path))) {
        const where = dataDir === undefined ? "" : ` at "${dataDir}"`;
        reportViolation(`${label} mounts no named volume or host path${where}, so its messages are lost when the container is replaced.`);
      }
    },
  }),
};
