import type { MediaBot } from '@parley/media-bot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaHarness } from '../support/media-harness.js';
import { waitFor } from '../support/wait-for.js';

// Issue 15, point 4: low-data mode at the SFU, over real DTLS-SRTP. "Audio only" must stop the video
// at the server (nothing is forwarded), not merely hide it in the browser; the data saver caps the
// simulcast layer whatever size the subscriber asks for.
const ROOM = 'room-video-reception';
/** The simulcast bot fills each layer's payload with 0xa0 + layer (0 = 180p … 2 = 720p). */
const LAYER_FILL = [0xa0, 0xa1, 0xa2];

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until a packet count stops growing (packets already in flight arrive), and returns it. */
async function settled(count: () => number): Promise<number> {
  let last = count();
  await waitFor('the count settles', async () => {
    const before = last;
    await pause(200);
    last = count();
    return last === before;
  });
  return last;
}

describe('video reception (low-data mode) at the SFU', () => {
  let harness: MediaHarness;
  let bob: MediaBot;
  let carol: MediaBot;
  const stream = (bot: MediaBot, key: string) => bot.received().get(key);
  const packets = (bot: MediaBot, key: string) => stream(bot, key)?.packets ?? 0;

  beforeAll(async () => {
    harness = new MediaHarness();
    await harness.join(ROOM, 'alice', { audio: true, video: true }, { simulcast: true });
    bob = await harness.join(ROOM, 'bob', null);
    carol = await harness.join(ROOM, 'carol', null);
    await waitFor('bob and carol receiving alice', () =>
      [bob, carol].every((bot) => packets(bot, 'alice:camera') > 50 && packets(bot, 'alice:mic') > 20),
    );
  });

  afterAll(async () => {
    await harness.close();
  });

  it('audio only: forwards no video packet at all to that subscriber while audio and others go on', async () => {
    harness.plane.setVideoReception(ROOM, 'bob', 'off');
    const videoAtPause = await settled(() => packets(bob, 'alice:camera'));
    const audioAtPause = packets(bob, 'alice:mic');
    const carolAtPause = packets(carol, 'alice:camera');
    await pause(2000);
    // Zero video packets in two seconds (the publisher sends ~100 a second, and key frames every two).
    expect(packets(bob, 'alice:camera')).toBe(videoAtPause);
    expect(packets(bob, 'alice:mic')).toBeGreaterThan(audioAtPause + 50);
    expect(packets(carol, 'alice:camera')).toBeGreaterThan(carolAtPause + 100);
    // The m-line stays negotiated: switching back needs no new offer.
    expect(
      bob.subscribedTracks().some((track) => track.participantId === 'alice' && track.kind === 'video'),
    ).toBe(true);
  });

  it('resumes video at a key frame when the subscriber asks for it again', async () => {
    const before = stream(bob, 'alice:camera')!;
    const { keyframes, packets: count } = before;
    const offers = bob.offersHandled();
    harness.plane.setVideoReception(ROOM, 'bob', 'full');
    await waitFor('bob receiving video again', () => packets(bob, 'alice:camera') > count + 50);
    // The first thing forwarded is a key frame (asked for at once, not the periodic one two seconds later).
    expect(stream(bob, 'alice:camera')!.keyframes).toBeGreaterThan(keyframes);
    expect(bob.offersHandled()).toBe(offers);
    expect(harness.errors).toEqual([]);
  });

  it('data saver: caps the forwarded layer at the lowest, whatever size is asked for, and lifts the cap', async () => {
    harness.plane.setVideoSize(ROOM, 'bob', 'alice', 'camera', 1280, 720);
    await waitFor('bob on the 720p layer', () => stream(bob, 'alice:camera')!.lastFill === LAYER_FILL[2]);
    // (The pause before left one jump in picture ids: frames were not forwarded, then a key frame came.)
    const jumps = stream(bob, 'alice:camera')!.pictureIdJumps;
    harness.plane.setVideoReception(ROOM, 'bob', 'low');
    await waitFor('bob on the 180p layer', () => stream(bob, 'alice:camera')!.lastFill === LAYER_FILL[0]);
    // A larger display size does not lift the cap.
    harness.plane.setVideoSize(ROOM, 'bob', 'alice', 'camera', 1920, 1080);
    const count = packets(bob, 'alice:camera');
    const fills = new Set<number>();
    await waitFor('a second of capped video', () => {
      fills.add(stream(bob, 'alice:camera')!.lastFill);
      return packets(bob, 'alice:camera') > count + 30;
    });
    expect([...fills]).toEqual([LAYER_FILL[0]]);
    // Carol, without the cap, still gets the top layer.
    expect(stream(carol, 'alice:camera')!.lastFill).toBe(LAYER_FILL[2]);
    harness.plane.setVideoReception(ROOM, 'bob', 'full');
    await waitFor(
      'bob back on the 720p layer',
      () => stream(bob, 'alice:camera')!.lastFill === LAYER_FILL[2],
    );
    // Layer switches stay invisible to the receiver, as for any switch.
    expect(stream(bob, 'alice:camera')!.pictureIdJumps).toBe(jumps);
  });

  it('holds for video published after the choice, and for a subscriber that chose before subscribing', async () => {
    harness.plane.setVideoReception(ROOM, 'bob', 'off');
    // Dave chooses audio only before his subscribe connection exists (the web app sends it first).
    harness.plane.addParticipant(ROOM, 'dave');
    harness.plane.setVideoReception(ROOM, 'dave', 'off');
    const dave = await harness.join(ROOM, 'dave', null);
    // Erin publishes after both chose.
    await harness.join(ROOM, 'erin', { audio: true, video: true });
    await waitFor('dave and bob hearing erin', () =>
      [dave, bob].every((bot) => packets(bot, 'erin:mic') > 30 && packets(bot, 'alice:mic') > 30),
    );
    await waitFor('carol seeing erin', () => packets(carol, 'erin:camera') > 50);
    const bobVideo = await settled(() => packets(bob, 'alice:camera') + packets(bob, 'erin:camera'));
    expect(packets(dave, 'alice:camera') + packets(dave, 'erin:camera')).toBe(0);
    expect(packets(bob, 'erin:camera')).toBe(0);
    await pause(1000);
    expect(packets(dave, 'alice:camera') + packets(dave, 'erin:camera')).toBe(0);
    expect(packets(bob, 'alice:camera') + packets(bob, 'erin:camera')).toBe(bobVideo);
  });
});

describe('video reception with last-N on', () => {
  let harness: MediaHarness;

  afterAll(async () => {
    await harness.close();
  });

  it('audio only holds even for the most recent speaker, whom last-N resumes every speaker interval', async () => {
    // Last-N unpauses the cameras of the N most recent speakers on every tick (300 ms); the
    // subscriber's own choice must survive that.
    harness = new MediaHarness(undefined, { lastN: 1 });
    await harness.join(ROOM, 'alice', { audio: true, video: true });
    const bob = await harness.join(ROOM, 'bob', null);
    const camera = () => bob.received().get('alice:camera')?.packets ?? 0;
    await waitFor('bob seeing alice', () => camera() > 50);
    harness.plane.setVideoReception(ROOM, 'bob', 'off');
    const held = await settled(camera);
    await pause(2000);
    expect(camera()).toBe(held);
    harness.plane.setVideoReception(ROOM, 'bob', 'full');
    await waitFor('bob seeing alice again', () => camera() > held + 50);
  });
});
