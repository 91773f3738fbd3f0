/**
 * Validates custom resources against the upstream CRDs at pinned releases in `../shared/crds/`
 * (its SOURCES.md names repository, tag and commit). The CRDs are read from there, never copied
 * into the project; `PLATFORM_CRDS_DIR` may point elsewhere.
 *
 * Two checks per object:
 * - ajv (strict off, so `x-kubernetes-*` extensions are ignored) against
 *   `spec.versions[].schema.openAPIV3Schema`;
 * - unknown fields: the API server prunes keys a structural schema does not declare, so a typo
 *   would be dropped silently. Every key must be declared, except under
 *   `x-kubernetes-preserve-unknown-fields` or `additionalProperties`.
 *
 * When the folder is absent, {@link crdSkipReason} says so and tests skip loudly.
 *
 * @see https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#specifying-a-structural-schema
 */
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv, { type ValidateFunction } from "ajv";
import { parseAllDocuments } from "yaml";

/** Where the CRDs are read from. */
export const CRDS_DIR = process.env.PLATFORM_CRDS_DIR ?? path.resolve(__dirname, "../../../shared/crds");

type Schema = Record<string, any>;

let schemas: Map<string, Schema> | undefined;

function yamlFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return yamlFiles(full);
    return /\.ya?ml$/.test(entry.name) ? [full] : [];
  });
}

/** Every CRD schema by `group/version Kind`. */
function allSchemas(): Map<string, Schema> {
  if (schemas) return schemas;
  schemas = new Map();
  for (const file of yamlFiles(CRDS_DIR)) {
    for (const doc of parseAllDocuments(fs.readFileSync(file, "utf8"))) {
      const crd = doc.toJS() as Schema | null;
      if (crd?.kind !== "CustomResourceDefinition") continue;
      for (const version of crd.spec.versions ?? []) {
        const schema = version.schema?.openAPIV3Schema;
        if (schema) schemas.set(`${crd.spec.group}/${version.name} ${crd.spec.names.kind}`, schema);
      }
    }
  }
  return schemas;
}

/** Why CRD checks cannot run, or `undefined` when the CRDs are present. */
export function crdSkipReason(): string | undefined {
  if (!fs.existsSync(CRDS_DIR)) return `SKIPPED: upstream CRDs not found at ${CRDS_DIR} (set PLATFORM_CRDS_DIR); custom resources were NOT schema-checked`;
  return allSchemas().size === 0 ? `SKIPPED: no CRDs in ${CRDS_DIR}` : undefined;
}

/** Whether a CRD for the apiVersion and kind is present. */
export function hasCrd(apiVersion: string, kind: string): boolean {
  return allSchemas().has(`${apiVersion} ${kind}`);
}

/**
 * CRD patterns are Go (RE2) regular expressions. The one construct JavaScript lacks is a leading
 * case-insensitive flag group, `(?i)` (the PrometheusRule CRD's `^(?i)(abort|warn)?$`): it becomes
 * the `i` flag.
 */
function goRegExp(pattern: string, flags: string): RegExp {
  const match = /^(\^?)\(\?i\)/.exec(pattern);
  return match ? new RegExp(match[1] + pattern.slice(match[0].length), `${flags}i`) : new RegExp(pattern, flags);
}

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, code: { regExp: goRegExp as unknown as NonNullable<NonNullable<ConstructorParameters<typeof Ajv>[0]>["code"]>["regExp"] } });
const compiled = new Map<string, ValidateFunction>();

/** Keys the schema does not declare: the API server would prune them silently. */
export function undeclaredFields(schema: Schema | undefined, value: unknown, at = ""): string[] {
  if (!schema || value === null || typeof value !== "object") return [];
  if (Array.isArray(value)) return schema.items ? value.flatMap((v, i) => undeclaredFields(schema.items, v, `${at}[${i}]`)) : [];
  if (schema["x-kubernetes-preserve-unknown-fields"] === true && !schema.properties) return [];
  const branches: Schema[] = [schema, ...(schema.allOf ?? []), ...(schema.anyOf ?? []), ...(schema.oneOf ?? [])];
  const properties: Schema = Object.assign({}, ...branches.map((b) => b.properties ?? {}));
  const found: string[] = [];
  for (const [key, inner] of Object.entries(value)) {
    if (at === "" && (key === "apiVersion" || key === "kind" || key === "metadata")) continue;
    if (key in properties) found.push(...undeclaredFields(properties[key], inner, `${at}.${key}`));
    else if (schema.additionalProperties && typeof schema.additionalProperties === "object") found.push(...undeclaredFields(schema.additionalProperties, inner, `${at}.${key}`));
    else if (schema.additionalProperties !== true && schema["x-kubernetes-preserve-unknown-fields"] !== true) found.push(`${at}.${key}`);
  }
  return found;
}

/**
 * Validates one custom resource.
 * @returns the problems as text; empty when valid. An object whose CRD is missing is a problem.
 */
export function crdSchemaErrors(object: { apiVersion: string; kind: string; [key: string]: unknown }): string[] {
  const key = `${object.apiVersion} ${object.kind}`;
  const schema = allSchemas().get(key);
  if (!schema) return [`no CRD in ${CRDS_DIR} for ${key}`];
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(key, validate);
  }
  const errors = validate(object) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}${e.params && "allowedValues" in e.params ? ` (${(e.params as { allowedValues: unknown[] }).allowedValues.join(", ")})` : ""}`);
  return [...errors, ...undeclaredFields(schema, object).map((p) => `${p} is not declared by the CRD (the API server would drop it)`)];
}
