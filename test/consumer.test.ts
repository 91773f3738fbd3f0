/**
 * Another Pulumi project adopts the library the way a new user would: `npm pack` the project,
 * install the tarball from a `file:` dependency into fresh projects, type-check them with
 * Pulumi's TypeScript templates and run a Docker-only program under mocks.
 *
 * - (a) Pulumi's current template tsconfig (`module`/`moduleResolution: nodenext`, no
 *   `skipLibCheck`), with the `@pulumi/pulumi` this project is built against;
 * - (b) the template's tsconfig before it moved to nodenext (`moduleResolution: node`), on the same
 *   install as (a), since only the tsconfig differs;
 * - (c) the oldest `@pulumi/pulumi` the peer range admits, with the current template.
 *
 * Each has exactly one `@pulumi/pulumi` in its tree, installs neither `@pulumi/aws` nor
 * `@pulumi/gcp`, and loads neither. The READMEs' snippets type-check in (a). The installs come from
 * the npm registry (through npm's cache), so this is the slowest test: it runs two installs.
 *
 * @see https://github.com/pulumi/templates/blob/master/typescript/tsconfig.json
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { before, describe, it } from "node:test";

const root = path.resolve(__dirname, "..");
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as {
  name: string;
  exports: Record<string, string | { types: string; default: string }>;
  typesVersions: Record<string, Record<string, string[]>>;
  peerDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const tsc = require.resolve("typescript/bin/tsc");
/** The `@pulumi/pulumi` this project builds against, and the floor of the range consumers may use. */
const builtAgainst = pkg.devDependencies["@pulumi/pulumi"];
const oldestSupported = /^\^(\d+\.\d+\.\d+)$/.exec(pkg.peerDependencies["@pulumi/pulumi"])?.[1];

/** Pulumi's TypeScript template tsconfig today (nodenext since 2026-03) and before it. */
const templateCompilerOptions = {
  strict: true,
  target: "es2020",
  sourceMap: true,
  experimentalDecorators: true,
  pretty: true,
  noFallthroughCasesInSwitch: true,
  noImplicitReturns: true,
  forceConsistentCasingInFileNames: true,
};
const currentTemplate = { ...templateCompilerOptions, module: "nodenext", moduleResolution: "nodenext" };
const olderTemplate = { ...templateCompilerOptions, module: "commonjs", moduleResolution: "node" };

/** A Docker-only consumer: a provider of its own for DockerHost, an AppService, and what Node loaded. */
const consumerProgram = `
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { AppService, type AppServiceArgs } from "${pkg.name}";
import { DockerHost } from "${pkg.name}/docker";
import type { K3sClusterArgs } from "${pkg.name}/k3s";

const registered: { type: string; name: string; provider?: string }[] = [];
pulumi.runtime.setMocks(
  {
    newResource: (args) => {
      registered.push({ type: args.type, name: args.name, provider: args.provider });
      return { id: \`\${args.name}-id\`, state: args.inputs };
    },
    call: () => ({}),
  },
  "consumer",
  "test",
  false,
);

const engine = new docker.Provider("engine", { host: "unix:///var/run/docker.sock" });
const host = new DockerHost("local", { environment: "dev" }, { providers: { docker: engine } });
const args: AppServiceArgs = { platform: host.platform, image: "ghcr.io/stefanprodan/podinfo:6.9.2", port: 9898 };
// A type from another target's entry point costs nothing at run time.
export const notUsed: K3sClusterArgs | undefined = undefined;
new AppService("hello", args).url.apply((url) => {
  setTimeout(() => {
    const packages = Object.keys(require.cache)
      .map((file) => /^.*\\/node_modules\\/(?:@[^/]+\\/)?[^/]+/.exec(file)?.[0])
      .filter((dir): dir is string => dir !== undefined);
    const network = registered.find((r) => r.type === "docker:index/network:Network");
    console.log(JSON.stringify({ url, types: [...new Set(registered.map((r) => r.type))].sort(), networkProvider: network?.provider, packages: [...new Set(packages)].sort() }));
  }, 200);
});
`;

/** The TypeScript snippets of the READMEs that import the package. */
function readmeSnippets(): { file: string; code: string }[] {
  const readmes = ["README.md", ...fs.readdirSync(path.join(root, "components"), { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith("README.md")).map((f) => path.join("components", f))];
  return readmes
    .filter((file) => fs.existsSync(path.join(root, file)))
    .flatMap((file) => [...fs.readFileSync(path.join(root, file), "utf8").matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => ({ file, code: m[1] })))
    .filter((snippet) => snippet.code.includes(`from "${pkg.name}`));
}

function run(command: string, args: string[], cwd: string): string {
  try {
    return execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(" ")} failed in ${cwd}:\n${stdout ?? ""}\n${stderr ?? ""}`);
  }
}

/** Every installed copy of `name` in a project's tree, nested ones included. */
function installedCopies(project: string, name: string): { dir: string; version: string }[] {
  const found: { dir: string; version: string }[] = [];
  const visit = (modules: string): void => {
    if (!fs.existsSync(modules)) return;
    for (const entry of fs.readdirSync(modules)) {
      if (entry.startsWith(".")) continue;
      const packages = entry.startsWith("@") ? fs.readdirSync(path.join(modules, entry)).map((p) => `${entry}/${p}`) : [entry];
      for (const packageName of packages) {
        const dir = path.join(modules, packageName);
        if (packageName === name) found.push({ dir, version: JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).version });
        visit(path.join(dir, "node_modules"));
      }
    }
  };
  visit(path.join(project, "node_modules"));
  return found;
}

/** Kibibytes on disk under `dir`. */
const diskKiB = (dir: string): number => Number(run("du", ["-sk", dir], dir).split(/\s/)[0]);

interface Consumer {
  readonly dir: string;
  readonly installSeconds: number;
}

/** A fresh project with the tarball and `@pulumi/pulumi@<version>`, installed as `npm install` would. */
function installConsumer(work: string, id: string, tarball: string, pulumiVersion: string): Consumer {
  const dir = path.join(work, id);
  fs.mkdirSync(dir);
  fs.writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({
      name: `consumer-${id}`,
      private: true,
      main: "index.ts",
      dependencies: { [pkg.name]: `file:${tarball}`, "@pulumi/pulumi": pulumiVersion },
      devDependencies: { "@types/node": pkg.devDependencies["@types/node"] },
    }),
  );
  const started = performance.now();
  run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], dir);
  return { dir, installSeconds: (performance.now() - started) / 1000 };
}

/** Type-checks and emits a project with `compilerOptions`; returns the seconds and the files TypeScript read. */
function typeCheck(dir: string, config: string, compilerOptions: object, files: string[]): { seconds: number; files: string[] } {
  fs.writeFileSync(path.join(dir, config), JSON.stringify({ compilerOptions, files }));
  const started = performance.now();
  let out: string;
  try {
    out = execFileSync(process.execPath, [tsc, "-p", config, "--listFiles", "--pretty", "false"], { cwd: dir, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    assert.fail(`${config} does not type-check:\n${(error as { stdout: string }).stdout.split("\n").filter((l) => !l.startsWith("/")).join("\n")}`);
  }
  return { seconds: (performance.now() - started) / 1000, files: out.split("\n").filter((l) => l.startsWith("/")) };
}

interface ProgramResult {
  url: string;
  types: string[];
  networkProvider?: string;
  packages: string[];
}

function runProgram(dir: string, script: string): ProgramResult {
  const output = run(process.execPath, [script], dir);
  return JSON.parse(output.trim().split("\n").pop()!) as ProgramResult;
}

/** What every consumer must see, whatever its tsconfig or SDK version. */
function assertDockerOnlyConsumer(consumer: Consumer, result: ProgramResult, pulumiVersion: string): void {
  assert.equal(result.url, "http://hello:9898");
  assert.deepEqual(result.types, [
    "docker:index/container:Container",
    "docker:index/network:Network",
    "docker:index/remoteImage:RemoteImage",
    "platform:index:AppService",
    "platform:index:DockerHost",
    "pulumi:providers:docker",
  ]);
  assert.match(result.networkProvider ?? "", /pulumi:providers:docker::engine::/, "DockerHost's network uses the consumer's provider");

  const copies = installedCopies(consumer.dir, "@pulumi/pulumi");
  assert.deepEqual(copies.map((c) => c.version), [pulumiVersion], `one @pulumi/pulumi in the tree: ${copies.map((c) => c.dir).join(", ")}`);
  for (const cloud of ["@pulumi/aws", "@pulumi/gcp"]) assert.deepEqual(installedCopies(consumer.dir, cloud), [], `${cloud} is not installed`);

  const loaded = (name: string) => result.packages.filter((dir) => dir.endsWith(`/node_modules/${name}`));
  assert.deepEqual(loaded("@pulumi/pulumi"), [copies[0].dir], "the program loads the one @pulumi/pulumi");
  assert.ok(loaded(pkg.name).length === 1 && loaded("@pulumi/docker").length === 1, `the package and @pulumi/docker are loaded: ${result.packages.join(", ")}`);
  assert.deepEqual([...loaded("@pulumi/aws"), ...loaded("@pulumi/gcp")], [], "no cloud SDK module is loaded");
}

describe("the package as a dependency", () => {
  let work: string;
  let tarball: string;
  let packed: string[];

  before(() => {
    // `npm test` builds first; build here only when run on its own.
    if (!fs.existsSync(path.join(root, "dist", "components", "index.js"))) execFileSync(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: root, stdio: "pipe" });
    work = fs.mkdtempSync(path.join(os.tmpdir(), "consumer-"));
    const [report] = JSON.parse(run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], root)) as { filename: string; files: { path: string }[] }[];
    tarball = path.join(work, report.filename);
    packed = report.files.map((f) => f.path);
  });

  it("packs the built library with its LICENSE and READMEs, and nothing of the program, the plan or the tests", () => {
    for (const file of ["LICENSE", "README.md", "package.json", "components/postgres/README.md"]) assert.ok(packed.includes(file), `${file} is packed`);
    const stray = packed.filter((f) => !/^(LICENSE|README\.md|package\.json|dist\/components\/.+\.(js|d\.ts|js\.map)|components\/.+README\.md)$/.test(f));
    assert.deepEqual(stray, []);
  });

  it("points every export, typesVersions entry and source map at packed files, and the maps carry their sources", () => {
    const targets = [
      ...Object.values(pkg.exports).flatMap((e) => (typeof e === "string" ? [e] : [e.types, e.default])),
      ...Object.values(pkg.typesVersions["*"]).flat(),
    ].map((t) => t.replace(/^\.\//, ""));
    for (const target of targets) assert.ok(packed.includes(target), `${target} is packed`);
    const maps = packed.filter((f) => f.endsWith(".js.map"));
    assert.ok(maps.length > 50, `${maps.length} source maps`);
    for (const map of maps) {
      const { sources, sourcesContent } = JSON.parse(fs.readFileSync(path.join(root, map), "utf8")) as { sources: string[]; sourcesContent?: string[] };
      assert.equal(sourcesContent?.length, sources.length, `${map} carries its sources`);
    }
  });

  it("publishes cleanly: `npm publish --dry-run` warns about nothing but the missing registry login", () => {
    const result = spawnSync("npm", ["publish", "--dry-run", "--ignore-scripts"], { cwd: root, encoding: "utf8" });
    assert.equal(result.status, 0, result.stderr);
    const stderr = result.stderr;
    const warnings = stderr.split("\n").filter((l) => /^npm (warn|error)/i.test(l) && !/requires you to be logged in/.test(l));
    assert.deepEqual(warnings, []);
  });

  describe("a Docker-only consumer", () => {
    it("(a) Pulumi's current template and (b) its older moduleResolution-node template: type-checks, runs, one SDK, no cloud SDK", (t) => {
      const consumer = installConsumer(work, "template", tarball, builtAgainst);
      fs.writeFileSync(path.join(consumer.dir, "index.ts"), consumerProgram);

      const current = typeCheck(consumer.dir, "tsconfig.json", { ...currentTemplate, outDir: "bin" }, ["index.ts"]);
      const older = typeCheck(consumer.dir, "tsconfig.node.json", { ...olderTemplate, outDir: "bin-node" }, ["index.ts"]);
      for (const files of [current.files, older.files]) {
        assert.deepEqual(files.filter((f) => /node_modules\/@pulumi\/(aws|gcp)\//.test(f)), [], "no AWS or GCP type is read");
      }
      assertDockerOnlyConsumer(consumer, runProgram(consumer.dir, "bin/index.js"), builtAgainst);
      assertDockerOnlyConsumer(consumer, runProgram(consumer.dir, "bin-node/index.js"), builtAgainst);

      // The READMEs' snippets compile in the same project, so the docs cannot drift.
      const snippets = readmeSnippets();
      assert.ok(snippets.length >= 3, `found ${snippets.length} README snippets`);
      snippets.forEach((snippet, i) => fs.writeFileSync(path.join(consumer.dir, `snippet-${i}.ts`), `// ${snippet.file}\n${snippet.code}`));
      typeCheck(consumer.dir, "tsconfig.snippets.json", { ...currentTemplate, noEmit: true }, snippets.map((_, i) => `snippet-${i}.ts`));

      t.diagnostic(
        `consumer (current template): install ${consumer.installSeconds.toFixed(1)} s, node_modules ${(diskKiB(path.join(consumer.dir, "node_modules")) / 1024).toFixed(0)} MiB; ` +
          `type-check ${current.seconds.toFixed(1)} s over ${current.files.length} files (moduleResolution node: ${older.seconds.toFixed(1)} s, ${older.files.length} files)`,
      );
    });

    it(`(c) the oldest @pulumi/pulumi the peer range admits (${oldestSupported}): type-checks, runs, one SDK, no cloud SDK`, () => {
      assert.ok(oldestSupported, `peerDependencies["@pulumi/pulumi"] is a caret range: ${pkg.peerDependencies["@pulumi/pulumi"]}`);
      assert.notEqual(oldestSupported, builtAgainst, "the range admits an SDK older than the one the package is built against");
      const consumer = installConsumer(work, "older-sdk", tarball, oldestSupported);
      fs.writeFileSync(path.join(consumer.dir, "index.ts"), consumerProgram);
      typeCheck(consumer.dir, "tsconfig.json", { ...currentTemplate, outDir: "bin" }, ["index.ts"]);
      assertDockerOnlyConsumer(consumer, runProgram(consumer.dir, "bin/index.js"), oldestSupported);
    });
  });
});
