/**
 * Validates Kubernetes objects against the upstream OpenAPI schemas packaged by kubernetes-models
 * (4.5.1, the last release that loads from CommonJS on Node 20).
 *
 * Those schemas accept unknown keys, so a misspelled field would pass. {@link unknownFields} adds
 * the missing check: every key must be a property name that some Kubernetes schema defines, except
 * inside free-form maps (labels, annotations, resource quantities…).
 *
 * @see https://github.com/tommy351/kubernetes-models-ts
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** The model class of an apiVersion/kind, or undefined when kubernetes-models has none. */
export function modelFor(apiVersion: string, kind: string): { validate(): void } & (new (data: object) => { validate(): void }) | undefined {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const modulePath = group ? `kubernetes-models/${group}/${version}/${kind}` : `kubernetes-models/${version}/${kind}`;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(modulePath)[kind];
  } catch {
    return undefined;
  }
}

/**
 * Validates one object.
 * @returns the schema errors as text; empty when valid.
 */
export function schemaErrors(object: { apiVersion: string; kind: string }): string[] {
  const Model = modelFor(object.apiVersion, object.kind);
  if (!Model) return [`no kubernetes-models schema for ${object.apiVersion} ${object.kind}`];
  try {
    new Model(object).validate();
    return [];
  } catch (error) {
    return [(error as Error).message];
  }
}

let knownProperties: Set<string> | undefined;

/** Every property name that the packaged schemas validate, read from the compiled validators. */
function allKnownProperties(): Set<string> {
  if (knownProperties) return knownProperties;
  knownProperties = new Set(["apiVersion", "kind", "metadata"]);
  const dirs = [
    path.dirname(require.resolve("kubernetes-models/package.json")),
    path.dirname(require.resolve("@kubernetes-models/apimachinery/package.json")),
  ].map((d) => path.join(d, "_schemas"));
  for (const dir of dirs) {
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".js"))) {
      for (const match of fs.readFileSync(path.join(dir, file), "utf8").matchAll(/parentDataProperty:"([A-Za-z0-9_$-]+)"/g)) {
        knownProperties.add(match[1]);
      }
    }
  }
  return knownProperties;
}

/** Keys whose values are free-form maps: their own keys are data, not schema fields. */
const MAP_KEYS = new Set(["labels", "annotations", "matchLabels", "nodeSelector", "data", "stringData", "binaryData", "requests", "limits", "parameters", "hard", "capacity"]);

/**
 * Finds keys that no Kubernetes schema defines: almost always a typo.
 * @returns JSON paths of the unknown keys.
 */
export function unknownFields(value: unknown, at = ""): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => unknownFields(v, `${at}[${i}]`));
  if (value === null || typeof value !== "object") return [];
  const known = allKnownProperties();
  const found: string[] = [];
  for (const [key, inner] of Object.entries(value)) {
    const freeForm = MAP_KEYS.has(key) || (key === "selector" && inner !== null && typeof inner === "object" && Object.values(inner).every((v) => typeof v === "string"));
    if (!known.has(key)) found.push(`${at}.${key}`);
    else if (!freeForm) found.push(...unknownFields(inner, `${at}.${key}`));
  }
  return found;
}
