/**
 * The plan's file arguments (`--json`, `--diagram`, `--state`), checked before anything is planned,
 * so a bad path costs nothing, never masks the plan's own exit code, and every error names its flag.
 *
 * @see https://nodejs.org/api/fs.html#fsstatsyncpath-options
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** Kernel and device file systems: reading or writing there can block forever or mean nothing. */
const PSEUDO_ROOTS = ["/proc", "/sys", "/dev"];

/**
 * The standard streams and the descriptors a shell hands over (`--state <(pulumi stack export)` is
 * `/dev/fd/63`): the files under `/dev` a plan may read or write.
 *
 * @see https://www.gnu.org/software/bash/manual/html_node/Process-Substitution.html
 */
const STREAMS = /^\/dev\/(stdin|stdout|stderr|fd\/\d+)$/;

const under = (file: string, root: string) => file === root || file.startsWith(`${root}/`);

/** Whether a path is a standard stream or a descriptor (`/dev/stdout`, `/dev/fd/63`). */
export function isStream(file: string): boolean {
  return STREAMS.test(path.resolve(file));
}

/**
 * The open descriptor a stream path names (`/dev/stdin` 0, `/dev/fd/63` 63), read and written
 * through directly: opening the path again fails when the descriptor is a socket (ENXIO).
 */
export function streamDescriptor(file: string): number | undefined {
  const name = STREAMS.exec(path.resolve(file))?.[1];
  if (name === undefined) return undefined;
  return name.startsWith("fd/") ? Number(name.slice(3)) : ["stdin", "stdout", "stderr"].indexOf(name);
}

/** The problem of a path on a pseudo file system, or `undefined`. */
function pseudoProblem(flag: string, value: string, resolved: string): string | undefined {
  if (STREAMS.test(resolved)) return undefined;
  const root = PSEUDO_ROOTS.find((r) => under(resolved, r));
  const streams = flag === "--state" ? "/dev/stdin or /dev/fd/N" : "/dev/stdout";
  return root ? `${flag} ${value}: is under ${root}, a kernel file system, not a place for a file${root === "/dev" ? ` (of /dev, only ${streams} is taken)` : ""}; give a path such as ${flag === "--state" ? "state.json" : `out/plan.${flag === "--json" ? "json" : "md"}`}` : undefined;
}

/**
 * Checks a file the plan will write: not empty, not a directory or a device, under a directory
 * that exists (or can be created) and is writable. A standard stream (`/dev/stdout`) and a named
 * pipe are taken.
 *
 * @param flag - the flag, as the user typed it (`--json`).
 * @returns the problem, naming the flag, or `undefined`.
 */
export function outputPathProblem(flag: string, value: string): string | undefined {
  if (value.trim() === "") return `${flag}: the path is empty; give a file such as ${flag === "--json" ? "plan.json" : "plan.md"}`;
  const resolved = path.resolve(value);
  const pseudo = pseudoProblem(flag, value, resolved);
  if (pseudo) return pseudo;
  if (STREAMS.test(resolved)) return undefined;
  if (value.endsWith("/") || value.endsWith(path.sep)) return `${flag} ${value}: names a directory; give a file name`;
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(resolved, { throwIfNoEntry: false });
  } catch (error) {
    // ENOTDIR: a parent is a file; the walk below names it.
    if ((error as NodeJS.ErrnoException).code !== "ENOTDIR") return `${flag} ${value}: cannot be used (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
  }
  if (stat?.isDirectory()) return `${flag} ${value}: is a directory; give a file name, such as ${path.join(value, flag === "--json" ? "plan.json" : "plan.md")}`;
  // A named pipe (mkfifo) is written like a file; a device or socket is not a place for a plan.
  if (stat && !stat.isFile() && !stat.isFIFO()) return `${flag} ${value}: exists and is not a regular file or a named pipe (a device or socket)`;
  // The nearest directory that exists must be a writable directory: the plan creates the rest.
  let dir = path.dirname(resolved);
  for (; !fs.existsSync(dir); dir = path.dirname(dir));
  if (!fs.statSync(dir).isDirectory()) return `${flag} ${value}: ${dir} is a file, not a directory`;
  try {
    fs.accessSync(stat ? resolved : dir, fs.constants.W_OK);
  } catch {
    return `${flag} ${value}: ${stat ? "the file" : dir} is not writable`;
  }
  return undefined;
}

/**
 * Checks every file argument of the plan.
 *
 * @returns the problems, each naming its flag; empty when all are fine.
 */
export function pathProblems(args: { json?: string; diagram?: string; state?: string }): string[] {
  const problems: string[] = [];
  if (args.json !== undefined) problems.push(...[outputPathProblem("--json", args.json)].filter((p): p is string => !!p));
  if (args.diagram !== undefined) problems.push(...[outputPathProblem("--diagram", args.diagram)].filter((p): p is string => !!p));
  if (args.json && args.diagram && path.resolve(args.json) === path.resolve(args.diagram)) {
    problems.push(`--json and --diagram both name ${args.json}; the diagram would overwrite the plan: give each its own file`);
  }
  if (args.state !== undefined) {
    if (args.state.trim() === "") problems.push("--state: the path is empty; give the output of `pulumi stack export`, such as state.json");
    else {
      const pseudo = pseudoProblem("--state", args.state, path.resolve(args.state));
      if (pseudo) problems.push(pseudo);
      if (args.json && path.resolve(args.json) === path.resolve(args.state)) problems.push(`--json and --state both name ${args.state}; the plan would overwrite the deployed state it read`);
      if (args.diagram && path.resolve(args.diagram) === path.resolve(args.state)) problems.push(`--diagram and --state both name ${args.state}; the diagram would overwrite the deployed state it read`);
    }
  }
  return problems;
}
