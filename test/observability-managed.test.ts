/**
 * Managed data stores in the alerting path: the exporters' metric naming (against examples the
 * exporters document), the services' default `max_connections`, the least-privilege identities,
 * and which stacks deploy which exporter. Whether each alert fires at its level is proven by
 * promtool (test/promtool.test.ts).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cloudwatchExporterConfig, cloudwatchLabel, cloudwatchSeries, defaultMaxConnections, instanceMemoryGiB, managedRuleGroups, stackdriverPrefixes, stackdriverSeries } from "../components/observability/managed";
import { cloudwatchReadPolicy, stackdriverAccountId, stackdriverExporterValues } from "../components/observability/exporters";
import { observabilityDefaults } from "../components/observability/spec";
import { managedDataStores } from "../stacks/compose";

describe("the exporters' metric names", () => {
  it("match the names the exporters document", () => {
    // cloudwatch_exporter's README: `aws_elb_request_count_sum`; its chart's example label `dbinstance_identifier`.
    assert.equal(cloudwatchSeries("AWS/ELB", "RequestCount", "Sum"), "aws_elb_request_count_sum");
    assert.equal(cloudwatchSeries("AWS/RDS", "DatabaseConnections", "Maximum"), "aws_rds_database_connections_maximum");
    assert.equal(cloudwatchSeries("AWS/AmazonMQ", "RabbitMQMemUsed", "Maximum"), "aws_amazonmq_rabbit_mqmem_used_maximum");
    assert.equal(cloudwatchLabel("DBInstanceIdentifier"), "dbinstance_identifier");
    assert.equal(cloudwatchLabel("CacheClusterId"), "cache_cluster_id");
    // stackdriver_exporter's README: `stackdriver_gce_instance_compute_googleapis_com_instance_cpu_utilization`.
    assert.equal(stackdriverSeries("gce_instance", "compute.googleapis.com/instance/cpu/utilization"), "stackdriver_gce_instance_compute_googleapis_com_instance_cpu_utilization");
  });
});

describe("defaultMaxConnections", () => {
  const cases: [Parameters<typeof defaultMaxConnections>[0], string, number | undefined][] = [
    // LEAST({DBInstanceClassMemory/9531392}, 5000) on the nominal memory.
    ["rds", "db.r7g.large", 1802],
    ["rds", "db.t4g.medium", 450],
    ["aurora", "db.r7g.4xlarge", 5000],
    ["rds", "db.weird", undefined],
    // Cloud SQL's quotas table, by the tier's memory.
    ["cloudsql", "db-custom-1-3840", 100],
    ["cloudsql", "db-custom-2-7680", 400],
    // Enterprise Plus N2: 8 GB per vCPU, so 16 GB: 500 on the quotas table (15 to 30 GB).
    ["cloudsql", "db-perf-optimized-N-2", 500],
    ["cloudsql", "db-custom-8-30720", 600],
    ["cloudsql", "db-f1-micro", undefined],
  ];
  for (const [service, machine, expected] of cases) it(`${service} ${machine} → ${expected}`, () => assert.equal(defaultMaxConnections(service, machine), expected));

  it("reads an instance class's memory from its family and size", () => {
    assert.deepEqual(["db.r7g.large", "db.m6i.xlarge", "db.r6g.2xlarge", "db.t4g.micro", "db.x2g.large"].map(instanceMemoryGiB), [16, 16, 64, 1, 32]);
  });
});

describe("the managed stores of each stack", () => {
  const base = { environment: "prod" as const, services: [] };
  it("are RDS and ElastiCache on EKS, Cloud SQL and Memorystore on GKE, none on k3s or Docker", () => {
    const managed = { postgres: { mode: "managed" as const }, redis: { mode: "managed" as const } };
    assert.deepEqual(managedDataStores({ ...base, target: "eks", ...managed }), { postgres: { service: "rds", maxConnections: 1802, memoryGiB: 16, storageGiB: 20 }, redis: { service: "elasticache" } });
    assert.deepEqual(managedDataStores({ ...base, target: "gke", ...managed }), { postgres: { service: "cloudsql", maxConnections: 500 }, redis: { service: "memorystore" } });
    assert.deepEqual(managedDataStores({ ...base, target: "k3s", ...managed }), {});
    assert.deepEqual(managedDataStores({ ...base, target: "eks" }), {}, "in-cluster by default");
  });

  it("take max_connections from postgres.parameters when it is set", () => {
    const stores = managedDataStores({ ...base, target: "eks", postgres: { mode: "managed", parameters: { max_connections: "250" } } });
    assert.equal(stores.postgres?.maxConnections, 250);
  });

  it("watch Amazon MQ only when the broker is managed", () => {
    assert.deepEqual(managedDataStores({ ...base, target: "eks", messageQueue: { mode: "managed" } }).messageQueue, { service: "amazonmq" });
  });
});

describe("the exporters' configuration and identity", () => {
  it("gives each stack's Stackdriver exporter its own Google service account id, and keeps the shipped prod stack's", () => {
    assert.equal(stackdriverAccountId("platform", "prod"), "stackdriver-exporter", "the account of the shipped GKE stack is not replaced");
    const ids = [stackdriverAccountId("platform", "staging"), stackdriverAccountId("platform", "qa"), stackdriverAccountId("billing", "staging")];
    assert.equal(new Set(ids).size, 3, "two stacks sharing a Google Cloud project get two accounts");
    // Google's rule for account ids: 6–30 characters, a lower-case letter first, no hyphen last.
    for (const id of ids) assert.match(id, /^[a-z][-a-z0-9]{4,28}[a-z0-9]$/);
    assert.equal(stackdriverAccountId("platform", "staging"), stackdriverAccountId("platform", "staging"), "stable across runs");
  });

  it("asks CloudWatch only for the managed stores' metrics, by their one dimension", () => {
    const config = cloudwatchExporterConfig("eu-west-1", { postgres: { service: "rds" } }) as { region: string; metrics: { aws_namespace: string; aws_dimensions: string[] }[] };
    assert.equal(config.region, "eu-west-1");
    assert.equal((config as { list_metrics_cache_ttl?: number }).list_metrics_cache_ttl, 600, "ListMetrics once per 10 minutes, not on every scrape");
    assert.deepEqual([...new Set(config.metrics.map((m) => m.aws_namespace))], ["AWS/RDS"]);
    assert.ok(config.metrics.every((m) => m.aws_dimensions.length === 1 && m.aws_dimensions[0] === "DBInstanceIdentifier"));
    assert.deepEqual(cloudwatchExporterConfig("eu-west-1", {}).metrics, []);
  });

  it("asks for Amazon MQ's RabbitMQ node metrics by Broker and Node, and its broker metrics by Broker (the exporter drops a point whose dimension set differs)", () => {
    const config = cloudwatchExporterConfig("eu-west-1", { messageQueue: { service: "amazonmq" } }) as { metrics: { aws_metric_name: string; aws_dimensions: string[] }[] };
    const dims = Object.fromEntries(config.metrics.map((m) => [m.aws_metric_name, m.aws_dimensions]));
    // https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/rabbitmq-logging-monitoring.html
    for (const node of ["RabbitMQMemUsed", "RabbitMQMemLimit", "RabbitMQDiskFree", "RabbitMQDiskFreeLimit"]) assert.deepEqual(dims[node], ["Broker", "Node"], node);
    for (const broker of ["MessageCount", "MessageUnacknowledgedCount", "ConsumerCount"]) assert.deepEqual(dims[broker], ["Broker"], broker);
  });

  it("grants the CloudWatch exporter read actions only", () => {
    const actions: string[] = JSON.parse(cloudwatchReadPolicy()).Statement.flatMap((s: { Action: string[] }) => s.Action);
    assert.deepEqual(actions.sort(), ["cloudwatch:GetMetricStatistics", "cloudwatch:ListMetrics"]);
  });

  it("points the Stackdriver exporter at the project and the stores' metric types, acting as its Google service account", () => {
    const values = stackdriverExporterValues("acme", { postgres: { service: "cloudsql" } }, "monitoring", "sa@acme.iam.gserviceaccount.com") as any;
    assert.deepEqual(values.stackdriver.projectIds, ["acme"]);
    assert.deepEqual(values.stackdriver.metrics.prefixes, stackdriverPrefixes({ postgres: { service: "cloudsql" } }));
    assert.ok(values.stackdriver.metrics.prefixes.every((p: string) => p.startsWith("cloudsql.googleapis.com/")));
    assert.equal(values.serviceAccount.annotations["iam.gke.io/gcp-service-account"], "sa@acme.iam.gserviceaccount.com");
  });

  it("leaves out the connection alert when max_connections is unknown, and keeps the rest", () => {
    const names = managedRuleGroups({ postgres: { service: "cloudsql" } }, observabilityDefaults.thresholds).flatMap((g) => g.rules.map((r) => ("alert" in r ? r.alert : r.record)));
    assert.ok(!names.some((n) => n.startsWith("ManagedPostgresConnections")));
    assert.ok(names.includes("ManagedPostgresReplicationLagCritical") && names.includes("StackdriverExporterErrors"));
  });
});
