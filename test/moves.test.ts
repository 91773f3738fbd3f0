/**
 * Renames never replace infrastructure: which deployed URNs a plan claims (by URN, by a declared
 * alias, or by an alias inherited from a parent's), and, end to end, that the shipped stacks claim
 * every resource that lived elsewhere before the add-ons and the data stores' exporters moved.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import type { CapturedAlias, CapturedResource } from "../plan/capture";
import { aliasConflicts, claimedUrns, normalizeUrn, unclaimedUrns } from "../plan/moves";

const root = path.resolve(__dirname, "..");
const STACK = "urn:pulumi:prod::platform::pulumi:pulumi:Stack::platform-prod";
/** A URN as the mock runtime writes it (the stack's type leads every chain). */
const mockUrn = (chain: string, name: string) => `urn:pulumi:prod::platform::pulumi:pulumi:Stack$${chain}::${name}`;
/** The same URN as the engine writes it. */
const engineUrn = (chain: string, name: string) => `urn:pulumi:prod::platform::${chain}::${name}`;

function resource(chain: string, name: string, parent: string = STACK, aliases: CapturedAlias[] = []): CapturedResource {
  const type = chain.split("$").pop()!;
  return { urn: mockUrn(chain, name), type, name, parent, custom: true, dependencies: [], inputs: {}, redactedInputs: {}, protect: false, retainOnDelete: false, aliases };
}

describe("the URNs a plan claims", () => {
  const cluster = resource("platform:index:EksCluster", "platform");
  // A component moved out of the cluster (alias to its old parent); its child inherits the alias.
  const lbc = resource("platform:index:AwsLoadBalancerController", "platform-lbc", STACK, [{ parentUrn: engineUrn("platform:index:EksCluster", "platform") }]);
  const lbcRole = resource("platform:index:AwsLoadBalancerController$aws:iam/role:Role", "platform-lbc-role", lbc.urn);
  // A component renamed: its children's names follow the parent's old name.
  const renamed = resource("platform:index:RabbitmqOperators", "rabbitmq-operators", STACK, [{ name: "queue-operators", parentUrn: engineUrn("platform:index:MessageQueue", "queue") }]);
  const renamedChild = resource("platform:index:RabbitmqOperators$kubernetes:yaml/v2:ConfigFile", "rabbitmq-operators-cluster-operator", renamed.urn);
  const otherChild = resource("platform:index:RabbitmqOperators$kubernetes:yaml/v2:ConfigFile", "topology", renamed.urn);
  // A child moved and renamed on its own (a `movedFrom` transformation).
  const cnpg = resource("platform:index:CloudNativePg", "cnpg");
  const operator = resource("platform:index:CloudNativePg$kubernetes:helm.sh/v3:Release", "cnpg-operator", cnpg.urn, [{ name: "postgres-operator", parentUrn: engineUrn("platform:index:PostgresCluster", "postgres") }]);
  const byUrn = resource("kubernetes:core/v1:Secret", "new-secret", STACK, [{ urn: engineUrn("kubernetes:core/v1:Secret", "old-secret") }]);
  const unparented = resource("platform:index:Gateway$kubernetes:core/v1:Namespace", "gateway-ns", STACK, [{ noParent: true, name: "gateway-namespace" }]);
  const claimed = claimedUrns([cluster, lbc, lbcRole, renamed, renamedChild, otherChild, cnpg, operator, byUrn, unparented]);

  const table: [what: string, urn: string, claimedBy: CapturedResource | undefined][] = [
    ["a resource's own URN, without the mock's stack prefix", engineUrn("platform:index:EksCluster", "platform"), cluster],
    ["a moved component's old URN", engineUrn("platform:index:EksCluster$platform:index:AwsLoadBalancerController", "platform-lbc"), lbc],
    ["its child's old URN, inherited", engineUrn("platform:index:EksCluster$platform:index:AwsLoadBalancerController$aws:iam/role:Role", "platform-lbc-role"), lbcRole],
    ["a renamed component's child, its name prefix swapped", engineUrn("platform:index:MessageQueue$platform:index:RabbitmqOperators$kubernetes:yaml/v2:ConfigFile", "queue-operators-cluster-operator"), renamedChild],
    ["a child whose name does not start with the parent's, kept", engineUrn("platform:index:MessageQueue$platform:index:RabbitmqOperators$kubernetes:yaml/v2:ConfigFile", "topology"), otherChild],
    ["a child moved and renamed by itself", engineUrn("platform:index:PostgresCluster$kubernetes:helm.sh/v3:Release", "postgres-operator"), operator],
    ["an alias given as a URN", engineUrn("kubernetes:core/v1:Secret", "old-secret"), byUrn],
    ["an alias with no parent", engineUrn("kubernetes:core/v1:Namespace", "gateway-namespace"), unparented],
    ["an old name nothing aliases", engineUrn("platform:index:MessageQueue$platform:index:RabbitmqOperators$kubernetes:yaml/v2:ConfigFile", "rabbitmq-operators-cluster-operator"), undefined],
    ["the child under its new parent but its old name", engineUrn("platform:index:CloudNativePg$kubernetes:helm.sh/v3:Release", "postgres-operator"), undefined],
  ];
  for (const [what, urn, by] of table) {
    it(`${by ? "claims" : "does not claim"} ${what}`, () => {
      assert.equal(claimed.get(normalizeUrn(urn)), by?.urn);
    });
  }

  it("lists as unclaimed only the program's own resources, not the stack or a default provider", () => {
    const deployed = [engineUrn("pulumi:pulumi:Stack", "platform-prod"), engineUrn("pulumi:providers:aws", "default_7_48_0"), engineUrn("aws:s3/bucket:Bucket", "gone")];
    assert.deepEqual(unclaimedUrns(deployed, [cluster]), [engineUrn("aws:s3/bucket:Bucket", "gone")]);
  });
});

/** Runs the offline plan with a `pulumi stack export` holding `urns`; resolves to its stderr and exit code. */
function planAgainst(stack: string, args: string[], urns: string[]): Promise<{ code: number; stderr: string }> {
  const state = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "moves-")), "state.json");
  fs.writeFileSync(state, JSON.stringify({ version: 3, deployment: { resources: urns.map((urn) => ({ urn, type: urn.split("::")[2].split("$").pop() })) } }));
  return new Promise((resolve) => {
    execFile(process.execPath, ["dist/plan/cli.js", "--stack", stack, ...args, "--state", state, "--quiet"], { cwd: root }, (error, _stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stderr });
    });
  });
}

/** Where the moved resources lived before (the engine's URNs), by stack. */
const MOVED = {
  prod: [
    "platform:index:EksCluster$platform:index:AwsLoadBalancerController::platform-lbc",
    "platform:index:EksCluster$platform:index:AwsLoadBalancerController$kubernetes:helm.sh/v3:Release::platform-lbc-release",
    "platform:index:EksCluster$platform:index:AwsLoadBalancerController$aws:iam/role:Role::platform-lbc-role",
    "platform:index:EksCluster$aws:iam/role:Role::platform-ebs-csi-role",
    "platform:index:EksCluster$aws:iam/rolePolicyAttachment:RolePolicyAttachment::platform-ebs-csi-policy",
    "platform:index:EksCluster$aws:eks/addon:Addon::platform-addon-ebs-csi",
    "platform:index:EksCluster$kubernetes:storage.k8s.io/v1:StorageClass::platform-gp3",
    "platform:index:MessageQueue$platform:index:RabbitmqOperators::queue-operators",
    "platform:index:MessageQueue$platform:index:RabbitmqOperators$kubernetes:yaml/v2:ConfigFile::queue-operators-cluster-operator",
    "platform:index:MessageQueue$platform:index:RabbitmqOperators$kubernetes:apps/v1:DeploymentPatch::queue-operators-topology-operator-trust",
    "platform:index:PostgresCluster$kubernetes:helm.sh/v3:Release::postgres-operator",
    "platform:index:PostgresCluster$kubernetes:helm.sh/v3:Release::postgres-barman-cloud",
  ].map((u) => `urn:pulumi:prod::platform::${u}`),
  dev: [
    "platform:index:ObservabilityStack$docker:index/container:Container::observability-postgres-exporter",
    "platform:index:ObservabilityStack$docker:index/remoteImage:RemoteImage::observability-postgres-exporter-image",
    "platform:index:ObservabilityStack$docker:index/container:Container::observability-redis-exporter",
    "platform:index:ObservabilityStack$docker:index/remoteImage:RemoteImage::observability-redis-exporter-image",
  ].map((u) => `urn:pulumi:dev::platform::${u}`),
};
const IN_CLUSTER = ["--config", 'platform:postgres={"mode":"in-cluster"}', "--config", 'platform:redis={"mode":"in-cluster"}'];

describe("the shipped stacks after the add-ons and exporters moved", () => {
  it("claim every moved resource of prod on EKS (in-cluster data tier), so pulumi up moves them instead of replacing them", async () => {
    const run = await planAgainst("prod", IN_CLUSTER, MOVED.prod);
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stderr, /pulumi up` deletes them/);
  });

  it("claim the exporters the data stores took over on dev", async () => {
    const run = await planAgainst("dev", [], MOVED.dev);
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stderr, /pulumi up` deletes them/);
  });

  it("name what they would delete: a deployed resource no planned one claims", async () => {
    const gone = "urn:pulumi:prod::platform::platform:index:PostgresCluster$kubernetes:helm.sh/v3:Release::postgres-operator-old";
    const run = await planAgainst("prod", IN_CLUSTER, [...MOVED.prod, gone]);
    assert.match(run.stderr, /1 deployed resources are claimed by no planned resource/);
    assert.ok(run.stderr.includes(`  - ${gone}`), run.stderr);
  });
});

describe("what a plan cannot claim", () => {
  const cluster = resource("platform:index:EksCluster", "platform");
  const crds = resource("platform:index:GatewayApiCrds", "gateway-api-crds");
  const manifest = resource("platform:index:GatewayApiCrds$kubernetes:yaml/v2:ConfigFile", "gateway-api-crds-standard-install", crds.urn);

  it("keeps the objects the Kubernetes provider renders for a kept manifest, which the mock runtime never sees", () => {
    const rendered = engineUrn("platform:index:GatewayApiCrds$kubernetes:yaml/v2:ConfigFile$kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition", "gateway-api-crds-standard-install:gateways.gateway.networking.k8s.io");
    const stranger = engineUrn("platform:index:GatewayApiCrds$kubernetes:yaml/v2:ConfigFile$kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition", "other-manifest:gateways.gateway.networking.k8s.io");
    assert.deepEqual(unclaimedUrns([rendered, stranger], [crds, manifest]), [stranger]);
  });

  it("does not count an alias written in the mock runtime's form, which the engine would never match", () => {
    const moved = resource("platform:index:AwsLoadBalancerController", "platform-lbc", STACK, [{ parentUrn: mockUrn("platform:index:EksCluster", "platform") }]);
    assert.equal(claimedUrns([cluster, moved]).get(engineUrn("platform:index:EksCluster$platform:index:AwsLoadBalancerController", "platform-lbc")), undefined);
  });

  it("names an alias that is another resource's URN, which the engine refuses", () => {
    const squatter = resource("platform:index:CloudNativePg", "platform", STACK, [{ type: "platform:index:EksCluster" }]);
    const conflicts = aliasConflicts([cluster, squatter]);
    assert.equal(conflicts.length, 1);
    assert.match(conflicts[0], /CloudNativePg::platform has an alias urn:pulumi:prod::platform::platform:index:EksCluster::platform, the URN of .*EksCluster::platform$/);
    assert.deepEqual(aliasConflicts([cluster, crds, manifest]), []);
  });
});
