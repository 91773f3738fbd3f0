/**
 * Prometheus's and Alertmanager's own checkers, `promtool` and `amtool` (Debian's `prometheus` and
 * `prometheus-alertmanager` packages, which `.ci/run` installs), and the unit-test files built from
 * test/support/rule-cases.ts.
 *
 * @see https://prometheus.io/docs/prometheus/latest/command-line/promtool/
 * @see https://prometheus.io/docs/prometheus/latest/configuration/unit_testing_rules/
 */
import { execFileSync, spawnSync } from "node:child_process";
import { levelOf, singleCases as baseSingles, thresholdCases as baseThresholds, type Scenario, type StackFacts } from "./rule-cases";
import { dataSingleCases, dataThresholdCases } from "./rule-cases-data";
import { sloCases } from "./rule-cases-slo";

const thresholdCases = { ...baseThresholds, ...dataThresholdCases };
const singleCases = { ...baseSingles, ...dataSingleCases, ...sloCases };

/** One tool run: its exit code and output. */
export interface ToolRun {
  readonly code: number;
  /** stdout and stderr together. */
  readonly output: string;
  readonly stdout: string;
}

/** Runs `tool args…`; never throws on a non-zero exit. */
export function run(tool: string, args: readonly string[], cwd?: string): ToolRun {
  const result = spawnSync(tool, args, { cwd, encoding: "utf8" });
  return { code: result.status ?? 1, output: `${result.stdout ?? ""}${result.stderr ?? ""}`, stdout: result.stdout ?? "" };
}

/** `promtool --version`'s first line, or `undefined` when it is not installed. */
export function toolVersion(tool: "promtool" | "amtool"): string | undefined {
  try {
    return execFileSync(tool, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).split("\n")[0];
  } catch {
    return undefined;
  }
}

/** A rule as it appears in a generated rule file. */
interface FileRule {
  alert?: string;
  record?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/**
 * The rule file promtool's unit tests load: the generated one without annotations. promtool
 * compares annotations exactly and they are prose; `promtool check rules` checks their templates
 * on the file as generated.
 */
export function withoutAnnotations(file: { groups: { name: string; rules: FileRule[] }[] }): { groups: { name: string; rules: FileRule[] }[] } {
  return { groups: file.groups.map((g) => ({ ...g, rules: g.rules.map(({ annotations: _annotations, ...rule }) => rule) })) };
}

/** One promtool test: a scenario and whether the alert must fire. */
function promtoolTest(alert: string, ruleLabels: Record<string, string>, scenario: Scenario, fires: boolean): PromtoolTest {
  return {
    interval: scenario.interval ?? "1m",
    input_series: scenario.input.map((i) => ({ series: i.series, values: i.values })),
    alert_rule_test: [{ eval_time: scenario.evalTime, alertname: alert, exp_alerts: fires ? [{ exp_labels: { ...scenario.labels, ...ruleLabels } }] : [] }],
  };
}

/** A test in promtool's format. */
type PromtoolTest = { interval: string } & Record<string, unknown>;

/** Unit tests of one rule file: quick ones (evaluated every minute) and those over days of samples (every 5 minutes). */
export interface UnitTests {
  readonly quick: PromtoolTest[];
  readonly slow: PromtoolTest[];
  /** Alerts with no case: a failure, every alert must be proven. */
  readonly missing: string[];
  /** Alerts skipped because an identical rule (name, expression, `for`, labels) was proven before, with where. */
  readonly provenBefore: string[];
}

/**
 * The unit tests of every alert in `file`: for a threshold family, each level fires 5 % beyond its
 * seed level and stays quiet 5 % short of it; any other alert has its firing and quiet case.
 *
 * @param proven - identical rules already proven in this run (rule key → where), which are not run
 *   again; the rules of this file are added to it.
 */
export function unitTests(file: { groups: { name: string; rules: FileRule[] }[] }, facts: StackFacts, proven = new Map<string, string>(), where = ""): UnitTests {
  const tests: PromtoolTest[] = [];
  const missing: string[] = [];
  const provenBefore: string[] = [];
  for (const rule of file.groups.flatMap((g) => g.rules)) {
    if (!rule.alert) continue;
    const key = JSON.stringify([rule.alert, rule.expr, (rule as { for?: string }).for, Object.entries(rule.labels ?? {}).sort()]);
    if (proven.has(key)) {
      provenBefore.push(`${rule.alert} (${proven.get(key)})`);
      continue;
    }
    proven.set(key, where);
    const labels = rule.labels ?? {};
    const family = labels.alertfamily;
    const threshold = family !== undefined ? thresholdCases[family] : undefined;
    const level = labels.severity as "warning" | "critical";
    if (threshold && rule.alert === `${family}${level === "warning" ? "Warning" : "Critical"}`) {
      const limit = levelOf(threshold, level);
      const [beyond, short] = threshold.op === ">" ? [limit * 1.05, limit * 0.95] : [limit * 0.95, limit * 1.05];
      tests.push(promtoolTest(rule.alert, labels, threshold.at(beyond, facts), true), promtoolTest(rule.alert, labels, threshold.at(short, facts), false));
      continue;
    }
    const single = singleCases[rule.alert];
    if (!single) {
      missing.push(rule.alert);
      continue;
    }
    tests.push(promtoolTest(rule.alert, labels, single.fires(facts), true));
    if (single.quiet) tests.push(promtoolTest(rule.alert, labels, single.quiet(facts), false));
  }
  const slow = (t: PromtoolTest) => t.interval !== "1m" || /^\d{3,}m$/.test(String((t.alert_rule_test as { eval_time: string }[])[0].eval_time));
  return { quick: tests.filter((t) => !slow(t)), slow: tests.filter(slow), missing, provenBefore };
}
