/**
 * `npm run bench`: wall time and peak memory of the offline plan for each shipped stack and for
 * stacks of 10, 100 and 500 AppServices, beside the baseline of starting Node with
 * `@pulumi/pulumi` loaded, measured in the same run and printed as ratios.
 *
 * Each case is a fresh process (the plan is one process per stack), run `BENCH_RUNS` times
 * (default 3); the table shows the median wall time and the largest peak RSS.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { findProjectRoot } from "../plan/stack-file";

const root = findProjectRoot(__dirname);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const probe = path.join(root, "bench", "rss-probe.cjs");
const rssFile = path.join(os.tmpdir(), `bench-rss-${process.pid}`);

interface Case {
  readonly name: string;
  readonly args: string[];
}

function services(count: number): string {
  return JSON.stringify(
    Array.from({ length: count }, (_, i) => ({
      name: `svc-${i}`,
      image: "ghcr.io/stefanprodan/podinfo:6.9.2",
      port: 9898,
      probes: { readinessPath: "/readyz", livenessPath: "/healthz" },
    })),
  );
}

/** A gateway routing every one of `count` services on its own hostname, as a real stack would. */
function routes(count: number): string {
  return JSON.stringify({ tls: { issuer: "self-signed" }, routes: Array.from({ length: count }, (_, i) => ({ service: `svc-${i}`, hostname: `svc-${i}.platform.internal` })) });
}

const plan = (...args: string[]) => ["--require", probe, "dist/plan/cli.js", "--quiet", ...args];
const cases: Case[] = [
  { name: "baseline: node + @pulumi/pulumi", args: ["--require", probe, "-e", 'require("@pulumi/pulumi")'] },
  { name: "plan dev (docker)", args: plan("--stack", "dev") },
  { name: "plan prod (eks)", args: plan("--stack", "prod") },
  { name: "plan prod (gke)", args: plan("--stack", "prod", "--config", "platform:target=gke") },
  { name: "plan onprem (k3s)", args: plan("--stack", "onprem") },
  ...[10, 100, 500].map((n) => ({ name: `plan onprem, ${n} services`, args: plan("--stack", "onprem", "--config", `platform:services=${services(n)}`, "--config", `platform:gateway=${routes(n)}`) })),
];

function measure(c: Case): { seconds: number; rssMB: number; resources: string } {
  const times: number[] = [];
  let rss = 0;
  let resources = "";
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, c.args, { cwd: root, env: { ...process.env, BENCH_RSS_FILE: rssFile }, encoding: "utf8", maxBuffer: 64 * 2 ** 20 });
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
    if (result.status !== 0) throw new Error(`${c.name} exited ${result.status}: ${result.stderr}`);
    rss = Math.max(rss, Number(fs.readFileSync(rssFile, "utf8")) / 1024);
    resources = /: (\d+) resources/.exec(result.stdout)?.[1] ?? "";
  }
  times.sort((a, b) => a - b);
  return { seconds: times[Math.floor(times.length / 2)], rssMB: rss, resources };
}

const results = cases.map((c) => ({ c, ...measure(c) }));
const base = results[0];
const rows = results.map((r) => [
  r.c.name,
  r.resources,
  r.seconds.toFixed(2),
  (r.seconds / base.seconds).toFixed(2) + "×",
  r.rssMB.toFixed(0),
  (r.rssMB / base.rssMB).toFixed(2) + "×",
]);
const header = ["case", "resources", "wall s (median)", "vs baseline", "peak RSS MB", "vs baseline"];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
const line = (cells: string[]) => `| ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join(" | ")} |`;
console.log(`Offline plan benchmark: ${runs} runs per case, node ${process.version}, ${os.cpus().length} cores\n`);
console.log(line(header));
console.log(`|${widths.map((w, i) => (i === 0 ? "-".repeat(w + 2) : "-".repeat(w + 1) + ":")).join("|")}|`);
for (const row of rows) console.log(line(row));
fs.rmSync(rssFile, { force: true });
