import net from 'node:net';
import { z } from 'zod';

/** One address or CIDR range: `203.0.113.7` is `203.0.113.7/32`. */
export interface IpRange {
  network: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

const EXAMPLE = 'such as 203.0.113.7, 203.0.113.0/24 or 2001:db8::/32';

/** The range one list entry names, or why it names none. */
function parseRange(entry: string): IpRange | string {
  const [network = '', prefixText, ...rest] = entry.split('/');
  const version = net.isIP(network);
  if (version === 0 || rest.length > 0) return `"${entry}" is not an IP address or CIDR range`;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  const longest = version === 4 ? 32 : 128;
  if (prefixText === undefined) return { network, prefix: longest, family };
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= 0 && prefix <= longest)) return `"${entry}" has a prefix length outside 0..${longest}`;
  return { network, prefix, family };
}

/** A comma-separated list of IP addresses and CIDR ranges, IPv4 or IPv6; at least one. */
export const ipRangeList = z.string().transform((value, context): IpRange[] => {
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) {
    context.addIssue({ code: 'custom', message: `a comma-separated list of IP addresses or CIDR ranges ${EXAMPLE}; it is empty` });
    return z.NEVER;
  }
  const ranges: IpRange[] = [];
  for (const entry of entries) {
    const range = parseRange(entry);
    if (typeof range === 'string') {
      context.addIssue({ code: 'custom', message: `a comma-separated list of IP addresses or CIDR ranges ${EXAMPLE}; ${range}` });
      return z.NEVER;
    }
    ranges.push(range);
  }
  return ranges;
});

/** The ranges as a BlockList, whose check() also matches an IPv4-mapped IPv6 address against IPv4 ranges. */
export function blockListOf(ranges: IpRange[]): net.BlockList {
  const list = new net.BlockList();
  for (const { network, prefix, family } of ranges) list.addSubnet(network, prefix, family);
  return list;
}

/** `network/prefix`, as proxy-addr (Fastify's trustProxy) takes a range. */
export const cidrOf = ({ network, prefix }: IpRange): string => `${network}/${prefix}`;
