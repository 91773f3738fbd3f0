/**
 * PostgresCluster's in-cluster backend (CloudNativePG) under Pulumi's mock runtime: one program
 * builds a prod database on k3s, a bare dev database on a second k3s cluster, a prod database on
 * EKS and a dev database on GKE; the tests read what they registered. The pure functions are tested
 * directly.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { captureProgram, type CapturedProgram, type CapturedResource } from "../plan/capture";
import { MOCK_SECRET_PREFIX } from "../plan/mocks";
import { CertManager, CloudNativePg, operatorValues } from "../components/addons";
import { createPlatform, type KubernetesPlatform } from "../components/platform";
import { PostgresCluster, postgresVersions, resolvePostgres, validatePostgres } from "../components/postgres";
import {
  backupDestination,
  cnpgClusterSpec,
  objectStoreSpec,
  pgHbaRules,
  poolerSpec,
  postgresParameters,
  serviceHosts,
} from "../components/postgres/kubernetes";
import { backupBucketPolicy } from "../components/postgres/backup-aws";
import { backupServiceAccountId } from "../components/postgres/backup-gcp";
import { workloadIdentityMember } from "../components/platform/identity/gcp";
import { crdSchemaErrors, crdSkipReason } from "./support/crd-schema";

/** The CRD problems of an ObjectStore whose `spec.configuration` is `configuration`. */
const crdSchemaErrorsOf = (configuration: Record<string, unknown>) =>
  crdSkipReason() ? [] : crdSchemaErrors({ apiVersion: "barmancloud.cnpg.io/v1", kind: "ObjectStore", metadata: { name: "x" }, spec: { configuration } });
import { schemaErrors, unknownFields } from "./support/k8s-schema";

const CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster";
const POOLER = "kubernetes:postgresql.cnpg.io/v1:Pooler";
const SCHEDULED_BACKUP = "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup";
const OBJECT_STORE = "kubernetes:barmancloud.cnpg.io/v1:ObjectStore";
const POD_MONITOR = "kubernetes:monitoring.coreos.com/v1:PodMonitor";
const RELEASE = "kubernetes:helm.sh/v3:Release";

const LEDGER_KEYS = { accessKeyId: pulumi.secret("AKIAEXAMPLELEDGER"), secretAccessKey: pulumi.secret("ledger-example-secret-key") };
const LEDGER_CA = "-----BEGIN CERTIFICATE-----\nMIIBexample\n-----END CERTIFICATE-----\n";
const minio = { endpointUrl: "https://minio.storage.svc:9000", name: "pg-backups", credentialsSecret: { name: "minio-creds" }, endpointCA: { name: "minio-ca" } };

let program: CapturedProgram;
/** The errors of PostgresClusters refused for a missing add-on, by name. */
const refusals: Record<string, string> = {};

before(async () => {
  program = await captureProgram(
    () => {
      const k3s = createPlatform("onprem", { target: "k3s", k3s: { environment: "prod", kubeconfig: pulumi.secret("kubeconfig") } }) as KubernetesPlatform;
      const lab = createPlatform("lab", { target: "k3s", k3s: { environment: "dev", kubeconfig: pulumi.secret("kubeconfig"), storageClass: "longhorn" } }) as KubernetesPlatform;
      const eks = createPlatform("aws", {
        target: "eks",
        eks: { environment: "prod", region: "eu-west-1", endpointPublicAccessCidrs: ["203.0.113.0/24"] },
      }) as KubernetesPlatform;
      const gke = createPlatform("gcp", { target: "gke", gke: { environment: "dev", project: "acme-dev", region: "europe-west1" } }) as KubernetesPlatform;

      // The CloudNativePG operator is a cluster add-on, installed once per cluster and given to every database on it.
      const onpremCertManager = new CertManager("onprem-cert-manager", { platform: k3s });
      const onpremAddons = { certManager: onpremCertManager, cloudNativePg: new CloudNativePg("db", { platform: k3s, certManager: onpremCertManager }) };
      const db = new PostgresCluster("db", {
        platform: k3s,
        namespace: "data",
        addons: onpremAddons,
        backup: { bucket: minio },
        parameters: { work_mem: "16MB" },
      });
      // The access key pair as secrets and the endpoint's CA as PEM: the component writes both Secrets.
      new PostgresCluster("ledger", {
        platform: k3s,
        namespace: "data",
        addons: onpremAddons,
        pooler: { enabled: false },
        backup: { bucket: { name: "pg-backups", endpointUrl: "https://minio.storage.svc:9000", credentials: LEDGER_KEYS, endpointCA: { certificate: LEDGER_CA } } },
      });
      // The lab cluster's operator has no Barman Cloud plugin (and so needs no cert-manager): no backups there.
      const scratch = new PostgresCluster("scratch", {
        platform: lab,
        addons: { cloudNativePg: new CloudNativePg("lab-cnpg", { platform: lab, barmanCloud: false }) },
        backup: { enabled: false },
        pooler: { enabled: false },
        monitoring: false,
      });
      const awsCertManager = new CertManager("aws-cert-manager", { platform: eks });
      new PostgresCluster("orders", { platform: eks, namespace: "shop", addons: { certManager: awsCertManager, cloudNativePg: new CloudNativePg("orders", { platform: eks, certManager: awsCertManager }) } });
      const gcpCertManager = new CertManager("gcp-cert-manager", { platform: gke });
      new PostgresCluster("billing", { platform: gke, namespace: "finance", addons: { certManager: gcpCertManager, cloudNativePg: new CloudNativePg("billing", { platform: gke, certManager: gcpCertManager }) } });
      for (const [name, args] of [
        ["no-operator", { platform: lab, backup: { enabled: false } }],
        ["no-plugin", { platform: lab, addons: { cloudNativePg: new CloudNativePg("lab-cnpg-2", { platform: lab, barmanCloud: false }) }, backup: { bucket: minio } }],
      ] as const) {
        try {
          new PostgresCluster(name, args);
        } catch (error) {
          refusals[name] = (error as Error).message;
        }
      }
      return { dbHost: db.host, dbReadHost: db.readHost, dbPort: db.port, scratchHost: scratch.host, dbConnection: db.connectionString };
    },
    { project: "platform", stack: "test" },
  );
});

const ofType = (type: string, name?: string): CapturedResource[] => program.resources.filter((r) => r.type === type && (name === undefined || r.name === name));
function one(type: string, name: string): CapturedResource {
  const found = ofType(type, name);
  assert.equal(found.length, 1, `expected one ${type} named ${name}`);
  return found[0];
}
const urnOf = (type: string, name: string) => one(type, name).urn;
const spec = (type: string, name: string) => one(type, name).inputs.spec;
const prodSpec = resolvePostgres("db", { backup: { bucket: minio } }, { environment: "prod" });
const devSpec = resolvePostgres("db", { backup: { bucket: minio } }, { environment: "dev" });

describe("CloudNativePG decisions", () => {
  it("runs two operator replicas in prod and one elsewhere, with CRDs, limits and no chart PodMonitor", () => {
    const prod = operatorValues("prod");
    assert.equal(prod.replicaCount, 2);
    assert.equal(operatorValues("dev").replicaCount, 1);
    assert.deepEqual(prod.crds, { create: true });
    assert.deepEqual(prod.monitoring, { podMonitorEnabled: false });
    const resources = prod.resources as { requests: object; limits: object };
    assert.ok(resources.requests && resources.limits);
  });

  it("merges user parameters over the defaults as strings and keeps TLS 1.3 as the floor", () => {
    const parameters = postgresParameters({ ...prodSpec, parameters: { work_mem: "16MB", shared_buffers: "300MB" } });
    assert.equal(parameters.work_mem, "16MB");
    assert.equal(parameters.shared_buffers, "300MB", "the user's value wins");
    assert.equal(parameters.effective_cache_size, "768MB", "75% of the 1Gi limit");
    assert.equal(parameters.ssl_min_protocol_version, "TLSv1.3");
    for (const value of Object.values(parameters)) assert.equal(typeof value, "string");
  });

  it("refuses a TLS floor below 1.2, naming the parameter", () => {
    const problems = validatePostgres({ parameters: { ssl_min_protocol_version: "TLSv1.1" }, backup: { enabled: false } }, { flavour: "k3s", environment: "dev" });
    assert.deepEqual(problems, [{ path: ["parameters", "ssl_min_protocol_version"], message: 'must be TLSv1.2 or TLSv1.3 (got "TLSv1.1")' }]);
    assert.equal(postgresParameters({ ...prodSpec, parameters: { ssl_min_protocol_version: "TLSv1.2" } }).ssl_min_protocol_version, "TLSv1.2");
  });

  it("requires instances on different nodes in prod and only prefers it elsewhere", () => {
    assert.equal((cnpgClusterSpec("db", prodSpec, "gp3").affinity as any).podAntiAffinityType, "required");
    assert.equal((cnpgClusterSpec("db", devSpec, "gp3").affinity as any).podAntiAffinityType, "preferred");
    assert.equal((poolerSpec("db", prodSpec).template as any).spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution.length, 1);
    assert.equal((poolerSpec("db", devSpec).template as any).spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution.length, 1);
  });

  it("archives WAL through the plugin only when backups are on", () => {
    assert.equal(cnpgClusterSpec("db", prodSpec, "gp3").plugins, undefined);
    const withBackup = cnpgClusterSpec("db", prodSpec, "gp3", { objectStoreName: "db-backups", serviceAccountAnnotations: {} });
    assert.deepEqual(withBackup.plugins, [{ name: "barman-cloud.cloudnative-pg.io", isWALArchiver: true, parameters: { barmanObjectName: "db-backups" } }]);
    assert.equal(withBackup.serviceAccountTemplate, undefined, "no annotations, no template");
  });

  it("writes backups to s3:// with IRSA, gs:// with Workload Identity, or an endpoint with keys", () => {
    assert.deepEqual(backupDestination("db", "aws", "b", {}), { destinationPath: "s3://b/db", s3Credentials: { inheritFromIAMRole: true } });
    assert.deepEqual(backupDestination("db", "gcp", "b", {}), { destinationPath: "gs://b/db", googleCredentials: { gkeEnvironment: true } });
    assert.deepEqual(backupDestination("db", "s3-compatible", "b", { endpointUrl: "http://minio:9000", credentialsSecret: { name: "keys", accessKeyIdKey: "id" } }), {
      destinationPath: "s3://b/db",
      endpointURL: "http://minio:9000",
      s3Credentials: { accessKeyId: { name: "keys", key: "id" }, secretAccessKey: { name: "keys", key: "ACCESS_SECRET_KEY" } },
    });
    const privateCa = backupDestination("db", "s3-compatible", "b", { endpointUrl: "https://minio:9000", credentialsSecret: { name: "keys" }, endpointCA: { name: "minio-ca" } });
    assert.deepEqual(privateCa.endpointCA, { name: "minio-ca", key: "ca.crt" }, "a private CA's bundle is trusted");
    assert.deepEqual(crdSchemaErrorsOf(privateCa), [], "endpointCA has the CRD's shape");
    assert.throws(() => backupDestination("db", "s3-compatible", "b", {}), /`backup\.bucket\.endpointUrl` and `backup\.bucket\.credentials` are required/);
  });

  it("keeps backups for the retention in days and gives the sidecar limits", () => {
    const store = objectStoreSpec("db", resolvePostgres("db", { backup: { retentionDays: 14, bucket: minio } }, { environment: "prod" }), "aws", "b");
    assert.equal(store.retentionPolicy, "14d");
    assert.ok((store.instanceSidecarConfiguration as any).resources.limits.memory);
  });

  it("grants the backup role the cluster's folder of the bucket and nothing else", () => {
    const policy = JSON.parse(backupBucketPolicy("arn:aws:s3:::b", "db"));
    assert.deepEqual(policy.Statement.map((s: any) => s.Resource), ["arn:aws:s3:::b", "arn:aws:s3:::b/db/*"]);
    assert.deepEqual(policy.Statement.flatMap((s: any) => s.Action).sort(), ["s3:DeleteObject", "s3:GetBucketLocation", "s3:GetObject", "s3:ListBucket", "s3:PutObject"]);
  });

  it("names Google identities within their limits and binds the Kubernetes ServiceAccount", () => {
    const id = backupServiceAccountId("a-very-long-database-name-indeed");
    assert.ok(id.length >= 6 && id.length <= 30 && /^[a-z][-a-z0-9]*[a-z0-9]$/.test(id), id);
    assert.equal(workloadIdentityMember("p.svc.id.goog", "ns", "db"), "serviceAccount:p.svc.id.goog[ns/db]");
  });

  it("points clients at the pooler when there is one, else at the primary", () => {
    assert.deepEqual(serviceHosts("db", "data", true), { host: "db-pooler-rw.data.svc.cluster.local", readHost: "db-ro.data.svc.cluster.local" });
    assert.equal(serviceHosts("db", "data", false).host, "db-rw.data.svc.cluster.local");
  });
});

describe("PostgresCluster on Kubernetes", () => {
  it("installs the pinned operator and Barman Cloud plugin once, in cnpg-system, the plugin after cert-manager", () => {
    const operator = one(RELEASE, "db-operator").inputs;
    assert.deepEqual([operator.name, operator.chart, operator.version, operator.namespace], ["cnpg", "cloudnative-pg", "0.29.0", "cnpg-system"]);
    assert.equal(operator.repositoryOpts.repo, "https://cloudnative-pg.github.io/charts");
    assert.equal(operator.values.replicaCount, 2, "prod");
    const plugin = one(RELEASE, "db-barman-cloud");
    assert.deepEqual([plugin.inputs.name, plugin.inputs.chart, plugin.inputs.version, plugin.inputs.namespace], ["barman-cloud", "plugin-barman-cloud", "0.7.1", "cnpg-system"]);
    assert.ok(plugin.inputs.values.resources.limits);
    assert.ok(plugin.dependencies.includes(urnOf(RELEASE, "db-operator")));
    assert.ok(plugin.dependencies.includes(urnOf(RELEASE, "onprem-cert-manager-release")));
    assert.equal(postgresVersions.operatorChart.appVersion, "1.30.0");
    const clusters = program.resources.filter((r) => r.type === "platform:index:PostgresCluster").map((r) => r.urn);
    assert.deepEqual(ofType(RELEASE).filter((r) => clusters.includes(r.parent ?? "")), [], "the operator is the add-on's: no PostgresCluster installs one");
  });

  it("refuses to run in-cluster without the CloudNativePG add-on, or with backups but no Barman Cloud plugin", () => {
    assert.match(refusals["no-operator"], /`addons\.cloudNativePg` is required in-cluster/);
    assert.match(refusals["no-plugin"], /`addons\.cloudNativePg` must include the Barman Cloud plugin when backups are on/);
  });

  it("runs three instances of the pinned image on the platform's StorageClass, bootstrapped from the app secret", () => {
    const cluster = one(CLUSTER, "db").inputs;
    assert.equal(cluster.metadata.name, "db");
    assert.equal(cluster.metadata.namespace, "data");
    assert.equal(cluster.spec.instances, 3);
    assert.equal(cluster.spec.imageName, "ghcr.io/cloudnative-pg/postgresql:17.11-standard-trixie");
    assert.deepEqual(cluster.spec.storage, { size: "20Gi", storageClass: "local-path" });
    assert.deepEqual(cluster.spec.bootstrap.initdb, { database: "app", owner: "app", secret: { name: "db-app" } });
    assert.deepEqual(cluster.spec.resources, { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "1Gi" } });
    assert.equal(cluster.spec.postgresql.parameters.work_mem, "16MB");
    assert.equal(spec(CLUSTER, "scratch").storage.storageClass, "longhorn");
    assert.equal(spec(CLUSTER, "scratch").instances, 1);
  });

  it("rejects clients without TLS and keeps instances on different nodes, spread across zones", () => {
    const cluster = spec(CLUSTER, "db");
    assert.deepEqual(cluster.postgresql.pg_hba, pgHbaRules());
    assert.deepEqual(cluster.postgresql.pg_hba, ["hostnossl all all all reject"]);
    assert.deepEqual(cluster.affinity, { enablePodAntiAffinity: true, topologyKey: "kubernetes.io/hostname", podAntiAffinityType: "required" });
    assert.equal(spec(CLUSTER, "scratch").affinity.podAntiAffinityType, "preferred");
    assert.equal(cluster.topologySpreadConstraints[0].topologyKey, "topology.kubernetes.io/zone");
    assert.equal(cluster.topologySpreadConstraints[0].whenUnsatisfiable, "ScheduleAnyway");
  });

  it("creates the Cluster after the operator, the plugin, the app secret and the ObjectStore", () => {
    const deps = one(CLUSTER, "db").dependencies;
    for (const [type, name] of [[RELEASE, "db-operator"], [RELEASE, "db-barman-cloud"], ["kubernetes:core/v1:Secret", "db-app"], [OBJECT_STORE, "db-backups"]]) {
      assert.ok(deps.includes(urnOf(type, name)), `Cluster must wait for ${name}`);
    }
  });

  it("makes Pulumi wait for the operator's Ready condition on the live Cluster, so what uses the database starts after it accepts connections", () => {
    for (const name of ["db", "scratch"]) assert.equal(one(CLUSTER, name).inputs.metadata.annotations?.["pulumi.com/waitFor"], "condition=Ready", name);
  });

  it("keeps the password in a basic-auth Secret, marked secret", () => {
    const secret = one("kubernetes:core/v1:Secret", "db-app");
    assert.equal(secret.inputs.type, "kubernetes.io/basic-auth");
    assert.equal(secret.inputs.metadata.namespace, "data");
    assert.equal(secret.redactedInputs.stringData, "[secret]");
    assert.equal(secret.inputs.stringData.username, "app");
    assert.ok(String(secret.inputs.stringData.password).startsWith(MOCK_SECRET_PREFIX));
  });

  it("puts two PgBouncer pods in transaction mode with 1000 client connections in front of the primary", () => {
    const pooler = one(POOLER, "db-pooler-rw").inputs;
    assert.equal(pooler.metadata.name, "db-pooler-rw");
    assert.deepEqual(pooler.spec.cluster, { name: "db" });
    assert.equal(pooler.spec.type, "rw");
    assert.ok(pooler.spec.instances >= 2);
    assert.equal(pooler.spec.pgbouncer.poolMode, "transaction");
    assert.deepEqual(pooler.spec.pgbouncer.parameters, { max_client_conn: "1000", default_pool_size: "20" });
    const container = pooler.spec.template.spec.containers[0];
    assert.equal(container.name, "pgbouncer");
    assert.ok(container.resources.requests.cpu && container.resources.limits.memory);
    const term = pooler.spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0];
    assert.deepEqual(term, { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { "cnpg.io/poolerName": "db-pooler-rw" } } });
    assert.equal(ofType(POOLER, "scratch-pooler-rw").length, 0);
  });

  it("backs up k3s to the S3-compatible endpoint with the keys from the named Secret, for 30 days", () => {
    const store = spec(OBJECT_STORE, "db-backups");
    assert.equal(store.configuration.destinationPath, "s3://pg-backups/db");
    assert.equal(store.configuration.endpointURL, "https://minio.storage.svc:9000");
    assert.deepEqual(store.configuration.s3Credentials, {
      accessKeyId: { name: "minio-creds", key: "ACCESS_KEY_ID" },
      secretAccessKey: { name: "minio-creds", key: "ACCESS_SECRET_KEY" },
    });
    assert.deepEqual([store.configuration.wal.compression, store.configuration.data.compression], ["gzip", "gzip"]);
    assert.equal(store.retentionPolicy, "30d");
    assert.deepEqual(store.instanceSidecarConfiguration.env, [{ name: "AWS_DEFAULT_REGION", value: "us-east-1" }]);
    assert.deepEqual(spec(CLUSTER, "db").plugins, [{ name: "barman-cloud.cloudnative-pg.io", isWALArchiver: true, parameters: { barmanObjectName: "db-backups" } }]);
  });

  it("writes the backup's access key pair (as a secret) and the endpoint's CA to Secrets of its own, which the ObjectStore reads and the Cluster waits for", () => {
    const keys = one("kubernetes:core/v1:Secret", "ledger-backup-s3");
    assert.deepEqual([keys.inputs.metadata.name, keys.inputs.metadata.namespace], ["ledger-backup-s3", "data"]);
    assert.deepEqual(keys.inputs.stringData, { ACCESS_KEY_ID: "AKIAEXAMPLELEDGER", ACCESS_SECRET_KEY: "ledger-example-secret-key" });
    assert.equal(JSON.stringify(keys.redactedInputs).includes("ledger-example-secret-key"), false, "the secret access key stays secret");
    const ca = one("kubernetes:core/v1:Secret", "ledger-backup-ca");
    assert.deepEqual(ca.inputs.stringData, { "ca.crt": LEDGER_CA });
    const store = spec(OBJECT_STORE, "ledger-backups");
    assert.deepEqual(store.configuration.s3Credentials, {
      accessKeyId: { name: "ledger-backup-s3", key: "ACCESS_KEY_ID" },
      secretAccessKey: { name: "ledger-backup-s3", key: "ACCESS_SECRET_KEY" },
    });
    assert.deepEqual(store.configuration.endpointCA, { name: "ledger-backup-ca", key: "ca.crt" });
    const cluster = one(CLUSTER, "ledger");
    for (const secret of [keys, ca]) {
      assert.ok(one(OBJECT_STORE, "ledger-backups").dependencies.includes(secret.urn), `the ObjectStore waits for ${secret.name}`);
      assert.ok(cluster.dependencies.includes(secret.urn), `the Cluster waits for ${secret.name}`);
    }
  });

  it("takes a daily base backup through the plugin, starting right away", () => {
    const backup = one(SCHEDULED_BACKUP, "db-daily");
    assert.deepEqual(backup.inputs.spec, {
      schedule: "0 0 3 * * *",
      method: "plugin",
      pluginConfiguration: { name: "barman-cloud.cloudnative-pg.io" },
      cluster: { name: "db" },
      backupOwnerReference: "self",
      immediate: true,
    });
    assert.ok(backup.dependencies.includes(urnOf(CLUSTER, "db")));
    assert.equal(ofType(OBJECT_STORE, "scratch-backups").length + ofType(SCHEDULED_BACKUP, "scratch-daily").length, 0, "backups off: none");
  });

  it("scrapes the instances with a PodMonitor only when monitoring is on", () => {
    const monitor = spec(POD_MONITOR, "db-pod-monitor");
    assert.deepEqual(monitor.selector.matchLabels, { "cnpg.io/cluster": "db", "cnpg.io/podRole": "instance" });
    assert.deepEqual(monitor.podMetricsEndpoints, [{ port: "metrics" }]);
    assert.equal(spec(CLUSTER, "db").monitoring, undefined, "the deprecated enablePodMonitor is not used");
    assert.equal(ofType(POD_MONITOR, "scratch-pod-monitor").length, 0);
  });

  it("on EKS, backs up to a private, encrypted, versioned S3 bucket through an IRSA role for the Cluster's ServiceAccount", () => {
    const bucket = one("aws:s3/bucket:Bucket", "orders-backup-bucket");
    const awsProvider = program.resources.find((r) => r.type === "pulumi:providers:aws" && r.name.startsWith("aws"))!;
    assert.ok(bucket.provider?.startsWith(awsProvider.urn), "the cloud's provider");
    const ofBucket = (type: string, name: string) => {
      const r = one(type, name);
      assert.equal(r.inputs.bucket, "orders-backup-bucket", `${name} is on the backup bucket`);
      return r.inputs;
    };
    assert.deepEqual(ofBucket("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "orders-backup-bucket-encryption").rules[0].applyServerSideEncryptionByDefault, { sseAlgorithm: "aws:kms" });
    const block = ofBucket("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "orders-backup-bucket-public-access");
    assert.deepEqual([block.blockPublicAcls, block.blockPublicPolicy, block.ignorePublicAcls, block.restrictPublicBuckets], [true, true, true, true]);
    assert.equal(ofBucket("aws:s3/bucketVersioning:BucketVersioning", "orders-backup-bucket-versioning").versioningConfiguration.status, "Enabled");
    const rule = ofBucket("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "orders-backup-bucket-lifecycle").rules[0];
    assert.deepEqual(rule.noncurrentVersionExpiration, { noncurrentDays: 37 });
    const tls = JSON.parse(ofBucket("aws:s3/bucketPolicy:BucketPolicy", "orders-backup-bucket-tls-only").policy);
    assert.deepEqual(tls.Statement[0].Condition, { Bool: { "aws:SecureTransport": "false" } });

    const trust = JSON.parse(one("aws:iam/role:Role", "orders-backup").inputs.assumeRolePolicy);
    const condition = trust.Statement[0].Condition.StringEquals;
    assert.ok(Object.values(condition).includes("system:serviceaccount:shop:orders"), JSON.stringify(condition));
    const policy = JSON.parse(one("aws:iam/rolePolicy:RolePolicy", "orders-backup").inputs.policy);
    assert.deepEqual(policy.Statement.map((s: any) => s.Resource), ["arn:aws:s3:::orders-backup-bucket", "arn:aws:s3:::orders-backup-bucket/orders/*"]);

    const cluster = spec(CLUSTER, "orders");
    assert.deepEqual(cluster.serviceAccountTemplate.metadata.annotations, { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/orders-backup" });
    assert.equal(cluster.storage.storageClass, "gp3");
    const store = spec(OBJECT_STORE, "orders-backups").configuration;
    assert.equal(store.destinationPath, "s3://orders-backup-bucket/orders");
    assert.deepEqual(store.s3Credentials, { inheritFromIAMRole: true });
    assert.equal(store.endpointURL, undefined, "AWS S3 needs no endpoint");
  });

  it("on GKE, backs up to a private, versioned GCS bucket through Workload Identity", () => {
    const bucket = one("gcp:storage/bucket:Bucket", "billing-backup-bucket").inputs;
    assert.equal(bucket.location, "europe-west1");
    assert.equal(bucket.uniformBucketLevelAccess, true);
    assert.equal(bucket.publicAccessPrevention, "enforced");
    assert.deepEqual(bucket.versioning, { enabled: true });
    assert.equal(bucket.lifecycleRules[0].condition.daysSinceNoncurrentTime, 37);
    const email = "billing-pg-backup@mock-project.iam.gserviceaccount.com";
    assert.equal(one("gcp:serviceaccount/account:Account", "billing-backup").inputs.accountId, "billing-pg-backup");
    const admin = one("gcp:storage/bucketIAMMember:BucketIAMMember", "billing-backup-object-admin").inputs;
    assert.deepEqual(admin, { bucket: "billing-backup-bucket", role: "roles/storage.objectAdmin", member: `serviceAccount:${email}` });
    const wi = one("gcp:serviceaccount/iAMMember:IAMMember", "billing-backup-workload-identity").inputs;
    assert.equal(wi.role, "roles/iam.workloadIdentityUser");
    assert.equal(wi.member, "serviceAccount:acme-dev.svc.id.goog[finance/billing]");
    assert.equal(wi.serviceAccountId, `projects/acme-dev/serviceAccounts/${email}`);

    assert.deepEqual(spec(CLUSTER, "billing").serviceAccountTemplate.metadata.annotations, { "iam.gke.io/gcp-service-account": email });
    const store = spec(OBJECT_STORE, "billing-backups").configuration;
    assert.equal(store.destinationPath, "gs://billing-backup-bucket/billing");
    assert.deepEqual(store.googleCredentials, { gkeEnvironment: true });
  });

  it("protects and retains the Cluster and the bucket when protect is on, and not when it is off", () => {
    for (const [type, name] of [[CLUSTER, "db"], [CLUSTER, "orders"], ["aws:s3/bucket:Bucket", "orders-backup-bucket"]]) {
      const r = one(type, name);
      assert.deepEqual([r.protect, r.retainOnDelete], [true, true], `${name} (prod) must be protected`);
    }
    for (const [type, name] of [[CLUSTER, "scratch"], [CLUSTER, "billing"], ["gcp:storage/bucket:Bucket", "billing-backup-bucket"]]) {
      const r = one(type, name);
      assert.deepEqual([r.protect, r.retainOnDelete], [false, false], `${name} (dev) must not be protected`);
    }
  });

  it("creates every Kubernetes object with its platform's provider", () => {
    const providers = new Map(program.resources.filter((r) => r.type === "pulumi:providers:kubernetes").map((r) => [r.name, r.urn]));
    for (const [database, platform] of [["db", "onprem-k8s"], ["scratch", "lab-k8s"], ["orders", "aws-k8s"], ["billing", "gcp-k8s"]]) {
      const component = one("platform:index:PostgresCluster", database);
      const objects = program.resources.filter((r) => r.parent === component.urn && r.type.startsWith("kubernetes:"));
      assert.ok(objects.length >= 2, database);
      const provider = providers.get(platform);
      assert.ok(provider, `no Kubernetes provider ${platform}`);
      for (const r of objects) assert.ok(r.provider?.startsWith(provider), `${r.urn} has provider ${r.provider}`);
    }
  });

  it("validates every custom resource against the upstream CRDs", { skip: crdSkipReason() }, () => {
    const crs = program.resources.filter((r) => [CLUSTER, POOLER, SCHEDULED_BACKUP, OBJECT_STORE, POD_MONITOR].includes(r.type));
    assert.ok(crs.length >= 13, `only ${crs.length} custom resources`);
    for (const r of crs) assert.deepEqual(crdSchemaErrors(r.inputs as { apiVersion: string; kind: string }), [], r.urn);
  });

  it("validates every built-in Kubernetes object against the upstream schema, with no unknown fields", () => {
    const objects = program.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:core/") && ofParentPostgres(r));
    assert.ok(objects.length >= 4);
    for (const r of objects) {
      assert.deepEqual(schemaErrors(r.inputs as { apiVersion: string; kind: string }), [], r.urn);
      assert.deepEqual(unknownFields(r.inputs), [], r.urn);
    }
  });

  it("writes the password nowhere in plaintext", () => {
    for (const r of program.resources) {
      assert.ok(!JSON.stringify(r.redactedInputs).includes(MOCK_SECRET_PREFIX), `${r.urn} leaks a secret`);
    }
    assert.equal(program.outputs.dbConnection, "[secret]");
  });

  it("returns the pooler as host, the replicas as readHost and port 5432", () => {
    assert.equal(program.outputs.dbHost, "db-pooler-rw.data.svc.cluster.local");
    assert.equal(program.outputs.dbReadHost, "db-ro.data.svc.cluster.local");
    assert.equal(program.outputs.dbPort, 5432);
    assert.equal(program.outputs.scratchHost, "scratch-rw.default.svc.cluster.local", "no pooler: the primary");
  });
});

/** A k3s-only program, run in its own process (this file loads the cloud SDKs for EKS and GKE). */
const K3S_ONLY = `
const pulumi = require("@pulumi/pulumi");
const { captureProgram } = require("./plan/capture");
const { createPlatform } = require("./components/platform");
const { PostgresCluster } = require("./components/postgres");
const { CertManager, CloudNativePg } = require("./components/addons");
captureProgram(() => {
  const k3s = createPlatform("k3s", { target: "k3s", k3s: { environment: "prod", kubeconfig: pulumi.secret("k") } });
  const certManager = new CertManager("cm", { platform: k3s });
  new PostgresCluster("db", { platform: k3s, addons: { certManager, cloudNativePg: new CloudNativePg("cnpg", { platform: k3s, certManager }) }, backup: { bucket: ${JSON.stringify(minio)} } });
}, { project: "platform", stack: "test" }).then((p) => {
  const sdks = Object.keys(require.cache).filter((f) => /@pulumi[\\\\/](aws|gcp)[\\\\/]/.test(f));
  console.log(JSON.stringify({ objectStores: p.resources.filter((r) => r.type.endsWith(":ObjectStore")).length, sdks: sdks.length }));
});`;

describe("PostgresCluster on k3s alone", () => {
  it("backs up without loading @pulumi/aws or @pulumi/gcp", () => {
    const out = execFileSync(process.execPath, ["--import", "tsx", "-e", K3S_ONLY], { cwd: path.resolve(__dirname, ".."), encoding: "utf8" });
    assert.deepEqual(JSON.parse(out.trim().split("\n").pop()!), { objectStores: 1, sdks: 0 });
  });
});

function ofParentPostgres(r: CapturedResource): boolean {
  const parent = program.resources.find((p) => p.urn === r.parent);
  return parent?.type === "platform:index:PostgresCluster";
}
