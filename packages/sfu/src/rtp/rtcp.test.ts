import { describe, expect, it } from 'vitest';
import { buildNack, buildPli, buildSenderReport, parseRtcp, writeSenderInfo } from './rtcp.js';

/** Receiver Report with one report block about `about`, as browsers put at the head of a compound. */
function receiverReport(sender: number, about: number): Buffer {
  const buf = Buffer.alloc(32);
  buf[0] = 0x81;
  buf[1] = 201;
  buf.writeUInt16BE(7, 2);
  buf.writeUInt32BE(sender, 4);
  buf.writeUInt32BE(about, 8);
  return buf;
}

/** Full Intra Request (RFC 5104 §4.3.1) for one SSRC, as a browser sends it (the SFU sends PLIs). */
function fir(sender: number, media: number, sequence: number): Buffer {
  const buf = Buffer.alloc(20);
  buf[0] = 0x80 | 4;
  buf[1] = 206;
  buf.writeUInt16BE(4, 2);
  buf.writeUInt32BE(sender, 4);
  buf.writeUInt32BE(media, 12);
  buf[16] = sequence;
  return buf;
}

function remb(sender: number, bitrate: number, ssrcs: number[]): Buffer {
  const buf = Buffer.alloc(20 + ssrcs.length * 4);
  buf[0] = 0x80 | 15;
  buf[1] = 206;
  buf.writeUInt16BE(buf.length / 4 - 1, 2);
  buf.writeUInt32BE(sender, 4);
  buf.write('REMB', 12, 'latin1');
  let exponent = 0;
  while (bitrate >= 1 << 18) {
    bitrate /= 2;
    exponent++;
  }
  buf[16] = ssrcs.length;
  buf[17] = (exponent << 2) | (Math.floor(bitrate) >> 16);
  buf.writeUInt16BE(Math.floor(bitrate) & 0xffff, 18);
  for (const [i, ssrc] of ssrcs.entries()) buf.writeUInt32BE(ssrc, 20 + i * 4);
  return buf;
}

describe('parseRtcp', () => {
  it('splits a compound into its messages, each with the SSRC it is about', () => {
    const compound = Buffer.concat([
      receiverReport(1, 0xaaaa),
      buildPli(1, 0xaaaa),
      buildNack(1, 0xbbbb, [100, 101, 116, 117]),
      fir(1, 0xcccc, 7),
      remb(1, 1_500_000, [0xaaaa, 0xbbbb]),
    ]);
    expect(parseRtcp(compound)).toEqual([
      { type: 'receiver-report', ssrc: 1 },
      { type: 'pli', senderSsrc: 1, mediaSsrc: 0xaaaa },
      { type: 'nack', senderSsrc: 1, mediaSsrc: 0xbbbb, lost: [100, 101, 116, 117] },
      { type: 'fir', senderSsrc: 1, requests: [{ ssrc: 0xcccc, sequence: 7 }] },
      { type: 'remb', senderSsrc: 1, bitrate: expect.closeTo(1_500_000, -2), ssrcs: [0xaaaa, 0xbbbb] },
    ]);
  });

  it('reports a sender report with its place in the compound', () => {
    const sr = buildSenderReport(0x1234, 3_900_000_000, 0x80000000, 90_000);
    const compound = Buffer.concat([sr, receiverReport(0x1234, 9)]);
    expect(parseRtcp(compound)[0]).toEqual({ type: 'sender-report', ssrc: 0x1234, offset: 0, length: 28 });
  });

  it('keeps what precedes a malformed packet and stops there', () => {
    const truncated = Buffer.concat([buildPli(1, 2), Buffer.from([0x81, 206, 0, 9, 0, 0])]);
    expect(parseRtcp(truncated)).toEqual([{ type: 'pli', senderSsrc: 1, mediaSsrc: 2 }]);
    expect(parseRtcp(Buffer.from([0x00, 200, 0, 0]))).toEqual([]);
    expect(parseRtcp(Buffer.alloc(0))).toEqual([]);
  });

  it('marks unknown packets as other', () => {
    const bye = Buffer.from([0x81, 203, 0, 1, 0, 0, 0, 5]);
    expect(parseRtcp(bye)).toEqual([{ type: 'other', packetType: 203, format: 1 }]);
  });
});

describe('buildNack', () => {
  it('packs neighbours into the bitmask and wraps around 65535', () => {
    const nack = buildNack(7, 8, [65535, 0, 3, 40]);
    expect(nack.length).toBe(12 + 2 * 4);
    const parsed = parseRtcp(nack)[0];
    expect(parsed).toEqual({ type: 'nack', senderSsrc: 7, mediaSsrc: 8, lost: [65535, 0, 3, 40] });
  });
});

describe('writeSenderInfo', () => {
  it('copies NTP/RTP timestamps and counts under a new SSRC, without report blocks', () => {
    const sr = buildSenderReport(0x1111, 3_900_000_000, 0x12345678, 424242);
    sr.writeUInt32BE(10, 20);
    sr.writeUInt32BE(1000, 24);
    const withBlock = Buffer.concat([sr, Buffer.alloc(24)]);
    withBlock[0] = 0x81;
    withBlock.writeUInt16BE(12, 2);
    const target = Buffer.alloc(28);
    const out = writeSenderInfo(withBlock, 0, 0x2222, target);
    expect(out.length).toBe(28);
    expect(parseRtcp(out)).toEqual([{ type: 'sender-report', ssrc: 0x2222, offset: 0, length: 28 }]);
    expect(out.subarray(8)).toEqual(sr.subarray(8));
  });
});
