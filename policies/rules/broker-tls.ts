import type * as awsSdk from "@pulumi/aws";
import type * as dockerSdk from "@pulumi/docker";
import {
  validateResourceOfType,
  type ReportViolation,
  type ResourceValidation,
  type ResourceValidationArgs,
  type ResourceValidationPolicy,
} from "@pulumi/policy";
import type { Unwrap } from "@pulumi/pulumi";
import { environmentConfigProperty, isProduction } from "./environment";
import { chartName, dockerLabel, refOf } from "./known";
import { COMPONENT_LABEL, COMPONENT_ROLES } from "../../components/contract/labels";
import { aws, docker, k8s } from "./resource-types";

/** The type token of the RabbitMQ Cluster Operator's `RabbitmqCluster` under Pulumi. */
export const RABBITMQ_CLUSTER = "kubernetes:rabbitmq.com/v1beta1:RabbitmqCluster";

/** The name of the NATS Helm chart (`nats/nats`, chart 1.x). */
export const NATS_CHART = "nats";

/** The label that marks a Docker container as the MessageQueue's broker. */
export const BROKER_CONTAINER_LABEL = { key: COMPONENT_LABEL, value: COMPONENT_ROLES.messageQueue } as const;

/** A check of one kind of broker: `label` is how its messages name the broker. */
export type BrokerCheck<T> = (label: string, subject: T, reportViolation: ReportViolation, args: ResourceValidationArgs) => void;

/** The checks of a broker rule, one per kind of broker it looks at. */
export interface BrokerChecks {
  /** A RabbitmqCluster (`rabbitmq.com/v1beta1`), given its `spec` (`{}` when unset). */
  readonly rabbitmqCluster?: BrokerCheck<any>;
  /** A Helm release of the `nats` chart, given its `values` (`{}` when unset). */
  readonly natsRelease?: BrokerCheck<any>;
  /** An Amazon MQ broker. */
  readonly amazonMq?: BrokerCheck<Unwrap<awsSdk.mq.BrokerArgs>>;
  /** A Docker container labelled as the broker ({@link BROKER_CONTAINER_LABEL}). */
  readonly dockerBroker?: BrokerCheck<Unwrap<dockerSdk.ContainerArgs>>;
}

/**
 * The resource validations of a broker rule: each finds its kind of broker, names it for messages
 * (`RabbitmqCluster "data/queue"`, `Helm release "queue" (chart nats)`, `Amazon MQ broker "queue"`,
 * `Docker broker container "platform-queue"`) and runs the rule's check for that kind.
 *
 * @see https://www.pulumi.com/docs/insights/policy/policy-packs/authoring/
 */
export function brokerValidations(checks: BrokerChecks): ResourceValidation[] {
  const { rabbitmqCluster, natsRelease, amazonMq, dockerBroker } = checks;
  const validations: ResourceValidation[] = [];
  if (rabbitmqCluster) {
    validations.push((args, report) => {
      if (args.type === RABBITMQ_CLUSTER) rabbitmqCluster(`RabbitmqCluster "${refOf(args.props, args.name)}"`, args.props.spec ?? {}, report, args);
    });
  }
  if (natsRelease) {
    validations.push(
      validateResourceOfType(k8s.helm.v3.Release, (release, args, report) => {
        if (chartName(release.chart) !== NATS_CHART) return;
        natsRelease(`Helm release "${release.name ?? args.name}" (chart ${NATS_CHART})`, release.values ?? {}, report, args);
      }),
    );
  }
  if (amazonMq) {
    validations.push(validateResourceOfType(aws.mq.Broker, (broker, args, report) => amazonMq(`Amazon MQ broker "${args.name}"`, broker, report, args)));
  }
  if (dockerBroker) {
    validations.push(
      validateResourceOfType(docker.Container, (container, args, report) => {
        if (dockerLabel(container.labels, BROKER_CONTAINER_LABEL.key) !== BROKER_CONTAINER_LABEL.value) return;
        dockerBroker(`Docker broker container "${container.name ?? args.name}"`, container, report, args);
      }),
    );
  }
  return validations;
}

/**
 * Broker traffic is encrypted in production, and a managed broker is never reachable from the
 * internet. The TLS checks apply only when the stack is production (see `environment.ts`); the
 * public-access check applies in every environment.
 *
 * - RabbitMQ Cluster Operator `rabbitmq.com/v1beta1` `RabbitmqCluster`: `spec.tls.secretName` set
 *   (the Secret of the server certificate, such as a cert-manager Certificate's) and
 *   `spec.tls.disableNonTLSListeners: true`, so AMQP, the management UI and the enabled plugins
 *   listen with TLS only.
 * - `kubernetes:helm.sh/v3:Release` of the `nats` chart: `values.config.nats.tls.enabled: true`
 *   with `values.config.nats.tls.secretName` (the chart mounts that Secret as the client
 *   listener's certificate).
 * - AWS Amazon MQ broker (`aws.mq.Broker`): its endpoints are TLS-only whatever the engine
 *   (`amqps`, `ssl`, `wss`), so no TLS setting is checked; `publiclyAccessible` must not be `true`,
 *   in every environment.
 * - Docker broker containers (labelled `app.kubernetes.io/component: message-queue`) are not
 *   checked: the shipped production stacks run on EKS or GKE, a Docker broker in a production
 *   stack is reported by `broker-quorum` (one container is one node), and how a container serves
 *   TLS lives in the configuration file it uploads, which this rule does not parse.
 *
 * Route (inter-node) TLS is not checked: neither `spec.tls` of a RabbitmqCluster nor
 * `config.nats.tls` covers it.
 *
 * @severity high
 *
 * @see https://www.rabbitmq.com/kubernetes/operator/using-operator#tls
 * @see https://www.rabbitmq.com/docs/ssl
 * @see https://github.com/nats-io/k8s/tree/main/helm/charts/nats
 * @see https://docs.nats.io/running-a-nats-service/configuration/securing_nats/tls
 * @see https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/data-protection.html
 * @see https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/rabbitmq-basic-elements-broker.html
 */
export const brokerTls: ResourceValidationPolicy = {
  name: "broker-tls",
  description: "Production brokers accept TLS connections only, and Amazon MQ brokers are never publicly accessible.",
  severity: "high",
  enforcementLevel: "mandatory",
  configSchema: { properties: { environment: environmentConfigProperty } },
  validateResource: brokerValidations({
    rabbitmqCluster: (label, spec, reportViolation, args) => {
      if (!isProduction(args)) return;
      if (!spec.tls?.secretName) {
        reportViolation(`${label} sets no spec.tls.secretName, so it serves no TLS; name the Secret of its certificate and set spec.tls.disableNonTLSListeners: true.`);
      } else if (spec.tls.disableNonTLSListeners !== true) {
        reportViolation(`${label} does not set spec.tls.disableNonTLSListeners: true, so clients may still connect without TLS.`);
      }
    },
    natsRelease: (label, values, reportViolation, args) => {
      if (!isProduction(args)) return;
      const tls = values.config?.nats?.tls;
      if (tls?.enabled !== true) {
        reportViolation(`${label} does not set config.nats.tls.enabled: true, so clients connect without TLS.`);
      } else if (!tls.secretName) {
        reportViolation(`${label} sets no config.nats.tls.secretName; name the Secret of the client listener's certificate.`);
      }
    },
    amazonMq: (label, broker, reportViolation) => {
      if (broker.publiclyAccessible === true) {
        reportViolation(`${label} sets publiclyAccessible: true, so its endpoints are reachable from the internet; keep it in private subnets.`);
      }
    },
  }),
};
