/**
 * The generated alerting path, checked by Prometheus's and Alertmanager's own tools over every
 * shipped stack (dev, prod on EKS, prod on GKE, onprem) and the variants that generate other groups
 * (prod with the in-cluster data tier, with Aurora, with Amazon MQ):
 *
 * - `promtool check rules` on every generated rule file (syntax, templates, duplicate names);
 * - `promtool test rules` with a firing and a quiet case for every alert in it
 *   (test/support/rule-cases.ts), so each threshold fires beyond its level and not short of it;
 * - `amtool check-config` on every generated Alertmanager configuration.
 *
 * The files come from the program captured in-process (test/support/observability-files.ts), with
 * secrets as the offline plan's placeholders, in a temporary directory removed afterwards. Without
 * the tools (`apt-get install prometheus prometheus-alertmanager`; `.ci/run` does it) the suite is
 * skipped and says so loudly.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { parse, stringify } from "yaml";
import { STACK_VARIANTS } from "./support/stack-variants";
import { run, toolVersion, unitTests, withoutAnnotations } from "./support/promtool";
import type { StackFacts } from "./support/rule-cases";
import { alertmanagerConfig } from "../components/observability/alertmanager";

const promtool = toolVersion("promtool");
const amtool = toolVersion("amtool");
const skip = !promtool || !amtool ? "promtool/amtool not installed: apt-get install -y prometheus prometheus-alertmanager (.ci/run does)" : undefined;
console.log(skip ? `\n*** SKIPPED: ${skip} ***\n` : `\n${promtool}\n${amtool}\n`);

/**
 * The stacks, with what their cases must know: prod's RDS is db.r7g.large (16 GiB: max_connections
 * LEAST(16 GiB / 9531392, 5000) = 1802) on 100 GiB; GKE's Cloud SQL is db-perf-optimized-N-2
 * (Enterprise Plus for 30 days of PITR; N2 with 8 GB per vCPU, so 16 GB: 500 connections on Cloud
 * SQL's quotas table).
 */
const STACKS: Record<string, { args: readonly string[]; facts: StackFacts }> = {
  dev: { args: STACK_VARIANTS.dev, facts: { target: "docker" } },
  prod: { args: STACK_VARIANTS.prod, facts: { target: "kubernetes", postgres: "rds", redis: "elasticache", maxConnections: 1802, memoryGiB: 16, storageGiB: 100 } },
  "prod-gke": { args: STACK_VARIANTS["prod-gke"], facts: { target: "kubernetes", postgres: "cloudsql", redis: "memorystore", maxConnections: 500 } },
  onprem: { args: STACK_VARIANTS.onprem, facts: { target: "kubernetes" } },
  "prod-in-cluster": { args: STACK_VARIANTS["prod-in-cluster"], facts: { target: "kubernetes" } },
  "prod-aurora": { args: STACK_VARIANTS["prod-aurora"], facts: { target: "kubernetes", postgres: "aurora", redis: "elasticache", maxConnections: 1802, memoryGiB: 16 } },
  "prod-amazon-mq": {
    args: [...STACK_VARIANTS.prod, "--config", 'platform:messageQueue={"mode":"managed"}'],
    facts: { target: "kubernetes", postgres: "rds", redis: "elasticache", maxConnections: 1802, memoryGiB: 16, storageGiB: 100 },
  },
};
const IDS = Object.keys(STACKS);

/**
 * Where a critical alert and Watchdog go: prod and onprem ship a PagerDuty receiver `on-call` for
 * critical alerts and a heartbeat; dev has neither, so Alertmanager only shows them.
 */
const ROUTES: Record<string, { critical: string; watchdog: string }> = {
  default: { critical: "on-call", watchdog: "heartbeat" },
  dev: { critical: "null", watchdog: "null" },
};
/**
 * Alert groups a stack must generate (a trailing `-` is a prefix): dev's Postgres and Redis come
 * from the exporters its data stores run, its broker's from RabbitMQ's own Prometheus plugin.
 */
const GROUPS: Record<string, string[]> = {
  dev: ["platform-postgres", "platform-redis", "platform-rabbitmq", "slo-"],
};
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "promtool-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Dumps one stack's generated files into `<tmp>/<id>`. */
function dump(id: string): Promise<void> {
  const dir = path.join(tmp, id);
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ["--import", "tsx", path.join(__dirname, "support", "observability-files.ts"), dir, ...STACKS[id].args], { cwd: path.resolve(__dirname, "..") }, (error, _out, stderr) =>
      error ? reject(new Error(`${id}: ${stderr}`)) : resolve(),
    ),
  );
}

/** Rules proven so far in this run: a stack whose rule is identical to another's is not run twice. */
const proven = new Map<string, string>();

const filesOf = (id: string, prefix: string) => fs.readdirSync(path.join(tmp, id)).filter((f) => f.startsWith(prefix)).map((f) => path.join(tmp, id, f));

describe("generated rules and Alertmanager configs, through promtool and amtool", { skip }, () => {
  before(async () => {
    // Two at a time: the machine is shared.
    for (let i = 0; i < IDS.length; i += 2) await Promise.all(IDS.slice(i, i + 2).map(dump));
  });

  for (const id of IDS) {
    describe(id, () => {
      it("every rule file passes `promtool check rules`", () => {
        const files = filesOf(id, "rules-");
        assert.ok(files.length > 0, `${id} generates no rule file`);
        for (const file of files) {
          const result = run("promtool", ["check", "rules", file]);
          assert.equal(result.code, 0, result.output);
        }
      });

      it("every alert fires in its firing case and stays quiet in its quiet case (`promtool test rules`)", () => {
        for (const file of filesOf(id, "rules-")) {
          const { quick, slow, missing, provenBefore } = unitTests(parse(fs.readFileSync(file, "utf8")), STACKS[id].facts, proven, id);
          assert.deepEqual(missing, [], `alerts without a unit-test case in test/support/rule-cases*.ts`);
          if (provenBefore.length > 0) console.log(`${id}: ${provenBefore.length} rules identical to ones already proven (${[...new Set(provenBefore.map((p) => p.replace(/^.* \(/, "(")))].join(", ")})`);
          const unitRules = `${file}.unit.yml`;
          fs.writeFileSync(unitRules, stringify(withoutAnnotations(parse(fs.readFileSync(file, "utf8")))));
          // Days of samples (the SLO windows) are evaluated every 5 minutes, the rest every minute.
          for (const [suffix, tests, interval] of [["quick", quick, "1m"], ["slow", slow, "5m"]] as const) {
            if (tests.length === 0) continue;
            const testFile = `${file}.${suffix}.test.yml`;
            fs.writeFileSync(testFile, stringify({ rule_files: [path.basename(unitRules)], evaluation_interval: interval, tests }));
            const result = run("promtool", ["test", "rules", path.basename(testFile)], path.dirname(file));
            assert.equal(result.code, 0, result.output);
          }
        }
      });

      if (GROUPS[id]) {
        it("has the data-store, broker and SLO alert groups from its own sources", () => {
          // Only the generated files, not the unit-test files written beside them.
          const names = filesOf(id, "rules-")
            .filter((file) => /rules-[^.]+\.yml$/.test(file))
            .flatMap((file) => (parse(fs.readFileSync(file, "utf8")) as { groups: { name: string }[] }).groups.map((g) => g.name));
          for (const group of GROUPS[id]) assert.ok(names.some((n) => (group.endsWith("-") ? n.startsWith(group) : n === group)), `${id} lacks ${group}: ${names.join(", ")}`);
        });
      }

      it("every Alertmanager configuration passes `amtool check-config`", () => {
        const files = filesOf(id, "alertmanager-");
        assert.ok(files.length > 0, `${id} generates no Alertmanager configuration`);
        for (const file of files) {
          const result = run("amtool", ["check-config", file]);
          assert.equal(result.code, 0, result.output);
        }
      });

      it("routes critical alerts to a person in prod, and Watchdog to the heartbeat where there is one (`amtool config routes test`)", () => {
        for (const file of filesOf(id, "alertmanager-")) {
          const route = (...labels: string[]) => run("amtool", ["config", "routes", "test", `--config.file=${file}`, ...labels]).stdout.trim();
          const expected = ROUTES[id] ?? ROUTES.default;
          assert.equal(route("alertname=HttpErrorRateCritical", "severity=critical", "namespace=apps"), expected.critical);
          assert.equal(route("alertname=Watchdog", "severity=none"), expected.watchdog);
        }
      });
    });
  }

  it("accepts every receiver kind and the heartbeat (`amtool check-config`), and routes each severity to its receivers", () => {
    const config = alertmanagerConfig(
      [
        { name: "on-call", kind: "pagerduty", routingKey: "R0UT1NG", severities: ["critical"] },
        { name: "ops", kind: "opsgenie", apiKey: "K3Y", apiUrl: "https://api.eu.opsgenie.com/" },
        { name: "team", kind: "slack", url: "https://hooks.slack.com/services/T/B/X", channel: "#alerts", severities: ["warning"] },
        { name: "hook", kind: "webhook", url: "https://events.example.com/am" },
        { name: "mail", kind: "email", to: "ops@example.com", from: "am@example.com", smarthost: "smtp.example.com:587", smtpUsername: "am", smtpPassword: "pw" },
      ],
      { url: "https://hc-ping.com/uuid" },
    );
    const file = path.join(tmp, "every-kind.yml");
    fs.writeFileSync(file, stringify(config), { mode: 0o600 });
    const check = run("amtool", ["check-config", file]);
    assert.equal(check.code, 0, check.output);
    const route = (...labels: string[]) => run("amtool", ["config", "routes", "test", `--config.file=${file}`, ...labels]).stdout.trim();
    assert.equal(route("alertname=X", "severity=critical"), "on-call,ops,hook,mail");
    assert.equal(route("alertname=X", "severity=warning"), "ops,team,hook,mail");
    assert.equal(route("alertname=Watchdog", "severity=none"), "heartbeat");
  });

  it("records an availability SLI of 0, and a full budget, for a service with traffic and no 5xx series at all", () => {
    const file = filesOf("prod", "rules-").find((f) => fs.readFileSync(f, "utf8").includes("record: slo:sli_error:ratio_rate5m"));
    assert.ok(file, "prod records the seed service's SLIs");
    const dir = fs.mkdtempSync(path.join(tmp, "sli-"));
    fs.writeFileSync(path.join(dir, "rules.yml"), stringify(withoutAnnotations(parse(fs.readFileSync(file, "utf8")))));
    const sel = 'namespace="apps", service="podinfo", slo="availability"';
    const test = {
      interval: "1m",
      // Only 200s: many services never produce a 5xx series until their first error.
      input_series: [{ series: 'http_requests_total{namespace="apps", service="podinfo", status="200"}', values: "0+3000x60" }],
      promql_expr_test: [
        { expr: `slo:sli_error:ratio_rate5m{${sel}}`, eval_time: "30m", exp_samples: [{ labels: `slo:sli_error:ratio_rate5m{${sel}}`, value: 0 }] },
        { expr: `slo:period_error_budget_remaining:ratio{${sel}}`, eval_time: "30m", exp_samples: [{ labels: `slo:period_error_budget_remaining:ratio{${sel}}`, value: 1 }] },
      ],
    };
    fs.writeFileSync(path.join(dir, "test.yml"), stringify({ rule_files: ["rules.yml"], evaluation_interval: "30s", tests: [test] }));
    const result = run("promtool", ["test", "rules", "test.yml"], dir);
    assert.equal(result.code, 0, result.output);
  });

  it("catches a threshold that moved: a rule firing at 10 % fails the 1 % case", () => {
    const file = filesOf("prod", "rules-")[0];
    const rules = parse(fs.readFileSync(file, "utf8"));
    // Only the mutated alert's cases: the rest are proven above.
    const tests = unitTests(rules, STACKS.prod.facts).quick.filter((t) => (t.alert_rule_test as { alertname: string }[])[0].alertname === "HttpErrorRateWarning");
    assert.equal(tests.length, 2, "its firing and its quiet case");
    for (const rule of rules.groups.flatMap((g: any) => g.rules)) if (rule.alert === "HttpErrorRateWarning") rule.expr = rule.expr.replace(/> 1$/, "> 10");
    const dir = fs.mkdtempSync(path.join(tmp, "mutant-"));
    fs.writeFileSync(path.join(dir, "rules.yml"), stringify(withoutAnnotations(rules)));
    fs.writeFileSync(path.join(dir, "test.yml"), stringify({ rule_files: ["rules.yml"], evaluation_interval: "1m", tests }));
    const result = run("promtool", ["test", "rules", "test.yml"], dir);
    assert.notEqual(result.code, 0);
    assert.match(result.output, /HttpErrorRateWarning/);
  });
});
