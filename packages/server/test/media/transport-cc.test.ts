import type { MediaBot } from '@parley/media-bot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaHarness } from '../support/media-harness.js';
import { waitFor } from '../support/wait-for.js';

const ROOM = 'room-transport-cc';

describe('transport-wide congestion control feedback to a publisher, over real DTLS-SRTP', () => {
  let harness: MediaHarness;
  let alice: MediaBot;

  beforeAll(async () => {
    harness = new MediaHarness();
    // Alice numbers her audio packets (50 a second) and never sends every tenth one.
    alice = await harness.join(
      ROOM,
      'alice',
      { audio: true, video: false },
      { transportCc: true, transportCcSkipEvery: 10 },
    );
  });

  afterAll(async () => {
    await harness.close();
  });

  it('reports each numbered packet once as received with its arrival time, or as lost', async () => {
    await waitFor('feedback on 100 packets', () => alice.transportReports().reported.size >= 100, {
      timeoutMs: 15_000,
    });
    const { reported, messages } = alice.transportReports();
    // About one message per 100 ms, not one per packet.
    expect(messages).toBeLessThan(reported.size / 2);
    const sequences = [...reported.keys()].sort((a, b) => a - b);
    // Consecutive from the first packet that arrived, with nothing left out.
    expect(sequences.at(-1)! - sequences[0]! + 1).toBe(sequences.length);
    for (const sequence of sequences) {
      expect(reported.get(sequence) === null, `packet ${sequence}`).toBe(sequence % 10 === 0);
    }
    // Arrival times in microseconds: the bot sends one audio packet per 20 ms tick.
    const arrivals = sequences.map((s) => reported.get(s)).filter((at): at is number => at != null);
    const gaps = arrivals.slice(1).map((at, i) => at - arrivals[i]!);
    const median = gaps.sort((a, b) => a - b)[Math.floor(gaps.length / 2)]!;
    expect(median).toBeGreaterThan(10_000);
    expect(median).toBeLessThan(40_000);
    expect(harness.errors).toEqual([]);
  });
});
