/**
 * The names the platform uses itself (`stacks/config/reserved.ts`) against what the components
 * really create: every Docker container's name and network alias on dev (one network, shared with
 * the services), and every object of the kinds a service creates in the services' namespace on
 * onprem. A component that starts creating a new name fails this test until the list has it, and
 * every listed name is refused as a service name.
 *
 * Needs `npm run build` (the plan runs from dist/).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";
import { parseConfig } from "../stacks/config";
import { RESERVED_SERVICE_NAMES } from "../stacks/config/reserved";
import { runPlan, type PlanRun } from "./support/stack-variants";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "config-names-"));
const runs: Record<string, PlanRun> = {};
type Resource = { type: string; name: string; inputs: Record<string, any> };

/** The services a shipped stack declares: their objects carry the users' names, not the platform's. */
const servicesOf = (stack: string): string[] =>
  (parse(fs.readFileSync(path.join(__dirname, "..", `Pulumi.${stack}.yaml`), "utf8")).config["platform:services"] as { name: string }[]).map((s) => s.name);

/** The kinds an AppService creates in the services' namespace, whose names a platform object could take. */
const SERVICE_KINDS = ["Service", "Deployment", "ServiceAccount", "HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy", "HTTPRoute", "Server"];

describe("the platform's own names", () => {
  before(async () => {
    // Every data store on, so every container the components can create is there.
    runs.dev = await runPlan(tmp, "dev", ["--stack", "dev", "--config-path", "--config", "platform:messageQueue.enabled=true", "--quiet"]);
    runs.onprem = await runPlan(tmp, "onprem", ["--stack", "onprem", "--quiet"]);
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("lists every container name and network alias the components create on Docker", () => {
    assert.equal(runs.dev.code, 0, runs.dev.stderr);
    const resources: Resource[] = runs.dev.plan!.resources as Resource[];
    const network = resources.find((r) => r.type === "docker:index/network:Network")!.inputs.name as string;
    const users = new Set(servicesOf("dev"));
    const containers = resources.filter((r) => r.type === "docker:index/container:Container");
    assert.ok(containers.length >= 8, `containers: ${containers.length}`);
    const names = containers.flatMap((c) => [String(c.inputs.name).replace(`${network}-`, ""), ...(c.inputs.networksAdvanced ?? []).flatMap((n: { aliases?: string[] }) => n.aliases ?? [])]);
    // A service's own containers (`<service>-migrate-<hash>`, its migration) carry its name.
    const platform = [...new Set(names)].filter((n) => !users.has(n) && ![...users].some((u) => n.startsWith(`${u}-migrate-`)));
    const missing = platform.filter((n) => !RESERVED_SERVICE_NAMES.includes(n));
    assert.deepEqual(missing, [], `created on Docker but not reserved: ${missing.join(", ")}`);
  });

  it("leaves no platform object of a service's kinds in the services' namespace on Kubernetes unreserved", () => {
    assert.equal(runs.onprem.code, 0, runs.onprem.stderr);
    const resources: Resource[] = runs.onprem.plan!.resources as Resource[];
    const users = servicesOf("onprem");
    const inApps = resources.filter((r) => r.inputs?.metadata?.namespace === "apps" && SERVICE_KINDS.includes(r.type.split(":").pop()!));
    assert.ok(inApps.length > 0, "the services' objects are found");
    // A name with a dot (the NetworkPolicies' `allow.<flow>.in`) is no DNS-1035 label: no service can take it.
    const platform = inApps.map((r) => String(r.inputs.metadata.name)).filter((n) => !n.includes(".") && !users.some((u) => n === u || n.startsWith(`${u}-`)));
    const missing = platform.filter((n) => !RESERVED_SERVICE_NAMES.includes(n));
    assert.deepEqual(missing, [], `platform objects in the services' namespace not reserved: ${missing.join(", ")}`);
  });

  it("refuses each of them as a service name, naming services[i].name", () => {
    for (const name of RESERVED_SERVICE_NAMES) {
      const result = parseConfig({ target: "docker", environment: "dev", services: [{ name, image: "ghcr.io/stefanprodan/podinfo:6.9.2", port: 9898 }] });
      assert.ok(!result.ok && result.issues.some((i) => i.key === "platform:services[0].name" && i.message.includes("the platform uses")), name);
    }
  });
});
