import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { GATEWAY_TYPES, listenerLabel, validateTraefikDynamic, type Listener } from "./gateway";
import { hostCovers, kubeObjects, mayMatch } from "./known";

const CERTIFICATE_TYPES = ["kubernetes:cert-manager.io/v1:Certificate"];

/**
 * Every HTTPS listener's certificate is issued and renewed by cert-manager for the listener's
 * hostname.
 *
 * - Gateway API Gateway, a stack check with every cert-manager Certificate: for each HTTPS listener
 *   (and TLS listener that terminates), each `tls.certificateRefs` entry is a core `Secret` that is
 *   the `spec.secretName` of a Certificate in the ref's namespace (the Gateway's unless set), and
 *   when the listener has a `hostname`, that Certificate's `spec.dnsNames` cover it (exactly or by
 *   a `*.` wildcard of one label). A listener with no `certificateRefs` at all is reported by
 *   `tls-load-balancers`. A Certificate whose spec is not known yet matches any ref.
 * - The Traefik gateway container on Docker: the dynamic configuration has `tls.certificates`,
 *   each with `certFile` and `keyFile` (otherwise Traefik serves its own default certificate).
 *
 * @severity high
 *
 * @see https://cert-manager.io/docs/usage/certificate/
 * @see https://gateway-api.sigs.k8s.io/guides/tls/
 * @see https://doc.traefik.io/traefik/https/tls/#user-defined
 */
export const gatewayListenerCertificates: ResourceValidationPolicy & StackValidationPolicy = {
  name: "gateway-listener-certificates",
  description: "Every HTTPS listener presents a cert-manager certificate for its hostname.",
  severity: "high",
  enforcementLevel: "mandatory",
  validateResource: validateTraefikDynamic(({ label, dynamic }, reportViolation) => {
    if (dynamic.certificates.length === 0) {
      reportViolation(`${label} has no tls.certificates in its dynamic configuration, so Traefik serves its default self-signed certificate.`);
    }
    dynamic.certificates.forEach((c, i) => {
      if (!c.certFile || !c.keyFile) reportViolation(`${label} tls.certificates[${i}] lacks certFile or keyFile.`);
    });
  }),
  validateStack: (args, reportViolation) => {
    const certificates = kubeObjects(args.resources, CERTIFICATE_TYPES, "Certificate");
    for (const gateway of kubeObjects(args.resources, GATEWAY_TYPES, "Gateway")) {
      for (const listener of (gateway.spec?.listeners ?? []) as Listener[]) {
        const terminates = listener.protocol === "HTTPS" || (listener.protocol === "TLS" && (listener.tls?.mode ?? "Terminate") === "Terminate");
        if (!terminates) continue;
        const where = listenerLabel(gateway, listener);
        for (const ref of listener.tls?.certificateRefs ?? []) {
          if ((ref.group ?? "") !== "" || (ref.kind ?? "Secret") !== "Secret") {
            reportViolation(`${where} refers to ${ref.kind ?? "Secret"} "${ref.name}" of group "${ref.group ?? ""}", not to a Secret that a cert-manager Certificate writes.`, gateway.resource.urn);
            continue;
          }
          const namespace = ref.namespace ?? gateway.namespace;
          const secret = `Secret "${namespace ?? "(not known yet)"}/${ref.name}"`;
          const issuers = certificates.filter((c) => mayMatch(c.namespace, namespace) && (c.spec === undefined || c.spec.secretName === ref.name));
          if (issuers.length === 0) {
            reportViolation(`${where} refers to ${secret}, which no cert-manager Certificate in the stack writes (spec.secretName).`, gateway.resource.urn);
          } else if (listener.hostname && !issuers.some((c) => c.spec === undefined || ((c.spec.dnsNames ?? []) as string[]).some((d) => hostCovers(d, listener.hostname!)))) {
            reportViolation(`${where} serves hostname "${listener.hostname}", which ${issuers[0].label} (${secret}) does not list in spec.dnsNames.`, gateway.resource.urn);
          }
        }
      }
    }
  },
};
