/**
 * The platform behind the multi-language components: built from {@link PlatformTarget}, a plain
 * field, where the TypeScript API takes a `Platform` object.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Platform } from "../contract/platform";
import { DockerHost } from "../platform/docker";
import { K3sCluster } from "../platform/k3s";
import type { PlatformTarget } from "./args";

/**
 * Docker hosts already made in this program, by daemon address and network: components that name
 * the same engine and network share them, as the TypeScript API's components share one platform.
 */
const dockerHosts = new Map<string, DockerHost>();

/**
 * The platform a multi-language component deploys onto.
 *
 * - Docker: one {@link DockerHost} per engine and network in the program, made by the first
 *   component that names them (and parented to it); the others reuse it.
 * - Kubernetes: a {@link K3sCluster} connection of the component's own, from `kubeconfig`, or from
 *   the `kubernetes` provider the consumer passed in `providers` (which the cluster then uses).
 *
 * @param owner - the multi-language component.
 * @param name - its name; the platform's children are named after it.
 * @param target - the target settings.
 * @throws Error when a Kubernetes target has neither `kubeconfig` nor a `kubernetes` provider.
 */
export function platformFor(owner: pulumi.ComponentResource, name: string, target: PlatformTarget): Platform {
  if (target.target === "docker") {
    const networkName = target.networkName ?? `${pulumi.getProject()}-${pulumi.getStack()}`;
    const key = `${target.dockerHost ?? ""}|${networkName}`;
    let host = dockerHosts.get(key);
    if (!host) {
      host = new DockerHost(`${name}-docker`, { environment: target.environment, host: target.dockerHost, networkName }, { parent: owner });
      dockerHosts.set(key, host);
    }
    return host.platform;
  }
  const provider = owner.getProvider("kubernetes::");
  if (target.kubeconfig === undefined && provider === undefined) {
    throw new Error(`"${name}": platform.target kubernetes needs platform.kubeconfig, or a kubernetes provider in the resource's providers option`);
  }
  return new K3sCluster(
    `${name}-cluster`,
    { environment: target.environment, kubeconfig: target.kubeconfig ?? "", context: target.kubeContext },
    { parent: owner },
  ).platform;
}
