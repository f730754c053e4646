import type { MediaBot } from '@parley/media-bot';
import { buildPli, buildSenderReport, RTCP_RTPFB } from '@parley/sfu/rtp';
import { RETRANSMIT_BURST_BYTES, SENDER_REPORTS_BURST, SENDER_REPORTS_PER_SECOND } from '@parley/sfu/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaHarness } from '../support/media-harness.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Issue 13, NACK amplification: participants connected over real DTLS-SRTP send the SFU feedback
 * crafted to make it work (NACKs listing every cached packet many times, compounds of 40 Sender
 * Reports, a PLI flood). What the SFU sends in answer stays within its budgets, and a subscriber of the
 * same meeting and a meeting alongside keep their media rate.
 *
 * MEDIA_TEST_FIGURES=1 prints the measured amplification.
 */
const MEETING = 'room-hostile-feedback';
const OTHER_MEETING = 'room-alongside';
const figures = (...args: unknown[]) => {
  if (process.env.MEDIA_TEST_FIGURES) console.info(...args);
};

const packets = (bot: MediaBot, key: string) => bot.received().get(key)?.packets ?? 0;
const bytes = (bot: MediaBot, key: string) => bot.received().get(key)?.bytes ?? 0;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A compound of 16 generic NACKs, each with 15 entries whose bitmasks all set: 255 sequence numbers
 * per message, every number listed up to 17 times, the 496 numbers before `last` covered. 1,152 bytes.
 */
function nackCompound(senderSsrc: number, mediaSsrc: number, last: number): Buffer {
  const messages: Buffer[] = [];
  for (let m = 0; m < 16; m++) {
    const message = Buffer.alloc(12 + 15 * 4);
    message[0] = 0x80 | 1;
    message[1] = RTCP_RTPFB;
    message.writeUInt16BE(message.length / 4 - 1, 2);
    message.writeUInt32BE(senderSsrc, 4);
    message.writeUInt32BE(mediaSsrc, 8);
    for (let j = 0; j < 15; j++) {
      message.writeUInt16BE((last - 500 + m * 31 + j) & 0xffff, 12 + j * 4);
      message.writeUInt16BE(0xffff, 14 + j * 4);
    }
    messages.push(message);
  }
  return Buffer.concat(messages);
}

/** Media rates (packets/s) of `streams` over `ms` while `during` runs. */
async function ratesWhile(
  streams: [MediaBot, string][],
  ms: number,
  during: () => Promise<unknown> = () => sleep(ms),
): Promise<number[]> {
  const before = streams.map(([bot, key]) => packets(bot, key));
  const start = performance.now();
  await Promise.all([during(), sleep(ms)]);
  const seconds = (performance.now() - start) / 1000;
  return streams.map(([bot, key], i) => (packets(bot, key) - before[i]!) / seconds);
}

describe('hostile feedback over real DTLS-SRTP', () => {
  let harness: MediaHarness;
  let alice: MediaBot;
  let bob: MediaBot;
  let mallory: MediaBot;
  let dave: MediaBot;
  let carol: MediaBot;
  const innocent = (): [MediaBot, string][] => [
    [bob, 'alice:camera'],
    [dave, 'carol:camera'],
  ];

  beforeAll(async () => {
    harness = new MediaHarness();
    alice = await harness.join(MEETING, 'alice');
    bob = await harness.join(MEETING, 'bob', null);
    mallory = await harness.join(MEETING, 'mallory', null);
    carol = await harness.join(OTHER_MEETING, 'carol');
    dave = await harness.join(OTHER_MEETING, 'dave', null);
    await waitFor('video flowing to everyone', () =>
      [
        [bob, 'alice:camera'],
        [mallory, 'alice:camera'],
        [dave, 'carol:camera'],
      ].every(([bot, key]) => packets(bot as MediaBot, key as string) > 100),
    );
  });

  afterAll(async () => {
    await harness.close();
  });

  it('answers a NACK flood within the retransmission budget; the others keep their video', async () => {
    const baseline = await ratesWhile(innocent(), 1000);
    const stats = () => harness.plane.feedbackStats();
    const before = stats();
    const receivedBefore = bytes(mallory, 'alice:camera');
    let nackBytes = 0;
    const compounds = Number(process.env.NACK_FLOOD_COMPOUNDS ?? 400);
    const flood = async () => {
      let stream = mallory.received().get('alice:camera')!;
      for (let i = 0; i < compounds; i++) {
        // (The bots share this thread with the SFU: the attack itself must not starve alice's sending.)
        if (i % 8 === 0) stream = mallory.received().get('alice:camera')!;
        const compound = nackCompound(0x4d414c4c, stream.ssrc, stream.sequence);
        if (mallory.sendOnReceivedTrack('alice:camera', compound)) nackBytes += compound.length;
        if (i % 2 === 1) await sleep(5);
      }
    };
    const sentBefore = [alice.sentPackets('camera'), carol.sentPackets('camera')];
    const receivedBefore2 = innocent().map(([bot, key]) => packets(bot, key));
    const start = performance.now();
    const during = await ratesWhile(innocent(), 1500, flood);
    // What the SFU forwarded of what the publishers sent meanwhile (the bots share the SFU's thread,
    // so their own sending rate varies with the machine's load).
    const delivery = innocent().map(
      ([bot, key], i) =>
        (packets(bot, key) - receivedBefore2[i]!) /
        ([alice, carol][i]!.sentPackets('camera') - sentBefore[i]!),
    );
    const seconds = (performance.now() - start) / 1000;
    // Let the SFU's work on the last NACKs finish before counting.
    await sleep(100);
    const after = stats();
    const retransmitted = after.retransmittedBytes - before.retransmittedBytes;
    // (Mallory's libsrtp drops the resent copies as replays: what she counts is what was forwarded.)
    const forwarded = bytes(mallory, 'alice:camera') - receivedBefore;
    figures(
      `NACK flood: ${nackBytes} bytes of NACKs in ${seconds.toFixed(1)} s → ${retransmitted} bytes retransmitted ` +
        `(×${(retransmitted / nackBytes).toFixed(2)}), ${after.retransmissions - before.retransmissions} packets, ` +
        `${after.retransmissionsRefused - before.retransmissionsRefused} refused; rates ${baseline.map(Math.round)} → ${during.map(Math.round)} packets/s, ` +
        `delivery ${delivery.map((d) => d.toFixed(2))}`,
    );
    expect(nackBytes).toBeGreaterThan(300_000);
    // At most half of what mallory was forwarded, plus the saved-up burst: far less than her NACKs.
    expect(retransmitted).toBeLessThanOrEqual(0.5 * forwarded + RETRANSMIT_BURST_BYTES);
    expect(retransmitted).toBeLessThan(nackBytes);
    expect(after.retransmissionsRefused - before.retransmissionsRefused).toBeGreaterThan(1000);
    // Bob (same meeting) and dave (the meeting alongside) keep their video.
    for (const [i, rate] of during.entries()) expect(rate).toBeGreaterThan(0.7 * baseline[i]!);
    for (const ratio of delivery) expect(ratio).toBeGreaterThan(0.9);
  });

  it('forwards one Sender Report of a compound of 40, and a few per second', async () => {
    const ssrc = alice.publishedSsrc('camera')!;
    const reports = () => bob.received().get('alice:camera')?.senderReports ?? 0;
    const before = reports();
    const compound = Buffer.concat(
      Array.from({ length: 40 }, (_, i) => buildSenderReport(ssrc, 3_900_000_000 + i, 0, 1000 * i)),
    );
    const start = performance.now();
    let sent = 0;
    for (let i = 0; i < 50; i++) {
      if (alice.sendOnPublishedTrack('camera', compound)) sent++;
      await sleep(20);
    }
    await sleep(200);
    const seconds = (performance.now() - start) / 1000;
    const forwarded = reports() - before;
    figures(
      `SR flood: ${sent} compounds of 40 reports in ${seconds.toFixed(1)} s → ${forwarded} forwarded to bob`,
    );
    expect(sent).toBe(50);
    // The bot's own report each second goes through the same budget.
    expect(forwarded).toBeGreaterThan(0);
    expect(forwarded).toBeLessThanOrEqual(
      SENDER_REPORTS_BURST + Math.ceil(SENDER_REPORTS_PER_SECOND * seconds),
    );
  });

  it('passes a PLI flood on as at most one key frame request a second', async () => {
    const ssrc = mallory.received().get('alice:camera')!.ssrc;
    const requestsBefore = alice.pliReceived();
    const droppedBefore = harness.plane.feedbackStats().feedbackDropped;
    const start = performance.now();
    for (let i = 0; i < 200; i++) {
      mallory.sendOnReceivedTrack('alice:camera', Buffer.concat([buildPli(1, ssrc), buildPli(1, ssrc)]));
      if (i % 10 === 9) await sleep(10);
    }
    await sleep(1200);
    const seconds = (performance.now() - start) / 1000;
    const requests = alice.pliReceived() - requestsBefore;
    figures(`PLI flood: 400 PLIs in ${seconds.toFixed(1)} s → ${requests} key frame requests to alice`);
    expect(requests).toBeLessThanOrEqual(Math.ceil(seconds) + 1);
    expect(harness.plane.feedbackStats().feedbackDropped - droppedBefore).toBeGreaterThan(300);
    expect(harness.errors).toEqual([]);
  });
});
