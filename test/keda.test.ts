/**
 * KEDA: the add-on (chart values against the pinned chart, prod replicas and disruption budgets,
 * the ports the API server calls), and services' autoscaling under Pulumi's mock runtime: an HPA
 * on CPU and memory, and with triggers a ScaledObject (and for RabbitMQ a TriggerAuthentication)
 * that adopts that HPA (one HPA per Deployment, which Pulumi never deletes), each custom resource checked against KEDA 2.20.2's CRDs; then the
 * validation of triggers, scale to zero and sources, and the stack config's cross-key checks.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { captureProgram, type CapturedProgram, type CapturedResource } from "../plan/capture";
import {
  AppService,
  autoscalingProblems,
  resolveAppService,
  TRANSFER_HPA_OWNERSHIP,
  triggerSourceProblems,
  validateAppService,
  type AppServiceArgs,
  type TriggerSources,
} from "../components/app-service";
import { addonProvision, Keda, kedaChart, KEDA_PORTS, kedaValues } from "../components/addons";
import { GKE_CONTROL_PLANE_PORTS, WEBHOOK_SERVERS, webhookPortsBeyondGke } from "../components/contract";
import type { KubernetesPlatform } from "../components/contract/platform";
import { createPlatform } from "../components/platform";
import { capacityReport } from "../policies/rules/capacity";
import { parseConfig } from "../stacks/config";
import { crdSchemaErrors, crdSkipReason } from "./support/crd-schema";
import { chartsSkipReason, checkRelease } from "./support/helm-charts";
import { runPlan, STACK_VARIANTS } from "./support/stack-variants";

const image = "ghcr.io/stefanprodan/podinfo:6.9.2";
const HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";
const SCALED_OBJECT = "kubernetes:keda.sh/v1alpha1:ScaledObject";
const TRIGGER_AUTH = "kubernetes:keda.sh/v1alpha1:TriggerAuthentication";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
const RELEASE = "kubernetes:helm.sh/v3:Release";

/** The broker's Secrets, as the program hands them to a service. */
const secretEnv = { AMQP_URL: { secretName: "queue-connection", key: "AMQP_URL" }, AMQP_CA_CERT: { secretName: "queue-ca", key: "ca.crt" } };
const sources: TriggerSources = {
  rabbitmq: { hostEnv: "AMQP_URL", caEnv: "AMQP_CA_CERT", tls: true },
  natsJetStream: { monitoringEndpoint: "queue-headless.data.svc.cluster.local:8222", account: "$G" },
  prometheus: { serverAddress: "http://kube-prometheus-stack-prometheus.monitoring.svc.cluster.local:9090" },
};

let program: CapturedProgram;
/** The resource options of every HPA and ScaledObject, by logical name (the mocks do not record them). */
const options = new Map<string, { ignoreChanges?: string[]; dependsOn: string[] }>();
const of = (parent: string, type: string): CapturedResource[] => {
  const component = program.resources.find((r) => r.name === parent && r.type.startsWith("platform:index:"))!;
  return program.resources.filter((r) => r.parent === component.urn && r.type === type);
};

/** The services of the capture: the args beyond platform and image, on the prod k3s cluster unless `platform` says. */
const SERVICES: Record<string, { args: Partial<AppServiceArgs>; platform?: "dev" | "docker" }> = {
  "api-cpu": { args: { autoscaling: { maxReplicas: 6 } } },
  "api-memory": { args: { autoscaling: { targetMemoryUtilizationPercentage: 80 } } },
  "api-off": { args: { autoscaling: { enabled: false, targetMemoryUtilizationPercentage: 80 } } },
  "worker-rabbitmq": { args: { secretEnv, autoscaling: { maxReplicas: 10, triggers: [{ type: "rabbitmq", queueName: "orders", value: 50 }] } } },
  "worker-amqp": { args: { secretEnv, triggerSources: { rabbitmq: { hostEnv: "AMQP_URL", tls: false } }, autoscaling: { triggers: [{ type: "rabbitmq", queueName: "orders" }] } } },
  "worker-nats": { platform: "dev", args: { replicas: 1, autoscaling: { minReplicas: 0, maxReplicas: 5, triggers: [{ type: "nats-jetstream", stream: "orders", consumer: "worker-nats", activationLagThreshold: 1 }] } } },
  "api-prometheus": { args: { autoscaling: { targetMemoryUtilizationPercentage: 75, triggers: [{ type: "prometheus", query: "sum(rate(http_requests_total[2m]))", threshold: 100 }] } } },
  "worker-docker": { platform: "docker", args: { autoscaling: { triggers: [{ type: "rabbitmq", queueName: "orders" }] } } },
};

before(async () => {
  program = await captureProgram(
    () => {
      pulumi.runtime.registerStackTransformation((r) => {
        if (r.type === HPA || r.type === SCALED_OBJECT) {
          const dependsOn = ([] as unknown[]).concat(r.opts.dependsOn ?? []) as pulumi.Resource[];
          options.set(r.name, { ignoreChanges: r.opts.ignoreChanges, dependsOn: dependsOn.map((d) => (d as unknown as { __name?: string }).__name ?? "") });
        }
        return undefined;
      });
      const prod = createPlatform("cluster", { target: "k3s", k3s: { environment: "prod", kubeconfig: pulumi.secret("kubeconfig") } }) as KubernetesPlatform;
      const dev = createPlatform("devcluster", { target: "k3s", k3s: { environment: "dev", kubeconfig: pulumi.secret("kubeconfig") } }) as KubernetesPlatform;
      const docker = createPlatform("local", { target: "docker", docker: { environment: "dev" } });
      const kedaProd = new Keda("keda-prod", { platform: prod });
      const kedaDev = new Keda("keda-dev", { platform: dev });
      for (const [name, { args, platform }] of Object.entries(SERVICES)) {
        const on = platform === "dev" ? dev : platform === "docker" ? docker : prod;
        const keda = platform === "dev" ? [kedaDev.release] : platform === "docker" ? [] : [kedaProd.release];
        new AppService(name, { platform: on, image, port: 9898, namespace: "apps", triggerSources: sources, dependsOn: keda, ...args });
      }
    },
    { project: "platform", stack: "test" },
  );
});

describe("the KEDA add-on", () => {
  it("pins chart 2.20.2 (KEDA 2.20.2) in `keda`, and sets only keys the pinned chart declares", { skip: chartsSkipReason() }, () => {
    for (const name of ["keda-prod", "keda-dev"]) {
      const release = of(name, RELEASE)[0].inputs;
      assert.deepEqual([release.chart, release.version, release.namespace, release.repositoryOpts.repo], ["keda", "2.20.2", "keda", "https://kedacore.github.io/charts"]);
      const check = checkRelease("keda", release.version, release.values);
      assert.ok(check.chart, "the pinned chart is in ../shared/charts");
      assert.deepEqual(check.problems, [], name);
    }
  });

  it("catches a values key the chart does not declare (the check above can fail)", { skip: chartsSkipReason() }, () => {
    const check = checkRelease("keda", kedaChart.version, { ...kedaValues("prod"), operator: { replicas: 2 } });
    assert.ok(check.problems.some((p) => p.startsWith(".operator.replicas: not declared")), check.problems.join("\n"));
  });

  const table = [
    { environment: "prod" as const, replicas: 2, pdb: { minAvailable: 1 }, spread: 1 },
    { environment: "dev" as const, replicas: 1, pdb: {}, spread: 0 },
  ];
  for (const row of table) {
    it(`runs ${row.replicas} replica(s) of each Deployment in ${row.environment}, with ${row.spread ? "a PodDisruptionBudget and spread over nodes" : "no PodDisruptionBudget"}`, () => {
      const values = of(row.environment === "prod" ? "keda-prod" : "keda-dev", RELEASE)[0].inputs.values;
      for (const deployment of ["operator", "metricsServer", "webhooks"]) {
        assert.equal(values[deployment].replicaCount, row.replicas, deployment);
        assert.equal(values.topologySpreadConstraints[deployment].length, row.spread, deployment);
      }
      assert.deepEqual(values.podDisruptionBudget, { operator: row.pdb, metricServer: row.pdb, webhooks: row.pdb });
      assert.equal(values.crds.install, true, "the chart installs the CRDs the ScaledObjects need");
    });
  }

  it("counts its pods against the node pools: each component's requests times its replicaCount", () => {
    const release = of("keda-prod", RELEASE)[0];
    const report = capacityReport([{ type: release.type, name: release.name, props: release.inputs }]);
    assert.deepEqual(
      report.lines.map((l) => [l.what, l.cpuMillis]).sort(),
      [
        ["keda-prod-release resources.metricServer × 2", 200],
        ["keda-prod-release resources.operator × 2", 200],
        ["keda-prod-release resources.webhooks × 2", 100],
      ],
    );
  });

  it("is installed by the platform on every Kubernetes target", () => {
    for (const flavour of ["eks", "gke", "k3s"] as const) assert.equal(addonProvision("keda", flavour).kind, "install", flavour);
  });

  it("declares the pod ports the API server calls, which the default GKE firewall rule opens beyond GKE's own", () => {
    const keda = WEBHOOK_SERVERS.find((s) => s.chart === "keda");
    assert.deepEqual(keda?.ports, [KEDA_PORTS.metricsApiServer, KEDA_PORTS.webhooks]);
    assert.deepEqual([KEDA_PORTS.metricsApiServer, KEDA_PORTS.webhooks], [6443, 9443]);
    for (const port of keda!.ports) {
      assert.ok(!GKE_CONTROL_PLANE_PORTS.includes(port), `${port} is not in GKE's own rule`);
      assert.ok(webhookPortsBeyondGke().includes(port), `${port} is in the default gke.webhookPorts`);
    }
  });
});

describe("a service's autoscaler", () => {
  /** Per service: [HPA metrics, ScaledObject trigger types, TriggerAuthentications, ConfigMaps]. */
  const expected: Record<string, [string[] | undefined, string[] | undefined, number, number]> = {
    "api-cpu": [["cpu"], undefined, 0, 0],
    "api-memory": [["cpu", "memory"], undefined, 0, 0],
    "api-off": [undefined, undefined, 0, 0],
    "worker-rabbitmq": [["cpu"], ["cpu", "rabbitmq"], 1, 1],
    "worker-amqp": [["cpu"], ["cpu", "rabbitmq"], 1, 0],
    "worker-nats": [["cpu"], ["cpu", "nats-jetstream"], 0, 0],
    "api-prometheus": [["cpu", "memory"], ["cpu", "memory", "prometheus"], 0, 0],
    "worker-docker": [undefined, undefined, 0, 0],
  };
  for (const [name, [metrics, triggers, auths, configMaps]] of Object.entries(expected)) {
    it(`${name}: ${metrics ? `an HPA on ${metrics.join(" and ")}` : "no HPA"}${triggers ? ` adopted by a ScaledObject (${triggers.join(", ")})` : ""}`, () => {
      const hpas = of(name, HPA);
      const scaled = of(name, SCALED_OBJECT);
      assert.ok(hpas.length <= 1 && scaled.length <= hpas.length, "one HPA per Deployment, and a ScaledObject only beside the HPA it adopts");
      if (scaled.length > 0) assert.equal(scaled[0].inputs.spec.advanced.horizontalPodAutoscalerConfig.name, hpas[0].inputs.metadata.name, "the ScaledObject names the HPA it adopts");
      assert.deepEqual(hpas.map((h) => h.inputs.spec.metrics.map((m: any) => m.resource.name))[0], metrics);
      assert.deepEqual(scaled.map((s) => s.inputs.spec.triggers.map((t: any) => t.type))[0], triggers);
      assert.equal(of(name, TRIGGER_AUTH).length, auths);
      assert.equal(of(name, CONFIG_MAP).length, configMaps);
    });
  }

  it("with triggers Pulumi keeps the HPA and leaves its spec to KEDA; the ScaledObject waits for it; without, Pulumi owns it all", () => {
    for (const name of ["worker-rabbitmq", "worker-nats", "api-prometheus"]) {
      assert.deepEqual(options.get(`${name}-hpa`)?.ignoreChanges, ["spec", "metadata.labels", "metadata.annotations"], name);
      assert.ok(options.get(`${name}-scaledobject`)?.dependsOn.includes(`${name}-hpa`), `${name}: the ScaledObject waits for the HPA it adopts`);
    }
    for (const name of ["api-cpu", "api-memory"]) assert.equal(options.get(`${name}-hpa`)?.ignoreChanges, undefined, name);
  });

  it("a worker that scales to zero starts from an HPA of at least 1 (an HPA's minReplicas cannot be 0); KEDA's minReplicaCount is 0", () => {
    assert.equal(of("worker-nats", HPA)[0].inputs.spec.minReplicas, 1);
    assert.equal(of("worker-nats", SCALED_OBJECT)[0].inputs.spec.minReplicaCount, 0);
  });

  it("the HPA's memory target is a Utilization of the request, beside CPU's", () => {
    const [hpa] = of("api-memory", HPA);
    assert.deepEqual(hpa.inputs.spec.metrics[1], { type: "Resource", resource: { name: "memory", target: { type: "Utilization", averageUtilization: 80 } } });
  });

  it("a RabbitMQ ScaledObject: KEDA's metadata as strings, the bounds, and the adoption of the service's HPA", () => {
    const [scaled] = of("worker-rabbitmq", SCALED_OBJECT);
    assert.equal(scaled.inputs.metadata.name, "worker-rabbitmq");
    assert.equal(scaled.inputs.metadata.annotations[TRANSFER_HPA_OWNERSHIP], "true");
    const spec = scaled.inputs.spec;
    assert.deepEqual([spec.minReplicaCount, spec.maxReplicaCount], [2, 10]);
    assert.deepEqual(spec.scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: "worker-rabbitmq" });
    // The HPA KEDA owns carries the name the project's HPA had: a deployed one is adopted, not refused.
    assert.equal(spec.advanced.horizontalPodAutoscalerConfig.name, "worker-rabbitmq");
    assert.deepEqual(spec.triggers[1], {
      type: "rabbitmq",
      metadata: { queueName: "orders", mode: "QueueLength", value: "50", protocol: "amqp" },
      authenticationRef: { name: "worker-rabbitmq-rabbitmq" },
    });
    assert.deepEqual(spec.triggers[0], { type: "cpu", metricType: "Utilization", metadata: { value: "70" } });
  });

  it("its TriggerAuthentication reads the service's own Secrets (URL and CA) and enables TLS from a ConfigMap, never a literal", () => {
    const [auth] = of("worker-rabbitmq", TRIGGER_AUTH);
    assert.deepEqual(auth.inputs.spec, {
      secretTargetRef: [
        { parameter: "host", name: "queue-connection", key: "AMQP_URL" },
        { parameter: "ca", name: "queue-ca", key: "ca.crt" },
      ],
      configMapTargetRef: [{ parameter: "tls", name: "worker-rabbitmq-rabbitmq", key: "tls" }],
    });
    const [configMap] = of("worker-rabbitmq", CONFIG_MAP);
    assert.deepEqual([configMap.inputs.metadata.name, configMap.inputs.data], ["worker-rabbitmq-rabbitmq", { tls: "enable" }]);
    // Without TLS (amqp://) neither the CA nor `tls` is read.
    assert.deepEqual(of("worker-amqp", TRIGGER_AUTH)[0].inputs.spec, { secretTargetRef: [{ parameter: "host", name: "queue-connection", key: "AMQP_URL" }] });
  });

  it("a NATS worker scales to zero on its consumer's lag, read from the servers' monitoring endpoint", () => {
    const [scaled] = of("worker-nats", SCALED_OBJECT);
    assert.deepEqual([scaled.inputs.spec.minReplicaCount, scaled.inputs.spec.maxReplicaCount], [0, 5]);
    assert.deepEqual(scaled.inputs.spec.triggers[1].metadata, {
      natsServerMonitoringEndpoint: "queue-headless.data.svc.cluster.local:8222",
      account: "$G",
      stream: "orders",
      consumer: "worker-nats",
      lagThreshold: "10",
      activationLagThreshold: "1",
    });
    // No pod at zero: no disruption budget either.
    assert.equal(of("worker-nats", "kubernetes:policy/v1:PodDisruptionBudget").length, 0);
  });

  it("a Prometheus trigger queries the platform's Prometheus; the memory target becomes a memory trigger", () => {
    const [scaled] = of("api-prometheus", SCALED_OBJECT);
    assert.deepEqual(scaled.inputs.spec.triggers.slice(1), [
      { type: "memory", metricType: "Utilization", metadata: { value: "75" } },
      { type: "prometheus", metadata: { serverAddress: sources.prometheus!.serverAddress, query: "sum(rate(http_requests_total[2m]))", threshold: "100" } },
    ]);
  });

  it("the Deployment leaves its replica count to the autoscaler whichever it is, and keeps it without one", () => {
    const replicas = (name: string) => of(name, "kubernetes:apps/v1:Deployment")[0].inputs.spec.replicas;
    assert.deepEqual(["api-cpu", "worker-rabbitmq", "worker-nats", "api-off"].map(replicas), [undefined, undefined, undefined, 2]);
  });

  it("every ScaledObject and TriggerAuthentication validates against KEDA 2.20.2's CRDs", { skip: crdSkipReason() }, () => {
    const objects = program.resources.filter((r) => r.type === SCALED_OBJECT || r.type === TRIGGER_AUTH);
    assert.equal(objects.length, 6, "4 ScaledObjects and 2 TriggerAuthentications");
    for (const r of objects) assert.deepEqual(crdSchemaErrors({ apiVersion: r.inputs.apiVersion, kind: r.inputs.kind, ...r.inputs }), [], r.name);
    // The check can fail: a trigger without its required `metadata`, and a misspelled field.
    const [scaled] = of("worker-rabbitmq", SCALED_OBJECT);
    const inputs = scaled.inputs as Record<string, any>;
    const broken = { ...inputs, apiVersion: inputs.apiVersion as string, kind: inputs.kind as string, spec: { ...inputs.spec, triggers: [{ type: "rabbitmq" }], minReplicas: 1 } };
    assert.notDeepEqual(crdSchemaErrors(broken), []);
  });

  it("Docker has no autoscaler: one container, no KEDA objects", () => {
    assert.equal(of("worker-docker", "docker:index/container:Container").length, 1);
    assert.deepEqual([of("worker-docker", SCALED_OBJECT).length, of("worker-docker", HPA).length], [0, 0]);
  });
});

describe("validating autoscaling", () => {
  const cases: { name: string; autoscaling: NonNullable<AppServiceArgs["autoscaling"]>; replicas?: number; expect: string[] }[] = [
    { name: "an HPA on CPU and memory", autoscaling: { targetMemoryUtilizationPercentage: 80 }, expect: [] },
    { name: "a memory target over 100 %", autoscaling: { targetMemoryUtilizationPercentage: 120 }, expect: ["autoscaling.targetMemoryUtilizationPercentage"] },
    { name: "scale to zero without a trigger", autoscaling: { minReplicas: 0 }, expect: ["autoscaling.minReplicas"] },
    { name: "scale to zero with a queue trigger", autoscaling: { minReplicas: 0, triggers: [{ type: "rabbitmq", queueName: "orders" }] }, expect: [] },
    { name: "scale to zero with triggers but autoscaling off", autoscaling: { enabled: false, minReplicas: 0, triggers: [{ type: "rabbitmq", queueName: "orders" }] }, expect: ["autoscaling.minReplicas"] },
    { name: "a queue value of 0", autoscaling: { triggers: [{ type: "rabbitmq", queueName: "orders", value: 0 }] }, expect: ["autoscaling.triggers.0.value"] },
    { name: "a NATS trigger without a consumer", autoscaling: { triggers: [{ type: "nats-jetstream", stream: "orders", consumer: "" }] }, expect: ["autoscaling.triggers.0.consumer"] },
    { name: "a fractional lag threshold", autoscaling: { triggers: [{ type: "nats-jetstream", stream: "orders", consumer: "w", lagThreshold: 2.5 }] }, expect: ["autoscaling.triggers.0.lagThreshold"] },
    { name: "an empty Prometheus query and a negative activation", autoscaling: { triggers: [{ type: "prometheus", query: " ", threshold: 5, activationThreshold: -1 }] }, expect: ["autoscaling.triggers.0.query", "autoscaling.triggers.0.activationThreshold"] },
    { name: "an unknown trigger type", autoscaling: { triggers: [{ type: "kafka" } as never] }, expect: ["autoscaling.triggers.0.type"] },
    { name: "minReplicas above maxReplicas", autoscaling: { minReplicas: 4, maxReplicas: 3 }, expect: ["autoscaling.minReplicas"] },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.expect.length === 0 ? "accepted" : `refused at ${c.expect.join(", ")}`}`, () => {
      const problems = validateAppService({ image, port: 9898, autoscaling: c.autoscaling });
      assert.deepEqual(problems.map((p) => p.path.join(".")), c.expect, JSON.stringify(problems));
    });
  }

  it("scale to zero defaults maxReplicas from `replicas`, not from 0", () => {
    assert.equal(resolveAppService({ image, port: 9898, replicas: 2, autoscaling: { minReplicas: 0, triggers: [{ type: "rabbitmq", queueName: "q" }] } }).autoscaling.maxReplicas, 6);
    assert.deepEqual(autoscalingProblems(resolveAppService({ image, port: 9898, autoscaling: { minReplicas: 0, triggers: [{ type: "rabbitmq", queueName: "q" }] } }).autoscaling), []);
  });

  const sourceCases: { name: string; trigger: NonNullable<NonNullable<AppServiceArgs["autoscaling"]>["triggers"]>[number]; sources: TriggerSources; env: Record<string, unknown>; expect: RegExp | undefined }[] = [
    { name: "RabbitMQ with the service's URL and CA", trigger: { type: "rabbitmq", queueName: "q" }, sources, env: secretEnv, expect: undefined },
    { name: "RabbitMQ without a broker", trigger: { type: "rabbitmq", queueName: "q" }, sources: {}, env: secretEnv, expect: /no RabbitMQ broker/ },
    { name: "RabbitMQ on a service without the broker's Secrets", trigger: { type: "rabbitmq", queueName: "q" }, sources, env: {}, expect: /`secretEnv` AMQP_URL and AMQP_CA_CERT, which it does not have/ },
    { name: "NATS without a NATS broker", trigger: { type: "nats-jetstream", stream: "s", consumer: "c" }, sources: { rabbitmq: sources.rabbitmq }, env: {}, expect: /no NATS broker/ },
    { name: "Prometheus without Prometheus", trigger: { type: "prometheus", query: "up", threshold: 1 }, sources: {}, env: {}, expect: /no Prometheus/ },
  ];
  for (const c of sourceCases) {
    it(`a trigger's source: ${c.name}`, () => {
      const { autoscaling } = resolveAppService({ image, port: 9898, autoscaling: { triggers: [c.trigger] } });
      const problems = triggerSourceProblems(autoscaling, c.sources, c.env);
      if (!c.expect) assert.deepEqual(problems, []);
      else {
        assert.equal(problems.length, 1);
        assert.deepEqual(problems[0].path, ["autoscaling", "triggers", 0, "type"]);
        assert.match(problems[0].message, c.expect);
      }
    });
  }
});

describe("the stack config's autoscaling checks", () => {
  const worker = (autoscaling: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ name: "worker", image, port: 9898, worker: true, uses: { queues: ["orders"] }, autoscaling, ...extra });
  const k3s = (environment: "dev" | "prod", services: unknown[], extra: Record<string, unknown> = {}) => ({
    target: "k3s",
    environment,
    kubeconfig: "kubeconfig",
    k3s: { disable: ["traefik", "gateway-api-crd"] },
    gateway: { enabled: false },
    observability: { enabled: false },
    postgres: { enabled: false },
    redis: { enabled: false },
    dr: { clusterBackups: { enabled: false } },
    messageQueue: { queues: [{ name: "orders" }] },
    services,
    ...extra,
  });
  const cases: { name: string; config: Record<string, unknown>; key?: string; message?: RegExp }[] = [
    { name: "a worker scaling to zero on its queue in dev", config: k3s("dev", [worker({ minReplicas: 0, triggers: [{ type: "rabbitmq", queueName: "orders" }] })]) },
    { name: "a queue trigger on a queue nothing declares", config: k3s("dev", [worker({ triggers: [{ type: "rabbitmq", queueName: "payments" }] })]), key: "platform:services[0].autoscaling.triggers[0].queueName", message: /^"payments" is not a queue of `messageQueue\.queues` \("orders"\) nor of this service's `uses\.queues` \("orders"\); fix the name: `pulumi config set --path 'platform:services\[0\]\.autoscaling\.triggers\[0\]\.queueName' orders`$/ },
    { name: "scale to zero in prod", config: k3s("prod", [worker({ minReplicas: 0, triggers: [{ type: "rabbitmq", queueName: "orders" }] })]), key: "platform:services[0].autoscaling.minReplicas", message: /^is 0 in prod, which keeps at least its minimum.*`pulumi config set --path 'platform:services\[0\]\.autoscaling\.minReplicas' 1`$/ },
    { name: "scale to zero for a service that is not a worker", config: k3s("dev", [worker({ minReplicas: 0, triggers: [{ type: "rabbitmq", queueName: "orders" }] }, { worker: false })]), key: "platform:services[0].autoscaling.minReplicas", message: /^is 0, which only a worker/ },
    { name: "a RabbitMQ trigger on a NATS stack", config: k3s("dev", [worker({ triggers: [{ type: "rabbitmq", queueName: "orders" }] })], { messageQueue: { broker: "nats" } }), key: "platform:services[0].autoscaling.triggers[0].type", message: /^is rabbitmq, but the stack's broker is `nats`; use the nats-jetstream trigger/ },
    { name: "a NATS trigger on the stack's RabbitMQ", config: k3s("dev", [worker({ triggers: [{ type: "nats-jetstream", stream: "orders", consumer: "worker" }] })]), key: "platform:services[0].autoscaling.triggers[0].type", message: /^is nats-jetstream, but the stack's broker is `rabbitmq`/ },
    { name: "a NATS stream the service does not use", config: k3s("dev", [worker({ triggers: [{ type: "nats-jetstream", stream: "audit", consumer: "worker" }] })], { messageQueue: { broker: "nats" } }), key: "platform:services[0].autoscaling.triggers[0].stream", message: /^"audit" is not a queue of this service's `uses\.queues`/ },
    { name: "a Prometheus trigger without observability", config: k3s("dev", [worker({ triggers: [{ type: "prometheus", query: "up", threshold: 1 }] })]), key: "platform:services[0].autoscaling.triggers[0].type", message: /^is prometheus, but `observability\.enabled` is false/ },
    { name: "triggers with autoscaling off", config: k3s("dev", [worker({ enabled: false, triggers: [{ type: "rabbitmq", queueName: "orders" }] })]), key: "platform:services[0].autoscaling.enabled", message: /^is false while `autoscaling\.triggers` are set/ },
    { name: "a trigger key KEDA does not have", config: k3s("dev", [worker({ triggers: [{ type: "rabbitmq", queue: "orders" }] })]), key: "platform:services[0].autoscaling.triggers[0]" },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.key ? `refused at ${c.key}` : "accepted"}`, () => {
      const result = parseConfig(c.config, ["kubeconfig"]);
      const issues = result.ok ? [] : result.issues;
      if (!c.key) return assert.deepEqual(issues, []);
      const found = issues.filter((i) => i.key.startsWith(c.key!));
      assert.ok(found.length > 0, `no issue at ${c.key}: ${JSON.stringify(issues)}`);
      if (c.message) assert.match(found[0].message, c.message);
    });
  }
});

describe("the shipped stacks", () => {
  const built = fs.existsSync(path.resolve(__dirname, "..", "dist", "plan", "cli.js"));
  it("prod (EKS, GKE) and onprem scale orders-worker with a ScaledObject on `orders` (and podinfo keeps its HPA); dev runs no KEDA", { skip: built ? false : "SKIPPED: dist/plan/cli.js is not built (npm run build)" }, async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "keda-plans-"));
    const ids = ["prod", "prod-gke", "onprem", "dev"] as const;
    const runs = await Promise.all(ids.map((id) => runPlan(tmp, id, STACK_VARIANTS[id])));
    ids.forEach((id, i) => {
      const { code, stderr, plan } = runs[i];
      assert.equal(code, 0, `${id}: ${stderr}`);
      assert.deepEqual(plan!.violations, [], `${id}: no policy violations`);
      const named = (type: string, name: string) => plan!.resources.filter((r) => r.type === type && r.name === name);
      const keda = plan!.resources.filter((r) => r.type === RELEASE && (r.inputs as any).chart === "keda");
      if (id === "dev") {
        assert.deepEqual([keda.length, plan!.resources.filter((r) => r.type === SCALED_OBJECT).length], [0, 0], "Docker: no KEDA");
        return;
      }
      assert.equal(keda.length, 1, `${id}: the KEDA add-on`);
      const [scaled] = named(SCALED_OBJECT, "orders-worker-scaledobject");
      const trigger = (scaled.inputs as any).spec.triggers.find((t: any) => t.type === "rabbitmq");
      assert.deepEqual([trigger.metadata.queueName, trigger.metadata.value], ["orders", "50"], id);
      assert.equal(named(HPA, "orders-worker-hpa").length, 1, `${id}: the HPA the ScaledObject adopts stays in the program (never deleted under KEDA)`);
      assert.equal(named(HPA, "podinfo-hpa").length, 1, `${id}: podinfo keeps its HPA`);
      // The in-cluster broker has TLS in prod: the scaler trusts its private CA.
      const auth = named(TRIGGER_AUTH, "orders-worker-rabbitmq-auth")[0].inputs as any;
      assert.deepEqual(auth.spec.secretTargetRef.map((r: any) => r.parameter), ["host", "ca"], id);
    });
  });
});
