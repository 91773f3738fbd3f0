/**
 * The EKS and GKE platforms under Pulumi's mock runtime: one program builds a prod and a dev
 * cluster of each, and the tests read what they registered. The pure functions are tested directly.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { captureProgram, type CapturedProgram, type CapturedResource } from "../plan/capture";
import type { EksClusterArgs, GkeClusterArgs } from "../components/platform/args";
import {
  accessEntryKey,
  EKS_NLB_ANNOTATIONS,
  EksCluster,
  eksClusterName,
  eksKubeconfig,
  natGatewayCount,
  parseIamPrincipalArn,
  resolveEksClusterArgs,
  subnetCidrs,
  validateEksClusterArgs,
} from "../components/platform/eks";
import { VPC_CNI_CONFIGURATION } from "../components/platform/eks/nodes";
import { iamRoleNamePrefix, irsaAssumeRolePolicy } from "../components/platform/identity/aws";
import { createEksAddons } from "../components/addons/eks";
import {
  GKE_NODE_ROLES,
  GkeCluster,
  gkeKubeconfig,
  gkeNodeServiceAccountId,
  gkeServiceAgentMember,
  resolveGkeClusterArgs,
  validateGkeClusterArgs,
} from "../components/platform/gke";
import type { KubernetesPlatform } from "../components/contract/platform";
import { GKE_CONTROL_PLANE_PORTS, WEBHOOK_SERVERS } from "../components/contract";
import { statefulResourceOptions } from "../components/shared/options";

const OPERATORS = "203.0.113.0/24";

const CI_ROLE = "arn:aws:iam::123456789012:role/ci";
const OPERATORS_ROLE = "arn:aws:iam::123456789012:role/teams/Platform-Operators";
const eksProdArgs: EksClusterArgs = {
  environment: "prod",
  region: "eu-west-1",
  endpointPublicAccessCidrs: [OPERATORS],
  accessEntries: [
    { principalArn: CI_ROLE, policy: "cluster-admin" },
    { principalArn: OPERATORS_ROLE, policy: "view" },
  ],
  tags: { team: "platform" },
};
const eksDevArgs: EksClusterArgs = { environment: "dev", region: "eu-west-1", karpenter: { enabled: false } };
const gkeProdArgs: GkeClusterArgs = {
  environment: "prod",
  project: "acme-prod",
  region: "europe-west1",
  endpointPublicAccessCidrs: [OPERATORS],
  labels: { team: "platform" },
};
const gkeDevArgs: GkeClusterArgs = { environment: "dev", project: "acme-dev", region: "europe-west1", webhookPorts: [] };

let program: CapturedProgram;
let eksPlatform: KubernetesPlatform;
let gkePlatform: KubernetesPlatform;
let invalidArgsError: Error | undefined;

before(async () => {
  program = await captureProgram(
    () => {
      const eks = new EksCluster("eks", eksProdArgs);
      const eksDev = new EksCluster("eks-dev", eksDevArgs);
      // The add-ons that keep the EKS platform's promises (the gp3 StorageClass, the NLB).
      createEksAddons("eks", eks.platform, { protect: true });
      createEksAddons("eks-dev", eksDev.platform);
      const gke = new GkeCluster("gke", gkeProdArgs);
      new GkeCluster("gke-dev", gkeDevArgs);
      try {
        new EksCluster("bad", { environment: "prod", region: "eu-west-1", availabilityZoneCount: 2 });
      } catch (error) {
        invalidArgsError = error as Error;
      }
      eksPlatform = eks.platform;
      gkePlatform = gke.platform;
      return {
        eksZones: eks.platform.zones,
        eksKubeconfig: eks.kubeconfig,
        eksPrivateSubnetIds: eks.privateSubnetIds,
        eksOidcProviderArn: eks.oidcProviderArn,
        gkeZones: gke.platform.zones,
        gkeKubeconfig: gke.kubeconfig,
      };
    },
    { project: "platform", stack: "test" },
  );
});

/** The resources a component registered directly, by the component's name. */
function childrenOf(componentType: string, componentName: string): CapturedResource[] {
  const component = program.resources.find((r) => r.type === componentType && r.name === componentName);
  assert.ok(component, `component ${componentName} was not registered`);
  return program.resources.filter((r) => r.parent === component.urn);
}

function one(resources: CapturedResource[], type: string, name: string): CapturedResource {
  const found = resources.find((r) => r.type === type && r.name === name);
  assert.ok(found, `no ${type} named ${name}`);
  return found;
}

function all(resources: CapturedResource[], type: string): CapturedResource[] {
  return resources.filter((r) => r.type === type);
}

const eks = () => childrenOf("platform:index:EksCluster", "eks");
const ebsCsi = () => childrenOf("platform:index:AwsEbsCsiDriver", "eks-ebs-csi");
const ebsCsiDev = () => childrenOf("platform:index:AwsEbsCsiDriver", "eks-dev-ebs-csi");
const eksDev = () => childrenOf("platform:index:EksCluster", "eks-dev");
const gke = () => childrenOf("platform:index:GkeCluster", "gke");
const gkeDev = () => childrenOf("platform:index:GkeCluster", "gke-dev");

describe("EksCluster", () => {
  it("encrypts Kubernetes secrets with a KMS key", () => {
    const key = one(eks(), "aws:kms/key:Key", "eks-secrets-key");
    assert.equal(key.inputs.enableKeyRotation, true);
    assert.equal(key.inputs.deletionWindowInDays, 30);
    const cluster = one(eks(), "aws:eks/cluster:Cluster", "eks-cluster");
    assert.deepEqual(cluster.inputs.encryptionConfig, {
      resources: ["secrets"],
      provider: { keyArn: "arn:aws:kms:mock-region:123456789012:key/eks-secrets-key" },
    });
    assert.equal(one(eks(), "aws:kms/alias:Alias", "eks-secrets-key-alias").inputs.name, "alias/eks/eks-test");
    const grant = JSON.parse(one(eks(), "aws:iam/rolePolicy:RolePolicy", "eks-cluster-encryption").inputs.policy);
    assert.equal(grant.Statement[0].Resource, "arn:aws:kms:mock-region:123456789012:key/eks-secrets-key");
  });

  it("sends every control-plane log type to an encrypted log group created before the cluster", () => {
    const logGroup = one(eks(), "aws:cloudwatch/logGroup:LogGroup", "eks-control-plane-logs");
    assert.equal(logGroup.inputs.name, "/aws/eks/eks-test/cluster");
    assert.equal(logGroup.inputs.retentionInDays, 90);
    assert.equal(logGroup.inputs.kmsKeyId, "arn:aws:kms:mock-region:123456789012:key/eks-secrets-key");
    const cluster = one(eks(), "aws:eks/cluster:Cluster", "eks-cluster");
    assert.equal(cluster.inputs.name, "eks-test");
    assert.ok(cluster.dependencies.includes(logGroup.urn), "the cluster must wait for its log group");
    assert.deepEqual(cluster.inputs.enabledClusterLogTypes, ["api", "audit", "authenticator", "controllerManager", "scheduler"]);
    const keyPolicy = JSON.parse(one(eks(), "aws:kms/key:Key", "eks-secrets-key").inputs.policy);
    const logs = keyPolicy.Statement.find((s: any) => s.Principal.Service === "logs.eu-west-1.amazonaws.com");
    assert.equal(
      logs.Condition.ArnEquals["kms:EncryptionContext:aws:logs:arn"],
      "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/eks/eks-test/cluster",
    );
  });

  it("keeps nodes in private subnets", () => {
    const privateIds = all(eks(), "aws:ec2/subnet:Subnet")
      .filter((s) => s.inputs.tags["kubernetes.io/role/internal-elb"] === "1")
      .map((s) => `${s.name}-id`);
    assert.deepEqual(privateIds, ["eks-private-0-id", "eks-private-1-id", "eks-private-2-id"]);
    const nodeGroup = one(eks(), "aws:eks/nodeGroup:NodeGroup", "eks-ng-general");
    assert.deepEqual(nodeGroup.inputs.subnetIds, privateIds);
    assert.deepEqual(one(eks(), "aws:eks/cluster:Cluster", "eks-cluster").inputs.vpcConfig.subnetIds, privateIds);
    for (const subnet of all(eks(), "aws:ec2/subnet:Subnet")) {
      assert.equal(subnet.inputs.mapPublicIpOnLaunch, false, `${subnet.name} must not give public IPs`);
    }
    // Prod's default: three 4-vCPU, 16-GiB nodes, one per zone.
    assert.deepEqual(nodeGroup.inputs.scalingConfig, { minSize: 3, maxSize: 6, desiredSize: 3 });
    assert.deepEqual(nodeGroup.inputs.instanceTypes, ["m6i.xlarge"]);
    const devGroup = one(eksDev(), "aws:eks/nodeGroup:NodeGroup", "eks-dev-ng-general");
    assert.deepEqual([devGroup.inputs.scalingConfig, devGroup.inputs.instanceTypes], [{ minSize: 2, maxSize: 6, desiredSize: 2 }, ["m6i.large"]]);
  });

  it("requires IMDSv2 and an encrypted gp3 root volume on every node", () => {
    const template = one(eks(), "aws:ec2/launchTemplate:LaunchTemplate", "eks-ng-general-lt");
    assert.equal(template.inputs.metadataOptions.httpTokens, "required");
    assert.equal(template.inputs.metadataOptions.httpPutResponseHopLimit, 2);
    assert.deepEqual(template.inputs.blockDeviceMappings[0].ebs, {
      volumeSize: 50,
      volumeType: "gp3",
      encrypted: "true",
      deleteOnTermination: "true",
    });
    const nodeGroup = one(eks(), "aws:eks/nodeGroup:NodeGroup", "eks-ng-general");
    assert.equal(nodeGroup.inputs.launchTemplate.id, "eks-ng-general-lt-id");
    assert.equal(nodeGroup.inputs.diskSize, undefined, "the disk size lives in the launch template");
  });

  it("opens the add-ons' webhook ports from the private control plane to the nodes, which GKE's own rule leaves closed", () => {
    const rule = one(gke(), "gcp:compute/firewall:Firewall", "gke-master-to-webhooks");
    assert.deepEqual(
      [rule.inputs.direction, rule.inputs.sourceRanges, rule.inputs.targetServiceAccounts, rule.inputs.allows],
      ["INGRESS", ["172.16.0.0/28"], ["gke-nodes@mock-project.iam.gserviceaccount.com"], [{ protocol: "tcp", ports: ["6443", "8443", "9443", "15017"] }]],
    );
    assert.equal(rule.inputs.network, "gke-network-id");
    // Every webhook port of the add-ons is open: GKE's rule (443, 10250) or this one.
    const open = [...GKE_CONTROL_PLANE_PORTS, ...rule.inputs.allows[0].ports.map(Number)];
    for (const server of WEBHOOK_SERVERS) for (const port of server.ports) assert.ok(open.includes(port), `${server.what}: ${port}`);
    const provider = one(gke(), "pulumi:providers:kubernetes", "gke-k8s");
    assert.ok(provider.dependencies.includes(rule.urn), "Kubernetes objects wait for the rule");
    assert.deepEqual(all(gkeDev(), "gcp:compute/firewall:Firewall"), [], "no rule with webhookPorts: []");
  });

  it("leaves GKE's managed Gateway API CRDs off, as the platform installs its pinned ones", () => {
    assert.deepEqual(one(gke(), "gcp:container/cluster:Cluster", "gke-cluster").inputs.gatewayApiConfig, { channel: "CHANNEL_DISABLED" });
  });

  it("limits the public endpoint to the configured CIDRs", () => {
    const vpcConfig = one(eks(), "aws:eks/cluster:Cluster", "eks-cluster").inputs.vpcConfig;
    assert.equal(vpcConfig.endpointPrivateAccess, true);
    assert.equal(vpcConfig.endpointPublicAccess, true);
    assert.deepEqual(vpcConfig.publicAccessCidrs, [OPERATORS]);
  });

  it("keeps the endpoint private when no CIDR is configured", () => {
    const vpcConfig = one(eksDev(), "aws:eks/cluster:Cluster", "eks-dev-cluster").inputs.vpcConfig;
    assert.equal(vpcConfig.endpointPrivateAccess, true);
    assert.equal(vpcConfig.endpointPublicAccess, false);
    assert.equal(vpcConfig.publicAccessCidrs, undefined);
  });

  it("uses API authentication mode with the creator as the first admin", () => {
    assert.deepEqual(one(eks(), "aws:eks/cluster:Cluster", "eks-cluster").inputs.accessConfig, {
      authenticationMode: "API",
      bootstrapClusterCreatorAdminPermissions: true,
    });
  });

  it("spreads the VPC across three zones in prod", () => {
    const subnets = all(eks(), "aws:ec2/subnet:Subnet");
    assert.equal(subnets.length, 6);
    const zones = new Set(subnets.map((s) => s.inputs.availabilityZone));
    assert.deepEqual([...zones], ["mock-region-1a", "mock-region-1b", "mock-region-1c"]);
    assert.equal(one(eks(), "aws:ec2/vpc:Vpc", "eks-vpc").inputs.enableDnsHostnames, true);
    assert.equal(all(eks(), "aws:ec2/natGateway:NatGateway").length, 3);
    const natTargets = all(eks(), "aws:ec2/route:Route")
      .filter((r) => r.name.startsWith("eks-private-default-route"))
      .map((r) => r.inputs.natGatewayId);
    assert.deepEqual(natTargets, ["eks-nat-0-id", "eks-nat-1-id", "eks-nat-2-id"], "each zone leaves through its own NAT gateway");
    const publicRoute = one(eks(), "aws:ec2/route:Route", "eks-public-default-route");
    assert.equal(publicRoute.inputs.gatewayId, "eks-igw-id");
  });

  it("uses two zones and one NAT gateway outside prod", () => {
    assert.equal(all(eksDev(), "aws:ec2/subnet:Subnet").length, 4);
    assert.equal(all(eksDev(), "aws:ec2/natGateway:NatGateway").length, 1);
    const natTargets = all(eksDev(), "aws:ec2/route:Route")
      .filter((r) => r.name.startsWith("eks-dev-private-default-route"))
      .map((r) => r.inputs.natGatewayId);
    assert.deepEqual(natTargets, ["eks-dev-nat-0-id", "eks-dev-nat-0-id"]);
  });

  it("protects and retains the cluster, its KMS key and its VPC in prod", () => {
    for (const [type, name] of [
      ["aws:eks/cluster:Cluster", "eks-cluster"],
      ["aws:kms/key:Key", "eks-secrets-key"],
      ["aws:ec2/vpc:Vpc", "eks-vpc"],
    ]) {
      const resource = one(eks(), type, name);
      assert.equal(resource.protect, true, `${name} must be protected`);
      assert.equal(resource.retainOnDelete, true, `${name} must be retained`);
    }
    assert.equal(one(eks(), "aws:eks/cluster:Cluster", "eks-cluster").inputs.deletionProtection, true);
    assert.deepEqual(
      eksDev().filter((r) => r.protect || r.retainOnDelete).map((r) => r.name),
      [],
      "nothing is protected outside prod",
    );
  });

  it("uses the explicit provider for every AWS resource", () => {
    for (const children of [eks(), eksDev()]) {
      const provider = children.find((r) => r.type === "pulumi:providers:aws");
      assert.ok(provider);
      assert.equal(provider.inputs.region, "eu-west-1");
      const awsResources = children.filter((r) => r.type.startsWith("aws:"));
      assert.ok(awsResources.length > 30);
      for (const resource of awsResources) {
        assert.ok(resource.provider?.startsWith(`${provider.urn}::`), `${resource.name} must use ${provider.name}`);
      }
    }
    const provider = one(eks(), "pulumi:providers:aws", "eks-aws");
    assert.deepEqual(JSON.parse(provider.inputs.defaultTags), { tags: { team: "platform" } });
  });

  it("names every child after the component in kebab case", () => {
    for (const resource of eks()) assert.match(resource.name, /^eks-[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it("gives the EBS CSI driver (an add-on beside the cluster) an IRSA role bound to its service account", () => {
    const role = one(ebsCsi(), "aws:iam/role:Role", "eks-ebs-csi-role");
    const statement = JSON.parse(role.inputs.assumeRolePolicy).Statement[0];
    assert.equal(statement.Principal.Federated, "arn:aws:iam::123456789012:oidc-provider/eks-oidc");
    assert.equal(
      statement.Condition.StringEquals["oidc.eks.mock-region.amazonaws.com/id/EKS-CLUSTER:sub"],
      "system:serviceaccount:kube-system:ebs-csi-controller-sa",
    );
    const policy = one(ebsCsi(), "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "eks-ebs-csi-policy");
    assert.equal(policy.inputs.policyArn, "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy");
    const addon = one(ebsCsi(), "aws:eks/addon:Addon", "eks-ebs-csi-addon");
    assert.equal(addon.inputs.addonName, "aws-ebs-csi-driver");
    assert.equal(addon.inputs.serviceAccountRoleArn, "arn:aws:iam::123456789012:role/eks-ebs-csi-role");
    const oidc = one(eks(), "aws:iam/openIdConnectProvider:OpenIdConnectProvider", "eks-oidc");
    assert.deepEqual(oidc.inputs.clientIdLists, ["sts.amazonaws.com"]);
    assert.equal(oidc.inputs.url, "https://oidc.eks.mock-region.amazonaws.com/id/EKS-CLUSTER");
  });

  it("installs the core add-ons, the ones that run pods after the nodes", () => {
    const addons = [...all(eks(), "aws:eks/addon:Addon"), ...all(ebsCsi(), "aws:eks/addon:Addon")].map((a) => a.inputs.addonName).sort();
    assert.deepEqual(addons, ["aws-ebs-csi-driver", "coredns", "kube-proxy", "metrics-server", "vpc-cni"]);
    const nodeGroup = one(eks(), "aws:eks/nodeGroup:NodeGroup", "eks-ng-general");
    const coredns = one(eks(), "aws:eks/addon:Addon", "eks-addon-coredns");
    assert.ok(coredns.dependencies.includes(nodeGroup.urn));
    // After CoreDNS, the platform's `cluster`, which comes after the nodes.
    assert.ok(one(ebsCsi(), "aws:eks/addon:Addon", "eks-ebs-csi-addon").dependencies.includes(coredns.urn));
  });

  it("gives nodes only the worker, CNI and registry-read policies", () => {
    const policies = all(eks(), "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
      .filter((a) => a.name.startsWith("eks-node-"))
      .map((a) => a.inputs.policyArn)
      .sort();
    assert.deepEqual(policies, [
      "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
      "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
      "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
    ]);
  });

  it("enforces NetworkPolicies: the VPC CNI add-on runs its network policy agent", () => {
    for (const [children, prefix] of [[eks(), "eks"], [eksDev(), "eks-dev"]] as const) {
      const cni = one(children, "aws:eks/addon:Addon", `${prefix}-addon-vpc-cni`);
      assert.equal(cni.inputs.addonName, "vpc-cni");
      assert.deepEqual(JSON.parse(cni.inputs.configurationValues), { enableNetworkPolicy: "true" });
      assert.equal(cni.inputs.configurationValues, JSON.stringify(VPC_CNI_CONFIGURATION));
      // Only the CNI is configured; the others keep EKS's defaults.
      for (const addon of ["kube-proxy", "coredns", "metrics-server"]) {
        assert.equal(one(children, "aws:eks/addon:Addon", `${prefix}-addon-${addon}`).inputs.configurationValues, undefined, addon);
      }
    }
  });

  it("installs metrics-server, the community add-on HorizontalPodAutoscalers need, after the nodes and unpinned", () => {
    for (const [children, prefix] of [[eks(), "eks"], [eksDev(), "eks-dev"]] as const) {
      const metrics = one(children, "aws:eks/addon:Addon", `${prefix}-addon-metrics-server`);
      assert.deepEqual(
        [metrics.inputs.addonName, metrics.inputs.clusterName, metrics.inputs.addonVersion, metrics.inputs.resolveConflictsOnCreate],
        ["metrics-server", `${prefix}-test`, undefined, "OVERWRITE"],
      );
      assert.ok(metrics.dependencies.includes(one(children, "aws:eks/nodeGroup:NodeGroup", `${prefix}-ng-general`).urn), "its pods need nodes");
    }
  });

  it("names the cluster and what derives from it after the component and the stack, so two stacks can share an account", () => {
    const cluster = one(eks(), "aws:eks/cluster:Cluster", "eks-cluster");
    assert.equal(cluster.inputs.name, eksClusterName("eks", "test"));
    assert.equal(one(eksDev(), "aws:eks/cluster:Cluster", "eks-dev-cluster").inputs.name, "eks-dev-test");
    // IAM is global: a name prefix (the provider adds a unique suffix) keeps regions and stacks apart.
    assert.equal(one(eks(), "aws:iam/role:Role", "eks-cluster-role").inputs.namePrefix, "eks-test-cluster-");
    assert.equal(one(eks(), "aws:iam/role:Role", "eks-node-role").inputs.namePrefix, "eks-test-node-");
    assert.equal(one(eks(), "aws:iam/role:Role", "eks-node-role").inputs.name, undefined);
    assert.equal(one(eksDev(), "aws:cloudwatch/logGroup:LogGroup", "eks-dev-control-plane-logs").inputs.name, "/aws/eks/eks-dev-test/cluster");
    assert.equal(one(eks(), "aws:ec2/vpc:Vpc", "eks-vpc").inputs.tags.Name, "eks-test-vpc");
    assert.equal(one(eks(), "aws:ec2/launchTemplate:LaunchTemplate", "eks-ng-general-lt").inputs.tagSpecifications[0].tags.Name, "eks-test-general");
  });

  it("tags the private subnets and the cluster's security group for Karpenter's discovery, only with Karpenter on", () => {
    const subnets = all(eks(), "aws:ec2/subnet:Subnet");
    const discovery = (s: CapturedResource) => s.inputs.tags["karpenter.sh/discovery"];
    assert.deepEqual(subnets.filter((s) => s.name.startsWith("eks-private-")).map(discovery), ["eks-test", "eks-test", "eks-test"]);
    assert.deepEqual(subnets.filter((s) => s.name.startsWith("eks-public-")).map(discovery), [undefined, undefined, undefined], "nodes stay out of the public subnets");
    const tag = one(eks(), "aws:ec2/tag:Tag", "eks-cluster-sg-discovery-tag");
    assert.deepEqual([tag.inputs.resourceId, tag.inputs.key, tag.inputs.value], ["sg-eks-cluster", "karpenter.sh/discovery", "eks-test"]);
    // Karpenter off (the dev cluster): no discovery tags at all.
    assert.deepEqual(all(eksDev(), "aws:ec2/subnet:Subnet").map(discovery), [undefined, undefined, undefined, undefined]);
    assert.deepEqual(all(eksDev(), "aws:ec2/tag:Tag"), []);
  });

  it("lets CI and operators in through access entries with AWS managed access policies, cluster-wide", () => {
    assert.equal(one(eks(), "aws:eks/cluster:Cluster", "eks-cluster").inputs.accessConfig.authenticationMode, "API", "access entries need the API mode");
    const entries = all(eks(), "aws:eks/accessEntry:AccessEntry");
    assert.deepEqual(
      entries.map((e) => [e.name, e.inputs.clusterName, e.inputs.principalArn, e.inputs.type]),
      [
        ["eks-access-123456789012-role-ci", "eks-test", CI_ROLE, "STANDARD"],
        ["eks-access-123456789012-role-platform-operators", "eks-test", OPERATORS_ROLE, "STANDARD"],
      ],
    );
    const associations = all(eks(), "aws:eks/accessPolicyAssociation:AccessPolicyAssociation");
    assert.deepEqual(
      associations.map((a) => [a.name, a.inputs.principalArn, a.inputs.policyArn, a.inputs.accessScope]),
      [
        ["eks-access-123456789012-role-ci-policy", CI_ROLE, "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy", { type: "cluster" }],
        ["eks-access-123456789012-role-platform-operators-policy", OPERATORS_ROLE, "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy", { type: "cluster" }],
      ],
    );
    // The policy is associated once the entry exists.
    assert.ok(associations[0].dependencies.includes(entries[0].urn));
    assert.deepEqual(all(eksDev(), "aws:eks/accessEntry:AccessEntry"), [], "no entries unless configured");
  });

  it("creates an encrypted default gp3 StorageClass through the cluster's provider", () => {
    const storageClass = one(ebsCsi(), "kubernetes:storage.k8s.io/v1:StorageClass", "eks-ebs-csi-storage-class");
    const provider = one(eks(), "pulumi:providers:kubernetes", "eks-k8s");
    assert.ok(storageClass.provider?.startsWith(`${provider.urn}::`));
    assert.equal(storageClass.inputs.metadata.name, "gp3");
    assert.equal(storageClass.inputs.metadata.annotations["storageclass.kubernetes.io/is-default-class"], "true");
    assert.equal(storageClass.inputs.provisioner, "ebs.csi.aws.com");
    assert.deepEqual(storageClass.inputs.parameters, { type: "gp3", encrypted: "true", "csi.storage.k8s.io/fstype": "ext4" });
    assert.equal(storageClass.inputs.volumeBindingMode, "WaitForFirstConsumer");
    assert.equal(storageClass.inputs.allowVolumeExpansion, true);
    assert.equal(storageClass.inputs.reclaimPolicy, "Retain");
    assert.equal(one(ebsCsiDev(), "kubernetes:storage.k8s.io/v1:StorageClass", "eks-dev-ebs-csi-storage-class").inputs.reclaimPolicy, "Delete");
  });

  it("keeps the kubeconfig secret and waits for the nodes before using it", () => {
    const provider = one(eks(), "pulumi:providers:kubernetes", "eks-k8s");
    assert.equal(provider.redactedInputs.kubeconfig, "[secret]");
    assert.equal(provider.inputs.enableServerSideApply, "true");
    assert.ok(provider.dependencies.includes(one(eks(), "aws:eks/nodeGroup:NodeGroup", "eks-ng-general").urn));
    assert.equal(program.outputs.eksKubeconfig, "[secret]");
    const kubeconfig = JSON.parse(provider.inputs.kubeconfig);
    assert.equal(kubeconfig.clusters[0].cluster.server, "https://eks-cluster.gr7.mock-region.eks.amazonaws.com");
    assert.deepEqual(kubeconfig.users[0].user.exec.args.slice(0, 6), ["eks", "get-token", "--cluster-name", "eks-test", "--region", "eu-west-1"]);
  });

  it("hands components a platform with gp3, NLB annotations and the zones it uses", () => {
    assert.equal(eksPlatform.kind, "kubernetes");
    assert.equal(eksPlatform.flavour, "eks");
    assert.equal(eksPlatform.environment, "prod");
    assert.equal(eksPlatform.storageClass, "gp3");
    assert.equal(eksPlatform.ingress.serviceType, "LoadBalancer");
    assert.deepEqual(eksPlatform.ingress.serviceAnnotations, {
      "service.beta.kubernetes.io/aws-load-balancer-type": "external",
      "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
      "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing",
      // NLBs drop client IPs for IP targets unless asked; the gateway's per-client rate limit needs them.
      "service.beta.kubernetes.io/aws-load-balancer-target-group-attributes": "preserve_client_ip.enabled=true",
    });
    assert.equal(eksPlatform.ingress.serviceAnnotations, EKS_NLB_ANNOTATIONS);
    assert.deepEqual(program.outputs.eksZones, ["mock-region-1a", "mock-region-1b", "mock-region-1c"]);
    assert.deepEqual(program.outputs.eksPrivateSubnetIds, ["eks-private-0-id", "eks-private-1-id", "eks-private-2-id"]);
    assert.equal(program.outputs.eksOidcProviderArn, "arn:aws:iam::123456789012:oidc-provider/eks-oidc");
  });

  it("stops before the first resource when its args are invalid", () => {
    assert.ok(invalidArgsError);
    assert.match(invalidArgsError.message, /EksCluster "bad" has invalid arguments/);
    assert.match(invalidArgsError.message, /`availabilityZoneCount` must be at least 3 in prod \(got 2\)/);
    assert.deepEqual(
      program.resources.filter((r) => r.name === "bad" || r.name.startsWith("bad-")),
      [],
    );
  });
});

describe("GkeCluster", () => {
  it("encrypts Kubernetes secrets in etcd with a Cloud KMS key only the GKE service agent may use", () => {
    const key = one(gke(), "gcp:kms/cryptoKey:CryptoKey", "gke-secrets-key");
    assert.equal(key.inputs.rotationPeriod, "7776000s");
    const cluster = one(gke(), "gcp:container/cluster:Cluster", "gke-cluster");
    assert.deepEqual(cluster.inputs.databaseEncryption, { state: "ENCRYPTED", keyName: "gke-secrets-key-id" });
    const access = one(gke(), "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", "gke-secrets-key-gke-agent");
    assert.equal(access.inputs.cryptoKeyId, "gke-secrets-key-id");
    assert.equal(access.inputs.role, "roles/cloudkms.cryptoKeyEncrypterDecrypter");
    assert.equal(access.inputs.member, "serviceAccount:service-123456789012@container-engine-robot.iam.gserviceaccount.com");
    assert.ok(cluster.dependencies.includes(access.urn), "the cluster must wait until the agent may use the key");
    const agent = one(gke(), "gcp:projects/serviceIdentity:ServiceIdentity", "gke-gke-agent");
    assert.deepEqual([agent.inputs.project, agent.inputs.service], ["acme-prod", "container.googleapis.com"]);
    assert.ok(access.dependencies.includes(agent.urn), "the grant waits until the GKE service agent exists");
  });

  it("keeps nodes private and runs them as a least-privilege service account", () => {
    const cluster = one(gke(), "gcp:container/cluster:Cluster", "gke-cluster");
    assert.equal(cluster.inputs.privateClusterConfig.enablePrivateNodes, true);
    assert.equal(cluster.inputs.privateClusterConfig.masterIpv4CidrBlock, "172.16.0.0/28");
    const roles = all(gke(), "gcp:projects/iAMMember:IAMMember").map((m) => m.inputs.role).sort();
    assert.deepEqual(roles, Object.values(GKE_NODE_ROLES).sort());
    for (const member of all(gke(), "gcp:projects/iAMMember:IAMMember")) {
      assert.equal(member.inputs.member, "serviceAccount:gke-nodes@mock-project.iam.gserviceaccount.com");
    }
    const nodeConfig = one(gke(), "gcp:container/nodePool:NodePool", "gke-pool-general").inputs.nodeConfig;
    assert.equal(nodeConfig.serviceAccount, "gke-nodes@mock-project.iam.gserviceaccount.com");
    assert.deepEqual(nodeConfig.oauthScopes, ["https://www.googleapis.com/auth/cloud-platform"]);
    assert.deepEqual(nodeConfig.workloadMetadataConfig, { mode: "GKE_METADATA" });
    assert.deepEqual(nodeConfig.shieldedInstanceConfig, { enableSecureBoot: true, enableIntegrityMonitoring: true });
    assert.equal(nodeConfig.diskType, "pd-balanced");
  });

  it("gives private nodes egress through Cloud NAT and Google APIs through Private Google Access", () => {
    const subnet = one(gke(), "gcp:compute/subnetwork:Subnetwork", "gke-subnet");
    assert.equal(subnet.inputs.privateIpGoogleAccess, true);
    assert.deepEqual(subnet.inputs.secondaryIpRanges, [
      { rangeName: "pods", ipCidrRange: "10.20.0.0/14" },
      { rangeName: "services", ipCidrRange: "10.24.0.0/20" },
    ]);
    assert.ok(subnet.inputs.logConfig, "flow logs must be on");
    assert.equal(one(gke(), "gcp:compute/network:Network", "gke-network").inputs.autoCreateSubnetworks, false);
    one(gke(), "gcp:compute/router:Router", "gke-router");
    const nat = one(gke(), "gcp:compute/routerNat:RouterNat", "gke-nat");
    assert.equal(nat.inputs.sourceSubnetworkIpRangesToNat, "ALL_SUBNETWORKS_ALL_IP_RANGES");
  });

  it("limits the public endpoint to the configured CIDRs", () => {
    const cluster = one(gke(), "gcp:container/cluster:Cluster", "gke-cluster");
    assert.equal(cluster.inputs.privateClusterConfig.enablePrivateEndpoint, false);
    assert.deepEqual(cluster.inputs.masterAuthorizedNetworksConfig, {
      cidrBlocks: [{ cidrBlock: OPERATORS, displayName: "operators-0" }],
      gcpPublicCidrsAccessEnabled: false,
    });
  });

  it("keeps the endpoint private when no CIDR is configured", () => {
    const cluster = one(gkeDev(), "gcp:container/cluster:Cluster", "gke-dev-cluster");
    assert.equal(cluster.inputs.privateClusterConfig.enablePrivateEndpoint, true);
    assert.deepEqual(cluster.inputs.masterAuthorizedNetworksConfig.cidrBlocks, []);
  });

  it("runs a regional, VPC-native cluster with Dataplane V2, Workload Identity and full telemetry", () => {
    const cluster = one(gke(), "gcp:container/cluster:Cluster", "gke-cluster");
    assert.equal(cluster.inputs.name, "gke");
    assert.equal(cluster.inputs.location, "europe-west1");
    assert.equal(cluster.inputs.removeDefaultNodePool, true);
    assert.equal(cluster.inputs.networkingMode, "VPC_NATIVE");
    assert.deepEqual(cluster.inputs.ipAllocationPolicy, { clusterSecondaryRangeName: "pods", servicesSecondaryRangeName: "services" });
    assert.equal(cluster.inputs.datapathProvider, "ADVANCED_DATAPATH");
    assert.deepEqual(cluster.inputs.workloadIdentityConfig, { workloadPool: "acme-prod.svc.id.goog" });
    assert.equal(cluster.inputs.enableShieldedNodes, true);
    assert.deepEqual(cluster.inputs.releaseChannel, { channel: "REGULAR" });
    assert.ok(cluster.inputs.loggingConfig.enableComponents.includes("WORKLOADS"));
    assert.ok(cluster.inputs.loggingConfig.enableComponents.includes("APISERVER"));
    assert.ok(cluster.inputs.monitoringConfig.enableComponents.includes("SYSTEM_COMPONENTS"));
  });

  it("autoscales node pools per zone across the region's zones", () => {
    const pool = one(gke(), "gcp:container/nodePool:NodePool", "gke-pool-general");
    assert.equal(pool.inputs.name, "general");
    assert.equal(pool.inputs.cluster, "gke");
    assert.deepEqual(pool.inputs.nodeLocations, ["mock-region-a", "mock-region-b", "mock-region-c"]);
    assert.equal(pool.inputs.autoscaling.minNodeCount, 1);
    assert.equal(pool.inputs.autoscaling.maxNodeCount, 3);
    assert.deepEqual(pool.inputs.management, { autoRepair: true, autoUpgrade: true });
    assert.deepEqual(program.outputs.gkeZones, ["mock-region-a", "mock-region-b", "mock-region-c"]);
  });

  it("enables the APIs it needs and leaves them on when destroyed", () => {
    const services = all(gke(), "gcp:projects/service:Service");
    assert.deepEqual(
      services.map((s) => s.inputs.service).sort(),
      ["cloudkms.googleapis.com", "compute.googleapis.com", "container.googleapis.com", "iam.googleapis.com"],
    );
    for (const service of services) assert.equal(service.inputs.disableOnDestroy, false);
  });

  it("protects and retains the cluster, its KMS key and its network in prod", () => {
    for (const [type, name] of [
      ["gcp:container/cluster:Cluster", "gke-cluster"],
      ["gcp:kms/cryptoKey:CryptoKey", "gke-secrets-key"],
      ["gcp:kms/keyRing:KeyRing", "gke-keyring"],
      ["gcp:compute/network:Network", "gke-network"],
    ]) {
      const resource = one(gke(), type, name);
      assert.equal(resource.protect, true, `${name} must be protected`);
      assert.equal(resource.retainOnDelete, true, `${name} must be retained`);
    }
    assert.equal(one(gke(), "gcp:container/cluster:Cluster", "gke-cluster").inputs.deletionProtection, true);
    assert.equal(one(gkeDev(), "gcp:container/cluster:Cluster", "gke-dev-cluster").inputs.deletionProtection, false);
    assert.deepEqual(gkeDev().filter((r) => r.protect || r.retainOnDelete).map((r) => r.name), []);
  });

  it("uses the explicit provider for every Google Cloud resource", () => {
    for (const children of [gke(), gkeDev()]) {
      const provider = children.find((r) => r.type === "pulumi:providers:gcp");
      assert.ok(provider);
      const gcpResources = children.filter((r) => r.type.startsWith("gcp:"));
      assert.ok(gcpResources.length > 15);
      for (const resource of gcpResources) {
        assert.ok(resource.provider?.startsWith(`${provider.urn}::`), `${resource.name} must use ${provider.name}`);
      }
    }
    const provider = one(gke(), "pulumi:providers:gcp", "gke-gcp");
    assert.equal(provider.inputs.project, "acme-prod");
    assert.equal(provider.inputs.region, "europe-west1");
    assert.deepEqual(JSON.parse(provider.inputs.defaultLabels), { team: "platform" });
  });

  it("names every child after the component in kebab case", () => {
    for (const resource of gke()) assert.match(resource.name, /^gke-[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it("keeps the kubeconfig secret and waits for the node pools before using it", () => {
    const provider = one(gke(), "pulumi:providers:kubernetes", "gke-k8s");
    assert.equal(provider.redactedInputs.kubeconfig, "[secret]");
    assert.equal(provider.inputs.enableServerSideApply, "true");
    assert.ok(provider.dependencies.includes(one(gke(), "gcp:container/nodePool:NodePool", "gke-pool-general").urn));
    assert.equal(program.outputs.gkeKubeconfig, "[secret]");
    const kubeconfig = JSON.parse(provider.inputs.kubeconfig);
    assert.equal(kubeconfig.clusters[0].cluster.server, "https://203.0.113.10");
    assert.equal(kubeconfig.users[0].user.exec.command, "gke-gcloud-auth-plugin");
  });

  it("hands components a platform with standard-rwo and the L4 backend-service annotation", () => {
    assert.equal(gkePlatform.flavour, "gke");
    assert.equal(gkePlatform.storageClass, "standard-rwo");
    assert.equal(gkePlatform.ingress.serviceType, "LoadBalancer");
    assert.deepEqual(gkePlatform.ingress.serviceAnnotations, { "cloud.google.com/l4-rbs": "enabled" });
  });
});

describe("validateEksClusterArgs", () => {
  it("accepts the documented defaults", () => {
    assert.deepEqual(validateEksClusterArgs(eksProdArgs, "eks"), []);
    assert.deepEqual(validateEksClusterArgs(eksDevArgs, "eks-dev"), []);
  });

  it("refuses fewer than two zones, and fewer than three in prod", () => {
    assert.deepEqual(validateEksClusterArgs({ ...eksDevArgs, availabilityZoneCount: 1 }), ["`availabilityZoneCount` must be at least 2 (got 1)"]);
    assert.deepEqual(validateEksClusterArgs({ ...eksProdArgs, availabilityZoneCount: 2 }), [
      "`availabilityZoneCount` must be at least 3 in prod (got 2)",
    ]);
  });

  it("refuses an endpoint open to the world in prod, but not in dev", () => {
    const problems = validateEksClusterArgs({ ...eksProdArgs, endpointPublicAccessCidrs: ["0.0.0.0/0"] });
    assert.equal(problems.length, 1);
    assert.match(problems[0], /^`endpointPublicAccessCidrs` must not contain 0\.0\.0\.0\/0 in prod/);
    assert.deepEqual(validateEksClusterArgs({ ...eksDevArgs, endpointPublicAccessCidrs: ["0.0.0.0/0"] }), []);
  });

  it("refuses malformed CIDRs", () => {
    assert.deepEqual(validateEksClusterArgs({ ...eksDevArgs, endpointPublicAccessCidrs: ["203.0.113.7/24", "example.com"] }), [
      "`endpointPublicAccessCidrs[0]` 203.0.113.7/24 has host bits set; did you mean 203.0.113.0/24?",
      '`endpointPublicAccessCidrs[1]` must be an IPv4 CIDR block such as 203.0.113.0/24 (got "example.com")',
    ]);
  });

  it("refuses node group sizes out of order", () => {
    assert.deepEqual(validateEksClusterArgs({ ...eksDevArgs, nodeGroups: [{ name: "general", minSize: 4, maxSize: 3 }] }), [
      "`nodeGroups[0].minSize` (4) must not exceed `maxSize` (3)",
    ]);
    assert.deepEqual(validateEksClusterArgs({ ...eksDevArgs, nodeGroups: [{ name: "general", minSize: 1, maxSize: 3, desiredSize: 5 }] }), [
      "`nodeGroups[0].desiredSize` (5) must be between `minSize` (1) and `maxSize` (3)",
    ]);
  });

  it("refuses duplicate node group names, a VPC too small for its zones and an unsupported log retention", () => {
    const problems = validateEksClusterArgs({
      ...eksProdArgs,
      vpcCidr: "10.0.0.0/26",
      nodeGroups: [{ name: "general" }, { name: "general" }],
      logRetentionDays: 45,
    });
    assert.equal(problems.length, 3);
    assert.match(problems[0], /^`vpcCidr` 10\.0\.0\.0\/26 is too small for 3 zones/);
    assert.equal(problems[1], '`nodeGroups[1].name` "general" is used by another node group');
    assert.match(problems[2], /^`logRetentionDays` must be one of the periods CloudWatch Logs accepts .* \(got 45\)$/);
  });

  it("refuses a component name EKS cannot use as a cluster name", () => {
    assert.equal(validateEksClusterArgs(eksDevArgs, "my cluster").length, 1);
  });

  it("refuses a cluster name, component and stack together, over EKS's 100 characters", () => {
    assert.deepEqual(validateEksClusterArgs(eksDevArgs, "platform", "s".repeat(91)), []);
    assert.deepEqual(validateEksClusterArgs(eksDevArgs, "platform", "s".repeat(92)), [
      `the EKS cluster name "platform-${"s".repeat(92)}" (component name and stack) is 101 characters, more than EKS's 100; use a shorter component or stack name`,
    ]);
  });

  it("refuses access entries that are not IAM role or user ARNs, name a principal twice or an unknown policy", () => {
    const problems = validateEksClusterArgs({
      ...eksDevArgs,
      accessEntries: [
        { principalArn: "arn:aws:sts::123456789012:assumed-role/ci/gha-run", policy: "admin" },
        { principalArn: "ci", policy: "edit" },
        { principalArn: "arn:aws:iam::123456789012:group/devs", policy: "view" },
        { principalArn: CI_ROLE, policy: "edit" },
        { principalArn: "arn:aws:iam::123456789012:role/path/CI", policy: "view" },
        { principalArn: "arn:aws:iam::123456789012:user/alice", policy: "owner" as "view" },
      ],
    });
    assert.deepEqual(problems, [
      '`accessEntries[0].principalArn` is an STS assumed-role session ("arn:aws:sts::123456789012:assumed-role/ci/gha-run"); give the role\'s ARN, arn:aws:iam::<account>:role/<name>',
      '`accessEntries[1].principalArn` must be an IAM role or user ARN such as arn:aws:iam::123456789012:role/ci (got "ci")',
      '`accessEntries[2].principalArn` must be an IAM role or user ARN such as arn:aws:iam::123456789012:role/ci (got "arn:aws:iam::123456789012:group/devs")',
      "`accessEntries[4].principalArn` names the same principal as `accessEntries[3]`; EKS allows one access entry per principal",
      '`accessEntries[5].policy` must be one of cluster-admin, admin, edit, view (got "owner")',
    ]);
    assert.deepEqual(validateEksClusterArgs({ ...eksDevArgs, accessEntries: [{ principalArn: "arn:aws-us-gov:iam::123456789012:user/ops/alice", policy: "view" }] }), []);
  });

  it("refuses a Karpenter CPU limit below one vCPU and an AMI alias its EC2NodeClass would refuse", () => {
    assert.deepEqual(validateEksClusterArgs({ ...eksDevArgs, karpenter: { cpuLimit: 0, amiAlias: "al2023@latest" } }), [
      "`karpenter.cpuLimit` must be a whole number of vCPUs, at least 1 (got 0)",
    ]);
    for (const amiAlias of ["ubuntu@v1", "al2023", "windows2022@v20260714", `al2023@v${"1".repeat(30)}`]) {
      const problems = validateEksClusterArgs({ ...eksDevArgs, karpenter: { amiAlias } });
      assert.equal(problems.length, 1, amiAlias);
      assert.match(problems[0], /^`karpenter\.amiAlias` must be "family@version"/);
    }
    for (const amiAlias of ["bottlerocket@v1.10.0", "windows2022@latest", "al2023@v20260714"]) assert.deepEqual(validateEksClusterArgs({ ...eksDevArgs, karpenter: { amiAlias } }), [], amiAlias);
  });
});

describe("validateGkeClusterArgs", () => {
  it("accepts the documented defaults", () => {
    assert.deepEqual(validateGkeClusterArgs(gkeProdArgs, "gke"), []);
    assert.deepEqual(validateGkeClusterArgs(gkeDevArgs, "gke-dev"), []);
  });

  it("refuses an endpoint open to the world in prod", () => {
    const problems = validateGkeClusterArgs({ ...gkeProdArgs, endpointPublicAccessCidrs: ["0.0.0.0/0"] });
    assert.equal(problems.length, 1);
    assert.match(problems[0], /^`endpointPublicAccessCidrs` must not contain 0\.0\.0\.0\/0 in prod/);
  });

  it("refuses a node pool whose minimum exceeds its maximum", () => {
    assert.deepEqual(validateGkeClusterArgs({ ...gkeDevArgs, nodePools: [{ name: "general", minNodesPerZone: 5, maxNodesPerZone: 2 }] }), [
      "`nodePools[0].minNodesPerZone` (5) must not exceed `maxNodesPerZone` (2)",
    ]);
  });

  it("refuses a control-plane range that is not a /28", () => {
    assert.deepEqual(validateGkeClusterArgs({ ...gkeDevArgs, masterIpv4CidrBlock: "172.16.0.0/24" }), [
      "`masterIpv4CidrBlock` must be a /28, as GKE requires (got 172.16.0.0/24)",
    ]);
  });

  it("refuses overlapping ranges and reports every problem at once", () => {
    const problems = validateGkeClusterArgs({ ...gkeDevArgs, podsCidr: "10.10.0.0/16", project: "X", labels: { Team: "a" } });
    assert.equal(problems.length, 3);
    assert.match(problems[0], /^`project` must be a Google Cloud project ID/);
    assert.equal(problems[1], "`subnetCidr` (10.10.0.0/20) and `podsCidr` (10.10.0.0/16) must not overlap");
    assert.match(problems[2], /^`labels` "Team": "a" is not a Google Cloud label/);
  });

  it("refuses a webhook port that is not a TCP port", () => {
    assert.deepEqual(validateGkeClusterArgs({ ...gkeDevArgs, webhookPorts: [9443, 0, 70000] }), [
      "`webhookPorts[1]` must be a TCP port from 1 to 65535 (got 0)",
      "`webhookPorts[2]` must be a TCP port from 1 to 65535 (got 70000)",
    ]);
  });

  it("refuses a component name GKE cannot use as a cluster name", () => {
    assert.equal(validateGkeClusterArgs(gkeDevArgs, "GKE_Cluster").length, 1);
  });
});

describe("pure functions", () => {
  it("splits a /16 into large private and small public subnets, one each per zone", () => {
    assert.deepEqual(subnetCidrs("10.0.0.0/16", 3), {
      private: ["10.0.0.0/19", "10.0.32.0/19", "10.0.64.0/19"],
      public: ["10.0.128.0/21", "10.0.136.0/21", "10.0.144.0/21"],
    });
    assert.deepEqual(subnetCidrs("10.0.0.0/16", 2), {
      private: ["10.0.0.0/18", "10.0.64.0/18"],
      public: ["10.0.128.0/20", "10.0.144.0/20"],
    });
  });

  it("refuses impossible VPC blocks", () => {
    assert.throws(() => subnetCidrs("10.0.0.0/26", 3), /`vpcCidr` 10\.0\.0\.0\/26 is too small for 3 zones: the public subnets would be \/31/);
    assert.throws(() => subnetCidrs("10.0.0.1/16", 3), /`vpcCidr` 10\.0\.0\.1\/16 has host bits set; did you mean 10\.0\.0\.0\/16\?/);
    assert.throws(() => subnetCidrs("10.0.0.0/8", 3), /`vpcCidr` must be between \/16 and \/28/);
    assert.throws(() => subnetCidrs("ten", 3), /`vpcCidr` must be an IPv4 CIDR block/);
    assert.throws(() => subnetCidrs("10.0.0.0/16", 0), /zone count must be a positive integer/);
  });

  it("puts a NAT gateway in every zone only in prod", () => {
    assert.equal(natGatewayCount("prod", 3), 3);
    assert.equal(natGatewayCount("staging", 3), 1);
    assert.equal(natGatewayCount("dev", 2), 1);
  });

  it("protects and retains stateful resources only when asked, leaving a parent's protect alone otherwise", () => {
    assert.deepEqual(statefulResourceOptions(true), { protect: true, retainOnDelete: true });
    assert.deepEqual(statefulResourceOptions(false), {});
  });

  it("fills in the documented defaults", () => {
    const eksResolved = resolveEksClusterArgs(eksDevArgs);
    assert.equal(eksResolved.availabilityZoneCount, 2);
    assert.equal(eksResolved.kubernetesVersion, "1.34");
    assert.equal(eksResolved.protect, false);
    assert.deepEqual(eksResolved.nodeGroups, [
      { name: "general", instanceTypes: ["m6i.large"], minSize: 2, maxSize: 6, desiredSize: 2, diskSizeGiB: 50, capacityType: "ON_DEMAND", labels: {} },
    ]);
    // Prod: 3 × m6i.xlarge (4 vCPU, 16 GiB each), unless the group says otherwise.
    assert.deepEqual(resolveEksClusterArgs(eksProdArgs).nodeGroups, [
      { name: "general", instanceTypes: ["m6i.xlarge"], minSize: 3, maxSize: 6, desiredSize: 3, diskSizeGiB: 50, capacityType: "ON_DEMAND", labels: {} },
    ]);
    assert.deepEqual(resolveEksClusterArgs({ ...eksProdArgs, nodeGroups: [{ name: "small", instanceTypes: ["m6i.large"], minSize: 2 }] }).nodeGroups[0].instanceTypes, ["m6i.large"]);
    assert.deepEqual(resolveEksClusterArgs({ environment: "dev", region: "eu-west-1" }).karpenter, { enabled: true, cpuLimit: 64, amiAlias: "al2023@v20260714" });
    assert.deepEqual(eksResolved.karpenter, { enabled: false, cpuLimit: 64, amiAlias: "al2023@v20260714" });
    assert.deepEqual(eksResolved.accessEntries, []);
    assert.equal(resolveEksClusterArgs(eksProdArgs).availabilityZoneCount, 3);
    assert.equal(resolveEksClusterArgs(eksProdArgs).protect, true);
    assert.equal(resolveEksClusterArgs({ ...eksProdArgs, protect: false }).protect, false);
    const gkeResolved = resolveGkeClusterArgs(gkeDevArgs);
    assert.equal(gkeResolved.releaseChannel, "REGULAR");
    assert.equal(gkeResolved.protect, false);
    assert.deepEqual(gkeResolved.nodePools, [
      { name: "general", machineType: "e2-standard-4", minNodesPerZone: 1, maxNodesPerZone: 3, diskSizeGiB: 100, spot: false, labels: {} },
    ]);
  });

  it("writes an EKS kubeconfig that authenticates with aws eks get-token", () => {
    const config = JSON.parse(
      eksKubeconfig({ clusterName: "c", endpoint: "https://c.example", certificateAuthorityData: "Q0E=", region: "eu-west-1" }),
    );
    assert.equal(config["current-context"], "c");
    assert.equal(config.clusters[0].cluster["certificate-authority-data"], "Q0E=");
    const exec = config.users[0].user.exec;
    assert.equal(exec.apiVersion, "client.authentication.k8s.io/v1beta1");
    assert.equal(exec.command, "aws");
    assert.deepEqual(exec.args, ["eks", "get-token", "--cluster-name", "c", "--region", "eu-west-1", "--output", "json"]);
    assert.equal(JSON.stringify(config).includes("token\":"), false, "no static token");
  });

  it("writes a GKE kubeconfig that authenticates with gke-gcloud-auth-plugin", () => {
    const config = JSON.parse(
      gkeKubeconfig({ project: "p", region: "europe-west1", clusterName: "c", endpoint: "203.0.113.10", clusterCaCertificate: "Q0E=" }),
    );
    assert.equal(config["current-context"], "gke_p_europe-west1_c");
    assert.equal(config.clusters[0].cluster.server, "https://203.0.113.10");
    assert.equal(config.users[0].user.exec.apiVersion, "client.authentication.k8s.io/v1beta1");
    assert.equal(config.users[0].user.exec.command, "gke-gcloud-auth-plugin");
  });

  it("derives per-stack physical names within EKS's and IAM's limits", () => {
    assert.equal(eksClusterName("platform", "prod"), "platform-prod");
    assert.equal(eksClusterName("platform", "team.prod"), "platform-team-prod", "EKS refuses dots");
    assert.equal(iamRoleNamePrefix("platform-prod", "karpenter-node"), "platform-prod-karpenter-node-");
    const long = iamRoleNamePrefix(`platform-${"x".repeat(90)}`, "karpenter-node");
    assert.equal(long.length, 38, "IAM's 64 characters less the provider's 26-character suffix");
    assert.match(long, /^platform-x+-karpenter-node-$/);
    assert.equal(iamRoleNamePrefix("platform-", "node"), "platform-node-", "no double dash");
    assert.throws(() => iamRoleNamePrefix("p", "x".repeat(36)), /too long/);
  });

  it("reads IAM principal ARNs and keys access entries by principal, not position", () => {
    assert.deepEqual(parseIamPrincipalArn(OPERATORS_ROLE), { partition: "aws", accountId: "123456789012", kind: "role", path: "/teams/", name: "Platform-Operators" });
    assert.equal(parseIamPrincipalArn("arn:aws:iam::123456789012:root"), undefined);
    assert.equal(parseIamPrincipalArn("arn:aws:iam::12345:role/ci"), undefined);
    assert.equal(accessEntryKey(OPERATORS_ROLE), "123456789012-role-platform-operators");
    assert.equal(accessEntryKey("arn:aws:iam::123456789012:user/alice@example.com"), "123456789012-user-alice-example-com");
    assert.throws(() => accessEntryKey("ci"), /not an IAM role or user ARN/);
  });

  it("lets only the named service account assume an IRSA role", () => {
    const policy = JSON.parse(irsaAssumeRolePolicy("arn:oidc", "https://oidc.example/id/X", "ns", "sa"));
    assert.deepEqual(policy.Statement[0].Condition.StringEquals, {
      "oidc.example/id/X:sub": "system:serviceaccount:ns:sa",
      "oidc.example/id/X:aud": "sts.amazonaws.com",
    });
  });

  it("keeps service account IDs within Google Cloud's 30 characters", () => {
    assert.equal(gkeNodeServiceAccountId("gke"), "gke-nodes");
    const long = gkeNodeServiceAccountId("a-very-long-cluster-name-for-tests");
    assert.ok(long.length <= 30, long);
    assert.match(long, /^[a-z]([-a-z0-9]*[a-z0-9])$/);
    assert.equal(gkeServiceAgentMember("42"), "serviceAccount:service-42@container-engine-robot.iam.gserviceaccount.com");
  });
});
