import * as pulumi from "@pulumi/pulumi";
import { deployToDocker } from "./docker";
import { deployToKubernetes } from "./kubernetes";
import type { RouteBackend } from "../contract/routing";
import { workloadSelectorLabels } from "./kubernetes";
import type { AppServiceArgs } from "./spec";
import { formatProblems } from "../contract/problems";
import { resolveAppService, validateAppService } from "./spec";
import { jobNameProblems } from "./jobs-spec";
import { triggerSourceProblems, usesKeda } from "./autoscaling";

export * from "./spec";
export * from "./jobs-spec";
export * from "./autoscaling";
export { taskLabels, taskPodSpec } from "./jobs";
export { migrationExitProblem, migrationGate, MIGRATION_LABEL } from "./jobs-docker";

/** Why CronJobs are refused on Docker. */
export const DOCKER_CRON_JOBS = "are available on Kubernetes only: Docker has no scheduler to run them; remove `cronJobs` from the Docker stack (run the command by hand with `docker exec`)";
export * from "./progressive";

/**
 * The gateway's HTTPRoute name for a progressive service under Linkerd, `<name>-gateway`: Flagger's
 * Gateway API router owns the HTTPRoute `<name>` in the service's namespace.
 *
 * @see https://github.com/fluxcd/flagger/blob/v1.44.0/pkg/router/gateway_api.go
 */
export function gatewayRouteName(name: string, progressiveMesh: "istio" | "linkerd" | undefined): { httpRouteName?: string } {
  return progressiveMesh === "linkerd" ? { httpRouteName: `${name}-gateway` } : {};
}

/** A DNS-1035 label: what Kubernetes requires of a Service name. */
export const DNS_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
export { appContainer, appLabels, appPodSpec, callerSelectorLabels, needsDisruptionBudget, selectorLabels, trackSelectorLabels, workloadSelectorLabels } from "./kubernetes";
export { dockerHealthcheck } from "./docker";

/**
 * One stateless HTTP service, the same on every target.
 *
 * - **Kubernetes** (EKS, GKE, k3s): ServiceAccount, Deployment, Service, HorizontalPodAutoscaler
 *   (autoscaling/v2) and, with `autoscaling.triggers`, a KEDA ScaledObject that adopts it (and a TriggerAuthentication), PodDisruptionBudget when two or more pods run, readiness and liveness probes,
 *   Prometheus scrape annotations, the restricted securityContext, topology spread across zones and
 *   nodes, and a NetworkPolicy; a migration Job the Deployment waits for, and CronJobs, with the
 *   same pod spec and the task's command.
 * - **Docker**: one container with the same image, healthcheck, memory and CPU limits, a restart
 *   policy, the private network and labels; a migration container that must exit with 0 first.
 *   CronJobs are refused: Docker has no scheduler. No autoscaler (a warning when `autoscaling.triggers` are set).
 *
 * @example
 * ```ts
 * const api = new AppService("api", { platform, image: "ghcr.io/stefanprodan/podinfo:6.9.2", port: 9898 });
 * ```
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/deployment/
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
 */
export class AppService extends pulumi.ComponentResource {
  /** The URL other workloads use to reach the service inside the platform. */
  public readonly url: pulumi.Output<string>;
  /** The service's name: the Kubernetes Service name, or the container's network alias on Docker. */
  public readonly serviceName: string;
  /**
   * Where a gateway route sends traffic for this service: the Service and its port on Kubernetes,
   * the container's network alias and port on Docker. Pass it to a {@link Gateway} route.
   */
  public readonly backend: RouteBackend;
  /**
   * The KEDA ScaledObject that scales the service, when it has `autoscaling.triggers` (Kubernetes
   * only): a canary controller's `autoscalerRef` names it.
   */
  public readonly scaledObject?: pulumi.CustomResource;

  /**
   * @param name - the service's name; a DNS-1035 label, used for every child.
   * @param args - see {@link AppServiceArgs}.
   * @param opts - component options.
   * @throws Error naming every bad field (unpinned image, replicas < 1, min > max, implausible
   *   quantities, a canary or CronJobs on Docker, a migration without a command…).
   */
  constructor(name: string, args: AppServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:index:AppService", name, {}, opts);
    const problems = validateAppService(args);
    if (!DNS_LABEL.test(name)) problems.unshift({ path: ["name"], message: `"${name}" must be a DNS-1035 label (lower case, digits, "-")` });
    if (args.canary && args.platform.kind === "docker") problems.push({ path: ["canary"], message: "is available on Kubernetes only: Docker runs one container per service" });
    if ((args.cronJobs ?? []).length > 0 && args.platform.kind === "docker") problems.push({ path: ["cronJobs"], message: DOCKER_CRON_JOBS });
    if (DNS_LABEL.test(name)) problems.push(...jobNameProblems(name, args));
    if (args.progressive && args.platform.kind === "docker") problems.push({ path: ["progressive"], message: "is available on Kubernetes only: Docker has no mesh for Flagger to route through" });
    if (problems.length > 0) throw new Error(`AppService "${name}": ${formatProblems(problems)}`);
    const spec = resolveAppService(args);
    if (args.platform.kind === "kubernetes") problems.push(...triggerSourceProblems(spec.autoscaling, spec.triggerSources, spec.secretEnv));
    if (problems.length > 0) throw new Error(`AppService "${name}": ${formatProblems(problems)}`);
    this.serviceName = name;
    const kubernetes = args.platform.kind === "kubernetes";
    this.backend = { serviceName: name, namespace: spec.namespace, port: kubernetes ? spec.servicePort : spec.port, selector: workloadSelectorLabels(name, spec.progressive !== undefined), ...gatewayRouteName(name, spec.progressive?.mesh) };
    if (args.platform.kind === "kubernetes") {
      const deployed = deployToKubernetes(name, spec, args.platform, this);
      this.url = deployed.url;
      this.scaledObject = deployed.scaledObject;
    } else {
      if (usesKeda(spec.autoscaling)) {
        pulumi.log.warn(
          `AppService "${name}": Docker runs one container and no autoscaler; \`autoscaling.triggers\` (and \`minReplicas\`) take effect on Kubernetes only, where KEDA scales the service.`,
          this,
        );
      }
      this.url = deployToDocker(name, spec, args.platform, this).url;
    }
    this.registerOutputs({ url: this.url });
  }
}
