import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { DockerHostArgs } from "./args";
import type { DockerPlatform } from "../contract/platform";
import { consumerProvider } from "../shared/options";

/** Defaults for {@link DockerHost}. */
export const dockerDefaults = {
  /** The Docker CLI's default daemon address, when neither `host`, `context` nor `DOCKER_HOST` says otherwise. */
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
   * @param opts - component options. A `docker` provider in `opts.provider` or `opts.providers`
   *   (or on a parent) is used instead of the one the host would create from `host`/`context`.
   */
  constructor(name: string, args: DockerHostArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:index:DockerHost", name, {}, opts);
    // Like the Docker CLI: `host`, else DOCKER_HOST (Colima, Podman and Rancher Desktop set it), else
    // the default socket; a `context` (or DOCKER_CONTEXT, which the provider reads) overrides the host.
    const host = args.host ?? (process.env.DOCKER_HOST || dockerDefaults.host);
    const provider =
      (consumerProvider(this, "docker") as docker.Provider | undefined) ??
      new docker.Provider(`${name}-docker`, { host, ...(args.context ? { context: args.context } : {}) }, { parent: this });
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
