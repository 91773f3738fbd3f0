/**
 * The AWS Load Balancer Controller on EKS: its IAM policy and IRSA role, and its Helm release. It is
 * the controller that honours the gateway Service's NLB annotations (`EKS_NLB_ANNOTATIONS` in
 * `platform/eks/spec.ts`); the in-tree cloud provider ignores `aws-load-balancer-type: external`.
 *
 * @see https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/
 * @see https://docs.aws.amazon.com/eks/latest/userguide/aws-load-balancer-controller.html
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { requireAwsCloud, type KubernetesPlatform } from "../../contract/platform";
import { irsaAssumeRolePolicy, type IamPolicyDocument } from "../../platform/identity/aws";
import { restrictedContainerSecurityContext } from "../../shared/security";

/**
 * The pinned chart, `aws-load-balancer-controller` 3.2.2 from the eks-charts repository, which runs
 * controller v3.2.2 (the chart's default image tag).
 *
 * @see https://github.com/aws/eks-charts/tree/master/stable/aws-load-balancer-controller
 * @see https://github.com/kubernetes-sigs/aws-load-balancer-controller/releases
 */
export const awsLoadBalancerControllerChart = {
  repo: "https://aws.github.io/eks-charts",
  chart: "aws-load-balancer-controller",
  version: "3.2.2",
} as const;

/** The service account the controller runs as; its IRSA role trusts only this one. */
export const AWS_LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT = { namespace: "kube-system", name: "aws-load-balancer-controller" } as const;

export type { IamPolicyDocument, IamPolicyStatement } from "../../platform/identity/aws";

/**
 * The controller's IAM policy for release v3.2.2, as the project publishes it in
 * `docs/install/iam_policy.json` (the `aws` partition), unchanged apart from formatting. Replace it
 * with the file of the new tag whenever {@link awsLoadBalancerControllerChart} moves.
 *
 * @see https://github.com/kubernetes-sigs/aws-load-balancer-controller/blob/v3.2.2/docs/install/iam_policy.json
 * @see https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/deploy/installation/
 */
export const AWS_LOAD_BALANCER_CONTROLLER_IAM_POLICY: IamPolicyDocument = {
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Action: [
        "iam:CreateServiceLinkedRole"
      ],
      Resource: "*",
      Condition: {
        StringEquals: {
          "iam:AWSServiceName": "elasticloadbalancing.amazonaws.com"
        }
      }
    },
    {
      Effect: "Allow",
      Action: [
        "ec2:DescribeAccountAttributes",
        "ec2:DescribeAddresses",
        "ec2:DescribeAvailabilityZones",
        "ec2:DescribeInternetGateways",
        "ec2:DescribeVpcs",
        "ec2:DescribeVpcPeeringConnections",
        "ec2:DescribeSubnets",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeInstances",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeTags",
        "ec2:GetCoipPoolUsage",
        "ec2:DescribeCoipPools",
        "ec2:GetSecurityGroupsForVpc",
        "ec2:DescribeIpamPools",
        "ec2:DescribeRouteTables",
        "elasticloadbalancing:DescribeLoadBalancers",
        "elasticloadbalancing:DescribeLoadBalancerAttributes",
        "elasticloadbalancing:DescribeListeners",
        "elasticloadbalancing:DescribeListenerCertificates",
        "elasticloadbalancing:DescribeSSLPolicies",
        "elasticloadbalancing:DescribeRules",
        "elasticloadbalancing:DescribeTargetGroups",
        "elasticloadbalancing:DescribeTargetGroupAttributes",
        "elasticloadbalancing:DescribeTargetHealth",
        "elasticloadbalancing:DescribeTags",
        "elasticloadbalancing:DescribeTrustStores",
        "elasticloadbalancing:DescribeListenerAttributes",
        "elasticloadbalancing:DescribeCapacityReservation"
      ],
      Resource: "*"
    },
    {
      Effect: "Allow",
      Action: [
        "cognito-idp:DescribeUserPoolClient",
        "acm:ListCertificates",
        "acm:DescribeCertificate",
        "iam:ListServerCertificates",
        "iam:GetServerCertificate",
        "waf-regional:GetWebACL",
        "waf-regional:GetWebACLForResource",
        "waf-regional:AssociateWebACL",
        "waf-regional:DisassociateWebACL",
        "wafv2:GetWebACL",
        "wafv2:GetWebACLForResource",
        "wafv2:AssociateWebACL",
        "wafv2:DisassociateWebACL",
        "shield:GetSubscriptionState",
        "shield:DescribeProtection",
        "shield:CreateProtection",
        "shield:DeleteProtection"
      ],
      Resource: "*"
    },
    {
      Effect: "Allow",
      Action: [
        "ec2:AuthorizeSecurityGroupIngress",
        "ec2:RevokeSecurityGroupIngress"
      ],
      Resource: "*"
    },
    {
      Effect: "Allow",
      Action: [
        "ec2:CreateSecurityGroup"
      ],
      Resource: "*"
    },
    {
      Effect: "Allow",
      Action: [
        "ec2:CreateTags"
      ],
      Resource: "arn:aws:ec2:*:*:security-group/*",
      Condition: {
        StringEquals: {
          "ec2:CreateAction": "CreateSecurityGroup"
        },
        Null: {
          "aws:RequestTag/elbv2.k8s.aws/cluster": "false"
        }
      }
    },
    {
      Effect: "Allow",
      Action: [
        "ec2:CreateTags",
        "ec2:DeleteTags"
      ],
      Resource: "arn:aws:ec2:*:*:security-group/*",
      Condition: {
        Null: {
          "aws:RequestTag/elbv2.k8s.aws/cluster": "true",
          "aws:ResourceTag/elbv2.k8s.aws/cluster": "false"
        }
      }
    },
    {
      Effect: "Allow",
      Action: [
        "ec2:AuthorizeSecurityGroupIngress",
        "ec2:RevokeSecurityGroupIngress",
        "ec2:DeleteSecurityGroup"
      ],
      Resource: "*",
      Condition: {
        Null: {
          "aws:ResourceTag/elbv2.k8s.aws/cluster": "false"
        }
      }
    },
    {
      Effect: "Allow",
      Action: [
        "elasticloadbalancing:CreateLoadBalancer",
        "elasticloadbalancing:CreateTargetGroup"
      ],
      Resource: "*",
      Condition: {
        Null: {
          "aws:RequestTag/elbv2.k8s.aws/cluster": "false"
        }
      }
    },
    {
      Effect: "Allow",
      Action: [
        "elasticloadbalancing:CreateListener",
        "elasticloadbalancing:DeleteListener",
        "elasticloadbalancing:CreateRule",
        "elasticloadbalancing:DeleteRule"
      ],
      Resource: "*"
    },
    {
      Effect: "Allow",
      Action: [
        "elasticloadbalancing:AddTags",
        "elasticloadbalancing:RemoveTags"
      ],
      Resource: [
        "arn:aws:elasticloadbalancing:*:*:targetgroup/*/*",
        "arn:aws:elasticloadbalancing:*:*:loadbalancer/net/*/*",
        "arn:aws:elasticloadbalancing:*:*:loadbalancer/app/*/*"
      ],
      Condition: {
        Null: {
          "aws:RequestTag/elbv2.k8s.aws/cluster": "true",
          "aws:ResourceTag/elbv2.k8s.aws/cluster": "false"
        }
      }
    },
    {
      Effect: "Allow",
      Action: [
        "elasticloadbalancing:AddTags",
        "elasticloadbalancing:RemoveTags"
      ],
      Resource: [
        "arn:aws:elasticloadbalancing:*:*:listener/net/*/*/*",
        "arn:aws:elasticloadbalancing:*:*:listener/app/*/*/*",
        "arn:aws:elasticloadbalancing:*:*:listener-rule/net/*/*/*",
        "arn:aws:elasticloadbalancing:*:*:listener-rule/app/*/*/*"
      ]
    },
    {
      Effect: "Allow",
      Action: [
        "elasticloadbalancing:ModifyLoadBalancerAttributes",
        "elasticloadbalancing:SetIpAddressType",
        "elasticloadbalancing:SetSecurityGroups",
        "elasticloadbalancing:SetSubnets",
        "elasticloadbalancing:DeleteLoadBalancer",
        "elasticloadbalancing:ModifyTargetGroup",
        "elasticloadbalancing:ModifyTargetGroupAttributes",
        "elasticloadbalancing:DeleteTargetGroup",
        "elasticloadbalancing:ModifyListenerAttributes",
        "elasticloadbalancing:ModifyCapacityReservation",
        "elasticloadbalancing:ModifyIpPools"
      ],
      Resource: "*",
      Condition: {
        Null: {
          "aws:ResourceTag/elbv2.k8s.aws/cluster": "false"
        }
      }
    },
    {
      Effect: "Allow",
      Action: [
        "elasticloadbalancing:AddTags"
      ],
      Resource: [
        "arn:aws:elasticloadbalancing:*:*:targetgroup/*/*",
        "arn:aws:elasticloadbalancing:*:*:loadbalancer/net/*/*",
        "arn:aws:elasticloadbalancing:*:*:loadbalancer/app/*/*"
      ],
      Condition: {
        StringEquals: {
          "elasticloadbalancing:CreateAction": [
            "CreateTargetGroup",
            "CreateLoadBalancer"
          ]
        },
        Null: {
          "aws:RequestTag/elbv2.k8s.aws/cluster": "false"
        }
      }
    },
    {
      Effect: "Allow",
      Action: [
        "elasticloadbalancing:RegisterTargets",
        "elasticloadbalancing:DeregisterTargets"
      ],
      Resource: "arn:aws:elasticloadbalancing:*:*:targetgroup/*/*"
    },
    {
      Effect: "Allow",
      Action: [
        "elasticloadbalancing:SetWebAcl",
        "elasticloadbalancing:ModifyListener",
        "elasticloadbalancing:AddListenerCertificates",
        "elasticloadbalancing:RemoveListenerCertificates",
        "elasticloadbalancing:ModifyRule",
        "elasticloadbalancing:SetRulePriorities"
      ],
      Resource: "*"
    }
  ]
};

/** What {@link awsLoadBalancerControllerValues} needs to know about the cluster. */
export interface AwsLoadBalancerControllerValuesArgs {
  /** The EKS cluster's name; the controller tags what it creates with it. */
  readonly clusterName: pulumi.Input<string>;
  /** The cluster's region, so the controller need not ask the instance metadata service. */
  readonly region: string;
  /** The cluster's VPC, for the same reason. */
  readonly vpcId: pulumi.Input<string>;
  /** The ARN of the controller's IRSA role. */
  readonly roleArn: pulumi.Input<string>;
}

/**
 * The Helm values of the controller:
 *
 * - `clusterName`, `region` and `vpcId` set, so nothing depends on IMDS from a pod;
 * - its own service account, annotated with the IRSA role (`eks.amazonaws.com/role-arn`);
 * - two replicas (one leader, one standby) with a PodDisruptionBudget of one unavailable pod;
 * - requests and limits, and the restricted container securityContext;
 * - `enableServiceMutatorWebhook: false`, so the controller does not make itself the default for
 *   every `LoadBalancer` Service: it handles only Services that ask for it with
 *   `service.beta.kubernetes.io/aws-load-balancer-type: external`, as the gateway's does.
 *
 * @param args - the cluster's name, region, VPC and the controller's role.
 * @returns the chart values.
 * @see https://github.com/aws/eks-charts/blob/master/stable/aws-load-balancer-controller/values.yaml
 * @see https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/deploy/installation/
 */
export function awsLoadBalancerControllerValues(args: AwsLoadBalancerControllerValuesArgs): Record<string, unknown> {
  return {
    clusterName: args.clusterName,
    region: args.region,
    vpcId: args.vpcId,
    replicaCount: 2,
    serviceAccount: {
      create: true,
      name: AWS_LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT.name,
      annotations: { "eks.amazonaws.com/role-arn": args.roleArn },
    },
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
    podDisruptionBudget: { maxUnavailable: 1 },
    securityContext: restrictedContainerSecurityContext(),
    enableServiceMutatorWebhook: false,
  };
}

/** The arguments of an {@link AwsLoadBalancerController}. */
export interface AwsLoadBalancerControllerArgs {
  /** The EKS cluster: its name, region, VPC, IRSA facts and providers. */
  readonly platform: KubernetesPlatform;
}

/**
 * The AWS Load Balancer Controller: an IAM policy with the controller's official permissions, an
 * IRSA role that only its service account may assume, and the Helm release in `kube-system`. The
 * release waits for the role's policy, so the controller never starts without its permissions.
 *
 * Whatever creates a Service the controller handles must depend on {@link release}, so that a
 * `pulumi destroy` deletes the Service (and the controller its NLB) before the controller goes.
 *
 * @example
 * ```ts
 * const lbc = new AwsLoadBalancerController("platform-lbc", { platform: eks.platform });
 * ```
 * @see https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/deploy/installation/
 */
export class AwsLoadBalancerController extends pulumi.ComponentResource {
  /** The Helm release; resources that need the controller depend on it. */
  public readonly release: k8s.helm.v3.Release;
  /** The controller's IRSA role. */
  public readonly role: aws.iam.Role;

  /**
   * @param name - the logical name; children are named `${name}-<role>`.
   * @param args - see {@link AwsLoadBalancerControllerArgs}.
   * @param opts - component options.
   * @throws Error when the platform is not an EKS cluster.
   */
  constructor(name: string, args: AwsLoadBalancerControllerArgs, opts?: pulumi.ComponentResourceOptions) {
    const cloud = requireAwsCloud(`AwsLoadBalancerController "${name}"`, args.platform);
    super("platform:index:AwsLoadBalancerController", name, {}, opts);
    const { platform } = args;
    const child = { parent: this, provider: cloud.provider };
    const policy = new aws.iam.Policy(
      `${name}-policy`,
      { description: "Permissions of the AWS Load Balancer Controller", policy: JSON.stringify(AWS_LOAD_BALANCER_CONTROLLER_IAM_POLICY) },
      child,
    );
    this.role = new aws.iam.Role(
      `${name}-role`,
      {
        description: "IRSA role of the AWS Load Balancer Controller",
        assumeRolePolicy: pulumi
          .all([cloud.oidcProviderArn, cloud.oidcIssuerUrl])
          .apply(([arn, url]) => irsaAssumeRolePolicy(arn, url, AWS_LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT.namespace, AWS_LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT.name)),
      },
      child,
    );
    const attachment = new aws.iam.RolePolicyAttachment(`${name}-policy-attachment`, { role: this.role.name, policyArn: policy.arn }, child);
    this.release = new k8s.helm.v3.Release(
      `${name}-release`,
      {
        name: awsLoadBalancerControllerChart.chart,
        chart: awsLoadBalancerControllerChart.chart,
        version: awsLoadBalancerControllerChart.version,
        repositoryOpts: { repo: awsLoadBalancerControllerChart.repo },
        namespace: AWS_LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT.namespace,
        atomic: true,
        values: awsLoadBalancerControllerValues({ clusterName: platform.clusterName, region: cloud.region, vpcId: cloud.vpcId, roleArn: this.role.arn }),
      },
      // After the nodes and CoreDNS (the platform's `cluster`), so its pods can start.
      { parent: this, provider: platform.provider, dependsOn: [attachment, ...(platform.cluster ? [platform.cluster] : [])] },
    );
    this.registerOutputs({ roleArn: this.role.arn });
  }
}
