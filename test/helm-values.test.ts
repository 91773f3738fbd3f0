/**
 * Every Helm release the shipped stacks plan, checked against the upstream chart it pins.
 *
 * Each stack variant is planned through the built CLI in a child process (as in
 * test/stacks.test.ts); every `kubernetes:helm.sh/v3:Release` in the plan file is then checked
 * against `<chart>-<version>` in `../shared/charts/` (see test/support/helm-charts.ts): the values,
 * coalesced over the chart's `values.yaml` as Helm does, must satisfy its `values.schema.json`, and
 * every key we set must be one the chart declares, since Helm ignores any other key silently.
 * kube-prometheus-stack's subcharts are checked on their own sections.
 *
 * What it proves: no release of dev, prod (EKS, GKE, in-cluster data), onprem (Linkerd, NATS)
 * carries a schema violation or an undeclared key for the pinned chart. A pin with no copy of its
 * chart is printed as `UNVERIFIED PIN` (not a failure); where SOURCES.md names an older copy whose
 * values did not change, the values are checked against that copy instead. The mutation table
 * proves the checker catches each kind of mistake, so a green run is not an empty one.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it, test } from "node:test";
import { runPlan, STACK_VARIANTS } from "./support/stack-variants";
import { CHARTS_DIR, chartName, chartsSkipReason, checkRelease, coalesce, loadChart } from "./support/helm-charts";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "helm-values-"));
const skipReason = chartsSkipReason();
if (skipReason) console.log(`\n*** ${skipReason} ***\n`);

/** Every variant but Aurora, which changes no Helm release. */
const stacks = Object.fromEntries(Object.entries(STACK_VARIANTS).filter(([id]) => id !== "prod-aurora"));
/** Targets without Kubernetes: no Helm release expected. */
const WITHOUT_KUBERNETES = new Set(["dev"]);

/**
 * Pins with no copy of their own, and the copy SOURCES.md says serves for key checks: linkerd edge
 * 2026.9.1 and plugin-barman-cloud 0.7.1 ("their charts' values did not change between the copied
 * version and the source heads seen"). A pin missing from here is printed and not checked.
 */
const STAND_INS: Record<string, string> = {
  "linkerd-crds 2026.9.1": "2026.8.3",
  "linkerd2-cni 2026.9.1": "2026.8.3",
  "linkerd-control-plane 2026.9.1": "2026.8.3",
  "plugin-barman-cloud 0.7.1": "0.7.0",
};

interface Release {
  name: string;
  chart: string;
  version: string;
  values: unknown;
  variants: string[];
}

/** Every Helm release of every variant, one entry per distinct name, chart, version and values. */
async function releases(): Promise<{ byVariant: Record<string, number>; all: Release[] }> {
  const ids = Object.keys(stacks);
  const runs = await Promise.all(ids.map((id) => runPlan(tmp, id, stacks[id])));
  const all = new Map<string, Release>();
  const byVariant: Record<string, number> = {};
  ids.forEach((id, i) => {
    const run = runs[i];
    assert.equal(run.code, 0, `${id}: plan exited ${run.code}\n${run.stdout}\n${run.stderr}`);
    const found = run.plan!.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release");
    byVariant[id] = found.length;
    for (const r of found) {
      const inputs = r.inputs as { chart: string; version: string; values?: unknown };
      const key = JSON.stringify([r.name, inputs.chart, inputs.version, inputs.values]);
      const known = all.get(key);
      if (known) known.variants.push(id);
      else all.set(key, { name: r.name, chart: inputs.chart, version: inputs.version, values: inputs.values, variants: [id] });
    }
  });
  return { byVariant, all: [...all.values()] };
}

/**
 * The chart versions SOURCES.md records as never published (`<chart> **<version> was never
 * published**`): a release pinned to one fails to install on every cluster.
 */
export function neverPublished(sources: string): Set<string> {
  return new Set([...sources.matchAll(/^- (\S+) \*\*(\S+) was never published\*\*/gm)].map((m) => `${m[1]} ${m[2]}`));
}

/** A problem list as one readable failure message. */
const report = (what: string, problems: string[]) => `${what}: ${problems.length} problem(s)\n  ${problems.join("\n  ")}`;

test("Helm release values of the shipped stacks match the pinned charts", { skip: skipReason }, async (t) => {
  const { byVariant, all } = await releases();
  for (const [id, count] of Object.entries(byVariant)) {
    if (WITHOUT_KUBERNETES.has(id)) assert.equal(count, 0, `${id}: no Kubernetes, no release`);
    else assert.ok(count > 0, `${id}: plans Helm releases`);
  }
  const verified = new Set<string>();
  const unverified = new Set<string>();
  const unpublished = neverPublished(fs.readFileSync(path.join(CHARTS_DIR, "SOURCES.md"), "utf8"));
  for (const release of all) {
    const name = chartName(release.chart);
    const label = `${release.name} (${name} ${release.version}) in ${release.variants.join(", ")}`;
    await t.test(label, (st) => {
      assert.ok(!unpublished.has(`${name} ${release.version}`), `${name} ${release.version} was never published (${CHARTS_DIR}/SOURCES.md): the release cannot install`);
      let check = checkRelease(name, release.version, release.values);
      if (!check.chart) {
        const standIn = STAND_INS[`${name} ${release.version}`];
        const line = `UNVERIFIED PIN: ${name} ${release.version} (no ${path.join(CHARTS_DIR, check.folder)})`;
        unverified.add(standIn ? `${line}; values checked against ${name}-${standIn} per SOURCES.md` : line);
        st.diagnostic(line);
        if (!standIn || !loadChart(name, standIn)) return;
        st.diagnostic(`checked against stand-in ${name}-${standIn} (SOURCES.md: same values)`);
        check = checkRelease(name, standIn, release.values);
      } else verified.add(`${check.folder}`);
      for (const note of check.notes) st.diagnostic(note);
      if (check.problems.length) assert.fail(report(`${release.name} against ${check.folder}`, check.problems));
    });
  }
  t.diagnostic(`VERIFIED against ${CHARTS_DIR}: ${[...verified].sort().join(", ")}`);
  for (const line of [...unverified].sort()) {
    t.diagnostic(line);
    console.log(line);
  }
});

/**
 * The checker on values made wrong on purpose, against the real chart copies: each case must be
 * reported (`expect`) or must pass (`clean`), so the checks above are known to bite.
 */
const MUTATIONS: { name: string; chart: string; version: string; values: unknown; expect?: RegExp[]; clean?: true }[] = [
  { name: "an unknown top-level key (no schema)", chart: "tempo", version: "1.12.0", values: { persistance: { enabled: true } }, expect: [/^\.persistance: not declared by tempo-1\.12\.0/] },
  { name: "an unknown top-level key (schema with open top level)", chart: "traefik", version: "37.3.0", values: { replica: 2 }, expect: [/^\.replica: not declared by traefik-37\.3\.0/] },
  { name: "an unknown key one level down, under a closed default map", chart: "tempo", version: "1.12.0", values: { persistence: { storageClass: "gp3" } }, expect: [/^\.persistence\.storageClass: not declared under persistence/] },
  { name: "a key documented only as a comment in values.yaml is declared", chart: "tempo", version: "1.12.0", values: { persistence: { storageClassName: "gp3" } }, clean: true },
  { name: "a wrong type per the schema (draft-07, $ref'd $defs)", chart: "cert-manager", version: "v1.21.1", values: { replicaCount: "two" }, expect: [/^\.replicaCount: schema: must be number/] },
  { name: "a value outside the schema's enum", chart: "opentelemetry-collector", version: "0.158.2", values: { mode: "sidecar" }, expect: [/^\.mode: schema: must be equal to one of the allowed values \(daemonset, deployment, statefulset, \)/] },
  { name: "an undeclared key under additionalProperties: false", chart: "opentelemetry-collector", version: "0.158.2", values: { mode: "deployment", presets: { kubernetesAttribute: { enabled: true } } }, expect: [/^\.presets: schema: must NOT have additional properties \(kubernetesAttribute\)/] },
  { name: "a wrong-case key under a 2020-12 schema", chart: "traefik-crds", version: "1.12.0", values: { gatewayApi: false }, expect: [/^\.: schema: must NOT have additional properties \(gatewayApi\)/, /^\.gatewayApi: not declared/] },
  { name: "a null deletes a default before validation (required `mode` gone)", chart: "opentelemetry-collector", version: "0.158.2", values: { mode: null }, expect: [/^\.: schema: must have required property 'mode'/] },
  { name: "a plan placeholder is never a violation", chart: "cert-manager", version: "v1.21.1", values: { replicaCount: "[unknown]", webhook: { timeoutSeconds: "[secret]" } }, clean: true },
  { name: "values that are a placeholder as a whole are not checked", chart: "cert-manager", version: "v1.21.1", values: "[secret]", clean: true },
  { name: "a subchart key unknown to the subchart", chart: "kube-prometheus-stack", version: "88.2.0", values: { grafana: { adminPasword: "x" } }, expect: [/^\.grafana\.adminPasword: not declared by grafana-12\.10\.4/] },
  { name: "a subchart key the subchart declares", chart: "kube-prometheus-stack", version: "88.2.0", values: { grafana: { adminPassword: "x", "grafana.ini": { users: { allow_sign_up: false } } } }, clean: true },
  { name: "Istio's wrapped defaults: a typo is reported", chart: "istiod", version: "1.30.3", values: { autoscaleEnable: false }, expect: [/^\.autoscaleEnable: not declared by istiod-1\.30\.3/] },
  { name: "Istio's wrapped defaults and profile keys are declared", chart: "istiod", version: "1.30.3", values: { autoscaleEnabled: false, global: { platform: "gke", tag: "1.30.3" }, meshConfig: { accessLogFile: "/dev/stdout" } }, clean: true },
  { name: "a null default in values.yaml still declares its key", chart: "aws-load-balancer-controller", version: "3.2.2", values: { clusterName: "platform", vpcId: "vpc-1" }, clean: true },
];

describe("the Helm values checker", { skip: skipReason }, () => {
  for (const c of MUTATIONS) {
    it(`${c.clean ? "accepts" : "reports"} ${c.name}`, () => {
      assert.ok(loadChart(chartName(c.chart), c.version), `${c.chart}-${c.version} in ${CHARTS_DIR}`);
      const { problems } = checkRelease(chartName(c.chart), c.version, c.values);
      if (c.clean) assert.deepEqual(problems, []);
      for (const pattern of c.expect ?? []) assert.ok(problems.some((p) => pattern.test(p)), `expected ${pattern} among:\n  ${problems.join("\n  ")}`);
      assert.ok(c.clean || problems.length > 0);
    });
  }

  it("reports a pin with no chart copy as unverified, not as a problem", () => {
    const check = checkRelease("opentelemetry-collector", "0.158.3", { mode: "sidecar" });
    assert.equal(check.chart, undefined);
    assert.deepEqual(check.problems, []);
  });

  it("coalesces as Helm does: maps merge, lists and scalars replace, null deletes, defaults are not modified", () => {
    const defaults = { a: { x: 1, y: [1, 2], z: { deep: true } }, b: "keep", c: 3, d: null, e: { t: 1 } };
    const merged = coalesce({ a: { y: [9], z: null, w: "new" }, c: null, e: "scalar", f: { g: null, h: 1 } }, defaults);
    assert.deepEqual(merged, { a: { x: 1, y: [9], w: "new" }, b: "keep", d: null, e: "scalar", f: { h: 1 } });
    assert.deepEqual(defaults.a, { x: 1, y: [1, 2], z: { deep: true } });
  });

  it("derives chart names from repository, OCI and archive references", () => {
    assert.equal(chartName("traefik"), "traefik");
    assert.equal(chartName("prometheus-community/kube-prometheus-stack"), "kube-prometheus-stack");
    assert.equal(chartName("oci://ghcr.io/nats-io/charts/nats"), "nats");
    assert.equal(chartName("https://example.com/charts/loki-6.29.0.tgz"), "loki");
  });
});

describe("pins SOURCES.md records as never published", () => {
  it("reads them from SOURCES.md's notes, so a pin to one fails the test above", () => {
    const sources = "Known facts:\n- opentelemetry-collector **0.158.3 was never published**: the releases go 0.158.2 → 0.159.0.\n- linkerd edge 2026.9.1 is newer than these copies\n";
    assert.deepEqual([...neverPublished(sources)], ["opentelemetry-collector 0.158.3"]);
  });

  it("finds the one the shared SOURCES.md names", { skip: skipReason }, () => {
    assert.ok(neverPublished(fs.readFileSync(path.join(CHARTS_DIR, "SOURCES.md"), "utf8")).has("opentelemetry-collector 0.158.3"));
  });
});
