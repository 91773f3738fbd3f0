/**
 * PostgresCluster's managed backends (RDS and Aurora on EKS, Cloud SQL on GKE) and its Docker
 * backend under Pulumi's mock runtime, captured once for the file; the pure decisions are tested
 * directly.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type * as pulumi from "@pulumi/pulumi";
import { captureProgram, type CapturedProgram, type CapturedResource } from "../plan/capture";
import { MOCK_SECRET_PREFIX } from "../plan/mocks";
import { hasMandatoryViolations, runPolicies } from "../plan/policy-runner";
import { rules } from "../policies/rules";
import { createPlatform } from "../components/platform";
import { PostgresCluster, postgresVersions, resolvePostgres } from "../components/postgres";
import { auroraEngineVersions, finalSnapshotIdentifier, rdsBackupWindow, rdsParameterFamily, rdsParameters } from "../components/postgres/aws";
import { cloudSqlSettings } from "../components/postgres/gcp";
import { pgbouncerEnvs, postgresContainerArgs, postgresDataPath } from "../components/postgres/docker";
import type { DockerPlatform } from "../components/contract/platform";

const OPERATORS = "203.0.113.0/24";
let program: CapturedProgram;
const clusters: Record<string, PostgresCluster> = {};
const endpoints: Record<string, { host: string; readHost: string; port: number; connectionString: string }> = {};

const unwrap = <T>(output: pulumi.Output<T>): Promise<T> => new Promise((resolve) => output.apply(resolve));
const ofType = (type: string, prefix?: string): CapturedResource[] =>
  program.resources.filter((r) => r.type === type && (prefix === undefined || r.name.startsWith(`${prefix}-`)));
const one = (type: string, name: string): CapturedResource => {
  const found = program.resources.filter((r) => r.type === type && r.name === name);
  assert.equal(found.length, 1, `expected one ${type} named ${name}`);
  return found[0];
};
/** The resources created inside the PostgresCluster named `name`. */
const childrenOf = (name: string): CapturedResource[] => {
  const component = one("platform:index:PostgresCluster", name);
  return program.resources.filter((r) => r.parent === component.urn);
};

before(async () => {
  program = await captureProgram(
    () => {
      const eks = createPlatform("eks", { target: "eks", eks: { environment: "prod", region: "eu-west-1", endpointPublicAccessCidrs: [OPERATORS] } });
      const gke = createPlatform("gke", { target: "gke", gke: { environment: "prod", project: "acme-prod", region: "europe-west1", endpointPublicAccessCidrs: [OPERATORS] } });
      const gkeDev = createPlatform("gke-dev", { target: "gke", gke: { environment: "dev", project: "acme-dev", region: "europe-west1" } });
      const local = createPlatform("local", { target: "docker", docker: { environment: "dev" } });
      clusters.db = new PostgresCluster("db", { platform: eks, mode: "managed", parameters: { work_mem: "16384" } });
      clusters.adb = new PostgresCluster("adb", { platform: eks, mode: "managed", managed: { awsEngine: "aurora" } });
      clusters.sql = new PostgresCluster("sql", { platform: gke, mode: "managed", parameters: { "log_min_duration_statement": "500" } });
      clusters.devsql = new PostgresCluster("devsql", { platform: gkeDev, mode: "managed" });
      clusters.pg = new PostgresCluster("pg", { platform: local, docker: { hostPort: 5433 }, monitoring: false });
      clusters.raw = new PostgresCluster("raw", { platform: local, version: 18, pooler: { enabled: false }, monitoring: false });
      // With `monitoring` (the default), postgres_exporter runs beside the database.
      clusters.watched = new PostgresCluster("watched", { platform: local });
    },
    { project: "platform", stack: "test" },
  );
  for (const [key, c] of Object.entries(clusters)) {
    endpoints[key] = { host: await unwrap(c.host), readHost: await unwrap(c.readHost), port: await unwrap(c.port), connectionString: await unwrap(c.connectionString) };
  }
});

describe("PostgresCluster on RDS (EKS, prod)", () => {
  const instance = () => one("aws:rds/instance:Instance", "db-rds");

  it("creates one Multi-AZ RDS PostgreSQL instance on the major version, with minor upgrades on", () => {
    assert.equal(ofType("aws:rds/instance:Instance").filter((r) => r.inputs.replicateSourceDb === undefined).length, 1);
    const i = instance().inputs;
    assert.equal(i.engine, "postgres");
    assert.equal(i.engineVersion, "17");
    assert.equal(i.autoMinorVersionUpgrade, true);
    assert.equal(i.multiAz, true);
    assert.equal(i.instanceClass, "db.r7g.large");
    assert.deepEqual([i.allocatedStorage, i.maxAllocatedStorage, i.storageType], [20, 80, "gp3"]);
    assert.deepEqual([i.dbName, i.username, i.port], ["app", "app", 5432]);
  });

  it("encrypts storage and Performance Insights with its own rotating KMS key", () => {
    const key = one("aws:kms/key:Key", "db-key").inputs;
    assert.equal(key.enableKeyRotation, true);
    assert.equal(key.deletionWindowInDays, 30);
    const arn = "arn:aws:kms:mock-region:123456789012:key/db-key";
    const i = instance().inputs;
    assert.equal(i.storageEncrypted, true);
    assert.equal(i.kmsKeyId, arn);
    assert.equal(i.performanceInsightsEnabled, true);
    assert.equal(i.performanceInsightsKmsKeyId, arn);
    assert.equal(i.performanceInsightsRetentionPeriod, 7);
    assert.match(one("aws:kms/alias:Alias", "db-key-alias").inputs.namePrefix, /^alias\/rds\/db-/);
  });

  it("places the instance in the private subnets, not publicly accessible, behind its own security group", () => {
    const i = instance().inputs;
    assert.equal(i.publiclyAccessible, false);
    assert.deepEqual(i.vpcSecurityGroupIds, ["db-sg-id"]);
    assert.equal(i.dbSubnetGroupName, "db-subnets");
    const privateSubnets = ofType("aws:ec2/subnet:Subnet", "eks").filter((s) => s.name.startsWith("eks-private-")).map((s) => `${s.name}-id`);
    assert.equal(privateSubnets.length, 3);
    assert.deepEqual([...one("aws:rds/subnetGroup:SubnetGroup", "db-subnets").inputs.subnetIds].sort(), privateSubnets.sort());
  });

  it("admits TCP 5432 only from the EKS cluster security group and RDS Proxy's, with no CIDR anywhere", () => {
    const sg = one("aws:ec2/securityGroup:SecurityGroup", "db-sg").inputs;
    assert.equal(sg.ingress, undefined, "no inline rules");
    const rules = ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "db").filter((r) => r.inputs.securityGroupId === "db-sg-id");
    assert.deepEqual(
      rules.map(({ inputs: rule }) => ({ from: rule.referencedSecurityGroupId, proto: rule.ipProtocol, ports: [rule.fromPort, rule.toPort], cidr: rule.cidrIpv4 })).sort((a, b) => a.from.localeCompare(b.from)),
      [
        { from: "db-proxy-sg-id", proto: "tcp", ports: [5432, 5432], cidr: undefined },
        { from: "sg-eks-cluster", proto: "tcp", ports: [5432, 5432], cidr: undefined },
      ],
    );
    for (const r of [...childrenOf("db"), ...childrenOf("adb")]) assert.ok(!JSON.stringify(r.inputs).includes("0.0.0.0/0"), r.urn);
  });

  it("keeps 30 days of backups in a window that does not overlap maintenance, and snapshots on delete", () => {
    const i = instance().inputs;
    assert.equal(i.backupRetentionPeriod, 30);
    assert.equal(i.backupWindow, "03:00-04:00");
    assert.equal(i.maintenanceWindow, "sun:05:00-sun:06:00");
    assert.equal(i.deletionProtection, true);
    assert.equal(i.deleteAutomatedBackups, false);
    assert.equal(i.skipFinalSnapshot, false);
    assert.equal(i.finalSnapshotIdentifier, "db-test-final");
    assert.equal(i.copyTagsToSnapshot, true);
  });

  it("forces TLS 1.2+ through a postgres17 parameter group that keeps the user's parameters", () => {
    const group = one("aws:rds/parameterGroup:ParameterGroup", "db-params").inputs;
    assert.equal(group.family, "postgres17");
    const byName = Object.fromEntries(group.parameters.map((p: { name: string; value: string }) => [p.name, p.value]));
    assert.equal(byName["rds.force_ssl"], "1");
    assert.equal(byName.ssl_min_protocol_version, "TLSv1.2");
    assert.equal(byName.work_mem, "16384");
    assert.equal(instance().inputs.parameterGroupName, "db-params");
  });

  it("exports logs, uses the RSA 2048 CA and allows IAM authentication", () => {
    const i = instance().inputs;
    assert.deepEqual(i.enabledCloudwatchLogsExports, ["postgresql", "upgrade"]);
    assert.equal(i.caCertIdentifier, "rds-ca-rsa2048-g1");
    assert.equal(i.iamDatabaseAuthenticationEnabled, true);
  });

  it("writes through RDS Proxy and reads from the read replica, with sslmode=require", () => {
    const proxy = "db-test.proxy-mock.mock-region.rds.amazonaws.com";
    assert.deepEqual([endpoints.db.host, endpoints.db.readHost, endpoints.db.port], [proxy, "db-rds-replica-0.mock.mock-region.rds.amazonaws.com", 5432]);
    assert.match(endpoints.db.connectionString, new RegExp(`^postgresql://app:[^@]+@${proxy.replace(/\./g, "\\.")}:5432/app\\?sslmode=require$`));
  });
});

describe("PostgresCluster on Aurora (EKS, prod)", () => {
  const cluster = () => one("aws:rds/cluster:Cluster", "adb-aurora");

  it("creates an encrypted, deletion-protected Aurora PostgreSQL cluster on a pinned engine version", () => {
    const c = cluster().inputs;
    assert.equal(c.engine, "aurora-postgresql");
    assert.equal(c.engineVersion, auroraEngineVersions[17]);
    assert.match(c.engineVersion, /^17\.\d+$/);
    assert.equal(c.storageEncrypted, true);
    assert.equal(c.kmsKeyId, "arn:aws:kms:mock-region:123456789012:key/adb-key");
    assert.equal(c.deletionProtection, true);
    assert.deepEqual([c.skipFinalSnapshot, c.finalSnapshotIdentifier], [false, "adb-test-final"]);
    assert.deepEqual([c.backupRetentionPeriod, c.preferredBackupWindow, c.preferredMaintenanceWindow], [30, "03:00-04:00", "sun:05:00-sun:06:00"]);
    assert.deepEqual([c.masterUsername, c.databaseName, c.iamDatabaseAuthenticationEnabled], ["app", "app", true]);
    assert.deepEqual(c.vpcSecurityGroupIds, ["adb-sg-id"]);
    assert.deepEqual(c.enabledCloudwatchLogsExports, ["postgresql"]);
  });

  it("forces TLS through an aurora-postgresql17 cluster parameter group", () => {
    const group = one("aws:rds/clusterParameterGroup:ClusterParameterGroup", "adb-cluster-params").inputs;
    assert.equal(group.family, "aurora-postgresql17");
    assert.ok(group.parameters.some((p: { name: string; value: string }) => p.name === "rds.force_ssl" && p.value === "1"));
    assert.equal(cluster().inputs.dbClusterParameterGroupName, "adb-cluster-params");
  });

  it("runs three private instances with Performance Insights in the cluster", () => {
    const instances = ofType("aws:rds/clusterInstance:ClusterInstance", "adb");
    assert.equal(instances.length, 3);
    for (const { inputs } of instances) {
      assert.equal(inputs.clusterIdentifier, "adb-aurora-id");
      assert.equal(inputs.publiclyAccessible, false);
      assert.equal(inputs.performanceInsightsEnabled, true);
      assert.equal(inputs.instanceClass, "db.r7g.large");
      assert.equal(inputs.autoMinorVersionUpgrade, false, "upgrades follow the pinned cluster version");
    }
  });

  it("writes through RDS Proxy in front of the cluster and reads through the reader endpoint", () => {
    assert.equal(endpoints.adb.host, "adb-test.proxy-mock.mock-region.rds.amazonaws.com");
    assert.equal(one("aws:rds/proxyTarget:ProxyTarget", "adb-proxy-target").inputs.dbClusterIdentifier, "adb-aurora");
    assert.equal(endpoints.adb.readHost, "adb-aurora.cluster-ro-mock.mock-region.rds.amazonaws.com");
    assert.match(endpoints.adb.connectionString, /@adb-test\.proxy-mock\.[^?]+\?sslmode=require$/);
  });
});

describe("PostgresCluster on Cloud SQL (GKE)", () => {
  const instance = (name = "sql") => one("gcp:sql/databaseInstance:DatabaseInstance", `${name}-sql`);

  it("enables the Cloud SQL Admin and Service Networking APIs and leaves them on at destroy", () => {
    const services = ofType("gcp:projects/service:Service", "sql").map((s) => s.inputs);
    assert.deepEqual(services.map((s) => s.service).sort(), ["servicenetworking.googleapis.com", "sqladmin.googleapis.com"]);
    for (const s of services) assert.deepEqual([s.project, s.disableOnDestroy], ["acme-prod", false]);
  });

  it("peers a reserved /16 with Google's services network for private services access", () => {
    const range = one("gcp:compute/globalAddress:GlobalAddress", "sql-psa-range").inputs;
    assert.deepEqual([range.purpose, range.addressType, range.prefixLength, range.network], ["VPC_PEERING", "INTERNAL", 16, "gke-network-id"]);
    const connection = one("gcp:servicenetworking/connection:Connection", "sql-psa").inputs;
    assert.deepEqual([connection.network, connection.service, connection.reservedPeeringRanges], ["gke-network-id", "servicenetworking.googleapis.com", ["sql-psa-range"]]);
  });

  it("creates a regional Enterprise Plus instance reachable only on its private IP with TLS required", () => {
    const i = instance().inputs;
    assert.deepEqual([i.databaseVersion, i.region, i.project], ["POSTGRES_17", "europe-west1", "acme-prod"]);
    const s = i.settings;
    assert.deepEqual([s.edition, s.tier, s.availabilityType], ["ENTERPRISE_PLUS", "db-perf-optimized-N-2", "REGIONAL"]);
    assert.deepEqual([s.diskType, s.diskSize, s.diskAutoresize], ["PD_SSD", 20, true]);
    assert.deepEqual(
      { ipv4: s.ipConfiguration.ipv4Enabled, network: s.ipConfiguration.privateNetwork, ssl: s.ipConfiguration.sslMode },
      { ipv4: false, network: "gke-network-id", ssl: "ENCRYPTED_ONLY" },
    );
    assert.equal(s.ipConfiguration.authorizedNetworks, undefined);
  });

  it("takes daily backups with 30 days of point-in-time recovery, keeps 31 of them (one more than the days of logs, as Cloud SQL requires) and maintains after the window", () => {
    const s = instance().inputs.settings;
    assert.deepEqual(s.backupConfiguration, {
      enabled: true,
      pointInTimeRecoveryEnabled: true,
      transactionLogRetentionDays: 30,
      startTime: "03:00",
      backupRetentionSettings: { retainedBackups: 31, retentionUnit: "COUNT" },
    });
    assert.deepEqual(s.maintenanceWindow, { day: 7, hour: 7, updateTrack: "stable" });
    assert.deepEqual(s.insightsConfig, { queryInsightsEnabled: true });
    assert.deepEqual(s.databaseFlags, [{ name: "log_min_duration_statement", value: "500" }]);
  });

  it("protects the prod instance from deletion both in Pulumi and in the Cloud SQL API, and not the dev one", () => {
    const prod = instance().inputs;
    assert.deepEqual([prod.deletionProtection, prod.settings.deletionProtectionEnabled, prod.settings.retainBackupsOnDelete], [true, true, true]);
    const dev = instance("devsql").inputs;
    assert.deepEqual([dev.deletionProtection, dev.settings.deletionProtectionEnabled, dev.settings.availabilityType], [false, false, "ZONAL"]);
  });

  it("creates the instance only after the private services connection exists", () => {
    const connection = one("gcp:servicenetworking/connection:Connection", "sql-psa");
    assert.ok(instance().dependencies.includes(connection.urn));
  });

  it("creates the database and the application role with a secret password", () => {
    const database = one("gcp:sql/database:Database", "sql-database").inputs;
    assert.deepEqual([database.name, database.instance], ["app", "sql-sql"]);
    const user = one("gcp:sql/user:User", "sql-user");
    assert.deepEqual([user.inputs.name, user.inputs.instance], ["app", "sql-sql"]);
    assert.equal(user.redactedInputs.password, "[secret]");
  });

  it("writes through Managed Connection Pooling on the primary, reads from the replica, and sslmode=require", () => {
    assert.deepEqual([endpoints.sql.host, endpoints.sql.readHost, endpoints.sql.port], ["10.20.0.3", "10.20.0.4", 6432]);
    assert.match(endpoints.sql.connectionString, /@10\.20\.0\.3:6432\/app\?sslmode=require$/);
  });
});

describe("PostgresCluster on Docker", () => {
  const container = (name: string) => one("docker:index/container:Container", name).inputs;

  it("pulls pinned postgres and PgBouncer images and keeps them locally", () => {
    assert.deepEqual(
      ofType("docker:index/remoteImage:RemoteImage", "pg").map((r) => [r.name, r.inputs.name, r.inputs.keepLocally]),
      [
        ["pg-postgres-image", postgresVersions.dockerPostgres[17], true],
        ["pg-pgbouncer-image", postgresVersions.dockerPgbouncer, true],
      ],
    );
    assert.equal(container("pg-postgres").image, `sha256:${"0".repeat(64)}`);
  });

  it("keeps the data on a named volume mounted where the image's PGDATA lives", () => {
    assert.equal(one("docker:index/volume:Volume", "pg-data").inputs.name, "platform-test-pg-data");
    assert.deepEqual(container("pg-postgres").volumes, [{ volumeName: "platform-test-pg-data", containerPath: "/var/lib/postgresql/data" }]);
    assert.deepEqual(container("raw-postgres").volumes, [{ volumeName: "platform-test-raw-data", containerPath: "/var/lib/postgresql" }]);
  });

  it("runs postgres with a pg_isready healthcheck, limits, a restart policy and no published port", () => {
    const c = container("pg-postgres");
    assert.deepEqual(c.healthcheck.tests, ["CMD", "pg_isready", "-h", "127.0.0.1", "-p", "5432", "-U", "app", "-d", "app"]);
    assert.deepEqual([c.healthcheck.interval, c.healthcheck.timeout, c.healthcheck.retries], ["10s", "5s", 5]);
    assert.deepEqual([c.memory, c.cpus, c.shmSize], [1024, "2", 256]);
    assert.equal(c.restart, "unless-stopped");
    assert.deepEqual(c.ports, []);
    assert.deepEqual(c.networksAdvanced, [{ name: "platform-test", aliases: ["pg-postgres"] }]);
    assert.deepEqual(c.securityOpts, ["no-new-privileges:true"]);
    assert.deepEqual(c.capabilities, { drops: ["ALL"] });
    assert.equal(c.user, "postgres");
    for (const image of Object.values(postgresVersions.dockerPostgres)) assert.match(image, /-alpine$/, "the images whose postgres user owns the data directory");
  });

  it("passes the password to postgres and PgBouncer as secrets only", () => {
    const postgresEnvs = one("docker:index/container:Container", "pg-postgres").redactedInputs.envs as string[];
    assert.deepEqual(postgresEnvs, ["POSTGRES_DB=app", "POSTGRES_USER=app", "[secret]"]);
    const pgbouncerEnvs = one("docker:index/container:Container", "pg-pgbouncer").redactedInputs.envs as string[];
    assert.equal(pgbouncerEnvs.filter((e) => e === "[secret]").length, 1);
    assert.ok(!pgbouncerEnvs.some((e) => e.startsWith("DB_PASSWORD=")), "the password entry is the secret one");
  });

  it("runs PgBouncer against the postgres alias with SCRAM, published on the loopback host port", () => {
    const c = container("pg-pgbouncer");
    for (const env of ["DB_HOST=pg-postgres", "DB_NAME=app", "DB_USER=app", "AUTH_TYPE=scram-sha-256", "POOL_MODE=transaction", "MAX_CLIENT_CONN=1000", "DEFAULT_POOL_SIZE=20", "LISTEN_PORT=5432"]) {
      assert.ok(c.envs.includes(env), env);
    }
    assert.deepEqual(c.ports, [{ internal: 5432, external: 5433, ip: "127.0.0.1" }]);
    assert.deepEqual(c.networksAdvanced, [{ name: "platform-test", aliases: ["pg-pgbouncer"] }]);
    assert.equal(c.healthcheck.tests[1], "pg_isready");
    assert.deepEqual([c.memory, c.cpus], [128, "0.5"]);
    assert.deepEqual([c.user, c.capabilities, c.securityOpts], ["postgres", { drops: ["ALL"] }, ["no-new-privileges:true"]]);
  });

  it("runs no PgBouncer when the pooler is off and points clients at postgres", () => {
    assert.equal(ofType("docker:index/container:Container", "raw").map((r) => r.name).join(), "raw-postgres");
    assert.deepEqual([endpoints.raw.host, endpoints.raw.readHost], ["raw-postgres", "raw-postgres"]);
  });

  it("runs postgres_exporter beside a monitored database, as the observability stack's scrape target, with the connection string only as a secret", () => {
    const exporter = one("docker:index/container:Container", "watched-exporter");
    assert.equal(one("docker:index/remoteImage:RemoteImage", "watched-exporter-image").inputs.name, "prometheuscommunity/postgres-exporter:v0.20.0");
    assert.equal(exporter.inputs.name, "platform-test-watched-exporter");
    assert.deepEqual(exporter.inputs.networksAdvanced, [{ name: "platform-test", aliases: ["watched-exporter"] }]);
    assert.deepEqual([exporter.inputs.readOnly, exporter.inputs.user, exporter.inputs.capabilities, exporter.inputs.securityOpts], [true, "65534:65534", { drops: ["ALL"] }, ["no-new-privileges:true"]]);
    assert.ok(!exporter.inputs.ports?.length, "not published");
    assert.deepEqual(exporter.redactedInputs.envs, ["[secret]"]);
    const [dsn] = exporter.inputs.envs as string[];
    assert.match(dsn, /^DATA_SOURCE_NAME=postgresql:\/\/app:mock-secret-[^@]+@watched-pgbouncer:5432\/app\?sslmode=disable$/);
    assert.deepEqual(clusters.watched.metricsEndpoint, { host: "watched-exporter", port: 9187 });
    assert.equal(clusters.pg.metricsEndpoint, undefined, "no exporter without monitoring");
    assert.deepEqual(ofType("docker:index/container:Container", "pg").map((r) => r.name).sort(), ["pg-pgbouncer", "pg-postgres"]);
  });

  it("answers with PgBouncer for writes, postgres for reads, and sslmode=disable", () => {
    assert.deepEqual([endpoints.pg.host, endpoints.pg.readHost, endpoints.pg.port], ["pg-pgbouncer", "pg-postgres", 5432]);
    assert.match(endpoints.pg.connectionString, /^postgresql:\/\/app:[^@]+@pg-pgbouncer:5432\/app\?sslmode=disable$/);
  });
});

describe("PostgresCluster's managed and Docker backends, across targets", () => {
  it("creates every cloud and Docker resource with the platform's provider", () => {
    const providers = { aws: one("pulumi:providers:aws", "eks-aws").urn, gcp: one("pulumi:providers:gcp", "gke-gcp").urn, docker: one("pulumi:providers:docker", "local-docker").urn };
    const expected: Record<string, string> = { db: providers.aws, adb: providers.aws, sql: providers.gcp, pg: providers.docker, raw: providers.docker, watched: providers.docker };
    for (const [name, provider] of Object.entries(expected)) {
      const children = childrenOf(name).filter((r) => r.custom && r.type !== "random:index/randomPassword:RandomPassword");
      assert.ok(children.length >= 3, name);
      for (const r of children) assert.ok(r.provider?.startsWith(`${provider}::`), `${r.urn} has provider ${r.provider}`);
    }
  });

  it("protects and retains the data and keys in prod, and nothing in dev", () => {
    const stateful = [
      ["aws:kms/key:Key", "db-key"],
      ["aws:rds/instance:Instance", "db-rds"],
      ["aws:kms/key:Key", "adb-key"],
      ["aws:rds/cluster:Cluster", "adb-aurora"],
      ["aws:rds/clusterInstance:ClusterInstance", "adb-aurora-0"],
      ["gcp:sql/databaseInstance:DatabaseInstance", "sql-sql"],
      ["gcp:sql/database:Database", "sql-database"],
    ];
    for (const [type, name] of stateful) {
      const r = one(type, name);
      assert.deepEqual([r.protect, r.retainOnDelete], [true, true], `${type} ${name}`);
    }
    for (const r of [...childrenOf("devsql"), ...childrenOf("pg"), ...childrenOf("raw")]) {
      assert.deepEqual([r.protect, r.retainOnDelete], [false, false], r.urn);
    }
    assert.deepEqual([one("docker:index/volume:Volume", "pg-data").protect, one("aws:ec2/securityGroup:SecurityGroup", "db-sg").protect], [false, false]);
  });

  it("never puts a password in plaintext in any resource's inputs", () => {
    for (const r of program.resources) assert.ok(!JSON.stringify(r.redactedInputs).includes(MOCK_SECRET_PREFIX), `${r.urn} leaks a secret`);
    assert.equal(one("aws:rds/instance:Instance", "db-rds").redactedInputs.password, "[secret]");
    assert.equal(one("aws:rds/cluster:Cluster", "adb-aurora").redactedInputs.masterPassword, "[secret]");
  });

  it("passes the policy pack with zero mandatory violations, prod and dev each under its own environment tag", async () => {
    // The program holds both environments; each part is checked as a stack of its environment.
    const devRoots = ["gke-dev", "local", "devsql", "pg", "raw"].map((name) => program.resources.find((r) => !r.custom && r.name === name)!.urn);
    const byUrn = new Map(program.resources.map((r) => [r.urn, r]));
    const isDev = (r: CapturedResource | undefined): boolean => !!r && (devRoots.includes(r.urn) || isDev(r.parent ? byUrn.get(r.parent) : undefined));
    const dev = program.resources.filter((r) => isDev(r));
    const prod = program.resources.filter((r) => !isDev(r));
    assert.ok(prod.some((r) => r.name === "db-rds") && dev.some((r) => r.name === "devsql-sql") && !prod.some((r) => r.name === "pg-postgres"));
    for (const [environment, resources] of [["prod", prod], ["dev", dev]] as const) {
      const report = await runPolicies(rules, resources, {}, new Map([["environment", environment]]));
      assert.ok(!hasMandatoryViolations(report), `${environment}: ${JSON.stringify(report.violations.filter((v) => v.enforcementLevel === "mandatory"), null, 2)}`);
    }
  });
});

describe("the managed and Docker backends' decisions", () => {
  it("puts the RDS backup window at the schedule and maintenance two hours later, crossing into Monday", () => {
    assert.deepEqual(rdsBackupWindow("0 0 3 * * *"), { backupWindow: "03:00-04:00", maintenanceWindow: "sun:05:00-sun:06:00" });
    assert.deepEqual(rdsBackupWindow("0 30 23 * * *"), { backupWindow: "23:30-00:30", maintenanceWindow: "mon:01:30-mon:02:30" });
    assert.deepEqual(rdsBackupWindow("0 */5 * * * *"), rdsBackupWindow("0 0 3 * * *"), "a schedule that is not plain numbers falls back to 03:00");
  });

  it("always enforces TLS in the parameter group, whatever the user's parameters say", () => {
    const params = rdsParameters({ parameters: { "rds.force_ssl": "0", work_mem: "64MB" } }, "rds");
    assert.deepEqual(params.filter((p) => p.name === "rds.force_ssl"), [{ name: "rds.force_ssl", value: "1", applyMethod: "immediate" }]);
    assert.deepEqual(params[0], { name: "work_mem", value: "64MB", applyMethod: "pending-reboot" });
    assert.ok(!rdsParameters({ parameters: {} }, "aurora").some((p) => p.name === "log_min_duration_statement"));
    assert.deepEqual([rdsParameterFamily(16, "rds"), rdsParameterFamily(18, "aurora")], ["postgres16", "aurora-postgresql18"]);
  });

  it("pins an Aurora engine version for every supported major", () => {
    for (const major of [16, 17, 18]) assert.match(auroraEngineVersions[major], new RegExp(`^${major}\\.\\d+$`));
  });

  it("makes a valid final snapshot identifier from any component and stack name", () => {
    assert.equal(finalSnapshotIdentifier("db", "prod"), "db-prod-final");
    assert.equal(finalSnapshotIdentifier("1st_DB", "org/prod.eu"), "db-1st-db-org-prod-eu-final");
    assert.match(finalSnapshotIdentifier("a".repeat(300), "x"), /^[a-z][a-z0-9-]{0,254}$/);
    assert.doesNotMatch(finalSnapshotIdentifier("a".repeat(300), "x"), /--|-$/);
  });

  it("turns off PITR with backups, and moves late maintenance to Monday on Cloud SQL", () => {
    const spec = resolvePostgres("x", { backup: { enabled: false, schedule: "0 0 22 * * *" } }, { environment: "dev" });
    const settings = cloudSqlSettings(spec, "net") as Record<string, any>;
    assert.deepEqual(settings.backupConfiguration, { enabled: false, pointInTimeRecoveryEnabled: false });
    assert.deepEqual(settings.maintenanceWindow, { day: 1, hour: 2, updateTrack: "stable" });
    assert.equal(settings.availabilityType, "ZONAL");
    assert.equal(settings.insightsConfig.queryInsightsEnabled, true);
  });

  it("mounts PostgreSQL 18+ data at /var/lib/postgresql and older at /var/lib/postgresql/data", () => {
    assert.deepEqual([16, 17, 18, 19].map(postgresDataPath), ["/var/lib/postgresql/data", "/var/lib/postgresql/data", "/var/lib/postgresql", "/var/lib/postgresql"]);
  });

  it("publishes postgres itself only when there is no pooler and a host port is set", () => {
    const platform = { networkName: "net", publishAddress: "127.0.0.1" } as unknown as DockerPlatform;
    const withPooler = resolvePostgres("x", { docker: { hostPort: 6000 } }, { environment: "dev" });
    const withoutPooler = resolvePostgres("x", { docker: { hostPort: 6000 }, pooler: { enabled: false } }, { environment: "dev" });
    assert.deepEqual(postgresContainerArgs("x", withPooler, platform, "img", "vol", "pw").ports, []);
    assert.deepEqual(postgresContainerArgs("x", withoutPooler, platform, "img", "vol", "pw").ports, [{ internal: 5432, external: 6000, ip: "127.0.0.1" }]);
    assert.ok(pgbouncerEnvs("x", withPooler, "pw").includes("DB_HOST=x-postgres"));
  });
});
