/**
 * The policy pack's rules, run in-process over captured resources the way the analyzer runs them.
 * Each rule has a compliant fixture and one mutation per way it can fail; each failing case
 * asserts the policy name and the exact message.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import type { CapturedResource } from "../plan/capture";
import { runPolicies, type PolicyConfig, type Rule } from "../plan/policy-runner";
import {
  clusterEndpointAccess,
  dockerContainerLimits,
  kubernetesContainerResources,
  pinnedImageTags,
  restrictedSecurityContext,
  rules,
  tlsDataStores,
  tlsLoadBalancers,
  workloadProbes,
} from "../policies/rules";
import {
  compliantClusterParameterGroup,
  compliantCloudSqlInstance,
  compliantDeployment,
  compliantDockerContainer,
  compliantEdgeStack,
  compliantEksCluster,
  compliantGateway,
  compliantGkeCluster,
  compliantHttpRedirectListener,
  compliantHttpsListener,
  compliantIngress,
  compliantMemorystoreInstance,
  compliantPostgresParameterGroup,
  compliantRemoteImage,
  compliantReplicationGroup,
  containerIn,
  mutate,
  podSpecIn,
  resource,
  workload,
  type FixtureWorkloadKind,
} from "./support/policy-fixtures";

const KINDS: FixtureWorkloadKind[] = ["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"];

/** `policy: message` for every violation of `rule` over `resources`, in report order. */
async function violationsOf(rule: Rule, resources: CapturedResource[], config?: PolicyConfig): Promise<string[]> {
  const report = await runPolicies([rule], resources, config);
  return report.violations.map((v) => `${v.policy}: ${v.message}`);
}

/** Asserts that `rule` reports exactly `messages` (in order) on `subject`, each against its URN. */
async function assertViolations(rule: Rule, subject: CapturedResource, messages: string[], config?: PolicyConfig): Promise<void> {
  const report = await runPolicies([rule], [subject], config);
  assert.deepEqual(
    report.violations.map((v) => `${v.policy}: ${v.message}`),
    messages.map((m) => `${rule.name}: ${m}`),
  );
  for (const violation of report.violations) {
    assert.equal(violation.urn, subject.urn);
    assert.equal(violation.enforcementLevel, "mandatory");
  }
}

async function assertCompliant(rule: Rule, resources: CapturedResource[], config?: PolicyConfig): Promise<void> {
  assert.deepEqual(await violationsOf(rule, resources, config), []);
}

const WEB = 'Container "web" in Deployment "apps/podinfo"';
const MIGRATE = 'Init container "migrate" in Deployment "apps/podinfo"';
const DOCKER = 'Docker container "web"';

describe("the rules array", () => {
  it("gives every rule a unique kebab-case name", () => {
    const names = rules.map((r) => r.name);
    assert.equal(new Set(names).size, names.length);
    for (const name of names) assert.match(name, /^[a-z0-9]+(?:-[a-z0-9]+)*$/);
  });

  it("gives every rule a description, a severity and a mandatory enforcement level", () => {
    for (const rule of rules) {
      assert.ok(rule.description.length > 10, `${rule.name} has no description`);
      assert.ok(["low", "medium", "high", "critical"].includes(rule.severity ?? ""), `${rule.name} has no severity`);
      assert.equal(rule.enforcementLevel, "mandatory", rule.name);
    }
  });

  it("gives every config setting of every rule a default", () => {
    for (const rule of rules) {
      for (const [key, schema] of Object.entries(rule.configSchema?.properties ?? {})) {
        assert.notEqual((schema as { default?: unknown }).default, undefined, `${rule.name}.${key} has no default`);
      }
    }
  });

  it("keeps one rule per file, named after the file, with its severity stated in the TSDoc", () => {
    const folder = path.join(__dirname, "..", "policies", "rules");
    const files = readdirSync(folder).filter((f) => f.endsWith(".ts") && !["index.ts", "workloads.ts", "environment.ts", "known.ts", "gateway.ts", "capacity.ts", "resource-types.ts", "recovery-objectives.ts", "recovery-caches.ts", "recovery-figures.ts", "secondaries.ts"].includes(f));
    assert.deepEqual(files.map((f) => f.replace(/\.ts$/, "")).sort(), rules.map((r) => r.name).sort());
    for (const file of files) {
      const source = readFileSync(path.join(folder, file), "utf8");
      const rule = rules.find((r) => `${r.name}.ts` === file)!;
      assert.equal(/@severity (\w+)/.exec(source)?.[1], rule.severity, `${file} states another severity in its TSDoc`);
      assert.match(source, /@see https:\/\//, `${file} has no @see link`);
    }
  });

  it("lists every rule in the pack's README with a link to its file", () => {
    const readme = readFileSync(path.join(__dirname, "..", "policies", "README.md"), "utf8");
    for (const rule of rules) assert.ok(readme.includes(`| [\`${rule.name}\`](rules/${rule.name}.ts) |`), `${rule.name} is not in the README's table`);
  });

  it("holds the thirty-two platform rules", () => {
    assert.deepEqual(rules.map((r) => r.name).sort(), [
      "broker-persistence",
      "broker-quorum",
      "broker-tls",
      "cluster-endpoint-access",
      "credentials-from-secrets",
      "data-store-encryption-at-rest",
      "database-backups",
      "disaster-recovery-objectives",
      "docker-container-limits",
      "edge-service-types",
      "gateway-https-only",
      "gateway-listener-certificates",
      "gke-webhooks-reachable",
      "grafana-secure",
      "kubernetes-container-resources",
      "kubernetes-unique-objects",
      "mesh-mtls-strict",
      "namespace-default-deny",
      "no-public-databases",
      "node-capacity",
      "observability-retention",
      "pinned-image-tags",
      "production-data-resilience",
      "redis-sentinel-quorum",
      "redis-tls",
      "restricted-security-context",
      "routes-rate-limited",
      "services-scraped",
      "tls-data-stores",
      "tls-load-balancers",
      "tls-minimum-version",
      "workload-probes",
    ]);
  });

  it("is imported without loading the module that constructs the PolicyPack", () => {
    const packModule = path.join(__dirname, "..", "policies", "index.ts");
    assert.ok(Object.keys(require.cache).some((file) => file.endsWith(path.join("policies", "rules", "index.ts"))));
    assert.equal(require.cache[packModule], undefined);
  });

  it("is described by a PulumiPolicy.yaml with the nodejs runtime", () => {
    const project = parse(readFileSync(path.join(__dirname, "..", "policies", "PulumiPolicy.yaml"), "utf8"));
    assert.equal(project.runtime, "nodejs");
    assert.ok(typeof project.description === "string" && project.description.length > 0);
  });

  it("reports nothing from any rule over the compliant fixtures together", async () => {
    const fixtures = [
      ...KINDS.map((kind) => workload(kind)),
      compliantDockerContainer(),
      compliantRemoteImage(),
      compliantHttpsListener(),
      compliantHttpRedirectListener(),
      compliantHttpsListener("aws:alb/listener:Listener"),
      compliantIngress(),
      ...compliantEdgeStack(),
      compliantReplicationGroup(),
      compliantPostgresParameterGroup(),
      compliantClusterParameterGroup(),
      compliantCloudSqlInstance(),
      compliantMemorystoreInstance(),
      compliantEksCluster(),
      compliantGkeCluster(),
    ];
    const report = await runPolicies(rules, fixtures);
    assert.deepEqual(report.violations, []);
  });

  it("reports nothing for a rule whose enforcement level is set to disabled", async () => {
    const noLimits = mutate(compliantDeployment(), (i) => delete containerIn(i).resources.limits);
    assert.equal((await violationsOf(kubernetesContainerResources, [noLimits])).length, 2);
    await assertCompliant(kubernetesContainerResources, [noLimits], { "kubernetes-container-resources": { enforcementLevel: "disabled" } });
  });

  it("reports at the advisory level when the config lowers a rule to advisory", async () => {
    const noLimits = mutate(compliantDeployment(), (i) => delete containerIn(i).resources.limits.memory);
    const report = await runPolicies([kubernetesContainerResources], [noLimits], { "kubernetes-container-resources": { enforcementLevel: "advisory" } });
    assert.deepEqual(report.violations.map((v) => v.enforcementLevel), ["advisory"]);
  });
});

describe("kubernetes-container-resources", () => {
  const rule = kubernetesContainerResources;

  it("accepts every workload kind whose containers have CPU and memory requests and limits", async () => {
    await assertCompliant(rule, KINDS.map((kind) => workload(kind)));
  });

  for (const kind of KINDS) {
    it(`reports a ${kind} container without a memory limit`, async () => {
      const subject = mutate(workload(kind), (i) => delete containerIn(i).resources.limits.memory);
      await assertViolations(rule, subject, [`Container "web" in ${kind} "apps/podinfo" has no memory limit.`]);
    });
  }

  it("reports a container without a CPU request", async () => {
    const subject = mutate(compliantDeployment(), (i) => delete containerIn(i).resources.requests.cpu);
    await assertViolations(rule, subject, [`${WEB} has no CPU request.`]);
  });

  it("reports a container without a CPU limit", async () => {
    const subject = mutate(compliantDeployment(), (i) => delete containerIn(i).resources.limits.cpu);
    await assertViolations(rule, subject, [`${WEB} has no CPU limit.`]);
  });

  it("reports a container without a memory request", async () => {
    const subject = mutate(compliantDeployment(), (i) => delete containerIn(i).resources.requests.memory);
    await assertViolations(rule, subject, [`${WEB} has no memory request.`]);
  });

  it("reports every missing amount of a container without resources", async () => {
    const subject = mutate(compliantDeployment(), (i) => delete containerIn(i).resources);
    await assertViolations(rule, subject, [
      `${WEB} has no CPU request.`,
      `${WEB} has no CPU limit.`,
      `${WEB} has no memory request.`,
      `${WEB} has no memory limit.`,
    ]);
  });

  it("reports an init container without requests", async () => {
    const subject = mutate(compliantDeployment(), (i) => delete containerIn(i, "migrate").resources.requests);
    await assertViolations(rule, subject, [`${MIGRATE} has no CPU request.`, `${MIGRATE} has no memory request.`]);
  });

  it("reports a memory limit that is not a quantity", async () => {
    const subject = mutate(compliantDeployment(), (i) => (containerIn(i).resources.limits.memory = "lots"));
    await assertViolations(rule, subject, [`${WEB} has memory limit "lots", which is not a positive quantity.`]);
  });

  it("reports a CPU request of zero", async () => {
    const subject = mutate(compliantDeployment(), (i) => (containerIn(i).resources.requests.cpu = "0"));
    await assertViolations(rule, subject, [`${WEB} has CPU request "0", which is not a positive quantity.`]);
  });

  it("reports a memory request above the memory limit", async () => {
    const subject = mutate(compliantDeployment(), (i) => (containerIn(i).resources.requests.memory = "1Gi"));
    await assertViolations(rule, subject, [`${WEB} requests more memory ("1Gi") than its limit ("256Mi").`]);
  });

  it("compares CPU in any unit: 1 core requested against a 500m limit is too much", async () => {
    const subject = mutate(compliantDeployment(), (i) => (containerIn(i).resources.requests.cpu = "1"));
    await assertViolations(rule, subject, [`${WEB} requests more CPU ("1") than its limit ("500m").`]);
  });

  it("accepts a missing CPU limit when requireCpuLimit is false, but still a missing memory limit", async () => {
    const noCpuLimit = mutate(compliantDeployment(), (i) => delete containerIn(i).resources.limits.cpu);
    await assertCompliant(rule, [noCpuLimit], { "kubernetes-container-resources": { requireCpuLimit: false } });
    const noLimits = mutate(noCpuLimit, (i) => delete containerIn(i).resources.limits.memory);
    await assertViolations(rule, noLimits, [`${WEB} has no memory limit.`], { "kubernetes-container-resources": { requireCpuLimit: false } });
  });

  it("names a workload without a namespace or a metadata name by default/<resource name>", async () => {
    const subject = mutate(compliantDeployment(), (i) => {
      delete i.metadata;
      delete containerIn(i).resources.limits.memory;
    });
    await assertViolations(rule, subject, [`Container "web" in Deployment "default/podinfo-deployment" has no memory limit.`]);
  });

  it("ignores resources that are not workloads", async () => {
    await assertCompliant(rule, [resource("kubernetes:core/v1:ConfigMap", "config", { metadata: { name: "config" }, data: { a: "b" } })]);
  });
});

describe("docker-container-limits", () => {
  const rule = dockerContainerLimits;

  it("accepts a Docker container with memory and cpus", async () => {
    await assertCompliant(rule, [compliantDockerContainer()]);
  });

  it("reports a Docker container without a memory limit", async () => {
    await assertViolations(rule, mutate(compliantDockerContainer(), (i) => delete i.memory), [`${DOCKER} has no memory limit; set \`memory\` in MB.`]);
  });

  it("reports a Docker container with a memory limit of zero", async () => {
    await assertViolations(rule, mutate(compliantDockerContainer(), (i) => (i.memory = 0)), [`${DOCKER} has \`memory\` 0; set a limit above 0 MB.`]);
  });

  it("reports a Docker container without a CPU limit", async () => {
    await assertViolations(rule, mutate(compliantDockerContainer(), (i) => delete i.cpus), [`${DOCKER} has no CPU limit; set \`cpus\`, such as "0.5".`]);
  });

  it("reports a Docker container whose cpus is zero", async () => {
    await assertViolations(rule, mutate(compliantDockerContainer(), (i) => (i.cpus = "0")), [`${DOCKER} has \`cpus\` "0", which is not a number of CPUs above 0.`]);
  });

  it("reports a Docker container whose cpus is not a number", async () => {
    await assertViolations(rule, mutate(compliantDockerContainer(), (i) => (i.cpus = "half")), [`${DOCKER} has \`cpus\` "half", which is not a number of CPUs above 0.`]);
  });

  it("names a container without a name by its resource name", async () => {
    const subject = mutate(compliantDockerContainer(), (i) => {
      delete i.name;
      delete i.memory;
    });
    await assertViolations(rule, subject, [`Docker container "web" has no memory limit; set \`memory\` in MB.`]);
  });
});

describe("pinned-image-tags", () => {
  const rule = pinnedImageTags;
  const digest = `sha256:${"a".repeat(64)}`;

  it("accepts images pinned to a version in workloads, Docker containers and remote images", async () => {
    await assertCompliant(rule, [...KINDS.map((kind) => workload(kind)), compliantDockerContainer(), compliantRemoteImage()]);
  });

  it("accepts an image pinned by digest", async () => {
    await assertCompliant(rule, [mutate(compliantDeployment(), (i) => (containerIn(i).image = `ghcr.io/stefanprodan/podinfo@${digest}`))]);
  });

  it("accepts a Docker container that runs an image ID", async () => {
    await assertCompliant(rule, [mutate(compliantDockerContainer(), (i) => (i.image = digest))]);
  });

  it("reports a container image on the latest tag", async () => {
    const subject = mutate(compliantDeployment(), (i) => (containerIn(i).image = "nginx:latest"));
    await assertViolations(rule, subject, [`${WEB} has an unpinned image: "nginx:latest" uses the moving tag "latest"; pin a version or a digest.`]);
  });

  it("reports a container image without a tag", async () => {
    const subject = mutate(compliantDeployment(), (i) => (containerIn(i).image = "registry:5000/team/app"));
    await assertViolations(rule, subject, [
      `${WEB} has an unpinned image: "registry:5000/team/app" has no tag; pin a version such as "registry:5000/team/app:1.2.3" or a digest.`,
    ]);
  });

  it("reports a container image with a malformed digest", async () => {
    const subject = mutate(compliantDeployment(), (i) => (containerIn(i).image = "nginx@sha256:abc"));
    await assertViolations(rule, subject, [`${WEB} has an unpinned image: "nginx@sha256:abc" has a malformed digest; use @sha256:<64 hex digits>.`]);
  });

  it("reports an unpinned init container image", async () => {
    const subject = mutate(compliantDeployment(), (i) => (containerIn(i, "migrate").image = "ghcr.io/acme/migrations:main"));
    await assertViolations(rule, subject, [`${MIGRATE} has an unpinned image: "ghcr.io/acme/migrations:main" uses the moving tag "main"; pin a version or a digest.`]);
  });

  it("reports an unpinned image in a CronJob's job template", async () => {
    const subject = mutate(workload("CronJob"), (i) => (containerIn(i).image = "busybox"));
    await assertViolations(rule, subject, [
      `Container "web" in CronJob "apps/podinfo" has an unpinned image: "busybox" has no tag; pin a version such as "busybox:1.2.3" or a digest.`,
    ]);
  });

  it("reports a Docker container on a moving tag", async () => {
    const subject = mutate(compliantDockerContainer(), (i) => (i.image = "redis:stable"));
    await assertViolations(rule, subject, [`${DOCKER} has an unpinned image: "redis:stable" uses the moving tag "stable"; pin a version or a digest.`]);
  });

  it("reports a Docker remote image without a tag", async () => {
    const subject = mutate(compliantRemoteImage(), (i) => (i.name = "grafana/grafana"));
    await assertViolations(rule, subject, [
      `Docker remote image "podinfo-image" has an unpinned image: "grafana/grafana" has no tag; pin a version such as "grafana/grafana:1.2.3" or a digest.`,
    ]);
  });
});

describe("restricted-security-context", () => {
  const rule = restrictedSecurityContext;

  it("accepts restricted workloads of every kind and a locked-down Docker container", async () => {
    await assertCompliant(rule, [...KINDS.map((kind) => workload(kind)), compliantDockerContainer()]);
  });

  it("accepts runAsNonRoot set only at the pod level", async () => {
    const subject = mutate(compliantDeployment(), (i) => {
      delete containerIn(i).securityContext.runAsNonRoot;
      delete containerIn(i, "migrate").securityContext.runAsNonRoot;
    });
    await assertCompliant(rule, [subject]);
  });

  it("reports a container with runAsNonRoot at neither the container nor the pod level", async () => {
    const subject = mutate(compliantDeployment(), (i) => {
      delete podSpecIn(i).securityContext.runAsNonRoot;
      delete containerIn(i).securityContext.runAsNonRoot;
    });
    await assertViolations(rule, subject, [`${WEB} does not set runAsNonRoot: true on the container or the pod.`]);
  });

  it("reports a container that sets runAsNonRoot: false over the pod's true", async () => {
    const subject = mutate(compliantDeployment(), (i) => (containerIn(i).securityContext.runAsNonRoot = false));
    await assertViolations(rule, subject, [`${WEB} does not set runAsNonRoot: true on the container or the pod.`]);
  });

  it("reports a container that runs as UID 0", async () => {
    const subject = mutate(compliantDeployment(), (i) => (containerIn(i).securityContext.runAsUser = 0));
    await assertViolations(rule, subject, [`${WEB} runs as UID 0 (runAsUser: 0).`]);
  });

  it("reports every container of a pod that runs as UID 0", async () => {
    const subject = mutate(compliantDeployment(), (i) => (podSpecIn(i).securityContext.runAsUser = 0));
    await assertViolations(rule, subject, [`${MIGRATE} runs as UID 0 (runAsUser: 0).`, `${WEB} runs as UID 0 (runAsUser: 0).`]);
  });

  it("reports a container that does not set allowPrivilegeEscalation", async () => {
    const subject = mutate(compliantDeployment(), (i) => delete containerIn(i).securityContext.allowPrivilegeEscalation);
    await assertViolations(rule, subject, [`${WEB} does not set allowPrivilegeEscalation: false.`]);
  });

  it("reports a container that allows privilege escalation", async () => {
    const subject = mutate(compliantDeployment(), (i) => (containerIn(i, "migrate").securityContext.allowPrivilegeEscalation = true));
    await assertViolations(rule, subject, [`${MIGRATE} does not set allowPrivilegeEscalation: false.`]);
  });

  it("reports a privileged container", async () => {
    const subject = mutate(compliantDeployment(), (i) => (containerIn(i).securityContext.privileged = true));
    await assertViolations(rule, subject, [`${WEB} is privileged (privileged: true).`]);
  });

  it("reports a container without any security context in a DaemonSet", async () => {
    const subject = mutate(workload("DaemonSet"), (i) => {
      delete podSpecIn(i).securityContext;
      delete containerIn(i).securityContext;
    });
    await assertViolations(rule, subject, [
      `Container "web" in DaemonSet "apps/podinfo" does not set runAsNonRoot: true on the container or the pod.`,
      `Container "web" in DaemonSet "apps/podinfo" does not set allowPrivilegeEscalation: false.`,
    ]);
  });

  it("reports a Docker container without a user", async () => {
    await assertViolations(rule, mutate(compliantDockerContainer(), (i) => delete i.user), [
      `${DOCKER} sets no \`user\`, so it runs as the image's default user (often root); set a non-root UID such as "10001:10001".`,
    ]);
  });

  for (const user of ["root", "0", "0:0", "root:wheel"]) {
    it(`reports a Docker container whose user is "${user}"`, async () => {
      await assertViolations(rule, mutate(compliantDockerContainer(), (i) => (i.user = user)), [`${DOCKER} runs as root (user "${user}").`]);
    });
  }

  it("accepts a Docker user whose UID merely starts with 0 in its group", async () => {
    await assertCompliant(rule, [mutate(compliantDockerContainer(), (i) => (i.user = "10001:0"))]);
  });

  it("reports a privileged Docker container", async () => {
    await assertViolations(rule, mutate(compliantDockerContainer(), (i) => (i.privileged = true)), [`${DOCKER} is privileged (privileged: true).`]);
  });

  it("reports a Docker container without no-new-privileges", async () => {
    await assertViolations(rule, mutate(compliantDockerContainer(), (i) => (i.securityOpts = ["seccomp=default"])), [
      `${DOCKER} does not set "no-new-privileges:true" in \`securityOpts\`.`,
    ]);
  });

  it("reports a Docker container that sets no-new-privileges to false", async () => {
    await assertViolations(rule, mutate(compliantDockerContainer(), (i) => (i.securityOpts = ["no-new-privileges:false"])), [
      `${DOCKER} does not set "no-new-privileges:true" in \`securityOpts\`.`,
    ]);
  });
});

describe("workload-probes", () => {
  const rule = workloadProbes;

  it("accepts long-running workloads whose containers have distinct readiness and liveness probes", async () => {
    await assertCompliant(rule, [workload("Deployment"), workload("StatefulSet"), workload("DaemonSet"), compliantDockerContainer()]);
  });

  it("does not ask Pods, ReplicaSets, Jobs or CronJobs for probes", async () => {
    const withoutProbes = (kind: FixtureWorkloadKind) =>
      mutate(workload(kind), (i) => {
        delete containerIn(i).readinessProbe;
        delete containerIn(i).livenessProbe;
      });
    await assertCompliant(rule, ["Pod", "ReplicaSet", "Job", "CronJob"].map((kind) => withoutProbes(kind as FixtureWorkloadKind)));
  });

  it("reports a Deployment container without a readiness probe", async () => {
    await assertViolations(rule, mutate(compliantDeployment(), (i) => delete containerIn(i).readinessProbe), [`${WEB} has no readiness probe.`]);
  });

  it("reports a StatefulSet container without a liveness probe", async () => {
    await assertViolations(rule, mutate(workload("StatefulSet"), (i) => delete containerIn(i).livenessProbe), [
      `Container "web" in StatefulSet "apps/podinfo" has no liveness probe.`,
    ]);
  });

  it("reports a DaemonSet container whose liveness probe is its readiness probe", async () => {
    const subject = mutate(workload("DaemonSet"), (i) => (containerIn(i).livenessProbe = structuredClone(containerIn(i).readinessProbe)));
    await assertViolations(rule, subject, [
      `Container "web" in DaemonSet "apps/podinfo" has identical readiness and liveness probes; make the liveness probe check only that the process is alive.`,
    ]);
  });

  it("compares probes by content, whatever the order of their keys", async () => {
    const subject = mutate(compliantDeployment(), (i) => (containerIn(i).livenessProbe = { periodSeconds: 5, httpGet: { port: "http", path: "/ready" } }));
    await assertViolations(rule, subject, [
      `${WEB} has identical readiness and liveness probes; make the liveness probe check only that the process is alive.`,
    ]);
  });

  it("reports a Docker service container without a healthcheck", async () => {
    await assertViolations(rule, mutate(compliantDockerContainer(), (i) => delete i.healthcheck), [`${DOCKER} has no healthcheck.`]);
  });

  it("reports a Docker healthcheck without tests", async () => {
    await assertViolations(rule, mutate(compliantDockerContainer(), (i) => (i.healthcheck.tests = [])), [`${DOCKER} has a healthcheck without \`tests\`.`]);
  });

  it('reports a Docker healthcheck disabled with ["NONE"]', async () => {
    await assertViolations(rule, mutate(compliantDockerContainer(), (i) => (i.healthcheck.tests = ["NONE"])), [`${DOCKER} disables its healthcheck (tests ["NONE"]).`]);
  });

  it("does not ask a Docker container that runs to completion for a healthcheck", async () => {
    const oneShot = (edit: (i: Record<string, any>) => void) =>
      mutate(compliantDockerContainer(), (i) => {
        delete i.healthcheck;
        edit(i);
      });
    await assertCompliant(rule, [oneShot((i) => (i.rm = true)), oneShot((i) => (i.attach = true)), oneShot((i) => (i.mustRun = false))]);
  });
});

describe("tls-load-balancers", () => {
  const rule = tlsLoadBalancers;

  it("accepts an HTTPS listener with a TLS 1.2 policy, an HTTP listener that redirects, a TLS Ingress and a TLS Gateway", async () => {
    await assertCompliant(rule, [
      compliantHttpsListener(),
      compliantHttpRedirectListener(),
      compliantHttpsListener("aws:alb/listener:Listener"),
      compliantHttpRedirectListener("aws:alb/listener:Listener"),
      compliantIngress(),
      compliantGateway(),
    ]);
  });

  it("accepts the forward-secrecy TLS 1.2 policies, TLS 1.3-only policies and NLB TLS listeners", async () => {
    await assertCompliant(rule, [
      mutate(compliantHttpsListener(), (i) => (i.sslPolicy = "ELBSecurityPolicy-FS-1-2-Res-2020-10")),
      mutate(compliantHttpsListener(), (i) => (i.sslPolicy = "ELBSecurityPolicy-TLS-1-2-Ext-2018-06")),
      mutate(compliantHttpsListener(), (i) => {
        i.protocol = "TLS";
        i.sslPolicy = "ELBSecurityPolicy-TLS13-1-3-2021-06";
      }),
    ]);
  });

  it("reports an HTTPS listener without an SSL policy, which gets AWS's TLS 1.0 default", async () => {
    await assertViolations(rule, mutate(compliantHttpsListener(), (i) => delete i.sslPolicy), [
      `Listener "edge-https" (HTTPS :443) sets no sslPolicy, so AWS applies "ELBSecurityPolicy-2016-08", which accepts TLS 1.0; use a policy whose minimum is TLS 1.2.`,
    ]);
  });

  it("reports a TLS 1.3 policy that still accepts TLS 1.0", async () => {
    await assertViolations(rule, mutate(compliantHttpsListener(), (i) => (i.sslPolicy = "ELBSecurityPolicy-TLS13-1-0-2021-06")), [
      `Listener "edge-https" (HTTPS :443) uses SSL policy "ELBSecurityPolicy-TLS13-1-0-2021-06", which accepts TLS 1.0; use a policy whose minimum is TLS 1.2, such as "ELBSecurityPolicy-TLS13-1-2-2021-06".`,
    ]);
  });

  it("reports a policy whose minimum is TLS 1.1", async () => {
    await assertViolations(rule, mutate(compliantHttpsListener(), (i) => (i.sslPolicy = "ELBSecurityPolicy-TLS-1-1-2017-01")), [
      `Listener "edge-https" (HTTPS :443) uses SSL policy "ELBSecurityPolicy-TLS-1-1-2017-01", which accepts TLS 1.1; use a policy whose minimum is TLS 1.2, such as "ELBSecurityPolicy-TLS13-1-2-2021-06".`,
    ]);
  });

  it("reports a TLS 1.2 policy when minimumTlsVersion is 1.3", async () => {
    await assertViolations(
      rule,
      compliantHttpsListener(),
      [
        `Listener "edge-https" (HTTPS :443) uses SSL policy "ELBSecurityPolicy-TLS13-1-2-2021-06", which accepts TLS 1.2; use a policy whose minimum is TLS 1.3, such as "ELBSecurityPolicy-TLS13-1-2-2021-06".`,
      ],
      { "tls-load-balancers": { minimumTlsVersion: "1.3" } },
    );
  });

  it("reports an HTTP listener that forwards instead of redirecting", async () => {
    const subject = mutate(compliantHttpRedirectListener(), (i) => (i.defaultActions = [{ type: "forward", targetGroupArn: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/1" }]));
    await assertViolations(rule, subject, [`Listener "edge-http" (HTTP :80) serves plain HTTP; make its default action a redirect to HTTPS, or use HTTPS.`]);
  });

  it("reports an HTTP listener that redirects to HTTP", async () => {
    const subject = mutate(compliantHttpRedirectListener(), (i) => (i.defaultActions[0].redirect.protocol = "#{protocol}"));
    await assertViolations(rule, subject, [`Listener "edge-http" (HTTP :80) serves plain HTTP; make its default action a redirect to HTTPS, or use HTTPS.`]);
  });

  it("reports a listener without a protocol, which AWS makes HTTP", async () => {
    const subject = mutate(compliantHttpsListener(), (i) => {
      delete i.protocol;
      delete i.sslPolicy;
    });
    await assertViolations(rule, subject, [`Listener "edge-https" (HTTP :443) serves plain HTTP; make its default action a redirect to HTTPS, or use HTTPS.`]);
  });

  it("reports a plain TCP listener", async () => {
    const subject = mutate(compliantHttpsListener(), (i) => {
      i.protocol = "TCP";
      i.port = 5432;
      delete i.sslPolicy;
    });
    await assertViolations(rule, subject, [`Listener "edge-https" (TCP :5432) is not encrypted; use TLS.`]);
  });

  it("checks aws.alb listeners like aws.lb listeners", async () => {
    const subject = mutate(compliantHttpsListener("aws:alb/listener:Listener"), (i) => (i.sslPolicy = "ELBSecurityPolicy-2016-08"));
    await assertViolations(rule, subject, [
      `Listener "edge-https" (HTTPS :443) uses SSL policy "ELBSecurityPolicy-2016-08", which accepts TLS 1.0; use a policy whose minimum is TLS 1.2, such as "ELBSecurityPolicy-TLS13-1-2-2021-06".`,
    ]);
  });

  it("reports an Ingress without spec.tls", async () => {
    await assertViolations(rule, mutate(compliantIngress(), (i) => delete i.spec.tls), [`Ingress "apps/podinfo" has no spec.tls, so it serves plain HTTP.`]);
  });

  it("reports an Ingress rule host that no TLS entry lists", async () => {
    const subject = mutate(compliantIngress(), (i) => (i.spec.rules[0].host = "admin.example.com"));
    await assertViolations(rule, subject, [`Ingress "apps/podinfo" serves host "admin.example.com" without TLS: no spec.tls entry lists it.`]);
  });

  it("does not let a wildcard TLS host cover a host two labels deeper", async () => {
    const subject = mutate(compliantIngress(), (i) => (i.spec.rules[1].host = "v2.api.apps.example.com"));
    await assertViolations(rule, subject, [`Ingress "apps/podinfo" serves host "v2.api.apps.example.com" without TLS: no spec.tls entry lists it.`]);
  });

  it("reports a Gateway HTTPS listener without certificateRefs", async () => {
    const subject = mutate(compliantGateway(), (i) => delete i.spec.listeners[1].tls.certificateRefs);
    await assertViolations(rule, subject, [`Gateway "infra/edge" listener "https" (HTTPS) has no tls.certificateRefs, so it has no certificate to terminate TLS with.`]);
  });

  it("reports a Gateway TLS listener that terminates without certificateRefs", async () => {
    const subject = mutate(compliantGateway(), (i) => delete i.spec.listeners[2].tls.mode);
    await assertViolations(rule, subject, [`Gateway "infra/edge" listener "tls-passthrough" (TLS) has no tls.certificateRefs, so it has no certificate to terminate TLS with.`]);
  });

  it("reports a Gateway TCP listener", async () => {
    const subject = mutate(compliantGateway(), (i) => i.spec.listeners.push({ name: "postgres", protocol: "TCP", port: 5432 }));
    await assertViolations(rule, subject, [`Gateway "infra/edge" listener "postgres" (TCP) is not encrypted; use HTTPS or TLS.`]);
  });

  it("reports a Gateway HTTP listener when allowHttpRedirectListeners is false", async () => {
    await assertViolations(rule, compliantGateway(), [`Gateway "infra/edge" listener "http" (HTTP) serves plain HTTP, and allowHttpRedirectListeners is false.`], {
      "tls-load-balancers": { allowHttpRedirectListeners: false },
    });
  });

  it("checks the listeners of a ListenerSet", async () => {
    const subject = resource("kubernetes:gateway.networking.k8s.io/v1:ListenerSet", "team-listeners", {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "ListenerSet",
      metadata: { name: "team", namespace: "apps" },
      spec: { parentRef: { name: "edge", namespace: "infra" }, listeners: [{ name: "team-https", protocol: "HTTPS", port: 443, hostname: "team.example.com" }] },
    });
    await assertViolations(rule, subject, [`ListenerSet "apps/team" listener "team-https" (HTTPS) has no tls.certificateRefs, so it has no certificate to terminate TLS with.`]);
  });
});

describe("tls-data-stores", () => {
  const rule = tlsDataStores;

  it("accepts data stores that require TLS", async () => {
    await assertCompliant(rule, [
      compliantReplicationGroup(),
      compliantPostgresParameterGroup(),
      compliantClusterParameterGroup(),
      compliantCloudSqlInstance(),
      compliantMemorystoreInstance(),
    ]);
  });

  it("reports an ElastiCache replication group without transit encryption", async () => {
    await assertViolations(rule, mutate(compliantReplicationGroup(), (i) => delete i.transitEncryptionEnabled), [
      `ElastiCache replication group "redis" does not set transitEncryptionEnabled: true.`,
    ]);
  });

  it("reports an ElastiCache replication group whose transit encryption is only preferred", async () => {
    await assertViolations(rule, mutate(compliantReplicationGroup(), (i) => (i.transitEncryptionMode = "preferred")), [
      `ElastiCache replication group "redis" sets transitEncryptionMode "preferred", which still accepts plaintext connections; use "required".`,
    ]);
  });

  it("reports a PostgreSQL parameter group without rds.force_ssl", async () => {
    const subject = mutate(compliantPostgresParameterGroup(), (i) => (i.parameters = i.parameters.filter((p: { name: string }) => p.name !== "rds.force_ssl")));
    await assertViolations(rule, subject, [`RDS parameter group "postgres-params" (family postgres16) does not set rds.force_ssl to "1".`]);
  });

  it("reports a PostgreSQL parameter group with rds.force_ssl off", async () => {
    const subject = mutate(compliantPostgresParameterGroup(), (i) => (i.parameters[1].value = "0"));
    await assertViolations(rule, subject, [`RDS parameter group "postgres-params" (family postgres16) sets rds.force_ssl to "0"; set it to "1".`]);
  });

  it("reports an Aurora PostgreSQL cluster parameter group without parameters", async () => {
    await assertViolations(rule, mutate(compliantClusterParameterGroup(), (i) => delete i.parameters), [
      `RDS cluster parameter group "aurora-params" (family aurora-postgresql16) does not set rds.force_ssl to "1".`,
    ]);
  });

  it("does not check rds.force_ssl on parameter groups of other engines", async () => {
    await assertCompliant(rule, [resource("aws:rds/parameterGroup:ParameterGroup", "mysql-params", { family: "mysql8.0", parameters: [] })]);
  });

  it("reports a Cloud SQL instance without sslMode", async () => {
    await assertViolations(rule, mutate(compliantCloudSqlInstance(), (i) => delete i.settings.ipConfiguration.sslMode), [
      `Cloud SQL instance "postgres" does not set settings.ipConfiguration.sslMode; set "ENCRYPTED_ONLY" or "TRUSTED_CLIENT_CERTIFICATE_REQUIRED".`,
    ]);
  });

  it("reports a Cloud SQL instance that accepts unencrypted connections", async () => {
    await assertViolations(rule, mutate(compliantCloudSqlInstance(), (i) => (i.settings.ipConfiguration.sslMode = "ALLOW_UNENCRYPTED_AND_ENCRYPTED")), [
      `Cloud SQL instance "postgres" has settings.ipConfiguration.sslMode "ALLOW_UNENCRYPTED_AND_ENCRYPTED", which accepts unencrypted connections; set "ENCRYPTED_ONLY" or "TRUSTED_CLIENT_CERTIFICATE_REQUIRED".`,
    ]);
  });

  it("accepts a Cloud SQL instance that requires client certificates", async () => {
    await assertCompliant(rule, [mutate(compliantCloudSqlInstance(), (i) => (i.settings.ipConfiguration.sslMode = "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"))]);
  });

  it("reports a Memorystore instance without transitEncryptionMode", async () => {
    await assertViolations(rule, mutate(compliantMemorystoreInstance(), (i) => delete i.transitEncryptionMode), [
      `Memorystore instance "redis" transitEncryptionMode is unset (DISABLED); set "SERVER_AUTHENTICATION".`,
    ]);
  });

  it("reports a Memorystore instance with transit encryption disabled", async () => {
    await assertViolations(rule, mutate(compliantMemorystoreInstance(), (i) => (i.transitEncryptionMode = "DISABLED")), [
      `Memorystore instance "redis" transitEncryptionMode is "DISABLED"; set "SERVER_AUTHENTICATION".`,
    ]);
  });
});

describe("cluster-endpoint-access", () => {
  const rule = clusterEndpointAccess;
  const EKS = 'EKS cluster "platform"';
  const GKE = 'GKE cluster "platform"';

  it("accepts an EKS cluster with a restricted public endpoint and a GKE cluster with private nodes", async () => {
    await assertCompliant(rule, [compliantEksCluster(), compliantGkeCluster()]);
  });

  it("accepts an EKS cluster with a private endpoint only and no public CIDRs", async () => {
    const subject = mutate(compliantEksCluster(), (i) => {
      i.vpcConfig.endpointPublicAccess = false;
      delete i.vpcConfig.publicAccessCidrs;
    });
    await assertCompliant(rule, [subject]);
  });

  it("reports an EKS cluster with a public endpoint and no publicAccessCidrs", async () => {
    await assertViolations(rule, mutate(compliantEksCluster(), (i) => delete i.vpcConfig.publicAccessCidrs), [
      `${EKS} has a public API endpoint without vpcConfig.publicAccessCidrs, so any address can reach it; list the allowed CIDRs or set endpointPublicAccess: false.`,
    ]);
  });

  it("treats an unset endpointPublicAccess as public, as AWS does", async () => {
    const subject = mutate(compliantEksCluster(), (i) => {
      delete i.vpcConfig.endpointPublicAccess;
      delete i.vpcConfig.publicAccessCidrs;
    });
    await assertViolations(rule, subject, [
      `${EKS} has a public API endpoint without vpcConfig.publicAccessCidrs, so any address can reach it; list the allowed CIDRs or set endpointPublicAccess: false.`,
    ]);
  });

  it("reports an EKS cluster whose public endpoint allows 0.0.0.0/0", async () => {
    await assertViolations(rule, mutate(compliantEksCluster(), (i) => i.vpcConfig.publicAccessCidrs.push("0.0.0.0/0")), [
      `${EKS} allows 0.0.0.0/0 in vpcConfig.publicAccessCidrs, so any address can reach its API endpoint.`,
    ]);
  });

  it("reports an EKS cluster whose public endpoint allows ::/0", async () => {
    await assertViolations(rule, mutate(compliantEksCluster(), (i) => (i.vpcConfig.publicAccessCidrs = ["::/0"])), [
      `${EKS} allows ::/0 in vpcConfig.publicAccessCidrs, so any address can reach its API endpoint.`,
    ]);
  });

  it("reports an EKS cluster without secrets encryption", async () => {
    await assertViolations(rule, mutate(compliantEksCluster(), (i) => delete i.encryptionConfig), [
      `${EKS} does not encrypt Kubernetes secrets with KMS; set encryptionConfig with resources ["secrets"].`,
    ]);
  });

  it("reports an EKS cluster whose encryptionConfig leaves out secrets", async () => {
    await assertViolations(rule, mutate(compliantEksCluster(), (i) => (i.encryptionConfig.resources = [])), [
      `${EKS} does not encrypt Kubernetes secrets with KMS; set encryptionConfig with resources ["secrets"].`,
    ]);
  });

  it("reports an EKS cluster without audit logs", async () => {
    await assertViolations(rule, mutate(compliantEksCluster(), (i) => (i.enabledClusterLogTypes = ["api"])), [
      `${EKS} does not enable the "audit" log type in enabledClusterLogTypes.`,
    ]);
  });

  it("reports a GKE cluster without private nodes", async () => {
    await assertViolations(rule, mutate(compliantGkeCluster(), (i) => (i.privateClusterConfig.enablePrivateNodes = false)), [
      `${GKE} does not set privateClusterConfig.enablePrivateNodes: true, so its nodes have public IP addresses.`,
    ]);
  });

  it("reports a GKE cluster without master authorized networks", async () => {
    await assertViolations(rule, mutate(compliantGkeCluster(), (i) => delete i.masterAuthorizedNetworksConfig), [
      `${GKE} has no masterAuthorizedNetworksConfig, so any address can reach its API endpoint.`,
    ]);
  });

  it("reports a GKE cluster that authorizes 0.0.0.0/0", async () => {
    await assertViolations(rule, mutate(compliantGkeCluster(), (i) => i.masterAuthorizedNetworksConfig.cidrBlocks.push({ cidrBlock: "0.0.0.0/0", displayName: "all" })), [
      `${GKE} allows 0.0.0.0/0 in masterAuthorizedNetworksConfig, so any address can reach its API endpoint.`,
    ]);
  });

  it("reports a GKE cluster that authorizes every Google Cloud public address", async () => {
    await assertViolations(rule, mutate(compliantGkeCluster(), (i) => (i.masterAuthorizedNetworksConfig.gcpPublicCidrsAccessEnabled = true)), [
      `${GKE} sets masterAuthorizedNetworksConfig.gcpPublicCidrsAccessEnabled: true, so any Google Cloud VM can reach its API endpoint.`,
    ]);
  });

  it("reports a GKE cluster without application-layer secrets encryption", async () => {
    await assertViolations(rule, mutate(compliantGkeCluster(), (i) => (i.databaseEncryption = { state: "DECRYPTED" })), [
      `${GKE} does not set databaseEncryption.state: "ENCRYPTED", so its secrets are not encrypted with Cloud KMS.`,
    ]);
  });
});
