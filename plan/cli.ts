/**
 * `npm run plan -- --stack <dev|prod|onprem> [--config key=value ...] [--json FILE] [--diagram FILE.md]`
 *
 * Runs the real program of a stack in-process under Pulumi's mock runtime, with the stack's own
 * config, then runs the policy pack over what it would create. It needs no Pulumi CLI, no cloud
 * credentials and no cluster.
 *
 * Exit codes: 0 clean; 1 a mandatory policy is violated; 2 bad config or arguments.
 */
// First: defers the SDK start-up work the plan never uses, before anything loads the SDK.
import "./sdk-startup";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { collectConfig, formatConfigIssues, keyPath, validateCollected } from "../stacks/config";
import { pathProblems, streamDescriptor } from "./paths";
import { findProjectRoot, readStackConfig, StackFileError } from "./stack-file";
import { readDeployedState } from "./state-file";

const USAGE = `usage: npm run plan -- [--stack dev|prod|onprem] [--config key=value ...] [--config-path] [--json FILE] [--diagram FILE.md] [--state FILE]

  --stack NAME        the stack whose Pulumi.<NAME>.yaml config to use (default: dev)
  --config KEY=VALUE  override a config value, e.g. --config platform:target=gke (repeatable). The value
                      replaces the key's whole value: a block is given as JSON and replaces the block
  --config-path       the --config keys are property paths that set one value and keep the rest of
                      the block, as \`pulumi up --config-path\`: --config platform:postgres.mode=in-cluster
  --json FILE         also write the plan as JSON (secrets written as "[secret]")
  --diagram FILE.md   also write the stack's architecture as a Mermaid flowchart in Markdown
  --state FILE        the output of \`pulumi stack export\`: refuse changes the deployed stack cannot take
                      (a database volume smaller than the current one), and list the deployed
                      resources no planned resource claims by URN or alias (\`pulumi up\` deletes them)
  --quiet             print only the summary and the policy results
  --help              show this help`;

/** Exit codes of the plan. */
export const EXIT = { ok: 0, violations: 1, badInput: 2 } as const;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(EXIT.badInput);
}

/**
 * `npm run plan` runs the compiled program in `dist/` (tsx would double start-up). Say so when a
 * source file is newer than the last build, so nobody plans stale code unknowingly.
 */
function warnIfStale(projectDir: string): void {
  const built = path.join(projectDir, "dist", ".tsbuildinfo");
  if (!fs.existsSync(built) || path.basename(path.dirname(__dirname)) !== "dist") return;
  const builtAt = fs.statSync(built).mtimeMs;
  const newer = ["components", "stacks", "plan", "policies"]
    .flatMap((dir) => fs.readdirSync(path.join(projectDir, dir), { recursive: true, encoding: "utf8" }).map((f) => path.join(projectDir, dir, f)))
    .filter((file) => file.endsWith(".ts") && fs.statSync(file).mtimeMs > builtAt);
  if (newer.length > 0) {
    process.stderr.write(`warning: ${path.relative(projectDir, newer[0])} is newer than the build; run \`npm run build\` to plan the current code\n`);
  }
}

async function run(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        stack: { type: "string", default: "dev" },
        config: { type: "string", multiple: true, default: [] },
        "config-path": { type: "boolean", default: false },
        json: { type: "string" },
        diagram: { type: "string" },
        state: { type: "string" },
        quiet: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    fail(`${(error as Error).message}\n\n${USAGE}`);
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }

  // Every file argument is checked before anything is planned: a bad path never costs a plan.
  const badPaths = pathProblems(args);
  if (badPaths.length > 0) fail(badPaths.map((p) => `error: ${p}`).join("\n"));

  let stackConfig;
  try {
    stackConfig = readStackConfig(findProjectRoot(__dirname), args.stack!, args.config!, { paths: args["config-path"] });
  } catch (error) {
    if (error instanceof StackFileError) fail(`error: ${error.message}`);
    throw error;
  }
  // Only the observability block may be a secret as a whole (collectConfig refuses any other).
  for (const block of stackConfig.secretBlocks.filter((b) => b === keyPath(["observability"]))) {
    process.stderr.write(`warning: ${block} is a whole block set with --secret; the offline plan cannot decrypt it and plans without it (\`pulumi up\` validates it). Set only its secret fields with --secret --path to plan the rest\n`);
  }

  // Validate config before the runtime starts: bad input never produces half a plan. The same
  // collection and checks run inside `pulumi up` (stacks/load.ts).
  let deployed: ReturnType<typeof readDeployedState> | undefined;
  if (args.state) {
    try {
      deployed = readDeployedState(args.state, stackConfig.stack, stackConfig.project);
    } catch (error) {
      fail(`error: ${(error as Error).message}`);
    }
  }
  const collected = collectConfig(stackConfig.config, stackConfig.project, (key) => stackConfig.secretKeys.includes(key), stackConfig.secureValues);
  for (const w of collected.warnings) process.stderr.write(`warning: ${w.key} ${w.message}\n`);
  const parsed = validateCollected(collected, deployed ?? {});
  if (!parsed.ok) fail(`error: ${formatConfigIssues(parsed.issues)}`);

  warnIfStale(findProjectRoot(__dirname));
  const { captureProgram } = await import("./capture");
  const { runPolicies, hasMandatoryViolations } = await import("./policy-runner");
  const { rules } = await import("../policies/rules");
  const { renderPlan, planJson, countByType } = await import("./report");
  const entry = (await import("../stacks")).default as unknown as () => Record<string, unknown>;

  let program;
  try {
    program = await captureProgram(entry, {
      project: stackConfig.project,
      stack: stackConfig.stack,
      config: stackConfig.config,
      secretKeys: stackConfig.secretKeys,
    });
  } catch (error) {
    fail(`error: the program failed: ${process.env.PLAN_DEBUG ? (error as Error).stack : (error as Error).message}`);
  }
  const report = await runPolicies(rules, program.resources, {}, new Map([
    ["pulumi:project", stackConfig.project],
    ["environment", parsed.config.environment],
  ]));
  const target = parsed.config.target;
  const { capacityReport, formatAmount, formatPools } = await import("../policies/rules/capacity");
  const capacity = capacityReport(program.resources.filter((r) => r.custom).map((r) => ({ type: r.type, name: r.name, props: r.inputs })));

  if (args.quiet) {
    const total = countByType(program.resources).reduce((sum, [, n]) => sum + n, 0);
    process.stdout.write(`Plan for stack "${program.stack}" (target ${target}): ${total} resources; ${report.violations.length} policy violations\n`);
    for (const v of report.violations) process.stdout.write(`  [${v.enforcementLevel}] ${v.policy}: ${v.message}\n`);
  } else {
    process.stdout.write(`${renderPlan(program, target, report, rules.length)}\n`);
  }
  if (capacity.pools.length > 0) {
    process.stdout.write(`Capacity: requests ${formatAmount(capacity.requests)}; node pools at minimum size ${formatPools(capacity.pools)} allocate ${formatAmount(capacity.allocatable)}\n`);
  }
  const { aliasConflicts } = await import("./moves");
  const conflicts = aliasConflicts(program.resources);
  if (conflicts.length > 0) process.stderr.write(`error: ${conflicts.length} aliases name a URN another resource has, which the engine refuses:\n${conflicts.map((c) => `  - ${c}`).join("\n")}\n`);
  if (deployed) {
    const { unclaimedUrns } = await import("./moves");
    const gone = unclaimedUrns(deployed.urns, program.resources);
    if (gone.length > 0) {
      process.stderr.write(`warning: ${gone.length} deployed resources are claimed by no planned resource, by URN or alias; \`pulumi up\` deletes them:\n${gone.map((urn) => `  - ${urn}`).join("\n")}\n`);
    }
  }
  const { recoveryReport, renderRecoveryReport } = await import("./dr-report");
  const recovery = recoveryReport(program.resources);
  process.stdout.write(`${renderRecoveryReport(recovery)}\n`);
  const plan = { ...planJson(program, target, report), recovery };
  const write = async (flag: string, file: string, text: string) => {
    try {
      // stdout and stderr through Node's own streams, waiting until the text is out (the exit
      // would cut a pipe short; a direct write to a non-blocking pipe fails with EAGAIN);
      // other descriptors and files by path.
      const fd = streamDescriptor(file);
      if (fd === 1 || fd === 2) await new Promise<void>((resolve, reject) => (fd === 1 ? process.stdout : process.stderr).write(text, (error) => (error ? reject(error) : resolve())));
      else {
        if (fd === undefined) fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
        fs.writeFileSync(file, text);
      }
      process.stdout.write(`${flag === "--json" ? "Plan" : "Diagram"} written to ${file}\n`);
      return true;
    } catch (error) {
      process.stderr.write(`error: ${flag} ${file}: cannot be written (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})\n`);
      return false;
    }
  };
  let written = true;
  if (args.json) written = (await write("--json", args.json, `${JSON.stringify(plan, null, 2)}\n`)) && written;
  if (args.diagram) {
    const { diagramMarkdown } = await import("./diagram");
    written = (await write("--diagram", args.diagram, diagramMarkdown(plan))) && written;
  }
  // Violations (exit 1) are the plan's verdict; a file that could not be written does not mask them.
  if (hasMandatoryViolations(report) || conflicts.length > 0) return EXIT.violations;
  return written ? EXIT.ok : EXIT.badInput;
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`error: ${process.env.PLAN_DEBUG ? error.stack : error.message}\n`);
    process.exit(EXIT.badInput);
  },
);
