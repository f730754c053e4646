import type { MediaBot } from '@parley/media-bot';
import { RTCP_RTPFB } from '@parley/sfu/rtp';
import { TRANSPORT_CC_FORMAT } from '@parley/sfu/transport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaHarness } from '../support/media-harness.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Issue 18: transport-cc towards subscribers over real DTLS-SRTP. Alice publishes numbered packets
 * (as browsers do once transport-cc is negotiated); Bob subscribes and, like Chromium, reports
 * arrivals every 100 ms. The SFU renumbers every packet per subscribe connection and reads Bob's
 * feedback into his estimate; forged feedback costs bounded work and stops nothing.
 */
const ROOM = 'room-subscriber-transport-cc';

const packets = (bot: MediaBot, key: string) => bot.received().get(key)?.packets ?? 0;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A transport feedback message claiming `count` statuses from `base`, all "received, small delta". */
function forgedFeedback(mediaSsrc: number, base: number, count: number): Buffer {
  const message = Buffer.alloc(20 + 8 * 2 + 8);
  message[0] = 0x80 | TRANSPORT_CC_FORMAT;
  message[1] = RTCP_RTPFB;
  message.writeUInt16BE(message.length / 4 - 1, 2);
  message.writeUInt32BE(0x0badf00d, 4);
  message.writeUInt32BE(mediaSsrc, 8);
  message.writeUInt16BE(base & 0xffff, 12);
  message.writeUInt16BE(count, 14);
  for (let i = 0; i < 8; i++) message.writeUInt16BE(0x3fff, 20 + 2 * i); // runs of 8191 "received"
  return message;
}

describe('transport-cc towards a subscriber, over real DTLS-SRTP', () => {
  let harness: MediaHarness;
  let bob: MediaBot;

  beforeAll(async () => {
    harness = new MediaHarness(undefined, { subscriberBandwidthEstimation: true });
    // Simulcast: the bot numbers its simulcast video (and its audio) for transport-cc.
    await harness.join(ROOM, 'alice', { audio: true, video: true }, { transportCc: true, simulcast: true });
    bob = await harness.join(ROOM, 'bob', null, { subscriberTransportCc: true });
  });

  afterAll(async () => {
    await harness.close();
  });

  it('numbers every packet to a subscriber on one counter across audio and video, and reads its feedback', async () => {
    await waitFor(
      'video and audio at Bob',
      () => packets(bob, 'alice:camera') > 50 && packets(bob, 'alice:mic') > 50,
      {
        timeoutMs: 15_000,
      },
    );
    await waitFor('Bob’s feedback read', () => harness.plane.feedbackStats().subscriberFeedbackRead >= 10, {
      timeoutMs: 10_000,
    });
    const seen = bob.subscriberTransportSequences();
    // Every packet Bob got was numbered: as many numbers as packets, each once, with no holes
    // (loopback loses nothing): one sequence for the connection, not one per track.
    const received = packets(bob, 'alice:camera') + packets(bob, 'alice:mic');
    expect(seen.length).toBeGreaterThanOrEqual(received - 5);
    const unique = new Set(seen);
    expect(unique.size).toBe(seen.length);
    const sorted = [...unique].sort((a, b) => a - b);
    expect(sorted.at(-1)! - sorted[0]! + 1).toBe(sorted.length);
    expect(harness.plane.feedbackStats().subscriberFeedbackRefused).toBe(0);
    expect(harness.errors).toEqual([]);
  });

  it('forged feedback (huge counts, never-sent numbers, wrap, a flood) is refused or matches nothing, and media goes on', async () => {
    const ssrc = bob.received().get('alice:camera')!.ssrc;
    const before = harness.plane.feedbackStats();
    const cameraBefore = packets(bob, 'alice:camera');
    const started = performance.now();
    const seen = bob.subscriberTransportSequences();
    const newest = seen.at(-1)!;
    // Far ahead of anything sent, across the wrap, and a flood of 2000 in one go.
    bob.sendRawRtcp('subscribe', forgedFeedback(ssrc, newest + 20_000, 0xffff));
    bob.sendRawRtcp('subscribe', forgedFeedback(ssrc, 0xfff0, 0xffff));
    for (let i = 0; i < 2000; i++)
      bob.sendRawRtcp('subscribe', forgedFeedback(ssrc, newest - 100 + i, 0xffff));
    await waitFor(
      'the flood refused',
      () => harness.plane.feedbackStats().subscriberFeedbackRefused - before.subscriberFeedbackRefused > 1000,
      { timeoutMs: 10_000 },
    );
    await sleep(1000);
    const after = harness.plane.feedbackStats();
    // Read within the budget (40 at once, then 50 a second), the rest refused unread.
    const read = after.subscriberFeedbackRead - before.subscriberFeedbackRead;
    const seconds = (performance.now() - started) / 1000;
    expect(read).toBeLessThan(40 + 50 * seconds + 20);
    // Alice's video still reaches Bob.
    expect(packets(bob, 'alice:camera') - cameraBefore).toBeGreaterThan(20);
    expect(harness.errors).toEqual([]);
  });
});
