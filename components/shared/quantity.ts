/**
 * Kubernetes resource quantities: parsing, and the checks that catch values which parse but are
 * almost certainly not what was meant (`cpu: "500"` for 500 cores, `memory: "1G"` or `"512m"`).
 *
 * @see https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/
 * @see https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#resource-units-in-kubernetes
 */

const QUANTITY = /^([+-]?[0-9]+(?:\.[0-9]*)?|[+-]?\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$/;

const SUFFIX: Record<string, number> = {
  "": 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/**
 * Parses a Kubernetes quantity into its base unit (cores for CPU, bytes for memory).
 *
 * @param quantity - a quantity string such as `"250m"`, `"0.5"`, `"512Mi"` or `"1e3"`.
 * @returns the value in base units, or `undefined` when the string is not a quantity.
 * @see https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/
 */
export function parseQuantity(quantity: string): number | undefined {
  const match = QUANTITY.exec(quantity.trim());
  if (!match) return undefined;
  const [, number, suffix = ""] = match;
  const base = Number(number);
  if (/^[eE]/.test(suffix)) return base * 10 ** Number(suffix.slice(1));
  return base * SUFFIX[suffix];
}

/**
 * The largest CPU amount, in cores, that a single container may plausibly ask for. A bare number
 * above it (`"500"`) is read as a forgotten `m` suffix.
 * @default 64
 */
export const MAX_PLAUSIBLE_CPU_CORES = 64;

/** The smallest memory amount a container can start with; Docker refuses less than 6 MiB. */
export const MIN_PLAUSIBLE_MEMORY_BYTES = 6 * 2 ** 20;

/**
 * Checks a CPU quantity and explains what is wrong with it.
 *
 * @param quantity - a CPU quantity: millicores (`"250m"`) or cores (`"0.5"`, `"2"`).
 * @returns `undefined` when the value is fine, otherwise a message with the likely intent.
 * @see https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#meaning-of-cpu
 */
export function cpuQuantityProblem(quantity: string): string | undefined {
  const cores = parseQuantity(quantity);
  if (cores === undefined) {
    return `"${quantity}" is not a CPU quantity; use millicores such as "250m" or cores such as "0.5"`;
  }
  if (cores <= 0) return `"${quantity}" must be greater than zero`;
  if (/^[0-9.]+$/.test(quantity) && cores > MAX_PLAUSIBLE_CPU_CORES) {
    return `"${quantity}" means ${cores} cores; did you mean "${quantity}m"?`;
  }
  if (cores < 0.001) return `"${quantity}" is below 1m, the smallest CPU unit Kubernetes accepts`;
  return undefined;
}

/**
 * Checks a memory quantity and explains what is wrong with it. Binary suffixes (`Ki`, `Mi`, `Gi`,
 * `Ti`) are required: `"1G"` is 10^9 bytes and `"512m"` is 0.512 bytes, which are almost never
 * what was meant.
 *
 * @param quantity - a memory quantity such as `"256Mi"` or `"1Gi"`.
 * @returns `undefined` when the value is fine, otherwise a message with the likely intent.
 * @see https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#meaning-of-memory
 */
export function memoryQuantityProblem(quantity: string): string | undefined {
  const bytes = parseQuantity(quantity);
  if (bytes === undefined) return `"${quantity}" is not a memory quantity; use binary units such as "256Mi" or "1Gi"`;
  if (bytes <= 0) return `"${quantity}" must be greater than zero; use binary units such as "256Mi" or "1Gi"`;
  const match = /^([0-9.]+)([a-zA-Z]*)$/.exec(quantity);
  const [number, suffix] = match ? [match[1], match[2]] : [quantity, ""];
  if (suffix === "m") return `"${quantity}" means ${bytes} bytes (m is milli); did you mean "${number}Mi"?`;
  if (["k", "M", "G", "T", "P", "E"].includes(suffix)) {
    const binary = suffix === "k" ? "Ki" : `${suffix}i`;
    return `"${quantity}" uses a decimal unit; did you mean "${number}${binary}"?`;
  }
  if (suffix === "") return `"${quantity}" is a count of bytes; did you mean "${number}Mi"?`;
  if (!["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"].includes(suffix)) {
    return `"${quantity}" has an unexpected unit; use binary units such as "256Mi" or "1Gi"`;
  }
  if (bytes < MIN_PLAUSIBLE_MEMORY_BYTES) return `"${quantity}" is below 6Mi, too little for any container to start`;
  return undefined;
}

/**
 * Converts a memory quantity to whole mebibytes (Docker's `memory` unit), rounding up.
 *
 * @throws Error when the string is not a quantity.
 * @see https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#meaning-of-memory
 */
export function memoryToMiB(quantity: string): number {
  const bytes = parseQuantity(quantity);
  if (bytes === undefined) throw new Error(`"${quantity}" is not a memory quantity`);
  return Math.ceil(bytes / 2 ** 20);
}

/**
 * Converts a CPU quantity to cores (Docker's `cpus` unit).
 *
 * @throws Error when the string is not a quantity.
 * @see https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#meaning-of-cpu
 */
export function cpuToCores(quantity: string): number {
  const cores = parseQuantity(quantity);
  if (cores === undefined) throw new Error(`"${quantity}" is not a CPU quantity`);
  return cores;
}

/**
 * Checks a container's requests and limits: each a plausible quantity, and no request above its
 * limit.
 *
 * @param resources - requests and limits with both `cpu` and `memory` set.
 * @returns each problem with its path (`["resources", "limits", "cpu"]`); empty when sound.
 * @see https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#requests-and-limits
 */
export function resourceProblems(resources: {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}): { path: string[]; message: string }[] {
  const problems: { path: string[]; message: string }[] = [];
  const check = { cpu: cpuQuantityProblem, memory: memoryQuantityProblem };
  for (const resource of ["cpu", "memory"] as const) {
    const request = resources.requests[resource];
    const limit = resources.limits[resource];
    const requestProblem = check[resource](request);
    const limitProblem = check[resource](limit);
    if (requestProblem) problems.push({ path: ["resources", "requests", resource], message: requestProblem });
    if (limitProblem) problems.push({ path: ["resources", "limits", resource], message: limitProblem });
    if (!requestProblem && !limitProblem && parseQuantity(request)! > parseQuantity(limit)!) {
      problems.push({ path: ["resources", "requests", resource], message: `(${request}) must not exceed \`resources.limits.${resource}\` (${limit})` });
    }
  }
  return problems;
}
