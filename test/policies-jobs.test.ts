/**
 * The container rules over Jobs and CronJobs, the kinds a service's migration and CronJobs use:
 * for each rule and kind, the compliant fixture passes and a mutation of its pod template is
 * caught, named by the kind and object. (credentials-from-secrets and the per-kind memory-limit
 * cases of kubernetes-container-resources are in policies-data.test.ts and policies.test.ts.)
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CapturedResource } from "../plan/capture";
import { runPolicies, type Rule } from "../plan/policy-runner";
import { kubernetesContainerResources, pinnedImageTags, restrictedSecurityContext, rules } from "../policies/rules";
import { containerIn, mutate, podSpecIn, workload, type FixtureWorkloadKind } from "./support/policy-fixtures";

const KINDS: FixtureWorkloadKind[] = ["Job", "CronJob"];

async function messages(rule: Rule, subject: CapturedResource): Promise<string[]> {
  return (await runPolicies([rule], [subject])).violations.map((v) => v.message);
}

/** One mutation of a task's pod template and what the rule must say, given the container's label. */
interface Case {
  readonly rule: Rule;
  readonly what: string;
  readonly mutate: (inputs: Record<string, any>) => void;
  readonly message: (container: string) => string;
}

const CASES: Case[] = [
  { rule: kubernetesContainerResources, what: "no CPU request", mutate: (i) => delete containerIn(i).resources.requests.cpu, message: (c) => `${c} has no CPU request.` },
  { rule: kubernetesContainerResources, what: "a request above the limit", mutate: (i) => (containerIn(i).resources.requests.memory = "1Gi"), message: (c) => `${c} requests more memory ("1Gi") than its limit ("256Mi").` },
  { rule: restrictedSecurityContext, what: "privilege escalation", mutate: (i) => (containerIn(i).securityContext.allowPrivilegeEscalation = true), message: (c) => `${c} does not set allowPrivilegeEscalation: false.` },
  { rule: restrictedSecurityContext, what: "UID 0", mutate: (i) => (containerIn(i).securityContext.runAsUser = 0), message: (c) => `${c} runs as UID 0 (runAsUser: 0).` },
  {
    rule: restrictedSecurityContext,
    what: "runAsNonRoot nowhere",
    mutate: (i) => {
      delete podSpecIn(i).securityContext.runAsNonRoot;
      delete containerIn(i).securityContext.runAsNonRoot;
    },
    message: (c) => `${c} does not set runAsNonRoot: true on the container or the pod.`,
  },
  { rule: pinnedImageTags, what: "a latest image", mutate: (i) => (containerIn(i).image = "ghcr.io/stefanprodan/podinfo:latest"), message: (c) => `${c} has an unpinned image: "ghcr.io/stefanprodan/podinfo:latest" uses the moving tag "latest"; pin a version or a digest.` },
];

describe("container rules over Jobs and CronJobs", () => {
  it("accept the compliant Job and CronJob under every rule of the pack", async () => {
    assert.deepEqual((await runPolicies(rules, KINDS.map((kind) => workload(kind)))).violations, []);
  });

  for (const kind of KINDS) {
    for (const c of CASES) {
      it(`${c.rule.name} reports ${c.what} in a ${kind}`, async () => {
        const subject = mutate(workload(kind), c.mutate);
        assert.deepEqual(await messages(c.rule, subject), [c.message(`Container "web" in ${kind} "apps/podinfo"`)]);
      });
    }
  }
});
