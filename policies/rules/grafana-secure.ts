import { validateResourceOfType, type ResourceValidationPolicy } from "@pulumi/policy";
import { chartName, dockerLabel, isSet } from "./known";
import { docker, k8s } from "./resource-types";

/** The rule's config. */
export interface GrafanaSecureConfig {
  /**
   * The shortest admin password accepted on Docker, in characters: shorter is taken for one typed
   * by hand (Grafana's default is `admin`), not generated.
   * @default 16
   */
  readonly minAdminPasswordLength: number;
}

/**
 * Whether a Grafana setting reads as true: a boolean `true`, or a string Grafana's ini parser takes
 * for true (`true`, `1`, `yes`, `on`, `t`, `y`, any case).
 *
 * @see https://github.com/go-ini/ini/blob/main/key.go
 */
export function grafanaTrue(value: unknown): boolean {
  return value === true || /^(1|t|true|y|yes|on)$/i.test(String(value ?? "").trim());
}

/** The environment of a Docker container (`envs: ["KEY=value", …]`) as a map; the last entry of a key wins. */
function envMap(envs: readonly string[] | undefined): Map<string, string> {
  return new Map(
    (envs ?? []).map((entry) => {
      const at = entry.indexOf("=");
      return at < 0 ? [entry, ""] : [entry.slice(0, at), entry.slice(at + 1)];
    }),
  );
}

/**
 * Grafana's admin password is never a plaintext value of the program, and Grafana does not let
 * anyone in without logging in. Every environment: a dev Grafana is as reachable as any other.
 *
 * - Helm release of the `kube-prometheus-stack` chart (unless `grafana.enabled: false`), its
 *   values under `grafana.`, or of the `grafana` chart, at the top of its values:
 *   `adminPassword` unset (a value there, even one not known yet, is written into the release);
 *   `admin.existingSecret` set, naming the Secret that holds the password; `env` has no
 *   `GF_SECURITY_ADMIN_PASSWORD`; neither `grafana.ini` `auth.anonymous.enabled` nor `env`
 *   `GF_AUTH_ANONYMOUS_ENABLED` is true.
 * - Docker container labelled `app.kubernetes.io/name: grafana`: `GF_SECURITY_ADMIN_PASSWORD__FILE`
 *   is set, or `GF_SECURITY_ADMIN_PASSWORD` is, with at least `minAdminPasswordLength` characters
 *   (a policy sees secrets unwrapped, so length is what tells a generated password from Grafana's
 *   default `admin` or one typed by hand); `GF_AUTH_ANONYMOUS_ENABLED` is not true.
 *
 * Messages never show a password.
 *
 * @severity high
 *
 * @see https://grafana.com/docs/grafana/latest/setup-grafana/configure-grafana/#override-configuration-with-environment-variables
 * @see https://grafana.com/docs/grafana/latest/setup-grafana/configure-security/configure-authentication/grafana/#anonymous-authentication
 * @see https://github.com/grafana/helm-charts/blob/main/charts/grafana/values.yaml
 */
export const grafanaSecure: ResourceValidationPolicy = {
  name: "grafana-secure",
  description: "Grafana's admin password comes from a secret, never a plaintext value, and anonymous access is off.",
  severity: "high",
  enforcementLevel: "mandatory",
  configSchema: { properties: { minAdminPasswordLength: { type: "integer", minimum: 1, default: 16 } } },
  validateResource: [
    validateResourceOfType(k8s.helm.v3.Release, (release, args, reportViolation) => {
      const chart = chartName(release.chart);
      const prefix = chart === "kube-prometheus-stack" ? "grafana." : chart === "grafana" ? "" : undefined;
      if (prefix === undefined) return;
      const grafana = prefix ? release.values?.grafana : release.values;
      if (prefix && grafana?.enabled === false) return;
      const label = `Helm release "${release.name ?? args.name}" (chart ${chart})`;
      if (isSet(() => grafana?.adminPassword)) {
        reportViolation(`${label} sets ${prefix}adminPassword, which writes the Grafana admin password into the release's values; name a Secret in ${prefix}admin.existingSecret instead.`);
      }
      // A Secret name not known yet (the name of a Secret created in the same update) counts as set.
      if (!isSet(() => grafana?.admin?.existingSecret || undefined)) {
        reportViolation(`${label} sets no ${prefix}admin.existingSecret, so the chart writes an admin password of its own; keep a generated password in a Secret and name it there.`);
      }
      if (isSet(() => grafana?.env?.GF_SECURITY_ADMIN_PASSWORD)) {
        reportViolation(`${label} sets ${prefix}env.GF_SECURITY_ADMIN_PASSWORD, a plaintext environment variable; name a Secret in ${prefix}admin.existingSecret instead.`);
      }
      if (grafanaTrue(grafana?.["grafana.ini"]?.["auth.anonymous"]?.enabled)) {
        reportViolation(`${label} sets ${prefix}grafana.ini auth.anonymous.enabled, which lets anyone use Grafana without logging in; leave it false.`);
      }
      if (grafanaTrue(grafana?.env?.GF_AUTH_ANONYMOUS_ENABLED)) {
        reportViolation(`${label} sets ${prefix}env.GF_AUTH_ANONYMOUS_ENABLED, which lets anyone use Grafana without logging in; leave it false.`);
      }
    }),
    validateResourceOfType(docker.Container, (container, args, reportViolation) => {
      if (dockerLabel(container.labels, "app.kubernetes.io/name") !== "grafana") return;
      const label = `Docker Grafana container "${container.name ?? args.name}"`;
      const env = envMap(container.envs);
      const password = env.get("GF_SECURITY_ADMIN_PASSWORD");
      const { minAdminPasswordLength: min } = args.getConfig<GrafanaSecureConfig>();
      if (!env.get("GF_SECURITY_ADMIN_PASSWORD__FILE")) {
        if (password === undefined) {
          reportViolation(`${label} sets neither GF_SECURITY_ADMIN_PASSWORD nor GF_SECURITY_ADMIN_PASSWORD__FILE, so its admin password is Grafana's default "admin".`);
        } else if (password.length < min) {
          reportViolation(`${label} sets GF_SECURITY_ADMIN_PASSWORD to fewer than ${min} characters, not a generated password; pass a @pulumi/random password as a secret.`);
        }
      }
      if (grafanaTrue(env.get("GF_AUTH_ANONYMOUS_ENABLED"))) {
        reportViolation(`${label} sets GF_AUTH_ANONYMOUS_ENABLED, which lets anyone use Grafana without logging in; leave it false.`);
      }
    }),
  ],
};
