import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { k3sDefaults, type K3sClusterArgs } from "./args";
import type { KubernetesPlatform } from "../contract/platform";
import { consumerProvider } from "../shared/options";


/**
 * An existing k3s cluster, reached through a kubeconfig from stack config. Creates only the
 * Kubernetes provider that every component then uses explicitly.
 *
 * @see https://docs.k3s.io/cluster-access
 * @see https://www.pulumi.com/registry/packages/kubernetes/api-docs/provider/
 */
export class K3sCluster extends pulumi.ComponentResource {
  /** The platform contract for components. */
  public readonly platform: KubernetesPlatform;

  /**
   * @param name - the logical name; children are named `${name}-<role>`.
   * @param args - the kubeconfig (a secret) and the cluster's storage and edge settings.
   * @param opts - component options. A `kubernetes` provider in `opts.provider` or
   *   `opts.providers` (or on a parent) is used instead of the one made from `kubeconfig`.
   */
  constructor(name: string, args: K3sClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:index:K3sCluster", name, {}, opts);
    const kubeconfig = pulumi.secret(args.kubeconfig);
    const passed = consumerProvider(this, "kubernetes") as k8s.Provider | undefined;
    const provider = passed ?? new k8s.Provider(
      `${name}-k8s`,
      { kubeconfig, context: args.context, enableServerSideApply: true },
      { parent: this },
    );
    this.platform = {
      kind: "kubernetes",
      flavour: "k3s",
      environment: args.environment,
      provider,
      ...(passed ? { providerFromConsumer: true } : {}),
      clusterName: pulumi.output(args.context ?? "k3s"),
      kubeconfig,
      context: args.context,
      disabledComponents: args.disable ?? [],
      storageClass: args.storageClass ?? k3sDefaults.storageClass,
      ingress: { serviceType: args.ingressServiceType ?? k3sDefaults.ingressServiceType, serviceAnnotations: {} },
      zones: pulumi.output([]),
    };
    this.registerOutputs({ clusterName: this.platform.clusterName });
  }
}
