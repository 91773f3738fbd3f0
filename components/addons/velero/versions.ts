/**
 * The pinned Velero chart and the object-storage plugins that match its Velero release.
 *
 * @see https://github.com/vmware-tanzu/helm-charts/tree/main/charts/velero
 * @see https://github.com/vmware-tanzu/velero-plugin-for-aws#compatibility
 * @see https://github.com/vmware-tanzu/velero-plugin-for-gcp#compatibility
 */
export const veleroVersions = {
  /** Chart 12.1.0 ships Velero 1.18.1, the release of the CRDs the tests validate against. */
  chart: { repo: "https://vmware-tanzu.github.io/helm-charts", chart: "velero", version: "12.1.0", appVersion: "v1.18.1" },
  /** The plugins' v1.14 line is the one for Velero 1.18 (each plugin's compatibility table). */
  plugins: {
    aws: "velero/velero-plugin-for-aws:v1.14.2",
    gcp: "velero/velero-plugin-for-gcp:v1.14.2",
  },
} as const;
