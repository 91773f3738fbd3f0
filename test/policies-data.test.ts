/**
 * The data-tier rules of the policy pack, run in-process over captured resources the way the
 * analyzer runs them: encryption at rest, no public databases, backups, production resilience,
 * Sentinel quorum, in-cluster TLS and credentials from Secrets. Each rule has compliant fixtures
 * and one mutation per way it can fail; each failing case asserts the exact message.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { CapturedResource } from "../plan/capture";
import { runPolicies, type PolicyConfig, type Rule } from "../plan/policy-runner";
import {
  credentialsFromSecrets,
  databaseBackups,
  dataStoreEncryptionAtRest,
  noPublicDatabases,
  productionDataResilience,
  redisSentinelQuorum,
  redisTls,
  rules,
  tlsDataStores,
} from "../policies/rules";
import { retentionPolicyDays } from "../policies/rules/database-backups";
import { isCredentialName, hasUriPassword } from "../policies/rules/credentials-from-secrets";
import { isProduction } from "../policies/rules/environment";
import { hbaRejectsNonTlsAt } from "../policies/rules/tls-data-stores";
import {
  auroraClusterInstance,
  compliantAuroraCluster,
  compliantBarmanObjectStore,
  compliantCloudSqlInstance,
  compliantCnpgCluster,
  compliantDatabaseSecurityGroup,
  compliantDeployment,
  compliantDeploymentWithSecretEnv,
  compliantMemorystoreInstance,
  compliantRdsInstance,
  compliantRedisIngressRule,
  compliantReplicationGroup,
  compliantScheduledBackup,
  compliantValkeySentinel,
  compliantValkeyServer,
  containerIn,
  mutate,
  podSpecIn,
  resource,
  workload,
  type FixtureWorkloadKind,
} from "./support/policy-fixtures";
import { crdSchemaErrors, crdSkipReason } from "./support/crd-schema";
import { schemaErrors, unknownFields } from "./support/k8s-schema";

// What a value not known until apply looks like to a policy during preview.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { unknownStringValue } = require("@pulumi/policy/proxy") as { unknownStringValue: string };

const KINDS: FixtureWorkloadKind[] = ["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"];

/** How a test runs a rule: policy config and stack tags. */
interface RunOptions {
  readonly config?: PolicyConfig;
  readonly tags?: Record<string, string>;
}

const DEV: RunOptions = { tags: { environment: "dev" } };

async function reportOf(rule: Rule, resources: CapturedResource[], options: RunOptions = {}) {
  return runPolicies([rule], resources, options.config, new Map(Object.entries(options.tags ?? {})));
}

/**
 * Asserts that `rule` over `resources` reports exactly `messages` (in order), each mandatory and
 * against `subject`'s URN (default: the first resource).
 */
async function assertViolations(
  rule: Rule,
  resources: CapturedResource | CapturedResource[],
  messages: string[],
  options: RunOptions & { subject?: CapturedResource } = {},
): Promise<void> {
  const all = Array.isArray(resources) ? resources : [resources];
  const report = await reportOf(rule, all, options);
  assert.deepEqual(
    report.violations.map((v) => `${v.policy}: ${v.message}`),
    messages.map((m) => `${rule.name}: ${m}`),
  );
  for (const violation of report.violations) {
    assert.equal(violation.urn, (options.subject ?? all[0]).urn);
    assert.equal(violation.enforcementLevel, "mandatory");
  }
}

async function assertCompliant(rule: Rule, resources: CapturedResource[], options: RunOptions = {}): Promise<void> {
  const report = await reportOf(rule, resources, options);
  assert.deepEqual(report.violations, []);
}

/** The CloudNativePG Cluster, its ObjectStore and its ScheduledBackup. */
function cnpgStack(): CapturedResource[] {
  return [compliantCnpgCluster(), compliantBarmanObjectStore(), compliantScheduledBackup()];
}

/** An Aurora cluster with two instances that reference it by `cluster.id`. */
function auroraStack(): CapturedResource[] {
  const cluster = compliantAuroraCluster();
  return [cluster, auroraClusterInstance("aurora-1", cluster), auroraClusterInstance("aurora-2", cluster)];
}

/** Every compliant data-tier fixture. */
function allDataFixtures(): CapturedResource[] {
  return [
    compliantRdsInstance(),
    ...auroraStack(),
    compliantCloudSqlInstance(),
    compliantReplicationGroup(),
    compliantMemorystoreInstance(),
    compliantDatabaseSecurityGroup(),
    compliantRedisIngressRule(),
    ...cnpgStack(),
    compliantValkeyServer(),
    compliantValkeySentinel(),
    compliantDeploymentWithSecretEnv(),
  ];
}

describe("the data-tier fixtures and the whole pack", () => {
  it("reports nothing from any rule of the pack over every compliant data-tier fixture in an untagged (production) stack", async () => {
    const report = await runPolicies(rules, [...allDataFixtures(), ...KINDS.map((kind) => workload(kind))]);
    assert.deepEqual(report.violations, []);
  });

  it("writes the Valkey StatefulSets as valid apps/v1 objects without unknown fields", () => {
    for (const subject of [compliantValkeyServer(), compliantValkeySentinel()]) {
      const object = subject.inputs as { apiVersion: string; kind: string };
      assert.deepEqual(schemaErrors(object), [], subject.name);
      assert.deepEqual(unknownFields(object), [], subject.name);
    }
  });

  it("writes the CloudNativePG and Barman Cloud fixtures as valid custom resources", { skip: crdSkipReason() }, () => {
    for (const subject of cnpgStack()) {
      assert.deepEqual(crdSchemaErrors(subject.inputs as { apiVersion: string; kind: string }), [], subject.name);
    }
  });
});

describe("isProduction", () => {
  const args = (tags: Record<string, string>, environment?: string) => ({
    stackTags: new Map(Object.entries(tags)),
    getConfig: <T extends object>() => (environment === undefined ? {} : { environment }) as T,
  });

  it("reads the environment stack tag", () => {
    assert.equal(isProduction(args({ environment: "prod" })), true);
    assert.equal(isProduction(args({ environment: "staging" })), false);
    assert.equal(isProduction(args({ environment: "dev" })), false);
  });

  it("treats a stack without the tag as production, the config's default", () => {
    assert.equal(isProduction(args({}, "prod")), true);
    assert.equal(isProduction(args({})), true);
  });

  it("falls back to the rule's environment config when the tag is absent", () => {
    assert.equal(isProduction(args({}, "dev")), false);
  });

  it("lets the tag win over the config", () => {
    assert.equal(isProduction(args({ environment: "prod" }, "dev")), true);
  });

  it("fails safe: a tag value it does not know counts as production", () => {
    assert.equal(isProduction(args({ environment: "production" })), true);
  });
});

describe("data-store-encryption-at-rest", () => {
  const rule = dataStoreEncryptionAtRest;

  it("accepts an encrypted RDS instance, Aurora cluster and replication group, and does not look at S3, Cloud SQL or Memorystore", async () => {
    const bucket = resource("aws:s3/bucket:Bucket", "backups", { bucket: "acme-platform-backups" });
    await assertCompliant(rule, [compliantRdsInstance(), ...auroraStack(), compliantReplicationGroup(), bucket, compliantCloudSqlInstance(), compliantMemorystoreInstance()]);
  });

  it("reports an RDS instance without storageEncrypted", async () => {
    await assertViolations(rule, mutate(compliantRdsInstance(), (i) => delete i.storageEncrypted), [`RDS instance "postgres" does not set storageEncrypted: true.`]);
  });

  it("reports an RDS instance with storageEncrypted false", async () => {
    await assertViolations(rule, mutate(compliantRdsInstance(), (i) => (i.storageEncrypted = false)), [`RDS instance "postgres" does not set storageEncrypted: true.`]);
  });

  it("reports an RDS instance encrypted with the AWS-managed key", async () => {
    await assertViolations(rule, mutate(compliantRdsInstance(), (i) => delete i.kmsKeyId), [
      `RDS instance "postgres" encrypts its storage with the AWS-managed key; set kmsKeyId to a customer-managed KMS key.`,
    ]);
  });

  it("accepts a kmsKeyId that is not known yet during preview, without a can't-run advisory", async () => {
    const report = await reportOf(rule, [mutate(compliantRdsInstance(), (i) => (i.kmsKeyId = unknownStringValue))]);
    assert.deepEqual(report.violations, []);
  });

  it("reports an Aurora cluster without storageEncrypted", async () => {
    await assertViolations(rule, mutate(compliantAuroraCluster(), (i) => delete i.storageEncrypted), [`RDS cluster "aurora" does not set storageEncrypted: true.`]);
  });

  it("reports a replication group without atRestEncryptionEnabled, even on valkey whose default is true", async () => {
    await assertViolations(rule, mutate(compliantReplicationGroup(), (i) => delete i.atRestEncryptionEnabled), [
      `ElastiCache replication group "redis" does not set atRestEncryptionEnabled: true.`,
    ]);
  });

  it("skips a Global Datastore secondary, which inherits encryption at rest, and only it", async () => {
    await assertCompliant(rule, [globalSecondary()]);
    await assertViolations(rule, mutate(globalSecondary(), (i) => delete i.globalReplicationGroupId), [`ElastiCache replication group "redis" does not set atRestEncryptionEnabled: true.`]);
  });
});

/** A Global Datastore secondary as the RedisCluster writes it: no engine, node type or encryption settings of its own. */
const globalSecondary = () =>
  mutate(compliantReplicationGroup(), (i) => {
    for (const key of ["engine", "engineVersion", "nodeType", "parameterGroupName", "atRestEncryptionEnabled", "transitEncryptionEnabled", "transitEncryptionMode", "authToken"]) delete i[key];
    i.globalReplicationGroupId = "ldgnf-redis";
    i.region = "eu-central-1";
  });

describe("no-public-databases", () => {
  const rule = noPublicDatabases;
  const SQL = 'Cloud SQL instance "postgres"';
  const sgRule = (inputs: Record<string, any>) => resource("aws:ec2/securityGroupRule:SecurityGroupRule", "db-ingress", { securityGroupId: "sg-0a1b2c3d", ...inputs });

  it("accepts private RDS instances, a private-IP Cloud SQL instance and security groups open to the VPC only", async () => {
    await assertCompliant(rule, [compliantRdsInstance(), ...auroraStack(), compliantCloudSqlInstance(), compliantDatabaseSecurityGroup(), compliantRedisIngressRule()]);
  });

  it("reports a publicly accessible RDS instance", async () => {
    await assertViolations(rule, mutate(compliantRdsInstance(), (i) => (i.publiclyAccessible = true)), [`RDS instance "postgres" sets publiclyAccessible: true.`]);
  });

  it("reports a publicly accessible Aurora cluster instance", async () => {
    await assertViolations(rule, mutate(auroraClusterInstance("aurora-1"), (i) => (i.publiclyAccessible = true)), [`RDS cluster instance "aurora-1" sets publiclyAccessible: true.`]);
  });

  it("reports a Cloud SQL instance that does not turn off its public IPv4 address", async () => {
    await assertViolations(rule, mutate(compliantCloudSqlInstance(), (i) => delete i.settings.ipConfiguration.ipv4Enabled), [
      `${SQL} has a public IPv4 address; set settings.ipConfiguration.ipv4Enabled: false and use a private network.`,
    ]);
  });

  it("reports a public Cloud SQL instance that authorizes 0.0.0.0/0", async () => {
    const subject = mutate(compliantCloudSqlInstance(), (i) => {
      i.settings.ipConfiguration.ipv4Enabled = true;
      i.settings.ipConfiguration.authorizedNetworks = [{ name: "office", value: "203.0.113.0/24" }, { name: "all", value: "0.0.0.0/0" }];
    });
    await assertViolations(rule, subject, [
      `${SQL} has a public IPv4 address; set settings.ipConfiguration.ipv4Enabled: false and use a private network.`,
      `${SQL} authorizes 0.0.0.0/0 in settings.ipConfiguration.authorizedNetworks.`,
    ]);
  });

  it("reports a security group that opens PostgreSQL to 0.0.0.0/0", async () => {
    await assertViolations(rule, mutate(compliantDatabaseSecurityGroup(), (i) => i.ingress[0].cidrBlocks.push("0.0.0.0/0")), [
      `Security group "postgres-sg" ingress opens port 5432 (PostgreSQL) to 0.0.0.0/0.`,
    ]);
  });

  it("reports a security group whose TCP port range includes both data ports, open to ::/0", async () => {
    const subject = mutate(compliantDatabaseSecurityGroup(), (i) => i.ingress.push({ protocol: "tcp", fromPort: 1024, toPort: 65535, ipv6CidrBlocks: ["::/0"] }));
    await assertViolations(rule, subject, [`Security group "postgres-sg" ingress opens ports 5432 (PostgreSQL), 6379 (Redis) to ::/0.`]);
  });

  it("reports a security group that opens every protocol to 0.0.0.0/0", async () => {
    const subject = mutate(compliantDatabaseSecurityGroup(), (i) => i.ingress.push({ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }));
    await assertViolations(rule, subject, [`Security group "postgres-sg" ingress opens ports 5432 (PostgreSQL), 6379 (Redis) to 0.0.0.0/0.`]);
  });

  it("does not report HTTPS or UDP open to the internet", async () => {
    const subject = mutate(compliantDatabaseSecurityGroup(), (i) =>
      i.ingress.push({ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }, { protocol: "udp", fromPort: 5432, toPort: 6379, cidrBlocks: ["0.0.0.0/0"] }),
    );
    await assertCompliant(rule, [subject]);
  });

  it("reports a security group rule of type ingress that opens Redis to 0.0.0.0/0, and not an egress rule", async () => {
    const ports = { protocol: "tcp", fromPort: 6379, toPort: 6379, cidrBlocks: ["0.0.0.0/0"] };
    await assertViolations(rule, sgRule({ type: "ingress", ...ports }), [`Security group rule "db-ingress" opens port 6379 (Redis) to 0.0.0.0/0.`]);
    await assertCompliant(rule, [sgRule({ type: "egress", ...ports })]);
  });

  it("reports a VPC ingress rule that opens Redis to 0.0.0.0/0", async () => {
    await assertViolations(rule, mutate(compliantRedisIngressRule(), (i) => (i.cidrIpv4 = "0.0.0.0/0")), [
      `Security group ingress rule "redis-from-vpc" opens port 6379 (Redis) to 0.0.0.0/0.`,
    ]);
  });

  it("reports a VPC ingress rule for every protocol from ::/0", async () => {
    const subject = mutate(compliantRedisIngressRule(), (i) => {
      i.ipProtocol = "-1";
      delete i.fromPort;
      delete i.toPort;
      delete i.cidrIpv4;
      i.cidrIpv6 = "::/0";
    });
    await assertViolations(rule, subject, [`Security group ingress rule "redis-from-vpc" opens ports 5432 (PostgreSQL), 6379 (Redis) to ::/0.`]);
  });
});

describe("database-backups", () => {
  const rule = databaseBackups;
  const CLUSTER = 'CloudNativePG Cluster "data/app-db"';
  const STORE = 'Barman Cloud ObjectStore "data/app-db-backups"';
  const NO_SCHEDULE = `${CLUSTER} has no ScheduledBackup (spec.cluster.name "app-db") that is not suspended, so no base backups are taken.`;

  it("accepts RDS and Aurora with 14 days, Cloud SQL with PITR, a replication group with snapshots and a CloudNativePG cluster archiving through the plugin", async () => {
    await assertCompliant(rule, [compliantRdsInstance(), ...auroraStack(), compliantCloudSqlInstance(), compliantReplicationGroup(), ...cnpgStack()]);
  });

  it("reports an RDS instance without backupRetentionPeriod", async () => {
    await assertViolations(rule, mutate(compliantRdsInstance(), (i) => delete i.backupRetentionPeriod), [
      `RDS instance "postgres" does not set backupRetentionPeriod (RDS then keeps 1 day); set 7–35 days.`,
    ]);
  });

  it("reports an RDS instance that keeps backups for 1 day", async () => {
    await assertViolations(rule, mutate(compliantRdsInstance(), (i) => (i.backupRetentionPeriod = 1)), [
      `RDS instance "postgres" keeps backups for 1 days (backupRetentionPeriod 1); set 7–35 days.`,
    ]);
  });

  it("reports an Aurora cluster with backups turned off", async () => {
    await assertViolations(rule, mutate(compliantAuroraCluster(), (i) => (i.backupRetentionPeriod = 0)), [
      `RDS cluster "aurora" keeps backups for 0 days (backupRetentionPeriod 0); set 7–35 days.`,
    ]);
  });

  it("applies minRetentionDays from the config", async () => {
    await assertViolations(rule, compliantRdsInstance(), [`RDS instance "postgres" keeps backups for 14 days (backupRetentionPeriod 14); set 21–35 days.`], {
      config: { "database-backups": { minRetentionDays: 21 } },
    });
  });

  it("reports a Cloud SQL instance without a backup configuration, once per missing setting", async () => {
    await assertViolations(rule, mutate(compliantCloudSqlInstance(), (i) => delete i.settings.backupConfiguration), [
      `Cloud SQL instance "postgres" does not set settings.backupConfiguration.enabled: true.`,
      `Cloud SQL instance "postgres" does not set settings.backupConfiguration.pointInTimeRecoveryEnabled: true.`,
    ]);
  });

  it("reports a Cloud SQL instance without point-in-time recovery", async () => {
    await assertViolations(rule, mutate(compliantCloudSqlInstance(), (i) => (i.settings.backupConfiguration.pointInTimeRecoveryEnabled = false)), [
      `Cloud SQL instance "postgres" does not set settings.backupConfiguration.pointInTimeRecoveryEnabled: true.`,
    ]);
  });

  it("reports a replication group without snapshots in an untagged (production) stack", async () => {
    await assertViolations(rule, mutate(compliantReplicationGroup(), (i) => delete i.snapshotRetentionLimit), [
      `ElastiCache replication group "redis" keeps no automatic snapshots in production; set snapshotRetentionLimit to at least 1 day.`,
    ]);
  });

  it("reports a replication group whose snapshotRetentionLimit is 0 in a prod-tagged stack", async () => {
    await assertViolations(rule, mutate(compliantReplicationGroup(), (i) => (i.snapshotRetentionLimit = 0)), [
      `ElastiCache replication group "redis" keeps no automatic snapshots in production; set snapshotRetentionLimit to at least 1 day.`,
    ], { tags: { environment: "prod" } });
  });

  it("does not ask a replication group in a dev-tagged stack for snapshots", async () => {
    await assertCompliant(rule, [mutate(compliantReplicationGroup(), (i) => delete i.snapshotRetentionLimit)], DEV);
  });

  it("reads Barman retention policies in days, weeks and 30-day months", () => {
    assert.equal(retentionPolicyDays("30d"), 30);
    assert.equal(retentionPolicyDays("4w"), 28);
    assert.equal(retentionPolicyDays("1m"), 30);
    assert.equal(retentionPolicyDays("30 days"), undefined);
    assert.equal(retentionPolicyDays("0d"), undefined);
  });

  it("reports an ObjectStore without a retention policy", async () => {
    await assertViolations(rule, mutate(compliantBarmanObjectStore(), (i) => delete i.spec.retentionPolicy), [
      `${STORE} has no spec.retentionPolicy, so backups and WAL are never deleted; set one such as "30d".`,
    ]);
  });

  it("reports an ObjectStore that keeps backups for 2 days", async () => {
    await assertViolations(rule, mutate(compliantBarmanObjectStore(), (i) => (i.spec.retentionPolicy = "2d")), [
      `${STORE} keeps backups for 2 days (spec.retentionPolicy "2d"); set 7–35 days.`,
    ]);
  });

  it("reports an ObjectStore that keeps backups for 12 weeks, above maxRetentionDays", async () => {
    await assertViolations(rule, mutate(compliantBarmanObjectStore(), (i) => (i.spec.retentionPolicy = "12w")), [
      `${STORE} keeps backups for 84 days (spec.retentionPolicy "12w"); set 7–35 days.`,
    ]);
  });

  it("reports an ObjectStore retention policy that is not in Barman's form", async () => {
    await assertViolations(rule, mutate(compliantBarmanObjectStore(), (i) => (i.spec.retentionPolicy = "30 days")), [
      `${STORE} has spec.retentionPolicy "30 days", which is not a number followed by d, w or m.`,
    ]);
  });

  it("reports a CloudNativePG cluster that still uses the deprecated spec.backup.barmanObjectStore", async () => {
    const [cluster, store, scheduled] = cnpgStack();
    const subject = mutate(cluster, (i) => (i.spec.backup = { barmanObjectStore: { destinationPath: "s3://acme-platform-backups/app-db" } }));
    await assertViolations(rule, [subject, store, scheduled], [
      `${CLUSTER} uses the deprecated spec.backup.barmanObjectStore; archive through the Barman Cloud plugin instead: a spec.plugins entry "barman-cloud.cloudnative-pg.io" with isWALArchiver: true.`,
    ]);
  });

  it("reports a CloudNativePG cluster without the Barman Cloud plugin", async () => {
    const [cluster, store, scheduled] = cnpgStack();
    await assertViolations(rule, [mutate(cluster, (i) => delete i.spec.plugins), store, scheduled], [
      `${CLUSTER} has no spec.plugins entry "barman-cloud.cloudnative-pg.io" with isWALArchiver: true, so it archives no WAL and cannot be restored to a point in time.`,
    ]);
  });

  it("reports a CloudNativePG cluster whose Barman Cloud plugin is not the WAL archiver", async () => {
    const [cluster, store, scheduled] = cnpgStack();
    await assertViolations(rule, [mutate(cluster, (i) => (i.spec.plugins[0].isWALArchiver = false)), store, scheduled], [
      `${CLUSTER} has no spec.plugins entry "barman-cloud.cloudnative-pg.io" with isWALArchiver: true, so it archives no WAL and cannot be restored to a point in time.`,
    ]);
  });

  it("reports a Barman Cloud plugin entry without barmanObjectName", async () => {
    const [cluster, store, scheduled] = cnpgStack();
    await assertViolations(rule, [mutate(cluster, (i) => delete i.spec.plugins[0].parameters), store, scheduled], [
      `${CLUSTER} sets no parameters.barmanObjectName on its "barman-cloud.cloudnative-pg.io" plugin entry.`,
    ]);
  });

  it("reports a cluster whose ObjectStore is not in the stack", async () => {
    const [cluster, , scheduled] = cnpgStack();
    await assertViolations(rule, [cluster, scheduled], [`${CLUSTER} archives to ObjectStore "app-db-backups", which is not in the stack in namespace "data".`]);
  });

  it("does not count an ObjectStore of that name in another namespace", async () => {
    const [cluster, store, scheduled] = cnpgStack();
    await assertViolations(rule, [cluster, mutate(store, (i) => (i.metadata.namespace = "other")), scheduled], [
      `${CLUSTER} archives to ObjectStore "app-db-backups", which is not in the stack in namespace "data".`,
    ]);
  });

  it("reports a cluster without a ScheduledBackup", async () => {
    const [cluster, store] = cnpgStack();
    await assertViolations(rule, [cluster, store], [NO_SCHEDULE]);
  });

  it("does not count a ScheduledBackup of another cluster, of another namespace, or suspended", async () => {
    const [cluster, store, scheduled] = cnpgStack();
    for (const edit of [
      (i: Record<string, any>) => (i.spec.cluster.name = "other-db"),
      (i: Record<string, any>) => (i.metadata.namespace = "other"),
      (i: Record<string, any>) => (i.spec.suspend = true),
    ]) {
      await assertViolations(rule, [cluster, store, mutate(scheduled, edit)], [NO_SCHEDULE]);
    }
  });

  it("matches a ScheduledBackup whose namespace is not known yet during preview", async () => {
    const [cluster, store, scheduled] = cnpgStack();
    await assertCompliant(rule, [cluster, store, mutate(scheduled, (i) => (i.metadata.namespace = unknownStringValue))]);
  });

  it("leaves a cluster whose spec is not known yet during preview to the update, and still checks the others", async () => {
    const [cluster, store] = cnpgStack();
    const unknown = mutate(cluster, (i) => (i.spec.plugins = unknownStringValue));
    const other = mutate(cluster, (i) => (i.metadata.name = "other-db"));
    const report = await reportOf(rule, [unknown, { ...other, urn: `${other.urn}-other` }, store]);
    assert.deepEqual(report.violations.map((v) => v.message), [
      `CloudNativePG Cluster "data/other-db" has no ScheduledBackup (spec.cluster.name "other-db") that is not suspended, so no base backups are taken.`,
    ]);
  });
});

describe("production-data-resilience", () => {
  const rule = productionDataResilience;
  const SQL = 'Cloud SQL instance "postgres"';

  /** One failing case of every resource type the rule checks. */
  function nonCompliant(): CapturedResource[] {
    const cluster = mutate(compliantAuroraCluster(), (i) => delete i.deletionProtection);
    return [
      mutate(compliantRdsInstance(), (i) => delete i.multiAz),
      cluster,
      auroraClusterInstance("aurora-1", cluster),
      mutate(compliantCloudSqlInstance(), (i) => (i.settings.availabilityType = "ZONAL")),
      mutate(compliantReplicationGroup(), (i) => delete i.multiAzEnabled),
      mutate(compliantMemorystoreInstance(), (i) => (i.tier = "BASIC")),
      mutate(compliantCnpgCluster(), (i) => (i.spec.instances = 1)),
    ];
  }

  it("accepts protected, highly available databases and caches in an untagged (production) stack", async () => {
    await assertCompliant(rule, [compliantRdsInstance(), ...auroraStack(), compliantCloudSqlInstance(), compliantReplicationGroup(), compliantMemorystoreInstance(), compliantCnpgCluster()]);
  });

  it("does not check a dev-tagged stack", async () => {
    await assertCompliant(rule, nonCompliant(), DEV);
  });

  it("does not check a staging-tagged stack", async () => {
    await assertCompliant(rule, nonCompliant(), { tags: { environment: "staging" } });
  });

  it("checks an untagged stack, as production", async () => {
    const report = await reportOf(rule, nonCompliant());
    assert.equal(report.violations.length, 7);
  });

  it("does not check an untagged stack whose config says dev, but checks it once tagged prod", async () => {
    const config: PolicyConfig = { "production-data-resilience": { environment: "dev" } };
    await assertCompliant(rule, nonCompliant(), { config });
    assert.equal((await reportOf(rule, nonCompliant(), { config, tags: { environment: "prod" } })).violations.length, 7);
  });

  it("reports an RDS instance without deletion protection", async () => {
    await assertViolations(rule, mutate(compliantRdsInstance(), (i) => delete i.deletionProtection), [`RDS instance "postgres" does not set deletionProtection: true.`]);
  });

  it("reports an RDS instance without Multi-AZ", async () => {
    await assertViolations(rule, mutate(compliantRdsInstance(), (i) => (i.multiAz = false)), [
      `RDS instance "postgres" does not set multiAz: true, so it has no standby in another zone.`,
    ]);
  });

  it("reports an Aurora cluster without deletion protection", async () => {
    const [cluster, ...instances] = auroraStack();
    await assertViolations(rule, [mutate(cluster, (i) => (i.deletionProtection = false)), ...instances], [`RDS cluster "aurora" does not set deletionProtection: true.`]);
  });

  it("reports an Aurora cluster with one cluster instance", async () => {
    const [cluster, first] = auroraStack();
    await assertViolations(rule, [cluster, first], [`RDS cluster "aurora" has 1 cluster instance in the stack; run at least 2, a writer and a reader in another zone.`]);
  });

  it("reports an Aurora cluster without cluster instances, and does not count those of another cluster", async () => {
    const cluster = compliantAuroraCluster();
    const other = { ...resource("aws:rds/cluster:Cluster", "other", compliantAuroraCluster().inputs) };
    const otherInstances = [auroraClusterInstance("other-1", other), auroraClusterInstance("other-2", other)];
    const report = await reportOf(rule, [cluster, other, ...otherInstances]);
    assert.deepEqual(report.violations.map((v) => [v.urn, v.message]), [
      [cluster.urn, `RDS cluster "aurora" has 0 cluster instances in the stack; run at least 2, a writer and a reader in another zone.`],
    ]);
  });

  it("counts cluster instances whose clusterIdentifier is not known yet during preview, by their dependency on the cluster", async () => {
    const [cluster, ...instances] = auroraStack();
    const report = await reportOf(rule, [cluster, ...instances.map((r) => mutate(r, (i) => (i.clusterIdentifier = unknownStringValue)))]);
    assert.deepEqual(report.violations, []);
  });

  it("counts cluster instances that name the cluster's literal clusterIdentifier without depending on it", async () => {
    const cluster = mutate(compliantAuroraCluster(), (i) => (i.clusterIdentifier = "platform-aurora"));
    const instances = ["aurora-1", "aurora-2"].map((name) => ({ ...auroraClusterInstance(name, cluster), dependencies: [] }));
    await assertCompliant(rule, [cluster, ...instances.map((r) => mutate(r, (i) => (i.clusterIdentifier = "platform-aurora")))]);
    await assertViolations(rule, [cluster, ...instances], [
      `RDS cluster "aurora" has 0 cluster instances in the stack; run at least 2, a writer and a reader in another zone.`,
    ]);
  });

  it("reports a Cloud SQL instance whose Pulumi deletion protection is turned off", async () => {
    await assertViolations(rule, mutate(compliantCloudSqlInstance(), (i) => (i.deletionProtection = false)), [`${SQL} sets deletionProtection: false, so Pulumi may delete it.`]);
  });

  it("accepts a Cloud SQL instance that leaves deletionProtection to the provider's default of true", async () => {
    await assertCompliant(rule, [mutate(compliantCloudSqlInstance(), (i) => delete i.deletionProtection)]);
  });

  it("reports a Cloud SQL instance without API deletion protection", async () => {
    await assertViolations(rule, mutate(compliantCloudSqlInstance(), (i) => delete i.settings.deletionProtectionEnabled), [
      `${SQL} does not set settings.deletionProtectionEnabled: true.`,
    ]);
  });

  it("reports a zonal Cloud SQL instance", async () => {
    await assertViolations(rule, mutate(compliantCloudSqlInstance(), (i) => delete i.settings.availabilityType), [
      `${SQL} does not set settings.availabilityType: "REGIONAL", so it has no standby in another zone.`,
    ]);
  });

  it("reports a replication group without automatic failover", async () => {
    await assertViolations(rule, mutate(compliantReplicationGroup(), (i) => (i.automaticFailoverEnabled = false)), [
      `ElastiCache replication group "redis" does not set automaticFailoverEnabled: true.`,
    ]);
  });

  it("reports a replication group without Multi-AZ", async () => {
    await assertViolations(rule, mutate(compliantReplicationGroup(), (i) => delete i.multiAzEnabled), [`ElastiCache replication group "redis" does not set multiAzEnabled: true.`]);
  });

  it("reports a Memorystore instance on the BASIC tier, or with no tier", async () => {
    const message = `Memorystore instance "redis" has tier "BASIC"; set "STANDARD_HA" for a replica in another zone.`;
    await assertViolations(rule, mutate(compliantMemorystoreInstance(), (i) => (i.tier = "BASIC")), [message]);
    await assertViolations(rule, mutate(compliantMemorystoreInstance(), (i) => delete i.tier), [message]);
  });

  it("reports a CloudNativePG cluster that leaves spec.instances at its default of 1", async () => {
    await assertViolations(rule, mutate(compliantCnpgCluster(), (i) => delete i.spec.instances), [
      `CloudNativePG Cluster "data/app-db" runs 1 instance (spec.instances); run at least 2, a primary and a standby.`,
    ]);
  });
});

describe("redis-sentinel-quorum", () => {
  const rule = redisSentinelQuorum;
  const RUN = "run an odd number, at least 3, so a majority survives the loss of one.";

  it("accepts 3 and 5 Sentinels, and ignores StatefulSets not labelled as Sentinel", async () => {
    await assertCompliant(rule, [compliantValkeySentinel(), mutate(compliantValkeySentinel(), (i) => (i.spec.replicas = 5))]);
    await assertCompliant(rule, [mutate(compliantValkeyServer(), (i) => (i.spec.replicas = 2)), workload("StatefulSet")]);
  });

  it("reports 2 Sentinels", async () => {
    await assertViolations(rule, mutate(compliantValkeySentinel(), (i) => (i.spec.replicas = 2)), [`StatefulSet "data/cache-sentinel" runs 2 Sentinels; ${RUN}`]);
  });

  it("reports 1 Sentinel", async () => {
    await assertViolations(rule, mutate(compliantValkeySentinel(), (i) => (i.spec.replicas = 1)), [`StatefulSet "data/cache-sentinel" runs 1 Sentinel; ${RUN}`]);
  });

  it("reports an even number above 3", async () => {
    await assertViolations(rule, mutate(compliantValkeySentinel(), (i) => (i.spec.replicas = 4)), [`StatefulSet "data/cache-sentinel" runs 4 Sentinels; ${RUN}`]);
  });

  it("reports a Sentinel StatefulSet without spec.replicas, which runs 1", async () => {
    await assertViolations(rule, mutate(compliantValkeySentinel(), (i) => delete i.spec.replicas), [
      `StatefulSet "data/cache-sentinel" does not set spec.replicas (1 Sentinel); ${RUN}`,
    ]);
  });
});

describe("redis-tls", () => {
  const rule = redisTls;
  const LABEL = 'Valkey StatefulSet "data/cache"';
  const NO_CERT = `${LABEL} mounts no TLS certificate: give a container a volume from a Secret whose name ends in "-tls".`;
  const annotated = () => mutate(compliantValkeyServer(), (i) => {
    i.spec.template.spec.volumes = [];
    i.spec.template.spec.containers[0].volumeMounts = [];
    i.metadata.annotations = { "platform.acme.io/tls": "disabled" };
  });

  it("accepts a Valkey server that mounts its -tls Secret, and ignores Sentinel and other StatefulSets", async () => {
    await assertCompliant(rule, [compliantValkeyServer(), mutate(compliantValkeySentinel(), (i) => delete i.spec.template.spec.volumes), workload("StatefulSet")]);
  });

  it("reports a Valkey server without a TLS volume", async () => {
    await assertViolations(rule, mutate(compliantValkeyServer(), (i) => delete i.spec.template.spec.volumes), [NO_CERT]);
  });

  it("reports a Valkey server whose Secret volume is not a -tls Secret", async () => {
    await assertViolations(rule, mutate(compliantValkeyServer(), (i) => (i.spec.template.spec.volumes[0].secret.secretName = "cache-auth")), [NO_CERT]);
  });

  it("reports a Valkey server whose TLS volume no container mounts", async () => {
    await assertViolations(rule, mutate(compliantValkeyServer(), (i) => delete i.spec.template.spec.containers[0].volumeMounts), [NO_CERT]);
  });

  it("accepts the tls: disabled annotation in a dev-tagged stack", async () => {
    await assertCompliant(rule, [annotated()], DEV);
  });

  it("reports the tls: disabled annotation in an untagged (production) stack", async () => {
    await assertViolations(rule, annotated(), [`${LABEL} is annotated platform.acme.io/tls: "disabled", which production does not accept; mount a TLS certificate.`]);
  });

  it("still asks for a certificate in a dev-tagged stack when the annotation is absent", async () => {
    await assertViolations(rule, mutate(annotated(), (i) => delete i.metadata.annotations), [NO_CERT], DEV);
  });
});

describe("tls-data-stores on CloudNativePG", () => {
  const rule = tlsDataStores;
  const CLUSTER = 'CloudNativePG Cluster "data/app-db"';
  const withHba = (lines: string[]) => mutate(compliantCnpgCluster(), (i) => (i.spec.postgresql.pg_hba = lines));

  it("accepts a cluster that rejects non-TLS connections, written with any whitespace, a comment, or per address family", async () => {
    await assertCompliant(rule, [
      compliantCnpgCluster(),
      withHba(["  hostnossl   all\tall  all   reject  # no plaintext"]),
      withHba(["hostnossl all all 0.0.0.0/0 reject", "hostnossl all all ::/0 reject", "host app app 10.0.0.0/8 scram-sha-256"]),
    ]);
  });

  it("finds where the reject lines take effect", () => {
    assert.equal(hbaRejectsNonTlsAt(["hostssl all all all cert", "hostnossl all all all reject"]), 1);
    assert.equal(hbaRejectsNonTlsAt(["hostnossl all all ::/0 reject", "x", "hostnossl all all 0.0.0.0/0 reject"]), 2);
    assert.equal(hbaRejectsNonTlsAt(["# hostnossl all all all reject"]), undefined);
  });

  it("skips a Global Datastore secondary, which inherits TLS from the Global Datastore, and only it", async () => {
    await assertCompliant(rule, [globalSecondary()]);
    await assertViolations(rule, mutate(globalSecondary(), (i) => delete i.globalReplicationGroupId), [`ElastiCache replication group "redis" does not set transitEncryptionEnabled: true.`]);
  });

  it("reports a cluster without pg_hba", async () => {
    await assertViolations(rule, mutate(compliantCnpgCluster(), (i) => delete i.spec.postgresql), [
      `${CLUSTER} does not reject non-TLS connections: add "hostnossl all all all reject" to spec.postgresql.pg_hba.`,
    ]);
  });

  it("reports a cluster that rejects non-TLS connections over IPv4 only", async () => {
    await assertViolations(rule, withHba(["hostnossl all all 0.0.0.0/0 reject"]), [
      `${CLUSTER} does not reject non-TLS connections: add "hostnossl all all all reject" to spec.postgresql.pg_hba.`,
    ]);
  });

  it("reports a hostnossl line that trusts instead of rejecting", async () => {
    await assertViolations(rule, withHba(["hostnossl all all all trust"]), [
      `${CLUSTER} does not reject non-TLS connections: add "hostnossl all all all reject" to spec.postgresql.pg_hba.`,
    ]);
  });

  it("reports a host line that accepts connections before the reject line", async () => {
    await assertViolations(rule, withHba(["host app app 10.0.0.0/8 scram-sha-256", "hostnossl all all all reject"]), [
      `${CLUSTER} has the "host" line "host app app 10.0.0.0/8 scram-sha-256" before its hostnossl reject line in spec.postgresql.pg_hba, so that line accepts non-TLS connections first.`,
    ]);
  });
});

describe("credentials-from-secrets", () => {
  const rule = credentialsFromSecrets;
  const WEB = 'Container "web" in Deployment "apps/podinfo"';
  const withEnv = (env: Record<string, any>[], container = "web") => mutate(compliantDeployment(), (i) => (containerIn(i, container).env = env));

  it("accepts credentials from secretKeyRef and harmless literals", async () => {
    await assertCompliant(rule, [compliantDeploymentWithSecretEnv(), withEnv([{ name: "AUTHOR_NAME", value: "acme" }, { name: "POSTGRES_PASSWORD_FILE", value: "/run/secrets/password" }])]);
  });

  it("tells credential names from other names", () => {
    for (const name of ["PASSWORD", "DB_PASSWORD", "PGPASSWORD", "PGPASSWD", "JWT_SECRET", "GITHUB_TOKEN", "API_KEY", "STRIPE_APIKEY", "TLS_PRIVATE_KEY", "GCP_CREDENTIALS", "BASIC_AUTH", "DATABASE_URL", "REDIS_URL", "AMQP_URL", "MONGODB_URI", "SENTRY_DSN", "redis_url"]) {
      assert.equal(isCredentialName(name), true, name);
    }
    for (const name of ["PGPASSWORD_FILE", "AUTHOR", "OAUTH_ISSUER", "PUBLIC_URL", "BACKEND_URI", "TOKENIZER_MODEL", "LOG_LEVEL"]) {
      assert.equal(isCredentialName(name), false, name);
    }
  });

  it("finds a password in a URI, and only there", () => {
    assert.equal(hasUriPassword("postgres://app:s3cret@db:5432/app"), true);
    assert.equal(hasUriPassword("rediss://:s3cret@cache:6379/0"), true);
    assert.equal(hasUriPassword("--broker=amqp://guest:guest@rabbit/"), true);
    assert.equal(hasUriPassword("postgres://app@db:5432/app"), false);
    assert.equal(hasUriPassword("https://podinfo.example.com:8443/path"), false);
  });

  for (const kind of KINDS) {
    it(`reports a literal password in a ${kind}`, async () => {
      const subject = mutate(workload(kind), (i) => (containerIn(i).env = [{ name: "DB_PASSWORD", value: "hunter2" }]));
      await assertViolations(rule, subject, [`Container "web" in ${kind} "apps/podinfo" sets DB_PASSWORD from a literal value; take it from a Secret with valueFrom.secretKeyRef.`]);
    });
  }

  it("reports a literal token in an init container", async () => {
    await assertViolations(rule, withEnv([{ name: "GITHUB_TOKEN", value: "ghp_xxx" }], "migrate"), [
      `Init container "migrate" in Deployment "apps/podinfo" sets GITHUB_TOKEN from a literal value; take it from a Secret with valueFrom.secretKeyRef.`,
    ]);
  });

  it("reports a literal connection string even without a password in it", async () => {
    await assertViolations(rule, withEnv([{ name: "REDIS_URL", value: "rediss://cache.data:6379/0" }]), [
      `${WEB} sets REDIS_URL from a literal value; take it from a Secret with valueFrom.secretKeyRef.`,
    ]);
  });

  it("reports a credential read from a ConfigMap", async () => {
    await assertViolations(rule, withEnv([{ name: "DATABASE_URL", valueFrom: { configMapKeyRef: { name: "podinfo", key: "db" } } }]), [
      `${WEB} takes DATABASE_URL from valueFrom.configMapKeyRef; take it from a Secret with valueFrom.secretKeyRef.`,
    ]);
  });

  it("reports a URI with a password under any name", async () => {
    await assertViolations(rule, withEnv([{ name: "UPSTREAM", value: "amqp://guest:guest@rabbit.data:5672/" }]), [
      `${WEB} sets UPSTREAM to a literal URI with a password; take it from a Secret with valueFrom.secretKeyRef.`,
    ]);
  });

  it("never puts the value in a message", async () => {
    const secret = "s3cret-value-0123";
    const subject = withEnv([
      { name: "API_KEY", value: secret },
      { name: "BACKEND", value: `postgres://app:${secret}@db:5432/app` },
    ]);
    const report = await reportOf(rule, [subject]);
    assert.equal(report.violations.length, 2);
    for (const violation of report.violations) assert.ok(!violation.message.includes(secret), violation.message);
  });

  it("names a pod-spec env entry wherever its workload kind keeps it", async () => {
    const subject = mutate(workload("CronJob"), (i) => (podSpecIn(i).containers[0].env = [{ name: "SMTP_PASSWORD", value: "x" }]));
    await assertViolations(rule, subject, [`Container "web" in CronJob "apps/podinfo" sets SMTP_PASSWORD from a literal value; take it from a Secret with valueFrom.secretKeyRef.`]);
  });
});
