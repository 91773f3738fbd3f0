/**
 * The `postgres` and `redis` blocks of the stack config: every bad input the data tier refuses,
 * named by its key path, before any resource exists.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatConfigIssues, parseConfig, type ConfigIssue } from "../stacks/config";
import { deployedStateFrom } from "../plan/state-file";

import { PAGED } from "./support/config-fixtures";
const docker = { target: "docker", environment: "dev" };
const k3s = { target: "k3s", environment: "prod", kubeconfig: "apiVersion: v1", k3s: { disable: ["traefik", "gateway-api-crd"] }, ...PAGED };
/** Prod on a cloud defaults the gateway to ACME certificates, which need an account email. */
const acme = { gateway: { tls: { acme: { email: "ops@example.com" } } } };
const eks = { target: "eks", environment: "prod", eks: { region: "eu-west-1", endpointPublicAccessCidrs: ["203.0.113.0/24"] }, ...acme, ...PAGED };
const gke = { target: "gke", environment: "prod", gke: { project: "acme-platform-prod", region: "europe-west1", endpointPublicAccessCidrs: ["203.0.113.0/24"] }, ...acme, ...PAGED };
const k3sBucket = { name: "backups", endpointUrl: "https://minio.minio.svc:9000", credentialsSecret: { name: "s3" }, endpointCA: { name: "minio-ca" } };

/** The access key pair of a k3s backup, as the secret keys of their own. */
const backupKeys = { postgresBackupAccessKeyId: "AKIAEXAMPLE", postgresBackupSecretAccessKey: "example-secret-access-key" };

function parse(raw: Record<string, unknown>, deployed = {}) {
  const secretKeys = ["kubeconfig", "observability", ...Object.keys(backupKeys)].filter((key) => raw[key] !== undefined);
  return parseConfig(raw, secretKeys, deployed);
}

function issues(raw: Record<string, unknown>, deployed = {}): ConfigIssue[] {
  const result = parse(raw, deployed);
  assert.equal(result.ok, false, "expected the config to be refused");
  return result.ok ? [] : result.issues;
}

function issueAt(raw: Record<string, unknown>, key: string, message: RegExp, deployed = {}) {
  const found = issues(raw, deployed);
  const match = found.find((i) => i.key === key);
  assert.ok(match, `no issue at ${key}; got:\n${formatConfigIssues(found)}`);
  assert.match(match.message, message);
}

describe("data tier config", () => {
  it("accepts managed mode on EKS and GKE, and in-cluster on k3s with an S3-compatible bucket", () => {
    for (const raw of [
      { ...eks, postgres: { mode: "managed" }, redis: { mode: "managed" } },
      { ...gke, postgres: { mode: "managed" }, redis: { mode: "managed" } },
      { ...k3s, postgres: { backup: { bucket: k3sBucket } } },
    ]) {
      const result = parse(raw);
      assert.ok(result.ok, result.ok ? "" : formatConfigIssues(result.issues));
    }
  });

  it("refuses managed mode on docker and on k3s, naming the mode", () => {
    issueAt({ ...docker, postgres: { mode: "managed" } }, "platform:postgres.mode", /needs a cloud \(eks or gke\); target docker/);
    issueAt({ ...k3s, postgres: { mode: "managed", backup: { bucket: k3sBucket } } }, "platform:postgres.mode", /target k3s/);
    issueAt({ ...docker, redis: { mode: "managed" } }, "platform:redis.mode", /needs a cloud/);
  });

  it("refuses 0 instances", () => {
    issueAt({ ...eks, postgres: { instances: 0 } }, "platform:postgres.instances", /must be at least 1 \(got the number 0\)/);
  });

  it("refuses RDS backup retention of 0 or above 35 days", () => {
    issueAt({ ...eks, postgres: { mode: "managed", backup: { retentionDays: 0 } } }, "platform:postgres.backup.retentionDays", /≥ 1 \(got 0\)/);
    issueAt({ ...eks, postgres: { mode: "managed", backup: { retentionDays: 36 } } }, "platform:postgres.backup.retentionDays", /from 7 to 35 days for RDS\/Aurora automated backups \(got 36\)/);
  });

  it("refuses an even Sentinel count and a quorum that is not a majority", () => {
    issueAt({ ...eks, redis: { sentinel: { replicas: 4 } } }, "platform:redis.sentinel.replicas", /must be odd and at least 3 .*\(got 4\)/);
    issueAt({ ...eks, redis: { sentinel: { replicas: 3, quorum: 1 } } }, "platform:redis.sentinel.quorum", /must be a majority/);
  });

  it("refuses a k3s backup without an S3 endpoint, bucket or credentials", () => {
    const found = issues({ ...k3s, postgres: {} });
    for (const key of ["postgres.backup.bucket.endpointUrl", "postgres.backup.bucket.name", "postgresBackupAccessKeyId"]) {
      assert.ok(found.some((i) => i.key === `platform:${key}` && /required on k3s/.test(i.message)), `${key}:\n${formatConfigIssues(found)}`);
    }
  });

  it("takes a k3s backup's access key pair from two secret keys, and refuses them half-set, in plaintext, beside a Secret or on a cloud", () => {
    const bucket = { name: "backups", endpointUrl: "https://s3.storage.example.com" };
    assert.ok(parse({ ...k3s, ...backupKeys, postgres: { backup: { bucket } } }).ok, "the pair instead of credentialsSecret");
    const cases: [string, Record<string, unknown>, string, RegExp, string[]?][] = [
      ["only the key ID", { ...k3s, postgresBackupAccessKeyId: "AKIAEXAMPLE", postgres: { backup: { bucket } } }, "platform:postgresBackupSecretAccessKey", /is required with postgresBackupAccessKeyId; set it with `pulumi config set --secret/],
      ["beside a Secret", { ...k3s, ...backupKeys, postgres: { backup: { bucket: k3sBucket } } }, "platform:postgres.backup.bucket.credentialsSecret", /names a Secret while postgresBackupAccessKeyId and postgresBackupSecretAccessKey are set too/],
      ["on EKS", { ...eks, ...backupKeys }, "platform:postgresBackupAccessKeyId", /applies only to target k3s \(target is eks\)/],
      ["not a secret", { ...k3s, ...backupKeys, postgres: { backup: { bucket } } }, "platform:postgresBackupSecretAccessKey", /must be a secret/, ["kubeconfig", "postgresBackupAccessKeyId"]],
      ["an in-cluster HTTPS endpoint without its CA", { ...k3s, ...backupKeys, postgres: { backup: { bucket: { ...bucket, endpointUrl: "https://minio.minio.svc.cluster.local:9000" } } } }, "platform:postgres.backup.bucket.endpointCA", /is required for the in-cluster HTTPS endpoint https:\/\/minio\.minio\.svc\.cluster\.local:9000: a private CA signed/],
      // dr.bucket takes the pair even when a Secret serves this site's bucket: without it the DR ObjectStore would have no credentials.
      ["dr.bucket beside the backup bucket's Secret", { ...k3s, postgres: { backup: { bucket: k3sBucket } }, dr: { clusterBackups: { enabled: false }, bucket: { name: "pg-dr", endpointUrl: "https://s3.site-b.example.com" } } }, "platform:postgresBackupAccessKeyId", /are required on k3s for dr\.bucket \(the other site's store is reached with that pair/],
      ["a CA that is not PEM", { ...k3s, ...backupKeys, postgres: { backup: { bucket: { ...bucket, endpointCA: { certificate: "not a certificate" } } } } }, "platform:postgres.backup.bucket.endpointCA.certificate", /must be a PEM certificate/],
    ];
    for (const [name, raw, key, message, secretKeys] of cases) {
      const result = secretKeys ? parseConfig(raw, secretKeys) : parse(raw);
      assert.equal(result.ok, false, name);
      const match = result.ok ? undefined : result.issues.find((i) => i.key === key);
      assert.ok(match, `${name}: no issue at ${key}; got:\n${result.ok ? "" : formatConfigIssues(result.issues)}`);
      assert.match(match.message, message, name);
    }
  });

  it("refuses storage below the deployed size when the stack's state is known, and allows growth", () => {
    issueAt({ ...eks, postgres: { storageGiB: 50 } }, "platform:postgres.storageGiB", /\(50\) is below the current size \(100 GiB\)/, { postgresStorageGiB: 100 });
    assert.ok(parse({ ...eks, postgres: { storageGiB: 200 } }, { postgresStorageGiB: 100 }).ok);
    assert.ok(parse({ ...eks, postgres: { storageGiB: 50 } }).ok, "unknown state: nothing to compare with");
  });

  it("refuses backups off, HA off and TLS off in prod", () => {
    issueAt({ ...eks, postgres: { backup: { enabled: false } } }, "platform:postgres.backup.enabled", /must stay on in prod/);
    issueAt({ ...gke, postgres: { mode: "managed", managed: { highAvailability: false } } }, "platform:postgres.managed.highAvailability", /must stay on in prod/);
    issueAt({ ...eks, redis: { tls: false } }, "platform:redis.tls", /must stay on in prod/);
  });

  it("refuses RDS read replicas without automated backups on the source, which RDS requires", () => {
    const staging = { ...eks, environment: "staging" };
    issueAt({ ...staging, postgres: { mode: "managed", backup: { enabled: false }, managed: { readReplicas: 1 } } }, "platform:postgres.managed.readReplicas", /needs automated backups on the source instance.*set backup\.enabled to true, or managed\.readReplicas to 0/);
    const keys = (raw: Record<string, unknown>) => (parse(raw).ok ? [] : issues(raw).map((i) => i.key));
    assert.ok(!keys({ ...staging, postgres: { mode: "managed", backup: { enabled: false }, managed: { readReplicas: 0 } } }).includes("platform:postgres.managed.readReplicas"));
    assert.ok(!keys({ ...staging, postgres: { mode: "managed", managed: { readReplicas: 1 } } }).includes("platform:postgres.managed.readReplicas"));
  });

  it("names misspelled data-tier keys", () => {
    issueAt({ ...docker, postgres: { storageGib: 10 } }, "platform:postgres.storageGib", /did you mean `storageGiB`\?/);
    issueAt({ ...docker, redis: { sentinel: { replica: 3 } } }, "platform:redis.sentinel.replica", /did you mean `replicas`\?/);
  });

  it("checks nothing of a data store that is turned off", () => {
    assert.ok(parse({ ...docker, postgres: { enabled: false, mode: "managed" } }).ok);
  });

  it("reads the deployed storage from `pulumi stack export` for every backend", () => {
    const exported = (type: string, state: Record<string, unknown>) => ({ deployment: { resources: [{ type, inputs: state }] } });
    assert.deepEqual(deployedStateFrom(exported("kubernetes:postgresql.cnpg.io/v1:Cluster", { spec: { storage: { size: "100Gi" } } })), { postgresStorageGiB: 100 });
    assert.deepEqual(deployedStateFrom(exported("aws:rds/instance:Instance", { allocatedStorage: 80 })), { postgresStorageGiB: 80 });
    assert.deepEqual(deployedStateFrom(exported("gcp:sql/databaseInstance:DatabaseInstance", { settings: { diskSize: 60 } })), { postgresStorageGiB: 60 });
    assert.deepEqual(deployedStateFrom({ deployment: { resources: [] } }), {});
  });
});
