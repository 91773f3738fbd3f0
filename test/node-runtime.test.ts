/**
 * The project runs on Node 24 LTS even where the machine's own Node is older: the `node` package
 * from the npm registry is a pinned devDependency, and npm scripts put `node_modules/.bin` first on
 * PATH, so `npm test`, `npm run plan` and `.ci/run` use its binary.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";

const root = path.resolve(__dirname, "..");
const readJson = (file: string) => JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, any>;
const pkg = readJson(path.join(root, "package.json"));
const pinned: string = pkg.devDependencies.node;
const major = (version: string) => Number(version.replace(/^v/, "").split(".")[0]);

describe("the Node runtime", () => {
  it("pins an exact Node 24 release as the `node` devDependency", () => {
    assert.match(pinned, /^24\.\d+\.\d+$/, "an exact 24.x version, not a range");
  });

  it("installs that release as node_modules/.bin/node", () => {
    const bin = path.join(root, "node_modules", ".bin", "node");
    assert.ok(fs.existsSync(bin), "node_modules/.bin/node is missing: run npm ci");
    assert.equal(execFileSync(bin, ["--version"], { encoding: "utf8" }).trim(), `v${pinned}`);
  });

  it("declares the same engines.node as the @pulumi/pulumi it is built against", () => {
    const sdk = readJson(path.join(root, "node_modules", "@pulumi", "pulumi", "package.json"));
    assert.equal(pkg.engines.node, sdk.engines.node);
    assert.ok(major(pinned) >= Number(/\d+/.exec(pkg.engines.node)![0]), `Node ${pinned} does not satisfy engines ${pkg.engines.node}`);
  });

  it("runs the npm scripts on the pinned Node, whatever Node started npm", (t) => {
    if (process.env.npm_lifecycle_event === undefined) {
      t.skip(`not started by an npm script (this process runs ${process.version})`);
      return;
    }
    assert.equal(process.version, `v${pinned}`);
    const viaScript = execFileSync("npm", ["exec", "-c", "node --version"], { cwd: root, encoding: "utf8" }).trim();
    assert.equal(viaScript, `v${pinned}`);
  });
});
