/**
 * The README's configuration section documents every key the config schema accepts: a key is
 * documented when a row names it, or names a block it is in (`postgres.backup.*`,
 * `eks.nodeGroups[]`, `gateway.docker.{httpPort,httpsPort}`) and lists the rest of its path. The
 * services' keys are the paragraph after the table. The README is read with a Markdown lexer.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { lexer, type Token, type Tokens } from "marked";
import { z } from "zod";
import { configSchema } from "../stacks/config";

const readme = fs.readFileSync(path.join(__dirname, "..", "README.md"), "utf8");

/** Every key path the schema accepts, down to its leaves: objects and array elements are walked. */
function keyPaths(schema: z.ZodType, prefix = ""): string[] {
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable) return keyPaths(schema.unwrap() as z.ZodType, prefix);
  if (schema instanceof z.ZodArray) return keyPaths(schema.element as z.ZodType, prefix);
  if (schema instanceof z.ZodUnion) return [...new Set(schema.options.flatMap((option) => keyPaths(option as z.ZodType, prefix)))];
  if (schema instanceof z.ZodObject) {
    return Object.entries(schema.shape).flatMap(([key, value]) => {
      const inner = keyPaths(value as z.ZodType, `${prefix}${key}.`);
      return inner.length > 0 ? inner : [`${prefix}${key}`];
    });
  }
  return [];
}

/** The code spans of a run of inline tokens, with brace lists expanded (`a.{b,c}` → `a.b`, `a.c`). */
function codeSpans(tokens: readonly Token[]): string[] {
  const spans: string[] = [];
  const walk = (list: readonly Token[]) => {
    for (const token of list) {
      if (token.type === "codespan") spans.push(...expand((token as Tokens.Codespan).text));
      if ("tokens" in token && Array.isArray(token.tokens)) walk(token.tokens);
    }
  };
  walk(tokens);
  return spans;
}

/** `a.{b,c}.{d,e}` → `a.b.d`, `a.b.e`, `a.c.d`, `a.c.e`. */
function expand(text: string): string[] {
  const match = /\{([^{}]*)\}/.exec(text);
  if (!match) return [text];
  return match[1].split(",").flatMap((choice) => expand(text.slice(0, match.index) + choice.trim() + text.slice(match.index + match[0].length)));
}

/** One place the README documents keys: the keys it names (`keys`), and every code span of it. */
interface Entry {
  readonly keys: string[];
  readonly spans: Set<string>;
}

/** The configuration section's table rows and the services paragraph after it. */
function documentation(): Entry[] {
  const tokens = lexer(readme);
  const start = tokens.findIndex((t) => t.type === "heading" && (t as Tokens.Heading).text === "Configuration");
  assert.ok(start >= 0, "the README has a Configuration section");
  const section: Token[] = [];
  for (const token of tokens.slice(start + 1)) {
    if (token.type === "heading" && (token as Tokens.Heading).depth <= 2) break;
    section.push(token);
  }
  const entries: Entry[] = [];
  for (const token of section) {
    if (token.type === "table") {
      for (const row of (token as Tokens.Table).rows) {
        const keys = codeSpans(row[0].tokens).map((k) => k.replace(/(\.\*|\[\])$/, ""));
        entries.push({ keys, spans: new Set(row.flatMap((cell) => codeSpans(cell.tokens))) });
      }
    } else if (token.type === "paragraph" && /^Each entry of `services`/.test((token as Tokens.Paragraph).text)) {
      entries.push({ keys: ["services"], spans: new Set(codeSpans((token as Tokens.Paragraph).tokens)) });
    }
  }
  return entries;
}

/** Whether an entry documents a key path: it names it, or names a block it is in and lists the rest of it. */
function documents(entry: Entry, keyPath: string): boolean {
  return entry.keys.some((key) => {
    if (key === keyPath) return true;
    if (!keyPath.startsWith(`${key}.`)) return false;
    const rest = keyPath.slice(key.length + 1);
    const segments = rest.split(".");
    // The rest is named whole, or each of its segments is (`bucket` (`name`, …)).
    return entry.spans.has(rest) || [...entry.spans].some((span) => span.endsWith(`.${rest}`)) || segments.every((s) => [...entry.spans].some((span) => span.split(".").includes(s)));
  });
}

describe("the README's configuration table", () => {
  const paths = keyPaths(configSchema as unknown as z.ZodType);
  const entries = documentation();

  it("finds the schema's keys and the README's rows", () => {
    assert.ok(paths.length > 100, `${paths.length} key paths`);
    assert.ok(paths.includes("postgres.backup.bucket.credentialsSecret.name") && paths.includes("services.canary.weights.stable"));
    assert.ok(entries.length > 40, `${entries.length} rows`);
  });

  it("documents every key the schema accepts", () => {
    const missing = paths.filter((p) => !entries.some((entry) => documents(entry, p)));
    assert.deepEqual(missing, [], `add these keys to the Configuration section of README.md`);
  });

  // The matcher itself: what counts as documented, and what does not.
  const table: [entry: Entry, keyPath: string, documented: boolean][] = [
    [{ keys: ["eks.region"], spans: new Set(["eks.region"]) }, "eks.region", true],
    [{ keys: ["eks.region"], spans: new Set(["eks.region"]) }, "eks.regions", false],
    [{ keys: ["postgres.pooler"], spans: new Set(["enabled", "instances"]) }, "postgres.pooler.instances", true],
    [{ keys: ["postgres.pooler"], spans: new Set(["enabled", "instances"]) }, "postgres.pooler.poolMode", false],
    [{ keys: ["postgres.backup"], spans: new Set(["bucket", "name", "endpointUrl"]) }, "postgres.backup.bucket.name", true],
    [{ keys: ["gateway.docker.httpPort", "gateway.docker.httpsPort"], spans: new Set(expand("gateway.docker.{httpPort,httpsPort}")) }, "gateway.docker.httpsPort", true],
    [{ keys: ["services"], spans: new Set(expand("autoscaling.{enabled,minReplicas}")) }, "services.autoscaling.minReplicas", true],
    [{ keys: ["services"], spans: new Set(expand("autoscaling.{enabled,minReplicas}")) }, "services.autoscaling.maxReplicas", false],
  ];
  for (const [entry, keyPath, documented] of table) {
    it(`${documented ? "counts" : "does not count"} ${keyPath} as documented by a row for ${entry.keys.join(", ")}`, () => {
      assert.equal(documents(entry, keyPath), documented);
    });
  }
});
