import type { MediaBot } from '@parley/media-bot';
import { readSsrcGroup } from '@parley/sfu/transport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaHarness } from '../support/media-harness.js';
import { waitFor } from '../support/wait-for.js';

/**
 * RTX towards subscribers (RFC 4588) over real DTLS-SRTP: the SFU offers each video with an RTX
 * payload type and SSRC (FID group); a subscriber whose answer keeps RTX gets its NACKs answered on
 * the RTX stream, with the sequence number it knows the packet by as OSN; one whose answer drops RTX
 * gets plain retransmissions on the media SSRC, as before.
 */
const ROOM = 'room-subscriber-rtx';

describe('RTX towards subscribers, 1 in 16 video packets lost on the way to them', () => {
  let harness: MediaHarness;
  let bob: MediaBot;
  let carol: MediaBot;

  beforeAll(async () => {
    harness = new MediaHarness(undefined, { subscriberRtx: true });
    await harness.join(ROOM, 'alice', { audio: true, video: true }, { simulcast: true });
    bob = await harness.join(ROOM, 'bob', null, { downlinkLoss: 16, subscriberRtx: true });
    carol = await harness.join(ROOM, 'carol', null, { downlinkLoss: 16 });
  });

  afterAll(async () => {
    await harness.close();
  });

  it('offers RTX with an FID group for video only', async () => {
    await waitFor('bob offered alice’s camera', () => bob.lastOffer().includes('m=video'));
    const offer = bob.lastOffer();
    expect(offer.toLowerCase()).toContain('a=rtpmap:97 rtx/90000');
    expect(offer).toContain('a=fmtp:97 apt=96');
    const groups = offer
      .split('\r\n')
      .map((line) => readSsrcGroup(line))
      .filter((group) => group?.semantics === 'FID');
    expect(groups).toHaveLength(1);
    const audio = offer.split('m=').find((section) => section.startsWith('audio'))!;
    expect(audio.toLowerCase()).not.toContain('rtx');
  });

  it('answers the NACKs of a subscriber that accepted RTX on its RTX stream, OSN first', async () => {
    await waitFor('ten retransmissions recovered at bob', () => bob.nackStats().recovered >= 10);
    const camera = bob.received().get('alice:camera')!;
    const fid = bob
      .lastOffer()
      .split('\r\n')
      .map((line) => readSsrcGroup(line))
      .find((group) => group?.semantics === 'FID')!;
    const rtx = bob.rtxReceived();
    expect(rtx.retransmissions).toBeGreaterThanOrEqual(10);
    // On the offered RTX SSRC, paired with the video's, numbered in a sequence of its own without gaps.
    expect(fid.ssrcs[0]).toBe(camera.ssrc);
    expect([...rtx.ssrcs]).toEqual([fid.ssrcs[1]]);
    expect(rtx.sequenceJumps).toBe(0);
    // Each OSN is a number bob NACKed (in his numbering, after the SFU's rewrite).
    const nacked = new Set(bob.nackedSequences());
    for (const osn of rtx.originalSequences) expect(nacked.has(osn)).toBe(true);
    const { sent, recovered } = bob.nackStats();
    expect(sent - recovered).toBeLessThanOrEqual(2);
    expect(camera.payloadType).toBe(96);
    expect(harness.errors).toEqual([]);
  });

  it('keeps plain retransmissions for a subscriber whose answer dropped RTX', async () => {
    await waitFor('ten retransmissions recovered at carol', () => carol.nackStats().recovered >= 10);
    const { sent, recovered } = carol.nackStats();
    expect(sent - recovered).toBeLessThanOrEqual(2);
    expect(carol.received().get('alice:camera')?.payloadType).toBe(96);
    expect(harness.errors).toEqual([]);
  });
});
