/**
 * What `dr` adds across regions and sites, under Pulumi's mock runtime, on the shipped stacks:
 * RDS's cross-region read replica and its network, ElastiCache's Global Datastore, and on k3s the
 * replica cluster that archives at another site and Velero's second location. With `dr` absent the
 * stacks' URNs are the same as before (nothing new); with it, exactly the listed resources are
 * added and nothing is removed. The DR report gives each its region-loss figures, and the custom
 * resources validate against their upstream CRDs.
 *
 * Needs `npm run build`: each stack is planned by the built CLI (one Pulumi runtime per process),
 * as the stack suites do.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import type { CapturedResource } from "../plan/capture";
import type { PlanJson } from "../plan/report";
import { recoveryReport } from "../plan/dr-report";
import { GLOBAL_DATASTORE } from "../policies/rules/recovery-caches";
import { globalDatastoreNodeType } from "../components/redis/spec";
import { validatePostgres } from "../components/postgres";
import { findOne } from "./support/captured";
import { crdSchemaErrors, crdSkipReason } from "./support/crd-schema";
import { runPlan } from "./support/stack-variants";

type CapturedProgram = PlanJson & { readonly resources: CapturedResource[] };
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "dr-cross-region-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Plans `stack` with `overrides` (property paths) through the built CLI; it must succeed. */
async function plan(stack: string, overrides: string[] = []): Promise<CapturedProgram> {
  const id = `${stack}-${overrides.join("-").replace(/[^a-z0-9]+/gi, "_")}`;
  const run = await runPlan(tmp, id, ["--stack", stack, "--config-path", ...overrides.flatMap((o) => ["--config", o])]);
  assert.equal(run.code, 0, `${id}: exit ${run.code}\n${run.stderr}`);
  return run.plan as CapturedProgram;
}

const urns = (p: CapturedProgram) => new Set(p.resources.map((r) => r.urn));
const names = (p: CapturedProgram, of: Set<string>) => p.resources.filter((r) => of.has(r.urn)).map((r) => `${r.type.split(":").pop()}::${r.name}`).sort();

const EKS_DR = ["platform:dr.region=eu-central-1"];
const GKE_DR = ["platform:target=gke", "platform:dr.region=europe-west4"];
const ONPREM_NO_DR = [`platform:dr={"verification":{"enabled":true}}`];
/** The other site's store signed by a private CA (a placeholder PEM: nothing parses it under mocks; the plan hides Secret data). */
const SITE_B_CA = "-----BEGIN CERTIFICATE-----\nMIIBsite-b-ca\n-----END CERTIFICATE-----\n";
const ONPREM_CA = [`platform:dr.bucket.endpointCA.certificate=${SITE_B_CA}`];

let eks: CapturedProgram, eksDr: CapturedProgram, gke: CapturedProgram, gkeDr: CapturedProgram, onprem: CapturedProgram, onpremNoBucket: CapturedProgram;

before(async () => {
  // Two CLI runs at a time: the machine is shared.
  [eks, eksDr] = await Promise.all([plan("prod"), plan("prod", EKS_DR)]);
  [gke, gkeDr] = await Promise.all([plan("prod", ["platform:target=gke"]), plan("prod", GKE_DR)]);
  [onprem, onpremNoBucket] = await Promise.all([plan("onprem", ONPREM_CA), plan("onprem", ONPREM_NO_DR)]);
});

describe("dr adds only its own pieces, and nothing without it", () => {
  const cases: [string, () => [CapturedProgram, CapturedProgram], string[]][] = [
    [
      "EKS with dr.region",
      () => [eks, eksDr],
      [
        "GlobalReplicationGroup::redis-global",
        "Instance::postgres-rds-dr",
        "InstanceAutomatedBackupsReplication::postgres-dr-backups",
        "Key::postgres-dr-key",
        "Key::redis-dr-key",
        "ParameterGroup::postgres-dr-params",
        "ReplicationGroup::redis-replication-group-dr",
        "SecurityGroup::postgres-dr-sg",
        "SecurityGroup::redis-dr-sg",
        "SecurityGroupIngressRule::postgres-dr-sg-from-vpc",
        "SecurityGroupIngressRule::redis-dr-sg-from-vpc",
        "Subnet::postgres-dr-subnet-0",
        "Subnet::postgres-dr-subnet-1",
        "Subnet::redis-dr-subnet-0",
        "Subnet::redis-dr-subnet-1",
        "SubnetGroup::postgres-dr-subnets",
        "SubnetGroup::redis-dr-subnets",
        "Vpc::postgres-dr-vpc",
        "Vpc::redis-dr-vpc",
      ],
    ],
    ["GKE with dr.region (Memorystore for Redis cannot cross regions)", () => [gke, gkeDr], ["DatabaseInstance::postgres-sql-dr"]],
    [
      "onprem with dr.bucket",
      () => [onpremNoBucket, onprem],
      [
        "BackupStorageLocation::velero-location-dr",
        "Cluster::postgres-dr",
        "ObjectStore::postgres-backups-dr",
        "Schedule::velero-cluster-objects-dr",
        "ScheduledBackup::postgres-dr-daily",
        "Secret::postgres-dr-backup-ca",
        "Secret::postgres-dr-backup-s3",
        "Secret::velero-ca-dr",
        "Secret::velero-credentials-dr",
      ],
    ],
  ];
  for (const [name, programs, added] of cases) {
    it(`${name}: adds exactly these resources and keeps every other URN`, () => {
      const [without, withDr] = programs();
      const before = urns(without);
      const after = urns(withDr);
      assert.deepEqual(names(withDr, new Set([...after].filter((u) => !before.has(u)))), added);
      assert.deepEqual([...before].filter((u) => !after.has(u)), [], "no URN is removed or renamed");
    });
  }

  it("the shipped prod stacks have none of the cross-region kinds without dr", () => {
    for (const program of [eks, gke]) {
      const crossing = program.resources.filter((r) => r.inputs.region !== undefined && /rds\/instance|elasticache|ec2\/vpc/.test(r.type));
      assert.deepEqual(crossing.map((r) => r.name), []);
    }
  });
});

describe("RDS's cross-region read replica", () => {
  const one = (type: string, name: string) => findOne(eksDr.resources, type, name);

  it("replicates the primary by ARN into the DR region, under that region's key, in a private network of its own", () => {
    const replica = one("aws:rds/instance:Instance", "postgres-rds-dr");
    const primary = one("aws:rds/instance:Instance", "postgres-rds");
    const key = one("aws:kms/key:Key", "postgres-dr-key");
    const i = replica.inputs;
    assert.deepEqual(
      [i.region, i.replicateSourceDb, i.kmsKeyId, i.storageEncrypted, i.publiclyAccessible, i.deletionProtection, i.backupRetentionPeriod, i.instanceClass],
      // A cross-region replica names its source by ARN (the mock's ARN of postgres-rds), not by identifier.
      ["eu-central-1", "arn:aws:rds:mock-region:123456789012:db:postgres-rds", `arn:aws:kms:mock-region:123456789012:key/postgres-dr-key`, true, false, true, 0, "db.r7g.large"],
    );
    assert.ok(replica.dependencies.includes(primary.urn));
    assert.equal(key.inputs.region, "eu-central-1");
    const subnets = one("aws:rds/subnetGroup:SubnetGroup", "postgres-dr-subnets").inputs;
    assert.deepEqual([subnets.region, subnets.subnetIds.length], ["eu-central-1", 2]);
    const vpc = one("aws:ec2/vpc:Vpc", "postgres-dr-vpc").inputs;
    assert.deepEqual([vpc.region, vpc.cidrBlock], ["eu-central-1", "10.64.0.0/16"]);
    const zones = [0, 1].map((n) => one("aws:ec2/subnet:Subnet", `postgres-dr-subnet-${n}`).inputs);
    assert.deepEqual(zones.map((z) => z.cidrBlock), ["10.64.0.0/20", "10.64.16.0/20"]);
    assert.equal(new Set(zones.map((z) => z.availabilityZone)).size, 2, "two zones");
    assert.ok(zones.every((z) => z.mapPublicIpOnLaunch === false));
    const ingress = one("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "postgres-dr-sg-from-vpc").inputs;
    assert.deepEqual([ingress.cidrIpv4, ingress.fromPort], ["10.64.0.0/16", 5432]);
  });

  it("gives the RDS replica and the ElastiCache secondary DR networks that do not overlap, so one VPC can peer with both", () => {
    const blocks = ["postgres", "redis"].map((store) => one("aws:ec2/vpc:Vpc", `${store}-dr-vpc`).inputs.cidrBlock);
    assert.deepEqual(blocks, ["10.64.0.0/16", "10.65.0.0/16"]);
    const ingress = one("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "redis-dr-sg-from-vpc").inputs;
    assert.deepEqual([ingress.cidrIpv4, ingress.fromPort], ["10.65.0.0/16", 6379]);
  });

  it("repeats the primary's parameter group (TLS required) in the DR region", () => {
    const live = one("aws:rds/parameterGroup:ParameterGroup", "postgres-params").inputs;
    const dr = one("aws:rds/parameterGroup:ParameterGroup", "postgres-dr-params").inputs;
    assert.deepEqual([dr.region, dr.family, dr.parameters], ["eu-central-1", live.family, live.parameters]);
    // The mock names a parameter group after its resource, as it does the live one (postgres-params).
    assert.deepEqual([one("aws:rds/instance:Instance", "postgres-rds").inputs.parameterGroupName, one("aws:rds/instance:Instance", "postgres-rds-dr").inputs.parameterGroupName], ["postgres-params", "postgres-dr-params"]);
  });
});

describe("ElastiCache's Global Datastore", () => {
  const one = (type: string, name: string) => findOne(eksDr.resources, type, name);

  it("makes the replication group the primary of a Global Datastore with a secondary in the DR region", () => {
    const primary = one("aws:elasticache/replicationGroup:ReplicationGroup", "redis-replication-group");
    const global = one("aws:elasticache/globalReplicationGroup:GlobalReplicationGroup", "redis-global");
    const secondary = one("aws:elasticache/replicationGroup:ReplicationGroup", "redis-replication-group-dr");
    assert.equal(global.inputs.primaryReplicationGroupId, "redis-replication-group-id");
    // ElastiCache prefixes the suffix per region only: the project and stack keep two stacks of one account apart.
    assert.equal(global.inputs.globalReplicationGroupIdSuffix, "platform-prod-redis");
    // Once joined, the primary's engine and version are ignored by the provider: upgrades go through the Global Datastore.
    assert.deepEqual([global.inputs.engine, global.inputs.engineVersion], [primary.inputs.engine, primary.inputs.engineVersion]);
    assert.ok(secondary.dependencies.includes(global.urn));
    const s = secondary.inputs;
    assert.deepEqual([s.region, s.globalReplicationGroupId, s.numCacheClusters, s.automaticFailoverEnabled, s.kmsKeyId], ["eu-central-1", "mockp-platform-prod-redis", primary.inputs.numCacheClusters, true, "arn:aws:kms:mock-region:123456789012:key/redis-dr-key"]);
    // The Global Datastore decides these; the provider refuses them on a secondary (they conflict with globalReplicationGroupId).
    for (const key of ["engine", "engineVersion", "nodeType", "parameterGroupName", "authToken", "atRestEncryptionEnabled", "transitEncryptionEnabled"]) assert.equal(s[key], undefined, key);
  });

  it("takes M5/R5 or later node types of size large and above only", () => {
    const cases: [string, boolean][] = [
      ["cache.r7g.large", true],
      ["cache.m7g.2xlarge", true],
      ["cache.r6gd.xlarge", true],
      ["cache.m5.large", true],
      ["cache.m4.large", false],
      ["cache.r4.xlarge", false],
      ["cache.t4g.medium", false],
      ["cache.t4g.small", false],
      ["cache.t3.micro", false],
      ["cache.m5.medium", false],
    ];
    for (const [type, ok] of cases) assert.equal(globalDatastoreNodeType(type), ok, type);
  });
});

describe("the other site on k3s", () => {
  const one = (type: string, name: string) => findOne(onprem.resources, type, name);

  it("runs a replica cluster of the live one that archives WAL and base backups to the other site's store", () => {
    const replica = one("kubernetes:postgresql.cnpg.io/v1:Cluster", "postgres-dr").inputs.spec;
    assert.deepEqual(replica.replica, { enabled: true, source: "origin" });
    assert.equal(replica.externalClusters[0].plugin.parameters.serverName, "postgres");
    assert.equal(replica.externalClusters[0].plugin.parameters.barmanObjectName, "postgres-backups");
    assert.deepEqual(replica.plugins, [{ name: "barman-cloud.cloudnative-pg.io", isWALArchiver: true, parameters: { barmanObjectName: "postgres-backups-dr" } }]);
    assert.equal(replica.serviceAccountName, undefined, "its own ServiceAccount, which the plugin grants its ObjectStore");
    const store = one("kubernetes:barmancloud.cnpg.io/v1:ObjectStore", "postgres-backups-dr").inputs.spec.configuration;
    assert.deepEqual([store.destinationPath, store.endpointURL, store.s3Credentials.accessKeyId.name], ["s3://postgres-backups/postgres-dr", "https://s3.site-b.example.com", "postgres-dr-backup-s3"]);
    assert.equal(one("kubernetes:postgresql.cnpg.io/v1:ScheduledBackup", "postgres-dr-daily").inputs.spec.cluster.name, "postgres-dr");
  });

  it("gives Velero a second location there and a twin of every Schedule writing to it", () => {
    const location = one("kubernetes:velero.io/v1:BackupStorageLocation", "velero-location-dr").inputs.spec;
    assert.deepEqual([location.default, location.config.s3Url, location.credential], [false, "https://s3.site-b.example.com", { name: "velero-credentials-dr", key: "cloud" }]);
    const twin = one("kubernetes:velero.io/v1:Schedule", "velero-cluster-objects-dr").inputs.spec;
    const original = one("kubernetes:velero.io/v1:Schedule", "velero-cluster-objects").inputs.spec;
    assert.deepEqual(twin, { ...original, template: { ...original.template, storageLocation: "dr" } });
  });

  it("trusts the other site's private CA on both paths there: the replica cluster's ObjectStore and Velero's location", () => {
    const store = one("kubernetes:barmancloud.cnpg.io/v1:ObjectStore", "postgres-backups-dr").inputs.spec.configuration;
    assert.deepEqual(store.endpointCA, { name: "postgres-dr-backup-ca", key: "ca.crt" });
    const location = one("kubernetes:velero.io/v1:BackupStorageLocation", "velero-location-dr");
    assert.deepEqual(location.inputs.spec.objectStorage.caCertRef, { name: "velero-credentials-dr-ca", key: "ca.crt" });
    const caSecret = one("kubernetes:core/v1:Secret", "velero-ca-dr");
    // In Velero's namespace, where the location can read it (the plan shows a Secret's data as "[secret]").
    assert.deepEqual([caSecret.inputs.metadata.name, caSecret.inputs.metadata.namespace], ["velero-credentials-dr-ca", "velero"]);
    assert.ok(location.dependencies.includes(caSecret.urn), "the location waits for its CA");
    assert.equal(one("kubernetes:core/v1:Secret", "postgres-dr-backup-ca").inputs.metadata.namespace, "data");
  });

  it("validates every new custom resource against its upstream CRD", { skip: crdSkipReason() }, () => {
    const crs = onprem.resources.filter((r) => /(postgres-dr|postgres-backups-dr|velero-location-dr|-dr$)/.test(r.name) && r.type.startsWith("kubernetes:") && !r.type.includes("core/v1"));
    assert.equal(crs.length, 5);
    for (const r of crs) assert.deepEqual(crdSchemaErrors(r.inputs as { apiVersion: string; kind: string }), [], r.urn);
  });

  it("refuses a DR bucket where it cannot work, naming the key", () => {
    const k3s = { flavour: "k3s", environment: "prod" } as const;
    const bucket = { name: "pg", endpointUrl: "https://s3.site-a.example.com", credentialsSecret: { name: "s3" } };
    const cases: [string, object, object, string[]][] = [
      ["the backup bucket's endpoint", k3s, { backup: { bucket }, recovery: { drBucket: { ...bucket, endpointUrl: "https://S3.site-a.example.com/" } } }, ["recovery.drBucket.endpointUrl"]],
      ["no credentials", k3s, { backup: { bucket }, recovery: { drBucket: { name: "pg", endpointUrl: "https://s3.site-b.example.com" } } }, ["recovery.drBucket.credentials"]],
      ["on EKS", { flavour: "eks", environment: "prod" }, { recovery: { drBucket: { ...bucket, endpointUrl: "https://s3.site-b.example.com" } } }, ["recovery.drBucket"]],
      ["a CA that is not PEM", k3s, { backup: { bucket }, recovery: { drBucket: { ...bucket, endpointUrl: "https://s3.site-b.example.com", endpointCA: { certificate: "site-b-ca" } } } }, ["recovery.drBucket.endpointCA.certificate"]],
      ["another site", k3s, { backup: { bucket }, recovery: { drBucket: { ...bucket, endpointUrl: "https://s3.site-b.example.com" } } }, []],
    ];
    for (const [name, target, args, paths] of cases) {
      const found = validatePostgres(args as never, target as never).map((p) => p.path.join(".")).filter((p) => p.startsWith("recovery"));
      assert.deepEqual(found, paths, name);
    }
  });
});

describe("the DR report across regions", () => {
  const store = (program: CapturedProgram, name: string) => {
    const found = recoveryReport(program.resources).stores.find((s) => s.store === name);
    assert.ok(found, `no store ${name}`);
    return found;
  };
  const figures = (program: CapturedProgram, name: string) => store(program, name).regionLoss.map((p) => [p.method.replace(/ \(.*/, ""), p.rpo.seconds, p.rto.seconds]);

  it("gives each region-loss path its figure, and none without dr", () => {
    const cases: [string, CapturedProgram, string, (string | number | undefined)[][]][] = [
      ["RDS", eksDr, "postgres-rds", [["point-in-time restore from the backups replicated to the DR region", undefined, undefined], ["promotion of the cross-region read replica in eu-central-1", 300, 900]]],
      ["RDS without dr", eks, "postgres-rds", []],
      ["ElastiCache", eksDr, "redis-replication-group", [["promotion of the Global Datastore secondary in eu-central-1", GLOBAL_DATASTORE.rpoSeconds, GLOBAL_DATASTORE.rtoSeconds]]],
      ["ElastiCache without dr", eks, "redis-replication-group", []],
      ["Memorystore", gkeDr, "redis-instance", []],
      ["CloudNativePG on k3s", onprem, "data/postgres", [["recovery from the archive at https://s3.site-b.example.com", 300, undefined]]],
      ["CloudNativePG on k3s without dr.bucket", onpremNoBucket, "data/postgres", []],
    ];
    for (const [name, program, storeName, expected] of cases) assert.deepEqual(figures(program, storeName), expected, name);
  });

  it("lists neither the secondary nor the replicas as stores of their own, and notes that Memorystore cannot cross regions", () => {
    const stores = recoveryReport(eksDr.resources).stores.map((s) => s.store);
    assert.deepEqual(stores.filter((s) => /-dr$/.test(s)), []);
    assert.match(store(gkeDr, "redis-instance").notes.join("\n"), /Memorystore for Redis instances have no cross-region replication/);
    assert.ok(recoveryReport(onprem.resources).stores.every((s) => s.store !== "data/postgres-dr"));
  });

  it("passes every policy with dr on every target", () => {
    for (const program of [eksDr, gkeDr, onprem]) assert.deepEqual(program.violations, [], program.target);
  });
});
