/**
 * The policy pack is a package of its own under policies/ (package.json, PulumiPolicy.yaml,
 * version): `npm run build --prefix policies` (and `prepack`) bundles it into policies/bin/index.js, which is what
 * `pulumi preview --policy-pack policies` runs and `pulumi policy publish` uploads. The bundle must
 * carry every policy of the sources, import only the npm packages the pack declares, and load no
 * file of the program. Pulumi installs a published pack with a plain `npm install` in the unpacked
 * tarball, so no install-time lifecycle script may need a file the tarball does not ship.
 *
 * @see https://www.pulumi.com/docs/insights/policy/policy-packs/authoring/
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import Module from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";

const root = path.resolve(__dirname, "..");
const packDir = path.join(root, "policies");
const readJson = (file: string) => JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, any>;
const pack = readJson(path.join(packDir, "package.json"));
const project = readJson(path.join(root, "package.json"));
const bundle = path.join(packDir, pack.main as string);

/** The package a bare specifier names: `@pulumi/policy/proxy` → `@pulumi/policy`. */
const packageOf = (specifier: string) => specifier.split("/").slice(0, specifier.startsWith("@") ? 2 : 1).join("/");

let source = "";
let constructed: { name: string; policies: string[] }[] = [];
let loadedProjectFiles: string[] = [];

before(async () => {
  const { build } = await import("esbuild");
  const { bundleOptions } = (await import(path.join(packDir, "build.mjs"))) as { bundleOptions: Parameters<typeof build>[0] };
  await build(bundleOptions);
  source = fs.readFileSync(bundle, "utf8");

  // Load the bundle as the analyzer would, with PolicyPack recording what it is given instead of
  // starting the analyzer's gRPC server.
  const loader = Module as unknown as { _load: (request: string, parent: unknown, isMain: boolean) => unknown };
  const original = loader._load;
  loader._load = function (request, parent, isMain) {
    const loaded = original.call(this, request, parent, isMain) as Record<string, unknown>;
    if (request !== "@pulumi/policy") return loaded;
    return {
      ...loaded,
      PolicyPack: class {
        constructor(name: string, args: { policies: { name: string }[] }) {
          constructed.push({ name, policies: args.policies.map((p) => p.name) });
        }
      },
    };
  };
  try {
    constructed = [];
    require(bundle);
  } finally {
    loader._load = original;
  }
  loadedProjectFiles = Object.keys(require.cache).filter((file) => file.startsWith(root + path.sep) && !file.includes(`${path.sep}node_modules${path.sep}`) && file !== bundle && file !== __filename);
});

describe("the policy pack as its own package", () => {
  it("has a name, a version, a license and a main that is the bundle, and a PulumiPolicy.yaml with the nodejs runtime", () => {
    assert.equal(pack.name, "@acme/platform-policies");
    assert.match(pack.version, /^\d+\.\d+\.\d+$/);
    assert.equal(pack.license, project.license);
    assert.equal(pack.main, "bin/index.js");
    assert.deepEqual(pack.files.sort(), ["PulumiPolicy.yaml", "README.md", "bin"]);
    const yaml = parse(fs.readFileSync(path.join(packDir, "PulumiPolicy.yaml"), "utf8"));
    assert.equal(yaml.runtime, "nodejs");
    assert.equal(yaml.version, undefined, "the version comes from package.json alone");
    assert.ok(fs.existsSync(path.join(packDir, "package-lock.json")), "policies/package-lock.json is committed");
  });

  it("constructs one PolicyPack with every policy of the sources, in order", async () => {
    const { rules } = await import("../policies/rules");
    assert.equal(constructed.length, 1);
    assert.equal(constructed[0].name, "platform-policies");
    assert.deepEqual(constructed[0].policies, rules.map((r) => r.name));
  });

  it("loads no file of the program: the shared pieces are inlined", () => {
    assert.deepEqual(loadedProjectFiles, []);
    assert.doesNotMatch(source, /require\("\.{1,2}\//, "no relative import is left in the bundle");
    assert.match(source, /app\.kubernetes\.io\/component/, "the contract's labels are inlined");
  });

  it("imports only packages its package.json declares, at the versions the project is built and tested with", () => {
    const imported = [...new Set([...source.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]).filter((s) => !s.startsWith("node:")).map(packageOf))].sort();
    const declared = Object.keys(pack.dependencies);
    assert.deepEqual(imported.filter((name) => !declared.includes(name)), [], "undeclared imports");
    for (const name of declared) {
      const ours = (project.devDependencies[name] ?? project.dependencies[name]) as string | undefined;
      assert.ok(ours, `${name} is a dependency of the project too`);
      assert.equal(pack.dependencies[name], ours.replace(/^\^/, ""), `${name} is pinned to the version the project's tests use`);
    }
    assert.equal(pack.devDependencies.esbuild, project.devDependencies.esbuild);
  });
});

/** The lifecycle scripts `npm install` runs in a package's own directory. @see https://docs.npmjs.com/cli/v11/using-npm/scripts#npm-install */
const INSTALL_SCRIPTS = ["preinstall", "install", "postinstall", "prepare"];

/**
 * Packs a copy of the pack as `npm publish` would (`npm pack --dry-run`, which runs `prepack` and
 * reaches no registry), from a copy without `bin/` and `node_modules/`.
 */
function packCopy(): { work: string; packed: string; files: string[] } {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "policy-pack-"));
  const packed = path.join(work, "policies");
  fs.cpSync(path.join(root, "components"), path.join(work, "components"), { recursive: true });
  fs.cpSync(packDir, packed, { recursive: true, filter: (src) => ![path.join(packDir, "node_modules"), path.join(packDir, "bin")].includes(src) });
  fs.symlinkSync(path.join(root, "node_modules"), path.join(work, "node_modules"), "dir");
  const out = execFileSync("npm", ["pack", "--dry-run", "--json"], { cwd: packed, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const files = (JSON.parse(out) as { files: { path: string }[] }[])[0].files.map((f) => f.path);
  return { work, packed, files };
}

/**
 * Unpacks `files` of `from` into a fresh directory, as Pulumi does with a published pack, with
 * `scripts` in its package.json, and runs the install-time lifecycle scripts there.
 * @returns the scripts that failed, with their output.
 */
function runInstallScripts(from: string, files: string[], scripts: Record<string, string>): string[] {
  const unpacked = fs.mkdtempSync(path.join(os.tmpdir(), "policy-pack-unpacked-"));
  for (const file of files) fs.cpSync(path.join(from, file), path.join(unpacked, file), { recursive: true });
  const manifest = readJson(path.join(unpacked, "package.json"));
  fs.writeFileSync(path.join(unpacked, "package.json"), JSON.stringify({ ...manifest, scripts }, null, 2));
  fs.symlinkSync(path.join(root, "node_modules"), path.join(unpacked, "node_modules"), "dir");
  const failed = INSTALL_SCRIPTS.filter((name) => name in scripts).flatMap((name) => {
    const run = spawnSync("npm", ["run", name], { cwd: unpacked, encoding: "utf8" });
    return run.status === 0 ? [] : [`${name}: ${run.stderr.trim().split("\n").filter((line) => /Error|Cannot/.test(line)).join(" ")}`];
  });
  fs.rmSync(unpacked, { recursive: true, force: true });
  return failed;
}

describe("the policy pack as a published tarball", () => {
  let packed: ReturnType<typeof packCopy>;
  before(() => {
    packed = packCopy();
  });

  it("is bundled by prepack: npm pack builds bin/index.js and ships it", () => {
    assert.ok(fs.existsSync(path.join(packed.packed, "bin", "index.js")), "prepack built bin/index.js in a copy that had none");
    assert.deepEqual(packed.files.sort(), ["PulumiPolicy.yaml", "README.md", "bin/index.js", "package.json"]);
  });

  it("installs where Pulumi unpacks it: no install-time lifecycle script needs a file the tarball lacks", () => {
    assert.deepEqual(runInstallScripts(packed.packed, packed.files, pack.scripts as Record<string, string>), []);
  });

  it("would not: the same check fails on the tarball with a prepare script that builds (build.mjs is not shipped)", () => {
    const failed = runInstallScripts(packed.packed, packed.files, { ...(pack.scripts as Record<string, string>), prepare: "npm run build" });
    assert.equal(failed.length, 1, failed.join("\n"));
    assert.match(failed[0], /^prepare: .*build\.mjs/);
  });

  after(() => {
    if (packed) fs.rmSync(packed.work, { recursive: true, force: true });
  });
});
