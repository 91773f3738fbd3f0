import { validateResourceOfType, type ReportViolation, type ResourceValidationPolicy } from "@pulumi/policy";
import { aws, gcp } from "./resource-types";

/** CIDRs that mean "any address". */
const ANYWHERE = ["0.0.0.0/0", "::/0"];

/** The data-store ports that must not be open to the internet, and what listens on them. */
const DATA_PORTS: Record<number, string> = { 5432: "PostgreSQL", 6379: "Redis" };

/** The IP protocol values that mean "every protocol, every port". */
const ALL_PROTOCOLS = ["-1", "all"];

/**
 * The data ports a rule opens: all of them for protocol `-1`, those in `fromPort`–`toPort` for TCP.
 */
function dataPortsOpened(protocol: string | undefined, fromPort: number | undefined, toPort: number | undefined): string[] {
  const p = String(protocol ?? "").toLowerCase();
  const all = ALL_PROTOCOLS.includes(p);
  if (!all && p !== "tcp" && p !== "6") return [];
  return Object.entries(DATA_PORTS)
    .filter(([port]) => all || (fromPort !== undefined && toPort !== undefined && fromPort <= Number(port) && Number(port) <= toPort))
    .map(([port, what]) => `${port} (${what})`);
}

function checkIngress(
  label: string,
  rule: { protocol?: string; fromPort?: number; toPort?: number; cidrs: (string | undefined)[] },
  reportViolation: ReportViolation,
): void {
  const ports = dataPortsOpened(rule.protocol, rule.fromPort, rule.toPort);
  if (ports.length === 0) return;
  for (const cidr of rule.cidrs.filter((c): c is string => c !== undefined && ANYWHERE.includes(c.trim()))) {
    reportViolation(`${label} opens ${ports.length > 1 ? "ports" : "port"} ${ports.join(", ")} to ${cidr}.`);
  }
}

/**
 * Databases and caches are reachable only from private networks.
 *
 * - AWS RDS instance and cluster instance: `publiclyAccessible` is not true.
 * - Google Cloud SQL instance: `settings.ipConfiguration.ipv4Enabled: false` (private IP only;
 *   unset means a public IPv4 address), and no `0.0.0.0/0` or `::/0` in
 *   `settings.ipConfiguration.authorizedNetworks`.
 * - AWS security groups (`ec2.SecurityGroup` inline `ingress`, `ec2.SecurityGroupRule` of type
 *   `ingress`, and `vpc.SecurityGroupIngressRule`): no rule opens PostgreSQL (5432) or Redis
 *   (6379) to `0.0.0.0/0` or `::/0`, by a TCP port range that includes it or by protocol `-1`.
 *
 * @severity critical
 *
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html#USER_VPC.Hiding
 * @see https://cloud.google.com/sql/docs/postgres/configure-private-ip
 * @see https://cloud.google.com/sql/docs/postgres/authorize-networks
 * @see https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html
 * @see https://github.com/pulumi/compliance-policies/tree/main/vendor-aws/aws/rds/Instance
 */
export const noPublicDatabases: ResourceValidationPolicy = {
  name: "no-public-databases",
  description: "Databases and caches have no public address, and no security group opens their ports to the internet.",
  severity: "critical",
  enforcementLevel: "mandatory",
  validateResource: [
    validateResourceOfType(aws.rds.Instance, (instance, args, reportViolation) => {
      if (instance.publiclyAccessible === true) reportViolation(`RDS instance "${args.name}" sets publiclyAccessible: true.`);
    }),
    validateResourceOfType(aws.rds.ClusterInstance, (instance, args, reportViolation) => {
      if (instance.publiclyAccessible === true) reportViolation(`RDS cluster instance "${args.name}" sets publiclyAccessible: true.`);
    }),
    validateResourceOfType(gcp.sql.DatabaseInstance, (instance, args, reportViolation) => {
      const label = `Cloud SQL instance "${args.name}"`;
      const ip = instance.settings?.ipConfiguration;
      if (ip?.ipv4Enabled !== false) {
        reportViolation(`${label} has a public IPv4 address; set settings.ipConfiguration.ipv4Enabled: false and use a private network.`);
      }
      for (const network of (ip?.authorizedNetworks ?? []).filter((n) => ANYWHERE.includes(n.value.trim()))) {
        reportViolation(`${label} authorizes ${network.value} in settings.ipConfiguration.authorizedNetworks.`);
      }
    }),
    validateResourceOfType(aws.ec2.SecurityGroup, (group, args, reportViolation) => {
      for (const rule of group.ingress ?? []) {
        checkIngress(`Security group "${args.name}" ingress`, { ...rule, cidrs: [...(rule.cidrBlocks ?? []), ...(rule.ipv6CidrBlocks ?? [])] }, reportViolation);
      }
    }),
    validateResourceOfType(aws.ec2.SecurityGroupRule, (rule, args, reportViolation) => {
      if (rule.type !== "ingress") return;
      checkIngress(`Security group rule "${args.name}"`, { ...rule, cidrs: [...(rule.cidrBlocks ?? []), ...(rule.ipv6CidrBlocks ?? [])] }, reportViolation);
    }),
    validateResourceOfType(aws.vpc.SecurityGroupIngressRule, (rule, args, reportViolation) => {
      checkIngress(`Security group ingress rule "${args.name}"`, { protocol: rule.ipProtocol, fromPort: rule.fromPort, toPort: rule.toPort, cidrs: [rule.cidrIpv4, rule.cidrIpv6] }, reportViolation);
    }),
  ],
};
