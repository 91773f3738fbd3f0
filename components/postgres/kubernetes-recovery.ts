/**
 * Restores of an in-cluster (CloudNativePG) database from its Barman Cloud archive, beside the live
 * Cluster:
 *
 * - the **drill** (`recovery.drill.enabled`): a Cluster `<name>-drill` bootstrapped with
 *   `bootstrap.recovery` from the ObjectStore, to `targetTime` or the end of the archive, then
 *   promoted: a database to inspect, created by one `pulumi up` and removed by the next;
 * - the **verification** (`recovery.verification.enabled`): a replica cluster
 *   `<name>-restore-check`, restored once from a base backup when created, that keeps replaying the archived WAL,
 *   a CronJob that writes a marker on the primary and fails unless the restored copy replays it
 *   within {@link VERIFY_WAIT_SECONDS}, and a PrometheusRule whose alerts fire when the latest run
 *   failed or none succeeded for three periods of the schedule.
 *
 * Both reuse the live Cluster's ServiceAccount (`serviceAccountName`), which carries the cloud
 * identity (IRSA, Workload Identity) that reads the bucket, and the app Secret.
 *
 * @see https://cloudnative-pg.io/documentation/current/recovery/
 * @see https://cloudnative-pg.io/documentation/current/replica_cluster/
 * @see https://cloudnative-pg.io/plugin-barman-cloud/docs/usage/#restoring-a-cluster
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { KubernetesPlatform } from "../contract/platform";
import { RESTORE_DRILL_MARKS } from "../contract/recovery";
import { restrictedContainerSecurityContext } from "../shared/security";
import { BARMAN_PLUGIN } from "./cnpg-plugin";
import type { ResolvedPostgres } from "./spec";

/** The name the live cluster has among a restore's `externalClusters`. */
export const ORIGIN = "origin";

/** How long the verification waits for the restored copy to replay its marker: two archive timeouts (5 min each) and five minutes of slack. */
export const VERIFY_WAIT_SECONDS = 900;

/** The verification Job's `activeDeadlineSeconds`: the wait and five minutes for the marker's write and start-up. */
export const ACTIVE_DEADLINE_SECONDS = VERIFY_WAIT_SECONDS + 300;

/** The UID and GID of the CloudNativePG operand images (`postgres`). @see https://github.com/cloudnative-pg/postgres-containers */
export const OPERAND_USER = 26;

/** Requests and limits of the verification Job's container. */
export const verifyResources = { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "128Mi" } } as const;

/** The `externalClusters` entry that reads the live cluster's archive through the Barman Cloud plugin. */
function origin(name: string, objectStoreName: string): Record<string, unknown> {
  return { name: ORIGIN, plugin: { name: BARMAN_PLUGIN, parameters: { barmanObjectName: objectStoreName, serverName: name } } };
}

/**
 * The `spec` of a Cluster restored from the live one's archive: the live Cluster's spec (`live`,
 * as `cnpgClusterSpec` writes it for one instance: image, storage, resources, TLS-only `pg_hba`)
 * with its ServiceAccount, no WAL archiving of its own (it must never write into the live
 * archive), and `bootstrap.recovery` from {@link ORIGIN}.
 *
 * @param mode - `drill`: recover to `targetTime` (or the end of the archive) and promote;
 *   `replica`: stay in continuous recovery, replaying the archive as it grows.
 * @see https://cloudnative-pg.io/documentation/current/cloudnative-pg.v1/#postgresql-cnpg-io-v1-BootstrapRecovery
 */
export function restoredClusterSpec(name: string, spec: ResolvedPostgres, live: Record<string, unknown>, objectStoreName: string, mode: "drill" | "replica"): Record<string, unknown> {
  const { bootstrap: _bootstrap, plugins: _plugins, serviceAccountTemplate: _account, ...rest } = live;
  const targetTime = spec.recovery.drill.targetTime;
  return {
    ...rest,
    serviceAccountName: name,
    bootstrap: {
      recovery: {
        source: ORIGIN,
        database: spec.database,
        owner: spec.username,
        secret: { name: `${name}-app` },
        ...(mode === "drill" && targetTime ? { recoveryTarget: { targetTime } } : {}),
      },
    },
    externalClusters: [origin(name, objectStoreName)],
    ...(mode === "replica" ? { replica: { enabled: true, source: ORIGIN } } : {}),
  };
}

/**
 * The shell script of the verification Job: write a marker (the current time) on the primary, in
 * the schema `platform_restore_check` it owns, then poll the restored copy until it has replayed
 * that marker; exit 1 after {@link VERIFY_WAIT_SECONDS}.
 */
export function verifyScript(): string {
  return [
    "set -eu",
    "marker=$(date -u +%s)",
    'psql "host=$PRIMARY_HOST dbname=$PGDATABASE user=$PGUSER sslmode=require" -v ON_ERROR_STOP=1 -qc "CREATE SCHEMA IF NOT EXISTS platform_restore_check; CREATE TABLE IF NOT EXISTS platform_restore_check.heartbeat (id int PRIMARY KEY, marker bigint NOT NULL); INSERT INTO platform_restore_check.heartbeat VALUES (1, $marker) ON CONFLICT (id) DO UPDATE SET marker = excluded.marker"',
    `deadline=$(( $(date -u +%s) + ${VERIFY_WAIT_SECONDS} ))`,
    'while [ "$(date -u +%s)" -lt "$deadline" ]; do',
    '  seen=$(psql "host=$RESTORED_HOST dbname=$PGDATABASE user=$PGUSER sslmode=require" -Atc "SELECT coalesce(max(marker), 0) FROM platform_restore_check.heartbeat" 2>/dev/null || echo 0)',
    '  if [ "${seen:-0}" -ge "$marker" ]; then echo "the restored copy replayed marker $marker"; exit 0; fi',
    "  sleep 30",
    "done",
    `echo "the restored copy did not replay marker $marker within ${VERIFY_WAIT_SECONDS}s: check the WAL archive and the $RESTORED_HOST cluster" >&2`,
    "exit 1",
  ].join("\n");
}

/**
 * The `spec` of the verification CronJob: no overlapping runs, one attempt per run (a failure is the
 * signal), the last runs kept for inspection, the operand image's `psql` under the restricted Pod
 * Security Standard, the app role's password from `<name>-app`.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/
 */
export function verifyCronJobSpec(name: string, spec: ResolvedPostgres, namespace: string, image: string, labels: Record<string, string>): k8s.types.input.batch.v1.CronJobSpec {
  const dns = (service: string) => `${service}.${namespace}.svc.cluster.local`;
  return {
    schedule: spec.recovery.verification.schedule,
    timeZone: "Etc/UTC",
    concurrencyPolicy: "Forbid",
    startingDeadlineSeconds: 600,
    successfulJobsHistoryLimit: 1,
    failedJobsHistoryLimit: 3,
    jobTemplate: {
      spec: {
        backoffLimit: 0,
        activeDeadlineSeconds: ACTIVE_DEADLINE_SECONDS,
        template: {
          metadata: { labels: { ...labels, "app.kubernetes.io/component": "restore-check" } },
          spec: {
            restartPolicy: "Never",
            automountServiceAccountToken: false,
            securityContext: { runAsNonRoot: true, runAsUser: OPERAND_USER, runAsGroup: OPERAND_USER, seccompProfile: { type: "RuntimeDefault" } },
            containers: [
              {
                name: "check",
                image,
                command: ["sh", "-c", verifyScript()],
                env: [
                  { name: "PRIMARY_HOST", value: dns(`${name}-rw`) },
                  { name: "RESTORED_HOST", value: dns(`${name}-restore-check-rw`) },
                  { name: "PGDATABASE", value: spec.database },
                  { name: "PGUSER", value: spec.username },
                  { name: "PGPASSWORD", valueFrom: { secretKeyRef: { name: `${name}-app`, key: "password" } } },
                  { name: "HOME", value: "/tmp" },
                ],
                resources: { requests: { ...verifyResources.requests }, limits: { ...verifyResources.limits } },
                securityContext: restrictedContainerSecurityContext(),
                volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
              },
            ],
            volumes: [{ name: "tmp", emptyDir: { sizeLimit: "16Mi" } }],
          },
        },
      },
    },
  };
}

/** How many schedule periods without a successful restore check raise `PostgresRestoreCheckStale`. */
export const STALE_PERIODS = 3;

/**
 * How long `PostgresRestoreCheckFailed`'s condition must hold before it fires: longer than a run
 * may last (the Job's `activeDeadlineSeconds`), so a run still in progress never pages.
 */
export const FAILED_FOR_SECONDS = ACTIVE_DEADLINE_SECONDS + 300;

/**
 * The `spec` of the PrometheusRule beside the CronJob, on kube-state-metrics' CronJob series, so
 * both alerts follow the latest run and clear on the next success:
 *
 * - `PostgresRestoreCheckFailed` (critical): the latest scheduled run has not succeeded (its
 *   `last_schedule_time` is after `last_successful_time`, or no run ever succeeded) for longer than a
 *   run may last ({@link FAILED_FOR_SECONDS}). Failed Jobs kept for inspection
 *   (`failedJobsHistoryLimit`) do not keep it firing.
 * - `PostgresRestoreCheckStale` (warning): no success for {@link STALE_PERIODS} schedule periods,
 *   the period taken from the schedule itself (`next_schedule_time − last_schedule_time`), so a
 *   daily schedule is not stale after three hours.
 *
 * @see https://github.com/kubernetes/kube-state-metrics/blob/main/docs/metrics/workload/cronjob-metrics.md
 */
export function verifyAlertsSpec(name: string, namespace: string): Record<string, unknown> {
  const cronJob = `${name}-restore-check`;
  const series = (metric: string) => `max by (namespace, cronjob) (${metric}{namespace="${namespace}", cronjob="${cronJob}"})`;
  const lastSchedule = series("kube_cronjob_status_last_schedule_time");
  const lastSuccess = series("kube_cronjob_status_last_successful_time");
  const period = `(${series("kube_cronjob_next_schedule_time")} - ${lastSchedule})`;
  return {
    groups: [
      {
        name: `${cronJob}.rules`,
        rules: [
          {
            alert: "PostgresRestoreCheckFailed",
            expr: `(${lastSchedule} > ${lastSuccess}) or (${lastSchedule} unless ${lastSuccess})`,
            for: `${FAILED_FOR_SECONDS / 60}m`,
            labels: { severity: "critical" },
            annotations: {
              summary: `The latest restore check of PostgreSQL ${namespace}/${name} failed`,
              description: `The latest run of CronJob ${namespace}/${cronJob} did not succeed: the copy restored from the backups of ${namespace}/${name} did not replay recent WAL, so the backups may not restore. See \`kubectl -n ${namespace} get jobs\` (the newest ${cronJob}-…) and \`kubectl -n ${namespace} logs job/<job>\`.`,
            },
          },
          {
            alert: "PostgresRestoreCheckStale",
            expr: `time() - ${lastSuccess} > ${STALE_PERIODS} * ${period}`,
            for: "10m",
            labels: { severity: "warning" },
            annotations: {
              summary: `No restore check of PostgreSQL ${namespace}/${name} succeeded for ${STALE_PERIODS} schedule periods`,
              description: `CronJob ${namespace}/${cronJob} has no successful run in ${STALE_PERIODS} periods of its schedule: the backups are not being verified.`,
            },
          },
        ],
      },
    ],
  };
}

/** What the restores need from the live Cluster's deployment. */
export interface RestoreContext {
  readonly objectStoreName: string;
  readonly cluster: pulumi.Resource;
  /** The live Cluster's spec for one instance, and its objects' labels. */
  readonly live: { readonly spec: Record<string, unknown>; readonly labels: Record<string, string> };
  /** The Prometheus operator's CRDs, when the add-on provides them. */
  readonly monitoringCrds?: pulumi.Resource;
}

/**
 * Creates the drill and the verification, as configured.
 *
 * @returns the drill's read-write host, when there is a drill.
 */
export function deployKubernetesRestores(name: string, spec: ResolvedPostgres, platform: KubernetesPlatform, context: RestoreContext, parent: pulumi.Resource): pulumi.Output<string> | undefined {
  const opts = { parent, provider: platform.provider, dependsOn: [context.cluster] };
  const labels = context.live.labels;
  const metadata = (objectName: string, extra: Record<string, string> = {}) => ({ name: objectName, namespace: spec.namespace, labels: { ...labels, ...extra } });
  const { drill, verification } = spec.recovery;
  if (verification.enabled) {
    const restored = `${name}-restore-check`;
    const replica = new k8s.apiextensions.CustomResource(
      restored,
      { apiVersion: "postgresql.cnpg.io/v1", kind: "Cluster", metadata: metadata(restored, { [RESTORE_DRILL_MARKS.label]: "true" }), spec: restoredClusterSpec(name, spec, context.live.spec, context.objectStoreName, "replica") },
      opts,
    );
    const image = context.live.spec.imageName as string;
    new k8s.batch.v1.CronJob(
      restored,
      { metadata: metadata(restored), spec: pulumi.output(spec.namespace).apply((namespace) => verifyCronJobSpec(name, spec, namespace, image, labels)) },
      { ...opts, dependsOn: [replica] },
    );
    new k8s.apiextensions.CustomResource(
      `${restored}-alerts`,
      { apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule", metadata: metadata(restored), spec: pulumi.output(spec.namespace).apply((namespace) => verifyAlertsSpec(name, namespace)) },
      { ...opts, dependsOn: [context.cluster, ...(context.monitoringCrds ? [context.monitoringCrds] : [])] },
    );
  }
  if (!drill.enabled) return undefined;
  const drillName = `${name}-drill`;
  new k8s.apiextensions.CustomResource(
    drillName,
    { apiVersion: "postgresql.cnpg.io/v1", kind: "Cluster", metadata: metadata(drillName, { [RESTORE_DRILL_MARKS.label]: "true" }), spec: restoredClusterSpec(name, spec, context.live.spec, context.objectStoreName, "drill") },
    opts,
  );
  return pulumi.output(spec.namespace).apply((namespace) => `${drillName}-rw.${namespace}.svc.cluster.local`);
}
