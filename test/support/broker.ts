/**
 * What a MessageQueue's outputs resolved to, recorded inside the program (a captured stack's
 * outputs are redacted), for the broker suites.
 *
 * @see https://www.pulumi.com/docs/iac/guides/testing/unit/
 */
import * as pulumi from "@pulumi/pulumi";
import type { MessageQueue } from "../../components/message-queue";
import type { ScrapeEndpoint } from "../../components/contract/metrics";

/** A broker's resolved outputs. */
export interface SeenBroker {
  url?: string;
  urlSecret?: boolean;
  host?: string;
  port?: number;
  managementUrl?: string;
  caSecretName?: string;
  password?: string;
  metricsEndpoint?: ScrapeEndpoint;
}

/** Records `queue`'s outputs under `seen[key]` as they resolve; call it inside the captured program. */
export function recordBroker(seen: Record<string, SeenBroker>, key: string, queue: MessageQueue): void {
  seen[key] = { caSecretName: queue.caSecretName, metricsEndpoint: queue.metricsEndpoint };
  queue.url.apply((url) => (seen[key].url = url));
  pulumi.isSecret(queue.url).then((secret) => (seen[key].urlSecret = secret));
  queue.host.apply((host) => (seen[key].host = host));
  queue.port.apply((port) => (seen[key].port = port));
  queue.managementUrl?.apply((url) => (seen[key].managementUrl = url));
}
