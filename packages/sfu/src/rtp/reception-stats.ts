/**
 * What the SFU tells a publisher about one of its RTP streams: a receiver report block (RFC 3550
 * §6.4.1: loss and highest sequence number), sent with a REMB (draft-alvestrand-rmcat-remb) so that
 * the browser's bandwidth estimate gets feedback and can ramp up to send its simulcast layers.
 * `received()` runs once per packet: counters only, nothing allocated.
 */
export class ReceptionStats {
  private base = -1;
  /** Highest sequence number, extended with the count of 16-bit wraps. */
  private highest = -1;
  private count = 0;
  private expectedPrior = 0;
  private receivedPrior = 0;

  received(sequence: number): void {
    this.count++;
    if (this.highest < 0) {
      this.base = sequence;
      this.highest = sequence;
      return;
    }
    const delta = (sequence - (this.highest & 0xffff)) & 0xffff;
    if (delta > 0 && delta < 0x8000) this.highest += delta;
  }

  /** Write a 24-byte report block about `ssrc` at `offset`; false before the first packet. */
  writeReportBlock(target: Buffer, offset: number, ssrc: number): boolean {
    if (this.highest < 0) return false;
    const expected = this.highest - this.base + 1;
    const lost = Math.max(0, expected - this.count);
    const expectedInterval = expected - this.expectedPrior;
    const lostInterval = expectedInterval - (this.count - this.receivedPrior);
    this.expectedPrior = expected;
    this.receivedPrior = this.count;
    const fraction =
      expectedInterval > 0 && lostInterval > 0 ? Math.floor((lostInterval * 256) / expectedInterval) : 0;
    target.writeUInt32BE(ssrc >>> 0, offset);
    target[offset + 4] = Math.min(255, fraction);
    target.writeUIntBE(Math.min(lost, 0x7fffff), offset + 5, 3);
    target.writeUInt32BE(this.highest >>> 0, offset + 8);
    target.writeUInt32BE(0, offset + 12); // jitter: not measured
    target.writeUInt32BE(0, offset + 16); // LSR: no RTT measurement
    target.writeUInt32BE(0, offset + 20); // DLSR
    return true;
  }
}

/**
 * A compound RTCP packet for a publisher: a Receiver Report with one block per stream, then a REMB
 * of `bitrate` bits/s for those streams (RFC 4585 PSFB, FMT 15, "REMB").
 */
export function buildReceiverFeedback(
  senderSsrc: number,
  streams: readonly { ssrc: number; stats: ReceptionStats }[],
  bitrate: number,
): Buffer | null {
  const blocks = Buffer.alloc(24 * streams.length);
  const reported: number[] = [];
  for (const { ssrc, stats } of streams) {
    if (stats.writeReportBlock(blocks, 24 * reported.length, ssrc)) reported.push(ssrc);
  }
  if (reported.length === 0) return null;
  const rr = Buffer.alloc(8 + 24 * reported.length);
  rr[0] = 0x80 | reported.length;
  rr[1] = 201;
  rr.writeUInt16BE(rr.length / 4 - 1, 2);
  rr.writeUInt32BE(senderSsrc >>> 0, 4);
  blocks.copy(rr, 8, 0, 24 * reported.length);
  const remb = Buffer.alloc(20 + 4 * reported.length);
  remb[0] = 0x80 | 15;
  remb[1] = 206;
  remb.writeUInt16BE(remb.length / 4 - 1, 2);
  remb.writeUInt32BE(senderSsrc >>> 0, 4);
  remb.writeUInt32BE(0, 8);
  remb.write('REMB', 12, 'ascii');
  let exponent = 0;
  let mantissa = Math.floor(bitrate);
  while (mantissa > 0x3ffff) {
    mantissa = Math.floor(mantissa / 2);
    exponent++;
  }
  remb[16] = reported.length;
  remb[17] = (exponent << 2) | (mantissa >> 16);
  remb.writeUInt16BE(mantissa & 0xffff, 18);
  for (let i = 0; i < reported.length; i++) remb.writeUInt32BE(reported[i]! >>> 0, 20 + 4 * i);
  return Buffer.concat([rr, remb]);
}
