/**
 * Runs a Pulumi program in-process under Pulumi's mock runtime and captures every resource
 * registration: type token, name, parent, provider, dependencies and inputs.
 *
 * The runtime holds global state, so one process runs one program. Tests and the plan command
 * call {@link captureProgram} once per process.
 *
 * @see https://www.pulumi.com/docs/iac/guides/testing/unit/
 */
import "./sdk-startup";
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { serializeProperties, specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { call, newResource } from "./mocks";
import { redact } from "./wire";

// Internal to the SDK (not in its .d.ts): resolves once every outstanding RPC, including
// registrations started from inside `apply`, has finished.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { waitForRPCs, excessiveDebugOutput } = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void>; excessiveDebugOutput?: boolean };

// @pulumi/policy ships deserializeProperties without a type declaration.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { deserializeProperties } = require("@pulumi/policy/deserialize") as {
  deserializeProperties(struct: { toJavaScript(): unknown }, proxySecrets?: boolean): Record<string, unknown>;
};

/** One captured resource registration. */
export interface CapturedResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  /** The parent's URN; the stack for top-level resources. */
  readonly parent?: string;
  /** The provider reference (`urn::id`) for custom resources with an explicit provider. */
  readonly provider?: string;
  /** True for custom (provider) resources, false for components. */
  readonly custom: boolean;
  /** URNs of the resources this one depends on. */
  readonly dependencies: string[];
  /** The inputs as a policy sees them: secrets unwrapped to their values. Never print these. */
  readonly inputs: Record<string, any>;
  /** The inputs as JSON with secrets written as `[secret]`: safe to print and to write to a file. */
  readonly redactedInputs: Record<string, unknown>;
  /** Whether `protect` was set. */
  readonly protect: boolean;
  /** Whether `retainOnDelete` was set. */
  readonly retainOnDelete: boolean;
  /** The aliases the resource declares (where it lived before a move or rename); empty for most. */
  readonly aliases: readonly CapturedAlias[];
  /** The input paths whose changes Pulumi ignores (`ignoreChanges`): fields another controller owns. @default [] */
  readonly ignoreChanges?: readonly string[];
}

/**
 * One alias as the engine receives it: an old URN, or a spec of what changed (fields left out
 * are the resource's own). Aliases of a parent also apply to its children; the engine derives
 * those, so only the declared ones are captured.
 *
 * @see https://www.pulumi.com/docs/iac/concepts/options/aliases/
 */
export type CapturedAlias =
  | { readonly urn: string }
  | { readonly name?: string; readonly type?: string; readonly parentUrn?: string; readonly noParent?: boolean; readonly project?: string; readonly stack?: string };

/** The aliases of a registration request, as plain data. */
function aliasesOf(req: any): CapturedAlias[] {
  const urns: string[] = req.getAliasurnsList?.() ?? [];
  const structured = (req.getAliasesList?.() ?? []).map((alias: any): CapturedAlias => {
    if (!alias.hasSpec()) return { urn: alias.getUrn() };
    const spec = alias.getSpec();
    const fields: Record<string, string | boolean> = { name: spec.getName(), type: spec.getType(), parentUrn: spec.getParenturn(), noParent: spec.getNoparent(), project: spec.getProject(), stack: spec.getStack() };
    return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== "" && value !== false));
  });
  return [...urns.map((urn) => ({ urn })), ...structured];
}

/** What one run of a program produced. */
export interface CapturedProgram {
  readonly project: string;
  readonly stack: string;
  readonly resources: CapturedResource[];
  /** The stack outputs as JSON with secrets written as `[secret]`. */
  readonly outputs: Record<string, unknown>;
}

/** How to run the program. */
export interface CaptureOptions {
  /** The Pulumi project name; it is also the default config namespace. */
  readonly project: string;
  readonly stack: string;
  /** Stack config as `namespace:key` → string (objects JSON-encoded), as the CLI passes it. */
  readonly config?: Record<string, string>;
  /** The config keys whose values are secrets. */
  readonly secretKeys?: readonly string[];
}

let used = false;

/** Debugging the plan (`PLAN_DEBUG`) or the SDK's promises: the SDK's debugging aids stay on. */
const debugging = !!process.env.PLAN_DEBUG || !!process.env.PULUMI_DEBUG_PROMISE_LEAKS;

const describeResponse = () => "RegisterResourceResponse";

/**
 * The SDK wraps every promise it tracks (four per output property) in `debuggablePromise`, which
 * defines three properties on it (an id, a label and a stack trace) for the leak report that only
 * `PULUMI_DEBUG_PROMISE_LEAKS` prints. Defining properties on a promise gives it a property store
 * of its own, the stack is an Error allocated per promise, and the tens of thousands of promises a
 * large plan keeps pending survive young-generation collections with all of it. The lean wrapper
 * keeps what the SDK's exit-time leak check reads (the set of pending promises) and the same
 * `then`/`catch` chain, so promises settle in the same order; the first call goes to the SDK's
 * own wrapper, which schedules that check. Where a later SDK changes any of this, nothing is
 * replaced.
 *
 * @returns a function that puts the SDK's wrapper back, or `undefined` when it was left alone.
 */
function leanDebuggablePromise(): (() => void) | undefined {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise?: <T>(p: Promise<T>, ctx: unknown) => Promise<T> };
  const state = require("@pulumi/pulumi/runtime/state") as { getStore?: () => { leakCandidates?: unknown } };
  /* eslint-enable @typescript-eslint/no-require-imports */
  const original = debuggable.debuggablePromise;
  if (typeof original !== "function" || original.length !== 2 || typeof state.getStore !== "function") return undefined;
  const getStore = state.getStore;
  let first = true;
  debuggable.debuggablePromise = function <T>(p: Promise<T>, ctx: unknown): Promise<T> {
    const pending = getStore().leakCandidates;
    if (first || !(pending instanceof Set)) {
      first = false;
      return original(p, ctx);
    }
    pending.add(p);
    return p
      .then((value) => {
        pending.delete(p);
        return value;
      })
      .catch((error) => {
        pending.delete(p);
        error.promise = p;
        throw error;
      });
  };
  return () => {
    debuggable.debuggablePromise = original;
  };
}

/**
 * Runs `program` inside a mock stack and captures what it registers.
 *
 * @param program - the program; its return value becomes the stack outputs.
 * @throws Error when called twice in one process, or when the program throws.
 * @see https://www.pulumi.com/docs/iac/guides/testing/unit/
 */
export async function captureProgram(
  program: () => Promise<Record<string, unknown> | void> | Record<string, unknown> | void,
  options: CaptureOptions,
): Promise<CapturedProgram> {
  if (used) throw new Error("captureProgram runs once per process: the Pulumi runtime keeps global state");
  used = true;

  const resources: CapturedResource[] = [];
  // The engine, not the SDK, marks `additionalSecretOutputs` (a RandomPassword's `result`, say) as
  // secret. The mock monitor does not, so the wrapper below does it, to keep the runtime faithful.
  const original = MockMonitor.prototype.registerResource;
  const urns = new Set<string>();
  MockMonitor.prototype.registerResource = function (this: MockMonitor, req: any, callback: any) {
    // A key may be listed twice (the SDK class's own list and the caller's option); wrap it once.
    const secretKeys = [...new Set<string>(req.getAdditionalsecretoutputsList())];
    return original.call(this, req, (err: unknown, response: any) => {
      if (!err && secretKeys.length > 0 && response.getObject()) {
        // Wrap those outputs the way the engine does on the wire, so the SDK decodes them once into
        // secret outputs whose `apply` sees the plain value.
        const struct = response.getObject();
        const state = struct.toJavaScript();
        for (const key of secretKeys) if (state[key] !== undefined) state[key] = { [specialSigKey]: specialSecretSig, value: state[key] };
        response.setObject(struct.constructor.fromJavaScript(state));
      }
      if (!err && urns.has(response.getUrn())) {
        // The engine refuses two resources with one URN; the mock monitor would silently overwrite.
        return callback(new Error(`Duplicate resource URN '${response.getUrn()}'`), undefined);
      }
      if (!err) {
        urns.add(response.getUrn());
        // Decode the wire struct once; both views below only read it. @pulumi/policy's
        // deserializeProperties reads nothing of its argument but toJavaScript().
        const wire = req.getObject()?.toJavaScript();
        resources.push({
          urn: response.getUrn(),
          type: req.getType(),
          name: req.getName(),
          parent: req.getParent() || undefined,
          provider: req.getProvider() || undefined,
          custom: req.getCustom(),
          dependencies: req.getDependenciesList(),
          inputs: wire ? deserializeProperties({ toJavaScript: () => wire }) : {},
          redactedInputs: wire ? (redact(wire) as Record<string, unknown>) : {},
          protect: req.getProtect() === true,
          retainOnDelete: req.getRetainondelete() === true,
          aliases: aliasesOf(req),
          ignoreChanges: req.getIgnorechangesList?.() ?? [],
        });
      }
      // The SDK formats the response into a debug log line (`RegisterResource RPC finished: …,
      // resp: ${innerResponse}`) before it knows whether anyone reads it; without an engine the
      // line is dropped unless the SDK's own excessiveDebugOutput is on. A protobuf message's
      // toString() prints the whole state (a large upload included), so the line gets the
      // type's name instead.
      if (!err && response && !debugging && !excessiveDebugOutput) response.toString = describeResponse;
      callback(err, response);
    });
  };

  // The SDK records a stack trace on every promise it tracks for leak debugging (four per output
  // property), and formatting them was a sixth of a large plan's CPU time. Nothing reads them
  // unless a leak is reported; keep them when debugging (`PLAN_DEBUG`, or the SDK's own
  // `PULUMI_DEBUG_PROMISE_LEAKS`), and restore the limit afterwards. The limit is the process's:
  // captures never overlap (one per process, above).
  const stackTraceLimit = Error.stackTraceLimit;
  const restoreDebuggable = debugging ? undefined : leanDebuggablePromise();
  if (!debugging) Error.stackTraceLimit = 0;
  try {
    return await capture(program, options, resources);
  } finally {
    restoreDebuggable?.();
    Error.stackTraceLimit = stackTraceLimit;
    MockMonitor.prototype.registerResource = original;
  }
}

async function capture(
  program: () => Promise<Record<string, unknown> | void> | Record<string, unknown> | void,
  options: CaptureOptions,
  resources: CapturedResource[],
): Promise<CapturedProgram> {
  pulumi.runtime.setAllConfig(options.config ?? {}, [...(options.secretKeys ?? [])]);
  const mocks = { call, newResource };
  await pulumi.runtime.setMocks(mocks, options.project, options.stack, false);

  // A failed registration surfaces as an unhandled rejection, as it does under the real engine;
  // collect them so the capture fails instead of returning a partial graph.
  const failures: unknown[] = [];
  const onRejection = (reason: unknown) => failures.push(reason);
  process.on("unhandledRejection", onRejection);

  let outputs: Record<string, unknown> = {};
  await pulumi.runtime.runInPulumiStack(async () => {
    const result = (await program()) ?? {};
    outputs = redact(await serializeProperties("outputs", result, { keepOutputValues: false })) as Record<string, unknown>;
    return result;
  });
  await waitForRPCs();
  await new Promise((resolve) => setImmediate(resolve));
  process.off("unhandledRejection", onRejection);
  if (failures.length > 0) throw failures[0] instanceof Error ? failures[0] : new Error(String(failures[0]));
  return { project: options.project, stack: options.stack, resources, outputs };
}
