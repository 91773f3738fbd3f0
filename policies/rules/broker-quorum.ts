import type { ReportViolation, ResourceValidationPolicy } from "@pulumi/policy";
import { brokerValidations } from "./broker-tls";
import { environmentConfigProperty, isProduction } from "./environment";

/** The deployment mode of an Amazon MQ broker that spreads it over availability zones, per engine (lower case). */
const MULTI_AZ_MODE: ReadonlyMap<string, string> = new Map([
  ["rabbitmq", "CLUSTER_MULTI_AZ"],
  ["activemq", "ACTIVE_STANDBY_MULTI_AZ"],
]);

/** Reports `label` unless `nodes` is odd and at least 3; `field` says where the number comes from. */
function checkQuorum(label: string, nodes: number, field: string, reportViolation: ReportViolation): void {
  if (nodes >= 3 && nodes % 2 === 1) return;
  reportViolation(`${label} runs ${nodes} node${nodes === 1 ? "" : "s"} (${field}); run an odd number, at least 3, so a majority survives the loss of one.`);
}

/**
 * Production brokers keep a quorum through the loss of a node or a zone. Quorum queues (RabbitMQ)
 * and JetStream's Raft groups (NATS) need a majority of the nodes, so their number is odd (an even
 * number adds a node without tolerating one more failure) and at least 3. Applies only when the
 * stack is production (see `environment.ts`).
 *
 * - RabbitMQ Cluster Operator `rabbitmq.com/v1beta1` `RabbitmqCluster`: `spec.replicas` odd and at
 *   least 3 (the CRD's default is 1).
 * - `kubernetes:helm.sh/v3:Release` of the `nats` chart: `values.config.cluster.enabled: true`
 *   and `values.config.cluster.replicas` odd and at least 3, both set in the release (the rule
 *   reads the release's values, not the chart's defaults, which change between chart versions).
 * - AWS Amazon MQ broker (`aws.mq.Broker`): `deploymentMode` `CLUSTER_MULTI_AZ` for RabbitMQ (three
 *   nodes in three zones), `ACTIVE_STANDBY_MULTI_AZ` for ActiveMQ; the default is `SINGLE_INSTANCE`.
 * - Docker broker container (labelled `app.kubernetes.io/component: message-queue`): a violation,
 *   since one container is one node; production brokers run on Kubernetes or Amazon MQ.
 *
 * @severity high
 *
 * @see https://www.rabbitmq.com/docs/quorum-queues
 * @see https://www.rabbitmq.com/kubernetes/operator/using-operator
 * @see https://docs.nats.io/running-a-nats-service/configuration/clustering/jetstream_clustering
 * @see https://github.com/nats-io/k8s/tree/main/helm/charts/nats
 * @see https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/rabbitmq-broker-architecture.html
 */
export const brokerQuorum: ResourceValidationPolicy = {
  name: "broker-quorum",
  description: "Production brokers run an odd number of at least 3 nodes (Amazon MQ: multi-AZ), so a majority survives the loss of one.",
  severity: "high",
  enforcementLevel: "mandatory",
  configSchema: { properties: { environment: environmentConfigProperty } },
  validateResource: brokerValidations({
    rabbitmqCluster: (label, spec, reportViolation, args) => {
      if (isProduction(args)) checkQuorum(label, spec.replicas ?? 1, "spec.replicas", reportViolation);
    },
    natsRelease: (label, values, reportViolation, args) => {
      if (!isProduction(args)) return;
      const cluster = values.config?.cluster;
      if (cluster?.enabled !== true) {
        reportViolation(`${label} does not set config.cluster.enabled: true, so it runs a single NATS server; enable clustering with an odd number of at least 3 replicas.`);
      } else if (cluster.replicas === undefined) {
        reportViolation(`${label} sets no config.cluster.replicas; set an odd number, at least 3.`);
      } else {
        checkQuorum(label, cluster.replicas, "config.cluster.replicas", reportViolation);
      }
    },
    amazonMq: (label, broker, reportViolation, args) => {
      const wanted = MULTI_AZ_MODE.get(String(broker.engineType).toLowerCase());
      if (wanted === undefined || !isProduction(args) || broker.deploymentMode === wanted) return;
      reportViolation(`${label} (${broker.engineType}) has deploymentMode "${broker.deploymentMode ?? "SINGLE_INSTANCE"}"; set "${wanted}" so it survives the loss of a zone.`);
    },
    dockerBroker: (label, _container, reportViolation, args) => {
      if (isProduction(args)) reportViolation(`${label} runs a single broker node on Docker in a production stack; run the broker on Kubernetes (3 replicas) or Amazon MQ (multi-AZ).`);
    },
  }),
};
