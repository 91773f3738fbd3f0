/**
 * namespace-default-deny: in production, every namespace the stack creates (Namespace objects and
 * Helm releases with createNamespace) has a NetworkPolicy that selects every pod, isolates both
 * directions and admits nothing. A compliant fixture, and one mutation per way it fails.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CapturedResource } from "../plan/capture";
import { runPolicies } from "../plan/policy-runner";
import { namespaceDefaultDeny } from "../policies/rules";
import { isDefaultDeny } from "../policies/rules/namespace-default-deny";
import { mutate, resource, urnOf } from "./support/policy-fixtures";

// What a value not known until apply looks like to a policy during preview.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { unknownStringValue } = require("@pulumi/policy/proxy") as { unknownStringValue: string };

const NAMESPACE = "kubernetes:core/v1:Namespace";
const RELEASE = "kubernetes:helm.sh/v3:Release";
const POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

const namespace = (name: string) => resource(NAMESPACE, `${name}-namespace`, { metadata: { name } });
const release = (name: string, ns: string, createNamespace = true) => resource(RELEASE, name, { chart: name, namespace: ns, createNamespace });
const deny = (ns: string) => resource(POLICY, `network-${ns}-default-deny`, { metadata: { name: "default-deny", namespace: ns }, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } });
const allowDns = (ns: string) =>
  resource(POLICY, `network-${ns}-dns`, {
    metadata: { name: "allow-dns-out", namespace: ns },
    spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } } }], ports: [{ port: 53, protocol: "UDP" }] }] },
  });

/** The compliant stack: two Namespaces and a release's namespace, each with a default deny (and an allow beside it). */
const compliant = (): CapturedResource[] => [namespace("apps"), namespace("data"), release("cert-manager", "cert-manager"), deny("apps"), deny("data"), deny("cert-manager"), allowDns("apps")];

const missing = (label: string) =>
  `${label} has no default-deny NetworkPolicy: add one in it with podSelector: {}, policyTypes: [Ingress, Egress] and no rules, then allow what its pods need (see stacks/network-policies.ts).`;

const withDenyOf = (ns: string, edit: (inputs: Record<string, any>) => void): CapturedResource[] =>
  compliant().map((r) => (r.type === POLICY && r.name === `network-${ns}-default-deny` ? mutate(r, edit) : r));

describe("namespace-default-deny", () => {
  const cases: { name: string; resources: CapturedResource[]; violations: { message: string; urn: string }[]; tags?: Record<string, string> }[] = [
    { name: "every created namespace with a default deny", resources: compliant(), violations: [] },
    { name: "a namespace without one in dev", resources: compliant().filter((r) => r.name !== "network-apps-default-deny"), violations: [], tags: { environment: "dev" } },
    { name: "a release that does not create its namespace", resources: [...compliant(), release("traefik", "kube-system", false)], violations: [] },
    { name: "a default deny whose namespace is not known yet (preview)", resources: withDenyOf("data", (i) => (i.metadata.namespace = unknownStringValue)), violations: [] },
    {
      name: "a Namespace without a default deny",
      resources: compliant().filter((r) => r.name !== "network-apps-default-deny"),
      violations: [{ message: missing('Namespace "apps"'), urn: urnOf(NAMESPACE, "apps-namespace") }],
    },
    {
      name: "a Helm release's namespace without a default deny",
      resources: compliant().filter((r) => r.name !== "network-cert-manager-default-deny"),
      violations: [{ message: missing('Namespace "cert-manager" (created by Helm release "cert-manager")'), urn: urnOf(RELEASE, "cert-manager") }],
    },
    {
      name: "a deny of ingress only",
      resources: withDenyOf("data", (i) => (i.spec.policyTypes = ["Ingress"])),
      violations: [{ message: missing('Namespace "data"'), urn: urnOf(NAMESPACE, "data-namespace") }],
    },
    {
      name: "a deny that selects some pods only",
      resources: withDenyOf("data", (i) => (i.spec.podSelector = { matchLabels: { app: "db" } })),
      violations: [{ message: missing('Namespace "data"'), urn: urnOf(NAMESPACE, "data-namespace") }],
    },
    {
      name: "an allow-all with an empty podSelector (a rule admits everything)",
      resources: withDenyOf("data", (i) => (i.spec.ingress = [{}])),
      violations: [{ message: missing('Namespace "data"'), urn: urnOf(NAMESPACE, "data-namespace") }],
    },
    {
      name: "the deny in another namespace",
      resources: withDenyOf("data", (i) => (i.metadata.namespace = "monitoring")),
      violations: [{ message: missing('Namespace "data"'), urn: urnOf(NAMESPACE, "data-namespace") }],
    },
  ];
  for (const c of cases) {
    it(`${c.violations.length ? "reports" : "accepts"} ${c.name}`, async () => {
      const report = await runPolicies([namespaceDefaultDeny], c.resources, {}, new Map(Object.entries(c.tags ?? {})));
      assert.deepEqual(
        report.violations.map((v) => ({ message: v.message, urn: v.urn })),
        c.violations,
      );
    });
  }

  it("tells a default deny from policies that admit something", () => {
    const table: [unknown, boolean | undefined][] = [
      [{ podSelector: {}, policyTypes: ["Ingress", "Egress"] }, true],
      [{ podSelector: { matchLabels: {} }, policyTypes: ["Egress", "Ingress"], ingress: [], egress: [] }, true],
      [{ podSelector: {}, policyTypes: ["Ingress", "Egress"], egress: [{ to: [] }] }, false],
      [{ podSelector: { matchExpressions: [{ key: "a", operator: "Exists" }] }, policyTypes: ["Ingress", "Egress"] }, false],
      [{ podSelector: {} }, false],
      [undefined, undefined],
    ];
    for (const [spec, expected] of table) assert.equal(isDefaultDeny(spec), expected, JSON.stringify(spec));
  });
});
