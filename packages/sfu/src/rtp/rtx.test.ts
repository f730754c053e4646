import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { restoreRetransmission, writeRetransmission } from './rtx.js';

/** An RTP packet: CSRCs, a one-byte extension block of `extensionWords`, payload, optional padding. */
const rtpPacket = fc
  .record({
    marker: fc.boolean(),
    payloadType: fc.integer({ min: 0, max: 127 }),
    sequence: fc.integer({ min: 0, max: 0xffff }),
    timestamp: fc.integer({ min: 0, max: 0xffffffff }),
    ssrc: fc.integer({ min: 1, max: 0xffffffff }),
    csrcs: fc.integer({ min: 0, max: 3 }),
    extensionWords: fc.option(fc.integer({ min: 0, max: 4 })),
    payload: fc.uint8Array({ minLength: 1, maxLength: 1200 }),
    padding: fc.integer({ min: 0, max: 40 }),
  })
  .map((p) => {
    const extension = p.extensionWords === null ? 0 : 4 + p.extensionWords * 4;
    const header = 12 + p.csrcs * 4 + extension;
    const packet = Buffer.alloc(header + p.payload.length + p.padding, 0x5a);
    packet[0] = 0x80 | (p.padding > 0 ? 0x20 : 0) | (p.extensionWords !== null ? 0x10 : 0) | p.csrcs;
    packet[1] = (p.marker ? 0x80 : 0) | p.payloadType;
    packet.writeUInt16BE(p.sequence, 2);
    packet.writeUInt32BE(p.timestamp, 4);
    packet.writeUInt32BE(p.ssrc, 8);
    if (p.extensionWords !== null) {
      const at = 12 + p.csrcs * 4;
      packet.writeUInt16BE(0xbede, at);
      packet.writeUInt16BE(p.extensionWords, at + 2);
    }
    Buffer.from(p.payload).copy(packet, header);
    if (p.padding > 0) packet[packet.length - 1] = p.padding;
    return packet;
  });

describe('writeRetransmission (RFC 4588 §4)', () => {
  it('puts the OSN before the payload and the RTX SSRC, payload type and sequence in the header', () => {
    const packet = Buffer.from([
      0x80, 0xe0, 0x12, 0x34, 0, 0, 0, 9, 0xaa, 0xbb, 0xcc, 0xdd, 0x10, 0x20, 0x30,
    ]);
    const target = Buffer.alloc(1502);
    const rtx = writeRetransmission(packet, target, 0x01020304, 97, 7)!;
    expect([...rtx]).toEqual([0x80, 0xe1, 0, 7, 0, 0, 0, 9, 1, 2, 3, 4, 0x12, 0x34, 0x10, 0x20, 0x30]);
    // The original is untouched (it is the cache's copy).
    expect(packet.readUInt16BE(2)).toBe(0x1234);
  });

  it('round-trips through restoreRetransmission for any well-formed packet', () => {
    fc.assert(
      fc.property(
        rtpPacket,
        fc.integer({ min: 1, max: 0xffffffff }),
        fc.integer({ min: 0, max: 0xffff }),
        (packet, rtxSsrc, rtxSequence) => {
          const target = Buffer.alloc(packet.length + 2);
          const rtx = writeRetransmission(packet, target, rtxSsrc, 97, rtxSequence);
          expect(rtx).not.toBeNull();
          expect(rtx!.length).toBe(packet.length + 2);
          expect(rtx!.readUInt32BE(8)).toBe(rtxSsrc);
          expect(rtx!.readUInt16BE(2)).toBe(rtxSequence);
          expect(rtx![1]! & 0x7f).toBe(97);
          const restored = restoreRetransmission(
            Buffer.from(rtx!),
            packet.readUInt32BE(8),
            packet[1]! & 0x7f,
          );
          expect(restored).not.toBeNull();
          expect(restored!.equals(packet)).toBe(true);
        },
      ),
    );
  });

  it('refuses malformed packets and a target without room, without throwing', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const packet = Buffer.from(bytes);
        const rtx = writeRetransmission(packet, Buffer.alloc(70), 5, 97, 1);
        if (rtx !== null) expect(rtx.length).toBe(packet.length + 2);
      }),
    );
    const packet = Buffer.alloc(20, 0x80);
    packet[0] = 0x80;
    expect(writeRetransmission(packet, Buffer.alloc(21), 5, 97, 1)).toBeNull();
    // Only header and padding: nothing to retransmit.
    const paddingOnly = Buffer.alloc(16);
    paddingOnly[0] = 0xa0;
    paddingOnly[15] = 4;
    expect(writeRetransmission(paddingOnly, Buffer.alloc(30), 5, 97, 1)).toBeNull();
  });
});
