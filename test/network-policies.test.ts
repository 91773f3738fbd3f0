/**
 * The NetworkPolicies admit exactly the wired paths: the shipped onprem (k3s, Linkerd, every store
 * in the cluster), prod (EKS, Istio, RDS and ElastiCache, RabbitMQ in the cluster) and prod on GKE
 * plans are evaluated (test/support/network-policy.ts states the semantics) for every path the
 * program wires, which must be admitted, and a sample of paths it does not, which must be denied.
 *
 * The pods are those the plans create (Deployments, StatefulSets, CronJobs, with their labels and
 * ports), those the operators create from the plans' custom resources (labels as CloudNativePG and
 * the RabbitMQ operator document them), and those of the charts (labels as the charts' templates set
 * them), written here independently of the program's table.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import type { PlanJson } from "../plan/report";
import { allowed, selectorMatches, type Address, type Endpoint, type NetworkPolicy, type Pod } from "./support/network-policy";
import { schemaErrors } from "./support/k8s-schema";
import { runPlan, STACK_VARIANTS } from "./support/stack-variants";

const TARGETS = ["onprem", "prod", "prod-gke"] as const;
type Target = (typeof TARGETS)[number];
const plans: Partial<Record<Target, PlanJson>> = {};

before(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "netpol-"));
  for (const target of TARGETS) {
    const run = await runPlan(dir, target, [...STACK_VARIANTS[target], "--quiet"]);
    assert.equal(run.code, 0, `${target}: ${run.stderr}`);
    plans[target] = run.plan;
  }
});

const pod = (name: string, namespace: string, labels: Record<string, string>, ports: [string, number, ("TCP" | "UDP")?][] = []): Pod => ({
  kind: "pod",
  name,
  namespace,
  labels,
  ports: ports.map(([n, containerPort, protocol]) => ({ name: n, containerPort, protocol })),
});
const address = (name: string, ip: string): Address => ({ kind: "address", name, ip });

/**
 * Where the API server answers: a k3s server's node address; an EKS control-plane ENI in the VPC
 * (10.0.0.0/16 by default) and the `kubernetes` Service's ClusterIP; a GKE private endpoint in
 * 172.16.0.0/28 (the default masterIpv4CidrBlock) and the Service's ClusterIP in 10.24.0.0/20.
 */
const API_SERVERS: Record<Target, Address[]> = {
  onprem: [address("api-server", "192.168.1.10")],
  prod: [address("api-server", "10.0.3.7"), address("api-cluster-ip", "172.20.0.1")],
  "prod-gke": [address("api-server", "172.16.0.2"), address("api-cluster-ip", "10.24.0.1")],
};
let currentApiServers: Address[] = [];
const INTERNET = address("internet", "203.0.113.10");
const METADATA = address("metadata", "169.254.169.254");
const GKE_METADATA_DPV2 = address("gke-metadata-dpv2", "169.254.169.252");
const MANAGED_STORE = address("managed-store", "10.0.12.34");

/** The charts' pods, as their templates label them. */
function chartPods(mesh: "linkerd" | "istio"): Pod[] {
  return [
    pod("kube-dns", "kube-system", { "k8s-app": "kube-dns" }, [["dns", 53, "UDP"], ["dns-tcp", 53]]),
    pod("traefik", "gateway", { "app.kubernetes.io/name": "traefik", "app.kubernetes.io/instance": "traefik-gateway" }, [["web", 8000], ["websecure", 8443], ["metrics", 9100]]),
    pod("acme-solver", "gateway", { "acme.cert-manager.io/http01-solver": "true" }, [["http", 8089]]),
    pod("prometheus", "monitoring", { "app.kubernetes.io/name": "prometheus", prometheus: "kube-prometheus-stack-prometheus" }, [["http-web", 9090]]),
    pod("grafana", "monitoring", { "app.kubernetes.io/name": "grafana" }, [["grafana", 3000]]),
    pod("loki", "monitoring", { "app.kubernetes.io/name": "loki", "app.kubernetes.io/component": "single-binary" }, [["http-metrics", 3100]]),
    pod("otel-collector", "monitoring", { "app.kubernetes.io/name": "opentelemetry-collector", "app.kubernetes.io/instance": "observability-otel-collector" }, [["otlp", 4317], ["otlp-http", 4318]]),
    pod("prometheus-operator", "monitoring", { "app.kubernetes.io/name": "kube-prometheus-stack-prometheus-operator" }, [["https", 10250]]),
    pod("cert-manager", "cert-manager", { "app.kubernetes.io/name": "cert-manager", "app.kubernetes.io/component": "controller" }, [["http-metrics", 9402]]),
    pod("cert-manager-webhook", "cert-manager", { "app.kubernetes.io/name": "webhook", "app.kubernetes.io/component": "webhook" }, [["https", 10250]]),
    pod("cnpg-operator", "cnpg-system", { "app.kubernetes.io/name": "cloudnative-pg" }, [["webhook-server", 9443], ["metrics", 8080]]),
    pod("rabbitmq-cluster-operator", "rabbitmq-system", { "app.kubernetes.io/name": "rabbitmq-cluster-operator" }, [["metrics", 9782]]),
    pod("messaging-topology-operator", "rabbitmq-system", { "app.kubernetes.io/name": "messaging-topology-operator" }, [["webhook-server", 9443]]),
    pod("velero", "velero", { "app.kubernetes.io/name": "velero", name: "velero" }, [["http-monitoring", 8085]]),
    ...(mesh === "linkerd"
      ? [
          pod("linkerd-destination", "linkerd", { "linkerd.io/control-plane-component": "destination" }, [["grpc", 8086], ["policy-grpc", 8090], ["sp-validator", 8443], ["policy-https", 9443]]),
          pod("linkerd-identity", "linkerd", { "linkerd.io/control-plane-component": "identity" }, [["grpc", 8080]]),
          pod("linkerd-proxy-injector", "linkerd", { "linkerd.io/control-plane-component": "proxy-injector" }, [["proxy-injector", 8443]]),
          pod("linkerd-heartbeat", "linkerd", { "linkerd.io/control-plane-component": "heartbeat" }),
        ]
      : [pod("istiod", "istio-system", { app: "istiod", istio: "pilot" }, [["grpc-xds", 15012], ["http-monitoring", 15014], ["https-webhooks", 15017]])]),
  ];
}

/** The plan's own pods, and those its custom resources make the operators create. */
function planPods(plan: PlanJson): Pod[] {
  const out: Pod[] = [];
  for (const r of plan.resources) {
    const inputs = r.inputs as any;
    const kind = r.type.split(":").at(-1);
    if (kind === "Deployment" || kind === "StatefulSet" || kind === "CronJob") {
      const template = kind === "CronJob" ? inputs.spec.jobTemplate.spec.template : inputs.spec.template;
      const ports = (template.spec.containers ?? []).flatMap((c: any) => (c.ports ?? []).map((p: any) => [p.name, p.containerPort, p.protocol] as [string, number, "TCP"]));
      // A CronJob's pods are named apart from the cluster the restore check's CronJob shares its name with.
      out.push(pod(kind === "CronJob" ? `${inputs.metadata.name}-job` : inputs.metadata.name, inputs.metadata.namespace, template.metadata.labels, ports));
    } else if (r.type === "kubernetes:postgresql.cnpg.io/v1:Cluster") {
      // @see https://cloudnative-pg.io/documentation/current/labels_annotations/
      out.push(pod(inputs.metadata.name, inputs.metadata.namespace, { "cnpg.io/cluster": inputs.metadata.name, "cnpg.io/podRole": "instance" }, [["postgresql", 5432], ["metrics", 9187], ["status", 8000]]));
      // The operator's Jobs (a replica's join, a recovery): `cnpg.io/jobRole`, no `cnpg.io/podRole` (pkg/specs/jobs.go at v1.30.0).
      out.push(pod(`${inputs.metadata.name}-join`, inputs.metadata.namespace, { "cnpg.io/cluster": inputs.metadata.name, "cnpg.io/jobRole": "join", "app.kubernetes.io/name": "postgresql", "app.kubernetes.io/component": "database" }));
    } else if (r.type === "kubernetes:postgresql.cnpg.io/v1:Pooler") {
      out.push(pod(inputs.metadata.name, inputs.metadata.namespace, { "cnpg.io/poolerName": inputs.metadata.name, "cnpg.io/podRole": "pooler", ...inputs.spec.template?.metadata?.labels }, [["pgbouncer", 5432], ["metrics", 9127]]));
    } else if (r.type === "kubernetes:rabbitmq.com/v1beta1:RabbitmqCluster") {
      // @see https://www.rabbitmq.com/kubernetes/operator/using-operator#labels
      out.push(
        pod(inputs.metadata.name, inputs.metadata.namespace, { "app.kubernetes.io/name": inputs.metadata.name, "app.kubernetes.io/component": "rabbitmq", "app.kubernetes.io/part-of": "rabbitmq" }, [
          ["amqps", 5671],
          ["management-tls", 15671],
          ["prometheus-tls", 15691],
          ["epmd", 4369],
          ["cluster-rpc", 25672],
        ]),
      );
    }
  }
  return out;
}

function policiesOf(plan: PlanJson): NetworkPolicy[] {
  return plan.resources.filter((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy").map((r) => r.inputs as any);
}

interface World {
  readonly policies: NetworkPolicy[];
  readonly pods: Map<string, Pod>;
  readonly namespaces: string[];
}

/**
 * What the mesh's injector adds to a meshed pod (apps, Traefik, Prometheus, Linkerd's own): the
 * proxy's label and metrics port (Linkerd's `linkerd-admin` 4191, Istio's `http-envoy-prom` 15090).
 */
function meshed(p: Pod, mesh: "linkerd" | "istio"): Pod {
  if (!(p.namespace === "apps" || p.namespace === "linkerd" || p.name === "traefik" || p.name === "prometheus")) return p;
  const [label, port]: [Record<string, string>, [string, number]] = mesh === "linkerd" ? [{ "linkerd.io/control-plane-ns": "linkerd" }, ["linkerd-admin", 4191]] : [{ "security.istio.io/tlsMode": "istio" }, ["http-envoy-prom", 15090]];
  return { ...p, labels: { ...p.labels, ...label }, ports: [...(p.ports ?? []), { name: port[0], containerPort: port[1] }] };
}

function world(target: Target): World {
  const plan = plans[target]!;
  const mesh = target === "onprem" ? "linkerd" : "istio";
  const all = [...planPods(plan), ...chartPods(mesh)].map((p) => meshed(p, mesh));
  const namespaces = plan.resources.filter((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy" && (r.inputs as any).metadata.name === "default-deny").map((r) => (r.inputs as any).metadata.namespace);
  // Only the add-ons the plan installs: a pod in a namespace nobody isolates is not the program's.
  const pods = new Map(all.filter((p) => p.namespace === "kube-system" || namespaces.includes(p.namespace)).map((p) => [p.name, p]));
  return { policies: policiesOf(plan), pods, namespaces };
}

type Row = [from: string, to: string, port: number, protocol?: "TCP" | "UDP"];

function endpoint(w: World, name: string): Endpoint {
  const fixed = [...currentApiServers, INTERNET, METADATA, GKE_METADATA_DPV2, MANAGED_STORE].find((a) => a.name === name);
  const found = fixed ?? w.pods.get(name);
  assert.ok(found, `no pod or address "${name}" (pods: ${[...w.pods.keys()].join(", ")})`);
  return found;
}

function check(target: Target, rows: readonly Row[], expected: boolean): void {
  const w = world(target);
  currentApiServers = API_SERVERS[target];
  const wrong = rows.filter(([from, to, port, protocol]) => allowed(w.policies, { from: endpoint(w, from), to: endpoint(w, to), port, protocol }) !== expected);
  assert.deepEqual(wrong, [], `${target}: ${expected ? "denied but wired" : "admitted but not wired"}`);
}

/** Paths every Kubernetes target wires. */
const WIRED_EVERYWHERE: Row[] = [
  ["podinfo", "kube-dns", 53, "UDP"],
  ["podinfo", "kube-dns", 53, "TCP"],
  ["orders-worker", "kube-dns", 53, "UDP"],
  ["traefik", "kube-dns", 53, "UDP"],
  ["prometheus", "kube-dns", 53, "UDP"],
  ["cert-manager", "kube-dns", 53, "UDP"],
  ["queue", "kube-dns", 53, "UDP"],
  // Service → its broker (both use the orders queue).
  ["podinfo", "queue", 5671],
  ["orders-worker", "queue", 5671],
  // Gateway → routed service; the internet → the gateway's entry points.
  ["traefik", "podinfo", 9898],
  ["internet", "traefik", 8443],
  ["internet", "traefik", 8000],
  ["traefik", "acme-solver", 8089],
  ["traefik", "api-server", 443],
  // Prometheus → scrape ports.
  ["prometheus", "podinfo", 9898],
  ["prometheus", "orders-worker", 9898],
  ["prometheus", "queue", 15691],
  ["prometheus", "traefik", 9100],
  ["prometheus", "cert-manager", 9402],
  ["prometheus", "velero", 8085],
  ["prometheus", "api-server", 10250],
  ["prometheus", "kube-dns", 9153],
  // Services → the collector; the monitoring stack's internal paths.
  ["podinfo", "otel-collector", 4317],
  ["orders-worker", "otel-collector", 4318],
  ["otel-collector", "loki", 3100],
  ["grafana", "prometheus", 9090],
  ["grafana", "loki", 3100],
  ["prometheus", "internet", 443],
  // Operators → operands, data-store peers.
  ["rabbitmq-cluster-operator", "queue", 15671],
  ["messaging-topology-operator", "queue", 15671],
  ["queue", "queue", 25672],
  ["queue", "queue", 4369],
  ["queue", "api-server", 443],
  // The API server → every admission webhook; pods that watch it → the API server.
  ["api-server", "cert-manager-webhook", 10250],
  ["api-server", "messaging-topology-operator", 9443],
  ["api-server", "prometheus-operator", 10250],
  ["cert-manager", "api-server", 443],
  ["cert-manager", "api-server", 6443],
  ["cert-manager-webhook", "api-server", 443],
  ["rabbitmq-cluster-operator", "api-server", 443],
  ["velero", "api-server", 443],
  ["prometheus", "api-server", 443],
  // ACME (and its HTTP-01 self check), backups.
  ["cert-manager", "internet", 443],
  ["cert-manager", "internet", 80],
  // The HTTP-01 self check, when kube-proxy or Dataplane V2 hands the load balancer's IP to Traefik's pods.
  ["cert-manager", "traefik", 8000],
  ["velero", "internet", 443],
];

/** A sample of what nobody wires. */
const UNWIRED_EVERYWHERE: Row[] = [
  // Any pod → the metadata endpoint (on GKE only the Workload Identity pods, see below).
  ["podinfo", "metadata", 80],
  ["orders-worker", "metadata", 80],
  ["traefik", "metadata", 80],
  ["cert-manager", "metadata", 80],
  ["queue", "metadata", 80],
  // A service → another service's port without `allowedCallers`, both ways.
  ["orders-worker", "podinfo", 9898],
  ["podinfo", "orders-worker", 9898],
  // The gateway → a service it does not route to (the worker).
  ["traefik", "orders-worker", 9898],
  // data → apps; a service → the internet or the API server; the internet → a store.
  ["queue", "podinfo", 9898],
  ["podinfo", "internet", 443],
  ["podinfo", "api-server", 443],
  ["internet", "queue", 5671],
  ["internet", "podinfo", 9898],
  // A service → the broker's clustering and management ports, an operator's webhook.
  ["podinfo", "queue", 25672],
  ["podinfo", "queue", 15671],
  ["podinfo", "cert-manager-webhook", 10250],
  // The gateway → data; a service → Prometheus.
  ["traefik", "queue", 5671],
  ["podinfo", "prometheus", 9090],
];

const WIRED: Record<Target, Row[]> = {
  onprem: [
    ...WIRED_EVERYWHERE,
    // podinfo uses postgres and redis; orders-worker postgres only.
    ["podinfo", "postgres", 5432],
    ["podinfo", "postgres-pooler-rw", 5432],
    ["orders-worker", "postgres-pooler-rw", 5432],
    ["podinfo", "redis-proxy", 6379],
    ["podinfo", "redis-sentinel", 26379],
    ["podinfo", "redis-server", 6379],
    ["postgres-pooler-rw", "postgres", 5432],
    ["postgres", "postgres", 5432],
    ["postgres-restore-check-job", "postgres-restore-check", 5432],
    ["postgres-restore-check-job", "postgres", 5432],
    ["postgres-restore-check", "internet", 443],
    ["postgres", "internet", 443],
    ["postgres", "api-server", 6443],
    // A new replica's join Job clones the primary; a recovery Job reads the object store.
    ["postgres-join", "postgres", 5432],
    ["postgres-join", "api-server", 6443],
    ["postgres-join", "internet", 443],
    ["redis-sentinel", "redis-server", 6379],
    ["redis-server", "redis-server", 6379],
    ["redis-proxy", "redis-sentinel", 26379],
    ["cnpg-operator", "postgres", 8000],
    ["cnpg-operator", "postgres", 5432],
    ["cnpg-operator", "api-server", 6443],
    ["api-server", "cnpg-operator", 9443],
    ["prometheus", "postgres", 9187],
    ["prometheus", "postgres-pooler-rw", 9127],
    ["prometheus", "redis-server", 9121],
    ["prometheus", "cnpg-operator", 8080],
    // Linkerd: proxies → destination, identity, policy; the API server → its webhooks; Prometheus → the proxies.
    ["podinfo", "linkerd-destination", 8086],
    ["podinfo", "linkerd-destination", 8090],
    ["orders-worker", "linkerd-identity", 8080],
    ["traefik", "linkerd-destination", 8086],
    ["prometheus", "linkerd-identity", 8080],
    ["api-server", "linkerd-proxy-injector", 8443],
    ["api-server", "linkerd-destination", 8443],
    ["api-server", "linkerd-destination", 9443],
    ["linkerd-destination", "api-server", 6443],
    ["prometheus", "podinfo", 4191],
    ["prometheus", "traefik", 4191],
    ["linkerd-heartbeat", "internet", 443],
  ],
  prod: [
    ...WIRED_EVERYWHERE,
    ["cert-manager", "api-cluster-ip", 443],
    ["traefik", "api-cluster-ip", 443],
    // RDS and ElastiCache: private addresses in the VPC.
    ["podinfo", "managed-store", 5432],
    ["orders-worker", "managed-store", 5432],
    ["podinfo", "managed-store", 6379],
    // Istio: sidecars → istiod; the API server → its injector; Prometheus → the sidecars' metrics.
    ["podinfo", "istiod", 15012],
    ["traefik", "istiod", 15012],
    ["prometheus", "istiod", 15012],
    ["api-server", "istiod", 15017],
    ["istiod", "api-server", 443],
    ["prometheus", "istiod", 15014],
    ["prometheus", "podinfo", 15090],
    ["prometheus", "podinfo", 15020],
  ],
  "prod-gke": [],
};
WIRED["prod-gke"] = [
  // Memorystore with in-transit encryption answers on 6378, ElastiCache on 6379.
  ...WIRED.prod.map(([from, to, port, protocol]): Row => (to === "managed-store" && port === 6379 ? [from, to, 6378, protocol] : [from, to, port, protocol])),
  // Workload Identity: the GKE metadata server, for the pods whose ServiceAccount is bound.
  ["velero", "metadata", 80],
  ["velero", "gke-metadata-dpv2", 988],
  ["prometheus", "metadata", 80],
];

const UNWIRED: Record<Target, Row[]> = {
  onprem: [
    ...UNWIRED_EVERYWHERE,
    // orders-worker does not use redis.
    ["orders-worker", "redis-proxy", 6379],
    ["orders-worker", "redis-sentinel", 26379],
    ["orders-worker", "redis-server", 6379],
    ["podinfo", "postgres", 8000],
    ["postgres", "podinfo", 9898],
    ["redis-server", "postgres", 5432],
    ["velero", "metadata", 80],
    ["traefik", "postgres", 5432],
    ["api-server", "postgres", 5432],
    ["linkerd-destination", "internet", 80],
    ["postgres-restore-check-job", "podinfo", 9898],
    ["postgres-restore-check-job", "internet", 443],
    ["postgres-join", "podinfo", 9898],
    ["postgres-join", "metadata", 80],
    ["postgres-join", "redis-server", 6379],
  ],
  prod: [
    ...UNWIRED_EVERYWHERE,
    // orders-worker does not use redis (ElastiCache).
    ["orders-worker", "managed-store", 6379],
    ["traefik", "managed-store", 5432],
    ["velero", "metadata", 80],
    ["prometheus", "metadata", 80],
    ["podinfo", "istiod", 15017],
    // The API server's addresses are known on the clouds: pods that call it get no internet from it.
    ["traefik", "internet", 443],
    ["queue", "internet", 443],
    ["podinfo", "api-cluster-ip", 443],
  ],
  "prod-gke": [],
};
UNWIRED["prod-gke"] = [
  ...UNWIRED.prod.filter(([from, to]) => !(to === "metadata" && (from === "velero" || from === "prometheus"))).map(([from, to, port, protocol]): Row => (to === "managed-store" && port === 6379 ? [from, to, 6378, protocol] : [from, to, port, protocol])),
  ["podinfo", "managed-store", 6379],
];

for (const target of TARGETS) {
  describe(`NetworkPolicies of ${target}`, () => {
    it("isolates every namespace the program creates, and no other", () => {
      const w = world(target);
      const created = new Set(plans[target]!.resources.filter((r) => r.type.startsWith("kubernetes:") && r.type !== "kubernetes:core/v1:Namespace").map((r) => (r.inputs as any)?.metadata?.namespace ?? (r.inputs as any)?.namespace));
      created.delete(undefined);
      created.delete("kube-system");
      assert.deepEqual([...w.namespaces].sort(), [...created].sort());
    });

    it("creates NetworkPolicies the upstream schema accepts", () => {
      const errors = policiesOf(plans[target]!).flatMap((p) => schemaErrors({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", ...p }).map((e) => `${p.metadata.namespace}/${p.metadata.name}: ${e}`));
      assert.deepEqual(errors, []);
    });

    it("uses no endPort, which Cilium (GKE Dataplane V2) long accepted and enforced as its first port only", () => {
      const ranged = policiesOf(plans[target]!).filter((p) => JSON.stringify(p.spec).includes('"endPort"')).map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
      assert.deepEqual(ranged, []);
    });

    it("admits every path the program wires", () => check(target, WIRED[target], true));
    it("denies the paths it does not wire", () => check(target, UNWIRED[target], false));

    it("admits Prometheus to every port the plan's PodMonitors and ServiceMonitors scrape", () => {
      const w = world(target);
      currentApiServers = API_SERVERS[target];
      const resources = plans[target]!.resources.map((r) => ({ type: r.type, ...(r.inputs as any) }));
      const services = resources.filter((r) => r.type === "kubernetes:core/v1:Service");
      const scraped: [Pod, number][] = [];
      for (const m of resources.filter((r) => /:(PodMonitor|ServiceMonitor)$/.test(r.type))) {
        const selector = m.spec.namespaceSelector ?? {};
        const inNamespace = (ns: string) => selector.any === true || (selector.matchNames ?? [m.metadata.namespace]).includes(ns);
        for (const endpoint of m.spec.podMetricsEndpoints ?? []) {
          for (const p of w.pods.values()) {
            const port = p.ports?.find((cp) => cp.name === endpoint.port);
            if (inNamespace(p.namespace) && port && selectorMatches(m.spec.selector, p.labels)) scraped.push([p, port.containerPort]);
          }
        }
        // A ServiceMonitor's port names a Service port; its targetPort a container port of the Service's pods.
        for (const endpoint of m.spec.endpoints ?? []) {
          for (const svc of services.filter((v) => inNamespace(v.metadata.namespace) && selectorMatches(m.spec.selector, v.metadata.labels ?? {}))) {
            const target = svc.spec.ports.find((sp: any) => sp.name === endpoint.port)?.targetPort;
            for (const p of [...w.pods.values()].filter((q) => q.namespace === svc.metadata.namespace && selectorMatches({ matchLabels: svc.spec.selector }, q.labels))) {
              const port = typeof target === "number" ? target : p.ports?.find((cp) => cp.name === target)?.containerPort;
              if (port) scraped.push([p, port]);
            }
          }
        }
      }
      assert.ok(scraped.length >= 6, `the monitors select pods (${scraped.length})`);
      const prometheus = endpoint(w, "prometheus");
      const refused = scraped.filter(([p, port]) => !allowed(w.policies, { from: prometheus, to: p, port })).map(([p, port]) => `${p.namespace}/${p.name}:${port}`);
      assert.deepEqual(refused, []);
    });

    it("admits in the network exactly the callers the mesh admits", () => {
      const w = world(target);
      currentApiServers = API_SERVERS[target];
      const plan = plans[target]!;
      // Identities the mesh admits per service: Istio principals or Linkerd identities, as namespace/account.
      const admitted = new Map<string, Set<string>>();
      for (const r of plan.resources) {
        const inputs = r.inputs as any;
        if (r.type === "kubernetes:security.istio.io/v1:AuthorizationPolicy") {
          const principals: string[] = inputs.spec.rules?.flatMap((rule: any) => rule.from.flatMap((f: any) => f.source.principals)) ?? [];
          admitted.set(inputs.metadata.name, new Set(principals.map((p) => p.replace(/^cluster\.local\/ns\/([^/]+)\/sa\/(.+)$/, "$1/$2"))));
        } else if (r.type === "kubernetes:policy.linkerd.io/v1alpha1:MeshTLSAuthentication") {
          admitted.set(inputs.metadata.name, new Set(inputs.spec.identities.map((i: string) => i.replace(/^([^.]+)\.([^.]+)\.serviceaccount\..*$/, "$2/$1"))));
        }
      }
      const services = ["podinfo", "orders-worker"];
      const callers: Record<string, string> = { traefik: "gateway/traefik", prometheus: "monitoring/kube-prometheus-stack-prometheus", podinfo: "apps/podinfo", "orders-worker": "apps/orders-worker" };
      assert.ok(admitted.size >= services.length, "the mesh's policies are in the plan");
      for (const service of services) {
        for (const [caller, identity] of Object.entries(callers)) {
          const mesh = admitted.get(service)?.has(identity) ?? false;
          const network = allowed(w.policies, { from: endpoint(w, caller), to: endpoint(w, service), port: 9898 });
          assert.equal(network, mesh, `${target}: ${caller} → ${service}: mesh ${mesh ? "admits" : "refuses"}, network ${network ? "admits" : "refuses"}`);
        }
      }
    });
  });
}

describe("the evaluator (Kubernetes' documented semantics)", () => {
  const a = pod("a", "x", { app: "a" }, [["http", 8080]]);
  const b = pod("b", "y", { app: "b" }, [["http", 8080], ["metrics", 9090]]);
  const np = (namespace: string, spec: any): NetworkPolicy => ({ metadata: { name: "p", namespace }, spec });
  const denyAll = (ns: string) => np(ns, { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
  const egressTo = (peer: any, ports?: any[]) => np("x", { podSelector: { matchLabels: { app: "a" } }, policyTypes: ["Egress"], egress: [{ to: [peer], ...(ports ? { ports } : {}) }] });
  const ingressFrom = (peer: any, ports?: any[]) => np("y", { podSelector: { matchLabels: { app: "b" } }, policyTypes: ["Ingress"], ingress: [{ from: [peer], ...(ports ? { ports } : {}) }] });
  const toB = { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "y" } }, podSelector: { matchLabels: { app: "b" } } };
  const fromA = { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "x" } }, podSelector: { matchLabels: { app: "a" } } };
  const cases: [string, NetworkPolicy[], Endpoint, Endpoint, number, boolean][] = [
    ["no policy: everything is admitted", [], a, b, 8080, true],
    ["default deny at both ends", [denyAll("x"), denyAll("y")], a, b, 8080, false],
    ["egress allowed, ingress denied: both ends must allow", [denyAll("x"), denyAll("y"), egressTo(toB)], a, b, 8080, false],
    ["both ends allow", [denyAll("x"), denyAll("y"), egressTo(toB), ingressFrom(fromA)], a, b, 8080, true],
    ["a named port resolves against the destination's ports", [denyAll("x"), denyAll("y"), egressTo(toB, [{ port: "metrics" }]), ingressFrom(fromA)], a, b, 9090, true],
    ["a named port does not admit another port", [denyAll("x"), denyAll("y"), egressTo(toB, [{ port: "metrics" }]), ingressFrom(fromA)], a, b, 8080, false],
    ["endPort admits a range", [denyAll("x"), egressTo(toB, [{ port: 8000, endPort: 8100 }])], a, b, 8080, true],
    ["a UDP rule does not admit TCP", [denyAll("x"), egressTo(toB, [{ port: 8080, protocol: "UDP" }])], a, b, 8080, false],
    ["podSelector alone selects the policy's own namespace", [denyAll("x"), egressTo({ podSelector: { matchLabels: { app: "b" } } })], a, b, 8080, false],
    ["ipBlock admits an address in cidr", [denyAll("x"), egressTo({ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.169.254/32"] } })], a, INTERNET, 443, true],
    ["ipBlock's except denies the metadata endpoint", [denyAll("x"), egressTo({ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.169.254/32"] } })], a, METADATA, 80, false],
    ["ipBlock does not select pods", [denyAll("x"), egressTo({ ipBlock: { cidr: "0.0.0.0/0" } })], a, b, 8080, false],
  ];
  for (const [name, policies, from, to, port, expected] of cases) {
    it(name, () => assert.equal(allowed(policies, { from, to, port }), expected));
  }

  it("can fail: without the egress side, every path to an address outside the pod network is admitted", () => {
    currentApiServers = API_SERVERS.onprem;
    const w = world("onprem");
    const ingressOnly = w.policies.filter((p) => p.metadata.name !== "default-deny" && !p.metadata.name.endsWith(".out"));
    const admitted = UNWIRED.onprem.filter(([from, to, port, protocol]) => allowed(ingressOnly, { from: endpoint(w, from), to: endpoint(w, to), port, protocol }));
    const toAddresses = UNWIRED.onprem.filter(([, to]) => endpoint(w, to).kind === "address");
    assert.ok(toAddresses.length >= 5, "the sample has paths to addresses");
    assert.deepEqual(
      admitted.filter(([, to]) => endpoint(w, to).kind === "address"),
      toAddresses,
    );
  });
});

describe("the policies' ordering", () => {
  it("waits for the stack's components through one barrier, so each policy carries one dependency, not the whole stack's", () => {
    for (const target of TARGETS) {
      const resources = plans[target]!.resources as { type: string; name: string; urn: string; dependencies?: string[] }[];
      const barrier = resources.find((r) => r.type === "random:index/randomId:RandomId" && r.name === "network-after");
      assert.ok(barrier, `${target}: the barrier`);
      // It waits for what the policies must come after: the gateway's release among them.
      assert.ok((barrier.dependencies ?? []).some((u) => u.includes("gateway")), `${target}: the barrier waits for the gateway`);
      const policies = resources.filter((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy" && r.urn.includes("NetworkPolicies"));
      assert.ok(policies.length > 0);
      for (const p of policies) {
        assert.ok(p.dependencies?.includes(barrier.urn), `${target}: ${p.name} waits for the barrier`);
        // A deny also waits for its namespace's allows; nothing else.
        assert.ok((p.dependencies ?? []).every((u) => u === barrier.urn || u.includes("NetworkPolicy")), `${target}: ${p.name} depends only on the barrier and allows`);
      }
    }
  });
});
