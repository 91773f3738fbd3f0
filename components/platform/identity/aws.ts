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
