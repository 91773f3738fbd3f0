/**
 * The tree's shape: the import rules of `.dependency-cruiser.cjs` (no cycle, no upward import, the
 * program through the public index), checked with dependency-cruiser over the real sources and over
 * small fixture trees that break each rule once; and no oversized source file without a reason.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";

const root = path.resolve(__dirname, "..");
const depcruise = path.join(root, "node_modules", ".bin", "depcruise");

interface Violation {
  readonly from: string;
  readonly to: string;
  readonly rule: { readonly name: string };
}

/** Runs dependency-cruiser with the project's rules over `dirs` of `cwd`. */
function cruise(cwd: string, dirs: readonly string[]): Violation[] {
  const out = execFileSync(depcruise, [...dirs, "--config", path.join(root, ".dependency-cruiser.cjs"), "--output-type", "json"], { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return (JSON.parse(out) as { summary: { violations: Violation[] } }).summary.violations;
}

/** A tree of TypeScript files in a fresh directory, with a tsconfig the rules can resolve against. */
function fixtureTree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "architecture-"));
  fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { module: "commonjs", moduleResolution: "node", strict: true } }));
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), content);
  }
  return dir;
}

/** A tree that keeps every rule: each layer imports the one below it. */
const LAWFUL: Record<string, string> = {
  "components/contract/platform.ts": "export type Target = string;\n",
  "components/shared/options.ts": 'import type { Target } from "../contract/platform";\nexport const t: Target = "eks";\n',
  "components/platform/index.ts": 'import { t } from "../shared/options";\nexport const p = t;\n',
  "components/addons/index.ts": 'import { p } from "../platform/index";\nexport const a = p;\n',
  "components/data-store/index.ts": 'import { a } from "../addons/index";\nexport const d = a;\n',
  "components/postgres/index.ts": 'import { d } from "../data-store/index";\nexport const pg = d;\n',
  "components/postgres/kubernetes.ts": 'export const backend = "cloudnative-pg";\n',
  "components/gateway/index.ts": 'import { pg } from "../postgres/index";\nexport const gw = pg;\n',
  "components/index.ts": 'export * from "./postgres/index";\nexport * from "./gateway/index";\n',
  "stacks/program.ts": 'import { pg } from "../components/index";\nexport const main = pg;\n',
  "policies/rules/x.ts": 'import type { Target } from "../../components/contract/platform";\nexport const r: Target = "gke";\n',
  "plan/cli.ts": 'import { main } from "../stacks/program";\nimport { r } from "../policies/rules/x";\nexport const run = [main, r];\n',
};

describe("the import rules", () => {
  it("hold for components, stacks, plan and policies: no cycle, no upward import, the program through the public index", () => {
    const violations = cruise(root, ["components", "stacks", "plan", "policies"]);
    assert.deepEqual(violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`), []);
  });

  it("accept a tree whose every layer imports only what is below it", () => {
    const dir = fixtureTree(LAWFUL);
    assert.deepEqual(cruise(dir, ["components", "stacks", "plan", "policies"]), []);
  });

  // Each mutation adds one import that breaks one rule.
  const mutations: [rule: string, file: string, content: string][] = [
    ["no-circular", "components/shared/options.ts", 'import type { Target } from "../contract/platform";\nimport { other } from "./other";\nexport const t: Target = other;\n'],
    ["contract-is-the-floor", "components/contract/platform.ts", 'import type { d } from "../data-store/index";\nexport type Target = typeof d;\n'],
    ["shared-stays-below-components", "components/shared/options.ts", 'import type { Target } from "../contract/platform";\nimport type { a } from "../addons/index";\nexport const t: Target = "eks";\nexport type A = typeof a;\n'],
    ["platform-stays-below-addons", "components/platform/index.ts", 'import { a } from "../addons/index";\nexport const p = a;\n'],
    ["addons-stay-below-components", "components/addons/index.ts", 'import type { pg } from "../postgres/index";\nexport const a = "x";\nexport type P = typeof pg;\n'],
    ["data-store-stays-below-components", "components/data-store/index.ts", 'import type { pg } from "../postgres/index";\nexport const d = "x";\nexport type P = typeof pg;\n'],
    ["components-stay-below-the-program", "components/postgres/index.ts", 'import { main } from "../../stacks/program";\nexport const pg = main;\n'],
    ["components-through-their-front-door", "components/gateway/index.ts", 'import { backend } from "../postgres/kubernetes";\nexport const gw = backend;\n'],
    ["program-through-the-public-index", "stacks/program.ts", 'import { pg } from "../components/postgres/index";\nexport const main = pg;\n'],
    ["policies-on-the-contract", "policies/rules/x.ts", 'import { pg } from "../../components/postgres/index";\nexport const r = pg;\n'],
    ["plan-is-not-a-library", "stacks/program.ts", 'import { pg } from "../components/index";\nimport type { run } from "../plan/cli";\nexport const main = pg;\nexport type R = typeof run;\n'],
  ];
  for (const [rule, file, content] of mutations) {
    it(`catch a tree that breaks ${rule}`, () => {
      const extra: Record<string, string> = rule === "no-circular" ? { "components/shared/other.ts": 'import { t } from "./options";\nexport const other = "eks";\nexport const again = () => t;\n' } : {};
      const dir = fixtureTree({ ...LAWFUL, ...extra, [file]: content });
      const broken = cruise(dir, ["components", "stacks", "plan", "policies"]).map((v) => v.rule.name);
      assert.ok(broken.includes(rule), `expected ${rule}, got ${JSON.stringify(broken)}`);
    });
  }
});

/** The most lines a source file may have without saying why in its header comment. */
const MAX_LINES = 500;
/** How a long file's header comment gives its reason. */
const REASON = /Longer than 500 lines because/;

describe("source file size", () => {
  it(`keeps every file of components, stacks and plan under ${MAX_LINES} lines, or says why in its header`, () => {
    const oversized: string[] = [];
    for (const dir of ["components", "stacks", "plan"]) {
      for (const file of fs.readdirSync(path.join(root, dir), { recursive: true, encoding: "utf8" })) {
        if (!file.endsWith(".ts")) continue;
        const text = fs.readFileSync(path.join(root, dir, file), "utf8");
        const lines = text.split("\n").length;
        const header = /^\s*\/\*\*[\s\S]*?\*\//.exec(text)?.[0] ?? "";
        if (lines > MAX_LINES && !REASON.test(header)) oversized.push(`${dir}/${file}: ${lines} lines`);
      }
    }
    assert.deepEqual(oversized, []);
  });
});
