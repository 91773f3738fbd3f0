/**
 * Alertmanager's configuration, built once for both targets: the Kubernetes backend writes it to
 * the Secret kube-prometheus-stack reads, the Docker backend uploads it to the container, both as
 * secrets (receiver URLs carry tokens, SMTP passwords are passwords).
 *
 * @see https://prometheus.io/docs/alerting/latest/configuration/
 */
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import type { AlertReceiverArgs } from "./spec";

/** A receiver with its secrets resolved: what {@link alertmanagerConfig} renders. */
export type ResolvedReceiver = pulumi.Unwrap<AlertReceiverArgs>;

/** The receiver every unrouted alert goes to: nowhere (Alertmanager still shows it). */
export const NULL_RECEIVER = "null";

/** The receiver of the dead man's switch. */
export const HEARTBEAT_RECEIVER = "heartbeat";

/** The labels that name an alert's target: a critical silences a warning only on the same one. */
const TARGET = ["namespace", "service", "pod", "container", "instance", "job"];

/**
 * Inhibition: the platform's critical silences the warning of its own family (rules.ts gives both
 * levels the same `alertfamily`) on the same target; a chart's critical (kube-prometheus-stack
 * names both levels alike and sets no family) silences its same-name warning on the same target.
 * Alertmanager treats a label missing on both sides as equal, so the family rule requires
 * `alertfamily` on both: otherwise any chart critical would mute every platform warning of its target.
 * @see https://prometheus.io/docs/alerting/latest/configuration/#inhibit_rule
 */
const INHIBIT_RULES = [
  { source_matchers: ['severity="critical"', 'alertfamily=~".+"'], target_matchers: ['severity="warning"', 'alertfamily=~".+"'], equal: ["alertfamily", ...TARGET] },
  { source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ["alertname", ...TARGET] },
];

/**
 * The severity a notification carries: the group's common one, or `critical` when the group mixes
 * severities (chart alerts share names across levels, so a group of one alertname can), where
 * `.CommonLabels.severity` renders empty and PagerDuty's Events API v2 rejects the event.
 */
const GROUP_SEVERITY = "{{ if .CommonLabels.severity }}{{ .CommonLabels.severity }}{{ else }}critical{{ end }}";

/**
 * Alertmanager's configuration: alerts route by `severity` to every receiver that takes that
 * severity (`continue`, so several receivers can get one alert), everything else to a null
 * receiver; the always-firing `Watchdog` (kube-prometheus-stack's; the platform's own on Docker)
 * goes to the heartbeat URL every minute when there is one, nowhere otherwise; a critical alert
 * inhibits the warning of its own family (or, for chart alerts, of its own name) for the same
 * target. Slack and webhook receivers post to their URL, email receivers send through their
 * smarthost with STARTTLS required; PagerDuty pages with the group's severity, Opsgenie raises
 * warnings as P3 and the rest as P1 (a group mixing severities counts as critical); all send
 * resolutions too.
 * @see https://prometheus.io/docs/alerting/latest/configuration/#pagerduty_config
 * @see https://prometheus.io/docs/alerting/latest/configuration/#opsgenie_config
 *
 * @param receivers - the receivers with their secrets resolved; call it inside `apply` only.
 * @see https://prometheus.io/docs/alerting/latest/configuration/#route
 * @see https://prometheus.io/docs/alerting/latest/configuration/#inhibit_rule
 */
export function alertmanagerConfig(receivers: readonly ResolvedReceiver[], heartbeat?: { readonly url: string }): Record<string, any> {
  const integration = (r: ResolvedReceiver): Record<string, unknown> => {
    switch (r.kind) {
      case "pagerduty":
        // PagerDuty's Events API v2 takes critical, error, warning or info: the platform's two severities are among them.
        return { pagerduty_configs: [{ routing_key: r.routingKey, severity: GROUP_SEVERITY, send_resolved: true }] };
      case "opsgenie":
        return {
          opsgenie_configs: [{ api_key: r.apiKey, ...(r.apiUrl ? { api_url: r.apiUrl } : {}), priority: '{{ if eq .CommonLabels.severity "warning" }}P3{{ else }}P1{{ end }}', send_resolved: true }],
        };
      case "slack":
        return { slack_configs: [{ api_url: r.url, ...(r.channel ? { channel: r.channel } : {}), send_resolved: true }] };
      case "webhook":
        return { webhook_configs: [{ url: r.url, send_resolved: true }] };
      case "email":
        return {
          email_configs: [
            {
              to: r.to,
              from: r.from,
              smarthost: r.smarthost,
              ...(r.smtpUsername ? { auth_username: r.smtpUsername } : {}),
              ...(r.smtpPassword ? { auth_password: r.smtpPassword } : {}),
              require_tls: true,
              send_resolved: true,
            },
          ],
        };
    }
  };
  const matcher = (r: ResolvedReceiver) => {
    const severities = [...(r.severities ?? ["critical", "warning"])].sort();
    return severities.length === 1 ? `severity="${severities[0]}"` : `severity=~"${severities.join("|")}"`;
  };
  return {
    global: { resolve_timeout: "5m" },
    route: {
      receiver: NULL_RECEIVER,
      group_by: ["namespace", "alertname"],
      group_wait: "30s",
      group_interval: "5m",
      repeat_interval: "4h",
      routes: [
        // The dead man's switch: Watchdog always fires; the heartbeat service pages when it stops arriving.
        heartbeat
          ? { receiver: HEARTBEAT_RECEIVER, matchers: ['alertname="Watchdog"'], group_wait: "0s", group_interval: "1m", repeat_interval: "1m" }
          : { receiver: NULL_RECEIVER, matchers: ['alertname="Watchdog"'] },
        ...receivers.map((r) => ({ receiver: r.name, matchers: [matcher(r)], continue: true })),
      ],
    },
    inhibit_rules: INHIBIT_RULES,
    receivers: [
      { name: NULL_RECEIVER },
      ...(heartbeat ? [{ name: HEARTBEAT_RECEIVER, webhook_configs: [{ url: heartbeat.url, send_resolved: false }] }] : []),
      ...receivers.map((r) => ({ name: r.name, ...integration(r) })),
    ],
  };
}

/**
 * Alertmanager's configuration file as YAML, always a secret: receiver URLs carry tokens even when
 * a stack passes them as plain strings.
 *
 * @see https://prometheus.io/docs/alerting/latest/configuration/
 */
export function alertmanagerConfigFile(receivers: readonly AlertReceiverArgs[], heartbeat?: { readonly url: pulumi.Input<string> }): pulumi.Output<string> {
  return pulumi.secret(pulumi.all([pulumi.output(receivers), pulumi.output(heartbeat)]).apply(([resolved, beat]) => stringify(alertmanagerConfig(resolved, beat))));
}
