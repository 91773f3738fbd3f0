/**
 * Argument problems: what every component's `validate…` returns and its constructor throws. One
 * shape for every component, so the stack config can map each problem to its exact config key.
 *
 * @see https://www.pulumi.com/docs/iac/concepts/components/
 */

/** One problem with an argument: the field's path and what is wrong. */
export interface ArgProblem {
  /** The path of the field, such as `["resources", "limits", "cpu"]`. */
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/**
 * Formats problems as one message naming each field in backticks.
 *
 * @see https://www.pulumi.com/docs/iac/concepts/components/
 */
export function formatProblems(problems: readonly ArgProblem[]): string {
  return problems.map((p) => `\`${p.path.join(".")}\` ${p.message}`).join("; ");
}
