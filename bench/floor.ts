/**
 * The SDK's floor for a plan's graph: `node dist/bench/floor.js PLAN.json` registers exactly the
 * resources of a plan file (same types, names, parents, dependencies and inputs, in the same
 * order) as plain `CustomResource`/`ComponentResource`s, under the plan's own mocks and capture
 * (plan/capture.ts, with the same start-up trims), and nothing else: no provider SDK, no config
 * validation, no component logic, no policy pack, no report.
 *
 * `npm run bench` times it beside the plan that wrote the file, so project ÷ floor is what the
 * project's own work costs on top of what the SDK needs to register that graph at all.
 */
import "../plan/sdk-startup";
import * as fs from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { captureProgram } from "../plan/capture";
import type { PlanJson } from "../plan/report";

const STACK_TYPE = "pulumi:pulumi:Stack";

/** A custom resource of any type token: the SDK's base class, which is abstract only in its types. */
class Custom extends pulumi.CustomResource {}

/** Registers the plan's resources in order; parents always precede their children. */
function register(plan: PlanJson): number {
  const byUrn = new Map<string, pulumi.Resource>();
  for (const r of plan.resources) {
    if (r.type === STACK_TYPE) continue;
    const parent = r.parent ? byUrn.get(r.parent) : undefined;
    const dependsOn = r.dependencies.map((urn) => byUrn.get(urn)).filter((d): d is pulumi.Resource => !!d);
    const opts = { parent, dependsOn };
    const resource = r.custom
      ? new Custom(r.type, r.name, r.inputs, opts)
      : new pulumi.ComponentResource(r.type, r.name, {}, opts);
    byUrn.set(r.urn, resource);
  }
  return byUrn.size;
}

async function main(file: string): Promise<void> {
  const plan = JSON.parse(fs.readFileSync(file, "utf8")) as PlanJson;
  const project = plan.resources.find((r) => r.type === STACK_TYPE)?.urn.split("::")[2] ?? "platform";
  let count = 0;
  const captured = await captureProgram(() => {
    count = register(plan);
  }, { project, stack: plan.stack });
  // The stack resource is the runtime's own; the rest must be the plan's, one for one.
  if (captured.resources.length !== count + 1) throw new Error(`registered ${captured.resources.length - 1} resources, the plan has ${count}`);
  process.stdout.write(`Floor for stack "${plan.stack}": ${captured.resources.length} resources\n`);
}

main(process.argv[2]).catch((error) => {
  process.stderr.write(`error: ${(error as Error).message}\n`);
  process.exit(1);
});
