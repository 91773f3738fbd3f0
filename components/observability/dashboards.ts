import type { ScrapeTarget } from "./spec";

/**
 * The Grafana dashboard of one service. (Contract stub.)
 */
export function serviceDashboard(target: Pick<ScrapeTarget, "name" | "namespace">): Record<string, unknown> {
  throw new Error(`not implemented ${target.name}`);
}
