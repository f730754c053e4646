import { isIPv4, isIPv6 } from 'node:net';

/**
 * The part of a client address that names one subscriber, for per-address limits: an IPv4 address
 * as it is, an IPv6 address cut to its /64 network (one home or host usually gets a whole /64 and
 * can pick any address in it, so limits keyed on the full address would be sidestepped by rotating
 * within it). IPv4-mapped IPv6 (`::ffff:192.0.2.1`) counts as the IPv4 address; a zone (`%eth0`)
 * is dropped. Anything unparsable is returned unchanged (it still keys a limit, just on its own).
 */
export function addressPrefix(address: string): string {
  const withoutZone = address.split('%', 1)[0] ?? address;
  if (isIPv4(withoutZone)) return withoutZone;
  if (!isIPv6(withoutZone)) return address;
  const groups = ipv6Groups(withoutZone.toLowerCase());
  if (groups === null) return address;
  const mapped = groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
  if (mapped) {
    const [high, low] = [groups[6] ?? 0, groups[7] ?? 0];
    return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  }
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a dotted IPv4 tail converted). */
function ipv6Groups(address: string): number[] | null {
  const [head = '', tail] = address.split('::', 2);
  const parse = (part: string): number[] => {
    if (part === '') return [];
    const groups: number[] = [];
    for (const piece of part.split(':')) {
      if (piece.includes('.')) {
        const octets = piece.split('.').map(Number);
        groups.push(((octets[0] ?? 0) << 8) | (octets[1] ?? 0), ((octets[2] ?? 0) << 8) | (octets[3] ?? 0));
      } else {
        groups.push(Number.parseInt(piece, 16));
      }
    }
    return groups;
  };
  const before = parse(head);
  const after = tail === undefined ? [] : parse(tail);
  const missing = 8 - before.length - after.length;
  if (missing < 0 || (tail === undefined && missing !== 0)) return null;
  return [...before, ...new Array<number>(missing).fill(0), ...after];
}
