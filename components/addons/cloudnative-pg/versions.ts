/**
 * The pinned charts.
 *
 * @see https://github.com/cloudnative-pg/charts
 * @see https://github.com/cloudnative-pg/plugin-barman-cloud
 */
export const cloudNativePgCharts = {
  /** The CloudNativePG chart 0.29.0 ships operator 1.30.0, the release of the CRDs the tests validate against. */
  operator: { repo: "https://cloudnative-pg.github.io/charts", chart: "cloudnative-pg", version: "0.29.0", appVersion: "1.30.0" },
  /** The Barman Cloud plugin chart 0.7.1 ships plugin v0.14.0. */
  plugin: { repo: "https://cloudnative-pg.github.io/charts", chart: "plugin-barman-cloud", version: "0.7.1", appVersion: "v0.14.0" },
} as const;
