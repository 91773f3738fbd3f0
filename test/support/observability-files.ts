/**
 * Writes the Prometheus rule files and Alertmanager configuration files a stack generates, exactly
 * as the program hands them to the cluster or the containers, so Prometheus's own tools can check
 * them (test/promtool.test.ts).
 *
 * Run as a child process, one stack per process (the Pulumi runtime is global):
 *   node --import tsx test/support/observability-files.ts <outDir> --stack prod [--config key=value]…
 *
 * It captures the program in-process under the mocks (as `npm run plan` does) and writes, from the
 * captured inputs with their secrets resolved to the offline plan's placeholders:
 * - `rules-<n>.yml`: each `PrometheusRule`'s `spec` (Kubernetes) or the Prometheus container's
 *   uploaded rule file (Docker);
 * - `alertmanager-<n>.yml`: each Alertmanager configuration (the Secret's `alertmanager.yaml`, or
 *   the Alertmanager container's upload).
 * The files hold placeholders only; the caller deletes them.
 *
 * @see https://prometheus.io/docs/prometheus/latest/configuration/unit_testing_rules/
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { captureProgram, type CapturedResource } from "../../plan/capture";
import { findProjectRoot, readStackConfig } from "../../plan/stack-file";

/** The generated files of one captured program: rule files and Alertmanager configurations, as YAML text. */
export function observabilityFiles(resources: readonly CapturedResource[]): { rules: string[]; alertmanager: string[] } {
  const rules: string[] = [];
  const alertmanager: string[] = [];
  for (const r of resources) {
    if (r.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule") rules.push(stringify(r.inputs.spec));
    if (r.type === "kubernetes:core/v1:Secret" && typeof r.inputs.stringData?.["alertmanager.yaml"] === "string") alertmanager.push(r.inputs.stringData["alertmanager.yaml"]);
    if (r.type === "docker:index/container:Container") {
      for (const upload of r.inputs.uploads ?? []) {
        if (String(upload.file).startsWith("/etc/prometheus/rules/")) rules.push(upload.content);
        if (String(upload.file).startsWith("/etc/alertmanager/")) alertmanager.push(upload.content);
      }
    }
  }
  return { rules, alertmanager };
}

async function main(): Promise<void> {
  const [outDir, ...argv] = process.argv.slice(2);
  const stack = argv[argv.indexOf("--stack") + 1];
  const overrides = argv.flatMap((arg, i) => (argv[i - 1] === "--config" ? [arg] : []));
  const stackConfig = readStackConfig(findProjectRoot(__dirname), stack, overrides);
  const entry = (await import("../../stacks")).default as unknown as () => Record<string, unknown>;
  const program = await captureProgram(entry, { project: stackConfig.project, stack: stackConfig.stack, config: stackConfig.config, secretKeys: stackConfig.secretKeys });
  const files = observabilityFiles(program.resources);
  fs.mkdirSync(outDir, { recursive: true });
  files.rules.forEach((text, i) => fs.writeFileSync(path.join(outDir, `rules-${i}.yml`), text, { mode: 0o600 }));
  files.alertmanager.forEach((text, i) => fs.writeFileSync(path.join(outDir, `alertmanager-${i}.yml`), text, { mode: 0o600 }));
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
