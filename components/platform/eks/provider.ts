/**
 * The EKS target's AWS provider for the cluster's region, and the account facts the other modules
 * need: the region's availability zones, the caller's account and the partition.
 *
 * @see https://docs.aws.amazon.com/eks/latest/best-practices/introduction.html
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ResolvedEksClusterArgs } from "./spec";

/** The options every child resource of {@link EksCluster} is created with: the component and its AWS provider. */
export interface EksChildOptions {
  readonly parent: pulumi.Resource;
  readonly provider: aws.Provider;
}

/** What the EKS target needs to know about the account and region. */
export interface AwsAccountFacts {
  /** The first `availabilityZoneCount` available zones of the region that need no opt-in, in AWS's order. */
  readonly zoneNames: pulumi.Output<string[]>;
  /** The caller's identity; the account ID goes into the KMS key policy. */
  readonly identity: pulumi.Output<aws.GetCallerIdentityResult>;
  /** The partition and its DNS suffix; they go into the KMS key policy. */
  readonly partition: pulumi.Output<aws.GetPartitionResult>;
}

/**
 * Creates the explicit `aws.Provider` for the cluster's region, which tags every AWS resource it
 * creates with `settings.tags`.
 *
 * @param name - the component's name; the provider is named `${name}-aws`.
 * @param settings - the resolved cluster settings (`region`, `tags`).
 * @param parent - the component resource.
 * @returns the provider.
 * @see https://docs.aws.amazon.com/eks/latest/best-practices/introduction.html
 */
export function createAwsProvider(name: string, settings: ResolvedEksClusterArgs, parent: pulumi.Resource): aws.Provider {
  return new aws.Provider(`${name}-aws`, { region: settings.region, defaultTags: { tags: { ...settings.tags } } }, { parent });
}

/**
 * Looks up the region's zones, the caller's identity and the partition, through the provider.
 *
 * @param settings - the resolved cluster settings (`region`, `availabilityZoneCount`).
 * @param opts - the component as parent and its AWS provider.
 * @returns the facts; `zoneNames` fails, when it resolves, if the region has fewer available zones
 *   than `availabilityZoneCount`.
 * @see https://docs.aws.amazon.com/eks/latest/best-practices/introduction.html
 */
export function lookupAwsAccountFacts(settings: ResolvedEksClusterArgs, opts: EksChildOptions): AwsAccountFacts {
  const zoneCount = settings.availabilityZoneCount;
  const zoneNames = aws
    .getAvailabilityZonesOutput(
      { state: "available", filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }] },
      opts,
    )
    .names.apply((names) => {
      if (names.length < zoneCount) {
        throw new Error(
          `region ${settings.region} has ${names.length} available zones, fewer than \`availabilityZoneCount\` (${zoneCount})`,
        );
      }
      return names.slice(0, zoneCount);
    });
  const identity = aws.getCallerIdentityOutput({}, opts);
  const partition = aws.getPartitionOutput({}, opts);
  return { zoneNames, identity, partition };
}
