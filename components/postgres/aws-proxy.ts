/**
 * RDS Proxy in front of an RDS instance or Aurora cluster: the managed connection pooler on AWS,
 * so a thousand client connections share a bounded pool of database connections and fail over
 * without clients reconnecting to a new address.
 *
 * What a first `pulumi up` needs, all created here: the credentials in Secrets Manager (encrypted
 * with the database's KMS key), an IAM role RDS Proxy assumes to read them, a security group of its
 * own (TCP 5432 from the EKS cluster, and out to the database only), the private subnets, then the
 * default target group and the target once the database exists.
 *
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy.html
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-setup.html
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AwsCloud } from "../contract/platform";
import type { ResolvedPostgres } from "./spec";

/**
 * The connection pool of the proxy's default target group.
 *
 * - `maxConnectionsPercent` 90: the proxy may open 90% of the database's `max_connections`, leaving
 *   the rest for administration and replication;
 * - `maxIdleConnectionsPercent` 50: idle connections it keeps open;
 * - `connectionBorrowTimeout` 120 s: how long a client waits for a pooled connection.
 *
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-connections.html
 */
export const RDS_PROXY_POOL = { maxConnectionsPercent: 90, maxIdleConnectionsPercent: 50, connectionBorrowTimeout: 120 } as const;

/** Seconds an idle client connection stays open (RDS Proxy's default, 30 minutes). @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-connections.html */
export const RDS_PROXY_IDLE_CLIENT_TIMEOUT_SECONDS = 1800;

/**
 * The proxy's name: letters, digits and single hyphens, starting with a letter, at most 60
 * characters (RDS Proxy's limit is 63).
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBProxy.html
 */
export function rdsProxyName(name: string, stack: string): string {
  const id = `${name}-${stack}`.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  return (/^[a-z]/.test(id) ? id : `db-${id}`).slice(0, 60).replace(/-+$/, "");
}

/**
 * The policy of the proxy's role: read the one secret, and decrypt it with the database's key only
 * through Secrets Manager in the region.
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-iam-setup.html
 */
export function rdsProxyPolicy(secretArn: string, keyArn: string, region: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Sid: "ReadCredentials", Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: secretArn },
      { Sid: "DecryptCredentials", Effect: "Allow", Action: ["kms:Decrypt"], Resource: keyArn, Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${region}.amazonaws.com` } } },
    ],
  });
}

/** What the proxy attaches to: an RDS instance or an Aurora cluster. */
export type RdsProxyTarget = { readonly dbInstanceIdentifier: pulumi.Input<string> } | { readonly dbClusterIdentifier: pulumi.Input<string> };

/** What {@link deployRdsProxy} needs of the database. */
export interface RdsProxyDatabase {
  readonly target: RdsProxyTarget;
  /** The KMS key of the database, which also encrypts the secret. */
  readonly key: aws.kms.Key;
  /** The database's security group, which gets an ingress rule from the proxy's. */
  readonly securityGroupId: pulumi.Input<string>;
  readonly password: pulumi.Input<string>;
  /** The database resource: the target waits for it. */
  readonly resource: pulumi.Resource;
}

/**
 * Deploys RDS Proxy for the database and returns its endpoint. Clients keep `sslmode=require`: the
 * proxy requires TLS (`requireTls`) and authenticates them with SCRAM against the secret.
 *
 * @see https://www.pulumi.com/registry/packages/aws/api-docs/rds/proxy/
 */
export function deployRdsProxy(name: string, spec: ResolvedPostgres, cloud: AwsCloud, db: RdsProxyDatabase, parent: pulumi.Resource): pulumi.Output<string> {
  const opts = { parent, provider: cloud.provider };
  const tags = (role: string) => ({ ...spec.labels, Name: `${name}-${role}` });
  const secret = new aws.secretsmanager.Secret(
    `${name}-proxy-credentials`,
    { description: `Credentials RDS Proxy uses for PostgreSQL ${name}`, kmsKeyId: db.key.arn, recoveryWindowInDays: 7, tags: tags("proxy-credentials") },
    opts,
  );
  const version = new aws.secretsmanager.SecretVersion(
    `${name}-proxy-credentials`,
    { secretId: secret.id, secretString: pulumi.secret(pulumi.output(db.password).apply((password) => JSON.stringify({ username: spec.username, password }))) },
    opts,
  );
  const role = new aws.iam.Role(
    `${name}-proxy`,
    {
      description: `RDS Proxy of PostgreSQL ${name}: reads its credentials secret`,
      assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "rds.amazonaws.com" }, Action: "sts:AssumeRole" }] }),
      tags: tags("proxy"),
    },
    opts,
  );
  const policy = new aws.iam.RolePolicy(
    `${name}-proxy`,
    { role: role.name, policy: pulumi.all([secret.arn, db.key.arn]).apply(([secretArn, keyArn]) => rdsProxyPolicy(secretArn, keyArn, cloud.region)) },
    opts,
  );
  const securityGroup = new aws.ec2.SecurityGroup(
    `${name}-proxy-sg`,
    { description: `RDS Proxy of PostgreSQL ${name}: TCP ${spec.port} from the EKS cluster, out to the database`, vpcId: cloud.vpcId, tags: tags("proxy-sg") },
    opts,
  );
  const rules = [
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-proxy-sg-from-cluster`,
      { securityGroupId: securityGroup.id, referencedSecurityGroupId: cloud.clusterSecurityGroupId, ipProtocol: "tcp", fromPort: spec.port, toPort: spec.port, description: "PostgreSQL clients in the EKS cluster", tags: tags("proxy-sg-from-cluster") },
      opts,
    ),
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-proxy-sg-to-database`,
      { securityGroupId: securityGroup.id, referencedSecurityGroupId: db.securityGroupId, ipProtocol: "tcp", fromPort: spec.port, toPort: spec.port, description: "RDS Proxy to the database", tags: tags("proxy-sg-to-database") },
      opts,
    ),
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-sg-from-proxy`,
      { securityGroupId: db.securityGroupId, referencedSecurityGroupId: securityGroup.id, ipProtocol: "tcp", fromPort: spec.port, toPort: spec.port, description: "PostgreSQL from RDS Proxy", tags: tags("sg-from-proxy") },
      opts,
    ),
  ];
  const proxy = new aws.rds.Proxy(
    `${name}-proxy`,
    {
      name: rdsProxyName(name, pulumi.getStack()),
      engineFamily: "POSTGRESQL",
      requireTls: true,
      idleClientTimeout: RDS_PROXY_IDLE_CLIENT_TIMEOUT_SECONDS,
      roleArn: role.arn,
      vpcSubnetIds: cloud.privateSubnetIds,
      vpcSecurityGroupIds: [securityGroup.id],
      auths: [{ authScheme: "SECRETS", secretArn: secret.arn, iamAuth: "DISABLED", clientPasswordAuthType: "POSTGRES_SCRAM_SHA_256", description: `${spec.username} of ${name}` }],
      tags: tags("proxy"),
    },
    { ...opts, dependsOn: [version, policy, ...rules] },
  );
  const targetGroup = new aws.rds.ProxyDefaultTargetGroup(`${name}-proxy-targets`, { dbProxyName: proxy.name, connectionPoolConfig: { ...RDS_PROXY_POOL } }, opts);
  new aws.rds.ProxyTarget(`${name}-proxy-target`, { dbProxyName: proxy.name, targetGroupName: targetGroup.name, ...db.target }, { ...opts, dependsOn: [db.resource] });
  return proxy.endpoint;
}
