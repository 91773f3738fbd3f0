/**
 * A minimal private network in the disaster-recovery region for a managed data store's
 * cross-region replica (an RDS read replica, an ElastiCache Global Datastore secondary): a VPC,
 * one private subnet in each of two zones (a DB or cache subnet group needs two), no internet
 * gateway and no NAT (replication is AWS's own traffic and needs neither, and they cost nothing
 * this way), and a security group admitting the store's port from the VPC's own block only.
 *
 * The store owns it so that `dr.region` alone is enough: no VPC has to exist in the DR region
 * before the first `pulumi up`. After a region loss, the platform stack brought up in the DR
 * region reaches the promoted store by VPC peering (or by being deployed into this VPC). Each kind of
 * store has its own block ({@link DR_VPC_CIDRS}), distinct from the EKS default (`10.0.0.0/16`) and
 * from each other, so one VPC can be peered with both networks (AWS refuses peering between
 * overlapping blocks, and a route table cannot route one block to two peers).
 *
 * Loaded only by AWS code.
 *
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html#USER_VPC.Subnets
 * @see https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/SubnetGroups.html
 * @see https://docs.aws.amazon.com/vpc/latest/peering/what-is-vpc-peering.html
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/**
 * The DR networks' IPv4 blocks, one per kind of store: not the EKS VPC's default `10.0.0.0/16`
 * and not each other's, so a VPC in the DR region can be peered with both.
 * @see https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html#vpc-peering-limitations
 */
export const DR_VPC_CIDRS = { postgres: "10.64.0.0/16", redis: "10.65.0.0/16" } as const;

/** The two subnets' blocks of a DR network (one per zone): the first two /20 of its /16. */
export function drSubnetCidrs(vpcCidr: string): [string, string] {
  const [a, b] = vpcCidr.split(".");
  return [`${a}.${b}.0.0/20`, `${a}.${b}.16.0/20`];
}

/** The DR network of one store. */
export interface AwsDrNetwork {
  readonly vpcId: pulumi.Output<string>;
  readonly subnetIds: pulumi.Output<string>[];
  readonly securityGroupId: pulumi.Output<string>;
}

/**
 * Creates the DR network of one store, named `<name>-dr-vpc`, `<name>-dr-subnet-<i>`, `<name>-dr-sg`.
 *
 * @param name - the store's component name.
 * @param region - the DR region, such as `eu-central-1`.
 * @param port - the store's TCP port, admitted from the VPC's own block.
 * @param kind - which block of {@link DR_VPC_CIDRS} the VPC takes.
 * @param opts - the store's parent and AWS provider (resources set `region` themselves).
 */
export function awsDrNetwork(name: string, region: string, port: number, kind: keyof typeof DR_VPC_CIDRS, what: string, opts: pulumi.CustomResourceOptions): AwsDrNetwork {
  const cidrBlock = DR_VPC_CIDRS[kind];
  const tags = (role: string) => ({ Name: `${name}-${role}` });
  const vpc = new aws.ec2.Vpc(`${name}-dr-vpc`, { region, cidrBlock, enableDnsHostnames: true, enableDnsSupport: true, tags: tags("dr-vpc") }, opts);
  const zones = aws.getAvailabilityZonesOutput({ region, state: "available" }, { parent: opts.parent, provider: opts.provider });
  const subnetIds = drSubnetCidrs(cidrBlock).map(
    (subnetBlock, i) =>
      new aws.ec2.Subnet(`${name}-dr-subnet-${i}`, { region, vpcId: vpc.id, cidrBlock: subnetBlock, availabilityZone: zones.names[i], mapPublicIpOnLaunch: false, tags: tags(`dr-subnet-${i}`) }, opts).id,
  );
  // No egress rule: the provider removes AWS's default allow-all, and the stores open no connections.
  const securityGroup = new aws.ec2.SecurityGroup(`${name}-dr-sg`, { region, vpcId: vpc.id, description: `${what} ${name} (DR replica): TCP ${port} from the DR VPC only`, tags: tags("dr-sg") }, opts);
  new aws.vpc.SecurityGroupIngressRule(
    `${name}-dr-sg-from-vpc`,
    { region, securityGroupId: securityGroup.id, cidrIpv4: cidrBlock, ipProtocol: "tcp", fromPort: port, toPort: port, description: `${what} from the DR VPC (a peered or in-VPC client after promotion)` },
    opts,
  );
  return { vpcId: vpc.id, subnetIds, securityGroupId: securityGroup.id };
}
