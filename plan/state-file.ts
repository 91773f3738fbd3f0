/**
 * Reads what is already deployed from a `pulumi stack export` file, so the plan can refuse changes
 * that the cloud or the cluster would refuse later (a volume that shrinks).
 *
 * @see https://www.pulumi.com/docs/iac/cli/commands/pulumi_stack_export/
 */
import * as fs from "node:fs";
import type { DeployedState } from "../stacks/config";
import { parseQuantity } from "../components/shared/quantity";

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
 * Reads a `pulumi stack export` file.
 * @throws Error naming the file when it cannot be read or parsed.
 * @see https://www.pulumi.com/docs/iac/cli/commands/pulumi_stack_export/
 */
export function readDeployedState(file: string): DeployedState & { readonly urns: readonly string[] } {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    throw new Error(`cannot read --state file ${file}: ${(error as Error).message}`);
  }
  try {
    const exported: unknown = JSON.parse(text);
    return { ...deployedStateFrom(exported), urns: deployedUrnsFrom(exported) };
  } catch (error) {
    throw new Error(`--state file ${file} is not the JSON of \`pulumi stack export\`: ${(error as Error).message}`);
  }
}
