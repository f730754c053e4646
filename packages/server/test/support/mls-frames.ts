/**
 * Well-framed stand-ins for MLS messages (RFC 9420 framing, random contents): what the delivery
 * service can check without keys is the framing, so tests of it need frames, not cryptography.
 * (packages/server/src/features/e2ee/mls-framing.test.ts checks the parser against real ts-mls messages.)
 */

function vector(bytes: Uint8Array): Buffer {
  if (bytes.length < 64) return Buffer.concat([Buffer.from([bytes.length]), bytes]);
  if (bytes.length < 16384)
    return Buffer.concat([Buffer.from([0x40 | (bytes.length >> 8), bytes.length & 0xff]), bytes]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length | 0x80000000);
  return Buffer.concat([length, bytes]);
}

const u16 = (value: number) => Buffer.from([value >> 8, value & 0xff]);
const text = (value: string) => new TextEncoder().encode(value);
const filler = (label: string) => vector(text(label.padEnd(24, '.')));

/** A group id carrying a switch-off policy, as clients make them (group-policy.ts). */
export function groupIdOf(off: string[], nonce = 'n'): Uint8Array {
  return text(JSON.stringify({ v: 1, nonce, off }));
}

export function keyPackageFrame(participantId: string): string {
  return Buffer.concat([
    u16(1),
    u16(5),
    u16(1),
    u16(1),
    filler('init'),
    filler('encryption'),
    filler('signature'),
    u16(1),
    vector(text(participantId)),
    filler('rest'),
  ]).toString('base64');
}

export function privateFrame(
  groupId: Uint8Array,
  epoch: number,
  contentType: 'application' | 'commit',
  label = 'x',
): string {
  const epochBytes = Buffer.alloc(8);
  epochBytes.writeBigUInt64BE(BigInt(epoch));
  return Buffer.concat([
    u16(1),
    u16(2),
    vector(groupId),
    epochBytes,
    Buffer.from([contentType === 'commit' ? 3 : 1]),
    vector(new Uint8Array(0)),
    filler('sender'),
    filler(label),
  ]).toString('base64');
}

export function welcomeFrame(label = 'w'): string {
  return Buffer.concat([u16(1), u16(3), u16(1), filler('secrets'), filler(label)]).toString('base64');
}
