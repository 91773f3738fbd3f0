/**
 * The EKS target's documents: the KMS key policy and the kubeconfig. Pure functions.
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/enable-kms.html
 * @see https://docs.aws.amazon.com/eks/latest/userguide/create-kubeconfig.html
 */
// ---------------------------------------------------------------------------------------------
// Documents: IAM and KMS policies, kubeconfig
// ---------------------------------------------------------------------------------------------

/** What {@link eksKmsKeyPolicy} needs to know about the account. */
export interface EksKmsKeyPolicyArgs {
  /** The AWS partition, such as `aws`. */
  readonly partition: string;
  /** The partition's DNS suffix, such as `amazonaws.com`. */
  readonly dnsSuffix: string;
  readonly accountId: string;
  readonly region: string;
  /** The CloudWatch log group that the key encrypts. */
  readonly logGroupName: string;
}

/**
 * The key policy of the cluster's KMS key. It keeps AWS's default statement (the account, and so
 * IAM policies, controls the key; the cluster role gets its rights that way) and lets CloudWatch
 * Logs use the key for the control-plane log group only.
 *
 * @param args - the account, region and log group.
 * @returns the policy as JSON.
 * @see https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
 */
export function eksKmsKeyPolicy(args: EksKmsKeyPolicyArgs): string {
  const { partition, dnsSuffix, accountId, region, logGroupName } = args;
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "EnableIamPolicies",
        Effect: "Allow",
        Principal: { AWS: `arn:${partition}:iam::${accountId}:root` },
        Action: "kms:*",
        Resource: "*",
      },
      {
        Sid: "AllowControlPlaneLogGroup",
        Effect: "Allow",
        Principal: { Service: `logs.${region}.${dnsSuffix}` },
        Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        Resource: "*",
        Condition: {
          ArnEquals: { "kms:EncryptionContext:aws:logs:arn": `arn:${partition}:logs:${region}:${accountId}:log-group:${logGroupName}` },
        },
      },
    ],
  });
}

/** What {@link eksKubeconfig} needs to know about the cluster. */
export interface EksKubeconfigArgs {
  readonly clusterName: string;
  /** The API server URL. */
  readonly endpoint: string;
  /** The cluster CA certificate, base64-encoded PEM. */
  readonly certificateAuthorityData: string;
  readonly region: string;
}

/**
 * A kubeconfig (JSON, which is also YAML) that authenticates with `aws eks get-token`, so it holds
 * no credential: the caller's AWS identity must have an EKS access entry (the identity that created
 * the cluster has one). Needs the AWS CLI v2 on the machine that uses it.
 *
 * @param args - the cluster's name, endpoint, CA and region.
 * @returns the kubeconfig; treat it as a secret all the same, as it reveals the endpoint.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/create-kubeconfig.html
 * @see https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins
 */
export function eksKubeconfig(args: EksKubeconfigArgs): string {
  const { clusterName, endpoint, certificateAuthorityData, region } = args;
  return JSON.stringify(
    {
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: clusterName, cluster: { server: endpoint, "certificate-authority-data": certificateAuthorityData } }],
      contexts: [{ name: clusterName, context: { cluster: clusterName, user: clusterName } }],
      "current-context": clusterName,
      preferences: {},
      users: [
        {
          name: clusterName,
          user: {
            exec: {
              apiVersion: "client.authentication.k8s.io/v1beta1",
              command: "aws",
              args: ["eks", "get-token", "--cluster-name", clusterName, "--region", region, "--output", "json"],
              interactiveMode: "Never",
            },
          },
        },
      ],
    },
    null,
    2,
  );
}
