/**
 * The rules that catch what fails only on a real cluster's first `pulumi up`: an object created
 * twice, a webhook a private GKE control plane cannot reach, node pools too small for the requests.
 * Each rule runs over fixtures shaped as the capture step records them, one compliant case
 * and one mutation per way it fails, asserting the exact message.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CapturedResource } from "../plan/capture";
import { runPolicies } from "../plan/policy-runner";
import { gkeWebhooksReachable, kubernetesUniqueObjects, nodeCapacity } from "../policies/rules";
import { capacityReport } from "../policies/rules/capacity";
import { eksNodeAllocatable, gkeNodeAllocatable } from "../components/contract/node-types";
import { compliantGkeCluster, mutate, resource, urnOf } from "./support/policy-fixtures";

// What a value not known until apply looks like to a policy during preview.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { unknownStringValue } = require("@pulumi/policy/proxy") as { unknownStringValue: string };

const PROVIDER = "pulumi:providers:kubernetes";
const CLUSTER_OPERATOR = "https://github.com/rabbitmq/cluster-operator/releases/download/v2.22.3/cluster-operator.yml";
const TOPOLOGY_OPERATOR = "https://github.com/rabbitmq/messaging-topology-operator/releases/download/v1.20.1/messaging-topology-operator-with-certmanager.yaml";

/** A Kubernetes provider, and a function that puts a resource on it. */
function provider(name: string, inputs: Record<string, unknown> = {}): [CapturedResource, (r: CapturedResource) => CapturedResource] {
  const p = resource(PROVIDER, name, { kubeconfig: "kubeconfig-a", enableServerSideApply: "true", ...inputs });
  return [p, (r) => ({ ...r, provider: `${p.urn}::${name}-id` })];
}
const [cluster, onCluster] = provider("cluster");
const [adopting, onAdopting] = provider("adopting", { upsertExistingObjects: "true" });
const [otherCluster, onOtherCluster] = provider("other", { kubeconfig: "kubeconfig-b" });
const providers = [cluster, adopting, otherCluster];

const namespace = (name: string, objectName = "data") => onCluster(resource("kubernetes:core/v1:Namespace", name, { metadata: { name: objectName } }));
const configMap = (name: string, ns: string) => onCluster(resource("kubernetes:core/v1:ConfigMap", name, { metadata: { name: "settings", namespace: ns } }));
const manifest = (name: string, file: string) => onCluster(resource("kubernetes:yaml/v2:ConfigFile", name, { file }));
const helm = (name: string, ns: string, dependsOn: CapturedResource[] = []) => ({
  ...onCluster(resource("kubernetes:helm.sh/v3:Release", name, { chart: "traefik", namespace: ns, createNamespace: true })),
  dependencies: dependsOn.map((r) => r.urn),
});

/** Both operator manifests as a real preview registers them: each ConfigFile with its Namespace child. */
function previewChildren(adoptSecond: boolean): CapturedResource[] {
  const second = adoptSecond ? onAdopting : onCluster;
  const files = [manifest("cluster-operator", CLUSTER_OPERATOR), second(resource("kubernetes:yaml/v2:ConfigFile", "topology-operator", { file: TOPOLOGY_OPERATOR }))];
  const children = files.map((file, i) => ({
    ...(i === 0 ? onCluster : second)(resource("kubernetes:core/v1:Namespace", `${file.name}:rabbitmq-system`, { apiVersion: "v1", kind: "Namespace", metadata: { name: "rabbitmq-system" } })),
    parent: file.urn,
  }));
  return [...files, ...children];
}

const twice = (key: string, a: string, b: string) =>
  `${key} is created by "${a}" and "${b}"; the second create fails with AlreadyExists. Create it once, or adopt it with a provider that sets upsertExistingObjects.`;

describe("kubernetes-unique-objects", () => {
  const dataNs = namespace("data-ns");
  const cases: { name: string; resources: CapturedResource[]; violations: { message: string; urn: string }[] }[] = [
    { name: "one Namespace, and ConfigMaps of one name in two namespaces", resources: [dataNs, configMap("a", "data"), configMap("b", "apps")], violations: [] },
    {
      name: "two resources that create one Namespace",
      resources: [dataNs, namespace("data-again")],
      violations: [{ message: twice("core/Namespace//data", "data-ns", "data-again"), urn: urnOf("kubernetes:core/v1:Namespace", "data-again") }],
    },
    {
      name: "two resources that create one ConfigMap in one namespace",
      resources: [configMap("a", "data"), configMap("b", "data")],
      violations: [{ message: twice("core/ConfigMap/data/settings", "a", "b"), urn: urnOf("kubernetes:core/v1:ConfigMap", "b") }],
    },
    { name: "the same Namespace on two clusters", resources: [dataNs, onOtherCluster(resource("kubernetes:core/v1:Namespace", "data-there", { metadata: { name: "data" } }))], violations: [] },
    {
      name: "a patch of an object another resource creates",
      resources: [dataNs, onCluster(resource("kubernetes:core/v1:NamespacePatch", "data-labels", { metadata: { name: "data", labels: { team: "a" } } }))],
      violations: [],
    },
    {
      name: "both RabbitMQ operators' manifests through one provider (both hold Namespace rabbitmq-system)",
      resources: [manifest("cluster-operator", CLUSTER_OPERATOR), manifest("topology-operator", TOPOLOGY_OPERATOR)],
      violations: [{ message: twice("core/Namespace//rabbitmq-system", "cluster-operator", "topology-operator"), urn: urnOf("kubernetes:yaml/v2:ConfigFile", "topology-operator") }],
    },
    {
      name: "the second manifest through a provider that adopts existing objects",
      resources: [manifest("cluster-operator", CLUSTER_OPERATOR), onAdopting(resource("kubernetes:yaml/v2:ConfigFile", "topology-operator", { file: TOPOLOGY_OPERATOR }))],
      violations: [],
    },
    {
      name: "a manifest's Namespace also created by the program",
      resources: [manifest("cluster-operator", CLUSTER_OPERATOR), namespace("operators", "rabbitmq-system")],
      violations: [{ message: twice("core/Namespace//rabbitmq-system", "cluster-operator", "operators"), urn: urnOf("kubernetes:core/v1:Namespace", "operators") }],
    },
    {
      name: "a real preview's manifest children (the second manifest's through the adopting provider)",
      resources: previewChildren(true),
      violations: [],
    },
    {
      name: "a real preview's manifest children, both through the cluster's provider",
      resources: previewChildren(false),
      violations: [{ message: twice("core/Namespace//rabbitmq-system", "cluster-operator:rabbitmq-system", "topology-operator:rabbitmq-system"), urn: urnOf("kubernetes:core/v1:Namespace", "topology-operator:rabbitmq-system") }],
    },
    { name: "a Helm release that creates its namespace after the program's Namespace", resources: [dataNs, helm("traefik", "data", [dataNs])], violations: [] },
    {
      name: "a Helm release that may create the program's Namespace first",
      resources: [dataNs, helm("traefik", "data")],
      violations: [
        {
          message: 'core/Namespace//data may be created first by Helm release "traefik" (createNamespace), and then "data-ns" fails with AlreadyExists; make the release depend on it.',
          urn: urnOf("kubernetes:helm.sh/v3:Release", "traefik"),
        },
      ],
    },
  ];
  for (const c of cases) {
    it(`${c.violations.length ? "reports" : "accepts"} ${c.name}`, async () => {
      const report = await runPolicies([kubernetesUniqueObjects], [...providers, ...c.resources]);
      assert.deepEqual(
        report.violations.map((v) => ({ message: v.message, urn: v.urn })),
        c.violations,
      );
    });
  }
});

describe("gke-webhooks-reachable", () => {
  const gke = mutate(compliantGkeCluster(), (i) => (i.network = "platform-network"));
  const release = (name: string, chart: string) => resource("kubernetes:helm.sh/v3:Release", name, { chart, namespace: name });
  const firewall = (name: string, inputs: Record<string, unknown>) =>
    resource("gcp:compute/firewall:Firewall", name, { network: "platform-network", direction: "INGRESS", sourceRanges: ["172.16.0.0/28"], ...inputs });
  const webhooks = firewall("webhooks", { allows: [{ protocol: "tcp", ports: ["8443", "9443", "15017"] }] });
  const closed = (resourceName: string, what: string, ports: string) =>
    `"${resourceName}" installs ${what}, served on TCP ${ports}, which the control plane of private GKE cluster "platform" (172.16.0.0/28) cannot reach: ` +
    `GKE's own rule opens only 443 and 10250. Add an ingress firewall rule from 172.16.0.0/28 to the nodes on ${ports} (GkeCluster's webhookPorts).`;
  const ISTIOD = "istiod (sidecar injector, config validation)";
  const KEDA = "KEDA metrics API server (the v1beta1.external.metrics.k8s.io API, 6443) and admission webhooks (9443)";
  const LINKERD = "Linkerd proxy injector and service-profile validator (8443), policy validator (9443)";
  const istiod = release("istiod", "istiod");
  const pool = resource("gcp:container/nodePool:NodePool", "general", { nodeConfig: { serviceAccount: "nodes@acme.iam.gserviceaccount.com", machineType: "e2-standard-4" } });
  const cases: { name: string; resources: CapturedResource[]; violations: string[] }[] = [
    { name: "webhooks on GKE's own ports (cert-manager, the Prometheus operator) without a rule", resources: [gke, release("cert-manager", "cert-manager"), release("monitoring", "kube-prometheus-stack")], violations: [] },
    { name: "istiod, Linkerd and both RabbitMQ operators behind a rule that opens their ports", resources: [gke, webhooks, istiod, release("linkerd", "oci://ghcr.io/linkerd/linkerd-control-plane"), manifest("ops", CLUSTER_OPERATOR), manifest("topology", TOPOLOGY_OPERATOR)], violations: [] },
    { name: "istiod without a rule", resources: [gke, istiod], violations: [closed("istiod", ISTIOD, "15017")] },
    { name: "Linkerd behind a rule that opens only 8443", resources: [gke, firewall("partial", { allows: [{ protocol: "tcp", ports: ["8443"] }] }), release("linkerd", "linkerd-control-plane")], violations: [closed("linkerd", LINKERD, "9443")] },
    { name: "a rule that opens a range of ports", resources: [gke, firewall("range", { allows: [{ protocol: "tcp", ports: ["8000-16000"] }] }), istiod], violations: [] },
    { name: "a rule for all protocols without ports", resources: [gke, firewall("all", { allows: [{ protocol: "all" }] }), istiod], violations: [] },
    { name: "a rule from a range that contains the control plane's", resources: [gke, firewall("wide", { sourceRanges: ["172.16.0.0/12"], allows: [{ protocol: "tcp", ports: ["15017"] }] }), istiod], violations: [] },
    { name: "a rule from another range", resources: [gke, firewall("elsewhere", { sourceRanges: ["10.0.0.0/8"], allows: [{ protocol: "tcp", ports: ["15017"] }] }), istiod], violations: [closed("istiod", ISTIOD, "15017")] },
    { name: "a rule on another network", resources: [gke, firewall("other-net", { network: "other-network", allows: [{ protocol: "tcp", ports: ["15017"] }] }), istiod], violations: [closed("istiod", ISTIOD, "15017")] },
    {
      name: "a rule for another service account's VMs",
      resources: [gke, pool, firewall("other-sa", { targetServiceAccounts: ["ci@acme.iam.gserviceaccount.com"], allows: [{ protocol: "tcp", ports: ["15017"] }] }), istiod],
      violations: [closed("istiod", ISTIOD, "15017")],
    },
    { name: "a rule for the node pools' service account", resources: [gke, pool, firewall("nodes-sa", { targetServiceAccounts: ["nodes@acme.iam.gserviceaccount.com"], allows: [{ protocol: "tcp", ports: ["15017"] }] }), istiod], violations: [] },
    { name: "a UDP rule", resources: [gke, firewall("udp", { allows: [{ protocol: "udp", ports: ["15017"] }] }), istiod], violations: [closed("istiod", ISTIOD, "15017")] },
    { name: "a disabled rule", resources: [gke, mutate(webhooks, (i) => (i.disabled = true)), istiod], violations: [closed("istiod", ISTIOD, "15017")] },
    { name: "an egress rule", resources: [gke, mutate(webhooks, (i) => (i.direction = "EGRESS")), istiod], violations: [closed("istiod", ISTIOD, "15017")] },
    { name: "KEDA behind the pre-KEDA default rule (8443, 9443, 15017): its external metrics API on 6443 is closed", resources: [gke, webhooks, release("keda", "keda")], violations: [closed("keda", KEDA, "6443")] },
    { name: "KEDA behind a rule that opens 6443 and 9443", resources: [gke, firewall("keda-ports", { allows: [{ protocol: "tcp", ports: ["6443", "9443"] }] }), release("keda", "keda")], violations: [] },
    { name: "istiod on a cluster with public nodes", resources: [mutate(gke, (i) => (i.privateClusterConfig.enablePrivateNodes = false)), istiod], violations: [] },
  ];
  for (const c of cases) {
    it(`${c.violations.length ? "reports" : "accepts"} ${c.name}`, async () => {
      const report = await runPolicies([gkeWebhooksReachable], c.resources);
      assert.deepEqual(report.violations.map((v) => v.message), c.violations);
    });
  }
});

describe("node allocatable table", () => {
  it("reserves what the node images reserve: EKS AL2023 (CPU bands, 11 MiB per pod + 255 MiB, 100 MiB eviction) and GKE (CPU bands, memory bands)", () => {
    // By hand: t3.medium 2000m − (60 + 10), 4096Mi − (11 × 17 + 255) − 100; m6i.xlarge 4000m − 80, 16384Mi − (11 × 58 + 255) − 100.
    assert.deepEqual(eksNodeAllocatable("t3.medium"), { cpuMillis: 1930, memoryMiB: 3554 });
    assert.deepEqual(eksNodeAllocatable("m6i.large"), { cpuMillis: 1930, memoryMiB: 7518 });
    assert.deepEqual(eksNodeAllocatable("m6i.xlarge"), { cpuMillis: 3920, memoryMiB: 15391 });
    // By hand: e2-standard-4 16384Mi − (1024 + 819 + 819) − 100; e2-standard-2 8192Mi − (1024 + 819) − 100.
    assert.deepEqual(gkeNodeAllocatable("e2-standard-4"), { cpuMillis: 3920, memoryMiB: 13622 });
    assert.deepEqual(gkeNodeAllocatable("e2-standard-2"), { cpuMillis: 1930, memoryMiB: 6249 });
    assert.equal(eksNodeAllocatable("x9.huge"), undefined);
  });
});

describe("node-capacity", () => {
  const prod = new Map([["environment", "prod"]]);
  const pod = (cpu: string, memory: string) => ({ containers: [{ name: "app", image: "app:1.0.0", resources: { requests: { cpu, memory }, limits: { cpu, memory } } }] });
  const deployment = (name: string, replicas: number | undefined, cpu = "500m", memory = "1Gi", namespace = "apps") =>
    resource("kubernetes:apps/v1:Deployment", name, { metadata: { name, namespace }, spec: { ...(replicas === undefined ? {} : { replicas }), template: { metadata: {}, spec: pod(cpu, memory) } } });
  const nodeGroup = (instanceTypes: string[], minSize: number) => resource("aws:eks/nodeGroup:NodeGroup", "general", { instanceTypes, scalingConfig: { minSize, desiredSize: minSize, maxSize: 9 } });
  const twoLarge = nodeGroup(["m6i.large"], 2);
  const short = (requests: string, pools: string, allocatable: string, missing: string) =>
    `The stack requests ${requests}, but its node pools allocate ${allocatable} at their minimum size (${pools}): ${missing} short. Raise the pools' minimum size or use a larger instance type.`;
  const LARGE = "2 × m6i.large (1930m, 7518Mi allocatable each)";
  const cases: { name: string; resources: CapturedResource[]; tags?: Map<string, string>; violations: string[] }[] = [
    { name: "8 × 500m on 2 × m6i.large (4.00 of 3.86 vCPU)", resources: [twoLarge, deployment("web", 8)], violations: [short("4.00 vCPU and 8.0 GiB", LARGE, "3.86 vCPU and 14.7 GiB", "0.14 vCPU")] },
    { name: "7 × 500m on 2 × m6i.large", resources: [twoLarge, deployment("web", 7)], violations: [] },
    { name: "the same shortfall in dev", resources: [twoLarge, deployment("web", 8)], tags: new Map([["environment", "dev"]]), violations: [] },
    { name: "memory beyond the pools", resources: [twoLarge, deployment("cache", 4, "100m", "4Gi")], violations: [short("0.40 vCPU and 16.0 GiB", LARGE, "3.86 vCPU and 14.7 GiB", "1.3 GiB")] },
    { name: "a group listing a smaller type second (the smallest counts)", resources: [nodeGroup(["m6i.xlarge", "t3.medium"], 2), deployment("web", 7)], violations: [short("3.50 vCPU and 7.0 GiB", "2 × t3.medium (1930m, 3554Mi allocatable each)", "3.86 vCPU and 6.9 GiB", "0.1 GiB")] },
    { name: "an instance type not in the table", resources: [nodeGroup(["x9.huge"], 1), deployment("web", 50)], violations: [] },
    {
      name: "an HPA's minimum instead of unset replicas",
      resources: [twoLarge, deployment("web", undefined), resource("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "web", { metadata: { name: "web", namespace: "apps" }, spec: { scaleTargetRef: { kind: "Deployment", name: "web" }, minReplicas: 8, maxReplicas: 10 } })],
      violations: [short("4.00 vCPU and 8.0 GiB", LARGE, "3.86 vCPU and 14.7 GiB", "0.14 vCPU")],
    },
    {
      name: "a KEDA ScaledObject's minReplicaCount instead of unset replicas",
      resources: [twoLarge, deployment("worker", undefined), resource("kubernetes:keda.sh/v1alpha1:ScaledObject", "worker", { metadata: { name: "worker", namespace: "apps" }, spec: { scaleTargetRef: { name: "worker" }, minReplicaCount: 8, maxReplicaCount: 10, triggers: [] } })],
      violations: [short("4.00 vCPU and 8.0 GiB", LARGE, "3.86 vCPU and 14.7 GiB", "0.14 vCPU")],
    },
    { name: "a ScaledObject that scales to zero (no pod at minimum)", resources: [twoLarge, deployment("web", 7), deployment("worker", undefined), resource("kubernetes:keda.sh/v1alpha1:ScaledObject", "worker", { metadata: { name: "worker", namespace: "apps" }, spec: { scaleTargetRef: { name: "worker" }, minReplicaCount: 0, triggers: [] } })], violations: [] },
    {
      name: "KEDA's per-component resources times each component's replicaCount (3 × 2 × 500m + 3 × 500m)",
      resources: [
        twoLarge,
        deployment("web", 3),
        resource("kubernetes:helm.sh/v3:Release", "keda", {
          chart: "keda",
          namespace: "keda",
          values: { operator: { replicaCount: 2 }, metricsServer: { replicaCount: 2 }, webhooks: { replicaCount: 2 }, resources: Object.fromEntries(["operator", "metricServer", "webhooks"].map((c) => [c, { requests: { cpu: "500m", memory: "1Gi" } }])) },
        }),
      ],
      violations: [short("4.50 vCPU and 9.0 GiB", LARGE, "3.86 vCPU and 14.7 GiB", "0.64 vCPU")],
    },
    {
      name: "Istio's sidecars pushing a namespace over (7 × (500m + 60m))",
      resources: [
        twoLarge,
        deployment("web", 7),
        resource("kubernetes:core/v1:Namespace", "apps", { metadata: { name: "apps", labels: { "istio-injection": "enabled" } } }),
        resource("kubernetes:helm.sh/v3:Release", "istiod", { chart: "istiod", namespace: "istio-system", values: { global: { proxy: { resources: { requests: { cpu: "60m", memory: "128Mi" } } } } } }),
      ],
      violations: [short("3.92 vCPU and 7.9 GiB", LARGE, "3.86 vCPU and 14.7 GiB", "0.06 vCPU")],
    },
    {
      name: "the shortfall while a release's other values are not known yet (a first preview)",
      resources: [twoLarge, deployment("web", 8), resource("kubernetes:helm.sh/v3:Release", "lbc", { chart: "aws-load-balancer-controller", namespace: "kube-system", values: { vpcId: unknownStringValue, replicaCount: 2, resources: { requests: { cpu: "1m", memory: "1Mi" } } } })],
      violations: [short("4.00 vCPU and 8.0 GiB", LARGE, "3.86 vCPU and 14.7 GiB", "0.14 vCPU")],
    },
    {
      name: "Karpenter's top-level replicas over controller.resources, and a collector in daemonset mode once per node",
      resources: [
        twoLarge,
        deployment("web", 6),
        resource("kubernetes:helm.sh/v3:Release", "karpenter", { chart: "oci://public.ecr.aws/karpenter/karpenter", namespace: "kube-system", values: { replicas: 2, controller: { resources: { requests: { cpu: "400m", memory: "1Gi" } } } } }),
        resource("kubernetes:helm.sh/v3:Release", "logs", { chart: "opentelemetry-collector", namespace: "monitoring", values: { mode: "daemonset", resources: { requests: { cpu: "50m", memory: "64Mi" } } } }),
      ],
      // 6 × 500m + 2 × 400m + 2 nodes × 50m = 3900m (3500m with one controller, 3850m with one collector).
      violations: [short("3.90 vCPU and 8.1 GiB", LARGE, "3.86 vCPU and 14.7 GiB", "0.04 vCPU")],
    },
    {
      name: "Helm values' requests times their replicas, and a DaemonSet once per node",
      resources: [
        twoLarge,
        resource("kubernetes:helm.sh/v3:Release", "monitoring", { chart: "kube-prometheus-stack", namespace: "monitoring", values: { prometheus: { prometheusSpec: { replicas: 2, resources: { requests: { cpu: "1500m", memory: "4Gi" } } } } } }),
        resource("kubernetes:apps/v1:DaemonSet", "agent", { metadata: { name: "agent", namespace: "kube-system" }, spec: { template: { metadata: {}, spec: pod("500m", "256Mi") } } }),
      ],
      violations: [short("4.00 vCPU and 8.5 GiB", LARGE, "3.86 vCPU and 14.7 GiB", "0.14 vCPU")],
    },
  ];
  for (const c of cases) {
    it(`${c.violations.length ? "reports" : "accepts"} ${c.name}`, async () => {
      const report = await runPolicies([nodeCapacity], c.resources, {}, c.tags ?? prod);
      assert.deepEqual(report.violations.map((v) => v.message), c.violations);
    });
  }

  it("counts Istio's sidecars, CloudNativePG and RabbitMQ clusters, and GKE pools per zone", () => {
    const report = capacityReport(
      [
        deployment("web", 7),
        resource("kubernetes:core/v1:Namespace", "apps", { metadata: { name: "apps", labels: { "istio-injection": "enabled" } } }),
        resource("kubernetes:helm.sh/v3:Release", "istiod", { chart: "istiod", namespace: "istio-system", values: { global: { proxy: { resources: { requests: { cpu: "50m", memory: "128Mi" } } } } } }),
        resource("kubernetes:postgresql.cnpg.io/v1:Cluster", "db", { spec: { instances: 3, resources: { requests: { cpu: "1", memory: "2Gi" } } } }),
        resource("kubernetes:rabbitmq.com/v1beta1:RabbitmqCluster", "mq", { spec: { replicas: 3, resources: { requests: { cpu: "500m", memory: "1Gi" } } } }),
        resource("gcp:container/nodePool:NodePool", "pool", { nodeConfig: { machineType: "e2-standard-4" }, autoscaling: { minNodeCount: 1 }, nodeLocations: ["a", "b", "c"] }),
      ].map((r) => ({ type: r.type, name: r.name, props: r.inputs })),
    );
    // 7 × (500m + 50m) + 3 × 1000m + 3 × 500m; 7 × (1024 + 128) + 3 × 2048 + 3 × 1024 MiB.
    assert.deepEqual(report.requests, { cpuMillis: 8350, memoryMiB: 17280 });
    assert.deepEqual(report.pools.map((p) => [p.type, p.nodes]), [["e2-standard-4", 3]]);
    assert.deepEqual(report.allocatable, { cpuMillis: 3 * 3920, memoryMiB: 3 * 13622 });
  });
});
