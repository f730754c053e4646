import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isRtcp,
  isRtp,
  isVp8KeyframeStart,
  rtpPayloadOffset,
  rtpTimestamp,
  writeSequenceAndSsrc,
  writeUint32,
} from './rtp.js';

/** V=2, marker, PT 96, seq 0x1234, ts 0xdeadbeef, SSRC 0x01020304, then `payload`. */
function packet(payload: number[], first = 0x80): Buffer {
  return Buffer.from([first, 0x80 | 96, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, ...payload]);
}

describe('RTP header', () => {
  it('reads the timestamp of an RTP packet', () => {
    const p = packet([0xaa]);
    expect(isRtp(p)).toBe(true);
    expect(rtpTimestamp(p)).toBe(0xdeadbeef);
  });

  it('tells RTCP from RTP by the second byte (RFC 5761)', () => {
    for (const type of [192, 200, 201, 205, 206, 223]) {
      const rtcp = Buffer.from([0x81, type, 0, 1, 0, 0, 0, 1]);
      expect(isRtcp(rtcp)).toBe(true);
      expect(isRtp(rtcp)).toBe(false);
    }
    expect(isRtcp(packet([]))).toBe(false);
    // PT 96 without marker (96) and PT 127 with marker (255) are RTP.
    expect(isRtcp(Buffer.from([0x80, 96, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]))).toBe(false);
    expect(isRtcp(Buffer.from([0x80, 255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]))).toBe(false);
    expect(isRtp(Buffer.from([0x80, 96, 0]))).toBe(false);
  });

  it('finds the payload after CSRCs and a header extension', () => {
    expect(rtpPayloadOffset(packet([1, 2]))).toBe(12);
    // CC=2: two CSRCs.
    expect(rtpPayloadOffset(packet([0, 0, 0, 9, 0, 0, 0, 8, 0xaa], 0x82))).toBe(20);
    // X=1: one-byte extension header with one 32-bit word.
    expect(rtpPayloadOffset(packet([0xbe, 0xde, 0, 1, 0x10, 0x9e, 0, 0, 0xaa], 0x90))).toBe(20);
    // Extension longer than the packet.
    expect(rtpPayloadOffset(packet([0xbe, 0xde, 0, 9], 0x90))).toBe(-1);
  });
});

describe('isVp8KeyframeStart', () => {
  it('recognizes the first packet of a key frame', () => {
    // Descriptor S=1 PID=0, frame tag with P=0 (key frame), start code.
    expect(isVp8KeyframeStart(packet([0x10, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a]))).toBe(true);
  });

  it('rejects delta frames and continuation packets', () => {
    expect(isVp8KeyframeStart(packet([0x10, 0x11, 0x02, 0x00]))).toBe(false);
    expect(isVp8KeyframeStart(packet([0x00, 0x10, 0x02, 0x00]))).toBe(false);
    expect(isVp8KeyframeStart(packet([]))).toBe(false);
  });

  it('skips the extended descriptor (picture id, TL0PICIDX, TID/KEYIDX)', () => {
    // X=1, S=1; I+L+T set; 15-bit picture id (M bit); TL0PICIDX; TID byte; then the key frame tag.
    expect(isVp8KeyframeStart(packet([0x90, 0xe0, 0x80, 0x01, 0x05, 0x20, 0x10, 0x02, 0x00]))).toBe(true);
    expect(isVp8KeyframeStart(packet([0x90, 0xe0, 0x80, 0x01, 0x05, 0x20, 0x11, 0x02, 0x00]))).toBe(false);
  });
});

describe('header writes (byte by byte, no boxed numbers)', () => {
  it('write any 32-bit value as Buffer.writeUInt32BE would, the bytes around untouched', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 8 }), (value, at) => {
        const ours = Buffer.alloc(16, 0xee);
        const nodes = Buffer.alloc(16, 0xee);
        writeUint32(ours, at, value);
        nodes.writeUInt32BE(value, at);
        expect(ours).toEqual(nodes);
      }),
    );
  });

  it('write sequence number and SSRC where RFC 3550 puts them', () => {
    const packet = Buffer.alloc(12, 0x5a);
    writeSequenceAndSsrc(packet, 0xfffe, 0xdeadbeef);
    expect(packet.readUInt16BE(2)).toBe(0xfffe);
    expect(packet.readUInt32BE(8)).toBe(0xdeadbeef);
    expect(packet.readUInt32BE(4)).toBe(0x5a5a5a5a); // the timestamp untouched
    expect(packet[0]).toBe(0x5a);
  });
});
