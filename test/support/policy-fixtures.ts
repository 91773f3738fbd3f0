/**
 * Resources for the policy tests, shaped as the capture step records them: one compliant
 * fixture per resource kind the pack checks. Tests build each failing case from one of these with
 * `mutate` (a `structuredClone` and one small edit), so a fixture that stops being compliant
 * fails its own test rather than hiding a case.
 */
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import type { CapturedResource } from "../../plan/capture";
import { traefikDockerDefaults, traefikDynamicConfig, traefikStaticConfig } from "../../components/gateway/docker";
import { EDGE_LABEL } from "../../components/contract";
import { resolveGateway } from "../../components/gateway/spec";
import { tlsOptions, traefikRelease } from "../../components/gateway/traefik";
import { istioChart, peerAuthentication } from "../../components/mesh/istio";
import { defaultInboundPolicy, linkerdCharts } from "../../components/mesh/linkerd";
import { appLabels } from "../../components/app-service/kubernetes";

/** A plausible URN for a test resource. */
export function urnOf(type: string, name: string): string {
  return `urn:pulumi:test::platform::${type}::${name}`;
}

/** A captured custom resource with the given inputs. */
export function resource(type: string, name: string, inputs: Record<string, any>): CapturedResource {
  return {
    urn: urnOf(type, name),
    type,
    name,
    parent: "urn:pulumi:test::platform::pulumi:pulumi:Stack::platform-test",
    custom: true,
    dependencies: [],
    inputs,
    redactedInputs: structuredClone(inputs),
    protect: false,
    retainOnDelete: false,
    aliases: [],
  };
}

/** A deep copy of `fixture` with `edit` applied to its inputs. */
export function mutate(fixture: CapturedResource, edit: (inputs: Record<string, any>) => void): CapturedResource {
  const inputs = structuredClone(fixture.inputs);
  edit(inputs);
  return { ...fixture, inputs, redactedInputs: structuredClone(inputs) };
}

// ---------------------------------------------------------------------------------------------
// Kubernetes workloads

/** The workload kinds and their type tokens. */
export const WORKLOAD_TYPES = {
  Pod: "kubernetes:core/v1:Pod",
  Deployment: "kubernetes:apps/v1:Deployment",
  StatefulSet: "kubernetes:apps/v1:StatefulSet",
  DaemonSet: "kubernetes:apps/v1:DaemonSet",
  ReplicaSet: "kubernetes:apps/v1:ReplicaSet",
  Job: "kubernetes:batch/v1:Job",
  CronJob: "kubernetes:batch/v1:CronJob",
} as const;

export type FixtureWorkloadKind = keyof typeof WORKLOAD_TYPES;

/** A container that passes every container rule: pinned image, requests and limits, restricted context. */
function restrictedContainer(name: string, image: string): Record<string, any> {
  return {
    name,
    image,
    resources: {
      requests: { cpu: "100m", memory: "128Mi" },
      limits: { cpu: "500m", memory: "256Mi" },
    },
    securityContext: {
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    },
  };
}

/**
 * A compliant pod spec: one init container `migrate` and one container `web` with distinct
 * readiness (`/ready`) and liveness (`/health`) probes.
 */
export function compliantPodSpec(): Record<string, any> {
  return {
    securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } },
    initContainers: [restrictedContainer("migrate", "ghcr.io/acme/migrations:1.4.0")],
    containers: [
      {
        ...restrictedContainer("web", "ghcr.io/stefanprodan/podinfo:6.9.2"),
        ports: [{ name: "http", containerPort: 9898 }],
        readinessProbe: { httpGet: { path: "/ready", port: "http" }, periodSeconds: 5 },
        livenessProbe: { httpGet: { path: "/health", port: "http" }, periodSeconds: 10 },
      },
    ],
  };
}

/** A workload of `kind` named `apps/podinfo` whose pod spec is `podSpec`, in the place that kind keeps it. */
export function workload(kind: FixtureWorkloadKind, podSpec: Record<string, any> = compliantPodSpec()): CapturedResource {
  const metadata = { name: "podinfo", namespace: "apps", labels: { app: "podinfo" } };
  const template = { metadata: { labels: { app: "podinfo" } }, spec: podSpec };
  const selector = { matchLabels: { app: "podinfo" } };
  const specs: Record<FixtureWorkloadKind, Record<string, any>> = {
    Pod: podSpec,
    Deployment: { replicas: 2, selector, template },
    StatefulSet: { replicas: 3, serviceName: "podinfo", selector, template },
    DaemonSet: { selector, template },
    ReplicaSet: { replicas: 2, selector, template },
    Job: { backoffLimit: 2, template: { ...template, spec: { ...podSpec, restartPolicy: "Never" } } },
    CronJob: {
      schedule: "0 3 * * *",
      jobTemplate: { spec: { template: { ...template, spec: { ...podSpec, restartPolicy: "Never" } } } },
    },
  };
  const apiVersion = WORKLOAD_TYPES[kind].split(":")[1].replace(/^core\//, "");
  return resource(WORKLOAD_TYPES[kind], `podinfo-${kind.toLowerCase()}`, { apiVersion, kind, metadata, spec: specs[kind] });
}

/** A compliant Deployment `apps/podinfo`. */
export function compliantDeployment(): CapturedResource {
  return workload("Deployment");
}

/** The pod spec of a workload fixture, wherever its kind keeps it, for mutations. */
export function podSpecIn(inputs: Record<string, any>): Record<string, any> {
  switch (inputs.kind as FixtureWorkloadKind) {
    case "Pod":
      return inputs.spec;
    case "CronJob":
      return inputs.spec.jobTemplate.spec.template.spec;
    default:
      return inputs.spec.template.spec;
  }
}

/** The container `name` (init containers included) of a workload fixture, for mutations. */
export function containerIn(inputs: Record<string, any>, name = "web"): Record<string, any> {
  const spec = podSpecIn(inputs);
  const found = [...(spec.initContainers ?? []), ...spec.containers].find((c: { name: string }) => c.name === name);
  if (!found) throw new Error(`no container "${name}" in the fixture`);
  return found;
}

// ---------------------------------------------------------------------------------------------
// Docker

/** A compliant Docker container `web`: limits, a non-root user, no-new-privileges and a healthcheck. */
export function compliantDockerContainer(): CapturedResource {
  return resource("docker:index/container:Container", "web", {
    name: "web",
    image: "ghcr.io/stefanprodan/podinfo:6.9.2",
    memory: 256,
    cpus: "0.5",
    user: "10001:10001",
    privileged: false,
    readOnly: true,
    securityOpts: ["no-new-privileges:true"],
    capabilities: { drops: ["ALL"] },
    healthcheck: { tests: ["CMD", "wget", "-qO-", "http://localhost:9898/healthz"], interval: "10s", timeout: "3s", retries: 3 },
    restart: "unless-stopped",
  });
}

/** A compliant Docker remote image, pinned to a version. */
export function compliantRemoteImage(): CapturedResource {
  return resource("docker:index/remoteImage:RemoteImage", "podinfo-image", {
    name: "ghcr.io/stefanprodan/podinfo:6.9.2",
    keepLocally: true,
  });
}

// ---------------------------------------------------------------------------------------------
// Load balancers, Ingress and Gateway API

/** A compliant AWS `lb.Listener`: HTTPS on 443 with a TLS 1.2+ policy. */
export function compliantHttpsListener(type = "aws:lb/listener:Listener"): CapturedResource {
  return resource(type, "edge-https", {
    loadBalancerArn: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/edge/50dc6c495c0c9188",
    port: 443,
    protocol: "HTTPS",
    sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
    certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/12345678-1234-1234-1234-123456789012",
    defaultActions: [{ type: "forward", targetGroupArn: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/6d0ecf831eec9f09" }],
  });
}

/** A compliant AWS `lb.Listener`: HTTP on 80 whose only default action redirects to HTTPS. */
export function compliantHttpRedirectListener(type = "aws:lb/listener:Listener"): CapturedResource {
  return resource(type, "edge-http", {
    loadBalancerArn: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/edge/50dc6c495c0c9188",
    port: 80,
    protocol: "HTTP",
    defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
  });
}

/** A compliant Ingress `apps/podinfo`: TLS for both of its hosts, one through a wildcard. */
export function compliantIngress(): CapturedResource {
  const backend = { service: { name: "podinfo", port: { name: "http" } } };
  const http = { paths: [{ path: "/", pathType: "Prefix", backend }] };
  return resource("kubernetes:networking.k8s.io/v1:Ingress", "podinfo-ingress", {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name: "podinfo", namespace: "apps" },
    spec: {
      ingressClassName: "traefik",
      tls: [
        { hosts: ["podinfo.example.com"], secretName: "podinfo-tls" },
        { hosts: ["*.apps.example.com"], secretName: "apps-wildcard-tls" },
      ],
      rules: [
        { host: "podinfo.example.com", http },
        { host: "api.apps.example.com", http },
      ],
    },
  });
}

/** A compliant Gateway `infra/edge`: an HTTP listener (for the redirect) and an HTTPS listener with a certificate. */
export function compliantGateway(): CapturedResource {
  return resource("kubernetes:gateway.networking.k8s.io/v1:Gateway", "edge-gateway", {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "Gateway",
    metadata: { name: "edge", namespace: "infra" },
    spec: {
      gatewayClassName: "envoy",
      listeners: [
        { name: "http", protocol: "HTTP", port: 80 },
        {
          name: "https",
          protocol: "HTTPS",
          port: 443,
          hostname: "*.example.com",
          tls: { mode: "Terminate", certificateRefs: [{ kind: "Secret", name: "edge-tls" }] },
        },
        { name: "tls-passthrough", protocol: "TLS", port: 8443, tls: { mode: "Passthrough" } },
      ],
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Databases and caches

/** A compliant ElastiCache replication group with TLS required. */
export function compliantReplicationGroup(): CapturedResource {
  return resource("aws:elasticache/replicationGroup:ReplicationGroup", "redis", {
    description: "platform redis",
    engine: "valkey",
    nodeType: "cache.t4g.small",
    numCacheClusters: 3,
    automaticFailoverEnabled: true,
    multiAzEnabled: true,
    snapshotRetentionLimit: 7,
    atRestEncryptionEnabled: true,
    transitEncryptionEnabled: true,
    transitEncryptionMode: "required",
  });
}

/** A compliant RDS parameter group for PostgreSQL 16 that forces TLS. */
export function compliantPostgresParameterGroup(): CapturedResource {
  return resource("aws:rds/parameterGroup:ParameterGroup", "postgres-params", {
    family: "postgres16",
    parameters: [
      { name: "log_min_duration_statement", value: "500" },
      { name: "rds.force_ssl", value: "1", applyMethod: "pending-reboot" },
    ],
  });
}

/** A compliant RDS cluster parameter group for Aurora PostgreSQL 16 that forces TLS. */
export function compliantClusterParameterGroup(): CapturedResource {
  return resource("aws:rds/clusterParameterGroup:ClusterParameterGroup", "aurora-params", {
    family: "aurora-postgresql16",
    parameters: [{ name: "rds.force_ssl", value: "1" }],
  });
}

/** A compliant Cloud SQL for PostgreSQL instance that accepts only encrypted connections. */
export function compliantCloudSqlInstance(): CapturedResource {
  return resource("gcp:sql/databaseInstance:DatabaseInstance", "postgres", {
    databaseVersion: "POSTGRES_16",
    region: "europe-west1",
    deletionProtection: true,
    settings: {
      tier: "db-custom-2-7680",
      availabilityType: "REGIONAL",
      deletionProtectionEnabled: true,
      backupConfiguration: { enabled: true, pointInTimeRecoveryEnabled: true, startTime: "02:00" },
      ipConfiguration: { ipv4Enabled: false, privateNetwork: "projects/acme/global/networks/platform", sslMode: "ENCRYPTED_ONLY" },
    },
  });
}

/** A compliant Memorystore for Redis instance with in-transit encryption. */
export function compliantMemorystoreInstance(): CapturedResource {
  return resource("gcp:redis/instance:Instance", "redis", {
    memorySizeGb: 1,
    tier: "STANDARD_HA",
    authEnabled: true,
    transitEncryptionMode: "SERVER_AUTHENTICATION",
  });
}

// ---------------------------------------------------------------------------------------------
// Managed Kubernetes clusters

/** A compliant EKS cluster: public endpoint limited to one office range, secrets encrypted, audit logs on. */
export function compliantEksCluster(): CapturedResource {
  return resource("aws:eks/cluster:Cluster", "platform", {
    roleArn: "arn:aws:iam::123456789012:role/platform-cluster",
    version: "1.33",
    vpcConfig: {
      subnetIds: ["subnet-0a1b2c3d", "subnet-4e5f6a7b"],
      endpointPrivateAccess: true,
      endpointPublicAccess: true,
      publicAccessCidrs: ["203.0.113.0/24"],
    },
    encryptionConfig: { provider: { keyArn: "arn:aws:kms:eu-west-1:123456789012:key/platform" }, resources: ["secrets"] },
    enabledClusterLogTypes: ["api", "audit", "authenticator"],
  });
}

/** A compliant GKE cluster: private nodes, authorized networks, secrets encrypted with Cloud KMS. */
export function compliantGkeCluster(): CapturedResource {
  return resource("gcp:container/cluster:Cluster", "platform", {
    location: "europe-west1",
    privateClusterConfig: { enablePrivateNodes: true, enablePrivateEndpoint: false, masterIpv4CidrBlock: "172.16.0.0/28" },
    masterAuthorizedNetworksConfig: { cidrBlocks: [{ cidrBlock: "203.0.113.0/24", displayName: "office" }] },
    databaseEncryption: { state: "ENCRYPTED", keyName: "projects/acme/locations/europe-west1/keyRings/platform/cryptoKeys/etcd" },
  });
}

// ---------------------------------------------------------------------------------------------
// Data tier: managed databases, security groups, CloudNativePG and in-cluster Valkey

/** A compliant RDS for PostgreSQL instance: private, encrypted with a customer key, Multi-AZ, 14 days of backups. */
export function compliantRdsInstance(): CapturedResource {
  return resource("aws:rds/instance:Instance", "postgres", {
    engine: "postgres",
    instanceClass: "db.t4g.medium",
    allocatedStorage: 50,
    storageType: "gp3",
    storageEncrypted: true,
    kmsKeyId: "arn:aws:kms:eu-west-1:123456789012:key/postgres",
    publiclyAccessible: false,
    multiAz: true,
    deletionProtection: true,
    backupRetentionPeriod: 14,
    dbSubnetGroupName: "postgres-subnets",
    parameterGroupName: "postgres-params",
  });
}

/** A compliant Aurora PostgreSQL cluster `aurora`: encrypted, protected, 14 days of backups. */
export function compliantAuroraCluster(): CapturedResource {
  return resource("aws:rds/cluster:Cluster", "aurora", {
    engine: "aurora-postgresql",
    storageEncrypted: true,
    kmsKeyId: "arn:aws:kms:eu-west-1:123456789012:key/aurora",
    deletionProtection: true,
    backupRetentionPeriod: 14,
    dbSubnetGroupName: "aurora-subnets",
    dbClusterParameterGroupName: "aurora-params",
  });
}

/**
 * An Aurora cluster instance of `cluster`, as a program writes it with `clusterIdentifier:
 * cluster.id`: the mock's ID (`<name>-id`), and the cluster in its dependencies.
 */
export function auroraClusterInstance(name: string, cluster: CapturedResource = compliantAuroraCluster()): CapturedResource {
  return {
    ...resource("aws:rds/clusterInstance:ClusterInstance", name, {
      clusterIdentifier: `${cluster.name}-id`,
      engine: "aurora-postgresql",
      instanceClass: "db.r7g.large",
      publiclyAccessible: false,
    }),
    dependencies: [cluster.urn],
  };
}

/** A compliant security group for PostgreSQL: 5432 open to the VPC range only. */
export function compliantDatabaseSecurityGroup(): CapturedResource {
  return resource("aws:ec2/securityGroup:SecurityGroup", "postgres-sg", {
    vpcId: "vpc-0a1b2c3d",
    ingress: [{ protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["10.0.0.0/16"] }],
    egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
  });
}

/** A compliant standalone ingress rule for Redis: 6379 open to the VPC range only. */
export function compliantRedisIngressRule(): CapturedResource {
  return resource("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "redis-from-vpc", {
    securityGroupId: "sg-0a1b2c3d",
    ipProtocol: "tcp",
    fromPort: 6379,
    toPort: 6379,
    cidrIpv4: "10.0.0.0/16",
  });
}

/** The type tokens of the CloudNativePG and Barman Cloud custom resources. */
export const CNPG_TYPES = {
  Cluster: "kubernetes:postgresql.cnpg.io/v1:Cluster",
  ScheduledBackup: "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup",
  ObjectStore: "kubernetes:barmancloud.cnpg.io/v1:ObjectStore",
} as const;

/**
 * A compliant CloudNativePG Cluster `data/app-db`: 3 instances, non-TLS connections rejected, WAL
 * archived by the Barman Cloud plugin to the ObjectStore `app-db-backups`.
 */
export function compliantCnpgCluster(): CapturedResource {
  return resource(CNPG_TYPES.Cluster, "app-db", {
    apiVersion: "postgresql.cnpg.io/v1",
    kind: "Cluster",
    metadata: { name: "app-db", namespace: "data" },
    spec: {
      instances: 3,
      imageName: "ghcr.io/cloudnative-pg/postgresql:17.11-standard-trixie",
      storage: { size: "20Gi", storageClass: "gp3" },
      postgresql: { pg_hba: ["hostnossl all all all reject", "hostssl app app 10.0.0.0/8 scram-sha-256"] },
      plugins: [{ name: "barman-cloud.cloudnative-pg.io", isWALArchiver: true, parameters: { barmanObjectName: "app-db-backups" } }],
    },
  });
}

/** A compliant Barman Cloud ObjectStore `data/app-db-backups` on S3, keeping 30 days. */
export function compliantBarmanObjectStore(): CapturedResource {
  return resource(CNPG_TYPES.ObjectStore, "app-db-backups", {
    apiVersion: "barmancloud.cnpg.io/v1",
    kind: "ObjectStore",
    metadata: { name: "app-db-backups", namespace: "data" },
    spec: {
      retentionPolicy: "30d",
      configuration: {
        destinationPath: "s3://acme-platform-backups/app-db",
        s3Credentials: { inheritFromIAMRole: true },
        wal: { compression: "gzip" },
      },
    },
  });
}

/** A compliant ScheduledBackup `data/app-db-daily` of the Cluster `app-db`, through the Barman Cloud plugin. */
export function compliantScheduledBackup(): CapturedResource {
  return resource(CNPG_TYPES.ScheduledBackup, "app-db-daily", {
    apiVersion: "postgresql.cnpg.io/v1",
    kind: "ScheduledBackup",
    metadata: { name: "app-db-daily", namespace: "data" },
    spec: {
      schedule: "0 0 3 * * *",
      cluster: { name: "app-db" },
      method: "plugin",
      pluginConfiguration: { name: "barman-cloud.cloudnative-pg.io" },
    },
  });
}

/** Labels of the in-cluster Valkey StatefulSets. */
function valkeyLabels(component: "server" | "sentinel"): Record<string, string> {
  return { "app.kubernetes.io/name": "valkey", "app.kubernetes.io/instance": "cache", "app.kubernetes.io/component": component };
}

/**
 * A StatefulSet `data/<name>` labelled as a Valkey `component`, running one compliant container
 * (`compliantPodSpec()`'s `web`, renamed and re-imaged).
 */
function valkeyStatefulSet(name: string, component: "server" | "sentinel", replicas: number, podSpec: Record<string, any>): CapturedResource {
  const labels = valkeyLabels(component);
  return resource(WORKLOAD_TYPES.StatefulSet, name, {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name, namespace: "data", labels },
    spec: { replicas, serviceName: name, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: podSpec } },
  });
}

/** A compliant Valkey server StatefulSet `data/cache`: 3 replicas mounting the Secret `cache-tls`. */
export function compliantValkeyServer(): CapturedResource {
  const podSpec = compliantPodSpec();
  delete podSpec.initContainers;
  const valkey = podSpec.containers[0];
  Object.assign(valkey, {
    name: "valkey",
    image: "valkey/valkey:8.1.4-alpine",
    ports: [{ name: "tls", containerPort: 6379 }],
    readinessProbe: { exec: { command: ["sh", "-c", "valkey-cli --tls --cacert /tls/ca.crt ping"] }, periodSeconds: 5 },
    livenessProbe: { tcpSocket: { port: "tls" }, periodSeconds: 10 },
    volumeMounts: [{ name: "tls", mountPath: "/tls", readOnly: true }],
  });
  podSpec.volumes = [{ name: "tls", secret: { secretName: "cache-tls" } }];
  return valkeyStatefulSet("cache", "server", 3, podSpec);
}

/** A compliant Valkey Sentinel StatefulSet `data/cache-sentinel` with 3 replicas. */
export function compliantValkeySentinel(): CapturedResource {
  const subject = compliantValkeyServer();
  const podSpec = structuredClone(subject.inputs.spec.template.spec);
  podSpec.containers[0].name = "sentinel";
  podSpec.containers[0].ports = [{ name: "sentinel", containerPort: 26379 }];
  podSpec.containers[0].livenessProbe = { tcpSocket: { port: "sentinel" }, periodSeconds: 10 };
  podSpec.containers[0].readinessProbe = { exec: { command: ["sh", "-c", "valkey-cli -p 26379 --tls --cacert /tls/ca.crt ping"] }, periodSeconds: 5 };
  return valkeyStatefulSet("cache-sentinel", "sentinel", 3, podSpec);
}

/**
 * A compliant Deployment `apps/podinfo` whose `web` container takes `DATABASE_URL` and
 * `API_TOKEN` from Secrets and sets two harmless literals, one of them a URL without a password.
 */
export function compliantDeploymentWithSecretEnv(): CapturedResource {
  return mutate(compliantDeployment(), (inputs) => {
    containerIn(inputs).env = [
      { name: "DATABASE_URL", valueFrom: { secretKeyRef: { name: "app-db-app", key: "uri" } } },
      { name: "API_TOKEN", valueFrom: { secretKeyRef: { name: "podinfo-api", key: "token" } } },
      { name: "LOG_LEVEL", value: "info" },
      { name: "PUBLIC_URL", value: "https://podinfo.example.com" },
    ];
  });
}

// ---------------------------------------------------------------------------------------------
// Edge and mesh: Gateway API, cert-manager, Traefik, Istio, Linkerd

/** The type tokens of the edge and mesh resources. */
export const EDGE_TYPES = {
  Release: "kubernetes:helm.sh/v3:Release",
  Service: "kubernetes:core/v1:Service",
  Gateway: "kubernetes:gateway.networking.k8s.io/v1:Gateway",
  HTTPRoute: "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
  Certificate: "kubernetes:cert-manager.io/v1:Certificate",
  TLSOption: "kubernetes:traefik.io/v1alpha1:TLSOption",
  Middleware: "kubernetes:traefik.io/v1alpha1:Middleware",
  PeerAuthentication: "kubernetes:security.istio.io/v1:PeerAuthentication",
} as const;

/** The edge label, as the gateway's Service carries it. */
const EDGE: Record<string, string> = { [EDGE_LABEL]: "true" };

/** A Kubernetes custom or built-in object `namespace/name` of `type`, named `pulumiName` in the program. */
function kubeResource(type: string, pulumiName: string, namespace: string, name: string, body: Record<string, any>): CapturedResource {
  const [, apiVersion, kind] = type.split(":");
  return resource(type, pulumiName, { apiVersion: apiVersion.replace(/^core\//, ""), kind, metadata: { name, namespace }, ...body });
}

/** A Helm release of `chart` in `namespace`, named as the chart and `pulumiName` in the program. */
function helmRelease(pulumiName: string, namespace: string, chart: { name: string; version: string; repo: string }, values: Record<string, any>): CapturedResource {
  return resource(EDGE_TYPES.Release, pulumiName, { name: chart.name, namespace, chart: chart.name, version: chart.version, repositoryOpts: { repo: chart.repo }, values });
}

/** The Traefik release `gateway/traefik` (chart pinned in `traefikRelease`), its LoadBalancer Service labelled as the edge. */
export function compliantTraefikRelease(): CapturedResource {
  return helmRelease("edge-traefik", "gateway", traefikRelease.chart, { service: { type: "LoadBalancer", labels: { ...EDGE } } });
}

/**
 * The Gateway `gateway/edge` served by Traefik: `http` on the `web` entryPoint (8000) and `https-0`
 * on `websecure` (8443) for api.example.com, with the Certificate's Secret `edge-https-0-tls`.
 */
export function compliantEdgeGateway(): CapturedResource {
  return kubeResource(EDGE_TYPES.Gateway, "edge-gateway", "gateway", "edge", {
    spec: {
      gatewayClassName: "traefik",
      listeners: [
        { name: "http", protocol: "HTTP", port: 8000, allowedRoutes: { namespaces: { from: "Same" } } },
        {
          name: "https-0",
          protocol: "HTTPS",
          port: 8443,
          hostname: "api.example.com",
          tls: { mode: "Terminate", certificateRefs: [{ kind: "Secret", name: "edge-https-0-tls" }] },
          allowedRoutes: { namespaces: { from: "All" } },
        },
      ],
    },
  });
}

/** The HTTPRoute `gateway/edge-https-redirect` on the `http` listener: a 301 to HTTPS, nothing else. */
export function compliantRedirectRoute(): CapturedResource {
  return kubeResource(EDGE_TYPES.HTTPRoute, "edge-https-redirect", "gateway", "edge-https-redirect", {
    spec: {
      parentRefs: [{ name: "edge", sectionName: "http" }],
      rules: [{ filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }] }],
    },
  });
}

/** The Certificate `gateway/edge-https-0` for api.example.com, written to the Secret `edge-https-0-tls`. */
export function compliantEdgeCertificate(): CapturedResource {
  return kubeResource(EDGE_TYPES.Certificate, "edge-https-0", "gateway", "edge-https-0", {
    spec: {
      secretName: "edge-https-0-tls",
      dnsNames: ["api.example.com"],
      issuerRef: { group: "cert-manager.io", kind: "ClusterIssuer", name: "letsencrypt" },
      privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
    },
  });
}

/** The TLSOption `gateway/default`, with the gateway's own `tlsOptions()` (TLS 1.2 at least). */
export function compliantTlsOption(): CapturedResource {
  return kubeResource(EDGE_TYPES.TLSOption, "edge-tls-options", "gateway", "default", { spec: tlsOptions() });
}

/** The Middlewares of the route `podinfo` in `apps`: a token bucket of 100 requests per 10 s per client, and security headers. */
export function compliantMiddlewares(): CapturedResource[] {
  return [
    kubeResource(EDGE_TYPES.Middleware, "podinfo-rate-limit", "apps", "podinfo-rate-limit", { spec: { rateLimit: { average: 100, period: "10s", burst: 100 } } }),
    kubeResource(EDGE_TYPES.Middleware, "podinfo-security-headers", "apps", "podinfo-security-headers", {
      spec: { headers: { stsSeconds: 31536000, stsIncludeSubdomains: true, forceSTSHeader: true, frameDeny: true, contentTypeNosniff: true } },
    }),
  ];
}

/** The HTTPRoute `apps/podinfo` on the `https-0` listener of `gateway/edge`, through both Middlewares, to the Service `podinfo`. */
export function compliantServiceRoute(): CapturedResource {
  const middleware = (name: string) => ({ type: "ExtensionRef", extensionRef: { group: "traefik.io", kind: "Middleware", name } });
  return kubeResource(EDGE_TYPES.HTTPRoute, "podinfo-route", "apps", "podinfo", {
    spec: {
      parentRefs: [{ name: "edge", namespace: "gateway", sectionName: "https-0" }],
      hostnames: ["api.example.com"],
      rules: [
        {
          matches: [{ path: { type: "PathPrefix", value: "/" } }],
          filters: [middleware("podinfo-rate-limit"), middleware("podinfo-security-headers")],
          backendRefs: [{ name: "podinfo", port: 9898 }],
        },
      ],
    },
  });
}

/** The ClusterIP Service `apps/podinfo`. */
export function compliantClusterIpService(): CapturedResource {
  return kubeResource(EDGE_TYPES.Service, "podinfo-service", "apps", "podinfo", {
    spec: { type: "ClusterIP", selector: { app: "podinfo" }, ports: [{ name: "http", port: 9898, targetPort: "http" }] },
  });
}

/** A compliant edge on Kubernetes: the Traefik release, Gateway, redirect route, Certificate, TLSOption, Middlewares, service route and Service. */
export function compliantEdgeStack(): CapturedResource[] {
  return [
    compliantTraefikRelease(),
    compliantEdgeGateway(),
    compliantRedirectRoute(),
    compliantEdgeCertificate(),
    compliantTlsOption(),
    ...compliantMiddlewares(),
    compliantServiceRoute(),
    compliantClusterIpService(),
  ];
}

/** The `istiod` release in `istio-system`, pinned as the mesh pins it. */
export function compliantIstiodRelease(): CapturedResource {
  return helmRelease("mesh-istiod", "istio-system", { ...istioChart, name: "istiod" }, {});
}

/** The mesh-wide PeerAuthentication `istio-system/default` as the mesh writes it for `mtls` (STRICT by default). */
export function compliantPeerAuthentication(mtls: "STRICT" | "PERMISSIVE" = "STRICT"): CapturedResource {
  return resource(EDGE_TYPES.PeerAuthentication, "mesh-peer-authentication", structuredClone(peerAuthentication(mtls)));
}

/** An Istio mesh: istiod and the STRICT mesh-wide PeerAuthentication. */
export function compliantIstioMesh(): CapturedResource[] {
  return [compliantIstiodRelease(), compliantPeerAuthentication()];
}

/** The `linkerd-control-plane` release in `linkerd` with the mesh's production inbound policy. */
export function compliantLinkerdRelease(): CapturedResource {
  return helmRelease("mesh-linkerd-control-plane", "linkerd", { ...linkerdCharts, name: linkerdCharts.controlPlane }, { proxy: { defaultInboundPolicy: defaultInboundPolicy("STRICT") } });
}

/**
 * The Traefik gateway container on Docker, with the static and dynamic configuration the Docker
 * gateway writes (`traefikStaticConfig`, `traefikDynamicConfig`) for one route `podinfo` on
 * api.example.com, uploaded as YAML.
 */
export function compliantDockerGateway(): CapturedResource {
  const spec = resolveGateway({ routes: [{ name: "podinfo", backend: { serviceName: "podinfo", namespace: "apps", port: 9898 }, hostname: "api.example.com" }],
  }, { environment: "dev", flavour: "docker" });
  const d = traefikDockerDefaults;
  const labels = { "app.kubernetes.io/name": "traefik", "app.kubernetes.io/instance": "edge", "app.kubernetes.io/component": "gateway" };
  return resource("docker:index/container:Container", "edge-container", {
    name: "platform-edge",
    image: traefikRelease.image,
    command: ["traefik", `--configFile=${d.staticConfigFile}`],
    uploads: [
      { file: d.staticConfigFile, content: stringifyYaml(traefikStaticConfig(spec)), permissions: "0444" },
      { file: `${d.dynamicConfigDirectory}/routes.yaml`, content: stringifyYaml(traefikDynamicConfig(spec)), permissions: "0444" },
      { file: d.certFile, content: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", permissions: "0444" },
      { file: d.keyFile, content: "mock-secret-private-key", permissions: "0400" },
    ],
    user: `${d.uid}:${d.uid}`,
    securityOpts: ["no-new-privileges:true"],
    capabilities: { drops: ["ALL"] },
    memory: 512,
    cpus: "1",
    healthcheck: { tests: ["CMD", "traefik", "healthcheck", `--configFile=${d.staticConfigFile}`], interval: "10s", timeout: "5s", retries: 3 },
    restart: "unless-stopped",
    labels: Object.entries(labels).map(([label, value]) => ({ label, value })),
  });
}

/** The YAML text of the upload `file` of a container fixture, parsed, for mutations. */
export function uploadedYaml(inputs: Record<string, any>, file: string): { get: () => any; set: (value: any) => void } {
  const upload = (inputs.uploads as { file: string; content: string }[]).find((u) => u.file === file);
  if (!upload) throw new Error(`no upload "${file}" in the fixture`);
  return { get: () => parseYaml(upload.content), set: (value) => (upload.content = stringifyYaml(value)) };
}

// ---------------------------------------------------------------------------------------------
// Observability: kube-prometheus-stack, Loki, ServiceMonitors, and Prometheus and Grafana on Docker

/** The type tokens of the observability resources. */
export const OBSERVABILITY_TYPES = {
  AppService: "platform:index:AppService",
  Deployment: WORKLOAD_TYPES.Deployment,
  ServiceMonitor: "kubernetes:monitoring.coreos.com/v1:ServiceMonitor",
  Container: "docker:index/container:Container",
} as const;

/** The AppService component `api`, the parent of its Deployments. */
export function compliantAppServiceComponent(): CapturedResource {
  return { ...resource(OBSERVABILITY_TYPES.AppService, "api", {}), custom: false };
}

/**
 * The Deployment `apps/api` of the AppService `api` (its child), labelled as the AppService labels
 * it (`appLabels`), running the compliant pod spec.
 */
export function compliantAppServiceDeployment(): CapturedResource {
  const labels = appLabels("api", { labels: {} });
  const selector = { "app.kubernetes.io/name": "api", "app.kubernetes.io/instance": "api" };
  return {
    ...resource(OBSERVABILITY_TYPES.Deployment, "api-deployment", {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "api", namespace: "apps", labels },
      spec: { replicas: 2, selector: { matchLabels: selector }, template: { metadata: { labels }, spec: compliantPodSpec() } },
    }),
    parent: compliantAppServiceComponent().urn,
  };
}

/** The ServiceMonitor `monitoring/api`: the Service `api` in `apps`, by its selector labels, on port `http`. */
export function compliantServiceMonitor(): CapturedResource {
  return kubeResource(OBSERVABILITY_TYPES.ServiceMonitor, "api-service-monitor", "monitoring", "api", {
    spec: {
      namespaceSelector: { matchNames: ["apps"] },
      selector: { matchLabels: { "app.kubernetes.io/name": "api", "app.kubernetes.io/instance": "api" } },
      endpoints: [{ port: "http", path: "/metrics", interval: "30s" }],
    },
  });
}

/**
 * The kube-prometheus-stack release `monitoring/kube-prometheus-stack` (chart 77.5.0): 15 days of
 * retention on a 50Gi claim, Grafana's admin password in the Secret `observability-grafana-admin`,
 * anonymous access off.
 */
export function compliantKubePrometheusStackRelease(): CapturedResource {
  const chart = { name: "kube-prometheus-stack", version: "77.5.0", repo: "https://prometheus-community.github.io/helm-charts" };
  return helmRelease("observability-kube-prometheus-stack", "monitoring", chart, {
    prometheus: {
      prometheusSpec: {
        retention: "15d",
        storageSpec: { volumeClaimTemplate: { spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "50Gi" } } } } },
      },
    },
    grafana: {
      admin: { existingSecret: "observability-grafana-admin", userKey: "admin-user", passwordKey: "admin-password" },
      "grafana.ini": { "auth.anonymous": { enabled: false } },
    },
  });
}

/** The Loki release `monitoring/loki` (chart 6.43.0) in SingleBinary mode: 14 days of retention applied by the compactor, on a volume. */
export function compliantLokiRelease(): CapturedResource {
  const chart = { name: "loki", version: "6.43.0", repo: "https://grafana.github.io/helm-charts" };
  return helmRelease("observability-loki", "monitoring", chart, {
    deploymentMode: "SingleBinary",
    loki: { limits_config: { retention_period: "336h" }, compactor: { retention_enabled: true, delete_request_store: "filesystem" } },
    singleBinary: { replicas: 1, persistence: { enabled: true, size: "50Gi" } },
  });
}

/** A compliant observability stack on Kubernetes: the AppService `api` and its Deployment, its ServiceMonitor, kube-prometheus-stack and Loki. */
export function compliantKubernetesObservability(): CapturedResource[] {
  return [compliantAppServiceComponent(), compliantAppServiceDeployment(), compliantServiceMonitor(), compliantKubePrometheusStackRelease(), compliantLokiRelease()];
}

/** Docker `labels` input from a map. */
function dockerLabels(labels: Record<string, string>): { label: string; value: string }[] {
  return Object.entries(labels).map(([label, value]) => ({ label, value }));
}

/** The AppService `api` on Docker: container `platform-api`, network alias `api`, metrics on 8080 at `/metrics`. */
export function compliantDockerAppService(): CapturedResource {
  const container = compliantDockerContainer();
  return {
    ...mutate(container, (inputs) => {
      inputs.name = "platform-api";
      inputs.networksAdvanced = [{ name: "platform", aliases: ["api"] }];
      inputs.labels = dockerLabels({
        "app.kubernetes.io/name": "api",
        "app.kubernetes.io/component": "app-service",
        "prometheus.io/scrape": "true",
        "prometheus.io/port": "8080",
        "prometheus.io/path": "/metrics",
      });
    }),
    name: "api-container",
    urn: urnOf(container.type, "api-container"),
  };
}

/** The Prometheus configuration the Docker Prometheus fixture uploads: one job for `api:8080`. */
export const DOCKER_PROMETHEUS_CONFIG = {
  global: { scrape_interval: "30s" },
  scrape_configs: [{ job_name: "api", metrics_path: "/metrics", static_configs: [{ targets: ["api:8080"] }] }],
};

/**
 * The Prometheus container `platform-prometheus` (prom/prometheus:v3.5.0): its configuration
 * uploaded at `--config.file`, 15 days of retention, the TSDB on the named volume
 * `platform-prometheus-data`.
 */
export function compliantDockerPrometheus(): CapturedResource {
  const container = compliantDockerContainer();
  return {
    ...mutate(container, (inputs) => {
      inputs.name = "platform-prometheus";
      inputs.image = "prom/prometheus:v3.5.0";
      inputs.command = ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus", "--storage.tsdb.retention.time=15d"];
      inputs.uploads = [{ file: "/etc/prometheus/prometheus.yml", content: stringifyYaml(DOCKER_PROMETHEUS_CONFIG) }];
      inputs.volumes = [{ volumeName: "platform-prometheus-data", containerPath: "/prometheus" }];
      inputs.labels = dockerLabels({ "app.kubernetes.io/name": "prometheus", "app.kubernetes.io/component": "observability" });
    }),
    name: "observability-prometheus",
    urn: urnOf(container.type, "observability-prometheus"),
  };
}

/**
 * The Grafana container `platform-grafana` (grafana/grafana:11.6.0): its admin password a
 * generated secret (32 characters, recorded as `[secret]`), anonymous access off.
 */
export function compliantDockerGrafana(): CapturedResource {
  const container = compliantDockerContainer();
  const envs = [`GF_SECURITY_ADMIN_PASSWORD=${"mock-secret-observability-grafana-admin-".padEnd(40, "x")}`, "GF_AUTH_ANONYMOUS_ENABLED=false"];
  const grafana = mutate(container, (inputs) => {
    inputs.name = "platform-grafana";
    inputs.image = "grafana/grafana:11.6.0";
    inputs.envs = envs;
    inputs.labels = dockerLabels({ "app.kubernetes.io/name": "grafana", "app.kubernetes.io/component": "observability" });
  });
  return { ...grafana, name: "observability-grafana", urn: urnOf(container.type, "observability-grafana"), redactedInputs: { ...grafana.redactedInputs, envs: "[secret]" } };
}

/** A compliant observability stack on Docker: the AppService `api`, Prometheus and Grafana. */
export function compliantDockerObservability(): CapturedResource[] {
  return [compliantDockerAppService(), compliantDockerPrometheus(), compliantDockerGrafana()];
}

// ---------------------------------------------------------------------------------------------
// Message brokers

/** The type tokens of the broker fixtures. */
export const BROKER_TYPES = {
  RabbitmqCluster: "kubernetes:rabbitmq.com/v1beta1:RabbitmqCluster",
  AmazonMqBroker: "aws:mq/broker:Broker",
} as const;

/**
 * The RabbitmqCluster `data/queue`: 3 replicas, a 10Gi volume each, TLS from the Secret `queue-tls`
 * with the plain listeners off.
 */
export function compliantRabbitmqCluster(): CapturedResource {
  return resource(BROKER_TYPES.RabbitmqCluster, "queue-rabbitmq", {
    apiVersion: "rabbitmq.com/v1beta1",
    kind: "RabbitmqCluster",
    metadata: { name: "queue", namespace: "data" },
    spec: {
      replicas: 3,
      resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" } },
      persistence: { storage: "10Gi" },
      tls: { secretName: "queue-tls", disableNonTLSListeners: true },
    },
  });
}

/** The NATS release `data/queue` (chart nats 1.2.7): a 3-server cluster, JetStream on a file store with a PVC, client TLS from `queue-tls`. */
export function compliantNatsRelease(): CapturedResource {
  const chart = { name: "nats", version: "1.2.7", repo: "https://nats-io.github.io/k8s/helm/charts/" };
  return helmRelease("queue-nats", "data", chart, {
    config: {
      cluster: { enabled: true, replicas: 3 },
      jetstream: { enabled: true, fileStore: { enabled: true, pvc: { enabled: true, size: "10Gi" } } },
      nats: { tls: { enabled: true, secretName: "queue-tls" } },
    },
  });
}

/** The Amazon MQ for RabbitMQ broker `queue`: private, a cluster over three zones, its password a generated secret (recorded as `[secret]`). */
export function compliantAmazonMqBroker(): CapturedResource {
  const broker = resource(BROKER_TYPES.AmazonMqBroker, "queue", {
    brokerName: "platform-queue",
    engineType: "RabbitMQ",
    engineVersion: "3.13",
    hostInstanceType: "mq.m7g.large",
    deploymentMode: "CLUSTER_MULTI_AZ",
    publiclyAccessible: false,
    subnetIds: ["subnet-0a1b2c3d", "subnet-1a2b3c4d", "subnet-2a3b4c5d"],
    securityGroups: ["sg-0a1b2c3d"],
    users: [{ username: "platform", password: "mock-secret-queue-password" }],
  });
  return { ...broker, redactedInputs: { ...broker.redactedInputs, users: "[secret]" } };
}

/** The Docker broker container `platform-queue` (rabbitmq:4.1.4-management-alpine): its data on the named volume `platform-queue-data`. */
export function compliantDockerBroker(): CapturedResource {
  const container = compliantDockerContainer();
  return {
    ...mutate(container, (inputs) => {
      inputs.name = "platform-queue";
      inputs.image = "rabbitmq:4.1.4-management-alpine";
      inputs.volumes = [{ volumeName: "platform-queue-data", containerPath: "/var/lib/rabbitmq" }];
      inputs.labels = dockerLabels({ "app.kubernetes.io/name": "rabbitmq", "app.kubernetes.io/component": "message-queue" });
    }),
    name: "queue-container",
    urn: urnOf(container.type, "queue-container"),
  };
}
