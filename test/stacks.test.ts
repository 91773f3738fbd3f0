/**
 * Every shipped stack planned end to end through the real `npm run plan` entry point (the CLI in a
 * child process, as a user runs it): exit codes, the resources of each target, zero mandatory
 * violations, upstream schema validation of every Kubernetes object, and no plaintext secret in
 * the plan file.
 */
import assert from "node:assert/strict";
import { parse as parseYaml } from "yaml";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { runPlan, STACK_VARIANTS, type PlanRun as Run } from "./support/stack-variants";
import { MOCK_SECRET_PREFIX } from "../plan/mocks";
import { schemaErrors, unknownFields } from "./support/k8s-schema";
import { crdSchemaErrors, crdSkipReason } from "./support/crd-schema";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "plan-test-"));
const plan = (id: string, ...args: string[]) => runPlan(tmp, id, args);

/** Every variant but NATS on premises, whose broker the stacks test does not look at. */
const stacks = Object.fromEntries(Object.entries(STACK_VARIANTS).filter(([id]) => id !== "onprem-nats"));
const runs: Record<string, Run> = {};

before(async () => {
  const ids = Object.keys(stacks);
  const results = await Promise.all(ids.map((id) => runPlan(tmp, id, stacks[id])));
  ids.forEach((id, i) => (runs[id] = results[i]));
});

/** Custom resources: a dotted API group outside Kubernetes' own `*.k8s.io` (Helm releases are not objects). */
/** Groups served by CRDs although they end in `.k8s.io` (SIG projects, not built into the API server). */
const CRD_GROUPS_IN_K8S_IO = ["gateway.networking.k8s.io"];
const isCustomResourceType = (type: string) => {
  const group = /^kubernetes:([^/]+)\//.exec(type)?.[1] ?? "";
  return group.includes(".") && (!group.endsWith(".k8s.io") || CRD_GROUPS_IN_K8S_IO.includes(group)) && group !== "helm.sh";
};
/**
 * Linkerd's policy CRDs are not among the pinned upstream CRDs and no maintained schema package
 * carries them; their shapes are tested in test/mesh-linkerd.test.ts. Named here so that any other
 * unvalidated group fails the test.
 */
const UNSCHEMED_GROUPS = ["policy.linkerd.io"];
/**
 * A Secret's `data`/`stringData` as the plan file shows it: the Kubernetes SDK makes both secret as
 * a whole, so they are redacted to `"[secret]"`. Check that, then validate the rest of the object.
 */
const withoutRedactedSecretData = <T extends { kind: string }>(object: T): T => {
  if (object.kind !== "Secret") return object;
  const copy: Record<string, unknown> = { ...object };
  for (const key of ["data", "stringData"]) {
    if (copy[key] === undefined) continue;
    assert.equal(copy[key], "[secret]", `Secret ${key} is redacted`);
    copy[key] = {};
  }
  return copy as T;
};
const isHelmRelease = (type: string) => type === "kubernetes:helm.sh/v3:Release";

const types = (run: Run) => new Set(run.plan!.resources.map((r) => r.type));

describe("the shipped stacks", () => {
  for (const id of Object.keys(stacks)) {
    it(`plans ${id} with exit 0 and zero mandatory violations`, () => {
      const run = runs[id];
      assert.equal(run.code, 0, `exit ${run.code}\n${run.stdout}\n${run.stderr}`);
      assert.deepEqual(run.plan!.violations.filter((v) => v.enforcementLevel === "mandatory"), []);
      assert.match(run.stdout, /Resources by type:/);
      assert.match(run.stdout, /Policies: \d+ rules, 0 mandatory/);
    });
  }

  it("prints the resource tree with components and their children", () => {
    assert.match(runs.dev.stdout, /platform:index:AppService {2}podinfo\n│ {2}├─ docker:index\/remoteImage:RemoteImage {2}podinfo-image/);
  });

  it("puts the edge in every Kubernetes plan: the Traefik release, the Gateway, routes, the issuer and a certificate per hostname", () => {
    for (const [id, issuer] of [["prod", "gateway-acme"], ["prod-gke", "gateway-acme"], ["onprem", "cert-manager-ca"]] as const) {
      const resources = runs[id].plan!.resources;
      const of = (type: string) => resources.filter((r) => r.type === type).map((r) => r.inputs as any);
      assert.ok(of("kubernetes:helm.sh/v3:Release").some((r) => r.chart === "traefik"), `${id}: traefik release`);
      const [gateway] = of("kubernetes:gateway.networking.k8s.io/v1:Gateway");
      assert.ok(gateway, `${id}: a Gateway`);
      const https = gateway.spec.listeners.filter((l: any) => l.protocol === "HTTPS");
      assert.ok(https.length >= 1, `${id}: an HTTPS listener`);
      const certificates = of("kubernetes:cert-manager.io/v1:Certificate").filter((c) => c.metadata.namespace === "gateway");
      for (const listener of https) {
        const certificate = certificates.find((c) => c.spec.secretName === listener.tls.certificateRefs[0].name);
        assert.ok(certificate?.spec.dnsNames.includes(listener.hostname), `${id}: a certificate for ${listener.hostname}`);
        assert.equal(certificate.spec.issuerRef.name, issuer, `${id}: issued by ${issuer}`);
      }
      const routes = of("kubernetes:gateway.networking.k8s.io/v1:HTTPRoute").filter((r) => r.spec.parentRefs.some((p: any) => p.kind === "Gateway"));
      assert.ok(routes.some((r) => r.metadata.namespace === "apps" && r.spec.rules[0].backendRefs[0].name === "podinfo"), `${id}: a route to podinfo`);
      // Under Linkerd, Flagger's HTTPRoute for the progressive podinfo is `podinfo` in `apps`: the gateway's steps aside, under the same URN.
      const podinfoRoute = resources.filter((r) => r.type === "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute" && r.name.endsWith("-podinfo-route") && (r.inputs as any).spec.parentRefs.some((p: any) => p.kind === "Gateway"));
      assert.equal(podinfoRoute.length, 1, `${id}: one gateway route resource for podinfo`);
      assert.equal((podinfoRoute[0].inputs as any).metadata.name, id === "onprem" ? "podinfo-gateway" : "podinfo", `${id}: the gateway route's Kubernetes name`);
    }
  });

  it("installs the mesh of each stack with its per-service traffic policy: Istio in prod, Linkerd on premises", () => {
    for (const id of ["prod", "prod-gke"]) {
      const resources = runs[id].plan!.resources;
      const charts = resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release").map((r) => (r.inputs as any).chart);
      for (const chart of ["base", "cni", "istiod"]) assert.ok(charts.includes(chart), `${id}: ${chart}`);
      const peer = resources.find((r) => r.type === "kubernetes:security.istio.io/v1:PeerAuthentication")!.inputs as any;
      assert.equal(peer.spec.mtls.mode, "STRICT");
      const rule = resources.find((r) => r.type === "kubernetes:networking.istio.io/v1:DestinationRule")!.inputs as any;
      assert.equal(rule.spec.host, "orders-worker.apps.svc.cluster.local");
      assert.equal(rule.spec.trafficPolicy.outlierDetection.consecutive5xxErrors, 5);
      const route = resources.find((r) => r.type === "kubernetes:networking.istio.io/v1:VirtualService")!.inputs as any;
      assert.equal(route.spec.http[0].retries.attempts, 2);
      // podinfo has progressive delivery: Flagger writes its routing, from the policy its Canary carries.
      const hosts = resources.filter((r) => /networking\.istio\.io\/v1:(DestinationRule|VirtualService)$/.test(r.type)).map((r) => (r.inputs as any).metadata.name);
      assert.ok(!hosts.includes("podinfo"), `${id}: no mesh routing for podinfo (${hosts})`);
      const canary = resources.find((r) => r.type === "kubernetes:flagger.app/v1beta1:Canary")!.inputs as any;
      assert.equal(canary.spec.service.trafficPolicy.outlierDetection.consecutive5xxErrors, 5, `${id}: the Canary carries the DestinationRule's policy`);
      assert.equal(canary.spec.service.retries.attempts, 2);
      const apps = resources.find((r) => r.type === "kubernetes:core/v1:Namespace" && (r.inputs as any).metadata.name === "apps")!.inputs as any;
      assert.equal(apps.metadata.labels["istio-injection"], "enabled", `${id}: the services' namespace is enrolled`);
      const istiod = resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && (r.inputs as any).chart === "istiod")!;
      const deployment = resources.find((r) => r.type === "kubernetes:apps/v1:Deployment" && (r.inputs as any).metadata.name === "podinfo")!;
      assert.ok(deployment.dependencies.includes(istiod.urn), `${id}: pods wait for the injector, or they start without a proxy`);
    }
    const onprem = runs.onprem.plan!.resources;
    const charts = onprem.filter((r) => r.type === "kubernetes:helm.sh/v3:Release").map((r) => (r.inputs as any).chart);
    for (const chart of ["linkerd-crds", "linkerd2-cni", "linkerd-control-plane"]) assert.ok(charts.includes(chart), `onprem: ${chart}`);
    assert.ok(onprem.some((r) => r.type === "kubernetes:policy.linkerd.io/v1alpha1:AuthorizationPolicy"), "onprem: an authorization policy");
    const service = onprem.find((r) => r.type === "kubernetes:core/v1:Service" && (r.inputs as any).metadata.name === "orders-worker")!.inputs as any;
    assert.equal(service.metadata.annotations["balancer.linkerd.io/failure-accrual"], "consecutive", "onprem: circuit breaking on the service");
    // podinfo has progressive delivery: Flagger takes its Service over as the apex (selector and
    // ports), which keeps its annotations: failure accrual stays on the Service clients call.
    // (test/progressive.test.ts checks the `ignoreChanges`, which the plan file does not carry.)
    const apex = onprem.find((r) => r.type === "kubernetes:core/v1:Service" && (r.inputs as any).metadata.name === "podinfo")?.inputs as any;
    assert.equal(apex?.metadata.annotations["balancer.linkerd.io/failure-accrual"], "consecutive", "onprem: podinfo keeps its Service, with circuit breaking on it");
    const canary = onprem.find((r) => r.type === "kubernetes:flagger.app/v1beta1:Canary")!.inputs as any;
    assert.equal(canary.spec.service.apex.annotations["timeout.linkerd.io/request"], "10s", "onprem: Linkerd's timeout on the HTTPRoute Flagger writes");
  });

  it("admits the gateway's namespace through the NetworkPolicy of every routed service", () => {
    for (const id of ["prod", "prod-gke", "onprem"]) {
      const policy = runs[id].plan!.resources.find((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy" && (r.inputs as any).metadata.name === "podinfo")!.inputs as any;
      const namespaces = policy.spec.ingress[0].from.flatMap((f: any) => f.namespaceSelector?.matchExpressions?.[0]?.values ?? []);
      assert.ok(namespaces.includes("gateway"), `${id}: the gateway can reach podinfo`);
    }
  });

  it("observes every Kubernetes stack: the monitoring releases, a ServiceMonitor and dashboard for podinfo, the alert rules, and OTLP for the service", () => {
    for (const id of ["prod", "prod-gke", "onprem"]) {
      const resources = runs[id].plan!.resources;
      const releases = resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release").map((r) => r.inputs as any);
      for (const chart of ["kube-prometheus-stack", "loki", "tempo", "opentelemetry-collector"]) assert.ok(releases.some((r) => r.chart === chart), `${id}: ${chart}`);
      assert.equal(releases.find((r) => r.chart === "kube-prometheus-stack").values.crds.enabled, false, `${id}: CRDs stay in their own release`);
      const monitor = resources.find((r) => r.type === "kubernetes:monitoring.coreos.com/v1:ServiceMonitor" && (r.inputs as any).spec.namespaceSelector.matchNames.includes("apps"))?.inputs as any;
      assert.equal(monitor?.spec.selector.matchLabels["app.kubernetes.io/name"], "podinfo", `${id}: podinfo is scraped`);
      const rules = resources.filter((r) => r.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule").flatMap((r) => (r.inputs as any).spec.groups.flatMap((g: any) => g.rules));
      assert.ok(rules.some((r: any) => r.alert.startsWith("HttpErrorRate")), `${id}: the 5xx alert`);
      const dashboard = resources.find((r) => r.type === "kubernetes:core/v1:ConfigMap" && (r.inputs as any).metadata.labels?.grafana_dashboard)?.inputs as any;
      assert.ok(dashboard && JSON.parse(Object.values(dashboard.data)[0] as string).panels.length >= 4, `${id}: a podinfo dashboard`);
      const deployment = resources.find((r) => r.type === "kubernetes:apps/v1:Deployment" && (r.inputs as any).metadata.name === "podinfo")!.inputs as any;
      const env = deployment.spec.template.spec.containers[0].env as { name: string; value?: string }[];
      assert.match(env.find((e) => e.name === "OTEL_EXPORTER_OTLP_ENDPOINT")?.value ?? "", /^http:\/\/otel-collector\.monitoring\.svc\.cluster\.local:4317$/, `${id}: traces go to the collector`);
      assert.equal(env.find((e) => e.name === "OTEL_EXPORTER_OTLP_PROTOCOL")?.value, "grpc", `${id}: on the port's protocol`);
      const policy = resources.find((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy" && (r.inputs as any).metadata.name === "podinfo")!.inputs as any;
      assert.ok(policy.spec.ingress[0].from.some((f: any) => f.namespaceSelector?.matchExpressions?.[0]?.values?.includes("monitoring")), `${id}: Prometheus may scrape podinfo`);
      const groups = resources.filter((r) => r.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule").flatMap((r) => (r.inputs as any).spec.groups.map((g: any) => g.name));
      const meshControl = resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && ["istiod", "linkerd-control-plane"].includes((r.inputs as any).chart))!;
      const stack = resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && (r.inputs as any).chart === "kube-prometheus-stack")!;
      assert.ok(stack.dependencies.includes(meshControl.urn), `${id}: Prometheus starts after the mesh's injector`);
      const managed = id !== "onprem";
      assert.equal(groups.includes("platform-postgres"), !managed, `${id}: Postgres alerts only where CloudNativePG exports metrics`);
    }
  });

  it("runs Prometheus, Alertmanager and Grafana on dev with configuration generated from the service list", () => {
    const containers = runs.dev.plan!.resources.filter((r) => r.type === "docker:index/container:Container").map((r) => r.inputs as any);
    const named = (name: string) => containers.find((c) => c.labels.some((l: any) => l.label === "app.kubernetes.io/name" && l.value === name));
    const prometheus = named("prometheus");
    const config = parseYaml(prometheus.uploads.find((u: any) => u.file === "/etc/prometheus/prometheus.yml").content);
    const podinfo = config.scrape_configs.find((job: any) => job.job_name === "podinfo");
    assert.deepEqual(podinfo.static_configs[0].targets, ["podinfo:9898"]);
    for (const job of ["postgres", "redis"]) assert.ok(config.scrape_configs.some((j: any) => j.job_name === job), `a ${job} exporter job`);
    const rules = parseYaml(prometheus.uploads.find((u: any) => u.file === "/etc/prometheus/rules/platform.yml").content);
    assert.ok(rules.groups.length >= 3);
    const grafana = named("grafana");
    assert.ok(grafana.uploads.some((u: any) => u.file === "/etc/grafana/dashboards/podinfo.json"), "the podinfo dashboard is provisioned");
    assert.ok(named("alertmanager"), "an Alertmanager container");
  });

  it("plans no service mesh on dev, which configures none (no warning, no node), and runs the gateway as a container", () => {
    assert.doesNotMatch(runs.dev.stdout + runs.dev.stderr, /ServiceMesh|service mesh/);
    assert.ok(!runs.dev.plan!.resources.some((r) => r.type === "platform:index:ServiceMesh"), "no ServiceMesh component on dev");
    const gateway = runs.dev.plan!.resources.find((r) => r.type === "docker:index/container:Container" && (r.inputs as any).labels?.some?.((l: any) => l.label === "app.kubernetes.io/component" && l.value === "gateway"));
    assert.ok(gateway, "a gateway container");
  });

  it("deploys the demo service as a container on dev", () => {
    const t = types(runs.dev);
    for (const type of ["pulumi:providers:docker", "docker:index/network:Network", "docker:index/container:Container"]) assert.ok(t.has(type), type);
    assert.equal(runs.dev.plan!.target, "docker");
  });

  it("builds the EKS cluster, its VPC, KMS key and OIDC provider on prod", () => {
    const t = types(runs.prod);
    for (const type of ["aws:ec2/vpc:Vpc", "aws:eks/cluster:Cluster", "aws:eks/nodeGroup:NodeGroup", "aws:kms/key:Key", "aws:iam/openIdConnectProvider:OpenIdConnectProvider", "kubernetes:apps/v1:Deployment"]) {
      assert.ok(t.has(type), type);
    }
    assert.equal(runs.prod.plan!.resources.filter((r) => r.type === "aws:ec2/subnet:Subnet").length, 6, "a public and a private subnet in each of 3 zones");
  });

  it("builds the GKE cluster and node pool when prod targets gke", () => {
    const t = types(runs["prod-gke"]);
    for (const type of ["gcp:compute/network:Network", "gcp:container/cluster:Cluster", "gcp:container/nodePool:NodePool", "kubernetes:apps/v1:Deployment"]) assert.ok(t.has(type), type);
    assert.ok(!t.has("aws:eks/cluster:Cluster"));
    assert.equal(runs["prod-gke"].plan!.target, "gke");
  });

  it("reaches the k3s cluster through a provider and deploys the AppService objects on onprem", () => {
    const t = types(runs.onprem);
    for (const type of ["pulumi:providers:kubernetes", "kubernetes:apps/v1:Deployment", "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "kubernetes:policy/v1:PodDisruptionBudget"]) {
      assert.ok(t.has(type), type);
    }
  });

  it("protects and retains the stateful cloud resources in prod", () => {
    for (const id of ["prod", "prod-gke"]) {
      const out = runs[id].stdout;
      assert.match(out, /(aws:eks\/cluster:Cluster|gcp:container\/cluster:Cluster) {2}\S+ {2}\[protect, retainOnDelete\]/, id);
    }
  });

  it("validates every Kubernetes object against the upstream schema, with no unknown fields", () => {
    let checked = 0;
    for (const id of Object.keys(stacks)) {
      for (const r of runs[id].plan!.resources) {
        // Patches (DeploymentPatch…) are partial objects by design: server-side apply merges them.
        if (!r.custom || !r.type.startsWith("kubernetes:") || isCustomResourceType(r.type) || isHelmRelease(r.type) || r.type.endsWith("Patch")) continue;
        const object = withoutRedactedSecretData(r.inputs as { apiVersion: string; kind: string });
        assert.deepEqual(schemaErrors(object), [], `${id}: ${r.urn}`);
        assert.deepEqual(unknownFields(object), [], `${id}: ${r.urn}`);
        checked++;
      }
    }
    assert.ok(checked >= 15, `only ${checked} objects checked`);
  });

  it("validates every custom resource against the upstream CRDs at their pinned releases", { skip: crdSkipReason() ?? false }, async () => {
    let checked = 0;
    for (const id of Object.keys(stacks)) {
      for (const r of runs[id].plan!.resources) {
        if (!r.custom || !isCustomResourceType(r.type)) continue;
        const object = r.inputs as { apiVersion: string; kind: string };
        const group = object.apiVersion.split("/")[0];
        if (UNSCHEMED_GROUPS.includes(group)) continue;
        if (group === "traefik.io") {
          // Traefik's CRDs are not in the pinned folder; @kubernetes-models/traefik carries their schemas.
          const models = (await import("@kubernetes-models/traefik/traefik.io/v1alpha1")) as unknown as Record<string, new (o: object) => { validate(): void }>;
          const Model = models[object.kind];
          assert.ok(Model, `${id}: no Traefik model for ${object.kind}`);
          assert.doesNotThrow(() => new Model(object).validate(), `${id}: ${r.urn}`);
        } else {
          assert.deepEqual(crdSchemaErrors(object), [], `${id}: ${r.urn}`);
        }
        checked++;
      }
    }
    assert.ok(checked >= 20, `only ${checked} custom resources checked`);
  });

  it("runs CloudNativePG with a pooler and plugin backups, and Valkey with Sentinel, in-cluster", () => {
    for (const id of ["onprem", "prod-in-cluster", "prod-gke-in-cluster"]) {
      const t = types(runs[id]);
      for (const type of [
        "kubernetes:postgresql.cnpg.io/v1:Cluster",
        "kubernetes:postgresql.cnpg.io/v1:Pooler",
        "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup",
        "kubernetes:barmancloud.cnpg.io/v1:ObjectStore",
        "kubernetes:apps/v1:StatefulSet",
      ]) {
        assert.ok(t.has(type), `${id}: ${type}`);
      }
      const releases = runs[id].plan!.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release").map((r) => r.inputs.chart);
      for (const chart of ["cert-manager", "cloudnative-pg", "plugin-barman-cloud"]) assert.ok(releases.includes(chart), `${id}: ${chart} release`);
      const sentinel = runs[id].plan!.resources.find((r) => r.type === "kubernetes:apps/v1:StatefulSet" && (r.inputs as any).metadata.labels["app.kubernetes.io/component"] === "sentinel");
      assert.ok(sentinel, `${id}: a Sentinel StatefulSet`);
    }
  });

  it("uses the managed services in prod: RDS or Aurora and ElastiCache on EKS, Cloud SQL and Memorystore on GKE", () => {
    for (const [id, expected] of [
      ["prod", ["aws:rds/instance:Instance", "aws:elasticache/replicationGroup:ReplicationGroup"]],
      ["prod-aurora", ["aws:rds/cluster:Cluster", "aws:rds/clusterInstance:ClusterInstance"]],
      ["prod-gke", ["gcp:sql/databaseInstance:DatabaseInstance", "gcp:redis/instance:Instance"]],
    ] as const) {
      const t = types(runs[id]);
      for (const type of expected) assert.ok(t.has(type), `${id}: ${type}`);
      assert.ok(!t.has("kubernetes:postgresql.cnpg.io/v1:Cluster"), `${id}: no in-cluster database beside the managed one`);
    }
  });

  it("runs postgres, PgBouncer and Valkey as containers on dev", () => {
    const names = runs.dev.plan!.resources.filter((r) => r.type === "docker:index/container:Container").map((r) => r.name);
    for (const name of ["postgres-postgres", "postgres-pgbouncer", "redis-container"]) assert.ok(names.includes(name), `${name} in ${names.join(", ")}`);
  });

  it("hands the services DATABASE_URL and REDIS_URL from Kubernetes Secrets, never as literals", () => {
    for (const id of ["prod", "prod-gke", "onprem", "prod-in-cluster"]) {
      const deployment = runs[id].plan!.resources.find((r) => r.type === "kubernetes:apps/v1:Deployment" && r.name === "podinfo-deployment")!;
      const env = (deployment.inputs as any).spec.template.spec.containers[0].env as { name: string; value?: string; valueFrom?: any }[];
      for (const name of ["DATABASE_URL", "REDIS_URL"]) {
        const entry = env.find((e) => e.name === name);
        assert.ok(entry?.valueFrom?.secretKeyRef, `${id}: ${name} from a Secret`);
        assert.equal(entry.value, undefined);
        const secret = runs[id].plan!.resources.find((r) => r.type === "kubernetes:core/v1:Secret" && (r.inputs as any).metadata.name === entry.valueFrom.secretKeyRef.name);
        assert.ok(secret, `${id}: the Secret ${entry.valueFrom.secretKeyRef.name} exists`);
        assert.equal((secret.inputs as any).metadata.namespace, "apps");
      }
    }
  });

  it("hands the services the CA to verify rediss:// against wherever it is private, and not where it is public", () => {
    const caEnv = (id: string) => {
      const deployment = runs[id].plan!.resources.find((r) => r.type === "kubernetes:apps/v1:Deployment" && r.name === "podinfo-deployment")!;
      return ((deployment.inputs as any).spec.template.spec.containers[0].env as { name: string; valueFrom?: any }[]).find((e) => e.name === "REDIS_CA_CERT");
    };
    // In-cluster: a client Certificate from the same CA issuer puts `ca.crt` in the services' namespace.
    const inCluster = caEnv("onprem");
    assert.deepEqual(inCluster?.valueFrom?.secretKeyRef, { name: "redis-ca", key: "ca.crt" });
    const clientCert = runs.onprem.plan!.resources.find((r) => r.type === "kubernetes:cert-manager.io/v1:Certificate" && (r.inputs as any).spec.secretName === "redis-ca")!;
    assert.equal((clientCert.inputs as any).metadata.namespace, "apps");
    assert.equal((clientCert.inputs as any).spec.issuerRef.name, "cert-manager-ca");
    // Memorystore: its own CA, in the service's own connection Secret.
    assert.deepEqual(caEnv("prod-gke")?.valueFrom?.secretKeyRef, { name: "podinfo-redis", key: "ca.crt" });
    // ElastiCache: Amazon's public CA, nothing to hand over.
    assert.equal(caEnv("prod"), undefined);
  });

  it("exports the same data-tier outputs on every target, with the URLs secret", () => {
    for (const id of ["dev", "prod", "prod-gke", "onprem"]) {
      const outputs = runs[id].plan!.outputs as Record<string, any>;
      for (const key of ["host", "port", "readHost", "database"]) assert.notEqual(outputs.postgres?.[key], undefined, `${id}: postgres.${key}`);
      assert.equal(outputs.postgres.connectionString, "[secret]", `${id}: postgres.connectionString`);
      assert.equal(outputs.redis.url, "[secret]", `${id}: redis.url`);
    }
    assert.ok((runs.onprem.plan!.outputs as any).redis.sentinelHost, "Sentinel endpoint in-cluster");
  });

  it("writes no secret in plaintext to the plan file or the output", () => {
    for (const id of Object.keys(stacks)) {
      const text = fs.readFileSync(path.join(tmp, `${id}.json`), "utf8") + runs[id].stdout + runs[id].stderr;
      assert.ok(!text.includes(MOCK_SECRET_PREFIX), `${id} leaks a secret`);
    }
    assert.equal((runs.onprem.plan!.outputs as Record<string, unknown>).kubeconfig, "[secret]");
    const provider = runs.onprem.plan!.resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
    assert.equal(provider.inputs.kubeconfig, "[secret]");
  });
});

describe("bad input to the plan", () => {
  it("exits 2 for an unknown target, naming the key", async () => {
    const run = await plan("bad-target", "--stack", "dev", "--config", "platform:target=EKS");
    assert.equal(run.code, 2);
    assert.match(run.stderr, /platform:target: must be one of eks \| gke \| k3s \| docker \(got "EKS"\); did you mean "eks"\?/);
    assert.doesNotMatch(run.stderr, /\n\s+at /, "no stack trace");
    assert.equal(run.plan, undefined, "nothing planned");
  });

  it("exits 2 and reports every mistake at once", async () => {
    const services = JSON.stringify([{ name: "api", image: "nginx:latest", port: 80, replicas: 0, resources: { limits: { cpu: "500", memory: "512m" } } }]);
    const run = await plan("bad-many", "--stack", "dev", "--config", `platform:services=${services}`, "--config", "platform:eks={\"region\":\"eu-west-1\"}");
    assert.equal(run.code, 2);
    for (const key of ["services[0].image", "services[0].replicas", "services[0].resources.limits.cpu", "services[0].resources.limits.memory", "platform:eks"]) {
      assert.ok(run.stderr.includes(key), `${key} not named in:\n${run.stderr}`);
    }
  });

  it("exits 2 for the mesh on docker and a route to an unknown service, naming both keys and planning nothing", async () => {
    const gateway = JSON.stringify({ routes: [{ service: "ghost", hostname: "ghost.localhost" }] });
    const run = await plan("bad-edge", "--stack", "dev", "--config", "platform:mesh={\"enabled\":true}", "--config", `platform:gateway=${gateway}`);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /platform:mesh\.enabled: a service mesh is not available on docker/);
    assert.match(run.stderr, /platform:gateway\.routes\[0\]\.service: "ghost" is not a declared service/);
    assert.doesNotMatch(run.stderr, /\n\s+at /, "no stack trace");
    assert.equal(run.plan, undefined, "nothing planned");
  });

  it("exits 2 for an alert threshold whose warning is above its critical level", async () => {
    const run = await plan("bad-threshold", "--stack", "dev", "--config", 'platform:observability={"thresholds":{"cpuPercent":{"warning":95,"critical":90}}}');
    assert.equal(run.code, 2);
    assert.match(run.stderr, /platform:observability\.thresholds\.cpuPercent\.warning: \(95\) must not be above the critical level \(90\)/);
    assert.equal(run.plan, undefined, "nothing planned");
  });

  it("exits 2 for a managed database on k3s, naming the key", async () => {
    const run = await plan("bad-managed", "--stack", "onprem", "--config", 'platform:postgres={"mode":"managed"}');
    assert.equal(run.code, 2);
    assert.match(run.stderr, /platform:postgres\.mode: "managed" needs a cloud \(eks or gke\); target k3s/);
    assert.equal(run.plan, undefined, "nothing planned");
  });

  it("exits 2 when the database volume would shrink below the deployed size from --state", async () => {
    const state = path.join(tmp, "prod.state.json");
    fs.writeFileSync(state, JSON.stringify({ version: 3, deployment: { resources: [{ urn: "urn:pulumi:prod::platform::aws:rds/instance:Instance::db", type: "aws:rds/instance:Instance", inputs: { allocatedStorage: 200 } }] } }));
    const run = await plan("bad-shrink", "--stack", "prod", "--state", state);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /platform:postgres\.storageGiB: \(100\) is below the current size \(200 GiB\)/);
    const missing = await plan("bad-state", "--stack", "prod", "--state", path.join(tmp, "absent.json"));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--state \S*absent\.json: cannot be read \(ENOENT\)/);
  });

  it("exits 2 for an unknown stack or option", async () => {
    const missing = await plan("bad-stack", "--stack", "staging");
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--stack staging: there is no Pulumi\.staging\.yaml .*; the stacks are dev, onprem, prod/);
    const option = await plan("bad-option", "--stak", "dev");
    assert.equal(option.code, 2);
    assert.match(option.stderr, /Unknown option '--stak'/);
  });
});
