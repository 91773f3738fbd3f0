/**
 * `npm run diagrams`: regenerates `docs/architecture/<stack>.md` for every shipped stack
 * ({@link DIAGRAM_STACKS}) through the plan CLI (`--diagram`), then refreshes the README's copies
 * between its `<!-- diagram:<stack> -->` markers. Run it after changing the program; the tests fail
 * while a committed diagram is stale.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { DIAGRAM_STACKS, diagramPath, embedReadmeDiagram, mermaidBlock, type DiagramStack } from "./diagram";
import { findProjectRoot } from "./stack-file";

/** The project directory. */
export const projectRoot = findProjectRoot(__dirname);

/** What one run of the plan CLI returned. */
export interface DiagramRun {
  readonly code: number;
  readonly stderr: string;
}

/**
 * Runs the built plan CLI (`dist/plan/cli.js`, as `npm run plan` does) for one stack, writing its
 * diagram to `file`. Each stack needs its own process: the Pulumi runtime keeps global state.
 *
 * @see https://mermaid.js.org/syntax/flowchart.html
 */
export function planDiagram(stack: DiagramStack, file: string): Promise<DiagramRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["dist/plan/cli.js", ...stack.args, "--quiet", "--diagram", file], { cwd: projectRoot }, (error, _stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stderr });
    });
  });
}

async function main(): Promise<number> {
  const runs = await Promise.all(DIAGRAM_STACKS.map((stack) => planDiagram(stack, path.join(projectRoot, diagramPath(stack.file)))));
  let code = 0;
  const readmePath = path.join(projectRoot, "README.md");
  const before = fs.readFileSync(readmePath, "utf8");
  let readme = before;
  DIAGRAM_STACKS.forEach((stack, i) => {
    if (runs[i].code !== 0) {
      process.stderr.write(`${stack.file}: npm run plan -- ${stack.args.join(" ")} exited ${runs[i].code}\n${runs[i].stderr}`);
      code = 1;
      return;
    }
    process.stdout.write(`wrote ${diagramPath(stack.file)}\n`);
    const mermaid = mermaidBlock(fs.readFileSync(path.join(projectRoot, diagramPath(stack.file)), "utf8"));
    if (mermaid !== undefined) readme = embedReadmeDiagram(readme, stack.file, mermaid);
  });
  if (readme !== before) {
    fs.writeFileSync(readmePath, readme);
    process.stdout.write("refreshed the diagrams in README.md\n");
  }
  return code;
}

if (require.main === module) main().then((code) => process.exit(code));
