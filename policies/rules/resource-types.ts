/**
 * The provider resource classes the rules match on, as stand-ins that carry only the class's
 * type token, so that loading the policy pack loads no provider SDK.
 *
 * A rule passes a class to `validateResourceOfType`, `isType` or `asType`; @pulumi/policy reads
 * nothing from it but its `__pulumiType` token (falling back to `isInstance`), and the types come
 * from the real class through `import type`, which compiles to nothing. Importing `@pulumi/aws`
 * for `aws.rds.Instance` instead loaded 314 files of it (and 163 of `@pulumi/gcp`) into every
 * plan, the Docker one included. The namespaces mirror the SDKs' (`aws.rds.Instance`), so a rule
 * reads as before; test/policies-resource-types.test.ts checks every token against the real class.
 *
 * @see https://www.pulumi.com/docs/iac/using-pulumi/crossguard/core-concepts/#resource-validation-policies
 */
import type * as awsSdk from "@pulumi/aws";
import type * as dockerSdk from "@pulumi/docker";
import type * as gcpSdk from "@pulumi/gcp";
import type * as k8sSdk from "@pulumi/kubernetes";

/**
 * A stand-in for the resource class `C` with type token `token`: what @pulumi/policy's
 * `getPulumiType` and `isTypeOf` read, typed as the class for the rules' inference.
 */
function ofType<C>(token: string): C {
  return { __pulumiType: token, isInstance: (o: unknown) => (o as { __pulumiType?: unknown } | undefined)?.__pulumiType === token } as unknown as C;
}

/** AWS resource classes the rules match. */
export const aws = {
  alb: { Listener: ofType<typeof awsSdk.alb.Listener>("aws:alb/listener:Listener") },
  ec2: {
    SecurityGroup: ofType<typeof awsSdk.ec2.SecurityGroup>("aws:ec2/securityGroup:SecurityGroup"),
    SecurityGroupRule: ofType<typeof awsSdk.ec2.SecurityGroupRule>("aws:ec2/securityGroupRule:SecurityGroupRule"),
  },
  eks: { Cluster: ofType<typeof awsSdk.eks.Cluster>("aws:eks/cluster:Cluster") },
  elasticache: { ReplicationGroup: ofType<typeof awsSdk.elasticache.ReplicationGroup>("aws:elasticache/replicationGroup:ReplicationGroup") },
  lb: { Listener: ofType<typeof awsSdk.lb.Listener>("aws:lb/listener:Listener") },
  mq: { Broker: ofType<typeof awsSdk.mq.Broker>("aws:mq/broker:Broker") },
  rds: {
    Cluster: ofType<typeof awsSdk.rds.Cluster>("aws:rds/cluster:Cluster"),
    ClusterInstance: ofType<typeof awsSdk.rds.ClusterInstance>("aws:rds/clusterInstance:ClusterInstance"),
    ClusterParameterGroup: ofType<typeof awsSdk.rds.ClusterParameterGroup>("aws:rds/clusterParameterGroup:ClusterParameterGroup"),
    Instance: ofType<typeof awsSdk.rds.Instance>("aws:rds/instance:Instance"),
    ParameterGroup: ofType<typeof awsSdk.rds.ParameterGroup>("aws:rds/parameterGroup:ParameterGroup"),
  },
  vpc: { SecurityGroupIngressRule: ofType<typeof awsSdk.vpc.SecurityGroupIngressRule>("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") },
};

/** Google Cloud resource classes the rules match. */
export const gcp = {
  container: { Cluster: ofType<typeof gcpSdk.container.Cluster>("gcp:container/cluster:Cluster") },
  redis: { Instance: ofType<typeof gcpSdk.redis.Instance>("gcp:redis/instance:Instance") },
  sql: { DatabaseInstance: ofType<typeof gcpSdk.sql.DatabaseInstance>("gcp:sql/databaseInstance:DatabaseInstance") },
};

/** Kubernetes resource classes the rules match. */
export const k8s = {
  apps: {
    v1: {
      DaemonSet: ofType<typeof k8sSdk.apps.v1.DaemonSet>("kubernetes:apps/v1:DaemonSet"),
      Deployment: ofType<typeof k8sSdk.apps.v1.Deployment>("kubernetes:apps/v1:Deployment"),
      ReplicaSet: ofType<typeof k8sSdk.apps.v1.ReplicaSet>("kubernetes:apps/v1:ReplicaSet"),
      StatefulSet: ofType<typeof k8sSdk.apps.v1.StatefulSet>("kubernetes:apps/v1:StatefulSet"),
    },
  },
  batch: {
    v1: {
      CronJob: ofType<typeof k8sSdk.batch.v1.CronJob>("kubernetes:batch/v1:CronJob"),
      Job: ofType<typeof k8sSdk.batch.v1.Job>("kubernetes:batch/v1:Job"),
    },
  },
  core: {
    v1: {
      Pod: ofType<typeof k8sSdk.core.v1.Pod>("kubernetes:core/v1:Pod"),
      Service: ofType<typeof k8sSdk.core.v1.Service>("kubernetes:core/v1:Service"),
    },
  },
  helm: { v3: { Release: ofType<typeof k8sSdk.helm.v3.Release>("kubernetes:helm.sh/v3:Release") } },
  networking: { v1: { Ingress: ofType<typeof k8sSdk.networking.v1.Ingress>("kubernetes:networking.k8s.io/v1:Ingress") } },
};

/** Docker resource classes the rules match. */
export const docker = {
  Container: ofType<typeof dockerSdk.Container>("docker:index/container:Container"),
  RemoteImage: ofType<typeof dockerSdk.RemoteImage>("docker:index/remoteImage:RemoteImage"),
};
