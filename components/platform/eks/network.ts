/**
 * The EKS target's network: a VPC with one public and one private subnet per zone, an internet
 * gateway, NAT gateways and the route tables that tie them together.
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/network-reqs.html
 * @see https://docs.aws.amazon.com/eks/latest/best-practices/introduction.html
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { statefulResourceOptions } from "../../shared/options";
import type { EksChildOptions } from "./provider";
import { KARPENTER_DISCOVERY_TAG, natGatewayCount, subnetCidrs, type ResolvedEksClusterArgs } from "./spec";

/** The network resources other parts of the cluster build on. */
export interface EksNetwork {
  readonly vpc: aws.ec2.Vpc;
  /** One per zone, in zone order; they hold the NAT gateways and internet-facing load balancers. */
  readonly publicSubnets: aws.ec2.Subnet[];
  /** One per zone, in zone order; they hold the nodes and the control plane's network interfaces. */
  readonly privateSubnets: aws.ec2.Subnet[];
}

/**
 * Creates the cluster's network over `settings.availabilityZoneCount` zones:
 *
 * - a VPC on `settings.vpcCidr` with DNS hostnames and support on (stateful: protected and retained
 *   with `settings.protect`);
 * - per zone, a public and a private subnet (CIDRs from {@link subnetCidrs}), tagged
 *   `kubernetes.io/role/elb` and `kubernetes.io/role/internal-elb` for load-balancer discovery, and
 *   the private ones `karpenter.sh/discovery: <cluster name>` with Karpenter on, so its nodes run
 *   there too;
 * - an internet gateway and a public route table with the default route through it;
 * - {@link natGatewayCount} NAT gateways (with their Elastic IPs) in the public subnets, and per
 *   zone a private route table whose default route goes through a NAT gateway, spread round-robin.
 *
 * @param name - the component's name; resources are named `${name}-vpc`, `${name}-public-<i>`, ….
 * @param clusterName - the EKS cluster's name, which the `Name` tags and the discovery tag carry.
 * @param settings - the resolved cluster settings (`vpcCidr`, `availabilityZoneCount`, `environment`, `protect`).
 * @param zoneNames - the zones, in order, from {@link lookupAwsAccountFacts}.
 * @param opts - the component as parent and its AWS provider.
 * @returns the VPC and the public and private subnets.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/network-reqs.html
 * @see https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-basics.html
 */
export function createEksNetwork(
  name: string,
  clusterName: string,
  settings: ResolvedEksClusterArgs,
  zoneNames: pulumi.Output<string[]>,
  opts: EksChildOptions,
): EksNetwork {
  const zoneCount = settings.availabilityZoneCount;
  const stateful = statefulResourceOptions(settings.protect);
  const cidrs = subnetCidrs(settings.vpcCidr, zoneCount);
  const vpc = new aws.ec2.Vpc(
    `${name}-vpc`,
    { cidrBlock: settings.vpcCidr, enableDnsHostnames: true, enableDnsSupport: true, tags: { Name: `${clusterName}-vpc` } },
    { ...opts, ...stateful },
  );
  const internetGateway = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: { Name: `${clusterName}-igw` } }, opts);

  const zoneIndexes = Array.from({ length: zoneCount }, (_, i) => i);
  const publicSubnets = zoneIndexes.map(
    (i) =>
      new aws.ec2.Subnet(
        `${name}-public-${i}`,
        {
          vpcId: vpc.id,
          cidrBlock: cidrs.public[i],
          availabilityZone: zoneNames[i],
          mapPublicIpOnLaunch: false,
          tags: { Name: pulumi.interpolate`${clusterName}-public-${zoneNames[i]}`, "kubernetes.io/role/elb": "1" },
        },
        opts,
      ),
  );
  const privateSubnets = zoneIndexes.map(
    (i) =>
      new aws.ec2.Subnet(
        `${name}-private-${i}`,
        {
          vpcId: vpc.id,
          cidrBlock: cidrs.private[i],
          availabilityZone: zoneNames[i],
          mapPublicIpOnLaunch: false,
          tags: {
            Name: pulumi.interpolate`${clusterName}-private-${zoneNames[i]}`,
            "kubernetes.io/role/internal-elb": "1",
            ...(settings.karpenter.enabled ? { [KARPENTER_DISCOVERY_TAG]: clusterName } : {}),
          },
        },
        opts,
      ),
  );

  const publicRouteTable = new aws.ec2.RouteTable(`${name}-public-rt`, { vpcId: vpc.id, tags: { Name: `${clusterName}-public` } }, opts);
  new aws.ec2.Route(
    `${name}-public-default-route`,
    { routeTableId: publicRouteTable.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: internetGateway.id },
    opts,
  );
  publicSubnets.forEach(
    (subnet, i) => new aws.ec2.RouteTableAssociation(`${name}-public-rta-${i}`, { routeTableId: publicRouteTable.id, subnetId: subnet.id }, opts),
  );

  const natGateways = zoneIndexes.slice(0, natGatewayCount(settings.environment, zoneCount)).map((i) => {
    const eip = new aws.ec2.Eip(`${name}-nat-eip-${i}`, { domain: "vpc", tags: { Name: `${clusterName}-nat-${i}` } }, { ...opts, dependsOn: [internetGateway] });
    return new aws.ec2.NatGateway(
      `${name}-nat-${i}`,
      { allocationId: eip.id, subnetId: publicSubnets[i].id, tags: { Name: `${clusterName}-nat-${i}` } },
      { ...opts, dependsOn: [internetGateway] },
    );
  });
  privateSubnets.forEach((subnet, i) => {
    const routeTable = new aws.ec2.RouteTable(`${name}-private-rt-${i}`, { vpcId: vpc.id, tags: { Name: `${clusterName}-private-${i}` } }, opts);
    new aws.ec2.Route(
      `${name}-private-default-route-${i}`,
      { routeTableId: routeTable.id, destinationCidrBlock: "0.0.0.0/0", natGatewayId: natGateways[i % natGateways.length].id },
      opts,
    );
    new aws.ec2.RouteTableAssociation(`${name}-private-rta-${i}`, { routeTableId: routeTable.id, subnetId: subnet.id }, opts);
  });

  return { vpc, publicSubnets, privateSubnets };
}
