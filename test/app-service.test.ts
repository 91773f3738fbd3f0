/**
 * AppService under Pulumi's mock runtime, on a Kubernetes platform (k3s) and on Docker, captured
 * once for the file (the runtime runs one program per process).
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { captureProgram, type CapturedProgram, type CapturedResource } from "../plan/capture";
import { AppService, resolveAppService, needsDisruptionBudget, validateAppService } from "../components/app-service";
import { formatProblems, TRACK_LABEL } from "../components/contract";
import type { RouteBackend } from "../components/contract";
import { createPlatform } from "../components/platform";

const image = "ghcr.io/stefanprodan/podinfo:6.9.2";
let program: CapturedProgram;
const backends: Record<string, RouteBackend> = {};

const ofType = (type: string, name?: string): CapturedResource[] =>
  program.resources.filter((r) => r.type === type && (name === undefined || r.name === name));
const one = (type: string, name: string): CapturedResource => {
  const found = ofType(type, name);
  assert.equal(found.length, 1, `expected one ${type} named ${name}`);
  return found[0];
};

before(async () => {
  program = await captureProgram(
    () => {
      const k3s = createPlatform("cluster", { target: "k3s", k3s: { environment: "prod", kubeconfig: pulumi.secret("kubeconfig") } });
      const local = createPlatform("local", { target: "docker", docker: { environment: "dev" } });
      new AppService("web", {
        platform: k3s,
        image,
        port: 9898,
        namespace: "apps",
        replicas: 3,
        autoscaling: { maxReplicas: 6 },
        probes: { readinessPath: "/readyz", livenessPath: "/healthz" },
        env: { LOG_LEVEL: "info" },
        secretEnv: { DATABASE_URL: { secretName: "web-db", key: "url" } },
        allowFromNamespaces: ["gateway"],
      });
      new AppService("worker", { platform: k3s, image, port: 8080, namespace: "apps", replicas: 1, autoscaling: { enabled: false }, allowedCallers: ["web", "shop"] });
      new AppService("sink", { platform: k3s, image, port: 8080, namespace: "apps", replicas: 1, autoscaling: { enabled: false }, allowedCallers: [] });
      const shop = new AppService("shop", { platform: k3s, image, port: 9898, namespace: "apps", servicePort: 8080, canary: { image: "ghcr.io/stefanprodan/podinfo:6.9.3" } });
      backends.shop = shop.backend;
      backends.site = new AppService("site", { platform: local, image, port: 9898, docker: { hostPort: 8080 }, secretEnv: { TOKEN: { secretName: "", key: "", value: pulumi.secret("mock-secret-token") } } }).backend;
    },
    { project: "platform", stack: "test" },
  );
});

describe("AppService on Kubernetes", () => {
  it("creates a Deployment, Service, HPA, PDB and NetworkPolicy in the given namespace", () => {
    for (const [type, name] of [
      ["kubernetes:apps/v1:Deployment", "web-deployment"],
      ["kubernetes:core/v1:Service", "web-service"],
      ["kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "web-hpa"],
      ["kubernetes:policy/v1:PodDisruptionBudget", "web-pdb"],
      ["kubernetes:networking.k8s.io/v1:NetworkPolicy", "web-network-policy"],
    ]) {
      assert.equal(one(type, name).inputs.metadata.namespace, "apps", `${type} namespace`);
    }
  });

  it("uses the platform's Kubernetes provider explicitly for every Kubernetes object", () => {
    const provider = one("pulumi:providers:kubernetes", "cluster-k8s");
    const objects = program.resources.filter((r) => r.type.startsWith("kubernetes:"));
    assert.ok(objects.length >= 10);
    for (const r of objects) assert.ok(r.provider?.startsWith(provider.urn), `${r.urn} has provider ${r.provider}`);
  });

  it("gives the container requests, limits, and readiness and liveness probes on different paths", () => {
    const container = one("kubernetes:apps/v1:Deployment", "web-deployment").inputs.spec.template.spec.containers[0];
    assert.deepEqual(container.resources, { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } });
    assert.equal(container.readinessProbe.httpGet.path, "/readyz");
    assert.equal(container.livenessProbe.httpGet.path, "/healthz");
  });

  it("runs the pod under the restricted securityContext", () => {
    const pod = one("kubernetes:apps/v1:Deployment", "web-deployment").inputs.spec.template.spec;
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(pod.securityContext.seccompProfile.type, "RuntimeDefault");
    assert.equal(pod.automountServiceAccountToken, false);
    const sc = pod.containers[0].securityContext;
    assert.deepEqual(
      { nonRoot: sc.runAsNonRoot, escalation: sc.allowPrivilegeEscalation, readOnly: sc.readOnlyRootFilesystem, drop: sc.capabilities.drop },
      { nonRoot: true, escalation: false, readOnly: true, drop: ["ALL"] },
    );
  });

  it("spreads pods across zones and nodes", () => {
    const keys = one("kubernetes:apps/v1:Deployment", "web-deployment").inputs.spec.template.spec.topologySpreadConstraints.map((c: { topologyKey: string }) => c.topologyKey);
    assert.deepEqual(keys, ["topology.kubernetes.io/zone", "kubernetes.io/hostname"]);
  });

  it("annotates pods for Prometheus scraping of /metrics", () => {
    const annotations = one("kubernetes:apps/v1:Deployment", "web-deployment").inputs.spec.template.metadata.annotations;
    assert.deepEqual(annotations, { "prometheus.io/scrape": "true", "prometheus.io/port": "9898", "prometheus.io/path": "/metrics" });
  });

  it("lets the autoscaler own the replica count, between replicas and the configured maximum at 70% CPU", () => {
    assert.equal(one("kubernetes:apps/v1:Deployment", "web-deployment").inputs.spec.replicas, undefined);
    const hpa = one("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "web-hpa").inputs.spec;
    assert.equal(hpa.minReplicas, 3);
    assert.equal(hpa.maxReplicas, 6);
    assert.equal(hpa.metrics[0].resource.target.averageUtilization, 70);
    assert.equal(hpa.scaleTargetRef.name, "web");
  });

  it("adds a PodDisruptionBudget that still lets one pod be evicted, and none for a single replica", () => {
    assert.equal(one("kubernetes:policy/v1:PodDisruptionBudget", "web-pdb").inputs.spec.maxUnavailable, 1);
    assert.equal(ofType("kubernetes:policy/v1:PodDisruptionBudget", "worker-pdb").length, 0);
    assert.equal(ofType("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "worker-hpa").length, 0);
    assert.equal(one("kubernetes:apps/v1:Deployment", "worker-deployment").inputs.spec.replicas, 1);
  });

  it("reads secret environment variables from Kubernetes Secrets, never as literals", () => {
    const env = one("kubernetes:apps/v1:Deployment", "web-deployment").inputs.spec.template.spec.containers[0].env;
    assert.deepEqual(env, [
      { name: "LOG_LEVEL", value: "info" },
      { name: "DATABASE_URL", valueFrom: { secretKeyRef: { name: "web-db", key: "url" } } },
    ]);
  });

  it("admits traffic only from its own namespace and the allowed ones", () => {
    const spec = one("kubernetes:networking.k8s.io/v1:NetworkPolicy", "web-network-policy").inputs.spec;
    assert.deepEqual(spec.policyTypes, ["Ingress"]);
    assert.deepEqual(spec.ingress[0].from, [
      { podSelector: {} },
      { namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: ["gateway"] }] } },
    ]);
  });

  it("admits, in its own namespace, only the allowed callers' AppService pods when it has a list (a progressive caller's primary pods too)", () => {
    const spec = one("kubernetes:networking.k8s.io/v1:NetworkPolicy", "worker-network-policy").inputs.spec;
    // Flagger's primary pods are named `<caller>-primary`: callers are selected by instance and role, never by name.
    assert.deepEqual(spec.ingress[0].from, [
      { podSelector: { matchLabels: { "app.kubernetes.io/instance": "web", "app.kubernetes.io/component": "app-service" } } },
      { podSelector: { matchLabels: { "app.kubernetes.io/instance": "shop", "app.kubernetes.io/component": "app-service" } } },
    ]);
  });

  it("admits nobody, rather than everybody, with no caller and no other namespace", () => {
    // A rule with an empty `from` admits every source.
    const spec = one("kubernetes:networking.k8s.io/v1:NetworkPolicy", "sink-network-policy").inputs.spec;
    assert.deepEqual(spec.policyTypes, ["Ingress"]);
    assert.deepEqual(spec.ingress, []);
  });

  it("parents every child to its component", () => {
    const component = one("platform:index:AppService", "web");
    const children = program.resources.filter((r) => r.parent === component.urn).map((r) => r.name).sort();
    assert.deepEqual(children, ["web-deployment", "web-hpa", "web-network-policy", "web-pdb", "web-service", "web-service-account"]);
  });
});

describe("AppService on Docker", () => {
  const container = () => one("docker:index/container:Container", "site-container").inputs;

  it("runs the same image with memory and CPU limits and a reservation", () => {
    assert.equal(one("docker:index/remoteImage:RemoteImage", "site-image").inputs.name, image);
    assert.equal(container().memory, 256);
    assert.equal(container().memoryReservation, 128);
    assert.equal(container().cpus, "0.5");
  });

  it("checks health on the liveness path and restarts unless stopped", () => {
    assert.deepEqual(container().healthcheck.tests, ["CMD", "curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:9898/health"]);
    assert.equal(container().restart, "unless-stopped");
  });

  it("runs as non-root on a read-only filesystem without new privileges", () => {
    assert.equal(container().user, "65532:65532");
    assert.equal(container().readOnly, true);
    assert.deepEqual(container().securityOpts, ["no-new-privileges:true"]);
  });

  it("joins the private network under its name and publishes only on loopback", () => {
    assert.deepEqual(container().networksAdvanced, [{ name: "platform-test", aliases: ["site"] }]);
    assert.deepEqual(container().ports, [{ internal: 9898, external: 8080, ip: "127.0.0.1" }]);
  });

  it("keeps secret environment values secret in the plan", () => {
    const envs = one("docker:index/container:Container", "site-container").redactedInputs.envs;
    assert.deepEqual(envs, ["[secret]"]);
  });
});

describe("AppService arguments", () => {
  it("defaults to two replicas, autoscaling to three times that, and the documented probe paths", () => {
    const spec = resolveAppService({ image, port: 80 });
    assert.deepEqual([spec.replicas, spec.autoscaling.minReplicas, spec.autoscaling.maxReplicas], [2, 2, 6]);
    assert.deepEqual([spec.probes.readinessPath, spec.probes.livenessPath], ["/ready", "/health"]);
    assert.equal(needsDisruptionBudget(spec), true);
  });

  it("throws naming every bad field before creating anything", () => {
    const problems = validateAppService({ image: "nginx", port: 0, replicas: 0, resources: { limits: { cpu: "500" } } });
    assert.equal(
      formatProblems(problems),
      '`image` "nginx" has no tag; pin a version such as "nginx:1.2.3" or a digest; `port` must be an integer from 1 to 65535 (got 0); `replicas` must be a whole number ≥ 1 (got 0); `resources.limits.cpu` "500" means 500 cores; did you mean "500m"?',
    );
  });
});

describe("AppService canary and gateway backend", () => {
  it("runs a canary Deployment beside the stable one, each selecting only its own track", () => {
    const stable = one("kubernetes:apps/v1:Deployment", "shop-deployment").inputs;
    const canary = one("kubernetes:apps/v1:Deployment", "shop-canary-deployment").inputs;
    assert.equal(stable.spec.selector.matchLabels[TRACK_LABEL], "stable");
    assert.equal(stable.spec.template.metadata.labels[TRACK_LABEL], "stable");
    assert.equal(canary.spec.selector.matchLabels[TRACK_LABEL], "canary");
    assert.equal(canary.spec.template.metadata.labels[TRACK_LABEL], "canary");
    assert.equal(canary.spec.template.spec.containers[0].image, "ghcr.io/stefanprodan/podinfo:6.9.3");
    assert.equal(stable.spec.template.spec.containers[0].image, image);
    assert.equal(canary.spec.replicas, 1, "the canary is not autoscaled and defaults to one pod");
  });

  it("keeps both tracks behind the one Service, which selects by name only", () => {
    const selector = one("kubernetes:core/v1:Service", "shop-service").inputs.spec.selector;
    assert.equal(selector[TRACK_LABEL], undefined);
    const canaryLabels = one("kubernetes:apps/v1:Deployment", "shop-canary-deployment").inputs.spec.template.metadata.labels;
    for (const [key, value] of Object.entries(selector)) assert.equal(canaryLabels[key], value, `canary pods carry ${key}`);
  });

  it("creates no canary unless asked", () => {
    assert.equal(ofType("kubernetes:apps/v1:Deployment", "web-canary-deployment").length, 0);
  });

  it("offers the gateway its Service port on Kubernetes and its container port on Docker", () => {
    assert.deepEqual({ ...backends.shop, namespace: String(backends.shop.namespace) }, {
      serviceName: "shop",
      namespace: "apps",
      port: 8080,
      selector: { "app.kubernetes.io/name": "shop", "app.kubernetes.io/instance": "shop" },
    });
    assert.equal(backends.site.serviceName, "site");
    assert.equal(backends.site.port, 9898);
  });

  it("refuses an unpinned canary image and a canary on Docker", () => {
    const problems = validateAppService({ image, port: 80, canary: { image: "nginx:latest", replicas: 0 } });
    assert.deepEqual(problems.map((p) => p.path.join(".")), ["canary.image", "canary.replicas"]);
    assert.throws(
      () => new AppService("nope", { platform: createPlatform("x", { target: "docker", docker: { environment: "dev" } }), image, port: 80, canary: { image } }),
      /`canary` is available on Kubernetes only/,
    );
  });
});
