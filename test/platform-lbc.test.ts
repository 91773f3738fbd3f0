/**
 * The AWS Load Balancer Controller add-on on an EksCluster, under Pulumi's mock runtime: the pinned
 * release and its values, the IRSA role and the controller's IAM policy, the NLB annotations, and
 * the platform the composition root hands components, whose `cluster` makes them wait for the
 * controller.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { captureProgram, type CapturedProgram, type CapturedResource } from "../plan/capture";
import { MOCK_SECRET_PREFIX } from "../plan/mocks";
import {
  AWS_LOAD_BALANCER_CONTROLLER_IAM_POLICY,
  AWS_LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT,
  awsLoadBalancerControllerChart,
  awsLoadBalancerControllerValues,
  type IamPolicyStatement,
} from "../components/addons/aws-load-balancer-controller";
import { createEksAddons } from "../components/addons/eks";
import { EKS_NLB_ANNOTATIONS, EksCluster } from "../components/platform/eks";
import { foundation } from "../stacks/foundation";
import type { KubernetesPlatform } from "../components/contract/platform";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const ISSUER = "oidc.eks.mock-region.amazonaws.com/id/EKS-CLUSTER";

let program: CapturedProgram;
let platform: KubernetesPlatform;
let cluster: KubernetesPlatform;

before(async () => {
  program = await captureProgram(
    () => {
      cluster = new EksCluster("eks", { environment: "prod", region: "eu-west-1", endpointPublicAccessCidrs: ["203.0.113.0/24"] }).platform;
      createEksAddons("eks", cluster);
      // What the program's composition root hands components on EKS without Karpenter (test/karpenter.test.ts has it on).
      platform = foundation({ target: "eks", environment: "prod", eks: { region: "eu-west-1", endpointPublicAccessCidrs: ["203.0.113.0/24"], karpenter: { enabled: false } } })
        .platform as KubernetesPlatform;
    },
    { project: "platform", stack: "test" },
  );
});

function one(type: string, name: string): CapturedResource {
  const found = program.resources.filter((r) => r.type === type && r.name === name);
  assert.equal(found.length, 1, `expected one ${type} named ${name}`);
  return found[0];
}

const release = () => one(RELEASE, "eks-lbc-release");

/** The statements of the policy that allow `action`, wildcards not expanded. */
function allowing(action: string): IamPolicyStatement[] {
  return AWS_LOAD_BALANCER_CONTROLLER_IAM_POLICY.Statement.filter(
    (s) => s.Effect === "Allow" && (typeof s.Action === "string" ? [s.Action] : s.Action).includes(action),
  );
}

describe("AwsLoadBalancerController on EKS", () => {
  it("installs the pinned eks-charts release into kube-system", () => {
    const inputs = release().inputs;
    assert.equal(inputs.chart, "aws-load-balancer-controller");
    assert.equal(inputs.repositoryOpts.repo, "https://aws.github.io/eks-charts");
    assert.equal(inputs.version, awsLoadBalancerControllerChart.version);
    assert.match(inputs.version, /^\d+\.\d+\.\d+$/, "a chart version, not a range or latest");
    assert.equal(inputs.namespace, "kube-system");
    assert.equal(inputs.atomic, true);
  });

  it("tells the controller its cluster, region and VPC so it never needs IMDS", () => {
    const values = release().inputs.values;
    assert.equal(values.clusterName, "eks-test");
    assert.equal(values.region, "eu-west-1");
    assert.equal(values.vpcId, "eks-vpc-id");
  });

  it("runs two replicas with a PodDisruptionBudget, limits and the restricted securityContext", () => {
    const values = release().inputs.values;
    assert.equal(values.replicaCount, 2);
    assert.deepEqual(values.podDisruptionBudget, { maxUnavailable: 1 });
    for (const kind of ["requests", "limits"]) {
      assert.ok(values.resources[kind].cpu && values.resources[kind].memory, `${kind} must set cpu and memory`);
    }
    assert.deepEqual(values.securityContext.capabilities, { drop: ["ALL"] });
    assert.deepEqual(values.securityContext.seccompProfile, { type: "RuntimeDefault" });
    assert.equal(values.securityContext.runAsNonRoot, true);
    assert.equal(values.securityContext.allowPrivilegeEscalation, false);
  });

  it("does not make itself the controller of every LoadBalancer Service", () => {
    assert.equal(release().inputs.values.enableServiceMutatorWebhook, false);
  });

  it("creates its service account annotated with the IRSA role", () => {
    const sa = release().inputs.values.serviceAccount;
    assert.equal(sa.create, true);
    assert.equal(sa.name, "aws-load-balancer-controller");
    assert.equal(sa.annotations["eks.amazonaws.com/role-arn"], "arn:aws:iam::123456789012:role/eks-lbc-role");
  });

  it("lets only kube-system/aws-load-balancer-controller assume its role, through the cluster's OIDC provider", () => {
    const trust = JSON.parse(one("aws:iam/role:Role", "eks-lbc-role").inputs.assumeRolePolicy);
    assert.equal(trust.Statement.length, 1);
    const [statement] = trust.Statement;
    assert.equal(statement.Action, "sts:AssumeRoleWithWebIdentity");
    assert.equal(statement.Principal.Federated, "arn:aws:iam::123456789012:oidc-provider/eks-oidc");
    assert.deepEqual(statement.Condition.StringEquals, {
      [`${ISSUER}:sub`]: `system:serviceaccount:${AWS_LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT.namespace}:${AWS_LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT.name}`,
      [`${ISSUER}:aud`]: "sts.amazonaws.com",
    });
    // The service account the chart creates is the one the role trusts.
    assert.equal(release().inputs.values.serviceAccount.name, AWS_LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT.name);
  });

  it("attaches a policy to the controller's role, and installs the release only after that", () => {
    const policy = one("aws:iam/policy:Policy", "eks-lbc-policy");
    assert.deepEqual(JSON.parse(policy.inputs.policy), AWS_LOAD_BALANCER_CONTROLLER_IAM_POLICY);
    const attachment = one("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "eks-lbc-policy-attachment");
    assert.equal(attachment.inputs.role, "eks-lbc-role");
    assert.ok(release().dependencies.includes(attachment.urn), "the controller must not start without its permissions");
  });

  it("attaches the controller's own policy, not another", () => {
    const policy = one("aws:iam/policy:Policy", "eks-lbc-policy");
    const attachment = one("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "eks-lbc-policy-attachment");
    assert.ok(attachment.dependencies.includes(policy.urn));
    assert.match(attachment.inputs.policyArn, /:policy\/eks-lbc-policy$/);
  });

  it("grants what the controller needs to build an NLB with IP targets", () => {
    // Discovery: subnets tagged kubernetes.io/role/elb and the VPC's security groups.
    for (const action of ["ec2:DescribeSubnets", "ec2:DescribeSecurityGroups", "elasticloadbalancing:DescribeTargetGroups"]) {
      assert.ok(allowing(action).some((s) => s.Resource === "*" && !s.Condition), `${action} must be allowed unconditionally`);
    }
    // Creation only of load balancers and target groups tagged as the controller's own.
    const create = allowing("elasticloadbalancing:CreateLoadBalancer");
    assert.equal(create.length, 1);
    assert.deepEqual(create[0].Condition, { Null: { "aws:RequestTag/elbv2.k8s.aws/cluster": "false" } });
    assert.equal(allowing("elasticloadbalancing:CreateTargetGroup").length, 1);
    // Setting preserve_client_ip.enabled and registering pod IPs.
    assert.ok(allowing("elasticloadbalancing:ModifyTargetGroupAttributes").length >= 1);
    assert.ok(allowing("elasticloadbalancing:RegisterTargets").length >= 1);
    // Deletion only of what it tagged.
    for (const s of allowing("elasticloadbalancing:DeleteLoadBalancer")) {
      assert.deepEqual(s.Condition, { Null: { "aws:ResourceTag/elbv2.k8s.aws/cluster": "false" } });
    }
  });

  it("grants nothing beyond the load-balancing services and nothing with a wildcard action", () => {
    const services = new Set<string>();
    for (const s of AWS_LOAD_BALANCER_CONTROLLER_IAM_POLICY.Statement) {
      assert.equal(s.Effect, "Allow");
      for (const action of typeof s.Action === "string" ? [s.Action] : s.Action) {
        assert.ok(!action.includes("*"), `${action} is a wildcard`);
        services.add(action.split(":")[0]);
      }
    }
    assert.deepEqual([...services].sort(), ["acm", "cognito-idp", "ec2", "elasticloadbalancing", "iam", "shield", "waf-regional", "wafv2"]);
    const [linkedRole] = allowing("iam:CreateServiceLinkedRole");
    assert.deepEqual(linkedRole.Condition, { StringEquals: { "iam:AWSServiceName": "elasticloadbalancing.amazonaws.com" } });
  });

  it("creates its AWS resources through the cluster's provider and its release through the cluster's Kubernetes provider", () => {
    const aws = one("pulumi:providers:aws", "eks-aws");
    for (const [type, name] of [
      ["aws:iam/policy:Policy", "eks-lbc-policy"],
      ["aws:iam/role:Role", "eks-lbc-role"],
      ["aws:iam/rolePolicyAttachment:RolePolicyAttachment", "eks-lbc-policy-attachment"],
    ]) {
      assert.ok(one(type, name).provider?.startsWith(`${aws.urn}::`), `${name} must use the region's provider`);
    }
    assert.ok(release().provider?.startsWith(`${one("pulumi:providers:kubernetes", "eks-k8s").urn}::`));
  });

  it("installs the controller after the nodes and CoreDNS, so its pods can start", () => {
    assert.ok(release().dependencies.includes(one("aws:eks/addon:Addon", "eks-addon-coredns").urn));
    const k8sProvider = one("pulumi:providers:kubernetes", "eks-k8s");
    assert.ok(k8sProvider.dependencies.includes(one("aws:eks/nodeGroup:NodeGroup", "eks-ng-general").urn));
  });

  it("is a cluster add-on beside the cluster, and the composition root hands components its release as the cluster to depend on", () => {
    const component = one("platform:index:AwsLoadBalancerController", "eks-lbc");
    assert.equal(release().parent, component.urn);
    assert.notEqual(component.parent, one("platform:index:EksCluster", "eks").urn, "an add-on, not the cluster's child");
    assert.equal((cluster.cluster as unknown as { __name?: string }).__name, "eks-addon-coredns", "the cluster alone is ready at CoreDNS");
    // `platform.cluster` is what CertManager, PostgresCluster and the gateway put in `dependsOn`.
    assert.ok(platform.cluster);
    assert.equal((platform.cluster as unknown as { __name?: string }).__name, "platform-lbc-release");
    // With Karpenter off, nothing of it is created.
    assert.deepEqual(program.resources.filter((r) => r.name.includes("karpenter")).map((r) => r.name), []);
  });

  it("asks for an internet-facing NLB with IP targets that preserves client addresses", () => {
    assert.equal(platform.ingress.serviceAnnotations, EKS_NLB_ANNOTATIONS);
    assert.deepEqual(EKS_NLB_ANNOTATIONS, {
      "service.beta.kubernetes.io/aws-load-balancer-type": "external",
      "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
      "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing",
      // IP targets over TCP see the NLB's address unless this is on; per-client rate limits need the client's.
      "service.beta.kubernetes.io/aws-load-balancer-target-group-attributes": "preserve_client_ip.enabled=true",
    });
  });

  it("builds the same values from the pure function that the release received", () => {
    const values = awsLoadBalancerControllerValues({ clusterName: "eks-test", region: "eu-west-1", vpcId: "eks-vpc-id", roleArn: "arn:aws:iam::123456789012:role/eks-lbc-role" });
    assert.deepEqual(release().inputs.values, values);
  });

  it("puts no secret in plaintext in any input", () => {
    for (const r of program.resources) assert.ok(!JSON.stringify(r.redactedInputs).includes(MOCK_SECRET_PREFIX), `${r.urn} leaks a secret`);
    assert.equal(one("pulumi:providers:kubernetes", "eks-k8s").redactedInputs.kubeconfig, "[secret]");
  });
});
