import type { MediaBot } from '@parley/media-bot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaHarness } from '../support/media-harness.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Opus RED (RFC 2198) over real DTLS-SRTP: a publisher that negotiated RED sends it; a subscriber
 * whose answer keeps RED gets the packets whole (PT 63), one whose answer dropped it gets the primary
 * block alone as plain Opus (PT 111). Malformed RED from a publisher reaches no one.
 */
const ROOM = 'room-red';
/** The RED bot's packets: a 40-byte redundant block and a 60-byte primary, behind 5 bytes of headers. */
const RED_PAYLOAD = 5 + 40 + 60;
const PRIMARY_PAYLOAD = 60;

describe('Opus RED from a publisher', () => {
  let harness: MediaHarness;
  let alice: MediaBot;
  let bob: MediaBot;
  let carol: MediaBot;
  const microphone = (bot: MediaBot) => bot.received().get('alice:mic');

  beforeAll(async () => {
    harness = new MediaHarness();
    alice = await harness.join(ROOM, 'alice', { audio: true, video: false }, { red: true });
    bob = await harness.join(ROOM, 'bob', null);
    carol = await harness.join(ROOM, 'carol', null, { subscriberRed: false });
  });

  afterAll(async () => {
    await harness.close();
  });

  it('is offered to subscribers with the Opus it carries', async () => {
    await waitFor('bob offered alice’s microphone', () => bob.lastOffer().includes('m=audio'));
    const audio = bob
      .lastOffer()
      .split('m=')
      .find((section) => section.startsWith('audio'))!;
    expect(audio).toContain('a=rtpmap:63 red/48000/2');
    expect(audio).toContain('a=fmtp:63 111/111');
  });

  it('reaches a subscriber that accepted RED whole, and one that did not as the primary block', async () => {
    await waitFor(
      'bob and carol receiving',
      () => (microphone(bob)?.packets ?? 0) > 20 && (microphone(carol)?.packets ?? 0) > 20,
    );
    expect(microphone(bob)).toMatchObject({ payloadType: 63, payloadBytes: RED_PAYLOAD });
    expect(microphone(carol)).toMatchObject({ payloadType: 111, payloadBytes: PRIMARY_PAYLOAD });
    // Every packet reached both (none refused as malformed).
    const sent = alice.sentPackets('mic');
    expect(microphone(carol)!.packets).toBeGreaterThan(0.9 * sent - 10);
    expect(harness.errors).toEqual([]);
  });

  it('drops malformed RED for everyone and goes on with the good packets', async () => {
    const ssrc = alice.publishedSsrc('mic')!;
    const sequence = alice.nextSequence('mic');
    // RED whose redundant block claims 1000 bytes; one cut off inside its headers; a primary not Opus.
    const bodies = [
      [0x80 | 111, 0, 0, 0xe8, 111, 1, 2, 3],
      [0x80 | 111, 0],
      [0x80 | 111, 0, 0, 1, 0, 7, 7],
    ];
    const bobBefore = microphone(bob)!.packets;
    const carolBefore = microphone(carol)!.packets;
    bodies.forEach((body, index) => {
      const packet = Buffer.alloc(12 + body.length);
      packet[0] = 0x80;
      packet[1] = 63;
      packet.writeUInt16BE((sequence + 1 + index) & 0xffff, 2);
      packet.writeUInt32BE(ssrc, 8);
      Buffer.from(body).copy(packet, 12);
      expect(alice.sendOnPublishedTrack('mic', packet)).toBe(true);
    });
    await waitFor(
      'more audio after the malformed packets',
      () => microphone(carol)!.packets > carolBefore + 25,
    );
    // Only well-formed packets ever arrived: the sizes of alice's own.
    expect(microphone(bob)).toMatchObject({ payloadType: 63, smallestPayload: RED_PAYLOAD });
    expect(microphone(carol)).toMatchObject({ payloadType: 111, smallestPayload: PRIMARY_PAYLOAD });
    expect(microphone(bob)!.packets).toBeGreaterThan(bobBefore);
    expect(harness.errors).toEqual([]);
  });
});
