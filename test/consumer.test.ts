/**
 * Another Pulumi project imports the library: build the package, then compile and run a small
 * consumer program against the built output through the package's `exports`, as an installed
 * dependency would be used.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";

const root = path.resolve(__dirname, "..");
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { name: string };
const tsc = require.resolve("typescript/bin/tsc");

const consumerProgram = `
import * as pulumi from "@pulumi/pulumi";
import { AppService, createPlatform, type AppServiceArgs } from "${pkg.name}/components";

const registered: string[] = [];
pulumi.runtime.setMocks(
  {
    newResource: (args) => {
      registered.push(args.type);
      return { id: \`\${args.name}-id\`, state: args.inputs };
    },
    call: () => ({}),
  },
  "consumer",
  "test",
  false,
);

const platform = createPlatform("local", { target: "docker", docker: { environment: "dev" } });
const args: AppServiceArgs = { platform, image: "ghcr.io/stefanprodan/podinfo:6.9.2", port: 9898 };
const hello = new AppService("hello", args);
hello.url.apply((url) => {
  setTimeout(() => console.log(JSON.stringify({ url, types: [...new Set(registered)].sort() })), 200);
});
`;

/** The TypeScript snippets of the READMEs that import the package. */
function readmeSnippets(): { file: string; code: string }[] {
  // Every README under components/, at any depth (the add-ons' are a level down).
  const readmes = ["README.md", ...fs.readdirSync(path.join(root, "components"), { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith("README.md")).map((f) => path.join("components", f))];
  return readmes
    .filter((file) => fs.existsSync(path.join(root, file)))
    .flatMap((file) => [...fs.readFileSync(path.join(root, file), "utf8").matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => ({ file, code: m[1] })))
    .filter((snippet) => snippet.code.includes(`from "${pkg.name}/components"`));
}

describe("the package as a dependency", () => {
  it("compiles and runs a consumer program that imports AppService and createPlatform from <package>/components", () => {
    // `npm test` builds first; build here only when run on its own.
    if (!fs.existsSync(path.join(root, "dist", "components", "index.js"))) execFileSync(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: root, stdio: "pipe" });

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "consumer-"));
    const scope = path.join(dir, "node_modules", ...pkg.name.split("/").slice(0, -1));
    fs.mkdirSync(scope, { recursive: true });
    fs.symlinkSync(root, path.join(dir, "node_modules", pkg.name), "dir");
    fs.symlinkSync(path.join(root, "node_modules", "@pulumi"), path.join(dir, "node_modules", "@pulumi"), "dir");
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true }));
    fs.writeFileSync(
      path.join(dir, "tsconfig.json"),
      JSON.stringify({ compilerOptions: { module: "node16", moduleResolution: "node16", target: "ES2022", strict: true, skipLibCheck: true, types: [] } }),
    );
    fs.writeFileSync(path.join(dir, "index.ts"), consumerProgram);
    // The READMEs' snippets compile against the built package too, so the docs cannot drift.
    const snippets = readmeSnippets();
    assert.ok(snippets.length >= 3, `found ${snippets.length} README snippets`);
    snippets.forEach((snippet, i) => fs.writeFileSync(path.join(dir, `snippet-${i}.ts`), `// ${snippet.file}\n${snippet.code}`));

    try {
      execFileSync(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: dir, stdio: "pipe", encoding: "utf8" });
    } catch (error) {
      assert.fail(`the consumer or a README snippet does not compile:\n${(error as { stdout: string }).stdout}`);
    }
    const output = execFileSync(process.execPath, ["index.js"], { cwd: dir, encoding: "utf8" });
    const result = JSON.parse(output.trim().split("\n").pop()!);
    assert.equal(result.url, "http://hello:9898");
    assert.deepEqual(result.types, [
      "docker:index/container:Container",
      "docker:index/network:Network",
      "docker:index/remoteImage:RemoteImage",
      "platform:index:AppService",
      "platform:index:DockerHost",
      "pulumi:providers:docker",
    ]);
  });
});
