/** The Barman Cloud plugin's name, as Clusters and ScheduledBackups reference it. @see https://cloudnative-pg.io/plugin-barman-cloud/docs/usage/ */
export const BARMAN_PLUGIN = "barman-cloud.cloudnative-pg.io";
