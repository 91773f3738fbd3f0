/**
 * Architecture diagrams: the derivation on small synthetic plans (edges from dependencies and from
 * references in inputs, escaping, determinism), Mermaid's own parser over every diagram, and the
 * committed diagrams (docs/architecture/, the README's copies) compared with a fresh generation
 * through the plan CLI, so a stale diagram fails.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import {
  architectureGraph,
  componentOwners,
  DIAGRAM_STACKS,
  diagramMarkdown,
  diagramPath,
  embedReadmeDiagram,
  mermaidBlock,
  mermaidDiagram,
  mermaidId,
  mermaidLabel,
  prometheusSelects,
  readmeDiagram,
  readmeMarkers,
  type DiagramPlan,
} from "../plan/diagram";
import { planDiagram, projectRoot, type DiagramRun } from "../plan/diagrams";

type Resource = DiagramPlan["resources"][number];

/** A synthetic resource: the URN carries the type and name, as Pulumi's do. */
function res(type: string, name: string, opts: { parent?: Resource; deps?: Resource[]; inputs?: Record<string, unknown> } = {}): Resource {
  return { urn: `urn:pulumi:test::platform::${type}::${name}`, type, name, parent: opts.parent?.urn, dependencies: (opts.deps ?? []).map((d) => d.urn), inputs: opts.inputs ?? {} };
}
const component = (kind: string, name: string) => res(`platform:index:${kind}`, name);
const plan = (...resources: Resource[]): DiagramPlan => ({ stack: "test", target: "k3s", resources });
const edges = (p: DiagramPlan) => architectureGraph(p).edges.map((e) => `${e.from} -> ${e.to} (${e.evidence.join(", ")})`);

const gateway = component("Gateway", "gateway");
const app = component("AppService", "api");
const postgres = component("PostgresCluster", "postgres");
const observability = component("ObservabilityStack", "observability");
const mesh = component("ServiceMesh", "mesh");
const appService = res("kubernetes:core/v1:Service", "api-service", {
  parent: app,
  inputs: { metadata: { name: "api", namespace: "apps", labels: { "app.kubernetes.io/name": "api" } } },
});

describe("deriving the architecture from a plan", () => {
  it("maps every resource to its outermost platform component, through nested components", () => {
    const cluster = component("EksCluster", "platform");
    const lbc = res("platform:index:AwsLoadBalancerController", "platform-lbc", { parent: cluster });
    const release = res("kubernetes:helm.sh/v3:Release", "platform-lbc-release", { parent: lbc });
    const namespace = res("kubernetes:core/v1:Namespace", "apps-namespace");
    const owners = componentOwners([cluster, lbc, release, namespace]);
    assert.equal(owners.get(release.urn), cluster);
    assert.equal(owners.get(lbc.urn), cluster);
    assert.equal(owners.has(namespace.urn), false, "a resource outside every component is no node");
    assert.deepEqual(architectureGraph(plan(cluster, lbc, release, namespace)).nodes.map((n) => n.id), ["EksCluster__platform"]);
  });

  it("draws service → data store when a resource under the service depends on one under the store", () => {
    const password = res("random:index/randomPassword:RandomPassword", "postgres-password", { parent: postgres });
    const deployment = res("kubernetes:apps/v1:Deployment", "api-deployment", { parent: app, deps: [password] });
    assert.deepEqual(edges(plan(app, postgres, password, deployment)), ["AppService__api -> PostgresCluster__postgres (depends on)"]);
  });

  it("leaves out dependencies that are ordering rather than architecture", () => {
    const injector = res("kubernetes:helm.sh/v3:Release", "mesh-istiod", { parent: mesh });
    const deployment = res("kubernetes:apps/v1:Deployment", "api-deployment", { parent: app, deps: [injector, gateway] });
    const cluster = res("kubernetes:postgresql.cnpg.io/v1:Cluster", "postgres", { parent: postgres, deps: [app] });
    assert.deepEqual(edges(plan(app, mesh, gateway, postgres, injector, deployment, cluster)), [], "service → mesh, service → gateway and data → service are not drawn");
  });

  it("finds gateway → service from an HTTPRoute's backendRefs naming the service's Service", () => {
    const route = (name: string, backend: Record<string, unknown>) =>
      res("kubernetes:gateway.networking.k8s.io/v1:HTTPRoute", name, { parent: gateway, inputs: { metadata: { name, namespace: "apps" }, spec: { rules: [{ backendRefs: [backend] }] } } });
    assert.deepEqual(edges(plan(gateway, app, appService, route("r", { name: "api", port: 80 }))), ["Gateway__gateway -> AppService__api (routes)"]);
    assert.deepEqual(edges(plan(gateway, app, appService, route("r", { name: "api", namespace: "other", port: 80 }))), [], "a Service of that name in another namespace is not the service's");
    assert.deepEqual(edges(plan(gateway, app, appService, route("r", { name: "api", kind: "ServiceImport", group: "multicluster.x-k8s.io" }))), [], "only Services are backends here");
  });

  it("finds gateway → service on Docker from the Traefik file provider's server URLs", () => {
    const container = res("docker:index/container:Container", "api-container", { parent: app, inputs: { name: "platform-dev-api", networksAdvanced: [{ name: "platform-dev", aliases: ["api"] }] } });
    const traefik = res("docker:index/container:Container", "gateway-container", {
      parent: gateway,
      inputs: {
        uploads: [
          { file: "/etc/traefik/dynamic/routes.yaml", content: "http:\n  services:\n    api:\n      loadBalancer:\n        servers:\n          - url: http://api:9898\n" },
          { file: "/etc/traefik/certs/gateway.key", content: "[secret]" },
        ],
      },
    });
    assert.deepEqual(edges(plan(gateway, app, container, traefik)), ["Gateway__gateway -> AppService__api (routes)"]);
  });

  it("finds observability → service from a ServiceMonitor's selector, honouring its expressions and namespaces", () => {
    const monitor = (selector: Record<string, unknown>, namespaces = ["apps"]) =>
      res("kubernetes:monitoring.coreos.com/v1:ServiceMonitor", "observability-api-monitor", {
        parent: observability,
        inputs: { metadata: { name: "api", namespace: "monitoring" }, spec: { namespaceSelector: { matchNames: namespaces }, selector } },
      });
    const labels = { "app.kubernetes.io/name": "api" };
    assert.deepEqual(edges(plan(observability, app, appService, monitor({ matchLabels: labels }))), ["ObservabilityStack__observability -> AppService__api (scrapes)"]);
    assert.deepEqual(edges(plan(observability, app, appService, monitor({ matchLabels: labels }, ["other"]))), []);
    assert.deepEqual(edges(plan(observability, app, appService, monitor({ matchLabels: labels, matchExpressions: [{ key: "app.kubernetes.io/name", operator: "DoesNotExist" }] }))), []);
  });

  it("finds observability → store from a PodMonitor that the kube-prometheus-stack release picks up", () => {
    const podMonitor = res("kubernetes:monitoring.coreos.com/v1:PodMonitor", "postgres-pod-monitor", { parent: postgres, inputs: { metadata: { name: "postgres", namespace: "data", labels: {} } } });
    const release = (prometheusSpec: Record<string, unknown>) =>
      res("kubernetes:helm.sh/v3:Release", "observability-kube-prometheus-stack", {
        parent: observability,
        inputs: { chart: "kube-prometheus-stack", name: "kps", namespace: "monitoring", values: { prometheus: { prometheusSpec } } },
      });
    const all = { podMonitorSelectorNilUsesHelmValues: false, podMonitorNamespaceSelector: {} };
    assert.deepEqual(edges(plan(observability, postgres, podMonitor, release(all))), ["ObservabilityStack__observability -> PostgresCluster__postgres (scrapes)"]);
    assert.deepEqual(edges(plan(observability, postgres, podMonitor, release({ podMonitorNamespaceSelector: {} }))), [], "by default the chart selects only monitors labelled with its release");
    assert.deepEqual(edges(plan(observability, postgres, podMonitor, release({ podMonitorSelectorNilUsesHelmValues: false }))), [], "without a namespace selector only Prometheus' own namespace");
  });

  it("selects monitors the way the chart and the operator do", () => {
    const monitor = { kind: "serviceMonitor" as const, namespace: "data", labels: { release: "kps" } };
    const labelled = new Map([["data", { team: "db" }]]);
    assert.equal(prometheusSelects({ serviceMonitorNamespaceSelector: {} }, "kps", "monitoring", monitor, labelled), true);
    assert.equal(prometheusSelects({ serviceMonitorNamespaceSelector: {} }, "other", "monitoring", monitor, labelled), false);
    assert.equal(prometheusSelects({ serviceMonitorNamespaceSelector: { matchLabels: { team: "db" } } }, "kps", "monitoring", monitor, labelled), true);
    assert.equal(prometheusSelects({ serviceMonitorNamespaceSelector: { matchLabels: { team: "web" } } }, "kps", "monitoring", monitor, labelled), false);
    assert.equal(prometheusSelects({}, "kps", "data", monitor, labelled), true);
  });

  it("finds observability → service on Docker from Prometheus' static scrape targets", () => {
    const container = res("docker:index/container:Container", "api-container", { parent: app, inputs: { name: "platform-dev-api", networksAdvanced: [{ aliases: ["api"] }] } });
    const prometheus = res("docker:index/container:Container", "observability-prometheus", {
      parent: observability,
      inputs: { uploads: [{ content: "scrape_configs:\n  - job_name: api\n    static_configs:\n      - targets: [api:9898]\n  - job_name: self\n    static_configs:\n      - targets: [localhost:9090]\n" }] },
    });
    assert.deepEqual(edges(plan(observability, app, container, prometheus)), ["ObservabilityStack__observability -> AppService__api (scrapes)"]);
  });

  it("finds service → store from a secretKeyRef to the store's connection Secret in the same namespace", () => {
    const secret = res("kubernetes:core/v1:Secret", "postgres-connection-0", { parent: postgres, inputs: { metadata: { name: "postgres-connection", namespace: "apps" } } });
    const env = (namespace: string) =>
      res("kubernetes:apps/v1:Deployment", "api-deployment", {
        parent: app,
        inputs: { metadata: { namespace }, spec: { template: { spec: { containers: [{ env: [{ name: "DATABASE_URL", valueFrom: { secretKeyRef: { name: "postgres-connection", key: "DATABASE_URL" } } }] }] } } } },
      });
    assert.deepEqual(edges(plan(app, postgres, secret, env("apps"))), ["AppService__api -> PostgresCluster__postgres (reads secret)"]);
    assert.deepEqual(edges(plan(app, postgres, secret, env("other"))), []);
  });

  it("labels an edge with its references, and with `depends on` only when nothing else shows it", () => {
    const secret = res("kubernetes:core/v1:Secret", "postgres-connection-0", { parent: postgres, inputs: { metadata: { name: "postgres-connection", namespace: "apps" } } });
    const deployment = res("kubernetes:apps/v1:Deployment", "api-deployment", {
      parent: app,
      deps: [secret],
      inputs: { metadata: { namespace: "apps" }, spec: { template: { spec: { volumes: [{ name: "db", secret: { secretName: "postgres-connection" } }] } } } },
    });
    const p = plan(app, postgres, secret, deployment);
    assert.deepEqual(architectureGraph(p).edges[0].evidence, ["depends on", "reads secret"]);
    assert.match(mermaidDiagram(p), /^ {2}AppService__api -->\|"reads secret"\| PostgresCluster__postgres$/m);
  });

  it("sends clients to the gateway only when there is one", () => {
    assert.match(mermaidDiagram(plan(gateway, app)), /^ {2}clients --> Gateway__gateway$/m);
    assert.doesNotMatch(mermaidDiagram(plan(app)), /clients -->/);
  });

  it("groups components by role and names the stack and the target", () => {
    const text = mermaidDiagram({ ...plan(mesh, app, postgres), target: "gke" });
    assert.match(text, /^title: "Stack test on gke"$/m);
    assert.match(text, /subgraph services\["Services"\]\n {4}AppService__api\["AppService api"\]\n {2}end/);
    assert.match(text, /subgraph platform\["Platform \(gke\)"\]\n {4}ServiceMesh__mesh\["ServiceMesh mesh"\]\n {2}end/);
    assert.doesNotMatch(text, /subgraph edge/, "no empty subgraph");
    assert.match(diagramMarkdown(plan(app)), /^# Architecture of stack `test` on `k3s`\n[\s\S]*```mermaid\n---\n/);
  });

  it("escapes ids so they are unique, Mermaid-safe and never a keyword", () => {
    assert.equal(mermaidId("AppService", "end"), "AppService__end");
    assert.equal(mermaidId("AppService", "a-b"), "AppService__a_2db");
    assert.notEqual(mermaidId("AppService", "a-b"), mermaidId("AppService", "a_b"));
    assert.notEqual(mermaidId("A", "b__c"), mermaidId("A__b", "c"));
    for (const id of [mermaidId("x.y", 'we"ird name/1')]) assert.match(id, /^[A-Za-z0-9_]+$/);
    assert.equal(mermaidLabel('say "hi" #1 <b>'), "say #34;hi#34; #35;1 #60;b#62;");
  });

  it("gives the same text whatever order the resources were registered in", () => {
    const secret = res("kubernetes:core/v1:Secret", "postgres-connection-0", { parent: postgres, inputs: { metadata: { name: "postgres-connection", namespace: "apps" } } });
    const deployment = res("kubernetes:apps/v1:Deployment", "api-deployment", { parent: app, deps: [secret, postgres], inputs: { metadata: { namespace: "apps" } } });
    const resources = [gateway, app, postgres, observability, mesh, appService, secret, deployment, component("AppService", "worker")];
    const texts = new Set([resources, [...resources].reverse(), [...resources.slice(4), ...resources.slice(0, 4)]].map((r) => mermaidDiagram(plan(...r))));
    assert.equal(texts.size, 1);
  });
});

describe("the README's embedded diagrams", () => {
  const readme = "# x\n\n<!-- diagram:dev -->\nold\n<!-- /diagram:dev -->\n\ntail\n";

  it("fills the block between a stack's markers and reads it back", () => {
    const filled = embedReadmeDiagram(readme, "dev", "flowchart LR\n  a --> b\n");
    assert.equal(filled, "# x\n\n<!-- diagram:dev -->\n```mermaid\nflowchart LR\n  a --> b\n```\n<!-- /diagram:dev -->\n\ntail\n");
    assert.equal(readmeDiagram(filled, "dev"), "flowchart LR\n  a --> b\n");
    assert.equal(embedReadmeDiagram(filled, "dev", "flowchart LR\n  a --> b\n"), filled, "filling twice changes nothing");
  });

  it("leaves a README without the markers alone", () => {
    assert.equal(embedReadmeDiagram(readme, "prod", "flowchart LR\n"), readme);
    assert.equal(readmeDiagram(readme, "prod"), undefined);
    assert.equal(readmeDiagram(readme, "dev"), "", "markers without a diagram read as empty, hence stale");
  });
});

/**
 * Mermaid's own parser (mermaid 11, the version GitHub renders with), run headless: its sanitizer
 * (DOMPurify) needs a `window`, which jsdom provides.
 * @see https://mermaid.js.org/config/usage.html#syntax-validation
 */
let mermaidParse: (text: string) => Promise<unknown>;
const fresh: Record<string, DiagramRun & { markdown: string }> = {};
const REGENERATE = "regenerate with `npm run diagrams` and commit the result";

before(async () => {
  // jsdom ships no type declarations; this is the one constructor used.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { JSDOM } = require("jsdom") as { JSDOM: new (html: string) => { window: { document: unknown } } };
  const { window } = new JSDOM("");
  Object.assign(globalThis, { window, document: window.document });
  const mermaid = (await import("mermaid")).default;
  mermaidParse = (text) => mermaid.parse(text);

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "diagram-test-"));
  await Promise.all(
    DIAGRAM_STACKS.map(async (stack) => {
      const file = path.join(tmp, `${stack.file}.md`);
      const run = await planDiagram(stack, file);
      fresh[stack.file] = { ...run, markdown: fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "" };
    }),
  );
});

describe("Mermaid's parser", () => {
  it("accepts every shipped stack's generated diagram", async () => {
    for (const stack of DIAGRAM_STACKS) {
      const text = mermaidBlock(fresh[stack.file].markdown);
      assert.ok(text, `${stack.file}: the plan wrote no diagram (exit ${fresh[stack.file].code}): ${fresh[stack.file].stderr}`);
      assert.deepEqual(await mermaidParse(text), { diagramType: "flowchart-v2", config: {} }, stack.file);
    }
  });

  it("accepts a diagram of components with awkward names", async () => {
    const odd = component("AppService", 'end "quoted" #1 <x> & a-b');
    const store = component("PostgresCluster", "subgraph");
    const dep = res("kubernetes:apps/v1:Deployment", "d", { parent: odd, deps: [store] });
    await mermaidParse(mermaidDiagram(plan(gateway, odd, store, dep)));
  });

  it("rejects a broken diagram", async () => {
    const broken = mermaidDiagram(plan(gateway, app)).replace('Gateway__gateway["Gateway gateway"]', 'Gateway__gateway["Gateway gateway');
    await assert.rejects(mermaidParse(broken), /Parse error/);
  });
});

describe("the committed diagrams", () => {
  for (const stack of DIAGRAM_STACKS) {
    it(`match a fresh generation for ${stack.file} (npm run plan -- ${stack.args.join(" ")} --diagram)`, () => {
      const run = fresh[stack.file];
      assert.equal(run.code, 0, `the plan failed: ${run.stderr}`);
      const file = path.join(projectRoot, diagramPath(stack.file));
      assert.ok(fs.existsSync(file), `${diagramPath(stack.file)} is missing: ${REGENERATE}`);
      assert.equal(fs.readFileSync(file, "utf8"), run.markdown, `${diagramPath(stack.file)} is stale: ${REGENERATE}`);
    });
  }

  const readme = fs.readFileSync(path.join(projectRoot, "README.md"), "utf8");
  // The README must embed every shipped stack's diagram: a missing block fails, never skips.
  it("are embedded in the README, up to date, for every shipped stack", () => {
    for (const stack of DIAGRAM_STACKS) {
      const { open, close } = readmeMarkers(stack.file);
      const block = readmeDiagram(readme, stack.file);
      assert.notEqual(block, undefined, `README.md lacks the markers ${open} … ${close} around ${stack.file}'s diagram`);
      assert.equal(block, mermaidBlock(fresh[stack.file].markdown), `README.md's ${stack.file} diagram is stale: ${REGENERATE}`);
    }
  });
});
