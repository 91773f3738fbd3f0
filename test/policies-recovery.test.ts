/**
 * The disaster-recovery objectives: the derivation of each data store's RPO and RTO from its
 * resources (with the source of each figure), the `disaster-recovery-objectives` rule over
 * compliant fixtures and one mutation per way a store misses RPO 5 min / RTO 15 min, and the report
 * `npm run plan` prints and writes to its JSON.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { CapturedResource } from "../plan/capture";
import { runPolicies, type PolicyConfig } from "../plan/policy-runner";
import { recoveryReport, renderRecoveryReport } from "../plan/dr-report";
import { disasterRecoveryObjectives } from "../policies/rules";
import { cronPeriodSeconds, postgresDurationSeconds } from "../policies/rules/recovery-objectives";
import {
  auroraClusterInstance,
  compliantAuroraCluster,
  compliantBarmanObjectStore,
  compliantCloudSqlInstance,
  compliantCnpgCluster,
  compliantMemorystoreInstance,
  compliantRabbitmqCluster,
  compliantRdsInstance,
  compliantReplicationGroup,
  compliantScheduledBackup,
  compliantValkeyServer,
  compliantValkeySentinel,
  mutate,
  resource,
} from "./support/policy-fixtures";

const rule = disasterRecoveryObjectives;
// What a value not known until apply looks like to a policy during preview.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { unknownStringValue } = require("@pulumi/policy/proxy") as { unknownStringValue: string };
const LIMITS = "RPO 5 min / RTO 15 min";
const RESTORE_RTO = "RTO unknown (restore time depends on the data's size and no backend documents it: measure it with the restore drill (dr.drill))";
const LAG = "RPO 5 min (assumed: asynchronous replication: the lag is not bounded by the backend; budget of 300 s assumed, not enforced (no alert watches this store's lag))";

/** The Sentinel settings of the Valkey fixture `data/cache`, as the component's script carries them. */
function valkeyScripts(downAfterMs = 10_000, failoverTimeoutMs = 60_000): CapturedResource {
  return resource("kubernetes:core/v1:ConfigMap", "cache-scripts", {
    metadata: { name: "cache-scripts", namespace: "data", labels: { "app.kubernetes.io/name": "valkey", "app.kubernetes.io/instance": "cache" } },
    data: { "sentinel.sh": `sentinel down-after-milliseconds primary ${downAfterMs}\nsentinel failover-timeout primary ${failoverTimeoutMs}\n` },
  });
}

/** A Velero Schedule backing up the `data` namespace on `schedule`, with its pods' volumes unless `volumes` is false. */
function veleroSchedule(schedule: string, namespaces = ["data"], volumes = true): CapturedResource {
  const name = volumes ? "data-volumes" : "cluster-objects";
  return resource("kubernetes:velero.io/v1:Schedule", name, {
    apiVersion: "velero.io/v1",
    kind: "Schedule",
    metadata: { name, namespace: "velero" },
    spec: { schedule, template: { includedNamespaces: namespaces, snapshotVolumes: false, defaultVolumesToFsBackup: volumes, ttl: "720h0m0s" } },
  });
}

/** Every compliant store: RDS, Aurora, Cloud SQL, ElastiCache, Memorystore, CloudNativePG and Valkey. */
function compliantStores(): CapturedResource[] {
  const aurora = compliantAuroraCluster();
  return [
    compliantRdsInstance(),
    aurora,
    auroraClusterInstance("aurora-1", aurora),
    auroraClusterInstance("aurora-2", aurora),
    compliantCloudSqlInstance(),
    compliantReplicationGroup(),
    compliantMemorystoreInstance(),
    compliantCnpgCluster(),
    compliantBarmanObjectStore(),
    compliantScheduledBackup(),
    compliantValkeyServer(),
    valkeyScripts(),
  ];
}

async function messagesOf(resources: CapturedResource[], options: { config?: PolicyConfig; tags?: Record<string, string> } = {}) {
  const report = await runPolicies([rule], resources, options.config, new Map(Object.entries(options.tags ?? {})));
  for (const v of report.violations) assert.equal(v.enforcementLevel, "mandatory");
  return report.violations.map((v) => ({ message: v.message, urn: v.urn }));
}

describe("disaster-recovery-objectives", () => {
  it("passes every compliant store in prod, each by a failover", async () => {
    assert.deepEqual(await messagesOf(compliantStores()), []);
    const methods = recoveryReport(compliantStores()).stores.map((s) => [s.store, s.primaryLoss?.method, s.meetsTargets]);
    assert.deepEqual(methods, [
      ["postgres", "failover to the Multi-AZ standby", true],
      ["aurora", "Aurora failover to a reader", true],
      ["postgres", "failover to the regional standby", true],
      ["redis", "Multi-AZ failover to a replica", true],
      ["redis", "automatic failover to the replica", true],
      ["data/app-db", "CloudNativePG failover to a replica", true],
      ["data/cache", "Sentinel failover to a replica", true],
    ]);
  });

  const cases: { name: string; resources: () => CapturedResource[]; store: string; message: string; config?: PolicyConfig }[] = [
    {
      name: "a 1-hour WAL archive timeout is the only backup of a single-instance CloudNativePG Cluster",
      resources: () => [mutate(compliantCnpgCluster(), (i) => { i.spec.instances = 1; i.spec.postgresql.parameters = { archive_timeout: "1h" }; })],
      store: "data/app-db",
      message: `point-in-time restore from the WAL archive: RPO 60 min (archive_timeout 1h: a WAL segment is archived at least this often), ${RESTORE_RTO}`,
    },
    {
      name: "an hourly Velero Schedule is the only backup of a single Valkey server",
      resources: () => [mutate(compliantValkeyServer(), (i) => { i.spec.replicas = 1; }), valkeyScripts(), veleroSchedule("0 * * * *")],
      store: "data/cache",
      message: `restore of the volumes from Velero Schedule "velero/data-volumes": RPO 60 min (Velero Schedule "velero/data-volumes" every 60 min ("0 * * * *"), a crash-consistent copy (no hooks)), ${RESTORE_RTO}`,
    },
    {
      name: "an RDS instance without Multi-AZ recovers only by a point-in-time restore",
      resources: () => [mutate(compliantRdsInstance(), (i) => { i.multiAz = false; })],
      store: "postgres",
      message: `point-in-time restore: RPO 5 min (RDS uploads transaction logs to S3 every 5 minutes), ${RESTORE_RTO}`,
    },
    {
      name: "an Aurora cluster has a writer and no reader to fail over to",
      resources: () => {
        const aurora = compliantAuroraCluster();
        return [aurora, auroraClusterInstance("aurora-1", aurora)];
      },
      store: "aurora",
      message: `re-creation of the primary instance (no reader): RPO 0 s (the cluster volume keeps six copies of the data across three zones), RTO unknown (Aurora re-creates the only instance on a best-effort basis, in minutes; add a reader ClusterInstance (1 instance here))`,
    },
    {
      name: "a single-node ElastiCache group keeps only its daily snapshot",
      resources: () => [mutate(compliantReplicationGroup(), (i) => { i.numCacheClusters = 1; i.automaticFailoverEnabled = false; i.multiAzEnabled = false; })],
      store: "redis",
      message: `restore of the daily snapshot: RPO 1440 min (one automatic snapshot a day (window chosen by AWS)), ${RESTORE_RTO}`,
    },
    {
      name: "a Basic Memorystore instance keeps an hourly RDB snapshot",
      resources: () => [mutate(compliantMemorystoreInstance(), (i) => { i.tier = "BASIC"; i.persistenceConfig = { persistenceMode: "RDB", rdbSnapshotPeriod: "ONE_HOUR" }; })],
      store: "redis",
      message: `recovery from the RDB snapshot: RPO 60 min (RDB snapshot every 1 h (persistenceConfig.rdbSnapshotPeriod)), ${RESTORE_RTO}`,
    },
    {
      name: "Sentinel timers slower than the RTO",
      resources: () => [compliantValkeyServer(), valkeyScripts(600_000, 600_000)],
      store: "data/cache",
      message: `Sentinel failover to a replica: ${LAG}, RTO 20 min (Sentinel down-after-milliseconds 600000 + failover-timeout 600000 (the worst case))`,
    },
    {
      name: "a CloudNativePG failoverDelay that pushes the derived failover time past the RTO",
      resources: () => [mutate(compliantCnpgCluster(), (i) => { i.spec.failoverDelay = 900; })],
      store: "data/app-db",
      message:
        "CloudNativePG failover to a replica: RPO 5 min (assumed: asynchronous streaming replication: the lag is not bounded by the backend; budget of 300 s assumed, not enforced (no alert watches this store's lag)), RTO 16.3 min (derived, not documented by CloudNativePG: spec.failoverDelay 900 s + liveness timeout 30 s + 50 s until a lost node is NotReady (node-monitor-grace-period), then the promotion)",
    },
    {
      name: "a replica lag budget above the RPO",
      resources: () => [compliantCnpgCluster()],
      config: { "disaster-recovery-objectives": { replicaLagBudgetSeconds: 600 } },
      store: "data/app-db",
      message:
        "CloudNativePG failover to a replica: RPO 10 min (assumed: asynchronous streaming replication: the lag is not bounded by the backend; budget of 600 s assumed, not enforced (no alert watches this store's lag)), RTO 80 s (derived, not documented by CloudNativePG: spec.failoverDelay 0 s + liveness timeout 30 s + 50 s until a lost node is NotReady (node-monitor-grace-period), then the promotion)",
    },
  ];
  for (const c of cases) {
    it(`fails prod when ${c.name}, naming the store and the figure`, async () => {
      const resources = c.resources();
      const subject = resources[0];
      assert.deepEqual(await messagesOf(resources, { config: c.config }), [{ message: `Data store "${c.store}" exceeds ${LIMITS}: its best recovery is ${c.message}.`, urn: subject.urn }]);
      assert.deepEqual(await messagesOf(resources, { config: c.config, tags: { environment: "dev" } }), [], "dev is not held to the objectives");
    });
  }

  it("marks every asynchronous replica's RPO as an assumed budget, citing the lag alert only where the stack has one", () => {
    const lagAlert = resource("kubernetes:monitoring.coreos.com/v1:PrometheusRule", "observability-rules", {
      metadata: { name: "platform-alerts", namespace: "monitoring" },
      spec: { groups: [{ name: "platform-postgres", rules: [{ alert: "PostgresReplicationLagCritical", expr: "max by (namespace, pod) (cnpg_pg_replication_lag) > 300", labels: { alertfamily: "PostgresReplicationLag", severity: "critical" } }] }] },
    });
    const sources = (resources: CapturedResource[]) => recoveryReport(resources).stores.map((s) => [s.store, s.primaryLoss?.rpo.source]);
    const unbounded = (what: string) => `assumed: asynchronous ${what}: the lag is not bounded by the backend; budget of 300 s assumed, not enforced (no alert watches this store's lag)`;
    assert.deepEqual(sources([compliantReplicationGroup(), compliantMemorystoreInstance(), compliantValkeyServer(), valkeyScripts(), compliantCnpgCluster(), lagAlert]), [
      ["redis", unbounded("replication")],
      ["redis", unbounded("replication")],
      ["data/cache", unbounded("replication")],
      ["data/app-db", "asynchronous streaming replication: the lag is not bounded by the backend; budget of 300 s assumed, watched (not enforced) by the PostgresReplicationLagCritical alert"],
    ]);
    assert.deepEqual(sources([compliantCnpgCluster()]), [["data/app-db", unbounded("streaming replication")]], "no alert in the stack, none cited");
  });

  it("takes Sentinel's defaults (30 s + 180 s) when the stack runs Sentinels but shows no settings", () => {
    const [store] = recoveryReport([compliantValkeyServer(), compliantValkeySentinel()]).stores;
    assert.deepEqual([store.primaryLoss?.rto.seconds, store.primaryLoss?.rto.source], [210, "Sentinel down-after-milliseconds 30000 + failover-timeout 180000 (the worst case, Sentinel's defaults)"]);
    assert.deepEqual(recoveryReport([compliantValkeyServer()]).stores[0].paths, [], "no Sentinel, no settings: no failover");
  });

  /** A Global Datastore over `primary` and its secondary in eu-central-1, linked as the program links them (by dependency). */
  function globalDatastore(primary: CapturedResource): CapturedResource[] {
    const global = { ...resource("aws:elasticache/globalReplicationGroup:GlobalReplicationGroup", "redis-global", { globalReplicationGroupIdSuffix: "redis", primaryReplicationGroupId: "redis-id" }), dependencies: [primary.urn] };
    const secondary = { ...resource("aws:elasticache/replicationGroup:ReplicationGroup", "redis-dr", { region: "eu-central-1", globalReplicationGroupId: "ldgnf-redis", numCacheClusters: 2 }), dependencies: [global.urn] };
    return [global, secondary];
  }

  it("judges a store by its primary loss: a cross-region copy's figures do not rescue it, and do not fail it", async () => {
    const single = mutate(compliantReplicationGroup(), (i) => { i.numCacheClusters = 1; i.automaticFailoverEnabled = false; i.multiAzEnabled = false; });
    const cases: [string, CapturedResource[], string[]][] = [
      ["a single node with a Global Datastore secondary", [single, ...globalDatastore(single)], [`Data store "redis" exceeds ${LIMITS}: its best recovery is restore of the daily snapshot: RPO 1440 min (one automatic snapshot a day (window chosen by AWS)), ${RESTORE_RTO}.`]],
      ["a Multi-AZ group with a Global Datastore secondary", [compliantReplicationGroup(), ...globalDatastore(compliantReplicationGroup())], []],
    ];
    for (const [name, resources, messages] of cases) {
      assert.deepEqual((await messagesOf(resources)).map((m) => m.message), messages, name);
      const [store] = recoveryReport(resources).stores;
      assert.deepEqual(store.regionLoss.map((p) => [p.rpo.seconds, p.rto.seconds]), [[1, 60]], `${name}: the secondary is a region-loss path`);
      assert.equal(recoveryReport(resources).stores.length, 1, `${name}: the secondary is no store of its own`);
    }
  });

  it("fails a store with no standby and no backup at all", async () => {
    const bare = mutate(compliantReplicationGroup(), (i) => { i.numCacheClusters = 1; i.automaticFailoverEnabled = false; i.snapshotRetentionLimit = 0; });
    assert.deepEqual(await messagesOf([bare]), [
      { message: `Data store "redis" has no way to recover from the loss of its primary (no standby, replica or backup); it must meet ${LIMITS}.`, urn: bare.urn },
    ]);
  });

  it("still judges every store when a value is not known yet (preview): a replica of a new source is a replica", async () => {
    const replica = mutate(compliantRdsInstance(), (i) => { i.replicateSourceDb = unknownStringValue; i.multiAz = false; i.backupRetentionPeriod = 0; });
    const primary = mutate(compliantRdsInstance(), (i) => (i.kmsKeyId = unknownStringValue));
    assert.deepEqual(await messagesOf([{ ...primary, name: "primary", urn: `${primary.urn}-primary` }, { ...replica, name: "replica", urn: `${replica.urn}-replica` }]), []);
    const single = mutate(compliantRdsInstance(), (i) => { i.multiAz = unknownStringValue; });
    assert.deepEqual((await messagesOf([single])).map((v) => v.message.slice(0, 45)), ['Data store "postgres" exceeds RPO 5 min / RTO']);
  });

  it("judges a read replica and a restore drill by their primary, not as stores of their own", () => {
    const replica = mutate(compliantRdsInstance(), (i) => { i.replicateSourceDb = "postgres"; i.multiAz = false; i.backupRetentionPeriod = 0; });
    const drill = mutate(compliantCnpgCluster(), (i) => { i.metadata.name = "app-db-drill"; i.metadata.labels = { "platform.acme.io/restore-drill": "true" }; i.spec.instances = 1; });
    assert.deepEqual(recoveryReport([{ ...replica, name: "replica", urn: `${replica.urn}-replica` }, drill]).stores, []);
  });
});

describe("the recovery report", () => {
  it("lists the region-loss path of an RDS instance whose backups are replicated to the DR region", () => {
    const instance = compliantRdsInstance();
    const copy = { ...resource("aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication", "postgres-dr-backups", { region: "eu-central-1", retentionPeriod: 30 }), dependencies: [instance.urn] };
    const [store] = recoveryReport([instance, copy]).stores;
    assert.deepEqual(store.regionLoss.map((p) => p.method), ["point-in-time restore from the backups replicated to the DR region"]);
    const text = renderRecoveryReport(recoveryReport([instance, copy]));
    assert.match(text, /ok {3}postgres: RPO 0 s, RTO 2 min by failover to the Multi-AZ standby/);
    assert.match(text, /region loss: RPO unknown, RTO unknown by point-in-time restore from the backups replicated to the DR region/);
    assert.match(renderRecoveryReport(recoveryReport([instance])), /region loss: not covered \(set dr\.region on EKS and GKE, dr\.bucket on k3s\)/);
  });

  it("names Docker's data-store containers with no recovery path, and none of the other containers", () => {
    const labels = (name: string, component?: string) => [{ label: "app.kubernetes.io/name", value: name }, ...(component ? [{ label: "app.kubernetes.io/component", value: component }] : [])];
    const containers = [
      resource("docker:index/container:Container", "postgres-postgres", { name: "dev-postgres", labels: labels("postgresql", "database") }),
      resource("docker:index/container:Container", "postgres-pgbouncer", { name: "dev-pgbouncer", labels: labels("postgresql", "pooler") }),
      resource("docker:index/container:Container", "redis-container", { name: "dev-redis", labels: labels("valkey") }),
      resource("docker:index/container:Container", "queue-container", { name: "dev-queue", labels: labels("rabbitmq", "message-queue") }),
      resource("docker:index/container:Container", "grafana", { name: "dev-grafana", labels: labels("grafana", "observability") }),
    ];
    const stores = recoveryReport(containers).stores;
    assert.deepEqual(stores.map((s) => [s.store, s.primaryLoss]), [["dev-postgres", null], ["dev-redis", null], ["dev-queue", null]]);
    assert.match(renderRecoveryReport(recoveryReport(containers)), /FAIL dev-postgres: no recovery path/);
  });

  it("counts a Velero Schedule as a restore path only when it copies the volumes, and notes one that copies objects only", () => {
    const single = mutate(compliantValkeyServer(), (i) => { i.spec.replicas = 1; });
    const withVolumes = recoveryReport([single, veleroSchedule("0 * * * *")]).stores[0];
    assert.deepEqual([withVolumes.paths.map((p) => p.method), withVolumes.notes], [['restore of the volumes from Velero Schedule "velero/data-volumes"'], []]);
    const objectsOnly = recoveryReport([single, veleroSchedule("0 * * * *", ["*"], false)]);
    assert.deepEqual(objectsOnly.stores[0].paths, [], "a copy of the objects restores no data");
    assert.equal(objectsOnly.stores[0].notes.length, 1);
    assert.match(objectsOnly.stores[0].notes[0], /"velero\/cluster-objects"\) backs up this store's Kubernetes objects only.*hostPath/);
    assert.match(renderRecoveryReport(objectsOnly), /FAIL data\/cache: no recovery path\n(.*\n)* {9}note: Velero \("velero\/cluster-objects"\)/);
  });

  it("holds the broker's RPO of 0 for quorum queues only, and names its classic queues", () => {
    const queue = (name: string, type: string) =>
      resource("kubernetes:rabbitmq.com/v1beta1:Queue", `queue-${name}`, { metadata: { name: `queue-${name}`, namespace: "data" }, spec: { name, type, rabbitmqClusterReference: { name: "queue" } } });
    const [quorumOnly] = recoveryReport([compliantRabbitmqCluster(), queue("orders", "quorum")]).stores;
    assert.deepEqual([quorumOnly.primaryLoss?.rpo.seconds, quorumOnly.notes], [0, []]);
    assert.match(quorumOnly.primaryLoss!.rpo.source, /for quorum queues only/);
    const [mixed] = recoveryReport([compliantRabbitmqCluster(), queue("orders", "quorum"), queue("urgent", "classic")]).stores;
    assert.equal(mixed.notes.length, 1);
    assert.match(mixed.notes[0], /^classic queue "urgent" \(non-durable or with priorities\) live on one node/);
  });

  it("is printed by the plan and written to its JSON, with the DR region's pieces when dr is set", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dr-report-"));
    const json = path.join(dir, "plan.json");
    const run = spawnSync(
      process.execPath,
      ["--import", "tsx", "plan/cli.ts", "--stack", "prod", "--config", 'platform:dr={"region":"eu-central-1"}', "--json", json, "--quiet"],
      { cwd: path.resolve(__dirname, ".."), encoding: "utf8" },
    );
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /Disaster recovery \(targets: RPO 5 min, RTO 15 min\):\n {2}ok {3}redis-replication-group/);
    const plan = JSON.parse(fs.readFileSync(json, "utf8"));
    const postgres = plan.recovery.stores.find((s: { store: string }) => s.store === "postgres-rds");
    assert.deepEqual([postgres.meetsTargets, postgres.primaryLoss.method, postgres.primaryLoss.rto.seconds], [true, "failover to the Multi-AZ standby", 120]);
    assert.deepEqual(postgres.regionLoss.map((p: { method: string }) => p.method), ["point-in-time restore from the backups replicated to the DR region", "promotion of the cross-region read replica in eu-central-1"]);
    const copy = plan.resources.find((r: { type: string }) => r.type === "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication");
    assert.deepEqual([copy.inputs.region, copy.inputs.retentionPeriod], ["eu-central-1", 30]);
  });
});

describe("the figures' parsers", () => {
  const periods: [string, number | undefined][] = [
    ["0 0 3 * * *", 86_400],
    ["*/5 * * * *", 300],
    ["0 * * * *", 3600],
    ["0 9 * * 1-5", 3 * 86_400],
    ["not a schedule", undefined],
    // Longer than the two weeks first measured: the longest gap over a year of runs.
    ["0 0 1 * *", 31 * 86_400],
    ["0 0 1 1 *", 366 * 86_400],
    ["0 0 29 2 *", 4 * 365 * 86_400 + 86_400],
    // Never fires (April has 30 days): no period, so no backup to count on.
    ["0 0 31 4 *", undefined],
  ];
  for (const [schedule, seconds] of periods) it(`takes "${schedule}" as ${seconds ?? "no"} seconds between runs at most`, () => assert.equal(cronPeriodSeconds(schedule), seconds));

  const durations: [string, number | undefined][] = [["5min", 300], ["300", 300], ["1h", 3600], ["500ms", 0.5], ["soon", undefined]];
  for (const [value, seconds] of durations) it(`reads archive_timeout "${value}" as ${seconds ?? "nothing"}`, () => assert.equal(postgresDurationSeconds(value), seconds));
});
