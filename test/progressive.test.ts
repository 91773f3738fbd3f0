/**
 * Progressive delivery with Flagger, under Pulumi's mock runtime: one program builds an Istio mesh
 * on GKE (prod) with a progressive service `shop` beside a plain service `cart`, and a Linkerd mesh
 * on k3s with a progressive service `blog`, each with its AppServices and a Flagger add-on.
 *
 * What it proves: the Canary and MetricTemplates validate against Flagger's v1.44.0 CRDs; their
 * limits come from the alert table (change a threshold, the Canary changes); a Flagger-managed
 * service keeps its Service for Flagger to take over (selector and ports left to Flagger) and has
 * no mesh routing object (Flagger generates it), and its Deployment sets no `replicas`; policies select the pods Flagger's primary keeps; Flagger's values
 * are keys of the pinned chart; bad analyses are refused naming the field.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { captureProgram, type CapturedProgram, type CapturedResource } from "../plan/capture";
import { createPlatform, type KubernetesPlatform } from "../components/platform";
import { AppService, canaryObject, metricTemplates, resolveProgressive, validateAppService, type ProgressiveDeliveryArgs } from "../components/app-service";
import { flaggerServicePolicy, resolveMesh, ServiceMesh, type MeshServiceArgs } from "../components/mesh";
import { Flagger, flaggerChart, flaggerValues, FLAGGER_MESH_PROVIDERS } from "../components/addons/flagger";
import { progressiveSettings, type StackConfig } from "../stacks/compose";
import { crdSchemaErrors, crdSkipReason } from "./support/crd-schema";
import { chartsSkipReason, checkRelease } from "./support/helm-charts";
import { k8sObject } from "./support/captured";

const image = "ghcr.io/stefanprodan/podinfo:6.9.2";
const PROMETHEUS = "http://kube-prometheus-stack-prometheus.monitoring.svc.cluster.local:9090";
const selector = (name: string) => ({ "app.kubernetes.io/name": name, "app.kubernetes.io/instance": name });
const instance = (name: string) => ({ "app.kubernetes.io/instance": name, "app.kubernetes.io/component": "app-service" });
const thresholds = { httpErrorRatePercent: 1, latencyP99Seconds: 1 };

const crdSkip = crdSkipReason();
if (crdSkip) console.log(`\n*** ${crdSkip} ***\n`);
const chartSkip = chartsSkipReason();
if (chartSkip) console.log(`\n*** ${chartSkip} ***\n`);

let program: CapturedProgram;
const named = (type: string, name: string): CapturedResource[] => program.resources.filter((r) => r.type === type && r.name === name);
const one = (type: string, name: string): CapturedResource => {
  const found = named(type, name);
  assert.equal(found.length, 1, `expected one ${type} named ${name}`);
  return found[0];
};

const T = {
  service: "kubernetes:core/v1:Service",
  deployment: "kubernetes:apps/v1:Deployment",
  hpa: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
  pdb: "kubernetes:policy/v1:PodDisruptionBudget",
  networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  canary: "kubernetes:flagger.app/v1beta1:Canary",
  metricTemplate: "kubernetes:flagger.app/v1beta1:MetricTemplate",
  virtualService: "kubernetes:networking.istio.io/v1:VirtualService",
  destinationRule: "kubernetes:networking.istio.io/v1:DestinationRule",
  istioAuthz: "kubernetes:security.istio.io/v1:AuthorizationPolicy",
  linkerdServer: "kubernetes:policy.linkerd.io/v1beta3:Server",
  httpRoute: "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
  release: "kubernetes:helm.sh/v3:Release",
};

/** The AppService's progressive arguments as the program builds them, for one mesh's resolved service. */
function progressiveFor(provider: "istio" | "linkerd", services: MeshServiceArgs[], index: number): ProgressiveDeliveryArgs {
  const resolved = resolveMesh({ provider, services }, { environment: "prod" }).services[index];
  return { mesh: provider, thresholds, metricsServer: PROMETHEUS, service: flaggerServicePolicy(provider, resolved) };
}

before(async () => {
  program = await captureProgram(
    () => {
      const gke = createPlatform("gcp", { target: "gke", gke: { environment: "prod", project: "acme-prod", region: "europe-west1" } }) as KubernetesPlatform;
      const k3s = createPlatform("lab", { target: "k3s", k3s: { environment: "dev", kubeconfig: pulumi.secret("kubeconfig") } }) as KubernetesPlatform;
      const istioServices: MeshServiceArgs[] = [
        { name: "shop", namespace: "apps", port: 80, selector: instance("shop"), progressive: true },
        { name: "cart", namespace: "apps", port: 80, selector: selector("cart") },
      ];
      const linkerdServices: MeshServiceArgs[] = [{ name: "blog", namespace: "apps", port: 80, selector: instance("blog"), progressive: true }];
      new ServiceMesh("istio", { platform: gke, provider: "istio", services: istioServices });
      new ServiceMesh("linkerd", { platform: k3s, provider: "linkerd", services: linkerdServices });
      const istioFlagger = new Flagger("flagger-istio", { platform: gke, mesh: "istio", metricsServer: PROMETHEUS });
      const linkerdFlagger = new Flagger("flagger-linkerd", { platform: k3s, mesh: "linkerd", metricsServer: PROMETHEUS });
      const common = { image, port: 9898, namespace: "apps", replicas: 3 };
      new AppService("shop", { ...common, platform: gke, progressive: progressiveFor("istio", istioServices, 0), dependsOn: [istioFlagger.release] });
      new AppService("cart", { ...common, platform: gke, autoscaling: { enabled: false } });
      new AppService("blog", { ...common, platform: k3s, metrics: { port: 9797 }, progressive: progressiveFor("linkerd", linkerdServices, 0), dependsOn: [linkerdFlagger.release] });
    },
    { project: "platform", stack: "test" },
  );
});

describe("Flagger owns what it generates", () => {
  it("a progressive service keeps its Service, whose selector and ports Pulumi leaves to Flagger; a plain one ignores nothing", () => {
    for (const name of ["shop", "blog"]) {
      const service = one(T.service, `${name}-service`);
      assert.equal(service.inputs.metadata.name, name, `${name}: the apex Flagger takes over, so callers never lose it`);
      assert.deepEqual(service.ignoreChanges, ["spec.selector", "spec.ports"], `${name}: Flagger points the selector at the primary pods`);
      assert.ok(one(T.canary, `${name}-canary`).dependencies.includes(service.urn), `${name}: the Canary after the Service, so Flagger adopts it rather than creating its own`);
    }
    assert.deepEqual(one(T.service, "cart-service").ignoreChanges, [], "the control: Pulumi owns a plain service's Service");
  });

  it("the mesh writes no routing object for a progressive service, and keeps its authorization", () => {
    assert.equal(named(T.virtualService, "istio-shop-virtual-service").length, 0);
    assert.equal(named(T.destinationRule, "istio-shop-destination-rule").length, 0);
    assert.equal(named(T.virtualService, "istio-cart-virtual-service").length, 1, "the control: a plain service keeps its VirtualService");
    assert.equal(named(T.httpRoute, "linkerd-apps-blog-route").length, 0, "Flagger's Gateway API router writes the HTTPRoute");
    assert.deepEqual(one(T.istioAuthz, "istio-shop-authorization-policy").inputs.spec.selector.matchLabels, instance("shop"));
    assert.deepEqual(one(T.linkerdServer, "linkerd-apps-blog-server").inputs.spec.podSelector.matchLabels, instance("blog"));
  });

  it("the Deployment Flagger targets sets no replicas; a fixed-size plain one does", () => {
    for (const name of ["shop", "blog"]) assert.equal(one(T.deployment, `${name}-deployment`).inputs.spec.replicas, undefined, `${name}: Flagger scales it to zero after promotion`);
    assert.equal(one(T.deployment, "cart-deployment").inputs.spec.replicas, 3);
  });

  it("the NetworkPolicy and PodDisruptionBudget select the label Flagger's primary pods keep", () => {
    for (const name of ["shop", "blog"]) {
      assert.deepEqual(one(T.networkPolicy, `${name}-network-policy`).inputs.spec.podSelector.matchLabels, instance(name));
      assert.deepEqual(one(T.pdb, `${name}-pdb`).inputs.spec.selector.matchLabels, instance(name));
    }
    assert.deepEqual(one(T.networkPolicy, "cart-network-policy").inputs.spec.podSelector.matchLabels, selector("cart"));
  });

  it("the Canary waits for Flagger's CRDs, the Deployment and the HPA it targets", () => {
    for (const [name, flagger] of [["shop", "flagger-istio-release"], ["blog", "flagger-linkerd-release"]] as const) {
      const canary = one(T.canary, `${name}-canary`);
      for (const dep of [one(T.release, flagger), one(T.deployment, `${name}-deployment`), one(T.hpa, `${name}-hpa`)]) assert.ok(canary.dependencies.includes(dep.urn), `${name} after ${dep.name}`);
      assert.deepEqual(canary.inputs.spec.targetRef, { apiVersion: "apps/v1", kind: "Deployment", name });
      assert.equal(canary.inputs.spec.revertOnDeletion, true, `${name}: removing progressive delivery must not leave the Deployment at zero`);
      assert.deepEqual(canary.inputs.spec.autoscalerRef, { apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", name });
    }
  });

  it("Istio: built-in mesh metrics and the mesh's policy in the generated VirtualService and DestinationRule", () => {
    const spec = one(T.canary, "shop-canary").inputs.spec;
    assert.deepEqual(spec.analysis.metrics.map((m: { name: string }) => m.name), ["request-success-rate", "request-duration"]);
    assert.equal(spec.service.timeout, "10s");
    assert.deepEqual(spec.service.retries, { attempts: 2, perTryTimeout: "2s", retryOn: "5xx,reset,connect-failure,refused-stream" });
    assert.equal(spec.service.trafficPolicy.tls.mode, "ISTIO_MUTUAL");
    assert.deepEqual(spec.service.trafficPolicy.connectionPool, { http: { http1MaxPendingRequests: 1024 } }, "the CRD has no TCP pool");
    assert.equal(spec.service.gatewayRefs, undefined);
    assert.equal(named(T.metricTemplate, "shop-success-rate-metric-template").length, 0);
  });

  it("Linkerd: an HTTPRoute on the Service (gatewayRefs), MetricTemplates over response_total, retries as annotations", () => {
    const spec = one(T.canary, "blog-canary").inputs.spec;
    assert.deepEqual(spec.service.gatewayRefs, [{ group: "", kind: "Service", name: "blog", namespace: "apps", port: 80 }]);
    assert.equal(spec.service.apex.annotations["timeout.linkerd.io/request"], "10s");
    assert.equal(spec.service.portDiscovery, true, "the separate metrics port stays on the generated Services");
    for (const role of ["success-rate", "latency"]) {
      const template = one(T.metricTemplate, `blog-${role}-metric-template`).inputs;
      assert.match(template.spec.query, /response_(total|latency_ms_bucket)\{namespace="\{\{ namespace \}\}", deployment=~"\{\{ target \}\}"/);
      assert.equal(template.spec.provider.address, PROMETHEUS);
    }
  });

  it("every Canary and MetricTemplate validates against Flagger's CRDs", { skip: crdSkip }, () => {
    const objects = program.resources.filter((r) => r.type === T.canary || r.type === T.metricTemplate);
    assert.equal(objects.length, 4, "two Canaries and Linkerd's two MetricTemplates");
    for (const r of objects) assert.deepEqual(crdSchemaErrors(k8sObject(r)), [], r.name);
  });
});

describe("the analysis's limits come from the alert table", () => {
  const cases = [
    { thresholds: { httpErrorRatePercent: 1, latencyP99Seconds: 1 }, min: 99, maxMs: 1000 },
    { thresholds: { httpErrorRatePercent: 2.5, latencyP99Seconds: 0.25 }, min: 97.5, maxMs: 250 },
    { thresholds: { httpErrorRatePercent: 0.1, latencyP99Seconds: 3 }, min: 99.9, maxMs: 3000 },
  ];
  for (const mesh of ["istio", "linkerd"] as const) {
    for (const c of cases) {
      it(`${mesh}: ${c.thresholds.httpErrorRatePercent} % errors, ${c.thresholds.latencyP99Seconds} s P99 → success ≥ ${c.min} %, P99 ≤ ${c.maxMs} ms`, () => {
        const spec = resolveProgressive({ mesh, thresholds: c.thresholds, metricsServer: PROMETHEUS });
        const canary = canaryObject("api", { namespace: "apps", servicePort: 80, separateMetricsPort: false, serviceLabels: {}, labels: {} }, spec);
        const [success, latency] = (canary.spec.analysis as { metrics: { thresholdRange: { min?: number; max?: number } }[] }).metrics;
        assert.deepEqual(success.thresholdRange, { min: c.min });
        assert.deepEqual(latency.thresholdRange, { max: c.maxMs });
        if (!crdSkip) for (const object of [canary, ...metricTemplates("api", "apps", spec)]) assert.deepEqual(crdSchemaErrors(object as never), [], object.kind);
      });
    }
  }

  it("the stack's `observability.thresholds` warnings reach the Canary; the defaults apply without them", () => {
    const base: StackConfig = { target: "k3s", environment: "prod", mesh: { linkerd: {} }, services: [{ name: "api", image, port: 9898, canary: { analysis: { stepWeight: 5 } } }] };
    const table = [
      [undefined, { httpErrorRatePercent: 1, latencyP99Seconds: 1 }],
      [{ httpErrorRatePercent: { warning: 3 }, latencyP99Seconds: { warning: 0.5 } }, { httpErrorRatePercent: 3, latencyP99Seconds: 0.5 }],
      [{ latencyP99Seconds: { warning: 2, critical: 6 } }, { httpErrorRatePercent: 1, latencyP99Seconds: 2 }],
    ] as const;
    for (const [configured, expected] of table) {
      const settings = progressiveSettings({ ...base, observability: configured ? { thresholds: configured } : undefined }, 0);
      assert.deepEqual(settings?.thresholds, expected, JSON.stringify(configured));
      assert.equal(settings?.mesh, "linkerd");
      assert.deepEqual(settings?.analysis, { stepWeight: 5 });
    }
    assert.equal(progressiveSettings({ ...base, mesh: { enabled: false } }, 0), undefined, "no mesh, no progressive delivery");
  });
});

describe("bad analyses are refused naming the field", () => {
  const progressive = (analysis: object): ProgressiveDeliveryArgs => ({ mesh: "istio", analysis, thresholds, metricsServer: PROMETHEUS });
  const cases: [string, Parameters<typeof validateAppService>[0], string, RegExp][] = [
    ["a step beyond the maximum", { image, port: 80, progressive: progressive({ stepWeight: 60, maxWeight: 50 }) }, "progressive.analysis.stepWeight", /must not exceed `maxWeight` \(50\)/],
    ["a maximum weight of 0", { image, port: 80, progressive: progressive({ maxWeight: 0 }) }, "progressive.analysis.maxWeight", /whole percentage from 1 to 100/],
    ["a 5-second interval", { image, port: 80, progressive: progressive({ intervalSeconds: 5 }) }, "progressive.analysis.intervalSeconds", /≥ 10/],
    ["a fractional threshold", { image, port: 80, progressive: progressive({ threshold: 1.5 }) }, "progressive.analysis.threshold", /whole number ≥ 1/],
    ["fixed replicas", { image, port: 80, autoscaling: { enabled: false }, progressive: progressive({}) }, "autoscaling.enabled", /must be true for progressive delivery/],
    ["a static canary beside it", { image, port: 80, canary: { image }, progressive: progressive({}) }, "canary", /cannot be combined with `progressive`/],
    ["KEDA triggers beside it", { image, port: 80, autoscaling: { triggers: [{ type: "prometheus", query: "sum(up)", threshold: 10 }] }, progressive: progressive({}) }, "progressive", /fluxcd\/flagger#1934/],
  ];
  for (const [name, args, key, message] of cases) {
    it(name, () => {
      const problems = validateAppService(args);
      assert.equal(problems.length, 1, JSON.stringify(problems));
      assert.equal(problems[0].path.join("."), key);
      assert.match(problems[0].message, message);
    });
  }

  it("fixed replicas are allowed when a KEDA ScaledObject scales the Deployment", () => {
    assert.deepEqual(validateAppService({ image, port: 80, autoscaling: { enabled: false }, progressive: { ...progressive({}), autoscalerKind: "ScaledObject" } }), []);
  });
});

describe("the Flagger add-on", () => {
  it("the release pins the chart, the mesh's provider and the platform's Prometheus", () => {
    for (const [release, mesh] of [["flagger-istio-release", "istio"], ["flagger-linkerd-release", "linkerd"]] as const) {
      const inputs = one(T.release, release).inputs;
      assert.deepEqual([inputs.chart, inputs.version, inputs.repositoryOpts.repo, inputs.namespace], [flaggerChart.chart, "1.44.0", "https://flagger.app", "flagger-system"]);
      assert.equal(inputs.values.meshProvider, FLAGGER_MESH_PROVIDERS[mesh]);
      assert.equal(inputs.values.metricsServer, PROMETHEUS);
      assert.deepEqual(inputs.values.configTracking, { enabled: false }, "the primary reads the connection Secrets, not copies");
    }
    assert.deepEqual(FLAGGER_MESH_PROVIDERS, { istio: "istio", linkerd: "gatewayapi:v1" });
  });

  it("two replicas with leader election and a disruption budget in prod only", () => {
    assert.deepEqual(one(T.release, "flagger-istio-release").inputs.values.leaderElection, { enabled: true, replicaCount: 2 });
    assert.deepEqual(one(T.release, "flagger-linkerd-release").inputs.values.leaderElection, { enabled: false, replicaCount: 1 });
  });

  const variants = [
    ["istio, prod", flaggerValues({ mesh: "istio", metricsServer: PROMETHEUS }, "prod")],
    ["linkerd, dev", flaggerValues({ mesh: "linkerd", metricsServer: PROMETHEUS }, "dev")],
  ] as const;
  for (const [name, values] of variants) {
    it(`values are keys of the pinned chart (${name})`, { skip: chartSkip }, () => {
      const check = checkRelease(flaggerChart.chart, flaggerChart.version, values);
      assert.ok(check.chart, `no copy of flagger-${flaggerChart.version} in ../shared/charts`);
      assert.deepEqual(check.problems, []);
    });
  }

  it("the key check catches a key the chart does not read", { skip: chartSkip }, () => {
    const check = checkRelease(flaggerChart.chart, flaggerChart.version, { ...variants[0][1], meshprovider: "istio" });
    assert.ok(check.problems.some((p) => p.includes("meshprovider: not declared")), JSON.stringify(check.problems));
  });

  it("refuses a metrics server that is not a URL", () => {
    assert.throws(() => new Flagger("bad", { platform: {} as KubernetesPlatform, mesh: "istio", metricsServer: "prometheus:9090" }), /`metricsServer` must be an http\(s\) URL/);
  });
});
