/**
 * Least privilege per service (issue 17), on the shipped stacks planned through the CLI: which
 * Secrets each service's pods read, the per-service database roles and broker users with their
 * permissions (validated against the upstream CRDs), the cloud identities of `cloudIdentity`, and
 * no plaintext credential anywhere in the plan file.
 *
 * Needs `npm run build` (the CLI runs from dist/).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { brokerPermissions, clientRoleName, managedRoles, postgresClientProblems, workloadAccountId } from "../components";
import { MOCK_SECRET_PREFIX } from "../plan/mocks";
import { crdSchemaErrors, crdSkipReason } from "./support/crd-schema";
import { runPlan, STACK_VARIANTS, type PlanRun } from "./support/stack-variants";
import { serviceBrokerSecret, serviceSecretEnv, storeClients, type DataStores } from "../stacks/access";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "service-access-"));
const POLICY = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["s3:GetObject"], Resource: "arn:aws:s3:::orders-exports/*" }] };
/** The shipped services, the worker with a cloud identity for both clouds (each target reads its own part). */
const withIdentity = (target: "eks" | "gke") => {
  const podinfo = { name: "podinfo", image: "ghcr.io/stefanprodan/podinfo:6.9.2", port: 9898, replicas: 3, probes: { readinessPath: "/readyz", livenessPath: "/healthz" }, uses: { postgres: true, redis: true, queues: ["orders"] } };
  const worker = {
    name: "orders-worker",
    image: "ghcr.io/stefanprodan/podinfo:6.9.2",
    port: 9898,
    worker: true,
    probes: { readinessPath: "/readyz", livenessPath: "/healthz" },
    uses: { postgres: true, queues: ["orders"] },
    cloudIdentity: { aws: { policy: POLICY }, gcp: { roles: ["roles/storage.objectViewer"] } },
  };
  return ["--stack", "prod", "--config", `platform:target=${target}`, "--config", `platform:services=${JSON.stringify([podinfo, worker])}`];
};
const VARIANTS: Record<string, readonly string[]> = {
  dev: STACK_VARIANTS.dev,
  prod: STACK_VARIANTS.prod,
  "prod-gke": STACK_VARIANTS["prod-gke"],
  onprem: STACK_VARIANTS.onprem,
  "onprem-nats": STACK_VARIANTS["onprem-nats"],
  "prod-identity": withIdentity("eks"),
  "prod-gke-identity": withIdentity("gke"),
};
const runs: Record<string, PlanRun> = {};

before(async () => {
  const ids = Object.keys(VARIANTS);
  const results = await Promise.all(ids.map((id) => runPlan(tmp, id, VARIANTS[id])));
  ids.forEach((id, i) => (runs[id] = results[i]));
});

type Resource = NonNullable<PlanRun["plan"]>["resources"][number];
const resources = (id: string): Resource[] => {
  assert.equal(runs[id].code, 0, `${id}: ${runs[id].stderr}`);
  return runs[id].plan!.resources;
};
const inputs = (r: Resource) => r.inputs as any;
const ofType = (id: string, type: string) => resources(id).filter((r) => r.type === type);

/** The Secrets a workload's pods read, by variable: from env `secretKeyRef` (Kubernetes). */
function secretsRead(id: string, service: string): Record<string, string> {
  const deployment = ofType(id, "kubernetes:apps/v1:Deployment").find((r) => r.name === `${service}-deployment`);
  assert.ok(deployment, `${id}: ${service} has a Deployment`);
  const env = inputs(deployment).spec.template.spec.containers[0].env as { name: string; valueFrom?: { secretKeyRef?: { name: string } } }[];
  return Object.fromEntries(env.filter((e) => e.valueFrom?.secretKeyRef).map((e) => [e.name, e.valueFrom!.secretKeyRef!.name]));
}

describe("per-service Secrets", () => {
  // The expected Secrets are written out from the shipped stacks' `uses`, not read from the plan.
  const cases: [id: string, service: string, expected: Record<string, string>][] = [
    ["onprem", "podinfo", { DATABASE_URL: "podinfo-postgres", REDIS_URL: "podinfo-redis", REDIS_CA_CERT: "redis-ca", AMQP_URL: "podinfo-queue", AMQP_CA_CERT: "queue-ca" }],
    ["onprem", "orders-worker", { DATABASE_URL: "orders-worker-postgres", AMQP_URL: "orders-worker-queue", AMQP_CA_CERT: "queue-ca" }],
    ["prod", "podinfo", { DATABASE_URL: "podinfo-postgres", REDIS_URL: "podinfo-redis", AMQP_URL: "podinfo-queue", AMQP_CA_CERT: "queue-ca" }],
    ["prod", "orders-worker", { DATABASE_URL: "orders-worker-postgres", AMQP_URL: "orders-worker-queue", AMQP_CA_CERT: "queue-ca" }],
    // Memorystore's CA rides in the connection Secret: the service reads its own copy.
    ["prod-gke", "podinfo", { DATABASE_URL: "podinfo-postgres", REDIS_URL: "podinfo-redis", REDIS_CA_CERT: "podinfo-redis", AMQP_URL: "podinfo-queue", AMQP_CA_CERT: "queue-ca" }],
    ["prod-gke", "orders-worker", { DATABASE_URL: "orders-worker-postgres", AMQP_URL: "orders-worker-queue", AMQP_CA_CERT: "queue-ca" }],
    ["onprem-nats", "orders-worker", { DATABASE_URL: "orders-worker-postgres", NATS_URL: "orders-worker-queue", NATS_CA_CERT: "queue-ca" }],
  ];
  for (const [id, service, expected] of cases) {
    it(`${id}: ${service} reads exactly ${Object.keys(expected).join(", ")}`, () => {
      assert.deepEqual(secretsRead(id, service), expected);
    });
  }

  it("puts each service's Secret in the services' namespace, with its own keys, and no shared Secret in any Deployment", () => {
    for (const id of ["onprem", "prod", "prod-gke"]) {
      const secrets = ofType(id, "kubernetes:core/v1:Secret");
      for (const name of ["podinfo-postgres", "podinfo-redis", "podinfo-queue", "orders-worker-postgres", "orders-worker-queue"]) {
        const secret = secrets.find((s) => inputs(s).metadata.name === name);
        assert.ok(secret, `${id}: ${name}`);
        assert.equal(inputs(secret).metadata.namespace, "apps", `${id}: ${name}`);
        assert.equal(inputs(secret).stringData, "[secret]", `${id}: ${name} is redacted`);
      }
      assert.ok(!secrets.some((s) => inputs(s).metadata.name === "orders-worker-redis"), `${id}: the worker uses no Redis, so it has no Redis Secret`);
      for (const service of ["podinfo", "orders-worker"]) {
        for (const secret of Object.values(secretsRead(id, service))) assert.ok(!secret.endsWith("-connection"), `${id}: ${service} reads the shared ${secret}`);
      }
    }
  });

  it("hands each Docker container only its own stores' URLs", () => {
    const containers = ofType("dev", "docker:index/container:Container");
    const envNames = (name: string) => (inputs(containers.find((c) => c.name === `${name}-container`)!).envs as string[]).map((e) => (e === "[secret]" ? e : e.split("=")[0]));
    const podinfo = envNames("podinfo");
    const worker = envNames("orders-worker");
    // Secret entries are redacted whole: count them. podinfo: DATABASE_URL, REDIS_URL, AMQP_URL; the worker: DATABASE_URL, AMQP_URL.
    assert.equal(podinfo.filter((e) => e === "[secret]").length, 3, podinfo.join(" "));
    assert.equal(worker.filter((e) => e === "[secret]").length, 2, worker.join(" "));
  });
});

describe("the clients of each store, from uses", () => {
  const svc = (name: string, uses?: Record<string, unknown>) => ({ name, image: "ghcr.io/stefanprodan/podinfo:6.9.2", port: 9898, ...(uses ? { uses } : {}) });
  const table: [what: string, config: Parameters<typeof storeClients>[0], postgres: string[], redis: string[], queue: [string, string[]][]][] = [
    ["the shipped services", { services: [svc("podinfo", { postgres: true, redis: true, queues: ["orders"] }), svc("orders-worker", { postgres: true, queues: ["orders"] })] }, ["podinfo", "orders-worker"], ["podinfo"], [["podinfo", ["orders"]], ["orders-worker", ["orders"]]]],
    ["a service that declares nothing", { services: [svc("api")] }, [], [], []],
    ["a disabled store has no clients", { services: [svc("api", { postgres: true, redis: true })], redis: { enabled: false } }, ["api"], [], []],
    ["a disabled broker has no clients", { services: [svc("api", { queues: ["jobs"] })], messageQueue: { enabled: false } }, [], [], []],
    ["no services: the demo service uses nothing", {}, [], [], []],
  ];
  for (const [what, config, postgres, redis, queue] of table) {
    it(what, () => {
      const clients = storeClients(config as never, "apps");
      assert.deepEqual(clients.postgres.map((c) => c.name), postgres);
      assert.deepEqual(clients.redis.map((c) => c.name), redis);
      assert.deepEqual(clients.messageQueue.map((c) => [c.name, c.queues]), queue);
      assert.ok([...clients.postgres, ...clients.redis, ...clients.messageQueue].every((c) => c.namespace === "apps"));
    });
  }

  it("a service's secret env names only its own Secrets; a service without a connection gets none", () => {
    const stores = {
      postgres: { clientConnections: { api: { secretName: "api-postgres", connectionString: "pg", role: "api" } } },
      redis: { url: "redis", caSecretName: "redis-connection", connectionSecretName: "redis-connection", clientConnections: { api: { secretName: "api-redis" } } },
      messageQueue: { urlEnv: "AMQP_URL", caSecretName: "queue-ca", clientConnections: { worker: { secretName: "worker-queue", url: "amqp", ownUser: true } } },
    } as unknown as DataStores;
    const refs = (service: string) => Object.fromEntries(Object.entries(serviceSecretEnv(service, stores)).map(([k, v]) => [k, v.secretName]));
    assert.deepEqual(refs("api"), { DATABASE_URL: "api-postgres", REDIS_URL: "api-redis", REDIS_CA_CERT: "api-redis" });
    assert.deepEqual(refs("worker"), { AMQP_URL: "worker-queue", AMQP_CA_CERT: "queue-ca" });
    assert.deepEqual(refs("other"), {});
    assert.deepEqual(serviceBrokerSecret("worker", stores), { secretName: "worker-queue", urlKey: "AMQP_URL" });
    assert.equal(serviceBrokerSecret("api", stores), undefined);
  });
});

describe("database roles per service", () => {
  it("onprem: a CloudNativePG login role per service, a member of the owner role, its password from a basic-auth Secret in the Cluster's namespace", () => {
    const cluster = ofType("onprem", "kubernetes:postgresql.cnpg.io/v1:Cluster").find((r) => r.name === "postgres")!;
    const roles = inputs(cluster).spec.managed.roles as Record<string, any>[];
    assert.deepEqual(
      roles.map((r) => [r.name, r.login, r.inherit, r.inRoles, r.passwordSecret.name, r.superuser ?? false, r.createdb ?? false, r.createrole ?? false]),
      [
        ["podinfo", true, true, ["app"], "postgres-role-podinfo", false, false, false],
        ["orders_worker", true, true, ["app"], "postgres-role-orders-worker", false, false, false],
      ],
    );
    for (const role of roles) {
      const secret = ofType("onprem", "kubernetes:core/v1:Secret").find((s) => inputs(s).metadata.name === role.passwordSecret.name)!;
      assert.equal(inputs(secret).type, "kubernetes.io/basic-auth");
      assert.equal(inputs(secret).metadata.namespace, "data");
      assert.equal(inputs(secret).metadata.labels["cnpg.io/reload"], "true");
    }
  });

  it("the restore drill and verification clusters get no roles: only the live Cluster serves clients", () => {
    const others = ofType("onprem", "kubernetes:postgresql.cnpg.io/v1:Cluster").filter((r) => r.name !== "postgres");
    assert.ok(others.length > 0, "onprem verifies its restores");
    for (const cluster of others) assert.equal(inputs(cluster).spec.managed, undefined, cluster.name);
  });

  it("the Cluster with its roles validates against the CloudNativePG CRD", (t) => {
    const skip = crdSkipReason();
    if (skip) return t.skip(skip);
    const cluster = ofType("onprem", "kubernetes:postgresql.cnpg.io/v1:Cluster").find((r) => r.name === "postgres")!;
    assert.deepEqual(crdSchemaErrors(inputs(cluster)), []);
  });

  it("maps service names to SQL identifiers without collisions", () => {
    const table: [string, string][] = [
      ["podinfo", "podinfo"],
      ["orders-worker", "orders_worker"],
      ["a-b-c", "a_b_c"],
    ];
    for (const [service, role] of table) assert.equal(clientRoleName(service), role);
    const roles = managedRoles("db", { username: "owner", clients: [{ name: "a-b", namespace: "apps" }] });
    assert.deepEqual(roles[0].inRoles, ["owner"]);
  });

  it("managed Postgres (RDS, Cloud SQL) and Docker create no role per service: no CNPG roles there", () => {
    for (const id of ["prod", "prod-gke", "dev"]) assert.equal(ofType(id, "kubernetes:postgresql.cnpg.io/v1:Cluster").length, 0, id);
  });
});

describe("broker users per service", () => {
  it("permission regexes match exactly the service's queues (quoted) and the default exchange for publishing", () => {
    const table: [queues: string[], name: string, configure: boolean, write: boolean, read: boolean][] = [
      [["orders"], "orders", true, true, true],
      [["orders"], "orders-dead-letter", false, false, false],
      [["orders"], "amq.default", false, true, false],
      [["orders"], "xorders", false, false, false],
      [["orders.v1"], "orders.v1", true, true, true],
      [["orders.v1"], "ordersXv1", false, false, false],
      [["a", "b"], "b", true, true, true],
      [["a", "b"], "a|b", false, false, false],
      [[], "orders", false, false, false],
      [[], "amq.default", false, true, false],
    ];
    for (const [queues, name, configure, write, read] of table) {
      const p = brokerPermissions(queues);
      assert.deepEqual([new RegExp(p.configure).test(name), new RegExp(p.write).test(name), new RegExp(p.read).test(name)], [configure, write, read], `${queues.join(",")} vs ${name}`);
    }
  });

  for (const id of ["onprem", "prod"]) {
    it(`${id}: a topology User importing its own credentials and a Permission limited to its queues, per service; each valid against the CRDs`, (t) => {
      const users = ofType(id, "kubernetes:rabbitmq.com/v1beta1:User").filter((u) => u.name !== "queue-user");
      const permissions = ofType(id, "kubernetes:rabbitmq.com/v1beta1:Permission").filter((p) => p.name !== "queue-permission");
      assert.deepEqual(users.map((u) => [inputs(u).metadata.name, inputs(u).spec.importCredentialsSecret.name]), [
        ["queue-podinfo-user", "queue-podinfo-credentials"],
        ["queue-orders-worker-user", "queue-orders-worker-credentials"],
      ]);
      for (const permission of permissions) {
        assert.deepEqual(inputs(permission).spec.permissions, { configure: "^(orders)$", write: "^(orders|amq\\.default)$", read: "^(orders)$" }, permission.name);
      }
      assert.equal(permissions.length, 2);
      const skip = crdSkipReason();
      if (skip) return t.skip(skip);
      for (const r of [...users, ...permissions]) assert.deepEqual(crdSchemaErrors(inputs(r)), [], r.name);
    });
  }

  it("NATS creates no per-service users: every service gets the broker's one user in its own Secret", () => {
    assert.equal(ofType("onprem-nats", "kubernetes:rabbitmq.com/v1beta1:User").length, 0);
    assert.ok(ofType("onprem-nats", "kubernetes:core/v1:Secret").some((s) => inputs(s).metadata.name === "orders-worker-queue"));
  });
});

describe("cloud identity per service", () => {
  it("EKS: an IRSA role trusted by the service's ServiceAccount only, with the configured policy, and the ServiceAccount annotated", () => {
    const role = ofType("prod-identity", "aws:iam/role:Role").find((r) => r.name === "orders-worker-identity");
    assert.ok(role, "the worker's role");
    const policy = ofType("prod-identity", "aws:iam/rolePolicy:RolePolicy").find((r) => r.name === "orders-worker-identity")!;
    assert.deepEqual(JSON.parse(inputs(policy).policy), POLICY);
    const trust = JSON.parse(inputs(role).assumeRolePolicy);
    assert.deepEqual(Object.values(trust.Statement[0].Condition.StringEquals).sort(), ["sts.amazonaws.com", "system:serviceaccount:apps:orders-worker"].sort());
    const account = ofType("prod-identity", "kubernetes:core/v1:ServiceAccount").find((r) => r.name === "orders-worker-service-account")!;
    assert.ok(inputs(account).metadata.annotations["eks.amazonaws.com/role-arn"], "annotated with the role's ARN");
    const podinfo = ofType("prod-identity", "kubernetes:core/v1:ServiceAccount").find((r) => r.name === "podinfo-service-account")!;
    assert.equal(inputs(podinfo).metadata.annotations, undefined, "a service without cloudIdentity gets none");
    assert.equal(ofType("prod-identity", "gcp:serviceaccount/account:Account").length, 0, "the gcp part is ignored on EKS");
  });

  it("GKE: a Google service account with the configured roles, that only the service's ServiceAccount may act as", () => {
    const account = ofType("prod-gke-identity", "gcp:serviceaccount/account:Account").find((r) => r.name === "orders-worker-identity")!;
    assert.match(inputs(account).accountId, /^orders-worker-[0-9a-f]{6}$/);
    const binding = ofType("prod-gke-identity", "gcp:serviceaccount/iAMMember:IAMMember").find((r) => r.name === "orders-worker-identity-workload-identity")!;
    assert.equal(inputs(binding).role, "roles/iam.workloadIdentityUser");
    assert.equal(inputs(binding).member, "serviceAccount:acme-platform-prod.svc.id.goog[apps/orders-worker]");
    const grants = ofType("prod-gke-identity", "gcp:projects/iAMMember:IAMMember").filter((r) => r.name.startsWith("orders-worker-identity-"));
    assert.deepEqual(grants.map((g) => inputs(g).role), ["roles/storage.objectViewer"]);
    const sa = ofType("prod-gke-identity", "kubernetes:core/v1:ServiceAccount").find((r) => r.name === "orders-worker-service-account")!;
    assert.ok(inputs(sa).metadata.annotations["iam.gke.io/gcp-service-account"]);
    assert.equal(ofType("prod-gke-identity", "aws:iam/role:Role").length, 0);
  });
});

describe("names the backends keep", () => {
  it("Google service account IDs fit IAM's rule (6-30 characters, [a-z][-a-z0-9]*[a-z0-9]) for any service name, and differ per stack", () => {
    // IAM's accountId pattern, written out from https://cloud.google.com/iam/docs/service-accounts-create#creating.
    const rule = /^[a-z][-a-z0-9]{4,28}[a-z0-9]$/;
    const table = ["a", "orders-worker", "a".repeat(63), `${"b".repeat(21)}-${"c".repeat(41)}`, `${"d".repeat(20)}--e`];
    for (const name of table) {
      const id = workloadAccountId("prod", { namespace: "apps", name });
      assert.match(id, rule, `${name} → ${id}`);
      assert.notEqual(id, workloadAccountId("staging", { namespace: "apps", name }), `${name}: two stacks in one project`);
    }
  });

  it("refuses a client whose role PostgreSQL or CloudNativePG keeps, or that is the owner role", () => {
    const table: [client: string, refused: boolean][] = [
      ["podinfo", false],
      ["pg-sync", true],
      ["pgsync", false],
      ["streaming-replica", true],
      ["cnpg-pooler-pgbouncer", true],
      ["postgres", true],
      ["app", true],
    ];
    for (const [client, refused] of table) {
      const problems = postgresClientProblems({ username: "app", clients: [{ name: client, namespace: "apps" }] });
      assert.equal(problems.length, refused ? 1 : 0, `${client}: ${problems.map((p) => p.message).join("; ")}`);
    }
  });
});

describe("no plaintext credential", () => {
  it("writes no generated password, URL or role secret in plaintext into any plan file or output", () => {
    for (const id of Object.keys(VARIANTS)) {
      const text = fs.readFileSync(path.join(tmp, `${id}.json`), "utf8") + runs[id].stdout + runs[id].stderr;
      assert.ok(!text.includes(MOCK_SECRET_PREFIX), `${id} leaks a secret`);
      assert.ok(!/(postgresql|amqps?|nats|tls|rediss?):\/\/[^"\s]*:[^"\s@]+@/.test(text), `${id} has a URL with a password in it`);
    }
  });
});
