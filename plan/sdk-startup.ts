/**
 * Keeps the Pulumi SDK's unused start-up work out of the plan process.
 *
 * `@pulumi/pulumi`'s runtime index loads its function-serialization support eagerly: TypeScript
 * (about 8.7 MB of JavaScript, through `typescript-shim`) for parsing closures, and npm's
 * `@npmcli/arborist` (with pacote, sigstore and cacache behind it) for finding the packages a
 * serialized closure needs. Its index also loads the Automation API (the CLI driver, with execa).
 * The offline plan never serializes a function nor drives the CLI, yet paid for all three on
 * every run: about half a second, and a third of the bare SDK's memory.
 *
 * This module, imported before anything else loads the SDK, hands the SDK a lazy stand-in for
 * those three modules: the real module loads on first use, so a program that does serialize a
 * closure behaves exactly as before, only later. It depends on no SDK internals but the three
 * request strings: if a later SDK stops requiring them, nothing is intercepted; if it requires
 * them from another file, they are still deferred (test/plan-startup.test.ts pins which ones stay
 * deferred, so an SDK upgrade that changes this is seen). `PLAN_EAGER_SDK=1` turns it off, to
 * compare.
 *
 * Upstream: pulumi/pulumi#7184 (closure serialization loaded by every program) and the
 * partial fix pulumi/pulumi#10185, which made `typescript` lazy only for JavaScript programs.
 *
 * @see https://github.com/pulumi/pulumi/issues/7184
 * @see https://github.com/pulumi/pulumi/pull/10185
 * @see https://nodejs.org/api/modules.html#the-module-wrapper
 */
import Module from "node:module";

/**
 * What the SDK loads eagerly and the plan never uses: the request as an SDK file writes it, and
 * the path fragment of the files it loads (for tests to see whether it was loaded).
 */
export const DEFERRED_MODULES = [
  { request: "typescript", files: "/node_modules/typescript/" },
  { request: "@npmcli/arborist", files: "/node_modules/@npmcli/arborist/" },
  { request: "./automation", files: "/node_modules/@pulumi/pulumi/automation/" },
] as const;

type Load = (request: string, parent: NodeJS.Module | undefined, isMain: boolean) => unknown;

/**
 * A stand-in for a CommonJS module that loads the real one on first access, reads and writes
 * alike. It always claims `__esModule`, so TypeScript's `__importStar` helper passes it through
 * instead of copying every property (which would load the module at once).
 */
function lazyModule(load: () => unknown): object {
  let real: Record<PropertyKey, unknown> | undefined;
  const target = () => (real ??= load() as Record<PropertyKey, unknown>);
  return new Proxy(
    {},
    {
      get: (_stub, key) => (key === "__esModule" ? true : target()[key]),
      set: (_stub, key, value) => Reflect.set(target(), key, value),
      defineProperty: (_stub, key, descriptor) => Reflect.defineProperty(target(), key, descriptor),
      deleteProperty: (_stub, key) => Reflect.deleteProperty(target(), key),
      has: (_stub, key) => key in target(),
      ownKeys: () => Reflect.ownKeys(target()),
      getOwnPropertyDescriptor: (_stub, key) => {
        const descriptor = Reflect.getOwnPropertyDescriptor(target(), key);
        return descriptor && { ...descriptor, configurable: true };
      },
    },
  );
}

const isSdkFile = (filename: string | undefined) => !!filename && /[\\/]node_modules[\\/]@pulumi[\\/]pulumi[\\/]/.test(filename);

if (process.env.PLAN_EAGER_SDK !== "1") {
  // `Module._load` is CommonJS's documented-by-use loader hook (what require-in-the-middle and
  // OpenTelemetry's instrumentations patch); the SDK is CommonJS.
  const modules = Module as unknown as { _load: Load; _resolveFilename(request: string, parent: NodeJS.Module | undefined): string };
  const original = modules._load;
  const deferred = new Set<string>(DEFERRED_MODULES.map((m) => m.request));
  // Only a module that resolves is deferred: where it is missing, the SDK's own fallback (its
  // vendored TypeScript) must see the failure now, as it would without this module.
  const resolves = (request: string, parent: NodeJS.Module | undefined) => {
    try {
      return !!modules._resolveFilename(request, parent);
    } catch {
      return false;
    }
  };
  modules._load = function (this: unknown, request, parent, isMain) {
    if (deferred.has(request) && isSdkFile(parent?.filename) && resolves(request, parent)) {
      return lazyModule(() => original.call(this, request, parent, isMain));
    }
    return original.call(this, request, parent, isMain);
  };
}
