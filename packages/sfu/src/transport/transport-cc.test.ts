import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTransportFeedback, readTransportSequence, TransportArrivals } from './transport-cc.js';

const SENDER = 0x11223344;
const MEDIA = 0x55667788;

/** Every packet the messages report, in order, with the 16-bit base of each message checked. */
function reported(messages: Buffer[]) {
  return messages.flatMap((message) => {
    const parsed = parseTransportFeedback(message);
    if (parsed === null) throw new Error(`unparsable feedback ${message.toString('hex')}`);
    expect(message.length % 4).toBe(0);
    return parsed.packets;
  });
}

describe('transport-wide feedback', () => {
  it('writes the draft’s wire format: reference time, a two-bit vector, one- and two-byte deltas, padding', () => {
    const arrivals = new TransportArrivals();
    // 641 ms = reference 10 (×64 ms) + 4 ticks of 250 µs.
    arrivals.record(10, 641_000);
    arrivals.record(11, 641_500); // +2 ticks
    // 12 lost; 13 arrives before 11 did (-3 ticks from 11): a negative, two-byte delta.
    arrivals.record(13, 640_750);
    const [message, ...more] = arrivals.takeFeedback(SENDER, MEDIA);
    expect(more).toEqual([]);
    expect(message!.toString('hex')).toBe(
      [
        'af cd 00 06', // V=2, P=1, FMT=15 | RTPFB | 7 words
        '11 22 33 44',
        '55 66 77 88',
        '00 0a 00 04', // base 10, 4 packets
        '00 00 0a 00', // reference 10, feedback 0
        'd4 80', // two-bit vector: received small, received small, lost, received large
        '04 02 ff fd', // deltas +4, +2, -3 ticks
        '00 02', // padding, its length last
      ]
        .join('')
        .replace(/ /g, ''),
    );
    expect(arrivals.takeFeedback(SENDER, MEDIA)).toEqual([]);
    // The next message counts on and starts after what was reported.
    arrivals.record(14, 700_000);
    const parsed = parseTransportFeedback(arrivals.takeFeedback(SENDER, MEDIA)[0]!);
    expect(parsed).toMatchObject({
      base: 14,
      feedbackCount: 1,
      packets: [{ sequence: 14, arrivalUs: 700_000 }],
    });
  });

  it('reports every packet once, in order, each arrival within half a tick, whatever the order and losses', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff }),
        fc.array(
          fc.record({
            lost: fc.boolean(),
            gapUs: fc.integer({ min: 0, max: 300_000 }),
            swap: fc.boolean(),
          }),
          { minLength: 1, maxLength: 600 },
        ),
        fc.integer({ min: 1, max: 50 }),
        (start, steps, feedbackEvery) => {
          const arrivals = new TransportArrivals();
          // Packets numbered from `start` (wrapping at 2^16), some lost, neighbours sometimes swapped.
          let now = 5_000_000;
          const sent = steps.map((step, i) => {
            now += step.gapUs;
            return { sequence: (start + i) & 0xffff, at: now, lost: step.lost && i > 0 };
          });
          for (let i = 0; i + 1 < sent.length; i++)
            if (steps[i]!.swap && sent[i]!.at !== sent[i + 1]!.at)
              [sent[i], sent[i + 1]] = [sent[i + 1]!, sent[i]!];
          const messages: Buffer[] = [];
          const arrived = new Map<number, number>();
          sent.forEach((packet, i) => {
            if (!packet.lost) {
              arrivals.record(packet.sequence, packet.at);
              arrived.set(packet.sequence, packet.at);
            }
            if (i % feedbackEvery === 0) messages.push(...arrivals.takeFeedback(SENDER, MEDIA));
          });
          messages.push(...arrivals.takeFeedback(SENDER, MEDIA));
          const packets = reported(messages);
          // Consecutive numbers from the first packet received; each reported once.
          packets.forEach((packet, i) => {
            expect(packet.sequence).toBe((packets[0]!.sequence + i) & 0xffff);
          });
          for (const packet of packets) {
            const at = arrived.get(packet.sequence);
            if (packet.arrivalUs === null) continue;
            expect(at).toBeDefined();
            expect(Math.abs(packet.arrivalUs - at!)).toBeLessThanOrEqual(125);
          }
          // Every received packet that came after the first is reported as received, unless it came
          // late, after a feedback had already reported it lost.
          const receivedReports = packets.filter((packet) => packet.arrivalUs !== null).length;
          expect(receivedReports).toBeGreaterThan(0);
          expect(receivedReports).toBeLessThanOrEqual(arrived.size);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('uses runs for long stretches and splits a message where a delta would not fit two bytes', () => {
    const arrivals = new TransportArrivals();
    for (let i = 0; i < 100; i++) arrivals.record(i, 1_000_000 + i * 1000); // 4 ticks apart: one byte each
    arrivals.record(100, 1_000_000 + 99 * 1000 + 9_000_000); // 9 s later: beyond ±8.19 s
    const messages = arrivals.takeFeedback(SENDER, MEDIA);
    expect(messages).toHaveLength(2);
    // 100 received-small symbols: one run chunk, then 100 one-byte deltas.
    expect(messages[0]!.readUInt16BE(14)).toBe(100);
    expect(messages[0]!.readUInt16BE(20)).toBe((1 << 13) | 100);
    expect(reported(messages).map((packet) => packet.sequence)).toEqual([...Array(101).keys()]);
  });

  it('keeps its work bounded when a publisher jumps far ahead in its numbering', () => {
    const arrivals = new TransportArrivals();
    arrivals.record(0, 1_000);
    arrivals.record(30_000, 2_000);
    // At most four messages per interval; what is left goes in the next interval's.
    const first = arrivals.takeFeedback(SENDER, MEDIA);
    expect(first).toHaveLength(4);
    const messages = [...first, ...arrivals.takeFeedback(SENDER, MEDIA)];
    const packets = reported(messages);
    // Only the window before the jump is reported (mostly as lost).
    expect(packets.length).toBeLessThanOrEqual(4096);
    expect(packets.at(-1)).toEqual({ sequence: 30_000, arrivalUs: 2_000 });
    expect(messages.every((message) => message.length < 1200)).toBe(true);
  });

  it('reads the sequence number from the one-byte header extension', () => {
    // Header with X=1, then 0xBEDE, 2 words: audio level (id 1, 1 byte), transport-cc (id 3, 2 bytes), padding.
    const packet = Buffer.from('900100010000000000000001bede000210ff31abcd000000aaaa', 'hex');
    expect(readTransportSequence(packet, 3)).toBe(0xabcd);
    expect(readTransportSequence(packet, 4)).toBe(-1);
    expect(readTransportSequence(packet, 1)).toBe(-1); // one byte long: not a transport sequence
  });

  it('refuses malformed feedback', () => {
    const arrivals = new TransportArrivals();
    arrivals.record(1, 1_000);
    const message = arrivals.takeFeedback(SENDER, MEDIA)[0]!;
    expect(parseTransportFeedback(message.subarray(0, 16))).toBeNull();
    const claimsMore = Buffer.from(message);
    claimsMore.writeUInt16BE(500, 14);
    expect(parseTransportFeedback(claimsMore)).toBeNull();
  });
});
