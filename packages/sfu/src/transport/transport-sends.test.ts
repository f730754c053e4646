import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { claimTransportSlot, findOneByteExtension } from '../rtp/header-extension.js';
import { TransportArrivals } from './transport-cc.js';
import { MAX_REPORTED, SEND_HISTORY, TransportSends } from './transport-sends.js';

/** Send `count` packets of `bytes`, 10 ms apart from `from` ms; returns their 16-bit numbers. */
function send(sends: TransportSends, count: number, bytes = 1000, from = 0): number[] {
  const numbers: number[] = [];
  for (let i = 0; i < count; i++) {
    numbers.push(sends.nextSequence);
    sends.sent(bytes, from + 10 * i);
  }
  return numbers;
}

/** A feedback message built the way the SFU builds its own (TransportArrivals). */
function feedback(arrived: [sequence: number, atMs: number][]): Buffer {
  const arrivals = new TransportArrivals();
  for (const [sequence, at] of arrived) arrivals.record(sequence, at * 1000);
  const [message, ...more] = arrivals.takeFeedback(1, 2);
  expect(more).toEqual([]);
  return message!;
}

describe('transport-wide numbering towards a subscriber and its feedback', () => {
  it('matches received and lost packets to their send time and size, each once', () => {
    const sends = new TransportSends();
    const numbers = send(sends, 5, 900);
    // 2 is lost (not recorded; 3 arrived after it, so it is reported lost).
    const message = feedback([
      [numbers[0]!, 100],
      [numbers[1]!, 110],
      [numbers[3]!, 131],
      [numbers[4]!, 140],
    ]);
    expect(sends.readFeedback(message)).toBe(true);
    const { results } = sends;
    expect(results.count).toBe(5);
    expect(results.lost).toBe(1);
    expect([...results.sentAt.subarray(0, 5)]).toEqual([0, 10, 20, 30, 40]);
    expect(Number.isNaN(results.arrivedAt[2]!)).toBe(true);
    expect(results.arrivedAt[3]! - results.arrivedAt[0]!).toBe(31);
    expect(results.bytes[4]).toBe(900);
    // The same feedback again (a copy delivered on a second track) matches nothing new.
    expect(sends.readFeedback(message)).toBe(true);
    expect(sends.results.count).toBe(0);
    // A lost packet that arrives after all is counted as recovered.
    expect(sends.readFeedback(feedback([[numbers[2]!, 150]]))).toBe(true);
    expect(sends.results.count).toBe(1);
    expect(sends.results.recovered).toBe(1);
  });

  it('unwraps the 16-bit numbers across the wrap', () => {
    const sends = new TransportSends();
    send(sends, 0xffff - 2);
    const numbers = send(sends, 6, 500, 1_000_000);
    expect(numbers).toEqual([0xfffe, 0xffff, 0, 1, 2, 3]);
    const message = feedback(numbers.map((n, i) => [n, 2000 + i]));
    expect(sends.readFeedback(message)).toBe(true);
    expect(sends.results.count).toBe(6);
    expect(sends.results.sentAt[5]).toBe(1_000_050);
  });

  it('ignores feedback for packets never sent, and malformed messages', () => {
    const sends = new TransportSends();
    const numbers = send(sends, 3);
    // Numbers ahead of anything sent.
    expect(sends.readFeedback(feedback([[numbers[2]! + 10, 5]]))).toBe(true);
    expect(sends.results.count).toBe(0);
    expect(sends.ignored).toBeGreaterThan(0);
    // Truncated, wrong type, length beyond the buffer.
    const good = feedback([[numbers[0]!, 5]]);
    expect(sends.readFeedback(good.subarray(0, 12))).toBe(false);
    const wrongType = Buffer.from(good);
    wrongType[1] = 206;
    expect(sends.readFeedback(wrongType)).toBe(false);
    const tooLong = Buffer.from(good);
    tooLong.writeUInt16BE(200, 2);
    expect(sends.readFeedback(tooLong)).toBe(false);
    // The good one still counts (nothing above changed a record).
    expect(sends.readFeedback(good)).toBe(true);
    expect(sends.results.count).toBe(1);
  });

  it('reads at most MAX_REPORTED statuses whatever count a message claims', () => {
    const sends = new TransportSends();
    send(sends, 100);
    // Status count 65535, run-length chunks of 8191 "not received" each: a few bytes claim a lot.
    const message = Buffer.alloc(20 + 8 * 2);
    message[0] = 0x8f;
    message[1] = 205;
    message.writeUInt16BE(message.length / 4 - 1, 2);
    message.writeUInt16BE(1, 12);
    message.writeUInt16BE(0xffff, 14);
    for (let i = 0; i < 8; i++) message.writeUInt16BE(0x1fff, 20 + 2 * i);
    expect(sends.readFeedback(message)).toBe(true);
    expect(sends.results.count).toBeLessThanOrEqual(100);
    expect(sends.ignored).toBeGreaterThanOrEqual(0xffff - MAX_REPORTED);
  });

  it('never throws and stays bounded on arbitrary bytes (property)', () => {
    const sends = new TransportSends();
    send(sends, SEND_HISTORY + 100);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 600 }), fc.boolean(), (bytes, asFeedback) => {
        const message = Buffer.from(bytes);
        if (asFeedback && message.length >= 20) {
          message[0] = 0x8f;
          message[1] = 205;
          message.writeUInt16BE(Math.floor(message.length / 4) - 1, 2);
        }
        sends.readFeedback(message);
        const { results } = sends;
        expect(results.count).toBeLessThanOrEqual(MAX_REPORTED);
        for (let i = 0; i < results.count; i++) expect(Number.isFinite(results.sentAt[i]!)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('claimTransportSlot', () => {
  /** An RTP header with a one-byte extension block holding `elements` ([id, ...value]). */
  function packet(elements: number[][]): Buffer {
    const body = elements.flatMap(([id, ...value]) => [(id! << 4) | (value.length - 1), ...value]);
    while (body.length % 4 !== 0) body.push(0);
    const header = Buffer.alloc(12);
    header[0] = 0x90;
    const extension = Buffer.from([0xbe, 0xde, 0, body.length / 4, ...body]);
    return Buffer.concat([header, extension, Buffer.from([1, 2, 3])]);
  }

  it('renames the publisher’s slot and blanks an element that already had the subscribers’ id', () => {
    // Publisher: audio level on 3 (the subscribers' transport-cc id), transport-cc on 5.
    const p = packet([
      [3, 0x8a],
      [5, 0x12, 0x34],
    ]);
    const at = claimTransportSlot(p, 5, 3);
    expect(at).toBeGreaterThan(0);
    expect(findOneByteExtension(p, 3)).toBe(at);
    expect(p.readUInt16BE(at)).toBe(0x1234);
    expect(findOneByteExtension(p, 5)).toBe(-1);
  });

  it('returns -1 without a slot and leaves the packet alone', () => {
    const p = packet([[1, 0x8a]]);
    const copy = Buffer.from(p);
    expect(claimTransportSlot(p, 5, 3)).toBe(-1);
    expect(p).toEqual(copy);
    expect(claimTransportSlot(Buffer.alloc(12), 5, 3)).toBe(-1);
  });
});
