/**
 * RedisCluster under Pulumi's mock runtime on every backend, captured once for the file: in-cluster
 * on k3s (prod, with cert-manager; and a small dev one without TLS), ElastiCache on EKS, Memorystore
 * on GKE, and a container on Docker. The pure functions are tested directly. The in-cluster backend
 * is also called directly once with the Prometheus operator's CRDs (`watched`), for its PodMonitor.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { captureProgram, type CapturedProgram, type CapturedResource } from "../plan/capture";
import { MOCK_SECRET_PREFIX } from "../plan/mocks";
import { hasMandatoryViolations, runPolicies } from "../plan/policy-runner";
import { SECRET_PLACEHOLDER } from "../plan/wire";
import { rules } from "../policies/rules";
import { CertManager } from "../components/addons";
import { PrometheusOperatorCrds } from "../components/addons";
import { createPlatform, type KubernetesPlatform } from "../components/platform";
import { RedisCluster, redisVersions, resolveRedis } from "../components/redis";
import { elasticacheNodeCount, replicationGroupArgs } from "../components/redis/aws";
import { dockerStartCommand, redisExporterEnv } from "../components/redis/docker";
import { memorystoreArgs } from "../components/redis/gcp";
import {
  certificateDnsNames,
  deployRedisToKubernetes,
  exporterContainer,
  haproxyConfig,
  maxMemoryBytes,
  proxyReplicas,
  sentinelConfig,
  sentinelScript,
  serverConfig,
  serverScript,
} from "../components/redis/kubernetes";
import { crdSchemaErrors, crdSkipReason } from "./support/crd-schema";
import { schemaErrors, unknownFields } from "./support/k8s-schema";
import { descendants, findOne, k8sObject } from "./support/captured";

// The components alone, without the program's NetworkPolicies (stacks/network-policies.ts), which
// namespace-default-deny asks of a whole stack: that rule is the plan's and test/network-policies.test.ts's.
const componentRules = rules.filter((r) => r.name !== "namespace-default-deny");

let program: CapturedProgram;

/** What the program's outputs resolved to, read inside the program (stack outputs are redacted). */
const seen: Record<string, { url?: string; password?: string; host?: string; port?: number; sentinelHost?: string; sentinelPort?: number; sentinelMasterName?: string; metricsEndpoint?: RedisCluster["metricsEndpoint"] }> = {};

before(async () => {
  program = await captureProgram(
    () => {
      const record = (key: string, cache: RedisCluster) => {
        seen[key] = { sentinelMasterName: cache.sentinelMasterName, metricsEndpoint: cache.metricsEndpoint };
        cache.url.apply((url) => (seen[key].url = url));
        cache.password.apply((password) => (seen[key].password = password));
        cache.host.apply((host) => (seen[key].host = host));
        cache.port.apply((port) => (seen[key].port = port));
        cache.sentinelHost?.apply((host) => (seen[key].sentinelHost = host));
        cache.sentinelPort?.apply((port) => (seen[key].sentinelPort = port));
      };
      const k3s = createPlatform("cluster", { target: "k3s", k3s: { environment: "prod", kubeconfig: pulumi.secret("kubeconfig") } }) as KubernetesPlatform;
      const certManager = new CertManager("cert-manager", { platform: k3s });
      record("k3s", new RedisCluster("cache", { platform: k3s, namespace: "data", clientNamespaces: ["apps"], addons: { certManager } }));
      const crds = new PrometheusOperatorCrds("prometheus-crds", { platform: k3s });
      deployRedisToKubernetes("watched", resolveRedis("watched", { namespace: "data" }, { environment: "prod" }), k3s, {
        password: pulumi.secret(`${MOCK_SECRET_PREFIX}watched`),
        parent: new pulumi.ComponentResource("test:index:Watched", "watched"),
        addons: { certManager, prometheusOperatorCrds: crds },
      });
      const k3sDev = createPlatform("dev-cluster", { target: "k3s", k3s: { environment: "dev", kubeconfig: pulumi.secret("kubeconfig") } });
      record("k3sDev", new RedisCluster("scratch", { platform: k3sDev, tls: false }));
      const eks = createPlatform("eks", { target: "eks", eks: { environment: "prod", region: "eu-west-1", endpointPublicAccessCidrs: ["203.0.113.0/24"] } });
      record("eks", new RedisCluster("sessions", { platform: eks, mode: "managed" }));
      const gke = createPlatform("gke", {
        target: "gke",
        gke: { environment: "prod", project: "acme-prod", region: "europe-west1", endpointPublicAccessCidrs: ["203.0.113.0/24"] },
      });
      record("gke", new RedisCluster("queue", { platform: gke, mode: "managed" }));
      const local = createPlatform("local", { target: "docker", docker: { environment: "dev" } });
      record("docker", new RedisCluster("local-cache", { platform: local, docker: { hostPort: 6379 } }));
    },
    { project: "platform", stack: "test" },
  );
});

const ofType = (type: string) => program.resources.filter((r) => r.type === type);
const one = (type: string, name: string) => findOne(program.resources, type, name);
const under = (componentName: string) => descendants(program.resources, componentName);
const statefulSet = (name: string) => one("kubernetes:apps/v1:StatefulSet", name).inputs;
const configMap = (name: string) => one("kubernetes:core/v1:ConfigMap", name).inputs.data;
const POD_MONITOR = "kubernetes:monitoring.coreos.com/v1:PodMonitor";
/** Built-in Kubernetes objects: their API group has no dot (core, apps, policy), unlike CRDs'. */
const builtIn = (r: CapturedResource) => /^kubernetes:[a-z]+\/v1:/.test(r.type);
const REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup";
const MEMORYSTORE = "gcp:redis/instance:Instance";

describe("RedisCluster on Kubernetes", () => {
  it("creates the auth Secret, certificate, scripts, Services, StatefulSets, proxy and budgets in the namespace with the cluster's provider", () => {
    const provider = one("pulumi:providers:kubernetes", "cluster-k8s");
    const expected = [
      ["kubernetes:core/v1:Secret", "cache-auth"],
      ["kubernetes:cert-manager.io/v1:Certificate", "cache-tls"],
      ["kubernetes:core/v1:ConfigMap", "cache-scripts"],
      ["kubernetes:core/v1:ConfigMap", "cache-proxy-config"],
      ["kubernetes:core/v1:Service", "cache-headless"],
      ["kubernetes:core/v1:Service", "cache-sentinel-headless"],
      ["kubernetes:core/v1:Service", "cache-sentinel"],
      ["kubernetes:core/v1:Service", "cache-service"],
      ["kubernetes:apps/v1:StatefulSet", "cache-server"],
      ["kubernetes:apps/v1:StatefulSet", "cache-sentinel"],
      ["kubernetes:apps/v1:Deployment", "cache-proxy"],
      ["kubernetes:policy/v1:PodDisruptionBudget", "cache-server-pdb"],
      ["kubernetes:policy/v1:PodDisruptionBudget", "cache-sentinel-pdb"],
      ["kubernetes:policy/v1:PodDisruptionBudget", "cache-proxy-pdb"],
    ];
    for (const [type, name] of expected) {
      const r = one(type, name);
      assert.equal(r.inputs.metadata.namespace, "data", `${name} namespace`);
      assert.ok(r.provider?.startsWith(provider.urn), `${name} uses the cluster provider`);
      assert.equal(r.inputs.metadata.labels["app.kubernetes.io/instance"], "cache");
    }
    assert.equal(one("kubernetes:core/v1:Service", "cache-service").inputs.metadata.name, "cache", "the client Service is named after the component");
    for (const r of under("cache").filter((x) => x.type.startsWith("kubernetes:"))) {
      assert.ok(r.provider?.startsWith(provider.urn), `${r.name} uses the cluster provider`);
    }
  });

  it("keeps the password in a Secret only, and never in plaintext in any resource of any backend", () => {
    const secret = one("kubernetes:core/v1:Secret", "cache-auth");
    assert.equal(secret.redactedInputs.stringData, SECRET_PLACEHOLDER);
    assert.match(secret.inputs.stringData.password, new RegExp(`^${MOCK_SECRET_PREFIX}`));
    for (const r of program.resources) {
      assert.ok(!JSON.stringify(r.redactedInputs).includes(MOCK_SECRET_PREFIX), `${r.type} ${r.name} has a plaintext secret`);
    }
    // Objects that carry no secret input at all: the password is not even wrapped inside them.
    const plain = ["kubernetes:core/v1:ConfigMap", "kubernetes:apps/v1:StatefulSet", "kubernetes:apps/v1:Deployment"];
    for (const r of program.resources.filter((x) => plain.includes(x.type))) {
      assert.ok(!JSON.stringify(r.inputs).includes(MOCK_SECRET_PREFIX), `${r.name} embeds the password`);
    }
  });

  it("issues a certificate from cert-manager's CA issuer for every pod and Service name, after cert-manager is installed", () => {
    const cert = one("kubernetes:cert-manager.io/v1:Certificate", "cache-tls");
    const spec = cert.inputs.spec;
    assert.deepEqual(spec.issuerRef, { name: "cert-manager-ca", kind: "ClusterIssuer", group: "cert-manager.io" });
    assert.equal(spec.secretName, "cache-tls");
    for (const dns of [
      "*.cache-headless.data.svc.cluster.local",
      "*.cache-headless.data.svc",
      "*.cache-sentinel-headless.data.svc.cluster.local",
      "cache-sentinel.data.svc.cluster.local",
      "cache.data.svc.cluster.local",
      "cache.data",
    ]) {
      assert.ok(spec.dnsNames.includes(dns), `dnsNames include ${dns}`);
    }
    assert.deepEqual(spec.privateKey, { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" });
    assert.deepEqual([spec.duration, spec.renewBefore], ["8760h", "720h"]);
    assert.ok(cert.dependencies.includes(one("kubernetes:helm.sh/v3:Release", "cert-manager-release").urn));
  });

  it("writes a Certificate that the pinned cert-manager CRD accepts", { skip: crdSkipReason() }, () => {
    assert.deepEqual(crdSchemaErrors(k8sObject(one("kubernetes:cert-manager.io/v1:Certificate", "cache-tls"))), []);
  });

  it("writes built-in objects that pass the upstream Kubernetes schemas, without unknown fields", () => {
    const objects = [...under("cache"), ...under("scratch"), ...under("watched")].filter(builtIn);
    assert.ok(objects.length >= 20, `checked ${objects.length} objects`);
    for (const r of objects) {
      assert.deepEqual(schemaErrors(k8sObject(r)), [], `${r.type} ${r.name}`);
      assert.deepEqual(unknownFields(k8sObject(r)), [], `${r.type} ${r.name}`);
    }
  });

  it("runs three servers of the pinned Valkey image with their own volumes on the platform's storage class", () => {
    const sts = statefulSet("cache-server");
    assert.equal(sts.spec.replicas, 3);
    assert.equal(sts.spec.serviceName, "cache-headless");
    const container = sts.spec.template.spec.containers[0];
    assert.equal(container.image, redisVersions.image);
    assert.deepEqual(container.command, ["sh", "/scripts/server.sh"]);
    assert.deepEqual(container.resources, { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "256Mi" } });
    const claim = sts.spec.volumeClaimTemplates[0];
    assert.deepEqual([claim.metadata.name, claim.spec.storageClassName, claim.spec.resources.requests.storage], ["data", "local-path", "8Gi"]);
    assert.ok(container.volumeMounts.some((m: { name: string; mountPath: string }) => m.name === "data" && m.mountPath === "/data"));
  });

  it("runs Valkey as the image's valkey user on a read-only root filesystem without a service-account token", () => {
    for (const name of ["cache-server", "cache-sentinel"]) {
      const pod = statefulSet(name).spec.template.spec;
      assert.deepEqual(
        [pod.securityContext.runAsUser, pod.securityContext.runAsGroup, pod.securityContext.fsGroup, pod.automountServiceAccountToken],
        [999, 1000, 1000, false],
      );
      const sc = pod.containers[0].securityContext;
      assert.deepEqual([sc.runAsNonRoot, sc.readOnlyRootFilesystem, sc.allowPrivilegeEscalation, sc.capabilities.drop], [true, true, false, ["ALL"]]);
    }
    const server = statefulSet("cache-server").spec;
    assert.ok(server.template.spec.volumes.some((v: { name: string; emptyDir?: object }) => v.name === "config" && v.emptyDir), "the server writes its config to an emptyDir");
  });

  it("keeps Sentinel's recorded topology on a volume and resumes from it, so a full restart never promotes server 0's older data", () => {
    const sentinel = statefulSet("cache-sentinel").spec;
    assert.ok(!sentinel.template.spec.volumes.some((v: { name: string }) => v.name === "config"), "no emptyDir for Sentinel's config");
    const claim = sentinel.volumeClaimTemplates.find((c: { metadata: { name: string } }) => c.metadata.name === "config");
    assert.equal(claim.spec.resources.requests.storage, "1Gi");
    const script = sentinelScript({ name: "cache", masterName: "primary", tls: true, sentinel: true, sentinelPort: 26379 }, "sentinel monitor primary x 6379 2");
    assert.match(script, /^if \[ -s \/config\/sentinel\.conf \]; then\n {2}echo "resuming/m);
    assert.ok(script.indexOf("cat > /config/sentinel.conf") > script.indexOf("else"), "the config is written only on first start");
  });

  it("probes readiness and liveness differently and authenticates them from the Secret, not the command", () => {
    const container = statefulSet("cache-server").spec.template.spec.containers[0];
    assert.notDeepEqual(container.readinessProbe, container.livenessProbe);
    assert.match(container.readinessProbe.exec.command[2], /valkey-cli --tls --cacert \/tls\/ca\.crt -p 6379 PING \| grep -Eq '\^PONG\$'/);
    assert.match(container.livenessProbe.exec.command[2], /LOADING/);
    const auth = container.env.find((e: { name: string }) => e.name === "REDISCLI_AUTH");
    assert.deepEqual(auth.valueFrom, { secretKeyRef: { name: "cache-auth", key: "password" } });
  });

  it("keeps servers on separate nodes in prod, spreads them across zones, and only prefers separate nodes in dev", () => {
    const prod = statefulSet("cache-server").spec.template.spec;
    assert.equal(prod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey, "kubernetes.io/hostname");
    assert.deepEqual(prod.topologySpreadConstraints.map((c: { topologyKey: string; whenUnsatisfiable: string }) => [c.topologyKey, c.whenUnsatisfiable]), [
      ["topology.kubernetes.io/zone", "ScheduleAnyway"],
    ]);
    const dev = statefulSet("scratch-server").spec.template.spec;
    assert.equal(dev.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution, undefined);
    assert.equal(dev.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey, "kubernetes.io/hostname");
  });

  it("protects and retains the prod servers and their volumes, but not the dev ones", () => {
    const prod = one("kubernetes:apps/v1:StatefulSet", "cache-server");
    assert.deepEqual([prod.protect, prod.retainOnDelete], [true, true]);
    assert.deepEqual(prod.inputs.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Retain", whenScaled: "Retain" });
    const dev = one("kubernetes:apps/v1:StatefulSet", "scratch-server");
    assert.deepEqual([dev.protect, dev.inputs.spec.persistentVolumeClaimRetentionPolicy.whenDeleted], [false, "Delete"]);
  });

  it("configures the servers for TLS only, AUTH, append-only persistence and a memory cap, and asks Sentinel for the primary at start", () => {
    const script = configMap("cache-scripts")["server.sh"];
    for (const line of [
      "port 0",
      "tls-port 6379",
      "tls-auth-clients no",
      "tls-replication yes",
      "appendonly yes",
      `maxmemory ${0.75 * 256 * 2 ** 20}`,
      "maxmemory-policy noeviction",
      "replica-announce-ip ${SELF}",
      'requirepass "${REDIS_PASSWORD}"',
      'masterauth "${REDIS_PASSWORD}"',
    ]) {
      assert.ok(script.split("\n").includes(line), `server config has "${line}"`);
    }
    assert.match(script, /-h cache-sentinel\.\$\{POD_NAMESPACE\}\.svc\.cluster\.local -p 26379 --raw SENTINEL get-master-addr-by-name primary/);
    assert.match(script, /PRIMARY="cache-server-0\.cache-headless\.\$\{POD_NAMESPACE\}\.svc\.cluster\.local"/);
    assert.match(script, /echo "replicaof \$PRIMARY 6379"/);
  });

  it("runs an odd number of Sentinels with a majority quorum, monitoring the primary by hostname over TLS", () => {
    const sts = one("kubernetes:apps/v1:StatefulSet", "cache-sentinel");
    assert.equal(sts.inputs.spec.replicas, 3);
    assert.equal(sts.inputs.spec.replicas % 2, 1);
    assert.equal(sts.inputs.metadata.labels["app.kubernetes.io/component"], "sentinel");
    assert.deepEqual([sts.protect, sts.inputs.spec.serviceName], [false, "cache-sentinel-headless"]);
    const container = sts.inputs.spec.template.spec.containers[0];
    assert.deepEqual(container.resources, { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "200m", memory: "64Mi" } });
    assert.notDeepEqual(container.readinessProbe, container.livenessProbe);
    const lines = configMap("cache-scripts")["sentinel.sh"].split("\n");
    for (const line of [
      "tls-port 26379",
      "port 0",
      "sentinel resolve-hostnames yes",
      "sentinel announce-hostnames yes",
      "sentinel monitor primary ${PRIMARY} 6379 2",
      'sentinel auth-pass primary "${REDIS_PASSWORD}"',
      'requirepass "${REDIS_PASSWORD}"',
      "sentinel down-after-milliseconds primary 10000",
      "sentinel failover-timeout primary 60000",
      "sentinel parallel-syncs primary 1",
    ]) {
      assert.ok(lines.includes(line), `sentinel config has "${line}"`);
    }
  });

  it("routes the client Service through two HAProxy pods that pass only the server reporting role:master", () => {
    const cfg = configMap("cache-proxy-config")["haproxy.cfg"];
    assert.match(cfg, /tcp-check send "AUTH \$\{REDIS_PASSWORD\}"\\r\\n/);
    assert.match(cfg, /tcp-check expect string role:master/);
    assert.match(cfg, /bind :6379 ssl crt \/tls\/server\.pem/);
    assert.match(cfg, /default-server .*resolvers cluster init-addr none on-marked-down shutdown-sessions ssl check-ssl verify required ca-file \/tls\/ca\.crt/);
    const servers = cfg.split("\n").filter((l: string) => l.trim().startsWith("server "));
    assert.deepEqual(
      servers.map((l: string) => l.trim().split(" ")[2]),
      [0, 1, 2].map((i) => `cache-server-${i}.cache-headless.data.svc.cluster.local:6379`),
    );
    const deployment = one("kubernetes:apps/v1:Deployment", "cache-proxy").inputs;
    assert.equal(deployment.spec.replicas, 3, "prod: a drain plus one failure still leaves a proxy");
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    assert.equal(container.image, redisVersions.haproxyImage);
    assert.deepEqual([pod.securityContext.runAsUser, container.securityContext.readOnlyRootFilesystem], [99, true]);
    assert.deepEqual([container.readinessProbe.httpGet.path, container.livenessProbe.httpGet.path], ["/ready", "/healthz"]);
    assert.deepEqual(container.env, [{ name: "REDIS_PASSWORD", valueFrom: { secretKeyRef: { name: "cache-auth", key: "password" } } }]);
    const tls = pod.volumes.find((v: { name: string }) => v.name === "tls").secret.items.map((i: { path: string }) => i.path);
    assert.deepEqual(tls, ["server.pem", "server.pem.key", "ca.crt"]);
  });

  it("lets one server, Sentinel or proxy pod be evicted at a time", () => {
    for (const [name, role] of [["cache-server-pdb", "server"], ["cache-sentinel-pdb", "sentinel"], ["cache-proxy-pdb", "proxy"]]) {
      const spec = one("kubernetes:policy/v1:PodDisruptionBudget", name).inputs.spec;
      assert.equal(spec.maxUnavailable, 1);
      assert.equal(spec.selector.matchLabels["app.kubernetes.io/component"], role);
    }
  });

  it("exposes the proxy as a rediss:// URL and Sentinel's Service and master name", () => {
    assert.deepEqual([seen.k3s.host, seen.k3s.port], ["cache.data.svc.cluster.local", 6379]);
    assert.match(seen.k3s.url!, /^rediss:\/\/:mock-secret-[^@]+@cache\.data\.svc\.cluster\.local:6379\/0$/);
    assert.deepEqual([seen.k3s.sentinelHost, seen.k3s.sentinelPort, seen.k3s.sentinelMasterName], ["cache-sentinel.data.svc.cluster.local", 26379, "primary"]);
  });

  it("runs a single dev server without Sentinel, certificate, budgets or TLS, behind one proxy", () => {
    const names = under("scratch").map((r) => r.name).sort();
    assert.deepEqual(names, ["scratch-auth", "scratch-headless", "scratch-password", "scratch-proxy", "scratch-proxy-config", "scratch-scripts", "scratch-server", "scratch-service"]);
    assert.equal(statefulSet("scratch-server").spec.replicas, 1);
    assert.equal(one("kubernetes:apps/v1:Deployment", "scratch-proxy").inputs.spec.replicas, 1);
    const script = configMap("scratch-scripts")["server.sh"];
    assert.ok(script.includes("\nport 6379\n") && !script.includes("tls-port") && !script.includes("SENTINEL"));
    assert.match(configMap("scratch-proxy-config")["haproxy.cfg"], /bind :6379\n/);
    assert.match(seen.k3sDev.url!, /^redis:\/\//);
    assert.equal(seen.k3sDev.sentinelHost, undefined);
  });
});

describe("RedisCluster metrics on Kubernetes", () => {
  type Env = { name: string; value?: string; valueFrom?: unknown };
  const exporter = (sts: string) => statefulSet(sts).spec.template.spec.containers.find((c: { name: string }) => c.name === "exporter");
  const env = (container: { env: Env[] }) => Object.fromEntries(container.env.map((e) => [e.name, e]));

  it("runs a redis_exporter beside every server, on the pinned image, with limits, differing probes and a restricted context", () => {
    for (const sts of ["cache-server", "scratch-server", "watched-server"]) {
      const container = exporter(sts);
      assert.ok(container, `${sts} has an exporter`);
      assert.equal(container.image, redisVersions.exporterImage);
      assert.match(container.image, /^oliver006\/redis_exporter:v\d+\.\d+\.\d+(-alpine)?$/);
      assert.deepEqual(container.ports, [{ name: "metrics", containerPort: 9121, protocol: "TCP" }]);
      assert.deepEqual(container.resources, { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } });
      assert.deepEqual([container.readinessProbe.httpGet, container.livenessProbe.httpGet], [{ path: "/health", port: "metrics" }, { path: "/health", port: "metrics" }]);
      assert.notDeepEqual(container.readinessProbe, container.livenessProbe);
      const sc = container.securityContext;
      assert.deepEqual([sc.runAsNonRoot, sc.readOnlyRootFilesystem, sc.allowPrivilegeEscalation, sc.capabilities.drop, sc.seccompProfile.type], [true, true, false, ["ALL"], "RuntimeDefault"]);
    }
    assert.equal(statefulSet("cache-sentinel").spec.template.spec.containers.length, 1, "Sentinel pods have no exporter");
  });

  it("scrapes the local server over TLS, verifying it against the mounted CA, with the password only from the auth Secret", () => {
    const container = exporter("cache-server");
    const vars = env(container);
    assert.deepEqual(vars.REDIS_ADDR, { name: "REDIS_ADDR", value: "rediss://localhost:6379" });
    assert.deepEqual(vars.REDIS_PASSWORD, { name: "REDIS_PASSWORD", valueFrom: { secretKeyRef: { name: "cache-auth", key: "password" } } });
    assert.equal(vars.REDIS_EXPORTER_TLS_CA_CERT_FILE.value, "/tls/ca.crt");
    assert.equal(vars.REDIS_EXPORTER_SKIP_TLS_VERIFICATION, undefined, "the certificate is verified");
    assert.deepEqual(container.volumeMounts, [{ name: "tls", mountPath: "/tls", readOnly: true }]);
    assert.ok(certificateDnsNames("cache", "data").includes("localhost"), "the server certificate is valid for localhost");
    for (const sts of ["cache-server", "scratch-server", "watched-server"]) {
      const c = exporter(sts);
      assert.ok(c.env.every((e: Env) => e.valueFrom !== undefined || !e.value?.includes(MOCK_SECRET_PREFIX)), `${sts}: no password literal`);
      assert.ok(!JSON.stringify(c).includes(MOCK_SECRET_PREFIX), `${sts}: the exporter never sees the password as a literal`);
      assert.equal(c.command, undefined);
      assert.equal(c.args, undefined);
    }
  });

  it("scrapes a server without TLS in plain redis:// and mounts no certificate", () => {
    const container = exporter("scratch-server");
    assert.equal(env(container).REDIS_ADDR.value, "redis://localhost:6379");
    assert.equal(env(container).REDIS_EXPORTER_TLS_CA_CERT_FILE, undefined);
    assert.deepEqual(container.volumeMounts, []);
    assert.deepEqual((exporterContainer({ secretName: "s", tls: false, port: 6380 }).env as Env[])[0], { name: "REDIS_ADDR", value: "redis://localhost:6380" });
  });

  it("creates a PodMonitor for the servers' metrics port when given the Prometheus CRDs, after them", () => {
    const monitor = one(POD_MONITOR, "watched-pod-monitor");
    assert.deepEqual([monitor.inputs.metadata.name, monitor.inputs.metadata.namespace], ["watched", "data"]);
    assert.deepEqual(monitor.inputs.spec.podMetricsEndpoints, [{ port: "metrics", path: "/metrics" }]);
    const selector: Record<string, string> = monitor.inputs.spec.selector.matchLabels;
    const matches = (labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
    assert.ok(matches(statefulSet("watched-server").spec.template.metadata.labels), "selects the server pods");
    assert.ok(!matches(statefulSet("watched-sentinel").spec.template.metadata.labels), "not the Sentinel pods");
    assert.ok(!matches(one("kubernetes:apps/v1:Deployment", "watched-proxy").inputs.spec.template.metadata.labels), "not the proxy pods");
    assert.ok(!matches(statefulSet("cache-server").spec.template.metadata.labels), "not another cluster's servers");
    assert.ok(monitor.dependencies.includes(one("kubernetes:helm.sh/v3:Release", "prometheus-crds-release").urn), "waits for the CRDs");
    assert.ok(monitor.provider?.startsWith(one("pulumi:providers:kubernetes", "cluster-k8s").urn));
  });

  it("creates no PodMonitor without the Prometheus CRDs", () => {
    assert.deepEqual([...under("cache"), ...under("scratch")].filter((r) => r.type === POD_MONITOR), []);
    assert.equal(ofType(POD_MONITOR).length, 1);
  });

  it("writes a PodMonitor that the pinned prometheus-operator CRD accepts", { skip: crdSkipReason() }, () => {
    assert.deepEqual(crdSchemaErrors(k8sObject(one(POD_MONITOR, "watched-pod-monitor"))), []);
  });
});

describe("RedisCluster on ElastiCache", () => {
  const group = () => one(REPLICATION_GROUP, "sessions-replication-group");

  it("runs Valkey 8.2 with a replica per zone, automatic failover and Multi-AZ", () => {
    const inputs = group().inputs;
    assert.deepEqual(
      [inputs.engine, inputs.engineVersion, inputs.nodeType, inputs.numCacheClusters, inputs.automaticFailoverEnabled, inputs.multiAzEnabled],
      ["valkey", "8.2", "cache.r7g.large", 3, true, true],
    );
    assert.equal(one("aws:elasticache/parameterGroup:ParameterGroup", "sessions-params").inputs.family, "valkey8");
  });

  it("requires TLS and AUTH and encrypts at rest with its own rotating KMS key", () => {
    const inputs = group().inputs;
    assert.deepEqual([inputs.transitEncryptionEnabled, inputs.transitEncryptionMode, inputs.atRestEncryptionEnabled], [true, "required", true]);
    assert.equal(inputs.kmsKeyId, "arn:aws:kms:mock-region:123456789012:key/sessions-key");
    assert.equal(group().redactedInputs.authToken, SECRET_PLACEHOLDER);
    assert.match(inputs.authToken, new RegExp(`^${MOCK_SECRET_PREFIX}sessions-password`));
    const key = one("aws:kms/key:Key", "sessions-key");
    assert.deepEqual([key.inputs.enableKeyRotation, key.protect, key.retainOnDelete], [true, true, true]);
  });

  it("admits Valkey only from the cluster's security group, in the private subnets", () => {
    const rule = one("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "sessions-from-cluster").inputs;
    assert.deepEqual([rule.referencedSecurityGroupId, rule.fromPort, rule.toPort, rule.ipProtocol, rule.cidrIpv4], ["sg-eks-cluster", 6379, 6379, "tcp", undefined]);
    assert.equal(ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((r) => r.name.startsWith("sessions")).length, 1);
    assert.equal(one("aws:ec2/securityGroup:SecurityGroup", "sessions-sg").inputs.ingress, undefined);
    assert.equal(one("aws:elasticache/subnetGroup:SubnetGroup", "sessions-subnets").inputs.subnetIds.length, 3);
  });

  it("keeps daily snapshots, applies changes in the maintenance window, and is protected in prod", () => {
    const r = group();
    assert.deepEqual([r.inputs.snapshotRetentionLimit, r.inputs.snapshotWindow, r.inputs.applyImmediately], [7, "03:00-04:00", false]);
    assert.deepEqual([r.protect, r.retainOnDelete], [true, true]);
  });

  it("returns the primary endpoint over TLS, without Sentinel", () => {
    assert.match(seen.eks.url!, /^rediss:\/\/:mock-secret-[^@]+@master\.sessions-replication-group\.mock\.cache\.amazonaws\.com:6379\/0$/);
    assert.equal(seen.eks.sentinelHost, undefined);
  });

  it("needs two nodes in prod even when one replica is asked for, and fails over only with two", () => {
    const prod = resolveRedis("c", { replicas: 1 }, { environment: "prod" });
    assert.equal(elasticacheNodeCount(prod), 2);
    const dev = replicationGroupArgs("c", resolveRedis("c", {}, { environment: "dev" }), { subnetGroupName: "s", securityGroupId: "g", parameterGroupName: "p", kmsKeyArn: "k", authToken: "t" });
    assert.deepEqual([dev.numCacheClusters, dev.automaticFailoverEnabled, dev.multiAzEnabled, dev.nodeType], [1, false, false, "cache.t4g.small"]);
  });
});

describe("RedisCluster on Memorystore", () => {
  const instance = () => one(MEMORYSTORE, "queue-instance");

  it("runs the Standard tier with read replicas, AUTH, TLS and RDB snapshots on the cluster's VPC by direct peering", () => {
    const inputs = instance().inputs;
    assert.deepEqual(
      [inputs.tier, inputs.memorySizeGb, inputs.redisVersion, inputs.region, inputs.connectMode, inputs.authEnabled, inputs.transitEncryptionMode],
      ["STANDARD_HA", 5, "REDIS_7_2", "europe-west1", "DIRECT_PEERING", true, "SERVER_AUTHENTICATION"],
    );
    assert.deepEqual([inputs.readReplicasMode, inputs.replicaCount], ["READ_REPLICAS_ENABLED", 2]);
    assert.deepEqual(inputs.persistenceConfig, { persistenceMode: "RDB", rdbSnapshotPeriod: "ONE_HOUR" });
    assert.ok(inputs.authorizedNetwork, "authorizedNetwork is the cluster's network");
  });

  it("enables the Memorystore API first and protects the instance in prod", () => {
    const api = one("gcp:projects/service:Service", "queue-redis-api");
    assert.equal(api.inputs.service, "redis.googleapis.com");
    const r = instance();
    assert.ok(r.dependencies.includes(api.urn));
    assert.deepEqual([r.protect, r.retainOnDelete, r.inputs.deletionProtection], [true, true, true]);
  });

  it("uses Memorystore's own AUTH string as the password, on the TLS port read from the instance", () => {
    assert.match(seen.gke.url!, /^rediss:\/\/:mock-secret-[^@]+@10\.30\.0\.4:6378\/0$/);
    assert.equal(seen.gke.password, `${MOCK_SECRET_PREFIX}queue-instance-auth`);
    assert.match(seen.eks.password!, new RegExp(`^${MOCK_SECRET_PREFIX}sessions-password`));
    assert.equal(seen.gke.sentinelHost, undefined);
  });

  it("uses the Basic tier for a single dev node, and no read replicas below 5 GiB", () => {
    const cloud = { region: "europe-west1" };
    assert.equal(memorystoreArgs(resolveRedis("c", {}, { environment: "dev" }), cloud).tier, "BASIC");
    const small = memorystoreArgs(resolveRedis("c", { managed: { memorySizeGiB: 2 } }, { environment: "prod" }), cloud);
    assert.deepEqual([small.tier, small.readReplicasMode, small.replicaCount], ["STANDARD_HA", undefined, undefined]);
  });
});

describe("RedisCluster on Docker", () => {
  const container = () => one("docker:index/container:Container", "local-cache-container");

  it("runs the pinned image as the valkey user with a named volume, limits and a restart policy", () => {
    const inputs = container().inputs;
    assert.equal(one("docker:index/remoteImage:RemoteImage", "local-cache-image").inputs.name, redisVersions.image);
    assert.deepEqual([inputs.user, inputs.readOnly, inputs.securityOpts, inputs.restart], ["999:1000", true, ["no-new-privileges:true"], "unless-stopped"]);
    assert.deepEqual([inputs.memory, inputs.memoryReservation, inputs.cpus], [256, 256, "1"]);
    const volume = one("docker:index/volume:Volume", "local-cache-data");
    assert.deepEqual(inputs.volumes, [{ volumeName: volume.inputs.name, containerPath: "/data" }]);
    assert.equal(volume.protect, false);
  });

  it("passes the password only as a secret environment variable and checks health with an authenticated PING", () => {
    const r = container();
    assert.deepEqual(r.redactedInputs.envs, [SECRET_PLACEHOLDER]);
    assert.deepEqual(r.inputs.entrypoints, ["sh", "-c"]);
    assert.ok(!r.inputs.command[0].includes(MOCK_SECRET_PREFIX));
    assert.deepEqual(r.inputs.healthcheck.tests, ["CMD-SHELL", 'REDISCLI_AUTH="$REDIS_PASSWORD" valkey-cli PING | grep -q PONG']);
  });

  it("runs redis_exporter beside it, as the observability stack's scrape target, with the address and password only as secrets", () => {
    const exporter = one("docker:index/container:Container", "local-cache-exporter");
    assert.equal(one("docker:index/remoteImage:RemoteImage", "local-cache-exporter-image").inputs.name, redisVersions.exporterImage);
    assert.deepEqual(exporter.inputs.networksAdvanced, [{ name: "platform-test", aliases: ["local-cache-exporter"] }]);
    assert.deepEqual([exporter.inputs.readOnly, exporter.inputs.user, exporter.inputs.capabilities], [true, "59000:59000", { drops: ["ALL"] }]);
    assert.ok(!exporter.inputs.ports?.length, "not published");
    assert.equal(exporter.redactedInputs.envs, SECRET_PLACEHOLDER);
    const env = Object.fromEntries((exporter.inputs.envs as string[]).map((e) => e.split("=", 2)));
    assert.equal(env.REDIS_ADDR, "redis://local-cache:6379");
    assert.match(env.REDIS_PASSWORD, /^mock-secret-/);
    assert.deepEqual(seen.docker.metricsEndpoint, { host: "local-cache-exporter", port: 9121 });
  });

  it("splits a Redis URL into the exporter's address, user and password", () => {
    assert.deepEqual(redisExporterEnv("rediss://app:p%40ss@cache.internal:6380/0"), { REDIS_ADDR: "rediss://cache.internal:6380", REDIS_USER: "app", REDIS_PASSWORD: "p@ss" });
    assert.deepEqual(redisExporterEnv("redis://cache:6379"), { REDIS_ADDR: "redis://cache:6379" });
  });

  it("joins the network under its name and publishes only on loopback, as a redis:// URL without Sentinel", () => {
    assert.deepEqual(container().inputs.networksAdvanced, [{ name: "platform-test", aliases: ["local-cache"] }]);
    assert.deepEqual(container().inputs.ports, [{ internal: 6379, external: 6379, ip: "127.0.0.1" }]);
    assert.match(seen.docker.url!, /^redis:\/\/:mock-secret-[^@]+@local-cache:6379\/0$/);
    assert.equal(seen.docker.sentinelHost, undefined);
  });
});

describe("RedisCluster decisions", () => {
  it("caps maxmemory at the fraction of the memory limit, in whole bytes", () => {
    assert.equal(maxMemoryBytes("256Mi", 0.75), 201_326_592);
    assert.equal(maxMemoryBytes("1Gi", 0.333), Math.floor(0.333 * 2 ** 30));
    assert.throws(() => maxMemoryBytes("lots", 0.5), /not a memory quantity/);
  });

  it("writes plain-port configs without TLS lines, and TLS configs without a plaintext port", () => {
    const plain = serverConfig({ tls: false, maxMemoryBytes: 1, announce: false });
    assert.ok(plain.includes("port 6379") && !plain.includes("tls-") && !plain.includes("replica-announce"));
    const tls = sentinelConfig({ tls: true, masterName: "m", quorum: 3, port: 26379 });
    assert.ok(tls.includes("port 0\n") && tls.includes("sentinel monitor m ${PRIMARY} 6379 3"));
    assert.ok(!serverScript({ name: "x", masterName: "m", tls: false, sentinel: false, sentinelPort: 26379 }, plain).includes("SENTINEL"));
  });

  it("builds one HAProxy server line per pod and no TLS options without TLS", () => {
    const cfg = haproxyConfig({ name: "x", namespace: "ns", replicas: 2, tls: false });
    assert.equal(cfg.split("\n").filter((l) => l.startsWith("  server ")).length, 2);
    assert.ok(!cfg.includes("ssl") && !cfg.includes("verifyhost"));
  });

  it("runs three proxies in prod and two elsewhere whenever there is a replica to fail over to", () => {
    assert.equal(proxyReplicas(resolveRedis("c", {}, { environment: "prod" })), 3);
    assert.equal(proxyReplicas(resolveRedis("c", { replicas: 2 }, { environment: "dev" })), 2);
    assert.equal(proxyReplicas(resolveRedis("c", {}, { environment: "dev" })), 1);
  });

  it("names in the certificate every host clients and peers connect to", () => {
    const names = certificateDnsNames("c", "ns");
    assert.ok(names.includes("*.c-headless.ns.svc.cluster.local") && names.includes("c.ns.svc") && names.includes("localhost"));
  });

  it("starts the Docker server from a config the shell fills in, with no password in the command", () => {
    const command = dockerStartCommand(1024);
    assert.match(command, /requirepass "\$\{REDIS_PASSWORD\}"/);
    assert.match(command, /exec valkey-server \/tmp\/valkey\.conf$/m);
  });
});

describe("RedisCluster and the policy pack", () => {
  // One stack is one environment: the dev in-cluster cache (TLS off) is checked as a dev stack.
  const devUrns = () => new Set(under("scratch").map((r) => r.urn));

  it("passes every mandatory policy over the prod graph", async () => {
    const dev = devUrns();
    const report = await runPolicies(componentRules, program.resources.filter((r) => !dev.has(r.urn)), {}, new Map([["environment", "prod"]]));
    assert.deepEqual(report.violations.filter((v) => v.enforcementLevel === "mandatory").map((v) => `${v.policy}: ${v.message}`), []);
    assert.equal(hasMandatoryViolations(report), false);
  });

  it("passes every mandatory policy over the dev cache, whose server is annotated as running without TLS", async () => {
    const dev = devUrns();
    const resources = program.resources.filter((r) => dev.has(r.urn));
    assert.equal(statefulSet("scratch-server").metadata.annotations["platform.acme.io/tls"], "disabled");
    const report = await runPolicies(rules, resources, {}, new Map([["environment", "dev"]]));
    assert.deepEqual(report.violations.filter((v) => v.enforcementLevel === "mandatory").map((v) => `${v.policy}: ${v.message}`), []);
    const asProd = await runPolicies(rules, resources, {}, new Map([["environment", "prod"]]));
    assert.ok(asProd.violations.some((v) => v.policy === "redis-tls"), "the same cache would fail in prod");
  });
});
