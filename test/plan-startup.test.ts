/**
 * The plan's trims of the SDK's unused work change nothing but the cost: every shipped stack's
 * plan file, output and exit code are byte-identical with them and without them. The untrimmed
 * run sets `PLAN_EAGER_SDK=1` (plan/sdk-startup.ts: TypeScript and arborist loaded with the SDK)
 * and `PLAN_DEBUG=1` (plan/capture.ts: promise stack traces recorded). The deferred packages are
 * really not loaded, and a program that does serialize a function or drive the CLI still gets
 * them on first use.
 */
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { DEFERRED_MODULES } from "../plan/sdk-startup";
import { STACK_VARIANTS } from "./support/stack-variants";

const ROOT = path.resolve(__dirname, "..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "plan-startup-"));
/** Preloaded into the plan: writes which deferred packages' files were loaded when it exits. */
const probe = path.join(tmp, "probe.cjs");
fs.writeFileSync(
  probe,
  `process.on("exit", () => {
  const loaded = ${JSON.stringify(DEFERRED_MODULES)}.filter((m) => Object.keys(require.cache).some((file) => file.includes(m.files))).map((m) => m.request);
  require("node:fs").writeFileSync(process.env.PROBE_FILE, JSON.stringify(loaded));
});
`,
);

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly json: string;
  readonly loaded: string[];
}

function run(id: string, eager: boolean, args: readonly string[]): Promise<Run> {
  const base = path.join(tmp, `${id}-${eager ? "eager" : "lazy"}`);
  const env = { ...process.env, PLAN_DEBUG: eager ? "1" : "", PLAN_EAGER_SDK: eager ? "1" : "", PROBE_FILE: `${base}.loaded` };
  return new Promise((resolve) => {
    execFile(process.execPath, ["--require", probe, "dist/plan/cli.js", ...args, "--json", `${base}.json`], { cwd: ROOT, env }, (error, stdout, stderr) => {
      resolve({
        code: error ? Number(error.code) : 0,
        stdout: stdout.replaceAll(`${base}.json`, "PLAN.json"),
        stderr,
        json: fs.readFileSync(`${base}.json`, "utf8"),
        loaded: JSON.parse(fs.readFileSync(`${base}.loaded`, "utf8")),
      });
    });
  });
}

const SHIPPED = ["dev", "prod", "prod-gke", "onprem"] as const;
const runs = new Map<string, { lazy: Run; eager: Run }>();

before(async () => {
  // Two at a time: the machine has two cores.
  for (const id of SHIPPED) {
    const [lazy, eager] = await Promise.all([run(id, false, STACK_VARIANTS[id]), run(id, true, STACK_VARIANTS[id])]);
    runs.set(id, { lazy, eager });
  }
});

describe("the plan's trims of the SDK's unused work", () => {
  for (const id of SHIPPED) {
    it(`${id}: same plan file, output and exit code with and without the trims`, () => {
      const { lazy, eager } = runs.get(id)!;
      assert.equal(lazy.code, eager.code);
      assert.equal(lazy.stdout, eager.stdout);
      assert.equal(lazy.stderr, eager.stderr);
      assert.ok(lazy.json.length > 1000, "a plan file was written");
      assert.equal(lazy.json, eager.json);
    });

    it(`${id}: loads none of ${DEFERRED_MODULES.map((m) => m.request).join(", ")}; the eager run loads them all`, () => {
      const { lazy, eager } = runs.get(id)!;
      assert.deepEqual(lazy.loaded, []);
      // If an SDK upgrade stops loading one of them eagerly, this says so: drop it from the list.
      assert.deepEqual(eager.loaded, DEFERRED_MODULES.map((m) => m.request));
    });
  }

  it("a deferred package still loads on first use: a function serializes as without the trim", async () => {
    const script = `require(${JSON.stringify(path.join(ROOT, "dist/plan/sdk-startup.js"))});
const pulumi = require("@pulumi/pulumi");
const before = Object.keys(require.cache).some((f) => f.includes("/node_modules/typescript/"));
pulumi.runtime.serializeFunction(function add(a, b) { return a + b; }, { isFactoryFunction: false }).then((closure) => {
  const after = Object.keys(require.cache).some((f) => f.includes("/node_modules/typescript/"));
  console.log(JSON.stringify({ before, after, text: closure.text }));
});`;
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ["-e", script], { cwd: ROOT }, (error, stdout, stderr) => (error ? reject(new Error(stderr)) : resolve(stdout))),
    );
    const result = JSON.parse(out) as { before: boolean; after: boolean; text: string };
    assert.equal(result.before, false, "TypeScript is not loaded with the SDK");
    assert.equal(result.after, true, "TypeScript loads when a closure is serialized");
    assert.match(result.text, /return a \+ b/);
  });

  it("the Automation API still loads on first use", () => {
    const script = `require(${JSON.stringify(path.join(ROOT, "dist/plan/sdk-startup.js"))});
const pulumi = require("@pulumi/pulumi");
const loaded = () => Object.keys(require.cache).some((f) => f.includes("/@pulumi/pulumi/automation/"));
const before = loaded();
const kind = typeof pulumi.automation.LocalWorkspace.create;
console.log(JSON.stringify({ before, after: loaded(), kind }));`;
    const result = JSON.parse(execFileSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8" })) as { before: boolean; after: boolean; kind: string };
    assert.deepEqual(result, { before: false, after: true, kind: "function" });
  });
});
