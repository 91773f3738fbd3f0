import type * as pulumi from "@pulumi/pulumi";
import type { DockerHostArgs, EksClusterArgs, GkeClusterArgs, K3sClusterArgs } from "./args";
import type { Platform } from "../contract/platform";

export * from "./args";
export * from "./identity/aws";
export * from "./identity/gcp";
export * from "./identity/workload";
export * from "./eks/spec";
export * from "./gke/spec";
export * from "../contract/platform";

/**
 * What {@link createPlatform} builds: one target and its settings.
 */
export type PlatformArgs =
  | { readonly target: "eks"; readonly eks: EksClusterArgs }
  | { readonly target: "gke"; readonly gke: GkeClusterArgs }
  | { readonly target: "k3s"; readonly k3s: K3sClusterArgs }
  | { readonly target: "docker"; readonly docker: DockerHostArgs };

/**
 * Builds the platform for a target and returns the contract components deploy onto: for `eks` and
 * `gke` the cluster and its network, for `k3s` a connection to an existing cluster, for `docker` a
 * provider and a private network.
 *
 * The cloud SDKs load only for the target that needs them, which keeps start-up fast; they are
 * optional peer dependencies, so an EKS or GKE project installs `@pulumi/aws` or `@pulumi/gcp`.
 *
 * @param name - the logical name of the platform component.
 * @param args - the target and its settings.
 * @param opts - options for the platform component.
 * @throws Error when the target's settings are impossible (see each target's validation), or when
 *   its cloud SDK is not installed (naming the `npm install` that fixes it).
 * @see https://github.com/aws-quickstart/cdk-eks-blueprints/blob/main/lib/spi/types.ts (ClusterProvider → ClusterInfo)
 */
export function createPlatform(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions): Platform {
  /* eslint-disable @typescript-eslint/no-require-imports */
  switch (args.target) {
    case "eks": {
      const { EksCluster } = withCloudSdk("eks", "@pulumi/aws", () => require("./eks") as typeof import("./eks"));
      return new EksCluster(name, args.eks, opts).platform;
    }
    case "gke": {
      const { GkeCluster } = withCloudSdk("gke", "@pulumi/gcp", () => require("./gke") as typeof import("./gke"));
      return new GkeCluster(name, args.gke, opts).platform;
    }
    case "k3s": {
      const { K3sCluster } = require("./k3s") as typeof import("./k3s");
      return new K3sCluster(name, args.k3s, opts).platform;
    }
    case "docker": {
      const { DockerHost } = require("./docker") as typeof import("./docker");
      return new DockerHost(name, args.docker, opts).platform;
    }
  }
}

/**
 * Loads a target's module, turning a missing optional peer (`@pulumi/aws`, `@pulumi/gcp`) into an
 * error that says what to install.
 */
function withCloudSdk<T>(target: string, sdk: string, load: () => T): T {
  try {
    return load();
  } catch (error) {
    const missing = (error as { code?: string }).code === "MODULE_NOT_FOUND" && String((error as Error).message).includes(`'${sdk}'`);
    if (!missing) throw error;
    throw new Error(`createPlatform: target "${target}" needs ${sdk}, an optional peer dependency of this package: run \`npm install ${sdk}\` in your project`);
  }
}
