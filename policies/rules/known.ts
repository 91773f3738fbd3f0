/**
 * Reading resource properties that may not be known yet. During `pulumi preview`, a value that a
 * provider computes (the ID of a new cluster, the name of a new namespace) is unknown, and reading
 * it from a policy's props throws `UnknownValueError`. A resource rule may let that propagate (the
 * analyzer then reports an advisory "can't run policy"); a stack rule must not, or one unknown
 * value anywhere stops it from checking the whole stack.
 *
 * Internal to the policy pack: rules import it, `policies/rules/index.ts` does not export it as a
 * rule.
 *
 * @see https://github.com/pulumi/pulumi-policy/blob/master/sdk/nodejs/policy/proxy.ts
 */

// Internal module of @pulumi/policy, loaded the way its server loads it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { UnknownValueError } = require("@pulumi/policy/proxy") as { UnknownValueError: new (...args: unknown[]) => Error };

/**
 * The value `read` returns, or `undefined` when it is not known yet.
 *
 * @throws whatever `read` throws other than `UnknownValueError`.
 */
export function known<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    if (error instanceof UnknownValueError) return undefined;
    throw error;
  }
}

/**
 * Whether `read` gives a value: one not known yet (an ARN of a key created in the same update)
 * counts as set, because it will be.
 */
export function isSet(read: () => unknown): boolean {
  try {
    return read() !== undefined;
  } catch (error) {
    if (error instanceof UnknownValueError) return true;
    throw error;
  }
}
