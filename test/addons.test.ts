/**
 * The cluster add-ons: the catalogue of what each Kubernetes target already ships, and the data
 * stores' backend tables, which validation and construction share.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { addonProvision, CLUSTER_ADDONS, runningOnTarget, targetConflicts, targetGaps, type AddonName } from "../components/addons";
import type { KubernetesFlavour, Target } from "../components/contract";
import { messageQueueBackends, resolveMessageQueue, validateMessageQueue, type Broker } from "../components/message-queue";
import { postgresBackends, resolvePostgres, validatePostgres } from "../components/postgres";
import { redisBackends, resolveRedis, validateRedis } from "../components/redis";
import { selectBackend, targetsServing } from "../components/data-store/backends";
import { DATA_STORE_MODES, type DataStoreMode } from "../components/data-store";

describe("the cluster add-on catalogue", () => {
  // What the targets' own documentation says they ship (see each entry's `see`).
  const facts: [AddonName, KubernetesFlavour, "install" | "provided" | "absent" | "not-applicable"][] = [
    ["traefik", "k3s", "provided"],
    ["service-load-balancer", "k3s", "provided"],
    ["local-path-provisioner", "k3s", "provided"],
    ["metrics-server", "k3s", "provided"],
    ["metrics-server", "gke", "provided"],
    ["metrics-server", "eks", "install"],
    ["gateway-api-crds", "gke", "provided"],
    ["gateway-api-crds", "eks", "install"],
    ["aws-load-balancer-controller", "eks", "install"],
    ["aws-load-balancer-controller", "gke", "not-applicable"],
    ["aws-ebs-csi-driver", "gke", "provided"],
    ["cert-manager", "k3s", "install"],
  ];
  for (const [addon, flavour, kind] of facts) {
    it(`says ${flavour} ${kind === "install" ? "gets" : kind === "provided" ? "ships" : kind === "absent" ? "lacks" : "has no use for"} ${addon}`, () => {
      assert.equal(addonProvision(addon, flavour).kind, kind);
    });
  }

  it("names every add-on once, with a source for each provided one", () => {
    const names = CLUSTER_ADDONS.map((a) => a.name);
    assert.equal(new Set(names).size, names.length);
    for (const addon of CLUSTER_ADDONS) {
      for (const [flavour, provision] of Object.entries(addon.targets)) {
        if (provision.kind === "provided") assert.match(provision.see, /^https:\/\//, `${addon.name} on ${flavour}`);
      }
    }
  });

  it("refuses a name it does not know", () => {
    assert.throws(() => addonProvision("istio" as AddonName, "eks"), /unknown cluster add-on "istio"/);
  });

  it("counts a k3s packaged add-on as running until every package that ships it is disabled", () => {
    const k3s = (disabledComponents: string[]) => ({ flavour: "k3s" as const, disabledComponents });
    const cases: [AddonName, string[], boolean][] = [
      ["traefik", [], true],
      ["traefik", ["traefik"], false],
      ["gateway-api-crds", ["traefik"], true],
      ["gateway-api-crds", ["traefik", "gateway-api-crd"], false],
      ["metrics-server", ["traefik"], true],
      ["metrics-server", ["metrics-server"], false],
    ];
    for (const [addon, disabled, running] of cases) assert.equal(runningOnTarget(addon, k3s(disabled)) !== undefined, running, `${addon} with --disable ${disabled.join(",")}`);
    assert.equal(runningOnTarget("gateway-api-crds", { flavour: "gke" }), undefined, "GKE's Gateway API is an opt-in GkeCluster leaves off");
    assert.ok(runningOnTarget("metrics-server", { flavour: "gke" }), "GKE always runs metrics-server");
  });

  it("reports the add-ons a target already runs and the ones a setting misses, with the packages to disable or keep", () => {
    assert.deepEqual(
      targetConflicts(["traefik", "gateway-api-crds", "cert-manager"], { flavour: "k3s", disabledComponents: ["traefik"] }).map((c) => [c.addon, c.packages]),
      [["gateway-api-crds", ["gateway-api-crd"]]],
    );
    assert.deepEqual(targetConflicts(["traefik", "gateway-api-crds"], { flavour: "eks" }), []);
    assert.deepEqual(targetGaps(["metrics-server"], { flavour: "k3s", disabledComponents: ["metrics-server"] }).map((g) => g.packages), [["metrics-server"]]);
    assert.deepEqual(targetGaps(["metrics-server"], { flavour: "k3s", disabledComponents: [] }), []);
  });
});

describe("the data stores' backend tables", () => {
  const targets: Target[] = ["eks", "gke", "k3s", "docker"];
  const on = (flavour: Target) => ({ flavour, environment: "dev" }) as const;
  const stores = [
    {
      name: "postgres",
      table: postgresBackends,
      validate: (mode: DataStoreMode, flavour: Target) => validatePostgres({ mode, backup: { enabled: false } }, on(flavour)),
      pick: (mode: DataStoreMode, flavour: Target) => selectBackend(postgresBackends, flavour, resolvePostgres("x", { mode }, on(flavour)))?.name,
    },
    {
      name: "redis",
      table: redisBackends,
      validate: (mode: DataStoreMode, flavour: Target) => validateRedis({ mode }, on(flavour)),
      pick: (mode: DataStoreMode, flavour: Target) => selectBackend(redisBackends, flavour, resolveRedis("x", { mode }, on(flavour)))?.name,
    },
    {
      name: "message-queue",
      table: messageQueueBackends,
      validate: (mode: DataStoreMode, flavour: Target) => validateMessageQueue({ mode }, on(flavour)),
      pick: (mode: DataStoreMode, flavour: Target, broker?: Broker) => selectBackend(messageQueueBackends, flavour, resolveMessageQueue("x", { mode, broker }, on(flavour)))?.name,
    },
  ] as const;
  for (const store of stores) {
    it(`${store.name}: refuses a mode on a target exactly where no backend of its table serves it`, () => {
      for (const flavour of targets) {
        for (const mode of DATA_STORE_MODES) {
          const served = store.table.some((row) => row.mode === mode && row.targets.includes(flavour));
          const refused = store.validate(mode, flavour).some((p) => p.path[0] === "mode");
          assert.equal(refused, !served, `${mode} on ${flavour}`);
        }
      }
    });
  }

  // Which backend runs where, as the components' READMEs describe it.
  const [postgres, redis, queue] = stores;
  const picks: [store: string, pick: () => string | undefined, backend: string | undefined][] = [
    ["postgres in-cluster on docker", () => postgres.pick("in-cluster", "docker"), "docker"],
    ["postgres managed on eks", () => postgres.pick("managed", "eks"), "rds"],
    ["postgres managed on gke", () => postgres.pick("managed", "gke"), "cloud-sql"],
    ["postgres in-cluster on k3s", () => postgres.pick("in-cluster", "k3s"), "cloudnative-pg"],
    ["postgres managed on k3s", () => postgres.pick("managed", "k3s"), undefined],
    ["redis managed on eks", () => redis.pick("managed", "eks"), "elasticache"],
    ["redis managed on gke", () => redis.pick("managed", "gke"), "memorystore"],
    ["redis in-cluster on gke", () => redis.pick("in-cluster", "gke"), "valkey"],
    ["rabbitmq managed on eks", () => queue.pick("managed", "eks", "rabbitmq"), "amazon-mq"],
    ["nats managed on eks", () => queue.pick("managed", "eks", "nats"), undefined],
    ["rabbitmq managed on gke", () => queue.pick("managed", "gke", "rabbitmq"), undefined],
    ["nats in-cluster on k3s", () => queue.pick("in-cluster", "k3s", "nats"), "nats"],
    ["rabbitmq in-cluster on k3s", () => queue.pick("in-cluster", "k3s", "rabbitmq"), "rabbitmq"],
    ["nats on docker", () => queue.pick("in-cluster", "docker", "nats"), "docker"],
  ];
  for (const [what, pick, backend] of picks) {
    it(`picks ${backend ?? "no backend"} for ${what}`, () => {
      assert.equal(pick(), backend);
    });
  }

  it("offers the targets that serve a mode, in table order", () => {
    assert.deepEqual(targetsServing(postgresBackends, "managed"), ["eks", "gke"]);
    assert.deepEqual(targetsServing(messageQueueBackends, "managed"), ["eks"]);
  });
});
