/**
 * Reads what is already deployed from a `pulumi stack export` file, so the plan can refuse changes
 * that the cloud or the cluster would refuse later (a volume that shrinks).
 *
 * @see https://www.pulumi.com/docs/iac/cli/commands/pulumi_stack_export/
 */
import * as fs from "node:fs";
import type { DeployedState } from "../stacks/config";
import { parseQuantity } from "../components/shared/quantity";
import { streamDescriptor } from "./paths";

interface ExportedResource {
  readonly urn?: string;
  readonly type?: string;
  readonly inputs?: Record<string, any>;
  readonly outputs?: Record<string, any>;
}

const GiB = 2 ** 30;

/**
 * The deployed PostgresCluster's storage in GiB, from whichever backend holds it: a CloudNativePG
 * `Cluster`'s `spec.storage.size`, an RDS instance's `allocatedStorage` or a Cloud SQL instance's
 * `settings.diskSize`. The largest wins when there are several.
 *
 * @param exported - the parsed JSON of `pulumi stack export`.
 * @see https://www.pulumi.com/docs/iac/cli/commands/pulumi_stack_export/
 */
export function deployedStateFrom(exported: unknown): DeployedState {
  const resources: ExportedResource[] = (exported as { deployment?: { resources?: ExportedResource[] } })?.deployment?.resources ?? [];
  const sizes: number[] = [];
  for (const resource of resources) {
    const state = { ...resource.inputs, ...resource.outputs };
    if (resource.type === "kubernetes:postgresql.cnpg.io/v1:Cluster") {
      const bytes = typeof state.spec?.storage?.size === "string" ? parseQuantity(state.spec.storage.size) : undefined;
      if (bytes !== undefined) sizes.push(Math.ceil(bytes / GiB));
    } else if (resource.type === "aws:rds/instance:Instance" && typeof state.allocatedStorage === "number") {
      sizes.push(state.allocatedStorage);
    } else if (resource.type === "gcp:sql/databaseInstance:DatabaseInstance" && typeof state.settings?.diskSize === "number") {
      sizes.push(state.settings.diskSize);
    }
  }
  return sizes.length > 0 ? { postgresStorageGiB: Math.max(...sizes) } : {};
}

/**
 * The URNs of the deployed resources, to tell what a plan would delete.
 *
 * @param exported - the parsed JSON of `pulumi stack export`.
 * @see https://www.pulumi.com/docs/iac/cli/commands/pulumi_stack_export/
 */
export function deployedUrnsFrom(exported: unknown): string[] {
  const resources: ExportedResource[] = (exported as { deployment?: { resources?: ExportedResource[] } })?.deployment?.resources ?? [];
  return resources.flatMap((r) => (typeof r.urn === "string" ? [r.urn] : []));
}

/**
 * What a `pulumi stack export` of this stack and project looks like: a version-3 checkpoint whose
 * resources' URNs all belong to `urn:pulumi:<stack>::<project>::`. Anything else would silently
 * turn the plan's checks against the deployed stack off.
 *
 * @returns the problem, or `undefined` when the export is of this stack.
 * @see https://www.pulumi.com/docs/iac/cli/commands/pulumi_stack_export/
 * @see https://github.com/pulumi/pulumi/blob/master/sdk/go/common/apitype/core.go (UntypedDeployment, DeploymentV3)
 */
export function exportProblem(exported: unknown, stack: string, project: string): string | undefined {
  const got = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "a list" : typeof v === "object" ? "an object" : JSON.stringify(v));
  if (exported === null || typeof exported !== "object" || Array.isArray(exported)) return `is ${got(exported)}, not the JSON object \`pulumi stack export\` writes`;
  const { version, deployment } = exported as { version?: unknown; deployment?: unknown };
  if (version !== 3) return `has "version": ${got(version)}; this plan reads version 3, what \`pulumi stack export\` writes (upgrade the Pulumi CLI and export again)`;
  if (deployment === null || typeof deployment !== "object" || Array.isArray(deployment)) return `has no "deployment" object; it is not the output of \`pulumi stack export\``;
  const resources = (deployment as { resources?: unknown }).resources;
  if (resources === undefined || resources === null) return undefined;
  if (!Array.isArray(resources)) return `has "deployment.resources" as ${got(resources)}, not a list`;
  const prefix = `urn:pulumi:${stack}::${project}::`;
  for (const [i, r] of resources.entries()) {
    const urn = (r as { urn?: unknown } | null)?.urn;
    if (typeof urn !== "string") return `has a resource without a URN (deployment.resources[${i}])`;
    if (!urn.startsWith(prefix)) {
      const [, otherStack, otherProject] = /^urn:pulumi:([^:]*)::([^:]*)::/.exec(urn) ?? [];
      return `is an export of ${otherStack === undefined ? "something else" : `stack "${otherStack}" of project "${otherProject}"`}, not of stack "${stack}" of project "${project}" (export this one with \`pulumi stack export -s ${stack}\`)`;
    }
  }
  return undefined;
}

/**
 * Reads a `pulumi stack export` file of this stack and project.
 *
 * @throws Error naming `--state` and the file when it cannot be read or parsed, or is not an
 *   export of this stack ({@link exportProblem}).
 * @see https://www.pulumi.com/docs/iac/cli/commands/pulumi_stack_export/
 */
export function readDeployedState(file: string, stack: string, project: string): DeployedState & { readonly urns: readonly string[] } {
  let text: string;
  try {
    // A file, a named pipe or a stream (`--state /dev/stdin`, `--state <(pulumi stack export)`),
    // read once: a pipe cannot be read twice.
    const fd = streamDescriptor(file);
    const stat = fd === undefined ? fs.statSync(file) : undefined;
    if (stat && !stat.isFile() && !stat.isFIFO()) throw new Error("not a regular file, a named pipe or a standard stream");
    text = fs.readFileSync(fd ?? file, "utf8");
  } catch (error) {
    throw new Error(`--state ${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let exported: unknown;
  try {
    exported = JSON.parse(text);
  } catch (error) {
    throw new Error(`--state ${file}: is not JSON (${(error as Error).message}); give it the output of \`pulumi stack export -s ${stack} > ${file}\``);
  }
  const problem = exportProblem(exported, stack, project);
  if (problem) throw new Error(`--state ${file}: ${problem}`);
  return { ...deployedStateFrom(exported), urns: deployedUrnsFrom(exported) };
}
