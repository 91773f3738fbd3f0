/**
 * The platform behind the multi-language components: built from {@link PlatformTarget}, a plain
 * field, where the TypeScript API takes a `Platform` object.
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import type { Platform } from "../contract/platform";
import { DockerHost } from "../platform/docker";
import { K3sCluster } from "../platform/k3s";
import type { PlatformTarget } from "./args";

/**
 * Docker hosts already made in this program, by daemon address and network: components that name
 * the same engine and network share them, as the TypeScript API's components share one platform.
 * Each keeps the `docker` provider it was made with, to refuse a component that passes another.
 */
const dockerHosts = new Map<string, { host: DockerHost; provider: pulumi.ProviderResource | undefined }>();

/**
 * The shared {@link DockerHost}'s name: from the network (and a non-default daemon address), never
 * from a component, so its URN and those of its provider and network do not depend on which
 * component a program constructs first (removing that component must not replace the network and
 * every container on it).
 *
 * @returns `docker-<networkName>`, with `-<8 hex digits of the address's SHA-256>` when `dockerHost` is set.
 */
export function dockerHostName(networkName: string, dockerHost: string | undefined): string {
  return dockerHost === undefined ? `docker-${networkName}` : `docker-${networkName}-${createHash("sha256").update(dockerHost).digest("hex").slice(0, 8)}`;
}

/**
 * The platform a multi-language component deploys onto.
 *
 * - Docker: one {@link DockerHost} per engine and network in the program, named by
 *   {@link dockerHostName} and parented to the stack, not to a component; every component on it
 *   reuses it with its own `environment` (one Docker network name cannot be created twice, so
 *   components of different environments on one network share the network, not the environment).
 *   A `docker` provider passed to the component is the host's provider.
 * - k3s: a {@link K3sCluster} connection of the component's own, from `kubeconfig`, or from
 *   the `kubernetes` provider the consumer passed in `providers` (which the cluster then uses).
 *
 * @param owner - the multi-language component.
 * @param name - its name; the platform's children are named after it.
 * @param target - the target settings.
 * @throws Error when a k3s target has neither `kubeconfig` nor a `kubernetes` provider, or
 *   when components on one Docker engine and network pass different `docker` providers.
 */
export function platformFor(owner: pulumi.ComponentResource, name: string, target: PlatformTarget): Platform {
  if (target.target === "docker") {
    const networkName = target.networkName ?? `${pulumi.getProject()}-${pulumi.getStack()}`;
    const key = `${target.dockerHost ?? ""}|${networkName}`;
    const provider = owner.getProvider("docker::");
    let shared = dockerHosts.get(key);
    if (!shared) {
      const host = new DockerHost(dockerHostName(networkName, target.dockerHost), { environment: target.environment, host: target.dockerHost, networkName }, { provider });
      shared = { host, provider };
      dockerHosts.set(key, shared);
    } else if (shared.provider !== provider) {
      throw new Error(`"${name}": the components on Docker network "${networkName}" share one engine connection: pass them all the same docker provider, or none`);
    }
    return { ...shared.host.platform, environment: target.environment };
  }
  const provider = owner.getProvider("kubernetes::");
  if (target.kubeconfig === undefined && provider === undefined) {
    throw new Error(`"${name}": platform.target k3s needs platform.kubeconfig, or a kubernetes provider in the resource's providers option`);
  }
  return new K3sCluster(
    `${name}-cluster`,
    { environment: target.environment, kubeconfig: target.kubeconfig ?? "", context: target.kubeContext },
    { parent: owner },
  ).platform;
}
