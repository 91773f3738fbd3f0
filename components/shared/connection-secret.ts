import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { KubernetesPlatform } from "../contract/platform";

/**
 * An Opaque Secret with connection details, for workloads' `secretKeyRef`. Every value is a
 * secret in Pulumi's state.
 *
 * @param resourceName - the Pulumi resource name.
 * @param secretName - the Kubernetes Secret's name.
 * @param namespace - the namespace of the workloads that read it.
 * @param platform - the cluster.
 * @param data - the keys and values.
 * @param parent - the owning component.
 * @see https://kubernetes.io/docs/concepts/configuration/secret/
 */
export function connectionSecret(
  resourceName: string,
  secretName: string,
  namespace: pulumi.Input<string>,
  platform: KubernetesPlatform,
  data: Record<string, pulumi.Input<string>>,
  parent: pulumi.Resource,
): k8s.core.v1.Secret {
  return new k8s.core.v1.Secret(
    resourceName,
    {
      metadata: { name: secretName, namespace, labels: { "app.kubernetes.io/managed-by": "pulumi" } },
      type: "Opaque",
      // Each value a secret (not the map as a whole), so the object stays a valid Secret in any
      // rendering that redacts secrets.
      stringData: Object.fromEntries(Object.entries(data).map(([key, value]) => [key, pulumi.secret(value)])),
    },
    { parent, provider: platform.provider },
  );
}
