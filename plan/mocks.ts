/**
 * What Pulumi's mock runtime answers for resources and invokes. The mock returns a resource's
 * inputs as its state; the outputs a program reads that a provider would compute (endpoints,
 * certificate data, generated passwords) are faked here, with obviously fake values.
 *
 * @see https://www.pulumi.com/docs/iac/guides/testing/unit/
 */
import type { MockCallArgs, MockCallResult, MockResourceArgs, MockResourceResult } from "@pulumi/pulumi/runtime/mocks";

/**
 * Every fake secret value starts with this marker, so a test can search any output for it and
 * prove that no secret leaked in plaintext.
 */
export const MOCK_SECRET_PREFIX = "mock-secret-";

/** A fake CA certificate (base64 of a short marker, not a real certificate). */
const FAKE_CA = Buffer.from("-----BEGIN CERTIFICATE-----\nMOCK\n-----END CERTIFICATE-----\n").toString("base64");

/**
 * Computed outputs, by type token, merged over the inputs. A function receives the inputs and the
 * resource name.
 */
const COMPUTED: Record<string, (inputs: Record<string, any>, name: string) => Record<string, unknown>> = {
  "aws:eks/cluster:Cluster": (_inputs, name) => ({
    endpoint: `https://${name}.gr7.mock-region.eks.amazonaws.com`,
    certificateAuthority: { data: FAKE_CA },
    identities: [{ oidcs: [{ issuer: `https://oidc.eks.mock-region.amazonaws.com/id/${name.toUpperCase()}` }] }],
    arn: `arn:aws:eks:mock-region:123456789012:cluster/${name}`,
    vpcConfig: { ..._inputs.vpcConfig, clusterSecurityGroupId: `sg-${name}` },
  }),
  "aws:mq/broker:Broker": (_inputs, name) => ({
    arn: `arn:aws:mq:mock-region:123456789012:broker:${name}:b-${name}`,
    instances: [{ consoleUrl: `https://b-${name}.mq.mock-region.amazonaws.com`, endpoints: [`amqps://b-${name}.mq.mock-region.amazonaws.com:5671`], ipAddress: "" }],
  }),
  "aws:iam/policy:Policy": (_inputs, name) => ({ arn: `arn:aws:iam::123456789012:policy/${name}` }),
  // ElastiCache prefixes the suffix with a per-region prefix (such as "ldgnf" for us-east-1).
  "aws:elasticache/globalReplicationGroup:GlobalReplicationGroup": (inputs) => ({ globalReplicationGroupId: `mockp-${inputs.globalReplicationGroupIdSuffix}` }),
  "aws:iam/role:Role": (inputs, name) => ({ arn: `arn:aws:iam::123456789012:role/${name}`, name: inputs.name ?? name }),
  "aws:ec2/launchTemplate:LaunchTemplate": () => ({ latestVersion: 1 }),
  "gcp:compute/router:Router": (inputs, name) => ({ name: inputs.name ?? name }),
  "aws:kms/key:Key": (_inputs, name) => ({ arn: `arn:aws:kms:mock-region:123456789012:key/${name}` }),
  "aws:iam/openIdConnectProvider:OpenIdConnectProvider": (inputs, name) => ({
    arn: `arn:aws:iam::123456789012:oidc-provider/${name}`,
    url: inputs.url,
  }),
  "gcp:container/cluster:Cluster": (_inputs, name) => ({
    endpoint: "203.0.113.10",
    masterAuth: { clusterCaCertificate: FAKE_CA },
    selfLink: `https://container.googleapis.com/v1/projects/mock/locations/mock/clusters/${name}`,
  }),
  "gcp:serviceaccount/account:Account": (inputs) => ({ email: `${inputs.accountId}@mock-project.iam.gserviceaccount.com` }),
  "gcp:kms/cryptoKey:CryptoKey": (_inputs, name) => ({ id: `projects/mock/locations/mock/keyRings/mock/cryptoKeys/${name}` }),
  "random:index/randomPassword:RandomPassword": (inputs, name) => ({ result: `${MOCK_SECRET_PREFIX}${name}-`.padEnd(Number(inputs.length ?? 32), "x") }),
  "docker:index/network:Network": (inputs, name) => ({ name: inputs.name ?? name }),
  // An attached container (a migration) has run to completion: the provider reads its exit code.
  "docker:index/container:Container": (inputs) => (inputs.attach ? { exitCode: 0 } : {}),
  "docker:index/volume:Volume": (inputs, name) => ({ name: inputs.name ?? name }),
  "aws:s3/bucket:Bucket": (inputs, name) => ({ bucket: inputs.bucket ?? name, arn: `arn:aws:s3:::${inputs.bucket ?? name}` }),
  "aws:rds/instance:Instance": (inputs, name) => ({
    identifier: inputs.identifier ?? name,
    address: `${inputs.identifier ?? name}.mock.mock-region.rds.amazonaws.com`,
    endpoint: `${inputs.identifier ?? name}.mock.mock-region.rds.amazonaws.com:${inputs.port ?? 5432}`,
    port: inputs.port ?? 5432,
    arn: `arn:aws:rds:mock-region:123456789012:db:${inputs.identifier ?? name}`,
  }),
  "aws:rds/cluster:Cluster": (inputs, name) => ({
    clusterIdentifier: inputs.clusterIdentifier ?? name,
    endpoint: `${inputs.clusterIdentifier ?? name}.cluster-mock.mock-region.rds.amazonaws.com`,
    readerEndpoint: `${inputs.clusterIdentifier ?? name}.cluster-ro-mock.mock-region.rds.amazonaws.com`,
    port: inputs.port ?? 5432,
    arn: `arn:aws:rds:mock-region:123456789012:cluster:${inputs.clusterIdentifier ?? name}`,
  }),
  "aws:rds/proxy:Proxy": (inputs, name) => ({ name: inputs.name ?? name, endpoint: `${inputs.name ?? name}.proxy-mock.mock-region.rds.amazonaws.com`, arn: `arn:aws:rds:mock-region:123456789012:db-proxy:${name}` }),
  "aws:rds/subnetGroup:SubnetGroup": (inputs, name) => ({ name: inputs.name ?? name }),
  "aws:rds/parameterGroup:ParameterGroup": (inputs, name) => ({ name: inputs.name ?? name }),
  "aws:rds/clusterParameterGroup:ClusterParameterGroup": (inputs, name) => ({ name: inputs.name ?? name }),
  "aws:elasticache/subnetGroup:SubnetGroup": (inputs, name) => ({ name: inputs.name ?? name }),
  "aws:elasticache/parameterGroup:ParameterGroup": (inputs, name) => ({ name: inputs.name ?? name }),
  "aws:elasticache/replicationGroup:ReplicationGroup": (inputs, name) => ({
    primaryEndpointAddress: `master.${inputs.replicationGroupId ?? name}.mock.cache.amazonaws.com`,
    readerEndpointAddress: `replica.${inputs.replicationGroupId ?? name}.mock.cache.amazonaws.com`,
    port: inputs.port ?? 6379,
  }),
  "gcp:sql/databaseInstance:DatabaseInstance": (inputs, name) => ({
    name: inputs.name ?? name,
    // A replica and a clone get addresses of their own, so a test can tell which one an endpoint names.
    privateIpAddress: inputs.masterInstanceName ? "10.20.0.4" : inputs.clone ? "10.20.0.5" : "10.20.0.3",
    connectionName: `mock-project:mock-region:${inputs.name ?? name}`,
  }),
  "gcp:redis/instance:Instance": (inputs, name) => ({
    name: inputs.name ?? name,
    host: "10.30.0.4",
    port: inputs.transitEncryptionMode === "SERVER_AUTHENTICATION" ? 6378 : 6379,
    readEndpoint: "10.30.0.5",
    authString: inputs.authEnabled ? `${MOCK_SECRET_PREFIX}${name}-auth` : undefined,
    serverCaCerts: [{ cert: "-----BEGIN CERTIFICATE-----\nMOCK\n-----END CERTIFICATE-----\n" }],
  }),
  "gcp:storage/bucket:Bucket": (inputs, name) => ({ name: inputs.name ?? name, url: `gs://${inputs.name ?? name}` }),
  "gcp:compute/globalAddress:GlobalAddress": (inputs, name) => ({ name: inputs.name ?? name }),
  // @pulumi/tls: a private key's PEM is a secret (it starts with the secret marker, so a leak is
  // caught); certificates are public.
  "tls:index/privateKey:PrivateKey": (_inputs, name) => ({
    privateKeyPem: `${MOCK_SECRET_PREFIX}${name}-private-key`,
    privateKeyPemPkcs8: `${MOCK_SECRET_PREFIX}${name}-private-key-pkcs8`,
    publicKeyPem: `-----BEGIN PUBLIC KEY-----\nMOCK-${name}\n-----END PUBLIC KEY-----\n`,
  }),
  "tls:index/selfSignedCert:SelfSignedCert": (_inputs, name) => ({ certPem: `-----BEGIN CERTIFICATE-----\nMOCK-SELF-SIGNED-${name}\n-----END CERTIFICATE-----\n` }),
  "tls:index/certRequest:CertRequest": (_inputs, name) => ({ certRequestPem: `-----BEGIN CERTIFICATE REQUEST-----\nMOCK-${name}\n-----END CERTIFICATE REQUEST-----\n` }),
  "tls:index/locallySignedCert:LocallySignedCert": (_inputs, name) => ({ certPem: `-----BEGIN CERTIFICATE-----\nMOCK-SIGNED-${name}\n-----END CERTIFICATE-----\n` }),
  "docker:index/remoteImage:RemoteImage": (inputs) => ({ repoDigest: `${inputs.name}`, imageId: `sha256:${"0".repeat(64)}` }),
};

/**
 * Answers a resource registration: a stable fake ID, and the inputs with computed outputs merged in.
 *
 * @see https://www.pulumi.com/docs/iac/guides/testing/unit/
 */
export function newResource(args: MockResourceArgs): MockResourceResult {
  const computed = COMPUTED[args.type]?.(args.inputs, args.name) ?? {};
  const id = args.type.startsWith("kubernetes:") ? undefined : `${args.name}-id`;
  return { id: id ?? `${args.inputs?.metadata?.namespace ?? "default"}/${args.name}`, state: { ...args.inputs, ...computed } };
}

/** Answers for provider functions (invokes) that the program calls. */
const CALLS: Record<string, (inputs: Record<string, any>) => MockCallResult> = {
  "aws:index/getAvailabilityZones:getAvailabilityZones": () => ({
    names: ["mock-region-1a", "mock-region-1b", "mock-region-1c", "mock-region-1d"],
    zoneIds: ["mrg1-az1", "mrg1-az2", "mrg1-az3", "mrg1-az4"],
  }),
  "aws:index/getCallerIdentity:getCallerIdentity": () => ({ accountId: "123456789012", arn: "arn:aws:iam::123456789012:user/mock", userId: "MOCK" }),
  "aws:index/getPartition:getPartition": () => ({ partition: "aws", dnsSuffix: "amazonaws.com" }),
  "aws:index/getRegion:getRegion": (inputs) => ({ name: inputs.name ?? "mock-region-1", region: inputs.region ?? "mock-region-1" }),
  "aws:iam/getPolicyDocument:getPolicyDocument": (inputs) => ({ json: JSON.stringify({ Version: "2012-10-17", Statement: inputs.statements ?? [] }) }),
  "gcp:organizations/getProject:getProject": (inputs) => ({ number: "123456789012", projectId: inputs.projectId ?? "mock-project" }),
  "gcp:compute/getZones:getZones": () => ({ names: ["mock-region-a", "mock-region-b", "mock-region-c"] }),
  "gcp:storage/getTransferProjectServiceAccount:getTransferProjectServiceAccount": (inputs) => ({ email: `project-123456789012@storage-transfer-service.iam.gserviceaccount.com`, project: inputs.project ?? "mock-project" }),
  "gcp:storage/getProjectServiceAccount:getProjectServiceAccount": (inputs) => {
    const emailAddress = "service-123456789012@gs-project-accounts.iam.gserviceaccount.com";
    return { emailAddress, member: `serviceAccount:${emailAddress}`, project: inputs.project ?? "mock-project" };
  },
};

/**
 * Answers an invoke; unknown tokens return an empty result.
 *
 * @see https://www.pulumi.com/docs/iac/guides/testing/unit/
 */
export function call(args: MockCallArgs): MockCallResult {
  return CALLS[args.token]?.(args.inputs) ?? {};
}
