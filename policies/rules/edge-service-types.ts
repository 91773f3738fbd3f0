import { validateResourceOfType, type ResourceValidationPolicy } from "@pulumi/policy";
import { EDGE_LABEL } from "../../components/contract/labels";
import { refOf } from "./known";
import { k8s } from "./resource-types";

/** The Service types that expose a Service outside the cluster. */
const EXPOSED_SERVICE_TYPES = ["LoadBalancer", "NodePort"];

/** `platform.acme.dev/edge: "true"` in `labels`. */
function hasEdgeLabel(labels: Record<string, string> | undefined): boolean {
  return labels?.[EDGE_LABEL] === "true";
}

/**
 * Only the gateway is reachable from outside the cluster; everything else goes through it.
 *
 * - Kubernetes `core/v1` Service: `spec.type` `LoadBalancer` or `NodePort` only with the label
 *   `platform.acme.dev/edge: "true"` in `metadata.labels`.
 * - Helm `Release` (v3): a `values.service.type` of `LoadBalancer` or `NodePort` only with that
 *   label in `values.service.labels` (how the Traefik chart labels its Service, and how the
 *   gateway's release is recognised). Charts that keep their Service type under another key are
 *   not seen.
 *
 * Applies in every environment.
 *
 * @severity high
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types
 * @see https://github.com/traefik/traefik-helm-chart/blob/master/traefik/values.yaml
 */
export const edgeServiceTypes: ResourceValidationPolicy = {
  name: "edge-service-types",
  description: 'No Service is LoadBalancer or NodePort except the gateway\'s own, labelled platform.acme.dev/edge: "true".',
  severity: "high",
  enforcementLevel: "mandatory",
  validateResource: [
    validateResourceOfType(k8s.core.v1.Service, (service, args, reportViolation) => {
      const type = service.spec?.type;
      if (type && EXPOSED_SERVICE_TYPES.includes(type) && !hasEdgeLabel(service.metadata?.labels)) {
        reportViolation(`Service "${refOf(service, args.name)}" is of type ${type} without the label ${EDGE_LABEL}: "true"; only the gateway's Service may be exposed outside the cluster.`);
      }
    }),
    validateResourceOfType(k8s.helm.v3.Release, (release, args, reportViolation) => {
      const service = release.values?.service as { type?: string; labels?: Record<string, string> } | undefined;
      if (service?.type && EXPOSED_SERVICE_TYPES.includes(service.type) && !hasEdgeLabel(service.labels)) {
        reportViolation(
          `Helm release "${release.name ?? args.name}" (chart ${release.chart}) sets values.service.type ${service.type} without ${EDGE_LABEL}: "true" in values.service.labels; only the gateway's Service may be exposed outside the cluster.`,
        );
      }
    }),
  ],
};
