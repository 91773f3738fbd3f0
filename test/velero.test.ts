/**
 * Velero under Pulumi's mock runtime on EKS, GKE and k3s: the chart's values checked against the
 * pinned chart, the BackupStorageLocation and Schedules against Velero's CRDs, the cloud identity
 * (IRSA, Workload Identity) or the k3s credentials Secret, the node agent's namespace, and the
 * stack's `dr.clusterBackups` config and checks.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { captureProgram, type CapturedProgram, type CapturedResource } from "../plan/capture";
import { MOCK_SECRET_PREFIX } from "../plan/mocks";
import { createPlatform } from "../components/platform";
import { Velero, veleroVersions } from "../components/addons";
import type { KubernetesPlatform } from "../components/contract/platform";
import { cnpgClusterSpec } from "../components/postgres/kubernetes";
import { resolvePostgres } from "../components/postgres";
import { clusterBackupSchedules, clusterBackupsEnabled } from "../stacks/backups";
import { parseConfig } from "../stacks/config";
import { crdSchemaErrors, crdSkipReason } from "./support/crd-schema";
import { chartsSkipReason, checkRelease } from "./support/helm-charts";
import { PAGED } from "./support/config-fixtures";

let program: CapturedProgram;
const schedules = clusterBackupSchedules({ dr: { clusterBackups: { retentionDays: 14 } } });

const inside = (component: string, type: string, name: string): CapturedResource => {
  const parent = program.resources.find((r) => r.type === "platform:index:Velero" && r.name === component)!;
  const found = program.resources.filter((r) => r.parent === parent.urn && r.type === type && r.name === name);
  assert.equal(found.length, 1, `${component}: expected one ${type} ${name}`);
  return found[0];
};

before(async () => {
  program = await captureProgram(
    () => {
      const eks = createPlatform("eks", { target: "eks", eks: { environment: "prod", region: "eu-west-1", endpointPublicAccessCidrs: ["203.0.113.0/24"] } }) as KubernetesPlatform;
      const gke = createPlatform("gke", { target: "gke", gke: { environment: "prod", project: "acme-prod", region: "europe-west1" } }) as KubernetesPlatform;
      const k3s = createPlatform("onprem", { target: "k3s", k3s: { environment: "prod", kubeconfig: pulumi.secret("kubeconfig") } }) as KubernetesPlatform;
      new Velero("aws", { platform: eks, schedules, protect: true });
      new Velero("google", { platform: gke, schedules });
      new Velero("minio", {
        platform: k3s,
        schedules,
        bucket: { name: "backups", endpointUrl: "https://s3.storage.example.com", prefix: "velero", credentials: { accessKeyId: pulumi.secret(`${MOCK_SECRET_PREFIX}id`), secretAccessKey: pulumi.secret(`${MOCK_SECRET_PREFIX}key`) } },
      });
    },
    { project: "platform", stack: "test" },
  );
});

describe("Velero", () => {
  it("pins chart 12.1.0 (Velero 1.18.1) and the v1.14 plugins, and sets only keys the pinned chart declares", { skip: chartsSkipReason() }, () => {
    for (const component of ["aws", "google", "minio"]) {
      const release = inside(component, "kubernetes:helm.sh/v3:Release", `${component}-release`).inputs;
      assert.deepEqual([release.chart, release.version, release.namespace, release.createNamespace], ["velero", "12.1.0", "velero", false]);
      const check = checkRelease("velero", release.version, release.values);
      assert.ok(check.chart, "the pinned chart is in ../shared/charts");
      assert.deepEqual(check.problems, [], component);
    }
    const plugin = (component: string) => inside(component, "kubernetes:helm.sh/v3:Release", `${component}-release`).inputs.values.initContainers[0].image;
    assert.deepEqual([plugin("aws"), plugin("google"), plugin("minio")], [veleroVersions.plugins.aws, veleroVersions.plugins.gcp, veleroVersions.plugins.aws]);
  });

  it("runs the node agent in a namespace of its own under the privileged Pod Security Standard, and no chart-made locations", () => {
    const ns = inside("minio", "kubernetes:core/v1:Namespace", "minio-namespace").inputs;
    assert.equal(ns.metadata.labels["pod-security.kubernetes.io/enforce"], "privileged");
    const values = inside("minio", "kubernetes:helm.sh/v3:Release", "minio-release").inputs.values;
    assert.deepEqual([values.deployNodeAgent, values.backupsEnabled, values.snapshotsEnabled, values.configuration.uploaderType], [true, false, false, "kopia"]);
  });

  it("binds the server's ServiceAccount to an IAM role with the plugin's S3 permissions on EKS (IRSA)", () => {
    const values = inside("aws", "kubernetes:helm.sh/v3:Release", "aws-release").inputs.values;
    assert.deepEqual([values.serviceAccount.server.name, values.credentials], ["velero-server", { useSecret: false }]);
    assert.ok("eks.amazonaws.com/role-arn" in values.serviceAccount.server.annotations);
    const role = inside("aws", "aws:iam/role:Role", "aws-server").inputs;
    assert.match(role.assumeRolePolicy, /system:serviceaccount:velero:velero-server/);
    const policy = JSON.parse(inside("aws", "aws:iam/rolePolicy:RolePolicy", "aws-server").inputs.policy);
    assert.deepEqual(policy.Statement[1], { Effect: "Allow", Action: ["s3:ListBucket"], Resource: "arn:aws:s3:::aws-bucket" });
    assert.equal(inside("aws", "aws:s3/bucket:Bucket", "aws-bucket").protect, true);
  });

  it("impersonates a Google service account with objectAdmin on its bucket on GKE (Workload Identity)", () => {
    const member = inside("google", "gcp:serviceaccount/iAMMember:IAMMember", "google-server-workload-identity").inputs;
    assert.deepEqual([member.role, member.member], ["roles/iam.workloadIdentityUser", "serviceAccount:acme-prod.svc.id.goog[velero/velero-server]"]);
    const location = inside("google", "kubernetes:velero.io/v1:BackupStorageLocation", "google-location").inputs.spec;
    assert.equal(location.provider, "gcp");
    assert.ok(location.config.serviceAccount, "the BSL names the service account for signed URLs");
  });

  it("writes the k3s access key pair to a Secret in the AWS credentials format, never in plaintext", () => {
    const secret = inside("minio", "kubernetes:core/v1:Secret", "minio-credentials");
    assert.equal(secret.redactedInputs.stringData, "[secret]");
    assert.ok(!JSON.stringify(secret.redactedInputs).includes(MOCK_SECRET_PREFIX));
    assert.match(secret.inputs.stringData.cloud, /^\[default\]\naws_access_key_id=.+\naws_secret_access_key=.+\n$/);
    const location = inside("minio", "kubernetes:velero.io/v1:BackupStorageLocation", "minio-location").inputs.spec;
    assert.deepEqual(location, {
      provider: "aws",
      default: true,
      objectStorage: { bucket: "backups", prefix: "velero" },
      config: { region: "us-east-1", s3ForcePathStyle: "true", s3Url: "https://s3.storage.example.com" },
      credential: { name: "velero-credentials", key: "cloud" },
    });
  });

  it("backs up the data namespace with its volumes and every namespace's objects, kept for the retention", () => {
    const data = inside("minio", "kubernetes:velero.io/v1:Schedule", "minio-data-volumes").inputs.spec;
    assert.deepEqual([data.schedule, data.template.includedNamespaces, data.template.defaultVolumesToFsBackup, data.template.snapshotVolumes, data.template.ttl], ["0 * * * *", ["data"], true, false, "336h0m0s"]);
    const objects = inside("minio", "kubernetes:velero.io/v1:Schedule", "minio-cluster-objects").inputs.spec;
    assert.deepEqual([objects.template.includedNamespaces, objects.template.includeClusterResources, objects.template.defaultVolumesToFsBackup], [["*"], true, false]);
  });

  it("creates the location and the Schedules after the chart, which installs the CRDs", () => {
    const release = inside("minio", "kubernetes:helm.sh/v3:Release", "minio-release");
    for (const name of ["minio-location", "minio-data-volumes", "minio-cluster-objects"]) {
      const r = program.resources.find((x) => x.name === name)!;
      assert.ok(r.dependencies.includes(release.urn), name);
    }
  });

  it("validates the BackupStorageLocations and Schedules against Velero's CRDs", { skip: crdSkipReason() }, () => {
    const crs = program.resources.filter((r) => r.type.startsWith("kubernetes:velero.io/"));
    assert.equal(crs.length, 9);
    for (const r of crs) assert.deepEqual(crdSchemaErrors(r.inputs as { apiVersion: string; kind: string }), [], r.urn);
  });

  it("keeps the database's own volumes out of Velero's file-system backups (Barman backs them up)", () => {
    const spec = cnpgClusterSpec("pg", resolvePostgres("pg", {}, { environment: "prod" }), "local-path") as { inheritedMetadata: { annotations: Record<string, string> } };
    assert.equal(spec.inheritedMetadata.annotations["backup.velero.io/backup-volumes-excludes"], "pgdata,pg-wal");
  });

  it("refuses a k3s Velero without a bucket", () => {
    const k3s = { kind: "kubernetes", flavour: "k3s", environment: "prod", provider: undefined } as unknown as KubernetesPlatform;
    assert.throws(() => new Velero("nowhere", { platform: k3s, schedules }), /`bucket` \(an S3-compatible endpoint, name and access key pair\) is required without a cloud/);
  });
});

describe("dr.clusterBackups", () => {
  it("is on by default in prod on EKS and GKE, and on k3s when it has a bucket and keys; off in dev and on Docker", () => {
    const bucket = { backup: { bucket: { name: "pg", endpointUrl: "https://s3.example.com" } } };
    const cases: [Parameters<typeof clusterBackupsEnabled>[0], boolean][] = [
      [{ target: "eks", environment: "prod" }, true],
      [{ target: "k3s", environment: "prod" }, false],
      [{ target: "k3s", environment: "prod", postgres: bucket }, false],
      [{ target: "k3s", environment: "prod", postgres: bucket, postgresBackupAccessKeyId: "a", postgresBackupSecretAccessKey: "b" }, true],
      [{ target: "gke", environment: "dev" }, false],
      [{ target: "gke", environment: "dev", dr: { clusterBackups: { enabled: true } } }, true],
      [{ target: "docker", environment: "prod" }, false],
    ];
    for (const [config, enabled] of cases) assert.equal(clusterBackupsEnabled(config), enabled, JSON.stringify(config));
  });

  it("copies the data namespace's volumes except on k3s with a hostPath StorageClass (local-path), where only objects are backed up", () => {
    const cases: [Parameters<typeof clusterBackupSchedules>[0], string[]][] = [
      [{ target: "eks" }, ["data-volumes", "cluster-objects"]],
      [{ target: "gke" }, ["data-volumes", "cluster-objects"]],
      [{ target: "k3s" }, ["cluster-objects"]],
      [{ target: "k3s", k3s: { storageClass: "local-path" } }, ["cluster-objects"]],
      [{ target: "k3s", k3s: { storageClass: "longhorn" } }, ["data-volumes", "cluster-objects"]],
    ];
    for (const [config, names] of cases) assert.deepEqual(clusterBackupSchedules(config).map((s) => s.name), names, JSON.stringify(config));
    assert.deepEqual(clusterBackupSchedules({ target: "k3s" }).map((s) => s.volumes), [false]);
  });

  it("names every bad key: a schedule that is not cron, a DR region that is the cluster's own, k3s without a bucket or keys", () => {
    const eks = parseConfig({ target: "eks", environment: "prod", eks: { region: "eu-west-1" }, gateway: { enabled: false }, ...PAGED, dr: { region: "eu-west-1", clusterBackups: { schedule: "hourly" } } }, ["observability"]);
    assert.deepEqual(eks.ok ? [] : eks.issues.map((i) => i.key).sort(), ["platform:dr.clusterBackups.schedule", "platform:dr.region"]);
    const k3s = parseConfig({ target: "k3s", environment: "prod", postgres: { backup: { enabled: false } }, gateway: { enabled: false }, dr: { clusterBackups: { enabled: true } } }, []);
    const keys = k3s.ok ? [] : k3s.issues.map((i) => i.key);
    assert.ok(keys.includes("platform:dr.clusterBackups.bucket") && keys.includes("platform:postgresBackupAccessKeyId"), keys.join(", "));
  });
});
