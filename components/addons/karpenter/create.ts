/**
 * The way to create a {@link Karpenter} without loading `@pulumi/aws` until an EKS platform needs
 * it, as `createEksAddons` does for the other AWS add-ons.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { Karpenter, KarpenterArgs } from "./index";

/**
 * Creates Karpenter (`platform:index:Karpenter`) on an EKS platform, loading the AWS add-on only now.
 *
 * @param name - the component's logical name.
 * @param args - see {@link KarpenterArgs}.
 * @param opts - component options.
 * @throws Error when the platform is not an EKS cluster.
 * @see https://karpenter.sh/docs/getting-started/getting-started-with-karpenter/
 */
export function createKarpenter(name: string, args: KarpenterArgs, opts?: pulumi.ComponentResourceOptions): Karpenter {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Karpenter: KarpenterAddon } = require("./index") as typeof import("./index");
  return new KarpenterAddon(name, args, opts);
}
