/**
 * The multi-language component package: the schema the SDK's analyzer infers (in-process, as the
 * provider host does for `pulumi package add`) is committed as provider/schema.json and must match a
 * fresh run; the components run one implementation behind both APIs; and the examples in Pulumi
 * YAML and Python use only what the schema declares.
 *
 * @see https://www.pulumi.com/docs/iac/using-pulumi/extending-pulumi/build-a-component/
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import * as docker from "@pulumi/docker";
import { parse } from "yaml";
import { captureProgram, type CapturedProgram } from "../plan/capture";
import { AppService, Gateway, MessageQueue, ObservabilityStack, PostgresCluster, RedisCluster } from "../components/multi-language";
import { generateSchema, SCHEMA_FILE } from "../provider/schema";
import { pyName } from "./support/py-name";

const root = path.resolve(__dirname, "..");
const PACKAGE = "acme-platform";
const COMPONENTS = ["AppService", "PostgresCluster", "RedisCluster", "MessageQueue", "Gateway", "ObservabilityStack"];

interface Property {
  description?: string;
  type?: string;
  $ref?: string;
  items?: Property;
  additionalProperties?: Property;
}
interface ObjectType {
  properties?: Record<string, Property>;
  required?: string[];
  enum?: { name: string; value: string | number }[];
}
interface Schema {
  name: string;
  version: string;
  resources: Record<string, { inputProperties: Record<string, Property>; requiredInputs?: string[]; properties: Record<string, Property> }>;
  types: Record<string, ObjectType>;
}

const committed = JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8")) as Schema;
const token = (name: string) => `${PACKAGE}:index:${name}`;
const refName = (ref: string) => ref.replace(`#/types/${PACKAGE}:index:`, "");

let fresh: Schema;
let program: CapturedProgram;
let kubernetesWithoutCluster: unknown;
let otherDockerProvider: unknown;
/** What each component does on k3s (without add-ons): "ok", or its error. */
const onK3s: Record<string, string> = {};

before(async () => {
  fresh = JSON.parse(await generateSchema()) as Schema;
  program = await captureProgram(
    () => {
      const platform = { target: "docker", environment: "dev" } as const;
      new AppService("web", { platform, image: "ghcr.io/stefanprodan/podinfo:6.9.2", port: 9898 });
      new PostgresCluster("db", { platform, storageGiB: 20 });
      new Gateway("edge", { platform, routes: [{ name: "web", hostname: "app.localhost", serviceName: "web", servicePort: 9898 }] });
      try {
        new AppService("nowhere", { platform: { target: "k3s", environment: "dev" }, image: "ghcr.io/stefanprodan/podinfo:6.9.2", port: 9898 });
      } catch (error) {
        kubernetesWithoutCluster = error;
      }
      const k3s = { target: "k3s", environment: "dev", kubeconfig: "{}" } as const;
      const k3sComponents: Record<string, () => unknown> = {
        AppService: () => new AppService("k3s-web", { platform: k3s, image: "ghcr.io/stefanprodan/podinfo:6.9.2", port: 9898 }),
        PostgresCluster: () => new PostgresCluster("k3s-db", { platform: k3s }),
        RedisCluster: () => new RedisCluster("k3s-cache", { platform: k3s }),
        MessageQueue: () => new MessageQueue("k3s-queue", { platform: k3s, broker: "nats" }),
        Gateway: () => new Gateway("k3s-edge", { platform: k3s }),
        ObservabilityStack: () => new ObservabilityStack("k3s-observability", { platform: k3s }),
      };
      for (const [component, make] of Object.entries(k3sComponents)) {
        try {
          make();
          onK3s[component] = "ok";
        } catch (error) {
          onK3s[component] = String(error);
        }
      }
      try {
        new AppService("elsewhere", { platform, image: "ghcr.io/stefanprodan/podinfo:6.9.2", port: 9898 }, { providers: [new docker.Provider("other-engine", {})] });
      } catch (error) {
        otherDockerProvider = error;
      }
    },
    { project: "multi-language", stack: "dev" },
  );
});

describe("the component package's schema", () => {
  it("declares the six components with the target as a plain enum field", () => {
    assert.equal(committed.name, PACKAGE);
    assert.equal(committed.version, JSON.parse(fs.readFileSync(path.join(root, "provider", "package.json"), "utf8")).version);
    for (const name of COMPONENTS) {
      const resource = committed.resources[token(name)];
      assert.ok(resource, `${name} is in the schema`);
      assert.equal(resource.inputProperties.platform.$ref, `#/types/${token("PlatformTarget")}`, `${name}.platform`);
      assert.ok(resource.requiredInputs?.includes("platform"), `${name} requires platform`);
      assert.ok(Object.keys(resource.properties).length > 0, `${name} has outputs`);
    }
    assert.deepEqual(committed.types[token("Target")].enum?.map((m) => m.value), ["docker", "k3s"]);
    assert.deepEqual(committed.types[token("Environment")].enum?.map((m) => m.value), ["dev", "staging", "prod"]);
  });

  it("describes every input, and states the default of every optional one (the analyzer drops @default tags)", () => {
    // Optional inputs without a default of their own, and why.
    const noDefault: Record<string, string> = {
      "PlatformTarget.kubeconfig": "unset means the kubernetes provider in providers, which the description says",
      "AppService.env": "no variables",
      "Quantities.cpu": "the component's default, which Resources.requests/limits state",
      "Quantities.memory": "the component's default, which Resources.requests/limits state",
    };
    const properties = [
      ...Object.entries(committed.resources).map(([t, r]) => [refName(`#/types/${t}`), r.inputProperties, r.requiredInputs ?? []] as const),
      ...Object.entries(committed.types).filter(([, t]) => t.properties).map(([t, type]) => [refName(`#/types/${t}`), type.properties!, type.required ?? []] as const),
    ];
    const problems = properties.flatMap(([owner, props, required]) =>
      Object.entries(props).flatMap(([key, property]) => {
        const where = `${owner}.${key}`;
        if (!property.description) return [`${where}: no description`];
        if (/TypeScript API|as `\w+Args\./.test(property.description)) return [`${where}: points at the TypeScript API instead of stating the value`];
        if (!required.includes(key) && !(where in noDefault) && !/Default: /.test(property.description)) return [`${where}: optional without a stated default`];
        return [];
      }),
    );
    assert.deepEqual(problems, []);
  });

  it("is what the analyzer infers from the sources today (else: npm run schema, and commit provider/schema.json)", () => {
    assert.deepEqual(fresh, committed);
  });

  it("goes stale when a component's args change without regenerating: the same check fails on a copy with one field more", async () => {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), "schema-stale-"));
    fs.cpSync(path.join(root, "components"), path.join(copy, "components"), { recursive: true, filter: (src) => !src.endsWith("README.md") });
    fs.cpSync(path.join(root, "provider"), path.join(copy, "provider"), { recursive: true });
    fs.symlinkSync(path.join(root, "node_modules"), path.join(copy, "node_modules"), "dir");
    const args = path.join(copy, "components", "multi-language", "args.ts");
    const source = fs.readFileSync(args, "utf8");
    const anchor = "  /** The container port. */\n  port: number;\n";
    assert.ok(source.includes(anchor), "the AppServiceArgs anchor moved: update this test");
    fs.writeFileSync(args, source.replace(anchor, `${anchor}  /** A field added without regenerating the schema. */\n  addedWithoutRegenerating?: string;\n`));

    const changed = JSON.parse(await generateSchema(path.join(copy, "provider"))) as Schema;
    assert.ok(changed.resources[token("AppService")].inputProperties.addedWithoutRegenerating, "the analyzer sees the new field");
    assert.notDeepEqual(changed, committed, "the staleness check would fail");
    fs.rmSync(copy, { recursive: true, force: true });
  });
});

describe("the multi-language components", () => {
  it("build the TypeScript API's component of the same name as their child: one implementation", () => {
    for (const [name, component] of [["web", "AppService"], ["db", "PostgresCluster"], ["edge", "Gateway"]]) {
      const outer = program.resources.filter((r) => r.type === token(component) && r.name === name);
      const inner = program.resources.filter((r) => r.type === `platform:index:${component}` && r.name === name);
      assert.equal(outer.length, 1, `one ${token(component)} ${name}`);
      assert.equal(inner.length, 1, `one platform:index:${component} ${name}`);
      assert.equal(inner[0].parent, outer[0].urn, `${name}: the TypeScript component is the child of the multi-language one`);
    }
  });

  it("share one Docker engine and network between the components of a program, so the gateway reaches the app by name", () => {
    const hosts = program.resources.filter((r) => r.type === "platform:index:DockerHost");
    assert.equal(hosts.length, 1, hosts.map((h) => h.name).join(", "));
    assert.equal(program.resources.filter((r) => r.type === "docker:index/network:Network").length, 1);
  });

  it("parent the shared Docker host to the stack, named after the network, not to the component that came first", () => {
    const [host] = program.resources.filter((r) => r.type === "platform:index:DockerHost");
    assert.equal(host.name, "docker-multi-language-dev");
    assert.ok(!program.resources.some((r) => r.urn === host.parent && r.type.startsWith(`${PACKAGE}:`)), `parent: ${host.parent}`);
  });

  it("give the shared Docker host, its provider and network the same URNs whichever component a program constructs first, and each component its own environment", () => {
    const run = (components: string[]) =>
      JSON.parse(execFileSync(process.execPath, ["--import", "tsx", "-e", orderProgram(components)], { cwd: root, encoding: "utf8" }).trim().split("\n").pop()!) as {
        shared: string[];
        protectedVolumes: string[];
      };
    const first = run(["web:dev", "db:dev", "edge:dev"]);
    const second = run(["edge:dev", "web:dev", "db:prod"]);
    assert.equal(first.shared.length, 3, first.shared.join(", "));
    assert.deepEqual(second.shared, first.shared);
    assert.deepEqual(first.protectedVolumes, [], "dev: nothing protected");
    assert.ok(second.protectedVolumes.length > 0 && second.protectedVolumes.every((urn) => urn.includes("::db")), "prod db after dev components: its volumes are protected");
  });

  it("refuse a component that passes another docker provider than the others on its network, naming the network", () => {
    assert.match(String(otherDockerProvider), /"elsewhere": the components on Docker network "multi-language-dev" share one engine connection/);
  });

  it("run only AppService on k3s: the others refuse, naming the add-on they need (so the examples target Docker)", () => {
    const expected: [string, RegExp][] = [
      ["AppService", /^ok$/],
      ["PostgresCluster", /backup\.bucket\.endpointUrl` is required on k3s/],
      ["RedisCluster", /addons\.certManager` is required/],
      ["MessageQueue", /addons\.certManager` is required/],
      ["Gateway", /addons\.certManager` is required/],
      ["ObservabilityStack", /needs the Prometheus Operator CRDs/],
    ];
    for (const [component, outcome] of expected) assert.match(onK3s[component], outcome, component);
  });

  it("refuse a k3s target with neither a kubeconfig nor a kubernetes provider, naming the field", () => {
    assert.match(String(kubernetesWithoutCluster), /platform\.target k3s needs platform\.kubeconfig/);
  });
});

/**
 * A program, run in a process of its own (the runtime captures one program per process), that
 * constructs multi-language components in the given order (`name:environment`) on Docker and prints
 * the URNs of the shared host, its docker provider and network, and of the protected volumes.
 */
function orderProgram(components: string[]): string {
  return `
const { captureProgram } = require("./plan/capture");
const ml = require("./components/multi-language");
const make = {
  web: (platform) => new ml.AppService("web", { platform, image: "ghcr.io/stefanprodan/podinfo:6.9.2", port: 9898 }),
  db: (platform) => new ml.PostgresCluster("db", { platform }),
  edge: (platform) => new ml.Gateway("edge", { platform, routes: [{ name: "web", hostname: "app.localhost", serviceName: "web", servicePort: 9898 }] }),
};
captureProgram(() => {
  for (const [name, environment] of ${JSON.stringify(components.map((c) => c.split(":")))}) make[name]({ target: "docker", environment });
}, { project: "multi-language", stack: "dev" }).then((p) => {
  const shared = p.resources.filter((r) => ["platform:index:DockerHost", "pulumi:providers:docker", "docker:index/network:Network"].includes(r.type)).map((r) => r.urn).sort();
  const protectedVolumes = p.resources.filter((r) => r.type === "docker:index/volume:Volume" && r.protect).map((r) => r.urn).sort();
  console.log(JSON.stringify({ shared, protectedVolumes }));
});`;
}

/** Checks a YAML value against a schema property; returns the problems, by path. */
function yamlProblems(value: unknown, property: Property, where: string, variables: Record<string, unknown>): string[] {
  if (typeof value === "string") {
    const whole = /^\$\{([A-Za-z0-9_]+)\}$/.exec(value);
    if (whole && whole[1] in variables) return yamlProblems(variables[whole[1]], property, where, variables);
    if (/\$\{/.test(value)) return []; // an output or config reference: its type is the engine's to check
  }
  if (property.$ref) {
    const type = committed.types[property.$ref.replace("#/types/", "")];
    if (!type) return [`${where}: unknown type ${property.$ref}`];
    if (type.enum) return type.enum.some((m) => m.value === value) ? [] : [`${where}: ${JSON.stringify(value)} is not one of ${type.enum.map((m) => m.value).join(", ")}`];
    return objectProblems(value, type.properties ?? {}, type.required ?? [], where, variables);
  }
  switch (property.type) {
    case "string":
      return typeof value === "string" ? [] : [`${where}: not a string`];
    case "number":
    case "integer":
      return typeof value === "number" ? [] : [`${where}: not a number`];
    case "boolean":
      return typeof value === "boolean" ? [] : [`${where}: not a boolean`];
    case "array":
      return Array.isArray(value) ? value.flatMap((item, i) => yamlProblems(item, property.items!, `${where}[${i}]`, variables)) : [`${where}: not a list`];
    case "object":
      return value !== null && typeof value === "object" ? Object.entries(value).flatMap(([k, v]) => yamlProblems(v, property.additionalProperties ?? { type: "string" }, `${where}.${k}`, variables)) : [`${where}: not a map`];
  }
  return [`${where}: unsupported schema property ${JSON.stringify(property)}`];
}

function objectProblems(value: unknown, properties: Record<string, Property>, required: string[], where: string, variables: Record<string, unknown>): string[] {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return [`${where}: not an object`];
  const entries = Object.entries(value as Record<string, unknown>);
  return [
    ...required.filter((key) => !(key in (value as object))).map((key) => `${where}.${key}: required`),
    ...entries.flatMap(([key, v]) => (properties[key] ? yamlProblems(v, properties[key], `${where}.${key}`, variables) : [`${where}.${key}: not in the schema`])),
  ];
}

/** The calls `acme_platform.<Name>(...)` and enum members `acme_platform.<Enum>.<MEMBER>` of a Python file, from its AST. */
function pythonUses(file: string): { calls: { name: string; keywords: string[]; keywordCalls: Record<string, string> }[]; members: [string, string][] } {
  const script = `
import ast, json, sys
tree = ast.parse(open(sys.argv[1]).read())
alias = next(a.asname or a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names if a.name == "pulumi_acme_platform")
def is_pkg(node): return isinstance(node, ast.Name) and node.id == alias
def called(node): return node.func.attr if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and is_pkg(node.func.value) else None
calls = [{"name": called(n), "keywords": [k.arg for k in n.keywords], "keywordCalls": {k.arg: called(k.value) for k in n.keywords if called(k.value)}} for n in ast.walk(tree) if called(n)]
members = [[n.value.attr, n.attr] for n in ast.walk(tree) if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Attribute) and is_pkg(n.value.value)]
print(json.dumps({"calls": calls, "members": members}))
`;
  return JSON.parse(execFileSync("python3", ["-c", script, file], { encoding: "utf8" }));
}

function hasPython(): boolean {
  try {
    execFileSync("python3", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe("the examples use only what the schema declares", () => {
  it("Pulumi YAML: every acme-platform resource, property, enum value and output", () => {
    const program = parse(fs.readFileSync(path.join(root, "examples", "yaml", "Pulumi.yaml"), "utf8")) as {
      packages: Record<string, string>;
      config?: Record<string, { default?: unknown }>;
      variables?: Record<string, unknown>;
      resources: Record<string, { type: string; properties?: Record<string, unknown> }>;
      outputs?: Record<string, string>;
    };
    assert.equal(path.resolve(root, "examples", "yaml", program.packages[PACKAGE]), path.join(root, "provider"));
    const variables = { ...Object.fromEntries(Object.entries(program.config ?? {}).map(([k, v]) => [k, v.default])), ...(program.variables ?? {}) };
    const used = new Set<string>();
    const problems = Object.entries(program.resources).flatMap(([name, resource]) => {
      const schema = committed.resources[resource.type];
      if (!schema) return [`${name}: ${resource.type} is not in the schema`];
      used.add(resource.type);
      return objectProblems(resource.properties ?? {}, schema.inputProperties, schema.requiredInputs ?? [], name, variables);
    });
    for (const [output, expression] of Object.entries(program.outputs ?? {})) {
      const [resource, property] = /^\$\{(\w+)\.(\w+)\}$/.exec(expression)!.slice(1);
      if (!committed.resources[program.resources[resource]?.type]?.properties[property]) problems.push(`outputs.${output}: ${resource}.${property} is not an output`);
    }
    assert.deepEqual(problems, []);
    assert.deepEqual([...used].sort(), COMPONENTS.map(token).sort(), "the example uses every component");
    assert.equal((program.variables?.platform as { target?: string } | undefined)?.target, "docker", "every component runs only on Docker");
  });

  it("Python: every class, keyword argument, input type and enum member, named as Pulumi's Python codegen names them", (t) => {
    if (!hasPython()) {
      t.skip("python3 is not installed: the Python example is not checked");
      return;
    }
    const { calls, members } = pythonUses(path.join(root, "examples", "python", "__main__.py"));
    const problems: string[] = [];
    const used = new Set<string>();
    const check = (what: string, keywords: string[], keywordCalls: Record<string, string>, properties: Record<string, Property>, required: string[], extra: string[]) => {
      const byPyName = new Map(Object.entries(properties).map(([name, property]) => [pyName(name), { name, property }]));
      for (const keyword of keywords) {
        if (extra.includes(keyword)) continue;
        const declared = byPyName.get(keyword);
        if (!declared) {
          problems.push(`${what}: ${keyword} is not an input (inputs: ${[...byPyName.keys()].join(", ")})`);
          continue;
        }
        const call = keywordCalls[keyword];
        const ref = declared.property.$ref ?? declared.property.items?.$ref;
        if (call && ref && call !== `${refName(ref)}Args`) problems.push(`${what}: ${keyword} takes ${refName(ref)}Args, not ${call}`);
      }
      for (const name of required) if (!keywords.includes(pyName(name))) problems.push(`${what}: ${pyName(name)} is required`);
    };
    for (const call of calls) {
      const resource = committed.resources[token(call.name)];
      const type = call.name.endsWith("Args") ? committed.types[token(call.name.slice(0, -"Args".length))] : undefined;
      if (resource) {
        used.add(call.name);
        check(call.name, call.keywords, call.keywordCalls, resource.inputProperties, resource.requiredInputs ?? [], ["opts"]);
      } else if (type?.properties) {
        check(call.name, call.keywords, call.keywordCalls, type.properties, type.required ?? [], []);
      } else problems.push(`acme_platform.${call.name} is neither a component nor an input type of the schema`);
    }
    for (const [enumName, member] of members) {
      const type = committed.types[token(enumName)];
      if (!type?.enum) problems.push(`acme_platform.${enumName} is not an enum of the schema`);
      else if (!type.enum.some((m) => pyName(m.name).toUpperCase() === member)) problems.push(`acme_platform.${enumName}.${member} is not a member`);
    }
    assert.deepEqual(problems, []);
    assert.deepEqual([...used].sort(), [...COMPONENTS].sort(), "the example uses every component");
    assert.deepEqual(members.filter(([enumName]) => enumName === "Target"), [["Target", "DOCKER"]], "every component runs only on Docker");
  });
});

describe("pyName, the Python codegen's names the Python check relies on", () => {
  // The cases pulumi/pulumi's PyName documents and tests (pkg/codegen/python/utilities.go, utilities_test.go).
  const cases: [string, string][] = [
    ["Sha256Hash", "sha256_hash"],
    ["SHA256Hash", "sha256_hash"],
    ["GetPublicIPs", "get_public_ips"],
    ["ipv6CidrBlock", "ipv6_cidr_block"],
    ["storageGiB", "storage_gi_b"],
    ["lambda", "lambda_"],
  ];
  for (const [name, expected] of cases) it(`${name} → ${expected}`, () => assert.equal(pyName(name), expected));
});
