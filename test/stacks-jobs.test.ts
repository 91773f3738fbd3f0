/**
 * The shipped stacks' workloads as their plans show them (the built CLI, as `npm run plan` runs
 * it): podinfo's migration Job ordered before its Deployment with the mesh's native sidecar
 * (Istio on prod, Linkerd on onprem), the migration container before podinfo's container on
 * Docker, orders-worker run with its own command, and no policy violation.
 *
 * Needs `npm run build`.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { migrationJobName } from "../components";
import type { PlanJson } from "../plan/report";
import { runPlan, STACK_VARIANTS } from "./support/stack-variants";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stacks-jobs-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const plans: Record<string, PlanJson> = {};
const image = "ghcr.io/stefanprodan/podinfo:6.9.2";
const migration = { command: ["./podinfo", "--version"] };

type Resource = PlanJson["resources"][number];
const one = (plan: PlanJson, type: string, name: string): Resource => {
  const found = plan.resources.filter((r) => r.type === type && r.name === name);
  assert.equal(found.length, 1, `${plan.stack}: expected one ${type} ${name}`);
  return found[0];
};
const inputs = (r: Resource) => r.inputs as Record<string, any>;

/** The Kubernetes stacks, each with its mesh's native-sidecar annotation. */
const KUBERNETES: [string, Record<string, string>][] = [
  ["prod", { "sidecar.istio.io/nativeSidecar": "true" }],
  ["prod-gke", { "sidecar.istio.io/nativeSidecar": "true" }],
  ["onprem", { "config.linkerd.io/proxy-enable-native-sidecar": "true" }],
];

before(async () => {
  for (const id of ["prod", "prod-gke", "onprem", "dev"]) {
    const run = await runPlan(dir, id, STACK_VARIANTS[id]);
    assert.equal(run.code, 0, `${id}: ${run.stderr}`);
    plans[id] = run.plan!;
  }
});

describe("the shipped stacks' migration and worker", () => {
  for (const [id, annotations] of KUBERNETES) {
    it(`${id}: podinfo's migration Job runs before its Deployment, with a native sidecar`, () => {
      const plan = plans[id];
      const job = one(plan, "kubernetes:batch/v1:Job", "podinfo-migration");
      assert.ok(one(plan, "kubernetes:apps/v1:Deployment", "podinfo-deployment").dependencies.includes(job.urn));
      assert.equal(inputs(job).metadata.name, migrationJobName("podinfo", image, migration));
      assert.deepEqual(inputs(job).spec.template.spec.containers[0].command, migration.command);
      assert.deepEqual(inputs(job).spec.template.metadata.annotations, annotations);
      assert.deepEqual(plan.violations, []);
    });

    it(`${id}: orders-worker runs podinfo's binary with its own flags, and has no migration`, () => {
      const container = inputs(one(plans[id], "kubernetes:apps/v1:Deployment", "orders-worker-deployment")).spec.template.spec.containers[0];
      assert.deepEqual([container.command, container.args], [["./podinfo"], ["--port=9898", "--level=info"]]);
      assert.equal(plans[id].resources.filter((r) => r.name === "orders-worker-migration").length, 0);
    });
  }

  it("dev: the migration container runs before podinfo's container, which carries its name", () => {
    const plan = plans.dev;
    const migrationContainer = one(plan, "docker:index/container:Container", "podinfo-migration");
    const service = one(plan, "docker:index/container:Container", "podinfo-container");
    assert.ok(service.dependencies.includes(migrationContainer.urn));
    assert.deepEqual([inputs(migrationContainer).attach, inputs(migrationContainer).entrypoints], [true, migration.command]);
    const worker = inputs(one(plan, "docker:index/container:Container", "orders-worker-container"));
    assert.deepEqual([worker.entrypoints, worker.command], [["./podinfo"], ["--port=9898", "--level=info"]]);
    assert.deepEqual(plan.violations, []);
  });
});
