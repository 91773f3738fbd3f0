import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { DockerHostArgs } from "./args";
import type { DockerPlatform } from "../contract/platform";

/** Defaults for {@link DockerHost}. */
export const dockerDefaults = {
  host: "unix:///var/run/docker.sock",
  publishAddress: "127.0.0.1",
} as const;

/**
 * A local Docker engine for development: a provider and a user-defined bridge network that every
 * container of the platform joins, so containers reach each other by name and nothing is published
 * beyond `publishAddress`.
 *
 * @see https://docs.docker.com/engine/network/drivers/bridge/
 * @see https://www.pulumi.com/registry/packages/docker/api-docs/network/
 */
export class DockerHost extends pulumi.ComponentResource {
  /** The platform contract for components. */
  public readonly platform: DockerPlatform;

  /**
   * @param name - the logical name; children are named `${name}-<role>`.
   * @param args - the daemon address and the network's name.
   * @param opts - component options.
   */
  constructor(name: string, args: DockerHostArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:index:DockerHost", name, {}, opts);
    const provider = new docker.Provider(`${name}-docker`, { host: args.host ?? dockerDefaults.host }, { parent: this });
    const network = new docker.Network(
      `${name}-network`,
      {
        name: args.networkName ?? `${pulumi.getProject()}-${pulumi.getStack()}`,
        driver: "bridge",
        labels: [{ label: "app.kubernetes.io/part-of", value: pulumi.getProject() }],
      },
      { parent: this, provider },
    );
    this.platform = {
      kind: "docker",
      flavour: "docker",
      environment: args.environment,
      provider,
      network,
      networkName: network.name,
      publishAddress: args.publishAddress ?? dockerDefaults.publishAddress,
    };
    this.registerOutputs({ networkName: network.name });
  }
}
