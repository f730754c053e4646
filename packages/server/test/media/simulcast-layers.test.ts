import type { MediaBot } from '@parley/media-bot';
import type { MediaPlaneEvents } from '@parley/sfu';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MediaHarness } from '../support/media-harness.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Dynacast over real DTLS-SRTP (`pauseUnusedLayers`): Alice publishes a three-layer simulcast camera;
 * Bob shows it large, so nobody takes its middle layer: the SFU tells Alice alone to pause it, and her
 * bot stops sending it while Bob keeps getting the top layer. Dave then shows her small: the middle
 * layer resumes at once and Dave decodes it from a key frame. Carol's camera and everyone's
 * microphones flow on throughout. A publisher who ignores the message only costs itself.
 */
const ROOM = 'room-simulcast-layers';
const LAYER_BYTE = [0xa0, 0xa1, 0xa2]; // the bot fills each layer's payload with its own byte

const packets = (bot: MediaBot, key: string) => bot.received().get(key)?.packets ?? 0;
/** Count the packets of each layer `bot` receives of `key` (by the payload's fill byte). */
function layerCounter(bot: MediaBot, key: string): number[] {
  const counts = [0, 0, 0];
  bot.watchReceived(key, (packet) => {
    const layer = LAYER_BYTE.indexOf(packet[packet.length - 1]!);
    if (layer >= 0) counts[layer]!++;
  });
  return counts;
}
/** How much each of these counters grows over `ms`. */
async function growth(read: () => number[], ms: number): Promise<number[]> {
  const before = read();
  await new Promise((resolve) => setTimeout(resolve, ms));
  return read().map((value, i) => value - before[i]!);
}

describe('simulcast layers no subscriber takes are paused at the publisher', () => {
  let harness: MediaHarness;
  let alice: MediaBot;
  let bob: MediaBot;
  let carol: MediaBot;
  const events: MediaPlaneEvents['simulcast-layers'][] = [];
  const aliceEvents = () => events.filter((event) => event.participantId === 'alice');

  beforeAll(async () => {
    harness = new MediaHarness(undefined, { pauseUnusedLayers: true });
    harness.plane.on('simulcast-layers', (event) => events.push(event));
    alice = await harness.join(ROOM, 'alice', { audio: true, video: true }, { simulcast: true });
    carol = await harness.join(ROOM, 'carol', { audio: true, video: true }, { simulcast: true });
    bob = await harness.join(ROOM, 'bob', null);
    // Carol shows Alice large too; Bob shows both large.
    for (const [viewer, shown] of [
      ['bob', 'alice'],
      ['bob', 'carol'],
      ['carol', 'alice'],
      ['alice', 'carol'],
    ])
      harness.plane.setVideoSize(ROOM, viewer!, shown!, 'camera', 1280, 720);
  });

  afterAll(async () => {
    await harness.close();
  });

  it('asks the publisher alone to pause the middle layer nobody takes; it stops, the top one flows', async () => {
    const bobLayers = layerCounter(bob, 'alice:camera');
    await waitFor('Alice told to pause her middle layer', () => aliceEvents().length > 0, {
      timeoutMs: 10_000,
    });
    expect(aliceEvents()).toEqual([
      { roomId: ROOM, participantId: 'alice', source: 'camera', active: [true, false, true] },
    ]);
    expect(events.every((event) => event.source === 'camera')).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 200)); // a frame already on its way
    const sent = await growth(() => alice.sentLayerPackets('camera'), 1000);
    expect(sent[1]).toBe(0);
    expect(sent[0]).toBeGreaterThan(20);
    expect(sent[2]).toBeGreaterThan(20);
    // Bob: Alice's top layer, her microphone, Carol's camera and microphone, all flowing.
    const flowing = await growth(
      () => [
        bobLayers[2]!,
        packets(bob, 'alice:mic'),
        packets(bob, 'carol:camera'),
        packets(bob, 'carol:mic'),
        packets(carol, 'alice:camera'),
      ],
      1000,
    );
    expect(flowing[0]).toBeGreaterThan(20);
    expect(flowing[1]).toBeGreaterThan(40);
    expect(flowing[2]).toBeGreaterThan(20);
    expect(flowing[3]).toBeGreaterThan(40);
    expect(flowing[4]).toBeGreaterThan(20);
    expect(harness.errors).toEqual([]);
    expect(harness.errorLogs).toEqual([]);
  }, 30_000);

  it('resumes the layer at once for a viewer who shows it small, who then decodes it', async () => {
    const dave = await harness.join(ROOM, 'dave', null);
    const daveLayers = layerCounter(dave, 'alice:camera');
    harness.plane.setVideoSize(ROOM, 'dave', 'alice', 'camera', 640, 360);
    const asked = aliceEvents().length;
    await waitFor('Alice told to send her middle layer again', () => aliceEvents().length > asked, {
      timeoutMs: 3000,
    });
    expect(aliceEvents().at(-1)?.active).toEqual([true, true, true]);
    await waitFor('Dave receives Alice’s middle layer', () => daveLayers[1]! > 20, { timeoutMs: 10_000 });
    expect(dave.received().get('alice:camera')?.keyframes).toBeGreaterThan(0);
    const sent = await growth(() => alice.sentLayerPackets('camera'), 1000);
    expect(sent.every((count) => count > 20)).toBe(true);
    // Bob still on the top layer, nothing of the others.
    const bobOnTop = await growth(() => [packets(bob, 'alice:camera')], 500);
    expect(bobOnTop[0]).toBeGreaterThan(10);
    expect(harness.errors).toEqual([]);
    expect(harness.errorLogs).toEqual([]);
  }, 30_000);
});

describe('every layer paused while nobody takes the video; a publisher that ignores the message', () => {
  let harness: MediaHarness;
  const events: MediaPlaneEvents['simulcast-layers'][] = [];

  beforeAll(() => {
    harness = new MediaHarness(undefined, { pauseUnusedLayers: true });
    harness.plane.on('simulcast-layers', (event) => events.push(event));
  });
  afterEach(() => {
    events.length = 0;
  });
  afterAll(async () => {
    await harness.close();
  });

  it('pauses all layers of a camera nobody receives, and brings them back for a viewer', async () => {
    const room = 'room-layers-alone';
    const erin = await harness.join(room, 'erin', { audio: true, video: true }, { simulcast: true });
    await waitFor('all of Erin’s layers paused', () => events.length > 0, { timeoutMs: 10_000 });
    expect(events).toEqual([
      { roomId: room, participantId: 'erin', source: 'camera', active: [false, false, false] },
    ]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await growth(() => erin.sentLayerPackets('camera'), 600)).toEqual([0, 0, 0]);
    const viewer = await harness.join(room, 'fay', null);
    await waitFor('Fay receives Erin’s camera', () => packets(viewer, 'erin:camera') > 20, {
      timeoutMs: 10_000,
    });
    // Fay has not said how large she shows it: the best layer, and the lowest as the fallback.
    expect(events.at(-1)?.active).toEqual([true, false, true]);
    expect(viewer.received().get('erin:camera')?.keyframes).toBeGreaterThan(0);
  }, 30_000);

  it('a publisher who keeps sending a paused layer only costs itself: viewers get their layer', async () => {
    const room = 'room-layers-ignored';
    const mallory = await harness.join(
      room,
      'mallory',
      { audio: true, video: true },
      { simulcast: true, ignoreSimulcastLayers: true },
    );
    const viewer = await harness.join(room, 'gus', null);
    harness.plane.setVideoSize(room, 'gus', 'mallory', 'camera', 1280, 720);
    const layers = layerCounter(viewer, 'mallory:camera');
    await waitFor('Mallory told to pause her middle layer', () => events.length > 0, { timeoutMs: 10_000 });
    expect(events.at(-1)?.active).toEqual([true, false, true]);
    const sent = await growth(() => mallory.sentLayerPackets('camera'), 1000);
    expect(sent[1]).toBeGreaterThan(20); // she sends it anyway
    const received = await growth(() => [...layers], 1000);
    expect(received[2]).toBeGreaterThan(20);
    expect(received[0]! + received[1]!).toBe(0);
    // Nothing more to say to her: the layers asked for did not change.
    expect(events).toHaveLength(1);
    expect(harness.errors).toEqual([]);
    expect(harness.errorLogs).toEqual([]);
  }, 30_000);
});
