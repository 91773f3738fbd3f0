/**
 * Generates the component package's schema with the SDK's own analyzer, in-process, the way the
 * provider host does when the Pulumi CLI asks for it: `npm run schema` writes `schema.json`, which
 * test/multi-language.test.ts compares with a fresh run, so args cannot change without it.
 *
 * @see https://github.com/pulumi/pulumi/blob/master/sdk/nodejs/provider/experimental/analyzer.ts
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental";
import { MULTI_LANGUAGE_PACKAGE, multiLanguageComponents } from "../components/multi-language";

/** The committed schema. */
export const SCHEMA_FILE = path.join(__dirname, "schema.json");

/**
 * The schema the analyzer infers from the provider directory `dirname` (its `package.json`,
 * `tsconfig.json` and `index.ts`), as formatted JSON.
 *
 * @param dirname - the provider directory. @default this directory
 */
export async function generateSchema(dirname: string = __dirname): Promise<string> {
  const provider = new ComponentProvider({ name: MULTI_LANGUAGE_PACKAGE, components: multiLanguageComponents, dirname });
  return `${JSON.stringify(JSON.parse(await provider.getSchema()), null, 2)}\n`;
}

if (require.main === module) {
  generateSchema()
    .then((schema) => fs.writeFileSync(SCHEMA_FILE, schema))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
