import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { KubernetesPlatform } from "../../contract/platform";
import { targetConflicts } from "../catalog";

/**
 * The pinned Gateway API release: the standard channel's CRDs (GatewayClass, Gateway, HTTPRoute,
 * GRPCRoute, ReferenceGrant, BackendTLSPolicy, ListenerSet, TCPRoute, TLSRoute, UDPRoute) and its
 * safe-upgrades ValidatingAdmissionPolicy, as one manifest attached to the GitHub release. The tests
 * validate every Gateway API object against the same release's CRDs.
 *
 * @see https://gateway-api.sigs.k8s.io/guides/getting-started/#installing-gateway-api
 * @see https://github.com/kubernetes-sigs/gateway-api/releases/tag/v1.6.1
 */
export const gatewayApiRelease = {
  version: "v1.6.1",
  channel: "standard",
  manifest: "https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.6.1/standard-install.yaml",
} as const;

/** The arguments of {@link GatewayApiCrds}. */
export interface GatewayApiCrdsArgs {
  /** The cluster to install into. */
  readonly platform: KubernetesPlatform;
}

/**
 * The Gateway API CRDs, installed once per cluster from the release's `standard-install.yaml`, the
 * way the project recommends (`kubectl apply` of the release manifest), here through Pulumi so
 * upgrades are diffs. Nothing else installs them: the Traefik chart's own copy is skipped
 * (`skipCrds`) and Traefik's CRDs come from the `traefik-crds` chart with `gatewayAPI: false`.
 *
 * Create it once in the program and pass it to the Gateway through `dependsOn`. On k3s, the servers
 * must run without the packaged charts that ship the same CRDs (`--disable=traefik` and, from k3s
 * 1.37, `--disable=gateway-api-crd`), listed in the platform's `disable`.
 *
 * @example
 * ```ts
 * const gatewayApi = new GatewayApiCrds("gateway-api", { platform });
 * const certManager = new CertManager("cert-manager", { platform, dependsOn: [gatewayApi.ready] });
 * new Gateway("gateway", { platform, certManager, dependsOn: [gatewayApi.ready] });
 * ```
 * @see https://gateway-api.sigs.k8s.io/guides/getting-started/#installing-gateway-api
 */
export class GatewayApiCrds extends pulumi.ComponentResource {
  /** The resource to depend on: it is ready once every CRD of the manifest is established. */
  public readonly ready: pulumi.Resource;

  /**
   * @param name - the logical name; children are named `${name}-<role>`.
   * @param args - see {@link GatewayApiCrdsArgs}.
   * @param opts - component options.
   * @throws Error on a k3s cluster that still runs a packaged chart shipping the Gateway API CRDs.
   * @see https://github.com/k3s-io/k3s/pull/14565
   */
  constructor(name: string, args: GatewayApiCrdsArgs, opts?: pulumi.ComponentResourceOptions) {
    const conflicts = targetConflicts(["gateway-api-crds"], args.platform);
    if (conflicts.length > 0) throw new Error(`GatewayApiCrds "${name}": ${conflicts.map((c) => c.message).join("; ")}`);
    super("platform:index:GatewayApiCrds", name, {}, opts);
    this.ready = new k8s.yaml.v2.ConfigFile(
      `${name}-standard-install`,
      { file: gatewayApiRelease.manifest },
      { parent: this, provider: args.platform.provider, dependsOn: args.platform.cluster ? [args.platform.cluster] : [] },
    );
    this.registerOutputs({});
  }
}
