/**
 * A service's migration Job and CronJobs under Pulumi's mock runtime (k3s and Docker, captured
 * once for the file), their names across image and command changes, the native-sidecar
 * annotations of each mesh, the Docker migration's exit-code gate, and the upstream schema of every
 * Job and CronJob.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { captureProgram, type CapturedProgram, type CapturedResource } from "../plan/capture";
import {
  AppService,
  callerSelectorLabels,
  cronJobName,
  jobNameProblems,
  meshEnrollment,
  MIGRATION_LABEL,
  migrationExitProblem,
  migrationGate,
  migrationJobName,
  resolveMigration,
  selectorLabels,
  validateAppService,
} from "../components";
import { COMPONENT_LABEL } from "../components/contract";
import { createPlatform } from "../components/platform";
import { runPolicies } from "../plan/policy-runner";
import { rules } from "../policies/rules";
import { kubernetesCronProblem } from "../stacks/config/validators";
import { findOne } from "./support/captured";
import { schemaErrors, unknownFields } from "./support/k8s-schema";

const image = "ghcr.io/stefanprodan/podinfo:6.9.2";
const migration = { command: ["./migrate"], args: ["up"] };
let program: CapturedProgram;

const one = (type: string, name: string): CapturedResource => findOne(program.resources, type, name);
const job = (name: string) => one("kubernetes:batch/v1:Job", `${name}-migration`);
const deployment = (name: string) => one("kubernetes:apps/v1:Deployment", `${name}-deployment`);
const cronJob = (name: string) => one("kubernetes:batch/v1:CronJob", `${name}-cron-job`);
/** Whether a label selector's `matchLabels` select a pod with `labels`. */
const selects = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);

before(async () => {
  program = await captureProgram(
    () => {
      const k3s = createPlatform("cluster", { target: "k3s", k3s: { environment: "prod", kubeconfig: pulumi.secret("kubeconfig") } });
      const local = createPlatform("local", { target: "docker", docker: { environment: "dev" } });
      const shared = {
        platform: k3s,
        image,
        port: 9898,
        namespace: "apps",
        labels: { "platform.acme.dev/postgres-client": "true" },
        env: { LOG_LEVEL: "info" },
        secretEnv: { DATABASE_URL: { secretName: "api-db", key: "DATABASE_URL" } },
        resources: { requests: { cpu: "200m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } },
      };
      new AppService("api", {
        ...shared,
        command: ["./podinfo"],
        args: ["--port=9898"],
        migration: { ...migration, backoffLimit: 0 },
        jobPodAnnotations: meshEnrollment("istio").jobPodAnnotations,
        cronJobs: [
          { name: "nightly", schedule: "30 3 * * *", command: ["./report"] },
          { name: "hourly", schedule: "@hourly", args: ["--compact"], timeZone: "Europe/Berlin", concurrencyPolicy: "Replace", suspend: true },
        ],
      });
      new AppService("linked", { ...shared, migration, jobPodAnnotations: meshEnrollment("linkerd").jobPodAnnotations });
      new AppService("plain", { ...shared });
      new AppService("site", {
        platform: local,
        image,
        port: 9898,
        command: ["./podinfo"],
        args: ["--port=9898"],
        migration,
        secretEnv: { DATABASE_URL: { secretName: "", key: "", value: pulumi.secret("mock-secret-url") } },
      });
    },
    { project: "platform", stack: "test" },
  );
});

describe("a service's command and args", () => {
  it("replace the image's ENTRYPOINT and CMD on Kubernetes, and are left out when not set", () => {
    const container = deployment("api").inputs.spec.template.spec.containers[0];
    assert.deepEqual([container.command, container.args], [["./podinfo"], ["--port=9898"]]);
    const plain = deployment("plain").inputs.spec.template.spec.containers[0];
    assert.deepEqual([plain.command, plain.args], [undefined, undefined]);
  });

  it("become the container's entrypoints and command on Docker", () => {
    const container = one("docker:index/container:Container", "site-container").inputs;
    assert.deepEqual([container.entrypoints, container.command], [["./podinfo"], ["--port=9898"]]);
  });
});

describe("the migration Job on Kubernetes", () => {
  it("is ordered before the Deployment, which depends on it; a service without one has none", () => {
    assert.ok(deployment("api").dependencies.includes(job("api").urn));
    assert.ok(deployment("linked").dependencies.includes(job("linked").urn));
    assert.equal(program.resources.filter((r) => r.type === "kubernetes:batch/v1:Job" && r.name.startsWith("plain")).length, 0);
  });

  it("runs the service's image, env, Secret references, requests and limits, security context and ServiceAccount", () => {
    const service = deployment("api").inputs.spec.template.spec;
    const pod = job("api").inputs.spec.template.spec;
    const [svc, task] = [service.containers[0], pod.containers[0]];
    for (const key of ["image", "env", "resources", "securityContext", "volumeMounts", "imagePullPolicy"]) assert.deepEqual(task[key], svc[key], key);
    for (const key of ["securityContext", "serviceAccountName", "automountServiceAccountToken", "volumes"]) assert.deepEqual(pod[key], service[key], key);
    assert.equal(pod.automountServiceAccountToken, false);
  });

  it("runs the migration's command once, without ports, probes or spread, and keeps failed pods' logs", () => {
    const spec = job("api").inputs.spec;
    const container = spec.template.spec.containers[0];
    assert.deepEqual([container.name, container.command, container.args], ["migrate", ["./migrate"], ["up"]]);
    assert.deepEqual([container.ports, container.readinessProbe, container.livenessProbe, spec.template.spec.topologySpreadConstraints], [undefined, undefined, undefined, undefined]);
    assert.equal(spec.template.spec.restartPolicy, "Never");
    assert.deepEqual([spec.backoffLimit, spec.activeDeadlineSeconds, spec.ttlSecondsAfterFinished], [0, 600, undefined]);
  });

  it("retries six times by default (about five minutes of back-off), so a database still bootstrapping does not fail the first `pulumi up`", () => {
    assert.equal(job("linked").inputs.spec.backoffLimit, 6);
  });

  it("is named after the hash of its image and command, and replaced by the next `pulumi up` when it failed", () => {
    const metadata = job("api").inputs.metadata;
    assert.equal(metadata.name, migrationJobName("api", image, migration));
    assert.match(metadata.name, /^api-migrate-[0-9a-f]{8}$/);
    assert.deepEqual(metadata.annotations, { "pulumi.com/replaceUnready": "true" });
  });

  it("carries the service's labels but is never selected by its Service, PodDisruptionBudget or NetworkPolicy", () => {
    const labels = job("api").inputs.spec.template.metadata.labels;
    assert.equal(labels["platform.acme.dev/postgres-client"], "true");
    assert.equal(labels[COMPONENT_LABEL], "migration");
    const selectors = [
      one("kubernetes:core/v1:Service", "api-service").inputs.spec.selector,
      one("kubernetes:policy/v1:PodDisruptionBudget", "api-pdb").inputs.spec.selector.matchLabels,
      one("kubernetes:networking.k8s.io/v1:NetworkPolicy", "api-network-policy").inputs.spec.podSelector.matchLabels,
      selectorLabels("api"),
      // Flagger's generated `<service>-canary` Service selects the chart's selectorLabels key alone.
      { "app.kubernetes.io/name": "api" },
      // What a progressive service's and its callers' policies select (instance and AppService role).
      callerSelectorLabels("api"),
    ];
    for (const selector of selectors) {
      assert.equal(selects(selector, labels), false, `${JSON.stringify(selector)} selects the migration pod`);
      assert.equal(selects(selector, deployment("api").inputs.spec.template.metadata.labels), true, "the same selector selects the service's pods");
    }
    assert.equal(job("api").inputs.spec.template.metadata.annotations["prometheus.io/scrape"], undefined, "not scraped as the service");
  });

  it("runs the mesh's proxy as a native sidecar under each mesh, so the Job completes", () => {
    const cases: [string, Record<string, string>][] = [
      ["api", { "sidecar.istio.io/nativeSidecar": "true" }],
      ["linked", { "config.linkerd.io/proxy-enable-native-sidecar": "true" }],
    ];
    for (const [name, annotations] of cases) assert.deepEqual(job(name).inputs.spec.template.metadata.annotations, annotations, name);
    assert.deepEqual(cronJob("api-nightly").inputs.spec.jobTemplate.spec.template.metadata.annotations, cases[0][1]);
  });

  it("passes every rule of the policy pack, as do the CronJobs and the Docker migration", async () => {
    const tasks = program.resources.filter((r) => /^kubernetes:batch\/v1:(Job|CronJob)$/.test(r.type) || r.name === "site-migration");
    assert.equal(tasks.length, 5);
    assert.deepEqual((await runPolicies(rules, tasks)).violations, []);
  });

  it("validates against the Kubernetes schema, with no unknown fields", () => {
    for (const r of [job("api"), job("linked"), cronJob("api-nightly"), cronJob("api-hourly")]) {
      const object = { apiVersion: "batch/v1", kind: r.type.endsWith("CronJob") ? "CronJob" : "Job", ...r.inputs };
      assert.deepEqual(schemaErrors(object), [], r.name);
      assert.deepEqual(unknownFields(object), [], r.name);
    }
  });
});

describe("the migration Job's name across `pulumi up`s", () => {
  const base = migrationJobName("api", image, migration);
  const cases: [string, string, { command?: string[]; args?: string[] }, boolean][] = [
    ["the same image and command", image, migration, true],
    ["a new image", "ghcr.io/stefanprodan/podinfo:6.9.3", migration, false],
    ["a new command", image, { ...migration, command: ["./migrate-v2"] }, false],
    ["new args", image, { ...migration, args: ["up", "--to=42"] }, false],
    ["args moved into the command", image, { command: ["./migrate", "up"] }, false],
  ];
  for (const [what, img, task, same] of cases) {
    it(`${same ? "keeps" : "changes"} it for ${what}`, () => {
      assert.equal(migrationJobName("api", img, task) === base, same);
    });
  }
  it("does not depend on the deadline or retries, which do not change what runs", () => {
    assert.equal(migrationJobName("api", image, resolveMigration({ ...migration, backoffLimit: 5, activeDeadlineSeconds: 60 })), base);
  });
});

describe("CronJobs", () => {
  it("run on their schedule in UTC by default, never overlapping, keeping a short history", () => {
    const spec = cronJob("api-nightly").inputs.spec;
    assert.deepEqual(
      [spec.schedule, spec.timeZone, spec.concurrencyPolicy, spec.successfulJobsHistoryLimit, spec.failedJobsHistoryLimit, spec.suspend],
      ["30 3 * * *", "Etc/UTC", "Forbid", 3, 1, false],
    );
    assert.deepEqual([spec.jobTemplate.spec.backoffLimit, spec.jobTemplate.spec.activeDeadlineSeconds], [2, 3600]);
    const hourly = cronJob("api-hourly").inputs.spec;
    assert.deepEqual([hourly.schedule, hourly.timeZone, hourly.concurrencyPolicy, hourly.suspend], ["@hourly", "Europe/Berlin", "Replace", true]);
  });

  it("run the service's pod with their own command and name, labelled apart from the service", () => {
    const r = cronJob("api-nightly");
    assert.equal(r.inputs.metadata.name, cronJobName("api", { name: "nightly" }));
    const pod = r.inputs.spec.jobTemplate.spec.template;
    const container = pod.spec.containers[0];
    assert.deepEqual([container.name, container.command, container.args], ["nightly", ["./report"], undefined]);
    assert.deepEqual(container.resources, deployment("api").inputs.spec.template.spec.containers[0].resources);
    assert.deepEqual(container.env, deployment("api").inputs.spec.template.spec.containers[0].env);
    assert.equal(pod.spec.restartPolicy, "Never");
    assert.equal(selects(selectorLabels("api"), pod.metadata.labels), false);
    assert.equal(pod.metadata.labels["platform.acme.dev/postgres-client"], "true");
  });

  it("wait for the migration, so a run with a new image never meets the old schema", () => {
    assert.ok(cronJob("api-nightly").dependencies.includes(job("api").urn));
  });

  it("are refused on Docker, which has no scheduler", () => {
    const local = createPlatform("refused", { target: "docker", docker: { environment: "dev" } });
    assert.throws(() => new AppService("nope", { platform: local, image, port: 80, cronJobs: [{ name: "n", schedule: "@daily", args: ["x"] }] }), /`cronJobs` are available on Kubernetes only: Docker has no scheduler/);
  });
});

describe("the migration on Docker", () => {
  const migrationContainer = () => one("docker:index/container:Container", "site-migration");

  it("runs to completion first, with the service's image, user, limits and hardening and the migration's command", () => {
    const task = migrationContainer().inputs;
    const service = one("docker:index/container:Container", "site-container").inputs;
    assert.deepEqual([task.attach, task.mustRun, task.restart, task.logs], [true, false, "no", undefined]);
    assert.deepEqual([task.entrypoints, task.command], [["./migrate"], ["up"]]);
    for (const key of ["image", "user", "readOnly", "tmpfs", "securityOpts", "capabilities", "memory", "memoryReservation", "cpus"]) assert.deepEqual(task[key], service[key], key);
    assert.deepEqual(migrationContainer().redactedInputs.envs, ["[secret]"], "its secret env stays secret");
    assert.match(task.name, /^platform-test-site-migrate-[0-9a-f]{8}$/);
  });

  it("takes no network alias and no app-service label, so neither traffic nor Prometheus finds it", () => {
    const task = migrationContainer().inputs;
    assert.deepEqual(task.networksAdvanced, [{ name: "platform-test" }]);
    const labels = Object.fromEntries(task.labels.map((l: { label: string; value: string }) => [l.label, l.value]));
    assert.equal(labels[COMPONENT_LABEL], "migration");
    assert.equal(labels["prometheus.io/port"], undefined);
  });

  it("gates the service's container, which depends on it and is labelled with it once it exited with 0", () => {
    const service = one("docker:index/container:Container", "site-container");
    assert.ok(service.dependencies.includes(migrationContainer().urn));
    const label = service.inputs.labels.find((l: { label: string }) => l.label === MIGRATION_LABEL);
    assert.equal(label?.value, migrationContainer().inputs.name);
  });

  const exits: [number | undefined, RegExp | undefined][] = [
    [0, undefined],
    [1, /ended with exit code 1, so the service's container was not started\. Read its output with `docker logs m`/],
    [137, /ended with exit code 137/],
    [undefined, /ended without an exit code/],
  ];
  for (const [code, expected] of exits) {
    it(`${expected ? "stops" : "lets"} \`pulumi up\` ${expected ? "stop" : "go on"} when the migration exits with ${code}`, async () => {
      const problem = migrationExitProblem("site", "m", code);
      if (expected) assert.match(problem ?? "", expected);
      else assert.equal(problem, undefined);
      // The output the service's container takes as a label: the mocks always exit with 0, so the
      // gate itself is driven here with each exit code. (`promise()`, `isKnown` and `isSecret` are
      // the SDK's own promises behind an output; they are not in the .d.ts.)
      const gate = migrationGate("site", "m", code) as unknown as { promise(): Promise<string>; isKnown: Promise<boolean>; isSecret: Promise<boolean> };
      const settled = Promise.allSettled([gate.isKnown, gate.isSecret]);
      if (expected) await assert.rejects(gate.promise(), (error: Error) => error instanceof pulumi.ResourceError && expected.test(error.message));
      else assert.equal(await gate.promise(), "m");
      await settled;
    });
  }
});

describe("migration and CronJob arguments", () => {
  const cases: [string, Parameters<typeof validateAppService>[0], string[]][] = [
    ["a migration without a command or args", { image, port: 80, migration: {} }, ["migration"]],
    ["a negative backoffLimit and a zero deadline", { image, port: 80, migration: { args: ["up"], backoffLimit: -1, activeDeadlineSeconds: 0 } }, ["migration.activeDeadlineSeconds", "migration.backoffLimit"]],
    ["a CronJob with a bad name, an unknown zone and a bad policy", { image, port: 80, cronJobs: [{ name: "Nightly", schedule: "@daily", args: ["x"], timeZone: "Mars/Olympus", concurrencyPolicy: "Sometimes" as never }] }, ["cronJobs.0.name", "cronJobs.0.timeZone", "cronJobs.0.concurrencyPolicy"]],
    ["two CronJobs of one name", { image, port: 80, cronJobs: [{ name: "n", schedule: "@daily", args: ["x"] }, { name: "n", schedule: "@hourly", args: ["y"] }] }, ["cronJobs.1.name"]],
    ["a valid migration and CronJob", { image, port: 80, migration: { args: ["up"] }, cronJobs: [{ name: "n", schedule: "@daily", command: ["x"], timeZone: "America/New_York" }] }, []],
  ];
  for (const [what, args, paths] of cases) {
    it(`${paths.length > 0 ? "refuses" : "accepts"} ${what}`, () => {
      assert.deepEqual(validateAppService(args).map((p) => p.path.join(".")), paths);
    });
  }

  it("refuses names Kubernetes would: a migration Job over 63 characters, a CronJob over 52", () => {
    assert.deepEqual(jobNameProblems("a".repeat(46), { migration }), []);
    assert.deepEqual(jobNameProblems("a".repeat(47), { migration }).map((p) => p.path.join(".")), ["name"]);
    assert.deepEqual(jobNameProblems("a".repeat(47), {}), [], "no migration, no Job name");
    assert.deepEqual(jobNameProblems("svc", { cronJobs: [{ name: "a".repeat(48), schedule: "@daily" }] }), []);
    assert.deepEqual(jobNameProblems("svc", { cronJobs: [{ name: "a".repeat(49), schedule: "@daily" }] }).map((p) => p.path.join(".")), ["cronJobs.0.name"]);
  });
});

describe("a CronJob's schedule in stack config", () => {
  const cases: [string, RegExp | undefined][] = [
    ["30 3 * * *", undefined],
    ["*/15 * * * MON-FRI", undefined],
    ["@daily", undefined],
    ["0 30 3 * * *", /^must be five cron fields .* \(got 6 fields/],
    ["@every 1h", /is not a macro Kubernetes documents/],
    ["CRON_TZ=Europe/Berlin 30 3 * * *", /set `timeZone` instead/],
    ["30 3 L * *", /uses "L" .*robfig\/cron v3/],
    ["30 3 * * 7", /has day-of-week 7/],
    ["61 3 * * *", /is not a valid cron expression \(.*minute/],
  ];
  for (const [schedule, expected] of cases) {
    it(`${expected ? "refuses" : "accepts"} "${schedule}"`, () => {
      const problem = kubernetesCronProblem(schedule);
      if (expected) assert.match(problem ?? "", expected);
      else assert.equal(problem, undefined);
    });
  }
});
