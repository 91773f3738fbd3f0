/**
 * `@pulumi/aws` and `@pulumi/gcp` are optional peer dependencies: a project that picks EKS or GKE
 * without installing the SDK gets an error that says what to install, not a bare MODULE_NOT_FOUND.
 */
import assert from "node:assert/strict";
import Module from "node:module";
import { describe, it } from "node:test";
import { createPlatform } from "../components/platform";

/** Resolves `sdk` as if it were not installed while `run` runs. */
function without<T>(sdk: string, run: () => T): T {
  const loader = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
  const original = loader._resolveFilename;
  loader._resolveFilename = function (request, ...rest) {
    if (request === sdk || request.startsWith(`${sdk}/`)) throw Object.assign(new Error(`Cannot find module '${sdk}'`), { code: "MODULE_NOT_FOUND" });
    return original.call(this, request, ...rest);
  };
  try {
    return run();
  } finally {
    loader._resolveFilename = original;
  }
}

describe("a cloud target whose SDK is not installed", () => {
  const cases = [
    { target: "eks", sdk: "@pulumi/aws", args: { target: "eks", eks: { environment: "dev", region: "eu-west-1" } } },
    { target: "gke", sdk: "@pulumi/gcp", args: { target: "gke", gke: { environment: "dev", project: "acme-platform-dev", region: "europe-west1" } } },
  ] as const;
  for (const c of cases) {
    it(`${c.target}: names ${c.sdk} and the npm install that fixes it`, () => {
      assert.throws(() => without(c.sdk, () => createPlatform("cluster", c.args as never)), { message: `createPlatform: target "${c.target}" needs ${c.sdk}, an optional peer dependency of this package: run \`npm install ${c.sdk}\` in your project` });
    });
  }
});
