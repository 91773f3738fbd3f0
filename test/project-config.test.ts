/**
 * Pulumi.yaml declares the project's config keys the way Pulumi checks them before the program
 * runs: a key without a default is required in every stack, types are Pulumi's config types, and
 * secrets are marked. The declarations must agree with the program's own schema and every
 * committed stack, or `pulumi up` would refuse a stack the offline plan accepts (or the reverse).
 *
 * @see https://www.pulumi.com/docs/iac/concepts/config/#project-level-configuration
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { z } from "zod";
import { configShape, CONFIG_NAMESPACE, SECRET_KEYS } from "../stacks/config/schema";

const root = path.resolve(__dirname, "..");
interface Declaration {
  type: "string" | "integer" | "boolean" | "array" | "object";
  description?: string;
  default?: unknown;
  secret?: boolean;
  items?: unknown;
}
const project = parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as { name: string; config: Record<string, Declaration> };
const stacks = fs
  .readdirSync(root)
  .filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f))
  .map((file) => ({ file, config: (parse(fs.readFileSync(path.join(root, file), "utf8")) as { config?: Record<string, unknown> }).config ?? {} }));

/** Pulumi's config type for a zod schema. */
function pulumiType(schema: z.ZodType): Declaration["type"] | undefined {
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodDefault) return pulumiType(schema.unwrap() as z.ZodType);
  if (schema instanceof z.ZodString || schema instanceof z.ZodEnum) return "string";
  if (schema instanceof z.ZodBoolean) return "boolean";
  if (schema instanceof z.ZodNumber) return "integer";
  if (schema instanceof z.ZodArray) return "array";
  if (schema instanceof z.ZodObject || schema instanceof z.ZodRecord) return "object";
  return undefined;
}

describe("the project config in Pulumi.yaml", () => {
  const declared = Object.entries(project.config);
  const shape = configShape.shape as Record<string, z.ZodType>;

  it("is in the program's namespace", () => assert.equal(project.name, CONFIG_NAMESPACE));

  it("declares every key the program requires", () => {
    const required = Object.entries(shape).filter(([, schema]) => !schema.safeParse(undefined).success).map(([key]) => key);
    assert.ok(required.length > 0);
    assert.deepEqual(required.filter((key) => !(key in project.config)), []);
  });

  for (const [key, declaration] of declared) {
    it(`${key}: a top-level key of the schema, with its type, its values listed, and a default the schema accepts`, () => {
      assert.ok(shape[key], `${key} is not a key of stacks/config`);
      assert.equal(declaration.type, pulumiType(shape[key]));
      if (declaration.type === "array") assert.ok(declaration.items, "arrays declare items");
      const inner = shape[key] instanceof z.ZodOptional ? (shape[key] as z.ZodOptional<z.ZodType>).unwrap() : shape[key];
      if (inner instanceof z.ZodEnum) for (const value of inner.options) assert.match(declaration.description ?? "", new RegExp(`\\b${String(value)}\\b`), `the description lists ${String(value)}`);
      if ("default" in declaration) assert.ok(shape[key].safeParse(declaration.default).success, "the default passes the schema");
      assert.equal(declaration.secret === true, (SECRET_KEYS as readonly string[]).includes(key), "secret exactly when the program requires a secret");
    });

    if (!("default" in declaration)) {
      it(`${key}: required by Pulumi (no default), and set by every committed stack`, () => {
        const missing = stacks.filter((s) => s.config[`${CONFIG_NAMESPACE}:${key}`] === undefined).map((s) => s.file);
        assert.deepEqual(missing, []);
      });
    }
  }
});
