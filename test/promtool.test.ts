/**
 * The generated alerting path, checked by Prometheus's and Alertmanager's own tools over every
 * shipped stack (dev, prod on EKS, prod on GKE, onprem, and prod with the in-cluster data tier):
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

const promtool = toolVersion("promtool");
const amtool = toolVersion("amtool");
const skip = !promtool || !amtool ? "promtool/amtool not installed: apt-get install -y prometheus prometheus-alertmanager (.ci/run does)" : undefined;
console.log(skip ? `\n*** SKIPPED: ${skip} ***\n` : `\n${promtool}\n${amtool}\n`);

const STACKS = ["dev", "prod", "prod-gke", "onprem", "prod-in-cluster"] as const;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "promtool-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Dumps one stack's generated files into `<tmp>/<id>`. */
function dump(id: string): Promise<void> {
  const dir = path.join(tmp, id);
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ["--import", "tsx", path.join(__dirname, "support", "observability-files.ts"), dir, ...STACK_VARIANTS[id]], { cwd: path.resolve(__dirname, "..") }, (error, _out, stderr) =>
      error ? reject(new Error(`${id}: ${stderr}`)) : resolve(),
    ),
  );
}

const filesOf = (id: string, prefix: string) => fs.readdirSync(path.join(tmp, id)).filter((f) => f.startsWith(prefix)).map((f) => path.join(tmp, id, f));

describe("generated rules and Alertmanager configs, through promtool and amtool", { skip }, () => {
  before(async () => {
    // Two at a time: the machine is shared.
    for (let i = 0; i < STACKS.length; i += 2) await Promise.all(STACKS.slice(i, i + 2).map(dump));
  });

  for (const id of STACKS) {
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
          const { tests, missing } = unitTests(parse(fs.readFileSync(file, "utf8")), id === "dev" ? "docker" : "kubernetes");
          assert.deepEqual(missing, [], `alerts without a unit-test case in test/support/rule-cases.ts`);
          const unitRules = `${file}.unit.yml`;
          fs.writeFileSync(unitRules, stringify(withoutAnnotations(parse(fs.readFileSync(file, "utf8")))));
          const testFile = `${file}.test.yml`;
          fs.writeFileSync(testFile, stringify({ rule_files: [path.basename(unitRules)], evaluation_interval: "1m", tests }));
          const result = run("promtool", ["test", "rules", path.basename(testFile)], path.dirname(file));
          assert.equal(result.code, 0, result.output);
        }
      });

      it("every Alertmanager configuration passes `amtool check-config`", () => {
        const files = filesOf(id, "alertmanager-");
        assert.ok(files.length > 0, `${id} generates no Alertmanager configuration`);
        for (const file of files) {
          const result = run("amtool", ["check-config", file]);
          assert.equal(result.code, 0, result.output);
        }
      });
    });
  }

  it("catches a threshold that moved: a rule firing at 10 % fails the 1 % case", () => {
    const file = filesOf("prod", "rules-")[0];
    const rules = parse(fs.readFileSync(file, "utf8"));
    const { tests } = unitTests(rules, "kubernetes");
    for (const rule of rules.groups.flatMap((g: any) => g.rules)) if (rule.alert === "HttpErrorRateWarning") rule.expr = rule.expr.replace(/> 1$/, "> 10");
    const dir = fs.mkdtempSync(path.join(tmp, "mutant-"));
    fs.writeFileSync(path.join(dir, "rules.yml"), stringify(withoutAnnotations(rules)));
    fs.writeFileSync(path.join(dir, "test.yml"), stringify({ rule_files: ["rules.yml"], evaluation_interval: "1m", tests }));
    const result = run("promtool", ["test", "rules", "test.yml"], dir);
    assert.notEqual(result.code, 0);
    assert.match(result.output, /HttpErrorRateWarning/);
  });
});
