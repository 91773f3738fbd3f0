/**
 * PostgresCluster's recovery under Pulumi's mock runtime: the DR region's pieces (RDS automated
 * backup replication, the Cloud SQL cross-region replica), the restore drill on every backend (RDS
 * point-in-time restore, Cloud SQL clone, CloudNativePG `bootstrap.recovery`) and the scheduled
 * restore verification (a replica cluster, a CronJob, its PrometheusRule), with every custom
 * resource validated against its upstream CRD and the policy pack run over the whole graph.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { parser } from "@prometheus-io/lezer-promql";
import { captureProgram, type CapturedProgram } from "../plan/capture";
import { hasMandatoryViolations, runPolicies } from "../plan/policy-runner";
import { recoveryReport } from "../plan/dr-report";
import { rules } from "../policies/rules";
import { createPlatform } from "../components/platform";
import { CertManager, CloudNativePg } from "../components/addons";
import { PostgresCluster, validatePostgres } from "../components/postgres";
import { VERIFY_WAIT_SECONDS, verifyScript } from "../components/postgres/kubernetes-recovery";
import type { KubernetesPlatform } from "../components/contract/platform";
import { parseConfig } from "../stacks/config";
import { findOne } from "./support/captured";
import { crdSchemaErrors, crdSkipReason } from "./support/crd-schema";
import { schemaErrors, unknownFields } from "./support/k8s-schema";
import { PAGED } from "./support/config-fixtures";

// The components alone, without the program's NetworkPolicies (stacks/network-policies.ts), which
// namespace-default-deny asks of a whole stack: that rule is the plan's and test/network-policies.test.ts's.
const componentRules = rules.filter((r) => r.name !== "namespace-default-deny");

const TARGET_TIME = "2026-12-01T09:30:00Z";
const minio = { endpointUrl: "https://s3.storage.example.com", name: "pg-backups", credentialsSecret: { name: "minio-creds" } };
let program: CapturedProgram;

const one = (type: string, name: string) => findOne(program.resources, type, name);

before(async () => {
  program = await captureProgram(
    () => {
      const eks = createPlatform("eks", { target: "eks", eks: { environment: "prod", region: "eu-west-1", endpointPublicAccessCidrs: ["203.0.113.0/24"] } });
      const gke = createPlatform("gke", { target: "gke", gke: { environment: "prod", project: "acme-prod", region: "europe-west1", endpointPublicAccessCidrs: ["203.0.113.0/24"] } });
      const k3s = createPlatform("onprem", { target: "k3s", k3s: { environment: "prod", kubeconfig: pulumi.secret("kubeconfig") } }) as KubernetesPlatform;
      const recovery = { drRegion: "eu-central-1", drill: { enabled: true, targetTime: TARGET_TIME } };
      new PostgresCluster("rds", { platform: eks, mode: "managed", recovery });
      const eksCertManager = new CertManager("eks-cm", { platform: eks as KubernetesPlatform });
      new PostgresCluster("cnpg", {
        platform: eks,
        namespace: "data",
        addons: { certManager: eksCertManager, cloudNativePg: new CloudNativePg("eks-cnpg", { platform: eks as KubernetesPlatform, certManager: eksCertManager }) },
        recovery: { drRegion: "eu-central-1" },
      });
      new PostgresCluster("sql", { platform: gke, mode: "managed", recovery: { ...recovery, drRegion: "europe-west4" } });
      const gkeCertManager = new CertManager("gke-cm", { platform: gke as KubernetesPlatform });
      new PostgresCluster("gcnpg", {
        platform: gke,
        namespace: "data",
        addons: { certManager: gkeCertManager, cloudNativePg: new CloudNativePg("gke-cnpg", { platform: gke as KubernetesPlatform, certManager: gkeCertManager }) },
        recovery: { drRegion: "europe-west4" },
      });
      const certManager = new CertManager("cm", { platform: k3s });
      new PostgresCluster("pg", {
        platform: k3s,
        namespace: "data",
        addons: { certManager, cloudNativePg: new CloudNativePg("cnpg", { platform: k3s, certManager }) },
        backup: { bucket: minio },
        recovery: { drill: { enabled: true, targetTime: TARGET_TIME }, verification: { enabled: true } },
      });
    },
    { project: "platform", stack: "test" },
  );
});

describe("the DR region", () => {
  it("replicates RDS automated backups to the DR region for the whole retention, under a key of that region", () => {
    const copy = one("aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication", "rds-dr-backups");
    const source = one("aws:rds/instance:Instance", "rds-rds");
    assert.deepEqual([copy.inputs.region, copy.inputs.retentionPeriod], ["eu-central-1", 30]);
    assert.ok(copy.dependencies.includes(source.urn), "the copy names its source instance");
    const key = one("aws:kms/key:Key", "rds-dr-key");
    assert.deepEqual([key.inputs.region, key.inputs.enableKeyRotation, copy.inputs.kmsKeyId], ["eu-central-1", true, `arn:aws:kms:mock-region:123456789012:key/rds-dr-key`]);
  });

  it("runs a Cloud SQL cross-region replica in the DR region, private and protected", () => {
    const replica = one("gcp:sql/databaseInstance:DatabaseInstance", "sql-sql-dr").inputs;
    assert.deepEqual([replica.region, replica.masterInstanceName, replica.deletionProtection], ["europe-west4", "sql-sql", true]);
    assert.deepEqual([replica.settings.edition, replica.settings.availabilityType, replica.settings.ipConfiguration.ipv4Enabled], ["ENTERPRISE_PLUS", "ZONAL", false]);
  });
});

describe("the DR region of an in-cluster database on EKS", () => {
  it("replicates the Barman archive to a bucket in the DR region with Replication Time Control", () => {
    const bucket = one("aws:s3/bucket:Bucket", "cnpg-backup-bucket-dr").inputs;
    assert.equal(bucket.region, "eu-central-1");
    const replication = one("aws:s3/bucketReplicationConfig:BucketReplicationConfig", "cnpg-backup-replication");
    assert.equal(replication.inputs.bucket, "cnpg-backup-bucket");
    const rule = replication.inputs.rules[0];
    assert.deepEqual([rule.status, rule.destination.replicationTime, rule.sourceSelectionCriteria], ["Enabled", { status: "Enabled", time: { minutes: 15 } }, { sseKmsEncryptedObjects: { status: "Enabled" } }]);
    const versioning = one("aws:s3/bucketVersioning:BucketVersioning", "cnpg-backup-bucket-versioning");
    assert.ok(replication.dependencies.includes(versioning.urn), "replication needs the source's versioning first");
    const policy = JSON.parse(one("aws:iam/rolePolicy:RolePolicy", "cnpg-backup-replication").inputs.policy);
    assert.deepEqual(policy.Statement[2].Action, ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"]);
    assert.deepEqual([rule.priority, rule.filter], [1, { prefix: "" }], "the V2 rule form RTC and delete-marker replication need");
  });

  it("lets the replication role use KMS under the encryption context S3 Bucket Keys send (the bucket ARN)", () => {
    const policy = JSON.parse(one("aws:iam/rolePolicy:RolePolicy", "cnpg-backup-replication").inputs.policy);
    const kms = (action: string) => policy.Statement.find((s: { Action: string[] }) => s.Action.includes(action));
    const source = "arn:aws:s3:::cnpg-backup-bucket";
    const sink = "arn:aws:s3:::cnpg-backup-bucket-dr";
    // Both buckets have bucketKeyEnabled: S3 then sends the bucket ARN as aws:s3:arn.
    for (const bucket of ["cnpg-backup-bucket-encryption", "cnpg-backup-bucket-dr-encryption"]) {
      assert.equal(one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", bucket).inputs.rules[0].bucketKeyEnabled, true);
    }
    assert.ok(kms("kms:Decrypt").Condition.StringLike["kms:EncryptionContext:aws:s3:arn"].includes(source), "decrypt matches the source bucket ARN");
    const encrypt = kms("kms:GenerateDataKey");
    assert.ok(encrypt, "the destination key grants kms:GenerateDataKey");
    assert.ok(encrypt.Action.includes("kms:Encrypt"));
    assert.equal(encrypt.Resource, "arn:aws:kms:mock-region:123456789012:key/cnpg-backup-dr-key");
    assert.equal(encrypt.Condition.StringLike["kms:ViaService"], "s3.eu-central-1.amazonaws.com");
    assert.ok(encrypt.Condition.StringLike["kms:EncryptionContext:aws:s3:arn"].includes(sink), "encrypt matches the DR bucket ARN");
  });

  it("reports the region-loss RPO as archive_timeout plus the replication SLA", () => {
    const store = recoveryReport(program.resources).stores.find((s) => s.store === "data/cnpg")!;
    assert.deepEqual(store.regionLoss.map((p) => [p.method, p.rpo.seconds]), [["recovery from the archive replicated to the DR region", 300 + 900]]);
  });
});

describe("the DR region of an in-cluster database on GKE", () => {
  it("replicates the Barman archive to a bucket in the DR region with a Storage Transfer replication job", () => {
    const bucket = one("gcp:storage/bucket:Bucket", "gcnpg-backup-bucket-dr").inputs;
    assert.deepEqual([bucket.location, bucket.publicAccessPrevention, bucket.versioning], ["europe-west4", "enforced", { enabled: true }]);
    const job = one("gcp:storage/transferJob:TransferJob", "gcnpg-backup-replication");
    assert.deepEqual([job.inputs.replicationSpec.gcsDataSource.bucketName, job.inputs.replicationSpec.gcsDataSink.bucketName], ["gcnpg-backup-bucket", "gcnpg-backup-bucket-dr"]);
    const grants = program.resources.filter((r) => r.type === "gcp:storage/bucketIAMMember:BucketIAMMember" && r.name.startsWith("gcnpg-transfer-"));
    assert.deepEqual(grants.map((g) => [g.inputs.bucket, g.inputs.role]).sort(), [
      ["gcnpg-backup-bucket", "roles/storage.legacyBucketOwner"],
      ["gcnpg-backup-bucket", "roles/storage.objectViewer"],
      ["gcnpg-backup-bucket-dr", "roles/storage.legacyBucketWriter"],
      ["gcnpg-backup-bucket-dr", "roles/storage.objectViewer"],
    ]);
    for (const g of grants) assert.ok(job.dependencies.includes(g.urn), "the job waits for the agent's grants");
  });

  it("lets the service agents use Pub/Sub, which event-driven replication runs on, with its API enabled", () => {
    const job = one("gcp:storage/transferJob:TransferJob", "gcnpg-backup-replication");
    const projectGrants = program.resources.filter((r) => r.type === "gcp:projects/iAMMember:IAMMember" && r.name.startsWith("gcnpg-"));
    assert.deepEqual(projectGrants.map((g) => [g.inputs.project, g.inputs.role, g.inputs.member]).sort(), [
      ["acme-prod", "roles/pubsub.editor", "serviceAccount:project-123456789012@storage-transfer-service.iam.gserviceaccount.com"],
      ["acme-prod", "roles/pubsub.publisher", "serviceAccount:service-123456789012@gs-project-accounts.iam.gserviceaccount.com"],
    ]);
    for (const g of projectGrants) assert.ok(job.dependencies.includes(g.urn), `the job waits for ${g.name}`);
    const apis = program.resources.filter((r) => r.type === "gcp:projects/service:Service" && r.name.startsWith("gcnpg-api-"));
    assert.deepEqual(apis.map((a) => a.inputs.service).sort(), ["pubsub.googleapis.com", "storagetransfer.googleapis.com"]);
    for (const a of apis) assert.ok(job.dependencies.includes(a.urn), `the job waits for ${a.inputs.service}`);
    const store = recoveryReport(program.resources).stores.find((s) => s.store === "data/gcnpg")!;
    assert.deepEqual(store.regionLoss.map((p) => [p.method, p.rpo.seconds]), [["recovery from the archive replicated to the DR region", undefined]]);
  });
});

describe("the restore drill", () => {
  it("restores an RDS instance to the target time beside the live one, unprotected and marked", () => {
    const drill = one("aws:rds/instance:Instance", "rds-drill").inputs;
    assert.deepEqual(drill.restoreToPointInTime, { sourceDbInstanceIdentifier: "rds-rds", restoreTime: TARGET_TIME });
    assert.deepEqual([drill.deletionProtection, drill.skipFinalSnapshot, drill.multiAz, drill.publiclyAccessible], [false, true, false, false]);
    assert.deepEqual([drill.vpcSecurityGroupIds, drill.dbSubnetGroupName, drill.parameterGroupName], [["rds-sg-id"], "rds-subnets", "rds-params"]);
    assert.equal(drill.tags["platform/restore-drill"], "true");
  });

  it("clones the Cloud SQL instance at the target time beside the live one", () => {
    const drill = one("gcp:sql/databaseInstance:DatabaseInstance", "sql-drill").inputs;
    assert.deepEqual(drill.clone, { sourceInstanceName: "sql-sql", pointInTime: TARGET_TIME });
    assert.deepEqual([drill.deletionProtection, drill.settings.deletionProtectionEnabled, drill.settings.userLabels], [false, false, { "restore-drill": "true" }]);
  });

  it("bootstraps a CloudNativePG Cluster from the archive to the target time, without archiving into it", () => {
    const drill = one("kubernetes:postgresql.cnpg.io/v1:Cluster", "pg-drill").inputs;
    assert.deepEqual(drill.spec.bootstrap, { recovery: { source: "origin", database: "app", owner: "app", secret: { name: "pg-app" }, recoveryTarget: { targetTime: TARGET_TIME } } });
    assert.deepEqual(drill.spec.externalClusters, [{ name: "origin", plugin: { name: "barman-cloud.cloudnative-pg.io", parameters: { barmanObjectName: "pg-backups", serverName: "pg" } } }]);
    assert.deepEqual([drill.spec.instances, drill.spec.serviceAccountName, drill.spec.plugins, drill.spec.replica], [1, "pg", undefined, undefined]);
    assert.equal(drill.metadata.labels["platform.acme.io/restore-drill"], "true");
  });

  it("is refused where it cannot run, naming the key", () => {
    const on = { flavour: "docker", environment: "dev" } as const;
    assert.deepEqual(validatePostgres({ recovery: { drill: { enabled: true } } }, on as never).map((p) => p.path.join(".")), ["recovery.drill.enabled"]);
    const eks = { flavour: "eks", environment: "prod" } as const;
    assert.deepEqual(
      validatePostgres({ mode: "managed", recovery: { drill: { enabled: true, targetTime: "yesterday" } } }, eks as never).map((p) => `${p.path.join(".")}: ${p.message}`),
      ['recovery.drill.targetTime: must be an RFC 3339 time with an offset, such as "2026-12-01T09:30:00Z" (got "yesterday")'],
    );
  });
});

describe("the restore verification", () => {
  const cronJob = () => one("kubernetes:batch/v1:CronJob", "pg-restore-check").inputs;

  it("keeps a replica cluster replaying the archive beside the live one", () => {
    const check = one("kubernetes:postgresql.cnpg.io/v1:Cluster", "pg-restore-check").inputs;
    assert.deepEqual(check.spec.replica, { enabled: true, source: "origin" });
    assert.equal(check.spec.bootstrap.recovery.recoveryTarget, undefined, "it follows the archive to its end");
    assert.equal(check.spec.plugins, undefined, "it never archives into the live archive");
  });

  it("runs an hourly CronJob that fails unless the restored copy replays a fresh marker", () => {
    const spec = cronJob().spec;
    assert.deepEqual([spec.schedule, spec.concurrencyPolicy, spec.jobTemplate.spec.backoffLimit], ["15 * * * *", "Forbid", 0]);
    const pod = spec.jobTemplate.spec.template.spec;
    const env = Object.fromEntries(pod.containers[0].env.map((e: { name: string; value?: string; valueFrom?: unknown }) => [e.name, e.value ?? e.valueFrom]));
    assert.deepEqual([env.PRIMARY_HOST, env.RESTORED_HOST], ["pg-rw.data.svc.cluster.local", "pg-restore-check-rw.data.svc.cluster.local"]);
    assert.deepEqual(env.PGPASSWORD, { secretKeyRef: { name: "pg-app", key: "password" } });
    assert.equal(pod.containers[0].image, "ghcr.io/cloudnative-pg/postgresql:17.11-standard-trixie");
    assert.deepEqual([pod.securityContext.runAsNonRoot, pod.containers[0].securityContext.readOnlyRootFilesystem, pod.containers[0].securityContext.capabilities], [true, true, { drop: ["ALL"] }]);
    const script = verifyScript();
    assert.match(script, /INSERT INTO platform_restore_check\.heartbeat VALUES \(1, \$marker\)/);
    assert.match(script, new RegExp(`\\+ ${VERIFY_WAIT_SECONDS} \\)\\)`));
    assert.match(script, /exit 1$/);
  });

  it("alerts on the latest run's failure and on no success for three schedule periods, in valid PromQL", () => {
    const rule = one("kubernetes:monitoring.coreos.com/v1:PrometheusRule", "pg-restore-check-alerts").inputs;
    const alerts = rule.spec.groups[0].rules as { alert: string; expr: string; labels: { severity: string } }[];
    assert.deepEqual(alerts.map((a) => [a.alert, a.labels.severity]), [["PostgresRestoreCheckFailed", "critical"], ["PostgresRestoreCheckStale", "warning"]]);
    assert.match(alerts[0].expr, /kube_cronjob_status_last_schedule_time\{namespace="data", cronjob="pg-restore-check"\}/);
    assert.doesNotMatch(alerts[0].expr, /kube_job_status_failed/, "a failed Job kept in history must not keep paging");
    assert.match(alerts[1].expr, /kube_cronjob_next_schedule_time/, "the stale window follows the schedule");
    for (const a of alerts) {
      let errors = 0;
      parser.parse(a.expr).iterate({ enter: (node) => void (node.type.isError && errors++) });
      assert.equal(errors, 0, a.expr);
    }
  });

  it("validates the restored Clusters and the PrometheusRule against the upstream CRDs", { skip: crdSkipReason() }, () => {
    const crs = program.resources.filter((r) => /(drill|restore-check)/.test(r.name) && r.type.startsWith("kubernetes:") && r.type !== "kubernetes:batch/v1:CronJob");
    assert.equal(crs.length, 3);
    for (const r of crs) assert.deepEqual(crdSchemaErrors(r.inputs as { apiVersion: string; kind: string }), [], r.urn);
  });

  it("validates the CronJob against the Kubernetes schema, with no unknown fields", () => {
    const job = { apiVersion: "batch/v1", kind: "CronJob", ...cronJob() };
    assert.deepEqual(schemaErrors(job), []);
    assert.deepEqual(unknownFields(job), []);
  });

  it("runs only in-cluster with backups, naming the key", () => {
    const gke = { flavour: "gke", environment: "prod" } as const;
    assert.deepEqual(
      validatePostgres({ mode: "managed", recovery: { verification: { enabled: true, schedule: "hourly" } } }, gke as never).map((p) => p.path.join(".")),
      ["recovery.verification.enabled", "recovery.verification.schedule"],
    );
  });
});

describe("the plan over the recovery pieces", () => {
  it("passes every mandatory policy in prod: read replicas, drills and the restore check are judged by their primary", async () => {
    const report = await runPolicies(componentRules, program.resources);
    assert.equal(hasMandatoryViolations(report), false, report.violations.map((v) => `${v.policy}: ${v.message}`).join("\n"));
  });
});

describe("the dr config", () => {
  it("maps the recovery problems onto the dr block's keys, and refuses Enterprise with 30 days of PITR naming the key", () => {
    const base = { target: "gke", environment: "prod", gke: { project: "acme-prod", region: "europe-west1" }, gateway: { enabled: false }, postgres: { mode: "managed" }, ...PAGED };
    const parsed = parseConfig({ ...base, postgres: { mode: "managed", managed: { edition: "ENTERPRISE", tier: "db-custom-2-7680" }, pooler: { enabled: false } }, dr: { drill: { enabled: true, targetTime: "soon" } } }, ["observability"]);
    assert.equal(parsed.ok, false);
    const keys = parsed.ok ? [] : parsed.issues.map((i) => i.key);
    assert.deepEqual(keys.sort(), ["platform:dr.drill.targetTime", "platform:postgres.backup.retentionDays"]);
    assert.equal(parseConfig({ ...base, postgres: { mode: "managed", managed: { tier: "db-perf-optimized-N-2" } }, dr: { region: "europe-west4" } }, ["observability"]).ok, true);
  });
});
