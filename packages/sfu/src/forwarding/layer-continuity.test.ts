import { describe, expect, it } from 'vitest';
import { locateVp8Descriptor, readVp8PictureId } from '../rtp/rtp.js';
import { LayerContinuity } from './layer-continuity.js';

/** A VP8 packet with a 15-bit picture id and a TL0PICIDX, at RTP timestamp `timestamp`. */
function vp8(timestamp: number, pictureId: number, tl0: number): Buffer {
  const packet = Buffer.from([0x80, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 11, 0x90, 0xc0, 0, 0, tl0, 0]);
  packet.writeUInt32BE(timestamp, 4);
  packet.writeUInt16BE(0x8000 | pictureId, 14);
  return packet;
}

/** Rewrite `packet` as a subscription does, from the publisher's values read before. */
function rewrite(continuity: LayerContinuity, packet: Buffer): [number, number, number] {
  const descriptor = new Int32Array(2);
  locateVp8Descriptor(packet, descriptor);
  const pictureId = readVp8PictureId(packet, descriptor[0]!);
  continuity.rewrite(packet, descriptor, packet.readUInt32BE(4), pictureId, packet[descriptor[1]!]!);
  return [packet.readUInt32BE(4), readVp8PictureId(packet, descriptor[0]!), packet[descriptor[1]!]!];
}

describe('LayerContinuity (one stream for the subscriber across simulcast layers)', () => {
  it('passes the first layer through, then continues clock, picture id and TL0PICIDX after a switch', () => {
    const continuity = new LayerContinuity();
    expect(rewrite(continuity, vp8(1000, 50, 7))).toEqual([1000, 50, 7]);
    continuity.switchTo(900_000);
    // One frame (3000 at 90 kHz) after the last one sent; ids go on from the last ones.
    expect(rewrite(continuity, vp8(900_000, 12_000, 200))).toEqual([4000, 51, 8]);
    expect(rewrite(continuity, vp8(903_000, 12_001, 201))).toEqual([7000, 52, 9]);
    expect(continuity.outgoingTimestamp(906_000)).toBe(10_000);
  });

  it('rewrites an older packet without moving the last values on', () => {
    const continuity = new LayerContinuity();
    rewrite(continuity, vp8(6000, 10, 1));
    const descriptor = new Int32Array(2);
    const late = vp8(3000, 9, 0);
    locateVp8Descriptor(late, descriptor);
    continuity.rewriteOlder(late, descriptor, 3000, 9, 0);
    continuity.switchTo(100_000);
    expect(rewrite(continuity, vp8(100_000, 500, 50))).toEqual([9000, 11, 2]);
  });
});
