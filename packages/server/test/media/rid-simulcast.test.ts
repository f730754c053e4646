import type { MediaBot } from '@parley/media-bot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaHarness } from '../support/media-harness.js';
import { waitFor } from '../support/wait-for.js';

const ROOM = 'room-rid-simulcast';
/** The simulcast bot fills each layer's payload with 0xa0 + layer (0 = 180p … 2 = 720p). */
const LAYER_FILL = [0xa0, 0xa1, 0xa2];

/**
 * Firefox's way of simulcast over real DTLS-SRTP: layers announced by RID with every SSRC listed but
 * not said which is which; the SFU learns that from the rtp-stream-id extension of the packets.
 */
describe('RID simulcast (Firefox): layers learnt from the packets, forwarded like SSRC simulcast', () => {
  let harness: MediaHarness;
  let bob: MediaBot;
  const camera = () => bob.received().get('alice:camera');

  beforeAll(async () => {
    harness = new MediaHarness();
    await harness.join(ROOM, 'alice', { audio: true, video: true }, { simulcast: true, ridSimulcast: true });
    bob = await harness.join(ROOM, 'bob', null);
  });

  afterAll(async () => {
    await harness.close();
  });

  it('forwards the highest layer until told the display size', async () => {
    await waitFor('bob receiving alice’s camera', () => (camera()?.packets ?? 0) > 50);
    expect(camera()!.lastFill).toBe(LAYER_FILL[2]);
  });

  it('switches to each RID layer at key frames, as one continuous stream', async () => {
    const ssrc = camera()!.ssrc;
    harness.plane.setVideoSize(ROOM, 'bob', 'alice', 'camera', 320, 180);
    await waitFor('bob receiving the 180p layer', () => camera()!.lastFill === LAYER_FILL[0]);
    harness.plane.setVideoSize(ROOM, 'bob', 'alice', 'camera', 640, 300);
    await waitFor('bob receiving the 360p layer', () => camera()!.lastFill === LAYER_FILL[1]);
    const packets = camera()!.packets;
    await waitFor('more of the 360p layer', () => camera()!.packets > packets + 20);
    expect(camera()!.lastFill).toBe(LAYER_FILL[1]);
    expect(camera()!.ssrc).toBe(ssrc);
    expect(camera()!.pictureIdJumps).toBe(0);
    expect(harness.errors).toEqual([]);
  });
});
