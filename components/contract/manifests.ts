/**
 * What the release manifests the platform applies contain, where it matters to the rest of the
 * plan: the objects one manifest shares with another or with the program, which Pulumi would
 * otherwise create twice (a create of an existing object fails since pulumi-kubernetes 4.29). The
 * manifests are fetched by the Kubernetes provider at deploy time, so the plan cannot read them;
 * these facts are read from each repository's `config/` at the pinned tag.
 *
 * @see https://github.com/pulumi/pulumi-kubernetes/blob/master/CHANGELOG.md (4.29.0: create fails on an existing object)
 */

/** One Kubernetes object a manifest creates. */
export interface ManifestObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  /** The namespace of a namespaced object. */
  readonly namespace?: string;
}

/** The notable objects of one pinned manifest. */
export interface ManifestFacts {
  /** How a plan recognizes the manifest: its URL. */
  readonly manifest: RegExp;
  readonly objects: readonly ManifestObject[];
  /** Where the objects are declared. */
  readonly see: string;
}

/** The notable objects of the manifests the platform applies. */
export const MANIFEST_OBJECTS: readonly ManifestFacts[] = [
  {
    manifest: /rabbitmq\/cluster-operator\/releases\/download\/v2\.22\.3\//,
    objects: [{ apiVersion: "v1", kind: "Namespace", name: "rabbitmq-system" }],
    see: "https://github.com/rabbitmq/cluster-operator/blob/v2.22.3/config/namespace/base/namespace.yaml",
  },
  {
    manifest: /rabbitmq\/messaging-topology-operator\/releases\/download\/v1\.20\.1\//,
    objects: [{ apiVersion: "v1", kind: "Namespace", name: "rabbitmq-system" }],
    see: "https://github.com/rabbitmq/messaging-topology-operator/blob/v1.20.1/config/manager/manager.yaml",
  },
];
