/**
 * Checks Helm release values against the upstream charts pinned in `../shared/charts/`, one
 * `<chart>-<version>` folder per chart with `Chart.yaml`, `values.yaml` and, where the chart ships
 * one, `values.schema.json` (its SOURCES.md names repository and tag). The charts are read from
 * there, never copied into the project; `PLATFORM_CHARTS_DIR` may point elsewhere.
 *
 * Per release, as `helm install` would see it:
 * - the release values are coalesced over the chart's `values.yaml` ({@link coalesce}), then the
 *   result is validated against `values.schema.json` with ajv (the draft the schema names);
 * - every key the release sets at the top level, and one level below where the chart's default is
 *   a closed map ({@link checkKeys}), must be declared by `values.yaml` (a commented-out key counts),
 *   the schema's `properties`, a dependency, or {@link TEMPLATE_READ} (keys templates read with no
 *   default, checked upstream): Helm ignores any other key silently. Maps rendered whole (Kubernetes
 *   fields, {@link FREE_FORM} config files) are not checked below their top;
 * - each dependency whose `<name>-<version>` folder is present (kube-prometheus-stack's grafana,
 *   kube-state-metrics, prometheus-node-exporter) is checked the same way on its own section.
 *
 * Plan placeholders (`[secret]`, `[unknown]`) are strings of unknown content: a schema error at or
 * below one is dropped, never reported.
 *
 * The coalesce is written here: no npm package does Helm's semantics (`deepmerge`, `lodash.merge`
 * and `deepmerge-ts` concatenate or merge lists, keep `null`, and let a scalar replace a table).
 *
 * @see https://helm.sh/docs/chart_template_guide/values_files/#deleting-a-default-key
 * @see https://github.com/helm/helm/blob/main/pkg/chart/common/util/coalesce.go
 */
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv, { type ValidateFunction } from "ajv";
import Ajv2019 from "ajv/dist/2019";
import Ajv2020 from "ajv/dist/2020";
import { parse as parseYaml } from "yaml";

/** Where the charts are read from. */
export const CHARTS_DIR = process.env.PLATFORM_CHARTS_DIR ?? path.resolve(__dirname, "../../../shared/charts");

/** Placeholders the plan file writes for values not known offline. */
export const PLACEHOLDERS = new Set(["[secret]", "[unknown]"]);

type Values = Record<string, unknown>;
type Schema = Record<string, any>;

/** A pinned chart as read from its folder. */
export interface Chart {
  readonly name: string;
  readonly folder: string;
  /** Defaults as the templates see them (Istio's `_internal_defaults_do_not_set` unwrapped). */
  readonly defaults: Values;
  readonly schema?: Schema;
  /** Keys declared only in comments of `values.yaml` or read by templates ({@link TEMPLATE_READ}), by parent path. */
  readonly undocumented: ReadonlyMap<string, ReadonlySet<string>>;
  /** Dependencies by the values key that configures them (alias or name). */
  readonly dependencies: ReadonlyMap<string, { name: string; version: string }>;
}

/** The outcome of one release: `chart` undefined when its folder is absent (an unverified pin). */
export interface Check {
  readonly folder: string;
  readonly chart?: Chart;
  /** Schema violations and undeclared keys, each as `<path>: <problem>`. */
  readonly problems: string[];
  /** Dependencies checked, or named as absent. */
  readonly notes: string[];
}

/** Why the chart checks cannot run, or `undefined` when the charts are present. */
export function chartsSkipReason(): string | undefined {
  if (!fs.existsSync(CHARTS_DIR)) return `SKIPPED: pinned charts not found at ${CHARTS_DIR} (set PLATFORM_CHARTS_DIR); Helm values were NOT checked`;
  return fs.readdirSync(CHARTS_DIR).some((f) => fs.existsSync(path.join(CHARTS_DIR, f, "values.yaml"))) ? undefined : `SKIPPED: no chart folders in ${CHARTS_DIR}`;
}

/**
 * The chart's name from a release's `chart` input: a repository chart name as is; for
 * `oci://host/path/name` the last segment; for a `.tgz` URL or path the file name without
 * `-<version>.tgz`.
 */
export function chartName(chart: string): string {
  const last = chart.replace(/\/+$/, "").split("/").pop()!;
  if (/\.tgz$/.test(last)) return last.replace(/\.tgz$/, "").replace(/-v?\d+\.\d+\.\d+[^/]*$/, "");
  return last.replace(/:.*$/, "");
}

const isMap = (v: unknown): v is Values => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * Helm's coalesce of user values over chart defaults (`CoalesceValues`): maps merge key by key,
 * recursively; any other user value (list, scalar, or a map over a default scalar) replaces the
 * default whole, as a scalar over a default map does (Helm warns, the user's value stays); a
 * user `null` deletes the key, default included. Defaults that are `null` stay (`clusterName:`
 * with no value). One simplification: Helm keeps a user `null` under a key the chart has no
 * default for at all; here every user `null` is dropped (only a schema on such a key could tell).
 * Neither input is modified.
 */
export function coalesce(user: Values, defaults: Values): Values {
  const out: Values = {};
  for (const [key, value] of Object.entries(user)) if (value !== null) out[key] = isMap(value) ? coalesce(value, {}) : structuredClone(value);
  for (const [key, value] of Object.entries(defaults)) {
    if (!(key in user)) out[key] = structuredClone(value);
    else if (isMap(user[key]) && isMap(value)) out[key] = coalesce(user[key] as Values, value);
  }
  return out;
}

/**
 * Keys that `values.yaml` documents only in a comment (`  # storageClassName: local-path`), by the
 * path of their parent map (`\n`-joined, `""` for the top): chart templates read them without a
 * default. The parent is found by the `#`'s column against the keys above it.
 */
function commentedKeys(text: string, unwrap: string): Map<string, Set<string>> {
  const found = new Map<string, Set<string>>();
  const stack: { indent: number; key: string }[] = [];
  for (const line of text.split("\n")) {
    const comment = /^(\s*)#+\s*([A-Za-z_][\w.\-]*):(\s|$)/.exec(line);
    const real = comment ? undefined : /^(\s*)(?:- )?("[^"]+"|'[^']+'|[A-Za-z_$][^:#\s]*):(\s|$)/.exec(line);
    const match = comment ?? real;
    if (!match) continue;
    const indent = match[1].length;
    while (stack.length && stack[stack.length - 1].indent >= indent) stack.pop();
    const parent = stack.map((e) => e.key).filter((k, i) => !(i === 0 && k === unwrap));
    if (comment) {
      const at = parent.join("\n");
      found.set(at, (found.get(at) ?? new Set()).add(comment[2]));
    } else stack.push({ indent, key: real![2].replace(/^["']|["']$/g, "") });
  }
  return found;
}

const charts = new Map<string, Chart | undefined>();

/** The chart in `<name>-<version>`, or `undefined` when that folder is absent. */
export function loadChart(name: string, version: string): Chart | undefined {
  const folder = `${name}-${version}`;
  if (charts.has(folder)) return charts.get(folder);
  const dir = path.join(CHARTS_DIR, folder);
  let chart: Chart | undefined;
  if (fs.existsSync(path.join(dir, "values.yaml"))) {
    const text = fs.readFileSync(path.join(dir, "values.yaml"), "utf8");
    const raw = (parseYaml(text) ?? {}) as Values;
    // Istio's charts keep every default under this key and merge it under .Values in zzz_profile.yaml.
    const { _internal_defaults_do_not_set: wrapped, ...rest } = raw;
    const defaults = isMap(wrapped) ? { ...wrapped, ...rest } : raw;
    const schemaFile = path.join(dir, "values.schema.json");
    const meta = parseYaml(fs.readFileSync(path.join(dir, "Chart.yaml"), "utf8")) as { dependencies?: { name: string; alias?: string; version: string }[] };
    const dependencies = new Map((meta.dependencies ?? []).map((d) => [d.alias ?? d.name, { name: d.name, version: String(d.version) }] as const));
    const undocumented = commentedKeys(text, "_internal_defaults_do_not_set");
    for (const [parent, keys] of Object.entries(TEMPLATE_READ[name] ?? {})) undocumented.set(parent, new Set([...(undocumented.get(parent) ?? []), ...(keys as string[])]));
    chart = { name, folder, defaults, schema: fs.existsSync(schemaFile) ? JSON.parse(fs.readFileSync(schemaFile, "utf8")) : undefined, undocumented, dependencies };
  }
  charts.set(folder, chart);
  return chart;
}

const validators = new Map<Schema, ValidateFunction>();

/** Compiles with the Ajv class of the schema's draft; `http://json-schema.org/schema#` (no draft) as draft-07. */
function validator(schema: Schema): ValidateFunction {
  let validate = validators.get(schema);
  if (validate) return validate;
  const draft = String(schema.$schema ?? "");
  const options = { strict: false, allErrors: true };
  const ajv = draft.includes("2020-12") ? new Ajv2020(options) : draft.includes("2019-09") ? new Ajv2019(options) : new Ajv(options);
  const { $schema: _ignored, ...body } = schema;
  validate = ajv.compile(/draft-0[67]|2019-09|2020-12/.test(draft) ? schema : body);
  validators.set(schema, validate);
  return validate;
}

/** Follows local `$ref`s (`#/$defs/...`) and gathers the `properties` of every branch. */
function properties(schema: Schema | undefined, root: Schema, seen = 0): Record<string, Schema> | undefined {
  if (!isMap(schema) || seen > 20) return undefined;
  if (typeof schema.$ref === "string" && schema.$ref.startsWith("#/")) {
    const target = schema.$ref.slice(2).split("/").reduce<any>((s, k) => s?.[k.replace(/~1/g, "/").replace(/~0/g, "~")], root);
    return properties(target, root, seen + 1);
  }
  const node: Schema = schema;
  const branches: Schema[] = [node, ...(node.allOf ?? []), ...(node.anyOf ?? []), ...(node.oneOf ?? [])];
  const found = branches.map((b) => (b === node ? b.properties : properties(b, root, seen + 1)));
  return found.some(Boolean) ? Object.assign({}, ...found) : undefined;
}

/** Whether the schema node leaves room for keys it does not list. */
function open(schema: Schema | undefined, root: Schema): boolean {
  if (!isMap(schema)) return true;
  if (typeof schema.$ref === "string" && schema.$ref.startsWith("#/")) return open(schema.$ref.slice(2).split("/").reduce<any>((s, k) => s?.[k], root), root);
  return schema.additionalProperties !== false && schema.unevaluatedProperties !== false;
}

/** Whether a value is a plan placeholder. */
const placeholder = (v: unknown) => typeof v === "string" && PLACEHOLDERS.has(v);

/** The value at a JSON pointer (`/a/b/0`) of the instance. */
function at(value: unknown, pointer: string): unknown[] {
  const chain: unknown[] = [value];
  for (const part of pointer.split("/").slice(1)) {
    const current = chain[chain.length - 1] as any;
    chain.push(current?.[part.replace(/~1/g, "/").replace(/~0/g, "~")]);
  }
  return chain;
}

/** Schema errors of merged values, `<path>: <message>`, those at or below a placeholder dropped. */
export function schemaProblems(schema: Schema, merged: Values, prefix = ""): string[] {
  const validate = validator(schema);
  if (validate(merged)) return [];
  return (validate.errors ?? [])
    .filter((e) => !at(merged, e.instancePath).some(placeholder))
    .map((e) => {
      const params = e.params as Record<string, unknown>;
      const detail = params.allowedValues ? ` (${(params.allowedValues as unknown[]).join(", ")})` : params.additionalProperty ? ` (${params.additionalProperty})` : "";
      const pathText = (prefix + e.instancePath.replace(/\//g, ".")) || ".";
      return `${pathText}: schema: ${e.message}${detail}; got ${JSON.stringify(at(merged, e.instancePath).pop())?.slice(0, 80)}`;
    });
}

/** Top-level keys whose maps are Kubernetes fields rendered whole (`toYaml`): any field is meaningful. */
const KUBERNETES_FIELD = /(^|[a-z])(resources|[sS]ecurityContext|affinity|nodeSelector|tolerations|[aA]nnotations|[lL]abels|[pP]robe|seccompProfile|strategy|env)$/;

/**
 * Keys of the user's values that the chart does not declare. Top level: declared by `values.yaml`
 * (a comment included), the schema's `properties`, a dependency's key, `global`, or
 * {@link TEMPLATE_READ}. One level down, only under a key whose default is a non-empty map that is
 * neither a Kubernetes field rendered whole, nor {@link FREE_FORM}, nor opened by the schema:
 * there the default's keys, commented ones and the schema's are the whole set.
 */
export function checkKeys(chart: Chart, user: Values, prefix = "", parentDefaults: Values = {}): string[] {
  const schema = chart.schema;
  const top = schema ? properties(schema, schema) : undefined;
  const known = coalesce(parentDefaults, chart.defaults);
  const extra = (at: string) => chart.undocumented.get(at) ?? new Set<string>();
  const found: string[] = [];
  for (const [key, value] of Object.entries(user)) {
    const where = `${prefix}.${key}`;
    const declared = key in known || (top !== undefined && key in top) || chart.dependencies.has(key) || key === "global" || extra("").has(key);
    if (!declared) {
      found.push(`${where}: not declared by ${chart.folder} (values.yaml${schema ? " or values.schema.json" : ""}); Helm ignores it`);
      continue;
    }
    const defaults = known[key];
    if (!isMap(value) || !isMap(defaults) || Object.keys(defaults).length === 0 || chart.dependencies.has(key)) continue;
    if (KUBERNETES_FIELD.test(key) || FREE_FORM[chart.name]?.includes(key)) continue;
    if (schema && top?.[key] && open(top[key], schema)) continue;
    const inner = schema && top?.[key] ? properties(top[key], schema) : undefined;
    for (const sub of Object.keys(value)) {
      if (sub in defaults || (inner && sub in inner) || extra(key).has(sub)) continue;
      found.push(`${where}.${sub}: not declared under ${key} by ${chart.folder} (values.yaml has: ${Object.keys(defaults).join(", ")}); Helm ignores it`);
    }
  }
  return found;
}

/**
 * Maps whose defaults are examples, not the set of keys: the chart renders them whole as a
 * config file, so any key is meaningful. By chart name, the top-level key.
 */
export const FREE_FORM: Record<string, string[]> = {
  // grafana.ini is rendered section by section into grafana.ini (templates/_config.tpl).
  grafana: ["grafana.ini"],
  // meshConfig is merged over the chart's mesh config (istio-discovery templates/configmap.yaml).
  istiod: ["meshConfig"],
};

/**
 * Keys read by templates with neither a default nor a comment in `values.yaml`, checked upstream.
 * By chart name, then parent path (`""` for the top).
 */
export const TEMPLATE_READ: Record<string, Record<string, string[]>> = {
  // Istio's templates/zzz_profile.yaml (1.30.3) selects files/profile-*.yaml by these.
  ...Object.fromEntries(["base", "cni", "istiod"].map((chart) => [chart, { "": ["profile", "platform", "compatibilityVersion"], global: ["profile", "platform"] }])),
  // templates/heartbeat.yaml (edge-26.8.3) renders `.Values.heartbeatResources`; values.yaml omits it.
  "linkerd-control-plane": { "": ["heartbeatResources"] },
};

/**
 * Checks one release's values against `<chart>-<version>`.
 * @param values - the release's `values` input (a plain object; `undefined` means none).
 * @param prefix - the path of these values (a subchart's key).
 * @param parentDefaults - for a subchart, the parent's defaults for its section (they win over the subchart's).
 */
export function checkRelease(name: string, version: string, values: unknown, prefix = "", parentDefaults: Values = {}): Check {
  const folder = `${name}-${version}`;
  const chart = loadChart(name, version);
  if (!chart) return { folder, problems: [], notes: [] };
  if (placeholder(values)) return { folder, chart, problems: [], notes: [`${prefix || "values"} is ${values} as a whole: not checked`] };
  const user = isMap(values) ? values : {};
  // A subchart's section: the parent's defaults for it win over the subchart's (user nulls delete both).
  const merged = coalesce(user, coalesce(parentDefaults, chart.defaults));
  const problems = [...(chart.schema ? schemaProblems(chart.schema, merged, prefix) : []), ...checkKeys(chart, user, prefix, parentDefaults)];
  const notes: string[] = [];
  for (const [key, dep] of chart.dependencies) {
    if (!isMap(user[key])) continue;
    const sub = loadChart(dep.name, dep.version);
    if (!sub) {
      notes.push(`${prefix}.${key}: subchart ${dep.name}-${dep.version} not in ${CHARTS_DIR}, checked against ${folder} only`);
      continue;
    }
    const nested = checkRelease(dep.name, dep.version, user[key], `${prefix}.${key}`, isMap(chart.defaults[key]) ? chart.defaults[key] : {});
    problems.push(...nested.problems);
    notes.push(`${prefix}.${key}: checked against subchart ${sub.folder}`, ...nested.notes);
  }
  return { folder, chart, problems, notes };
}
