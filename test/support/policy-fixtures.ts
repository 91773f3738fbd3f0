/**
 * Resources for the policy tests, shaped as the capture step records them: one compliant
 * fixture per resource kind the pack checks. Tests build each failing case from one of these with
 * `mutate` (a `structuredClone` and one small edit), so a fixture that stops being compliant
 * fails its own test rather than hiding a case.
 */
import type { CapturedResource } from "../../plan/capture";

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
