/**
 * Config fixtures the config suites share.
 */

/**
 * Prod needs a receiver for critical alerts: a PagerDuty one, whose key is a secret (the suites
 * pass `observability` as a secret key whenever the block is set).
 */
export const PAGED = { observability: { receivers: [{ name: "on-call", kind: "pagerduty", routingKey: "placeholder", severities: ["critical"] }] } } as const;
