/**
 * The platform program: builds the target's platform, composes the components onto it, and
 * returns the stack outputs. It takes parsed config and reads nothing else, so tests and the
 * offline plan run exactly what `pulumi up` runs.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AppService } from "../components/app-service";
import { createPlatform, type PlatformArgs } from "../components/platform";
import { DEMO_SERVICE, type PlatformConfig } from "./config";

/** The namespace AppServices run in on Kubernetes unless config names another. */
export const DEFAULT_NAMESPACE = "apps";

/** Config with its secret values wrapped as Pulumi secrets. */
export interface ProgramConfig extends Omit<PlatformConfig, "kubeconfig"> {
  readonly kubeconfig?: pulumi.Output<string>;
}

/**
 * Maps stack config to the platform's arguments. `protect` defaults to on in prod.
 */
export function platformArgs(config: ProgramConfig): PlatformArgs {
  const environment = config.environment;
  const protect = config.protect ?? environment === "prod";
  switch (config.target) {
    case "eks":
      return { target: "eks", eks: { environment, protect, ...config.eks! } };
    case "gke":
      return { target: "gke", gke: { environment, protect, ...config.gke! } };
    case "k3s":
      return { target: "k3s", k3s: { environment, kubeconfig: config.kubeconfig!, ...config.k3s } };
    case "docker":
      return { target: "docker", docker: { environment, ...config.docker } };
  }
}

/**
 * Runs the program.
 *
 * @param config - validated stack config, with secrets wrapped.
 * @returns the stack outputs: target, service URLs, and for Kubernetes the cluster name and
 *   kubeconfig (a secret).
 */
export function main(config: ProgramConfig): Record<string, pulumi.Input<unknown>> {
  const platform = createPlatform("platform", platformArgs(config));

  let namespace: pulumi.Input<string> = "default";
  if (platform.kind === "kubernetes") {
    const ns = new k8s.core.v1.Namespace(
      `${config.namespace ?? DEFAULT_NAMESPACE}-namespace`,
      {
        metadata: {
          name: config.namespace ?? DEFAULT_NAMESPACE,
          // Pod Security Admission: refuse pods that do not meet the restricted profile.
          labels: {
            "pod-security.kubernetes.io/enforce": "restricted",
            "pod-security.kubernetes.io/enforce-version": "latest",
            "pod-security.kubernetes.io/warn": "restricted",
          },
        },
      },
      { provider: platform.provider },
    );
    namespace = ns.metadata.name;
  }

  const services = config.services ?? [DEMO_SERVICE];
  const urls: Record<string, pulumi.Output<string>> = {};
  for (const service of services) {
    urls[service.name] = new AppService(service.name, { ...service, platform, namespace }).url;
  }

  return {
    target: config.target,
    environment: config.environment,
    serviceUrls: urls,
    ...(platform.kind === "kubernetes" ? { clusterName: platform.clusterName, kubeconfig: platform.kubeconfig } : { dockerNetwork: platform.networkName }),
  };
}
