import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { locateRedPrimary, MAX_RED_BLOCKS, RedAudio, type RedPrimary, writeRedPrimary } from './red.js';

const OPUS = 111;
const RED = 63;

/** An RTP packet of RED: `redundant` blocks then the primary, optional header extension and padding. */
function redPacket(
  redundant: Uint8Array[],
  primary: Uint8Array,
  options: { extensionWords?: number; padding?: number; primaryType?: number } = {},
): Buffer {
  const words = options.extensionWords ?? -1;
  const header = Buffer.alloc(12 + (words >= 0 ? 4 + words * 4 : 0));
  header[0] = 0x80 | (words >= 0 ? 0x10 : 0) | ((options.padding ?? 0) > 0 ? 0x20 : 0);
  header[1] = 0x80 | RED;
  header.writeUInt16BE(4242, 2);
  header.writeUInt32BE(960 * 7, 4);
  header.writeUInt32BE(0xcafe, 8);
  if (words >= 0) {
    header.writeUInt16BE(0xbede, 12);
    header.writeUInt16BE(words, 14);
  }
  const headers: number[] = [];
  redundant.forEach((block, index) => {
    const offset = 960 * (redundant.length - index);
    headers.push(
      0x80 | OPUS,
      (offset >> 6) & 0xff,
      ((offset & 0x3f) << 2) | (block.length >> 8),
      block.length & 0xff,
    );
  });
  headers.push(options.primaryType ?? OPUS);
  const padding = Buffer.alloc(options.padding ?? 0);
  if (padding.length > 0) padding[padding.length - 1] = padding.length;
  return Buffer.concat([
    header,
    Buffer.from(headers),
    ...redundant.map((b) => Buffer.from(b)),
    Buffer.from(primary),
    padding,
  ]);
}

const primaryOf = (packet: Buffer): Buffer | null => {
  const primary: RedPrimary = { start: -1, end: -1 };
  if (!locateRedPrimary(packet, OPUS, primary)) return null;
  return writeRedPrimary(packet, primary, OPUS, Buffer.alloc(1500));
};

describe('RFC 2198 RED: the primary block', () => {
  it('is the last block, sent as plain Opus with the header (and extensions) kept, padding dropped', () => {
    const packet = redPacket([Uint8Array.of(1, 2, 3), Uint8Array.of(4, 5)], Uint8Array.of(9, 8, 7, 6), {
      extensionWords: 1,
      padding: 3,
    });
    const plain = primaryOf(packet)!;
    expect([...plain.subarray(20)]).toEqual([9, 8, 7, 6]);
    expect(plain[0]).toBe(0x90); // extension kept, padding bit cleared
    expect(plain[1]).toBe(0x80 | OPUS); // marker kept
    expect(plain.subarray(2, 20).equals(packet.subarray(2, 20))).toBe(true);
  });

  it('a packet with only a primary block (no redundancy yet) keeps it whole', () => {
    const plain = primaryOf(redPacket([], Uint8Array.of(0xfc, 1, 2)))!;
    expect([...plain.subarray(12)]).toEqual([0xfc, 1, 2]);
  });

  it('round-trips any well-formed RED packet', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 4 }),
        fc.uint8Array({ minLength: 1, maxLength: 400 }),
        fc.option(fc.integer({ min: 0, max: 3 })),
        fc.integer({ min: 0, max: 20 }),
        (redundant, primary, words, padding) => {
          const packet = redPacket(redundant, primary, { extensionWords: words ?? -1, padding });
          const plain = primaryOf(packet);
          expect(plain).not.toBeNull();
          const headerLength = 12 + (words === null ? 0 : 4 + words * 4);
          expect(plain!.subarray(headerLength).equals(Buffer.from(primary))).toBe(true);
        },
      ),
    );
  });

  it('refuses malformed RED: truncated headers, lengths past the end, another primary format, no data', () => {
    // Block length larger than what follows.
    const long = redPacket([Uint8Array.of(1, 2, 3)], Uint8Array.of(9));
    long[12 + 3] = 200;
    expect(primaryOf(long)).toBeNull();
    // Headers only, ending in a redundant header cut short.
    expect(
      primaryOf(
        Buffer.concat([redPacket([], Uint8Array.of(1)).subarray(0, 12), Buffer.from([0x80 | OPUS, 0])]),
      ),
    ).toBeNull();
    // The primary is not Opus.
    expect(primaryOf(redPacket([], Uint8Array.of(1), { primaryType: 0 }))).toBeNull();
    // No primary data at all.
    expect(primaryOf(redPacket([Uint8Array.of(1)], new Uint8Array(0)))).toBeNull();
    // More blocks than MAX_RED_BLOCKS.
    const many = Array.from({ length: MAX_RED_BLOCKS + 1 }, () => Uint8Array.of(1));
    expect(primaryOf(redPacket(many, Uint8Array.of(2)))).toBeNull();
    // Padding that claims more than the payload.
    const padded = redPacket([], Uint8Array.of(1, 2), { padding: 2 });
    padded[padded.length - 1] = 60;
    expect(primaryOf(padded)).toBeNull();
  });

  it('never throws on arbitrary bytes, and what it finds lies inside the payload', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (bytes, asRtp) => {
        const packet = Buffer.from(bytes);
        if (asRtp && packet.length > 0) packet[0] = 0x80 | (packet[0]! & 0x3f);
        const primary: RedPrimary = { start: -1, end: -1 };
        if (locateRedPrimary(packet, OPUS, primary)) {
          expect(primary.start).toBeGreaterThanOrEqual(12);
          expect(primary.end).toBeLessThanOrEqual(packet.length);
          expect(primary.start).toBeLessThan(primary.end);
          const plain = writeRedPrimary(packet, primary, OPUS, Buffer.alloc(1500));
          expect(plain!.length).toBeLessThan(packet.length);
        } else expect(primary.start).toBe(-1);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('RedAudio', () => {
  it('renames the blocks of a publisher whose Opus has another payload type to the SFU’s', () => {
    const packet = redPacket([Uint8Array.of(1, 2)], Uint8Array.of(3, 4, 5));
    // A publisher numbering Opus 109.
    packet[12] = 0x80 | 109;
    packet[16] = 109;
    const red = new RedAudio();
    expect(red.accept(packet, 109, OPUS)).toBe(true);
    expect([packet[12], packet[16]]).toEqual([0x80 | OPUS, OPUS]);
    expect(red.primaryBytes).toBe(3);
    expect([...red.plainPacket(OPUS)!.subarray(12)]).toEqual([3, 4, 5]);
    // The primary is built once per packet: the same view for every subscriber without RED.
    expect(red.plainPacket(OPUS)).toBe(red.plainPacket(OPUS));
    red.notRed();
    expect(red.plainPacket(OPUS)).toBeNull();
  });
});

/** Padding bytes at the end of an RTP packet (P bit: the last byte counts them). */
const padding = (packet: Buffer) => (packet[0]! & 0x20 ? packet[packet.length - 1]! : 0);

describe('RedAudio on a hostile publisher’s bytes', () => {
  it('never throws, never writes past the RED headers, and builds primaries inside the packet', () => {
    const red = new RedAudio();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const packet = Buffer.from(bytes);
        if (packet.length > 0) packet[0] = 0x80 | (packet[0]! & 0x3f);
        const before = Buffer.from(packet);
        if (red.accept(packet, 109, OPUS)) {
          const plain = red.plainPacket(OPUS)!;
          expect(plain.length).toBeLessThan(packet.length);
          expect(plain.length).toBeGreaterThan(12);
          // Only block headers may change (their payload type): never the RTP header or the primary.
          const primaryFrom = plain.length - red.primaryBytes;
          expect(
            plain.subarray(primaryFrom).equals(
              Buffer.from(before)
                .subarray(-red.primaryBytes - padding(before))
                .subarray(0, red.primaryBytes),
            ),
          ).toBe(true);
          for (let i = 0; i < packet.length; i++)
            if (packet[i] !== before[i]) expect(i).toBeGreaterThanOrEqual(12);
        } else {
          expect(red.plainPacket(OPUS)).toBeNull();
          expect(packet.equals(before)).toBe(true);
        }
      }),
      { numRuns: 5000 },
    );
  });
});
