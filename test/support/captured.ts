/**
 * Lookups over a captured program that the component suites share.
 *
 * @see https://www.pulumi.com/docs/iac/guides/testing/unit/
 */
import assert from "node:assert/strict";
import type { CapturedResource } from "../../plan/capture";

/** The one resource of `type` named `name`; fails the test when there is none or several. */
export function findOne(resources: readonly CapturedResource[], type: string, name: string): CapturedResource {
  const found = resources.filter((r) => r.type === type && r.name === name);
  assert.equal(found.length, 1, `expected one ${type} named ${name}, found ${found.length}`);
  return found[0];
}

/** Every resource registered under the component named `componentName`, at any depth. */
export function descendants(resources: readonly CapturedResource[], componentName: string): CapturedResource[] {
  const root = resources.find((r) => !r.custom && r.name === componentName);
  assert.ok(root, `no component ${componentName}`);
  const urns = new Set([root.urn]);
  const found: CapturedResource[] = [];
  for (const r of resources) {
    if (r.parent && urns.has(r.parent)) {
      urns.add(r.urn);
      found.push(r);
    }
  }
  return found;
}

/** A captured Kubernetes object as the API server would receive it, for schema checks. */
export function k8sObject(r: CapturedResource): any {
  return { apiVersion: r.inputs.apiVersion, kind: r.inputs.kind, ...r.inputs };
}
