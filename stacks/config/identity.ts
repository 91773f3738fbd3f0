/**
 * `services[].cloudIdentity`: a cloud identity of the service's own, for the buckets, queues or
 * APIs it calls, on the managed targets only. On EKS an IAM role that only the service's
 * ServiceAccount may assume (IRSA), with `aws.policy` as its inline policy; on GKE a Google service
 * account that only the service's ServiceAccount may act as (Workload Identity), granted
 * `gcp.roles` on the project. The block of the target not running is ignored, as the `eks` and
 * `gke` blocks are.
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/iam-roles-for-service-accounts.html
 * @see https://cloud.google.com/kubernetes-engine/docs/how-to/workload-identity
 */
import { z } from "zod";

const oneOrMore = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

/**
 * An IAM identity-based policy document: `Version` 2012-10-17 and statements with `Effect`,
 * `Action` (or `NotAction`) and `Resource` (or `NotResource`). `Principal` belongs to resource-based
 * policies and is refused here.
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
 */
export const iamPolicySchema = z.strictObject({
  Version: z.literal("2012-10-17", { error: 'must be "2012-10-17", the current policy language version' }),
  Id: z.string().optional(),
  Statement: z
    .array(
      z
        .strictObject({
          Sid: z.string().regex(/^[A-Za-z0-9]*$/, "must be letters and digits only").optional(),
          Effect: z.enum(["Allow", "Deny"]),
          Action: oneOrMore.optional(),
          NotAction: oneOrMore.optional(),
          Resource: oneOrMore.optional(),
          NotResource: oneOrMore.optional(),
          Condition: z.record(z.string(), z.record(z.string(), z.union([z.string(), z.boolean(), z.number(), z.array(z.string())]))).optional(),
        })
        .refine((s) => (s.Action === undefined) !== (s.NotAction === undefined), { message: "needs exactly one of `Action` and `NotAction`" })
        .refine((s) => (s.Resource === undefined) !== (s.NotResource === undefined), { message: "needs exactly one of `Resource` and `NotResource` (an identity policy names what it applies to)" }),
    )
    .min(1, "needs at least one statement"),
});

/** An IAM role for a project: `roles/<name>`, or a custom role `projects/<project>/roles/<name>` or `organizations/<id>/roles/<name>`. @see https://cloud.google.com/iam/docs/roles-overview */
const gcpRole = z.string().regex(/^(roles|projects\/[a-z][-a-z0-9]{4,28}[a-z0-9]\/roles|organizations\/\d+\/roles)\/[A-Za-z0-9_.]{3,64}$/, "must be an IAM role such as roles/storage.objectViewer or projects/<project>/roles/<custom>");

/** The `services[].cloudIdentity` block. */
export const cloudIdentitySchema = z.strictObject({
  /** EKS: the IRSA role's inline policy. */
  aws: z.strictObject({ policy: iamPolicySchema }).optional(),
  /** GKE: the roles the service's Google service account gets on the cluster's project. */
  gcp: z.strictObject({ roles: z.array(gcpRole).min(1, "needs at least one role") }).optional(),
});

/** A service's `cloudIdentity` block. */
export type CloudIdentityConfig = z.infer<typeof cloudIdentitySchema>;
