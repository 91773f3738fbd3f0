/**
 * `npm run bench`: wall time and peak memory of the offline plan, as ratios against two
 * baselines measured in the same run:
 *
 * - the bare SDK: `node -e 'require("@pulumi/pulumi")'`, for every shipped stack and generated size;
 * - the SDK's floor for the same graph (bench/floor.ts): the plan's resources registered directly
 *   as plain `CustomResource`/`ComponentResource`s under the same mocks, for generated stacks of
 *   `BENCH_SIZES` services (default 10,100,500,1000) on Docker and on k3s.
 *
 * Each case is a fresh process, run `BENCH_RUNS` times (default 3) interleaved with its baselines
 * (bare, floor, plan, bare, floor, plan, …) so that load on the machine hits them alike; the table
 * shows medians of wall time and the largest peak RSS.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { findProjectRoot } from "../plan/stack-file";

const root = findProjectRoot(__dirname);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const sizes = (process.env.BENCH_SIZES ?? "10,100,500,1000").split(",").filter(Boolean).map(Number);
const probe = path.join(root, "bench", "rss-probe.cjs");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bench-"));
const rssFile = path.join(tmp, "rss");

interface Case {
  readonly name: string;
  readonly args: string[];
  /** For generated stacks: the plan file the floor re-registers. */
  readonly planFile?: string;
}

interface Sample {
  readonly seconds: number;
  readonly rssMB: number;
  readonly stdout: string;
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

/**
 * The `--config` arguments that set `count` services: one JSON value, or, where that would pass
 * Linux's limit of 128 KiB for a single argument (MAX_ARG_STRLEN; about 1,000 services), one
 * `--config-path` value per field, as `pulumi config set --path` would store them, into an empty
 * list (a path sets one field and keeps the rest: the stack's own services would stay beside them).
 */
function servicesConfig(count: number): string[] {
  const json = services(count);
  if (json.length < 100 * 1024) return ["--config", `platform:services=${json}`];
  return [
    "--config-path",
    "--config",
    "platform:services=[]",
    ...(JSON.parse(json) as Record<string, unknown>[]).flatMap((service, i) =>
      Object.entries(flatten(service)).flatMap(([field, value]) => ["--config", `platform:services[${i}].${field}=${value}`]),
    ),
  ];
}

/** `{ probes: { readinessPath: "/readyz" } }` → `{ "probes.readinessPath": "/readyz" }`. */
function flatten(value: Record<string, unknown>, prefix = ""): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(value).flatMap(([key, inner]) =>
      inner !== null && typeof inner === "object" ? Object.entries(flatten(inner as Record<string, unknown>, `${prefix}${key}.`)) : [[`${prefix}${key}`, inner]],
    ),
  );
}

/** A gateway routing every one of `count` services on its own hostname, as a real stack would. */
function routes(count: number): string {
  return JSON.stringify({ tls: { issuer: "self-signed" }, routes: Array.from({ length: count }, (_, i) => ({ service: `svc-${i}`, hostname: `svc-${i}.platform.internal` })) });
}

const plan = (...args: string[]) => ["--require", probe, "dist/plan/cli.js", "--quiet", ...args];
const bare: Case = { name: "bare SDK: node + @pulumi/pulumi", args: ["--require", probe, "-e", 'require("@pulumi/pulumi")'] };
const shipped: Case[] = [
  { name: "plan dev (docker)", args: plan("--stack", "dev") },
  { name: "plan prod (eks)", args: plan("--stack", "prod") },
  { name: "plan prod (gke)", args: plan("--stack", "prod", "--config", "platform:target=gke") },
  { name: "plan onprem (k3s)", args: plan("--stack", "onprem") },
];
const generated: Case[] = (["dev", "onprem"] as const).flatMap((stack) =>
  sizes.map((n) => {
    const planFile = path.join(tmp, `${stack}-${n}.json`);
    const target = stack === "dev" ? "docker" : "k3s";
    return { name: `plan ${target}, ${n} services`, planFile, args: plan("--stack", stack, ...servicesConfig(n), "--config", `platform:gateway=${routes(n)}`, "--json", planFile) };
  }),
);

function once(c: Case): Sample {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, c.args, { cwd: root, env: { ...process.env, BENCH_RSS_FILE: rssFile }, encoding: "utf8", maxBuffer: 64 * 2 ** 20 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) throw new Error(`${c.name} exited ${result.status}: ${result.stderr}`);
  return { seconds, rssMB: Number(fs.readFileSync(rssFile, "utf8")) / 1024, stdout: result.stdout };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const summary = (samples: Sample[]) => ({ seconds: median(samples.map((s) => s.seconds)), rssMB: Math.max(...samples.map((s) => s.rssMB)) });

interface Row {
  readonly name: string;
  readonly resources: string;
  readonly plan: { seconds: number; rssMB: number };
  readonly bare: { seconds: number; rssMB: number };
  readonly floor?: { seconds: number; rssMB: number };
}

/** Runs a case `runs` times, each time right after its baselines. */
function measure(c: Case): Row {
  const samples: { plan: Sample[]; bare: Sample[]; floor: Sample[] } = { plan: [], bare: [], floor: [] };
  for (let i = 0; i < runs; i++) {
    samples.bare.push(once(bare));
    // The floor needs the plan's file: the first plan run writes it.
    if (c.planFile && i > 0) samples.floor.push(once({ name: `floor of ${c.name}`, args: ["--require", probe, "dist/bench/floor.js", c.planFile] }));
    samples.plan.push(once(c));
  }
  if (c.planFile) samples.floor.push(once({ name: `floor of ${c.name}`, args: ["--require", probe, "dist/bench/floor.js", c.planFile] }));
  const resources = /: (\d+) resources/.exec(samples.plan[0].stdout)?.[1] ?? "";
  return { name: c.name, resources, plan: summary(samples.plan), bare: summary(samples.bare), floor: c.planFile ? summary(samples.floor) : undefined };
}

const rows = [...shipped, ...generated].map(measure);
const ratio = (a: number, b?: number) => (b ? `${(a / b).toFixed(2)}×` : "");
const header = ["case", "resources", "wall s", "vs bare SDK", "vs floor", "floor s", "peak RSS MB", "RSS vs floor"];
const table = rows.map((r) => [
  r.name,
  r.resources,
  r.plan.seconds.toFixed(2),
  ratio(r.plan.seconds, r.bare.seconds),
  ratio(r.plan.seconds, r.floor?.seconds),
  r.floor ? r.floor.seconds.toFixed(2) : "",
  r.plan.rssMB.toFixed(0),
  ratio(r.plan.rssMB, r.floor?.rssMB),
]);
const bareSeconds = median(rows.map((r) => r.bare.seconds));
const bareRss = Math.max(...rows.map((r) => r.bare.rssMB));
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
const line = (cells: string[]) => `| ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join(" | ")} |`;
console.log(`Offline plan benchmark: ${runs} paired runs per case, node ${process.version}, ${os.cpus().length} cores`);
console.log(`Bare SDK load: ${bareSeconds.toFixed(2)} s (median over the run), ${bareRss.toFixed(0)} MB peak RSS\n`);
console.log(line(header));
console.log(`|${widths.map((w, i) => (i === 0 ? "-".repeat(w + 2) : "-".repeat(w + 1) + ":")).join("|")}|`);
for (const row of table) console.log(line(row));
fs.rmSync(tmp, { recursive: true, force: true });
