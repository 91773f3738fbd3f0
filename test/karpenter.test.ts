/**
 * Karpenter on EKS under Pulumi's mock runtime, as the composition root installs it by default: the
 * resources of its getting-started CloudFormation template (node role and access entry, controller
 * policies and IRSA role, interruption queue and rules), the pinned release and its values, and the
 * default EC2NodeClass and NodePool checked against the v1.14.1 CRDs. The prod stack is planned
 * whole, with Karpenter on and off, through the plan CLI.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { captureProgram, type CapturedProgram, type CapturedResource } from "../plan/capture";
import type { PlanJson } from "../plan/report";
import { createKarpenter } from "../components/addons/eks";
import {
  KARPENTER_INTERRUPTION_RULES,
  karpenterChart,
  karpenterControllerPolicies,
  karpenterInterruptionQueuePolicy,
  karpenterNodeClass,
  karpenterNodePool,
  karpenterQueueName,
  karpenterValues,
} from "../components/addons";
import type { KubernetesPlatform } from "../components/contract/platform";
import type { IamPolicyDocument, IamPolicyStatement } from "../components/platform/identity/aws";
import { foundation } from "../stacks/foundation";
import { crdSchemaErrors, crdSkipReason } from "./support/crd-schema";
import { chartsSkipReason, checkRelease } from "./support/helm-charts";

const root = path.resolve(__dirname, "..");
const CLUSTER = "platform-test";
const ACCOUNT = "123456789012";
const ISSUER = "oidc.eks.mock-region.amazonaws.com/id/PLATFORM-CLUSTER";
const NODE_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/platform-karpenter-node-role`;
const QUEUE_ARN = `arn:aws:sqs:eu-west-1:${ACCOUNT}:${CLUSTER}`;
const CLUSTER_ARN = `arn:aws:eks:eu-west-1:${ACCOUNT}:cluster/${CLUSTER}`;

let program: CapturedProgram;
let platform: KubernetesPlatform;
const refusals: Record<string, Error | undefined> = {};

before(async () => {
  program = await captureProgram(
    () => {
      platform = foundation({ target: "eks", environment: "prod", eks: { region: "eu-west-1", endpointPublicAccessCidrs: ["203.0.113.0/24"] } }).platform as KubernetesPlatform;
      const attempts: Record<string, () => unknown> = {
        k3s: () => createKarpenter("on-k3s", { platform: { ...platform, flavour: "k3s", cloud: undefined } }),
        cpu: () => createKarpenter("no-cpu", { platform, cpuLimit: 0 }),
      };
      for (const [key, attempt] of Object.entries(attempts)) {
        try {
          attempt();
        } catch (error) {
          refusals[key] = error as Error;
        }
      }
    },
    { project: "platform", stack: "test" },
  );
});

function one(type: string, name: string): CapturedResource {
  const found = program.resources.filter((r) => r.type === type && r.name === name);
  assert.equal(found.length, 1, `expected one ${type} named ${name}`);
  return found[0];
}

const release = () => one("kubernetes:helm.sh/v3:Release", "platform-karpenter-release");
const nodeClass = () => one("kubernetes:karpenter.k8s.aws/v1:EC2NodeClass", "platform-karpenter-node-class");
const nodePool = () => one("kubernetes:karpenter.sh/v1:NodePool", "platform-karpenter-node-pool");
const queue = () => one("aws:sqs/queue:Queue", "platform-karpenter-interruption-queue");
const actions = (s: IamPolicyStatement) => (typeof s.Action === "string" ? [s.Action] : [...s.Action]);
const policyOf = (key: string): IamPolicyDocument => JSON.parse(one("aws:iam/policy:Policy", `platform-karpenter-${key}-policy`).inputs.policy);

/**
 * The actions of each controller policy of the v1.14 getting-started CloudFormation template
 * (website/content/en/v1.14/getting-started/getting-started-with-karpenter/cloudformation.yaml, tag v1.14.1), by statement.
 */
const TEMPLATE_ACTIONS: Record<string, Record<string, string[]>> = {
  "node-lifecycle": {
    AllowScopedEC2InstanceAccessActions: ["ec2:RunInstances", "ec2:CreateFleet"],
    AllowScopedEC2LaunchTemplateAccessActions: ["ec2:RunInstances", "ec2:CreateFleet"],
    AllowScopedEC2InstanceActionsWithTags: ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"],
    AllowScopedResourceCreationTagging: ["ec2:CreateTags"],
    AllowScopedResourceTagging: ["ec2:CreateTags"],
    AllowScopedDeletion: ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
  },
  "iam-integration": {
    AllowPassingInstanceRole: ["iam:PassRole"],
    AllowScopedInstanceProfileCreationActions: ["iam:CreateInstanceProfile"],
    AllowScopedInstanceProfileTagActions: ["iam:TagInstanceProfile"],
    AllowScopedInstanceProfileActions: ["iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile"],
  },
  "eks-integration": { AllowAPIServerEndpointDiscovery: ["eks:DescribeCluster"] },
  interruption: { AllowInterruptionQueueActions: ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"] },
  "resource-discovery": {
    AllowRegionalReadActions: [
      "ec2:DescribeCapacityReservations",
      "ec2:DescribeImages",
      "ec2:DescribeInstances",
      "ec2:DescribeInstanceStatus",
      "ec2:DescribeInstanceTypeOfferings",
      "ec2:DescribeInstanceTypes",
      "ec2:DescribeLaunchTemplates",
      "ec2:DescribePlacementGroups",
      "ec2:DescribeSecurityGroups",
      "ec2:DescribeSpotPriceHistory",
      "ec2:DescribeSubnets",
    ],
    AllowSSMReadActions: ["ssm:GetParameter"],
    AllowPricingReadActions: ["pricing:GetProducts"],
    AllowUnscopedInstanceProfileListAction: ["iam:ListInstanceProfiles"],
    AllowInstanceProfileReadActions: ["iam:GetInstanceProfile"],
  },
  "zonal-shift": { AllowZonalShiftStatusReadOnly: ["arc-zonal-shift:GetManagedResource"] },
};

describe("Karpenter on EKS", () => {
  it("installs the pinned chart from Karpenter's public ECR registry into kube-system", () => {
    const inputs = release().inputs;
    assert.deepEqual([inputs.name, inputs.chart, inputs.version, inputs.namespace, inputs.atomic], ["karpenter", "oci://public.ecr.aws/karpenter/karpenter", "1.14.1", "kube-system", true]);
    assert.equal(inputs.version, karpenterChart.version);
    assert.equal(inputs.repositoryOpts, undefined, "an OCI chart needs no repository");
    assert.ok(release().provider?.startsWith(`${one("pulumi:providers:kubernetes", "platform-k8s").urn}::`));
  });

  it("tells the controller its cluster, interruption queue and IRSA role, two replicas with requests and limits", () => {
    const roleArn = `arn:aws:iam::${ACCOUNT}:role/platform-karpenter-controller-role`;
    assert.deepEqual(release().inputs.values, {
      settings: { clusterName: CLUSTER, interruptionQueue: CLUSTER },
      serviceAccount: { create: true, name: "karpenter", annotations: { "eks.amazonaws.com/role-arn": roleArn } },
      replicas: 2,
      controller: { resources: { requests: { cpu: "250m", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } } },
    });
    assert.deepEqual(release().inputs.values, karpenterValues({ clusterName: CLUSTER, interruptionQueue: CLUSTER, roleArn }));
    assert.equal(release().inputs.values.settings.interruptionQueue, queue().inputs.name, "the queue the controller reads is the one the rules feed");
  });

  it("sets only values the pinned chart declares", { skip: chartsSkipReason() }, () => {
    assert.deepEqual(checkRelease("karpenter", "1.14.1", release().inputs.values).problems, []);
    const typo = checkRelease("karpenter", "1.14.1", { settings: { clusterNAME: CLUSTER }, replicaCount: 2 }).problems;
    assert.equal(typo.length, 2, typo.join("\n"));
  });

  it("lets only kube-system/karpenter assume the controller role, through the cluster's OIDC provider", () => {
    const role = one("aws:iam/role:Role", "platform-karpenter-controller-role");
    assert.equal(role.inputs.namePrefix, `${CLUSTER}-karpenter-`);
    assert.deepEqual(JSON.parse(role.inputs.assumeRolePolicy).Statement, [
      {
        Effect: "Allow",
        Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/platform-oidc` },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: { StringEquals: { [`${ISSUER}:sub`]: "system:serviceaccount:kube-system:karpenter", [`${ISSUER}:aud`]: "sts.amazonaws.com" } },
      },
    ]);
  });

  it("attaches the getting-started template's six controller policies, action for action, and installs the release after them", () => {
    for (const [key, statements] of Object.entries(TEMPLATE_ACTIONS)) {
      const policy = policyOf(key);
      assert.deepEqual(Object.fromEntries(policy.Statement.map((s) => [s.Sid, actions(s)])), statements, key);
      assert.ok(policy.Statement.every((s) => s.Effect === "Allow"), key);
      const attachment = one("aws:iam/rolePolicyAttachment:RolePolicyAttachment", `platform-karpenter-${key}-attachment`);
      assert.deepEqual([attachment.inputs.role, attachment.inputs.policyArn], ["platform-karpenter-controller-role", `arn:aws:iam::${ACCOUNT}:policy/platform-karpenter-${key}-policy`]);
      assert.ok(release().dependencies.includes(attachment.urn), `the controller must not start without ${key}`);
    }
    // The built documents are the pure function's, for this cluster, region and account.
    const documents = karpenterControllerPolicies({ partition: "aws", region: "eu-west-1", accountId: ACCOUNT, clusterName: CLUSTER, nodeRoleArn: NODE_ROLE_ARN, queueArn: QUEUE_ARN });
    for (const key of Object.keys(TEMPLATE_ACTIONS)) assert.deepEqual(policyOf(key), documents[key as keyof typeof documents], key);
  });

  it("scopes the controller to its cluster: its node role, its queue, its cluster's tags", () => {
    const statement = (key: string, sid: string) => policyOf(key).Statement.find((s) => s.Sid === sid)!;
    assert.deepEqual(statement("iam-integration", "AllowPassingInstanceRole"), {
      Sid: "AllowPassingInstanceRole",
      Effect: "Allow",
      Resource: NODE_ROLE_ARN,
      Action: "iam:PassRole",
      Condition: { StringEquals: { "iam:PassedToService": ["ec2.amazonaws.com", "ec2.amazonaws.com.cn"] } },
    });
    assert.equal(statement("eks-integration", "AllowAPIServerEndpointDiscovery").Resource, CLUSTER_ARN);
    assert.equal(statement("interruption", "AllowInterruptionQueueActions").Resource, QUEUE_ARN);
    assert.deepEqual(statement("zonal-shift", "AllowZonalShiftStatusReadOnly").Condition, { StringEquals: { "arc-zonal-shift:ResourceIdentifier": CLUSTER_ARN } });
    assert.deepEqual(statement("node-lifecycle", "AllowScopedDeletion"), {
      Sid: "AllowScopedDeletion",
      Effect: "Allow",
      Resource: ["arn:aws:ec2:eu-west-1:*:instance/*", "arn:aws:ec2:eu-west-1:*:launch-template/*"],
      Action: ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
      Condition: { StringEquals: { [`aws:ResourceTag/kubernetes.io/cluster/${CLUSTER}`]: "owned" }, StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" } },
    });
    assert.deepEqual(statement("node-lifecycle", "AllowScopedEC2InstanceActionsWithTags").Condition, {
      StringEquals: { [`aws:RequestTag/kubernetes.io/cluster/${CLUSTER}`]: "owned", "aws:RequestTag/eks:eks-cluster-name": CLUSTER },
      StringLike: { "aws:RequestTag/karpenter.sh/nodepool": "*" },
    });
    assert.deepEqual(statement("resource-discovery", "AllowRegionalReadActions").Condition, { StringEquals: { "aws:RequestedRegion": "eu-west-1" } });
    // What is not scoped to a resource is read-only (Describe, Get, List), as in the template.
    for (const key of Object.keys(TEMPLATE_ACTIONS)) {
      for (const s of policyOf(key).Statement) {
        for (const action of actions(s)) assert.ok(!action.includes("*"), `${key}: ${action} is a wildcard`);
        if (s.Resource === "*") assert.ok(actions(s).every((a) => /:(Describe|Get|List)/.test(a)), `${key} ${s.Sid} is unscoped`);
      }
    }
    // Another cluster gets other conditions: nothing is hard-wired.
    const other = karpenterControllerPolicies({ partition: "aws", region: "us-east-1", accountId: "210987654321", clusterName: "other", nodeRoleArn: "r", queueArn: "q" });
    assert.equal(JSON.stringify(other).includes(CLUSTER), false);
    assert.equal(JSON.stringify(other).includes("eu-west-1"), false);
  });

  it("gives Karpenter's nodes a role with the template's four node policies and an EC2_LINUX access entry, so they join", () => {
    const role = one("aws:iam/role:Role", "platform-karpenter-node-role");
    assert.equal(role.inputs.namePrefix, `${CLUSTER}-karpenter-node-`);
    assert.deepEqual(JSON.parse(role.inputs.assumeRolePolicy).Statement, [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }]);
    const attached = program.resources
      .filter((r) => r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment" && r.inputs.role === "platform-karpenter-node-role")
      .map((r) => r.inputs.policyArn)
      .sort();
    assert.deepEqual(attached, [
      "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly",
      "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
      "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
      "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
    ]);
    const entry = one("aws:eks/accessEntry:AccessEntry", "platform-karpenter-node-access");
    assert.deepEqual([entry.inputs.clusterName, entry.inputs.principalArn, entry.inputs.type, entry.inputs.kubernetesGroups], [CLUSTER, NODE_ROLE_ARN, "EC2_LINUX", undefined]);
    assert.equal(one("aws:eks/cluster:Cluster", "platform-cluster").inputs.accessConfig.authenticationMode, "API", "nodes join through access entries, not aws-auth");
  });

  it("creates the interruption queue, its policy and the template's five EventBridge rules feeding it", () => {
    assert.deepEqual([queue().inputs.name, queue().inputs.messageRetentionSeconds, queue().inputs.sqsManagedSseEnabled], [CLUSTER, 300, true]);
    const queuePolicy = one("aws:sqs/queuePolicy:QueuePolicy", "platform-karpenter-interruption-queue-policy");
    assert.ok(queuePolicy.dependencies.includes(queue().urn));
    assert.deepEqual(karpenterInterruptionQueuePolicy(QUEUE_ARN), {
      Version: "2012-10-17",
      Id: "EC2InterruptionPolicy",
      Statement: [
        { Effect: "Allow", Principal: { Service: ["events.amazonaws.com", "sqs.amazonaws.com"] }, Action: "sqs:SendMessage", Resource: QUEUE_ARN },
        { Sid: "DenyHTTP", Effect: "Deny", Action: "sqs:*", Resource: QUEUE_ARN, Condition: { Bool: { "aws:SecureTransport": false } }, Principal: "*" },
      ],
    });
    // The mock has no queue ARN; everything else of the planned document is the function's.
    const planned = JSON.parse(queuePolicy.inputs.policy);
    assert.deepEqual(planned, JSON.parse(JSON.stringify(karpenterInterruptionQueuePolicy(undefined as unknown as string))));
    const rules = program.resources.filter((r) => r.type === "aws:cloudwatch/eventRule:EventRule" && r.name.startsWith("platform-karpenter-"));
    assert.deepEqual(
      rules.map((r) => JSON.parse(r.inputs.eventPattern)),
      [
        { source: ["aws.health"], "detail-type": ["AWS Health Event"] },
        { source: ["aws.ec2"], "detail-type": ["EC2 Spot Instance Interruption Warning"] },
        { source: ["aws.ec2"], "detail-type": ["EC2 Instance Rebalance Recommendation"] },
        { source: ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"] },
        { source: ["aws.ec2"], "detail-type": ["EC2 Capacity Reservation Instance Interruption Warning"] },
      ],
    );
    for (const rule of KARPENTER_INTERRUPTION_RULES) {
      const target = one("aws:cloudwatch/eventTarget:EventTarget", `platform-karpenter-${rule.key}-target`);
      assert.equal(target.inputs.targetId, "KarpenterInterruptionQueueTarget");
      assert.ok(target.dependencies.includes(queuePolicy.urn), `${rule.key} targets the queue once it accepts events`);
      assert.ok(target.dependencies.includes(one("aws:cloudwatch/eventRule:EventRule", `platform-karpenter-${rule.key}-rule`).urn));
      assert.ok(release().dependencies.includes(target.urn), "interruptions are routed before the controller starts");
    }
  });

  it("keeps the interruption queue's name within SQS's 80 characters, distinct per cluster", () => {
    assert.equal(karpenterQueueName(CLUSTER), CLUSTER);
    const a = karpenterQueueName(`platform-${"a".repeat(80)}-one`);
    const b = karpenterQueueName(`platform-${"a".repeat(80)}-two`);
    assert.equal(a.length, 80);
    assert.match(a, /^platform-a+-[0-9a-f]{8}$/);
    assert.notEqual(a, b);
  });

  it("creates a default EC2NodeClass and NodePool that the v1.14.1 CRDs accept", { skip: crdSkipReason() }, () => {
    for (const r of [nodeClass(), nodePool()]) assert.deepEqual(crdSchemaErrors(r.inputs as any), [], r.name);
    // The check bites: a misspelt operator, an unknown field and a malformed volume size.
    const pool = karpenterNodePool(64);
    const badPool = { ...pool, spec: { ...pool.spec, template: { spec: { ...pool.spec.template.spec, requirements: [{ key: "kubernetes.io/arch", operator: "Equals", values: ["amd64"] }] } } } };
    assert.ok(crdSchemaErrors(badPool).some((e) => /operator/.test(e)), crdSchemaErrors(badPool).join("\n"));
    const nodeClassObject = karpenterNodeClass({ clusterName: CLUSTER, role: "r", amiAlias: "al2023@latest" });
    const badClass = { ...nodeClassObject, spec: { ...nodeClassObject.spec, instanceTypes: ["m6i.large"] } };
    assert.ok(crdSchemaErrors(badClass).length > 0);
    const badVolume = { ...nodeClassObject, spec: { ...nodeClassObject.spec, blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeSize: "50GB" } }] } };
    assert.ok(crdSchemaErrors(badVolume).some((e) => /volumeSize/.test(e)), crdSchemaErrors(badVolume).join("\n"));
  });

  it("launches on-demand amd64 Linux c/m/r nodes of generation 6 on, at most 64 vCPUs, consolidated when under-used", () => {
    assert.deepEqual(nodePool().inputs.metadata, { name: "default" });
    assert.deepEqual(nodePool().inputs.spec, {
      template: {
        spec: {
          requirements: [
            { key: "kubernetes.io/arch", operator: "In", values: ["amd64"] },
            { key: "kubernetes.io/os", operator: "In", values: ["linux"] },
            { key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] },
            { key: "karpenter.k8s.aws/instance-category", operator: "In", values: ["c", "m", "r"] },
            { key: "karpenter.k8s.aws/instance-generation", operator: "Gt", values: ["5"] },
          ],
          nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" },
          expireAfter: "720h",
        },
      },
      limits: { cpu: "64" },
      disruption: { consolidationPolicy: "WhenEmptyOrUnderutilized", consolidateAfter: "1m" },
    });
    assert.deepEqual(karpenterNodePool(16).spec.limits, { cpu: "16" });
  });

  it("finds the subnets and security group the cluster tagged, with the node role, the pinned AMI and an encrypted gp3 root volume", () => {
    assert.deepEqual(nodeClass().inputs.metadata, { name: "default" });
    const discovery = [{ tags: { "karpenter.sh/discovery": CLUSTER } }];
    assert.deepEqual(nodeClass().inputs.spec, {
      role: "platform-karpenter-node-role",
      amiSelectorTerms: [{ alias: "al2023@v20260714" }],
      subnetSelectorTerms: discovery,
      securityGroupSelectorTerms: discovery,
      metadataOptions: { httpEndpoint: "enabled", httpProtocolIPv6: "disabled", httpPutResponseHopLimit: 2, httpTokens: "required" },
      blockDeviceMappings: [{ deviceName: "/dev/xvda", rootVolume: true, ebs: { volumeSize: "50Gi", volumeType: "gp3", encrypted: true, deleteOnTermination: true } }],
    });
    // What the selectors match: the private subnets and the cluster's security group carry the tag.
    const tagged = program.resources.filter((r) => r.type === "aws:ec2/subnet:Subnet" && r.inputs.tags["karpenter.sh/discovery"] === CLUSTER).map((r) => r.name);
    assert.deepEqual(tagged, ["platform-private-0", "platform-private-1", "platform-private-2"]);
    const sgTag = one("aws:ec2/tag:Tag", "platform-cluster-sg-discovery-tag");
    assert.deepEqual([sgTag.inputs.resourceId, sgTag.inputs.key, sgTag.inputs.value], ["sg-platform-cluster", "karpenter.sh/discovery", CLUSTER]);
  });

  it("creates the node class and pool after the CRDs and what nodes need to join, and components wait for the pool", () => {
    const deps = (r: CapturedResource) => r.dependencies;
    assert.ok(deps(nodeClass()).includes(release().urn), "the CRDs come with the release");
    assert.ok(deps(nodeClass()).includes(one("aws:eks/accessEntry:AccessEntry", "platform-karpenter-node-access").urn));
    assert.ok(deps(nodeClass()).includes(one("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "platform-karpenter-node-worker-policy").urn));
    assert.ok(deps(nodePool()).includes(nodeClass().urn));
    // After the load balancer controller, whose webhooks see every pod.
    assert.ok(deps(release()).includes(one("kubernetes:helm.sh/v3:Release", "platform-lbc-release").urn));
    assert.equal((platform.cluster as unknown as { __name?: string }).__name, "platform-karpenter-node-pool");
    const component = one("platform:index:Karpenter", "platform-karpenter");
    for (const r of [release(), nodeClass(), nodePool(), queue()]) assert.equal(r.parent, component.urn);
    for (const r of program.resources.filter((x) => x.parent === component.urn && x.type.startsWith("aws:"))) {
      assert.ok(r.provider?.startsWith(`${one("pulumi:providers:aws", "platform-aws").urn}::`), `${r.name} must use the region's provider`);
    }
  });

  it("refuses a platform that is not EKS and a CPU limit below one vCPU, before creating anything", () => {
    assert.match(refusals.k3s?.message ?? "", /Karpenter "on-k3s": needs an EKS platform \(got k3s\)/);
    assert.match(refusals.cpu?.message ?? "", /Karpenter "no-cpu": `cpuLimit` must be a whole number of vCPUs, at least 1 \(got 0\)/);
    assert.deepEqual(program.resources.filter((r) => r.name.startsWith("on-k3s") || r.name.startsWith("no-cpu")), []);
  });
});

/** Plans the prod stack with the plan CLI (from source) and returns its exit code, output and plan file. */
function planProd(id: string, extra: string[] = []): Promise<{ code: number; output: string; plan?: PlanJson }> {
  const json = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "karpenter-")), `${id}.json`);
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", "plan/cli.ts", "--stack", "prod", ...extra, "--quiet", "--json", json], { cwd: root }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}\n${stderr}`, plan: fs.existsSync(json) ? JSON.parse(fs.readFileSync(json, "utf8")) : undefined });
    });
  });
}

describe("the prod stack on EKS", () => {
  it("installs Karpenter and metrics-server by default and plans with 0 policy violations; with Karpenter off, none of it", async () => {
    const eks = { region: "eu-west-1", endpointPublicAccessCidrs: ["203.0.113.0/24"], nodeGroups: [{ name: "general", instanceTypes: ["m6i.xlarge"], minSize: 3 }], karpenter: { enabled: false } };
    const [on, off] = await Promise.all([planProd("on"), planProd("off", ["--config", `platform:eks=${JSON.stringify(eks)}`])]);
    for (const [run, label] of [[on, "default"], [off, "karpenter off"]] as const) {
      assert.equal(run.code, 0, `${label}:\n${run.output}`);
      assert.match(run.output, /; 0 policy violations/, label);
    }
    const names = (run: typeof on) => run.plan!.resources.map((r) => `${r.type}::${r.name}`);
    for (const expected of [
      "platform:index:Karpenter::platform-karpenter",
      "kubernetes:karpenter.sh/v1:NodePool::platform-karpenter-node-pool",
      "aws:eks/addon:Addon::platform-addon-metrics-server",
      "aws:ec2/tag:Tag::platform-cluster-sg-discovery-tag",
    ]) {
      assert.ok(names(on).includes(expected), `prod plans ${expected}`);
    }
    assert.ok(names(off).includes("aws:eks/addon:Addon::platform-addon-metrics-server"));
    assert.deepEqual(names(off).filter((n) => /karpenter/.test(n) || n.startsWith("aws:ec2/tag:Tag")), []);
    const group = on.plan!.resources.find((r) => r.name === "platform-ng-general")!;
    assert.deepEqual([group.inputs.instanceTypes, group.inputs.scalingConfig], [["m6i.xlarge", "m5.xlarge"], { minSize: 3, maxSize: 9, desiredSize: 3 }]);
  });
});
