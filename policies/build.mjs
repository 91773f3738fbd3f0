/**
 * Bundles the policy pack into `bin/index.js`: the rules and the few pieces of the component
 * library they share (the contract's label constants, quantity and image parsers) are inlined, and
 * every npm package stays an import that the pack's own `package.json` declares. The pack therefore
 * runs, and is published with `pulumi policy publish`, without the program's sources.
 *
 * Run by `npm run build`, and by `prepack` before `npm pack` and `npm publish`. Not by an install
 * lifecycle script: Pulumi installs a published pack with `npm install` in its unpacked directory,
 * which holds only `files` (bin, PulumiPolicy.yaml, README.md), not this script.
 *
 * @see https://esbuild.github.io/api/#packages
 */
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import * as path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));

/** The esbuild options; the tests bundle with the same ones. */
export const bundleOptions = {
  entryPoints: [path.join(here, "index.ts")],
  outfile: path.join(here, "bin", "index.js"),
  bundle: true,
  platform: "node",
  target: "node22",
  format: "cjs",
  packages: "external",
  legalComments: "none",
  logLevel: "warning",
};

if (process.argv[1] === fileURLToPath(import.meta.url)) await build(bundleOptions);
