import { isIPv4, isIPv6 } from 'node:net';

/**
 * The part of a client address that identifies one subscriber: an IPv4 address as it is, an IPv6
 * address cut to its /64. A home or a phone usually gets a whole /64 and may pick any address in it,
 * so keying a limit on the full IPv6 address would let one client rotate past every limit.
 * IPv4-mapped IPv6 (`::ffff:203.0.113.7`) counts as the IPv4 address. Anything else comes back as is.
 */
export function addressPrefix(address: string): string {
  if (isIPv4(address)) return address;
  if (!isIPv6(address)) return address;
  const lower = address.toLowerCase();
  const zone = lower.indexOf('%');
  const bare = zone === -1 ? lower : lower.slice(0, zone);
  const mapped = bare.startsWith('::ffff:') ? bare.slice('::ffff:'.length) : null;
  if (mapped !== null && isIPv4(mapped)) return mapped;
  const groups = expandIPv6(bare);
  return `${groups.slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address, without leading zeros. */
function expandIPv6(address: string): string[] {
  let text = address;
  // A trailing embedded IPv4 address stands for the last two groups.
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (isIPv4(tail)) {
    const [a, b, c, d] = tail.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = rest === undefined || rest === '' ? [] : rest.split(':');
  const missing = rest === undefined ? 0 : 8 - left.length - right.length;
  const groups = [...left, ...Array.from({ length: missing }, () => '0'), ...right];
  return groups.map((group) => Number.parseInt(group, 16).toString(16));
}
