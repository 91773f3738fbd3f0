/**
 * AWS identity for workloads: IAM trust policies for AWS services and for Kubernetes service
 * accounts through IAM Roles for Service Accounts (IRSA). Pure functions, so every add-on and
 * backend that needs a role builds its trust policy the same way.
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/iam-roles-for-service-accounts.html
 */

/**
 * An IAM trust policy that lets an AWS service assume a role.
 *
 * @param service - the service principal, such as `eks.amazonaws.com`.
 * @param actions - the STS actions; `sts:TagSession` is what EKS asks for besides `sts:AssumeRole`.
 * @returns the policy as JSON.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/cluster-iam-role.html
 */
export function serviceAssumeRolePolicy(service: string, actions: readonly string[] = ["sts:AssumeRole"]): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: actions.length === 1 ? actions[0] : [...actions] }],
  });
}

/**
 * An IAM trust policy for IAM Roles for Service Accounts (IRSA): only the named Kubernetes service
 * account, presenting a token for STS, may assume the role.
 *
 * @param oidcProviderArn - the ARN of the cluster's IAM OIDC provider.
 * @param issuerUrl - the cluster's OIDC issuer URL (`https://oidc.eks.<region>.amazonaws.com/id/<ID>`).
 * @param namespace - the service account's namespace.
 * @param serviceAccount - the service account's name.
 * @returns the policy as JSON.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html
 */
export function irsaAssumeRolePolicy(oidcProviderArn: string, issuerUrl: string, namespace: string, serviceAccount: string): string {
  const issuer = issuerUrl.replace(/^https:\/\//, "");
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: oidcProviderArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            [`${issuer}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`,
            [`${issuer}:aud`]: "sts.amazonaws.com",
          },
        },
      },
    ],
  });
}

/** One statement of an IAM policy document. @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html */
export interface IamPolicyStatement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  /** Only in resource-based policies (a queue policy, a trust policy). */
  readonly Principal?: string | Readonly<Record<string, string | readonly string[]>>;
  readonly Action: string | readonly string[];
  readonly Resource: string | readonly string[];
  /** Condition operator → condition key → value(s). */
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | boolean | readonly string[]>>>>;
}

/** An IAM policy document. */
export interface IamPolicyDocument {
  readonly Version: "2012-10-17";
  readonly Id?: string;
  readonly Statement: readonly IamPolicyStatement[];
}

/** The longest name IAM allows for a role. @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html#reference_iam-quotas-names */
export const IAM_ROLE_NAME_MAX = 64;

/**
 * The longest `namePrefix` the AWS provider accepts for a role: IAM's 64 characters less the
 * 26-character unique suffix the provider appends.
 */
export const IAM_ROLE_NAME_PREFIX_MAX = 38;

/**
 * A `namePrefix` for an IAM role, `<base>-<role>-`, with `base` (the cluster's name, which holds
 * the stack) shortened so the prefix fits {@link IAM_ROLE_NAME_PREFIX_MAX}. The provider appends a
 * unique suffix, so two stacks (or two regions of one account, as IAM is global) never collide and
 * a replacement can be created before the old role is deleted.
 *
 * @param base - what the role belongs to, such as `platform-prod`.
 * @param role - what the role is for, such as `node`.
 * @returns the prefix, at most 38 characters, ending in `-`.
 * @throws Error when `role` alone leaves no room for `base`.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html#reference_iam-quotas-names
 */
export function iamRoleNamePrefix(base: string, role: string): string {
  const room = IAM_ROLE_NAME_PREFIX_MAX - role.length - 2;
  if (room < 1) throw new Error(`the IAM role purpose "${role}" is too long for a ${IAM_ROLE_NAME_PREFIX_MAX}-character name prefix`);
  return `${base.slice(0, room).replace(/-+$/, "")}-${role}-`;
}

/** The ServiceAccount annotation IRSA's webhook reads. @see https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html */
export const IRSA_ANNOTATION = "eks.amazonaws.com/role-arn";
