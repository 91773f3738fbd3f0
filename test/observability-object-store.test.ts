/**
 * Loki and Tempo on object storage: the chart values against the pinned charts' values.yaml, the
 * IAM policy's least privilege (with the mutations the check catches), the buckets' settings and
 * identities under Pulumi's mock runtime (prod on EKS, prod on GKE, prod on k3s), and the shipped
 * prod plans (EKS and GKE) through the CLI.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { captureProgram, type CapturedProgram, type CapturedResource } from "../plan/capture";
import { createPlatform, type KubernetesPlatform } from "../components/platform";
import { ObservabilityStack, resolveObservability } from "../components/observability";
import { PrometheusOperatorCrds } from "../components/addons";
import { LOKI_REPLICAS, lokiValues, observabilityCharts, tempoValues } from "../components/observability/kubernetes";
import type { ObjectStore } from "../components/observability/object-store-values";
import { OBJECT_ACTIONS, storageBucketPolicy } from "../components/observability/object-store-aws";
import { STORAGE_BUCKET_ROLE } from "../components/observability/object-store-gcp";
import type { IamPolicyDocument } from "../components/platform/identity/aws";
import { chartsSkipReason, checkRelease, loadChart, type Chart } from "./support/helm-charts";
import { runPlan, STACK_VARIANTS } from "./support/stack-variants";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const skipCharts = chartsSkipReason();
if (skipCharts) console.log(`\n*** ${skipCharts} ***\n`);

const s3: ObjectStore = { kind: "s3", bucket: "logs-bucket", region: "eu-west-1", serviceAccountAnnotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/loki" }, dependencies: [] };
const gcs: ObjectStore = { kind: "gcs", bucket: "logs-bucket", serviceAccountAnnotations: { "iam.gke.io/gcp-service-account": "loki@p.iam.gserviceaccount.com" }, dependencies: [] };
const prod = resolveObservability({}, { environment: "prod" });
const dev = resolveObservability({}, { environment: "dev" });

/**
 * Every key path of `user` that the chart's values.yaml neither sets nor documents in a comment,
 * walked down to where the default is an empty map or a leaf (the chart renders what is below as
 * is), or to a path in `open` (rendered whole by a template, named with the template below).
 */
function undeclaredPaths(chart: Chart, user: Record<string, unknown>, open: readonly string[], at: string[] = [], defaults: unknown = chart.defaults): string[] {
  const found: string[] = [];
  for (const [key, value] of Object.entries(user)) {
    const here = [...at, key];
    const known = defaults !== null && typeof defaults === "object" && key in (defaults as object);
    const commented = chart.undocumented.get(at.join("\n")) ?? new Set<string>();
    if (!known && !commented.has(key)) {
      found.push(here.join("."));
      continue;
    }
    // A map documented only in a comment: its commented keys are read at the parent's level.
    if (!known) {
      if (value !== null && typeof value === "object") found.push(...Object.keys(value).filter((k) => !commented.has(k)).map((k) => [...here, k].join(".")));
      continue;
    }
    const inner = known ? (defaults as Record<string, unknown>)[key] : undefined;
    const isMap = (v: unknown) => v !== null && typeof v === "object" && !Array.isArray(v);
    if (open.includes(here.join(".")) || /(resources|annotations)$/.test(key) || !isMap(value)) continue;
    if (known && !(isMap(inner) && Object.keys(inner as object).length > 0)) continue;
    found.push(...undeclaredPaths(chart, value as Record<string, unknown>, open, here, inner ?? {}));
  }
  return found;
}

describe("chart values against the pinned charts' values.yaml", { skip: skipCharts }, () => {
  const loki = () => loadChart("loki", observabilityCharts.loki.version)!;
  const tempo = () => loadChart("tempo", observabilityCharts.tempo.version)!;
  const cases = [
    { name: "prod on S3", spec: prod, store: s3 },
    { name: "prod on GCS", spec: prod, store: gcs },
    { name: "dev on S3", spec: dev, store: s3 },
    { name: "prod on a volume (k3s)", spec: prod, store: undefined },
  ];
  for (const c of cases) {
    it(`sets only keys the loki and tempo charts declare: ${c.name}`, () => {
      const lv = lokiValues(c.spec, "gp3", c.store);
      const tv = tempoValues(c.spec, "gp3", c.store);
      // loki.{compactor,schemaConfig} default to {}; loki.limits_config is rendered whole (`{{- with .Values.loki.limits_config }}` in values.yaml's `loki.config`).
      assert.deepEqual(undeclaredPaths(loki(), lv, ["loki.limits_config"]), []);
      // tempo.storage is rendered whole into Tempo's config (`toYaml .Values.tempo.storage` in values.yaml's `config`).
      assert.deepEqual(undeclaredPaths(tempo(), tv, ["tempo.storage"]), []);
      assert.deepEqual(checkRelease("loki", observabilityCharts.loki.version, lv).problems, []);
      assert.deepEqual(checkRelease("tempo", observabilityCharts.tempo.version, tv).problems, []);
    });
  }

  it("the key check catches a misspelt key at any depth (mutations)", () => {
    const lv = lokiValues(prod, "gp3", s3) as any;
    const mutations: [string, (v: any) => void, string][] = [
      ["write.persistance", (v) => (v.write.persistance = v.write.persistence), "write.persistance"],
      ["loki.storage.bucketName", (v) => (v.loki.storage.bucketName = { chunks: "x" }), "loki.storage.bucketName"],
      ["loki.storage.bucketNames.chunk", (v) => (v.loki.storage.bucketNames.chunk = "x"), "loki.storage.bucketNames.chunk"],
      ["loki.storage.s3.regio", (v) => (v.loki.storage.s3.regio = "eu-west-1"), "loki.storage.s3.regio"],
      ["backend.persistence.volumeClaimEnabled", (v) => (v.backend.persistence.volumeClaimEnabled = true), "backend.persistence.volumeClaimEnabled"],
    ];
    for (const [name, mutate, expected] of mutations) {
      const copy = structuredClone(lv);
      mutate(copy);
      assert.deepEqual(undeclaredPaths(loki(), copy, ["loki.limits_config"]), [expected], name);
    }
  });
});

describe("Loki and Tempo values", () => {
  it("runs Loki in prod on a bucket in SimpleScalable mode, replicated 3 ways, schema v13 on TSDB in the bucket", () => {
    for (const store of [s3, gcs]) {
      const v = lokiValues(prod, "gp3", store) as any;
      assert.equal(v.deploymentMode, "SimpleScalable");
      assert.equal(v.loki.commonConfig.replication_factor, 3);
      for (const target of ["write", "read", "backend"]) assert.ok(v[target].replicas >= 3, `${target} has ≥ 3 replicas`);
      assert.equal(v.singleBinary.replicas, 0);
      assert.deepEqual(v.loki.schemaConfig.configs, [{ from: "2024-04-01", store: "tsdb", object_store: store.kind, schema: "v13", index: { prefix: "loki_index_", period: "24h" } }]);
      assert.equal(v.loki.storage.type, store.kind);
      assert.deepEqual(v.loki.storage.bucketNames, { chunks: "logs-bucket", ruler: "logs-bucket" });
      assert.equal(v.loki.compactor.delete_request_store, store.kind);
      assert.deepEqual(v.serviceAccount, { name: "loki", annotations: store.serviceAccountAnnotations });
      assert.equal(v.write.persistence.volumeClaimsEnabled, true);
      assert.equal(v.write.persistence.size, "50Gi");
      assert.equal(v.backend.persistence.volumeClaimsEnabled, true);
      assert.equal(v.write.resources.requests.cpu, "250m");
    }
    assert.equal(LOKI_REPLICAS, 3);
    assert.deepEqual((lokiValues(prod, "gp3", s3) as any).loki.storage.s3, { region: "eu-west-1" }, "no keys: credentials come from IRSA");
  });

  it("runs one Loki pod outside prod, in the bucket when there is one", () => {
    const v = lokiValues(dev, "gp3", s3) as any;
    assert.equal(v.deploymentMode, "SingleBinary");
    assert.equal(v.singleBinary.replicas, 1);
    assert.equal(v.loki.commonConfig.replication_factor, 1);
    assert.equal(v.loki.schemaConfig.configs[0].object_store, "s3");
    assert.deepEqual([v.write.replicas, v.read.replicas, v.backend.replicas], [0, 0, 0]);
  });

  it("puts Tempo's traces in the bucket, the write-ahead log on its volume, through the ServiceAccount's identity", () => {
    const onS3 = tempoValues(prod, "gp3", s3) as any;
    assert.deepEqual(onS3.tempo.storage.trace, { backend: "s3", s3: { bucket: "logs-bucket", endpoint: "s3.eu-west-1.amazonaws.com", region: "eu-west-1" }, wal: { path: "/var/tempo/wal" } });
    assert.deepEqual(onS3.serviceAccount, { name: "tempo-server", annotations: s3.serviceAccountAnnotations });
    assert.equal(onS3.persistence.enabled, true);
    const onGcs = tempoValues(prod, "gp3", gcs) as any;
    assert.deepEqual(onGcs.tempo.storage.trace, { backend: "gcs", gcs: { bucket_name: "logs-bucket" }, wal: { path: "/var/tempo/wal" } });
    assert.deepEqual((tempoValues(prod, "local-path") as any).serviceAccount, { name: "tempo-server" });
  });
});

/** What makes an S3 policy broader than one bucket's objects: each problem named. */
function leastPrivilegeProblems(doc: IamPolicyDocument, bucketArn: string): string[] {
  const problems: string[] = [];
  for (const st of doc.Statement) {
    const actions = ([] as string[]).concat(st.Action as string | string[]);
    const resources = ([] as string[]).concat(st.Resource as string | string[]);
    if (st.Effect !== "Allow") continue;
    for (const a of actions) {
      if (a.includes("*")) problems.push(`wildcard action ${a}`);
      if (!a.startsWith("s3:")) problems.push(`non-S3 action ${a}`);
      if (/Bucket(?!$)|^s3:(Create|Delete)Bucket$/.test(a)) problems.push(`bucket configuration action ${a}`);
    }
    for (const r of resources) if (r !== bucketArn && r !== `${bucketArn}/*`) problems.push(`resource ${r} beyond the bucket`);
    const bucketLevel = actions.filter((a) => a === "s3:ListBucket");
    if (bucketLevel.length > 0 && resources.some((r) => r !== bucketArn)) problems.push("ListBucket on objects");
    if (actions.some((a) => a !== "s3:ListBucket") && resources.some((r) => r === bucketArn)) problems.push("object actions on the bucket itself");
  }
  return problems;
}

describe("IAM least privilege (EKS)", () => {
  const arn = "arn:aws:s3:::observability-loki-bucket";
  it("allows each component only ListBucket on its bucket and its documented object actions on the bucket's objects", () => {
    const documented = {
      // https://grafana.com/docs/loki/latest/setup/install/helm/deployment-guides/aws/
      loki: ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
      // https://grafana.com/docs/tempo/latest/configuration/hosted-storage/s3/#permissions
      tempo: ["s3:DeleteObject", "s3:GetObject", "s3:GetObjectTagging", "s3:PutObject", "s3:PutObjectTagging"],
    };
    for (const component of ["loki", "tempo"] as const) {
      const doc = storageBucketPolicy(component, arn);
      assert.deepEqual(leastPrivilegeProblems(doc, arn), [], component);
      const objects = doc.Statement.filter((s) => s.Resource === `${arn}/*`).flatMap((s) => [...s.Action]);
      assert.deepEqual(objects.sort(), documented[component], component);
      assert.deepEqual([...OBJECT_ACTIONS[component]].sort(), documented[component]);
      assert.deepEqual(doc.Statement.filter((s) => s.Resource === arn).flatMap((s) => [...s.Action]), ["s3:ListBucket"]);
    }
  });

  it("the least-privilege check catches each broadening (mutations)", () => {
    const base = storageBucketPolicy("loki", arn);
    const mutations: [string, IamPolicyDocument["Statement"][number]][] = [
      ["wildcard action", { Effect: "Allow", Action: "s3:*", Resource: `${arn}/*` }],
      ["every resource", { Effect: "Allow", Action: ["s3:GetObject"], Resource: "*" }],
      ["another bucket", { Effect: "Allow", Action: ["s3:GetObject"], Resource: "arn:aws:s3:::other/*" }],
      ["bucket configuration", { Effect: "Allow", Action: ["s3:PutBucketPolicy"], Resource: arn }],
      ["bucket deletion", { Effect: "Allow", Action: ["s3:DeleteBucket"], Resource: arn }],
      ["KMS", { Effect: "Allow", Action: ["kms:Decrypt"], Resource: `${arn}/*` }],
    ];
    for (const [name, statement] of mutations) {
      assert.ok(leastPrivilegeProblems({ ...base, Statement: [...base.Statement, statement] }, arn).length > 0, name);
    }
  });
});

let program: CapturedProgram;
before(async () => {
  program = await captureProgram(
    () => {
      const platforms = {
        eks: createPlatform("aws", { target: "eks", eks: { environment: "prod", region: "eu-west-1", endpointPublicAccessCidrs: ["203.0.113.0/24"] } }),
        gke: createPlatform("gcp", { target: "gke", gke: { environment: "prod", project: "acme-platform-prod", region: "europe-west1", endpointPublicAccessCidrs: ["203.0.113.0/24"] } }),
        k3s: createPlatform("lab", { target: "k3s", k3s: { environment: "prod", kubeconfig: pulumi.secret("kubeconfig") } }),
      } as Record<string, KubernetesPlatform>;
      for (const [name, platform] of Object.entries(platforms)) {
        const crds = new PrometheusOperatorCrds(`${name}-crds`, { platform });
        const receivers = [{ name: "pager", kind: "webhook" as const, url: pulumi.secret("https://pager.example.com/hook"), severities: ["critical" as const] }];
        new ObservabilityStack(name, { platform, receivers, dependsOn: [crds.release] });
      }
      return {};
    },
    { project: "platform", stack: "test" },
  );
});

const named = (type: string, name: string): CapturedResource => {
  const found = program.resources.filter((r) => r.type === type && r.name === name);
  assert.equal(found.length, 1, `one ${type} ${name}`);
  return found[0];
};
const release = (stack: string, role: string) => named(RELEASE, `${stack}-${role}`);

describe("buckets and identities (mock runtime)", () => {
  it("EKS: an encrypted, private, TLS-only, unversioned S3 bucket per component, expiring a day after logRetentionDays (14 in prod)", () => {
    assert.equal(program.resources.filter((r) => r.type === "aws:s3/bucketVersioning:BucketVersioning" && r.name.startsWith("eks-")).length, 0);
    for (const component of ["loki", "tempo"]) {
      const id = `eks-${component}-bucket`;
      named("aws:s3/bucket:Bucket", id);
      const sse = named("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", `${id}-encryption`).inputs;
      assert.equal(sse.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm, "aws:kms");
      const block = named("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", `${id}-public-access`).inputs;
      for (const key of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) assert.equal(block[key], true, key);
      const tls = JSON.parse(named("aws:s3/bucketPolicy:BucketPolicy", `${id}-tls-only`).inputs.policy);
      assert.equal(tls.Statement[0].Condition.Bool["aws:SecureTransport"], "false");
      const rule = named("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", `${id}-lifecycle`).inputs.rules[0];
      assert.equal(rule.status, "Enabled");
      assert.deepEqual(rule.expiration, { days: 15 });
    }
  });

  it("EKS: each component's IRSA role trusts only its own ServiceAccount, is allowed only on its own bucket, and annotates that ServiceAccount", () => {
    for (const [component, serviceAccount] of [["loki", "loki"], ["tempo", "tempo-server"]]) {
      const trust = JSON.parse(named("aws:iam/role:Role", `eks-${component}-storage`).inputs.assumeRolePolicy);
      const conditions = trust.Statement[0].Condition.StringEquals;
      const sub = Object.entries(conditions).find(([k]) => k.endsWith(":sub"))![1];
      assert.equal(sub, `system:serviceaccount:monitoring:${serviceAccount}`);
      const policy = JSON.parse(named("aws:iam/rolePolicy:RolePolicy", `eks-${component}-storage`).inputs.policy);
      const arn = `arn:aws:s3:::eks-${component}-bucket`;
      assert.deepEqual(leastPrivilegeProblems(policy, arn), [], component);
      const values = release("eks", component).inputs.values;
      assert.equal(values.serviceAccount.name, serviceAccount);
      assert.equal(values.serviceAccount.annotations["eks.amazonaws.com/role-arn"], `arn:aws:iam::123456789012:role/eks-${component}-storage`);
      const deps = release("eks", component).dependencies;
      for (const needed of [`eks-${component}-bucket`, `eks-${component}-storage`]) assert.ok(deps.some((urn) => urn.endsWith(`::${needed}`)), `the release waits for ${needed}`);
    }
    assert.equal(release("eks", "loki").inputs.values.deploymentMode, "SimpleScalable");
  });

  it("GKE: a private, unversioned GCS bucket per component in the cluster's region, objectAdmin on it alone for a service account only its ServiceAccount may use", () => {
    for (const [component, serviceAccount] of [["loki", "loki"], ["tempo", "tempo-server"]]) {
      const bucket = named("gcp:storage/bucket:Bucket", `gke-${component}-bucket`).inputs;
      assert.equal(bucket.location, "europe-west1");
      assert.equal(bucket.uniformBucketLevelAccess, true);
      assert.equal(bucket.publicAccessPrevention, "enforced");
      assert.deepEqual(bucket.versioning, { enabled: false });
      assert.deepEqual(bucket.lifecycleRules, [{ action: { type: "Delete" }, condition: { age: 15 } }]);
      const grants = program.resources.filter((r) => r.type === "gcp:storage/bucketIAMMember:BucketIAMMember" && r.name.startsWith(`gke-${component}-storage`));
      assert.deepEqual(grants.map((g) => [g.inputs.bucket, g.inputs.role]), [[`gke-${component}-bucket`, STORAGE_BUCKET_ROLE]]);
      assert.equal(STORAGE_BUCKET_ROLE, "roles/storage.objectAdmin");
      const wi = named("gcp:serviceaccount/iAMMember:IAMMember", `gke-${component}-storage-workload-identity`).inputs;
      assert.equal(wi.role, "roles/iam.workloadIdentityUser");
      assert.equal(wi.member, `serviceAccount:acme-platform-prod.svc.id.goog[monitoring/${serviceAccount}]`);
      assert.ok(release("gke", component).inputs.values.serviceAccount.annotations["iam.gke.io/gcp-service-account"]);
    }
    assert.equal(program.resources.filter((r) => r.type.startsWith("gcp:projects/") && r.name.startsWith("gke-") && r.name.includes("storage")).length, 0, "no project-wide grant");
  });

  it("k3s: no bucket, Loki and Tempo on their volumes", () => {
    assert.equal(program.resources.filter((r) => /:(s3|storage)\/bucket:Bucket$/.test(r.type) && r.name.startsWith("k3s-")).length, 0);
    assert.equal(release("k3s", "loki").inputs.values.deploymentMode, "SingleBinary");
    assert.equal(release("k3s", "loki").inputs.values.loki.storage.type, "filesystem");
  });
});

describe("shipped prod plans (EKS and GKE)", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "object-store-"));
  for (const [variant, bucketType] of [["prod", "aws:s3/bucket:Bucket"], ["prod-gke", "gcp:storage/bucket:Bucket"]]) {
    it(`${variant}: the plan holds Loki's and Tempo's buckets and a replicated Loki on them`, async () => {
      const run = await runPlan(tmp, variant, STACK_VARIANTS[variant]);
      assert.equal(run.code, 0, run.stderr);
      const resources = run.plan!.resources;
      const buckets = resources.filter((r) => r.type === bucketType).map((r) => r.name);
      for (const component of ["loki", "tempo"]) assert.ok(buckets.includes(`observability-${component}-bucket`), `${component} bucket in ${buckets.join(", ")}`);
      const loki = resources.find((r) => r.type === RELEASE && r.inputs.name === "loki")!.inputs.values as any;
      assert.equal(loki.deploymentMode, "SimpleScalable");
      assert.equal(loki.loki.commonConfig.replication_factor, 3);
      assert.deepEqual([loki.write.replicas, loki.read.replicas, loki.backend.replicas], [3, 3, 3]);
      assert.equal(loki.loki.schemaConfig.configs[0].object_store, bucketType.startsWith("aws") ? "s3" : "gcs");
      const tempo = resources.find((r) => r.type === RELEASE && r.inputs.name === "tempo")!.inputs.values as any;
      assert.equal(tempo.tempo.storage.trace.backend, bucketType.startsWith("aws") ? "s3" : "gcs");
      assert.deepEqual(run.plan!.violations, []);
    });
  }
});
