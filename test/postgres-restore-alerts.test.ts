/**
 * The restore check's alerts (`verifyAlertsSpec`), evaluated by Prometheus itself: `promtool test
 * rules` runs the rules over synthetic kube-state-metrics CronJob series and checks, case by case,
 * which alerts fire. Every expression is also parsed with the Prometheus project's Lezer grammar.
 * Without promtool on the PATH (Debian: `apt-get install prometheus`), the evaluation skips loudly.
 *
 * @see https://prometheus.io/docs/prometheus/latest/configuration/unit_testing_rules/
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { parser } from "@prometheus-io/lezer-promql";
import { stringify } from "yaml";
import { ACTIVE_DEADLINE_SECONDS, FAILED_FOR_SECONDS, verifyAlertsSpec } from "../components/postgres/kubernetes-recovery";

const NAMESPACE = "data";
const CRONJOB = "pg-restore-check";
const spec = verifyAlertsSpec("pg", NAMESPACE) as { groups: { name: string; rules: { alert: string; expr: string; for?: string; labels: Record<string, string>; annotations?: unknown }[] }[] };
const rules = spec.groups[0].rules;

const promtool = spawnSync("promtool", ["--version"], { encoding: "utf8" });
const promtoolSkip = promtool.error ? "promtool is not installed (apt-get install prometheus): the alert rules are not evaluated" : false;
if (promtoolSkip) console.warn(`SKIP: ${promtoolSkip}`);

const H = 3600;
/** A kube-state-metrics CronJob series of the check, in promtool's expanding notation (one value a minute). */
const series = (metric: string, values: string) => ({ series: `${metric}{namespace="${NAMESPACE}", cronjob="${CRONJOB}"}`, values });
/** `minutes` samples of `value` (a timestamp in seconds). */
const hold = (value: number, minutes: number) => `${value}x${minutes - 1}`;
const alertLabels = (severity: string) => ({ severity, namespace: NAMESPACE, cronjob: CRONJOB });

interface Case {
  readonly name: string;
  readonly input: { series: string; values: string }[];
  /** Minutes after the start, and the alerts expected to fire then (by name). */
  readonly checks: [minutes: number, alert: string, firing: boolean][];
}

/** An hourly schedule: the run at 60 min fails; the one at 120 min succeeds at 125 min. */
const failedThenRecovered: Case = {
  name: "an hourly check whose run at 60 min fails and whose next run succeeds",
  input: [
    series("kube_cronjob_status_last_schedule_time", `${hold(0, 60)} ${hold(H, 60)} ${hold(2 * H, 60)}`),
    series("kube_cronjob_next_schedule_time", `${hold(H, 60)} ${hold(2 * H, 60)} ${hold(3 * H, 60)}`),
    series("kube_cronjob_status_last_successful_time", `${hold(0, 125)} ${hold(2 * H, 55)}`),
  ],
  checks: [
    [70, "PostgresRestoreCheckFailed", false], // running or failed, not yet past the Job's deadline
    [60 + FAILED_FOR_SECONDS / 60 + 2, "PostgresRestoreCheckFailed", true],
    [150, "PostgresRestoreCheckFailed", false], // the failed Job is still kept, but the latest run succeeded
    [150, "PostgresRestoreCheckStale", false],
  ],
};

/** An hourly schedule whose runs succeed within minutes. */
const healthy: Case = {
  name: "an hourly check whose runs succeed",
  input: [
    series("kube_cronjob_status_last_schedule_time", `${hold(0, 60)} ${hold(H, 60)} ${hold(2 * H, 60)}`),
    series("kube_cronjob_next_schedule_time", `${hold(H, 60)} ${hold(2 * H, 60)} ${hold(3 * H, 60)}`),
    series("kube_cronjob_status_last_successful_time", `${hold(0, 65)} ${hold(H, 60)} ${hold(2 * H, 55)}`),
  ],
  checks: [
    [62, "PostgresRestoreCheckFailed", false],
    [150, "PostgresRestoreCheckFailed", false],
    [175, "PostgresRestoreCheckStale", false],
  ],
};

/** A check that has never succeeded: its first run fails. */
const neverSucceeded: Case = {
  name: "a check whose first run fails",
  input: [
    series("kube_cronjob_status_last_schedule_time", `${hold(H, 90)}`),
    series("kube_cronjob_next_schedule_time", `${hold(2 * H, 90)}`),
  ],
  checks: [
    [10, "PostgresRestoreCheckFailed", false],
    [FAILED_FOR_SECONDS / 60 + 5, "PostgresRestoreCheckFailed", true],
  ],
};

/** An hourly schedule failing every run since the success at 0: stale after three periods. */
const hourlyFailing: Case = {
  name: "an hourly check failing since the run at 0",
  input: [
    series("kube_cronjob_status_last_schedule_time", `${hold(0, 60)} ${hold(H, 60)} ${hold(2 * H, 60)} ${hold(3 * H, 60)}`),
    series("kube_cronjob_next_schedule_time", `${hold(H, 60)} ${hold(2 * H, 60)} ${hold(3 * H, 60)} ${hold(4 * H, 60)}`),
    series("kube_cronjob_status_last_successful_time", `${hold(0, 240)}`),
  ],
  checks: [
    [170, "PostgresRestoreCheckStale", false],
    [195, "PostgresRestoreCheckStale", true],
  ],
};

/** A daily schedule: four hours after its success it is not stale (a fixed 3-hour window would page). */
const daily: Case = {
  name: "a daily check four hours after its last success",
  input: [
    series("kube_cronjob_status_last_schedule_time", `${hold(0, 300)}`),
    series("kube_cronjob_next_schedule_time", `${hold(24 * H, 300)}`),
    series("kube_cronjob_status_last_successful_time", `${hold(0, 300)}`),
  ],
  checks: [
    [240, "PostgresRestoreCheckStale", false],
    [240, "PostgresRestoreCheckFailed", false],
  ],
};

const cases = [failedThenRecovered, healthy, neverSucceeded, hourlyFailing, daily];
const severityOf = Object.fromEntries(rules.map((r) => [r.alert, r.labels.severity]));

/** Runs promtool over the rules (annotations dropped: they are text, not behaviour) and one case. */
function promtoolRun(testCase: Case): { status: number | null; output: string } {
  const dir = mkdtempSync(path.join(tmpdir(), "restore-alerts-"));
  try {
    const ruleFile = { groups: spec.groups.map((g) => ({ name: g.name, rules: g.rules.map(({ annotations: _a, ...rule }) => rule) })) };
    writeFileSync(path.join(dir, "rules.yaml"), stringify(ruleFile));
    const tests = {
      rule_files: ["rules.yaml"],
      evaluation_interval: "1m",
      tests: [
        {
          interval: "1m",
          input_series: testCase.input,
          alert_rule_test: testCase.checks.map(([minutes, alert, firing]) => ({
            eval_time: `${minutes}m`,
            alertname: alert,
            exp_alerts: firing ? [{ exp_labels: alertLabels(severityOf[alert]) }] : [],
          })),
        },
      ],
    };
    writeFileSync(path.join(dir, "tests.yaml"), stringify(tests));
    const run = spawnSync("promtool", ["test", "rules", "tests.yaml"], { cwd: dir, encoding: "utf8" });
    return { status: run.status, output: `${run.stdout}${run.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("the restore check's alerts", () => {
  it("are valid PromQL", () => {
    for (const rule of rules) {
      const errors: number[] = [];
      parser.parse(rule.expr).iterate({ enter: (node) => void (node.type.isError && errors.push(node.from)) });
      assert.deepEqual(errors, [], `${rule.alert}: ${rule.expr}`);
    }
  });

  it("wait longer than a run may last before calling it failed", () => {
    const failed = rules.find((r) => r.alert === "PostgresRestoreCheckFailed")!;
    assert.equal(failed.for, `${FAILED_FOR_SECONDS / 60}m`);
    assert.ok(FAILED_FOR_SECONDS > ACTIVE_DEADLINE_SECONDS);
  });

  for (const testCase of cases) {
    it(`fire as expected for ${testCase.name} (promtool)`, { skip: promtoolSkip }, () => {
      const { status, output } = promtoolRun(testCase);
      assert.equal(status, 0, output);
    });
  }

  it("catch a wrong expectation, so a passing promtool run means something", { skip: promtoolSkip }, () => {
    const wrong: Case = { ...failedThenRecovered, checks: [[150, "PostgresRestoreCheckFailed", true]] };
    assert.notEqual(promtoolRun(wrong).status, 0);
  });
});
