/**
 * The project's import rules, checked by dependency-cruiser (`test/architecture.test.ts` runs it).
 * The layers, each importing only those below it:
 *
 *   components/contract   the floor: imports nothing of the project
 *   components/shared     helpers on the contract
 *   components/platform   the targets (EKS, GKE, k3s, Docker) and cloud identity
 *   components/addons     cluster add-ons, on a platform
 *   components/data-store what the data stores share (arguments, backend tables), on add-ons
 *   components/<name>     the components, on all of the above
 *   components/index.ts   the public index (target-neutral), beside the targets' entry points
 *                         (docker.ts, k3s.ts, eks.ts, gke.ts) and all.ts, which re-exports them all
 *   stacks/               the program, through the public entry points only
 *   plan/, policies/      the offline plan and the policy pack, on top
 *
 * @see https://github.com/sverweij/dependency-cruiser/blob/main/doc/rules-reference.md
 */
/** The package's entry points: the files directly under components/ (see package.json `exports`). */
const ENTRY_POINTS = "components/(index|docker|k3s|eks|gke|all)\\.ts$";

/** Every component folder: whatever under components/ is not one of the lower layers. */
const COMPONENTS = "^components/(?!contract/|shared/|platform/|addons/|data-store/)[^/]+/";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "An import cycle makes load order matter and hides which module owns what; type-only imports count too.",
      from: {},
      to: { circular: true },
    },
    {
      name: "contract-is-the-floor",
      severity: "error",
      comment: "components/contract imports nothing of the project, so anything may import it.",
      from: { path: "^components/contract/" },
      to: { path: "^(components/(?!contract/)|stacks/|plan/|policies/|bench/|test/)" },
    },
    {
      name: "shared-stays-below-components",
      severity: "error",
      comment: "components/shared holds helpers for every layer above it; it may use only the contract.",
      from: { path: "^components/shared/" },
      to: { path: "^(components/(?!shared/|contract/)|stacks/|plan/|policies/|bench/|test/)" },
    },
    {
      name: "platform-stays-below-addons",
      severity: "error",
      comment: "The targets know nothing of add-ons or components.",
      from: { path: "^components/platform/" },
      to: { path: "^(components/(?!platform/|shared/|contract/)|stacks/|plan/|policies/|bench/|test/)" },
    },
    {
      name: "addons-stay-below-components",
      severity: "error",
      comment: "A cluster add-on builds on a platform, never on a component.",
      from: { path: "^components/addons/" },
      to: { path: "^(components/(?!addons/|platform/|shared/|contract/)|stacks/|plan/|policies/|bench/|test/)" },
    },
    {
      name: "data-store-stays-below-components",
      comment: "What the data stores share builds on add-ons and the contract, never on one component.",
      severity: "error",
      from: { path: "^components/data-store/" },
      to: { path: "^(components/(?!data-store/|addons/|platform/|shared/|contract/)|stacks/|plan/|policies/|bench/|test/)" },
    },
    {
      name: "components-stay-below-the-program",
      severity: "error",
      comment: "The library never reaches into the program, the plan, the policies or the public entry points above it.",
      from: { path: COMPONENTS },
      to: { path: `^(${ENTRY_POINTS}|stacks/|plan/|policies/|bench/|test/)` },
    },
    {
      name: "components-through-their-front-door",
      severity: "error",
      comment: "A component may use another's index, spec and types, never its backends or helpers, which may change with it.",
      from: { path: "^components/([^/]+)/" },
      to: { path: `${COMPONENTS}(?!index\\.ts$|spec\\.ts$|types\\.ts$)`, pathNot: "^components/$1/" },
    },
    {
      name: "program-through-the-public-index",
      severity: "error",
      comment: "stacks/ composes what any Pulumi project can: it imports components only through the package's entry points.",
      from: { path: "^stacks/" },
      to: { path: `^(components/(?!(index|docker|k3s|eks|gke|all)\\.ts$)|plan/|policies/|bench/|test/)` },
    },
    {
      name: "policies-on-the-contract",
      severity: "error",
      comment: "Policy rules read what components write through the contract's constants and shared helpers, not the components.",
      from: { path: "^policies/" },
      to: { path: "^(components/(?!contract/|shared/)|stacks/|plan/|bench/|test/)" },
    },
    {
      name: "plan-is-not-a-library",
      severity: "error",
      comment: "The offline plan sits on top; nothing but the benchmark and tests imports it.",
      from: { path: "^(components|stacks|policies)/" },
      to: { path: "^plan/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(node_modules|dist)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    combinedDependencies: false,
    moduleSystems: ["cjs", "es6"],
  },
};
