/**
 * `--state` and `--json` through pipes and standard streams, as a shell hands them over:
 * `pulumi stack export | npm run plan -- --state /dev/stdin`, `--state <(pulumi stack export)`
 * (`/dev/fd/63`), a named pipe, `--json /dev/stdout`; while `/proc`, `/sys` and devices stay refused.
 *
 * Needs `npm run build` (the CLI runs from dist/, as `npm run plan` does).
 */
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { pathProblems } from "../plan/paths";

const ROOT = path.resolve(__dirname, "..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "config-streams-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built CLI with `input` on its stdin and on descriptor 3, as a shell's pipe or `<(…)` gives it. */
function runCli(args: readonly string[], input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["dist/plan/cli.js", ...args, "--quiet"], { cwd: ROOT, env: { ...process.env, PLAN_DEBUG: "" }, stdio: ["pipe", "pipe", "pipe", "pipe"], timeout: 60_000 });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d) => (stdout += d));
    child.stderr!.on("data", (d) => (stderr += d));
    // The CLI reads one of them; the other pipe is closed unread when it exits.
    for (const pipe of [child.stdin!, child.stdio[3] as NodeJS.WritableStream & NodeJS.EventEmitter]) {
      pipe.on("error", () => undefined);
      pipe.end(input ?? "");
    }
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

describe("--state and --json through pipes and standard streams", () => {
  const shrink = JSON.stringify({ version: 3, deployment: { resources: [{ urn: "urn:pulumi:dev::platform::kubernetes:postgresql.cnpg.io/v1:Cluster::pg", type: "kubernetes:postgresql.cnpg.io/v1:Cluster", inputs: { spec: { storage: { size: "5000Gi" } } } }] } });
  const shrunk = /platform:postgres\.storageGiB: \(20\) is below the current size \(5000 GiB\)/;

  it("takes the standard streams, descriptors and named pipes; refuses /proc, /sys and devices", () => {
    const fifo = path.join(tmp, "state.fifo");
    execFileSync("mkfifo", [fifo]);
    const taken = [{ state: "/dev/stdin" }, { state: "/dev/fd/63" }, { state: fifo }, { json: "/dev/stdout" }, { diagram: "/dev/stderr" }, { json: fifo }, { json: "/dev/fd/3" }];
    for (const args of taken) assert.deepEqual(pathProblems(args), [], JSON.stringify(args));
    const refused = [{ state: "/dev/null" }, { state: "/dev/sda" }, { state: "/proc/self/fd/0" }, { json: "/sys/kernel/x" }, { json: "/dev/tty" }, { json: "/dev/fd/../null" }];
    for (const args of refused) assert.equal(pathProblems(args).length, 1, JSON.stringify(args));
  });

  it("reads --state once from stdin, from <(…) and from a named pipe (the deployed size is seen)", async () => {
    for (const state of ["/dev/stdin", "/dev/fd/3"]) {
      const run = await runCli(["--stack", "dev", "--state", state], shrink);
      assert.equal(run.code, 2, `${state}: ${run.stderr}`);
      assert.match(run.stderr, shrunk, state);
    }
    const fifo = path.join(tmp, "export.fifo");
    execFileSync("mkfifo", [fifo]);
    const writing = fs.promises.writeFile(fifo, shrink);
    const run = await runCli(["--stack", "dev", "--state", fifo]);
    await writing;
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, shrunk);
  });

  it("plans with `pulumi stack export | npm run plan -- --state /dev/stdin --json /dev/stdout`", async () => {
    const run = await runCli(["--stack", "dev", "--state", "/dev/stdin", "--json", "/dev/stdout"], JSON.stringify({ version: 3, deployment: { resources: [] } }));
    assert.equal(run.code, 0, run.stderr);
    const json = run.stdout.slice(run.stdout.indexOf("{"), run.stdout.lastIndexOf("}") + 1);
    assert.equal(JSON.parse(json).stack, "dev");
  });
});
