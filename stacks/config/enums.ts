/**
 * zod enums built from the components' constant lists, with messages that name the choices.
 *
 * @see https://zod.dev/api#enums
 */
import { z } from "zod";

/**
 * A zod enum of a component's constant list whose error names the values and, for a wrong case,
 * the one meant. `list` words the choices (`a | b | c` by default).
 */
export const enumOf = <T extends readonly [string, ...string[]]>(values: T, list: (values: T) => string = (v) => `one of ${v.join(" | ")}`) =>
  z.enum(values, {
    error: (issue) => {
      // A missing key is worded by parse.ts ("is required", with a hint), never as `got "undefined"`.
      if (issue.input === undefined) return undefined;
      const got = String(issue.input);
      const near = values.find((v) => v.toLowerCase() === got.toLowerCase());
      return `must be ${list(values)} (got "${got}")${near ? `; did you mean "${near}"?` : ""}`;
    },
  });

/** Words a list as prose: `a, b or c`. */
export const inProse = (values: readonly string[]) => `${values.slice(0, -1).join(", ")} or ${values[values.length - 1]}`;
