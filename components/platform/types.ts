import type * as docker from "@pulumi/docker";
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

/**
 * The deployment environment. It decides the secure defaults that differ between a laptop and
 * production: `protect`, replica counts, zone counts.
 */
export type Environment = "dev" | "staging" | "prod";

/** The four places the platform can run. */
export type Target = "eks" | "gke" | "k3s" | "docker";

/** The Kubernetes distributions behind a {@link KubernetesPlatform}. */
export type KubernetesFlavour = "eks" | "gke" | "k3s";

/**
 * What a component needs to know to deploy into a Kubernetes cluster, whatever made the cluster.
 * Every Kubernetes resource of every component is created with `provider` set explicitly.
 *
 * Modelled on cdk-eks-blueprints' `ClusterInfo`: one shape for every cluster provider.
 *
 * @see https://github.com/aws-quickstart/cdk-eks-blueprints/blob/main/lib/spi/types.ts
 */
export interface KubernetesPlatform {
  readonly kind: "kubernetes";
  /** Which distribution runs the cluster. */
  readonly flavour: KubernetesFlavour;
  readonly environment: Environment;
  /** The provider every Kubernetes resource must use. */
  readonly provider: k8s.Provider;
  /** The cluster name (EKS/GKE) or the kubeconfig context (k3s). */
  readonly clusterName: pulumi.Output<string>;
  /** A kubeconfig for operators; always a secret. */
  readonly kubeconfig: pulumi.Output<string>;
  /** The StorageClass for persistent volumes (`gp3` on EKS, `standard-rwo` on GKE, `local-path` on k3s). */
  readonly storageClass: string;
  /** How the edge (the gateway) is exposed on this cluster. */
  readonly ingress: {
    /** The Service type of the gateway's own Service; only the gateway may use it. */
    readonly serviceType: "LoadBalancer" | "NodePort";
    /** Annotations that make the cloud's load balancer right (NLB on EKS, for example). */
    readonly serviceAnnotations: Readonly<Record<string, string>>;
  };
  /** The zones nodes run in, for topology spread; empty where the cluster does not say (k3s). */
  readonly zones: pulumi.Output<string[]>;
  /** The resource that owns the cluster, for `dependsOn` from components that need it ready. */
  readonly cluster?: pulumi.Resource;
}

/**
 * What a component needs to deploy onto a Docker engine: the provider and the private network that
 * every container joins.
 *
 * @see https://www.pulumi.com/registry/packages/docker/api-docs/provider/
 */
export interface DockerPlatform {
  readonly kind: "docker";
  readonly flavour: "docker";
  readonly environment: Environment;
  /** The provider every Docker resource must use. */
  readonly provider: docker.Provider;
  /** The user-defined bridge network the containers share; containers reach each other by name. */
  readonly network: docker.Network;
  /** The name of {@link DockerPlatform.network}. */
  readonly networkName: pulumi.Output<string>;
  /** The host address that published ports bind to. @default "127.0.0.1" */
  readonly publishAddress: string;
}

/**
 * The platform a component deploys onto. Components branch on `kind` and pick their backend.
 */
export type Platform = KubernetesPlatform | DockerPlatform;
