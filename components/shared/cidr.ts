/**
 * IPv4 CIDR arithmetic shared by the cloud platforms: parsing, formatting, and the checks of
 * public-endpoint allow lists.
 *
 * @see https://datatracker.ietf.org/doc/html/rfc4632
 */
import type { Environment } from "../contract/platform";

/** An IPv4 CIDR block as numbers. */
export interface Ipv4Cidr {
  /** The address as an unsigned 32-bit integer. */
  readonly address: number;
  /** The prefix length, 0 to 32. */
  readonly prefix: number;
}

const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/**
 * Parses an IPv4 CIDR block such as `10.0.0.0/16`.
 *
 * @param cidr - the block in `a.b.c.d/n` notation.
 * @returns the address and prefix, or `undefined` when the text is not an IPv4 CIDR block.
 * @see https://datatracker.ietf.org/doc/html/rfc4632
 */
export function parseIpv4Cidr(cidr: string): Ipv4Cidr | undefined {
  const match = IPV4_CIDR.exec(cidr.trim());
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((octet) => octet > 255) || prefix > 32) return undefined;
  const address = octets.reduce((acc, octet) => acc * 256 + octet, 0);
  return { address, prefix };
}

/**
 * Writes an address and prefix back in `a.b.c.d/n` notation.
 *
 * @param cidr - the block.
 * @see https://datatracker.ietf.org/doc/html/rfc4632
 */
export function formatIpv4Cidr(cidr: Ipv4Cidr): string {
  const { address, prefix } = cidr;
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256);
  return `${octets.join(".")}/${prefix}`;
}

/**
 * The block with its host bits cleared: `10.0.1.5/16` → `10.0.0.0/16`.
 *
 * @see https://datatracker.ietf.org/doc/html/rfc4632
 */
export function networkOf(cidr: Ipv4Cidr): Ipv4Cidr {
  const size = 2 ** (32 - cidr.prefix);
  return { address: cidr.address - (cidr.address % size), prefix: cidr.prefix };
}

/**
 * Checks a CIDR list (public-endpoint allow lists) and explains what is wrong.
 *
 * @param field - the field name, for the messages.
 * @param cidrs - the blocks.
 * @param environment - `0.0.0.0/0` (any `/0`) is refused in prod.
 * @returns one message per problem.
 * @see https://datatracker.ietf.org/doc/html/rfc4632
 */
export function allowListProblems(field: string, cidrs: readonly string[], environment: Environment): string[] {
  const problems: string[] = [];
  cidrs.forEach((text, index) => {
    const cidr = parseIpv4Cidr(text);
    if (!cidr) {
      problems.push(`\`${field}[${index}]\` must be an IPv4 CIDR block such as 203.0.113.0/24 (got "${text}")`);
      return;
    }
    const network = networkOf(cidr);
    if (network.address !== cidr.address) {
      problems.push(`\`${field}[${index}]\` ${text} has host bits set; did you mean ${formatIpv4Cidr(network)}?`);
    }
    if (cidr.prefix === 0 && environment === "prod") {
      problems.push(`\`${field}\` must not contain 0.0.0.0/0 in prod (got "${text}"); list the operators' networks instead`);
    }
  });
  return problems;
}
