import { describe, expect, it } from 'vitest';
import { buildReceiverFeedback, ReceptionStats } from './reception-stats.js';
import { parseRtcp } from './rtcp.js';

describe('receiver feedback to publishers', () => {
  it('reports loss and the extended highest sequence number across a wrap, with a REMB', () => {
    const stats = new ReceptionStats();
    for (let seq = 65530; seq < 65536 + 10; seq++) if (seq % 4 !== 0) stats.received(seq & 0xffff);
    const packet = buildReceiverFeedback(1, [{ ssrc: 0xabc, stats }], 2_500_000)!;
    // RR: 16 packets expected (65530 … 65545), 4 lost.
    expect(packet[1]).toBe(201);
    expect(packet.readUInt32BE(8)).toBe(0xabc);
    expect(packet[12]).toBe(64); // 4/16 of 256
    expect(packet.readUIntBE(13, 3)).toBe(4);
    expect(packet.readUInt32BE(16)).toBe(65536 + 9);
    const remb = parseRtcp(packet).find((m) => m.type === 'remb');
    expect(remb).toMatchObject({ type: 'remb', ssrcs: [0xabc] });
    expect(Math.abs((remb as { bitrate: number }).bitrate - 2_500_000)).toBeLessThan(2_500_000 / 1000);
  });

  it('has nothing to say before the first packet', () => {
    expect(buildReceiverFeedback(1, [{ ssrc: 2, stats: new ReceptionStats() }], 1e6)).toBeNull();
  });
});
