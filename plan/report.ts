/**
 * Renders a captured plan for people (a tree and counts) and for machines (the plan JSON).
 */
import type { CapturedProgram, CapturedResource } from "./capture";
import type { PolicyReport, Violation } from "./policy-runner";

/** The plan file written by `--json`. Secrets are `[secret]`. */
export interface PlanJson {
  readonly stack: string;
  readonly target: string;
  /** The captured resources, with their inputs redacted. */
  readonly resources: (Pick<CapturedResource, "urn" | "type" | "name" | "parent" | "provider" | "custom" | "dependencies"> & {
    readonly inputs: Record<string, unknown>;
  })[];
  readonly outputs: Record<string, unknown>;
  readonly violations: Violation[];
}

/**
 * Builds the plan file's content.
 *
 * @see https://www.pulumi.com/docs/iac/cli/commands/pulumi_preview/
 */
export function planJson(program: CapturedProgram, target: string, report: PolicyReport): PlanJson {
  return {
    stack: program.stack,
    target,
    resources: program.resources.map((r) => ({
      urn: r.urn,
      type: r.type,
      name: r.name,
      parent: r.parent,
      provider: r.provider,
      custom: r.custom,
      dependencies: r.dependencies,
      inputs: r.redactedInputs,
    })),
    outputs: program.outputs,
    violations: report.violations,
  };
}

/**
 * The resource tree: each resource under its parent, components first.
 *
 * @see https://www.pulumi.com/docs/iac/concepts/options/parent/
 */
export function renderTree(resources: readonly CapturedResource[]): string {
  const children = new Map<string | undefined, CapturedResource[]>();
  for (const r of resources) {
    const list = children.get(r.parent) ?? [];
    list.push(r);
    children.set(r.parent, list);
  }
  const lines: string[] = [];
  const walk = (parent: string | undefined, prefix: string) => {
    const list = children.get(parent) ?? [];
    list.forEach((r, i) => {
      const last = i === list.length - 1;
      const marks = [r.protect ? "protect" : "", r.retainOnDelete ? "retainOnDelete" : ""].filter(Boolean);
      lines.push(`${prefix}${parent === undefined ? "" : last ? "└─ " : "├─ "}${r.type}  ${r.name}${marks.length ? `  [${marks.join(", ")}]` : ""}`);
      walk(r.urn, parent === undefined ? "" : prefix + (last ? "   " : "│  "));
    });
  };
  walk(undefined, "");
  return lines.join("\n");
}

/**
 * Counts of custom resources per type token, most frequent first.
 *
 * @see https://www.pulumi.com/docs/iac/concepts/resources/names/
 */
export function countByType(resources: readonly CapturedResource[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const r of resources) if (r.custom) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/**
 * The human-readable plan: tree, counts, and policy results.
 *
 * @see https://www.pulumi.com/docs/iac/cli/commands/pulumi_preview/
 */
export function renderPlan(program: CapturedProgram, target: string, report: PolicyReport, ruleCount: number): string {
  const counts = countByType(program.resources);
  const custom = counts.reduce((sum, [, n]) => sum + n, 0);
  const components = program.resources.filter((r) => !r.custom).length;
  const out = [
    `Plan for stack "${program.stack}" (target ${target}): ${custom} resources in ${components} components`,
    "",
    renderTree(program.resources),
    "",
    "Resources by type:",
    ...counts.map(([type, n]) => `  ${String(n).padStart(4)}  ${type}`),
    "",
  ];
  const mandatory = report.violations.filter((v) => v.enforcementLevel === "mandatory");
  out.push(`Policies: ${ruleCount} rules, ${mandatory.length} mandatory and ${report.violations.length - mandatory.length} advisory violations`);
  for (const v of report.violations) {
    out.push(`  [${v.enforcementLevel}] ${v.policy}${v.severity ? ` (${v.severity})` : ""}: ${v.message}${v.urn ? `\n      ${v.urn}` : ""}`);
  }
  return out.join("\n");
}
