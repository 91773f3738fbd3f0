/**
 * The shipped stacks and the variants of them the tests plan through the CLI: each `Pulumi.<stack>.yaml`
 * as committed (dev on Docker, prod on EKS with Istio, onprem on k3s with Linkerd), prod on GKE, the
 * in-cluster data tier on both clouds, Aurora, and NATS on premises.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import type { PlanJson } from "../../plan/report";

/** The project's root, where the built CLI is. */
const ROOT = path.resolve(__dirname, "..", "..");

/**
 * The onprem stack's services for the NATS variant: as committed, with each `rabbitmq` trigger
 * turned into the `nats-jetstream` trigger on the same queue's stream (its durable consumer named
 * after the service), since a RabbitMQ trigger on a NATS stack is refused.
 */
function natsServices(): string {
  const stack = parse(fs.readFileSync(path.join(ROOT, "Pulumi.onprem.yaml"), "utf8")) as { config: Record<string, any> };
  const services: any[] = stack.config["platform:services"] ?? [];
  return JSON.stringify(
    services.map((service) => {
      const triggers: any[] | undefined = service.autoscaling?.triggers;
      if (!triggers) return service;
      const nats = triggers.map((t) => (t.type === "rabbitmq" ? { type: "nats-jetstream", stream: t.queueName, consumer: service.name, ...(t.value !== undefined ? { lagThreshold: t.value } : {}) } : t));
      return { ...service, autoscaling: { ...service.autoscaling, triggers: nats } };
    }),
  );
}

export const STACK_VARIANTS: Readonly<Record<string, readonly string[]>> = {
  dev: ["--stack", "dev"],
  prod: ["--stack", "prod"],
  "prod-gke": ["--stack", "prod", "--config", "platform:target=gke"],
  onprem: ["--stack", "onprem"],
  "prod-in-cluster": ["--stack", "prod", "--config", 'platform:postgres={"mode":"in-cluster"}', "--config", 'platform:redis={"mode":"in-cluster"}'],
  "prod-gke-in-cluster": ["--stack", "prod", "--config", "platform:target=gke", "--config", 'platform:postgres={"mode":"in-cluster"}', "--config", 'platform:redis={"mode":"in-cluster"}'],
  "prod-aurora": ["--stack", "prod", "--config", 'platform:postgres={"mode":"managed","managed":{"awsEngine":"aurora"}}'],
  "onprem-nats": ["--stack", "onprem", "--config", 'platform:messageQueue={"broker":"nats"}', "--config", `platform:services=${natsServices()}`],
};

/** What one run of the plan CLI gave: its exit code, its output, and the plan file it wrote. */
export interface PlanRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly plan?: PlanJson;
}

/**
 * Runs `npm run plan -- <args> --json <dir>/<id>.json` (the built CLI, without npm's own start-up)
 * in a child process, as a user runs it, and reads the plan file it wrote.
 */
export function runPlan(dir: string, id: string, args: readonly string[]): Promise<PlanRun> {
  const json = path.join(dir, `${id}.json`);
  return new Promise((resolve) => {
    execFile(process.execPath, ["dist/plan/cli.js", ...args, "--json", json], { cwd: ROOT, env: { ...process.env, PLAN_DEBUG: "" } }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout, stderr, plan: fs.existsSync(json) ? JSON.parse(fs.readFileSync(json, "utf8")) : undefined });
    });
  });
}
