/**
 * The policy pack matches resources by type token without loading a provider SDK
 * (policies/rules/resource-types.ts): every stand-in carries exactly the token of the SDK class it
 * stands for, at the same path, and loading the rules loads none of the provider SDKs.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { describe, it } from "node:test";
import * as awsSdk from "@pulumi/aws";
import * as dockerSdk from "@pulumi/docker";
import * as gcpSdk from "@pulumi/gcp";
import * as k8sSdk from "@pulumi/kubernetes";
import * as standIns from "../policies/rules/resource-types";

const SDKS: Record<keyof typeof standIns, unknown> = { aws: awsSdk, gcp: gcpSdk, k8s: k8sSdk, docker: dockerSdk };

/** Every stand-in with its path under its namespace, e.g. `["aws", "rds.Instance", standIn]`. */
function leaves(ns: string, value: unknown, at: string[] = []): [string, string, Record<string, unknown>][] {
  const record = value as Record<string, unknown>;
  if (typeof record.__pulumiType === "string") return [[ns, at.join("."), record]];
  return Object.entries(record).flatMap(([key, inner]) => leaves(ns, inner, [...at, key]));
}

const cases = Object.entries(standIns).flatMap(([ns, tree]) => leaves(ns, tree));

describe("the policy pack's resource type stand-ins", () => {
  // The rules import the stand-ins, so the compiler proves every class they use has one.
  it("is a table of stand-ins, not an empty list", () => assert.ok(cases.length > 0));

  for (const [ns, at, standIn] of cases) {
    it(`${ns}.${at} carries the SDK class's type token and matches like it`, () => {
      const real = at.split(".").reduce<any>((o, key) => o?.[key], SDKS[ns as keyof typeof SDKS]);
      assert.equal(typeof real, "function", `${ns}.${at} is a class of the SDK`);
      assert.equal(standIn.__pulumiType, real.__pulumiType);
      // The stand-in answers isInstance as the real class does, for its own token and another.
      const isInstance = standIn.isInstance as (o: unknown) => boolean;
      for (const candidate of [{ __pulumiType: real.__pulumiType }, { __pulumiType: `${real.__pulumiType}Other` }]) {
        assert.equal(isInstance(candidate), real.isInstance(candidate), JSON.stringify(candidate));
      }
      assert.equal(isInstance({ __pulumiType: real.__pulumiType }), true);
    });
  }

  it("loading the rules loads no provider SDK", () => {
    const script = `require(${JSON.stringify(path.resolve(__dirname, "..", "policies", "rules"))});
const loaded = Object.keys(require.cache).map((f) => /node_modules\\/(@pulumi\\/[^/]+)\\//.exec(f)?.[1]).filter(Boolean);
console.log(JSON.stringify([...new Set(loaded)].sort()));`;
    const packages = JSON.parse(execFileSync(process.execPath, ["--import", "tsx", "-e", script], { encoding: "utf8" })) as string[];
    assert.ok(packages.includes("@pulumi/policy"), `the probe sees the packages loaded: ${packages}`);
    for (const sdk of ["@pulumi/aws", "@pulumi/gcp", "@pulumi/kubernetes", "@pulumi/docker"]) assert.ok(!packages.includes(sdk), `${sdk} is not loaded: ${packages}`);
  });
});
