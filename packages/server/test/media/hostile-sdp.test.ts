import { readFileSync } from 'node:fs';
import type { MediaBot } from '@parley/media-bot';
import { MAX_SDP_LENGTH } from '@parley/sfu/transport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaHarness } from '../support/media-harness.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Issue 13, ReDoS in SDP handling, through the media plane's real path (restriction, then
 * libdatachannel, then the answer's rewriting): publish offers crafted to make a parser backtrack, at
 * the protocol's size cap. Each is answered or refused quickly, and a meeting alongside keeps its video.
 */
const offer = readFileSync(
  new URL('../../../sfu/src/transport/testdata/chromium-publish-offer.sdp', import.meta.url),
  'utf8',
);

function offerWith(make: (room: number) => string): string {
  const at = offer.indexOf('a=mid:0\r\n');
  const room = MAX_SDP_LENGTH - offer.length - 2;
  return `${offer.slice(0, at)}${make(room).slice(0, room)}\r\n${offer.slice(at)}`;
}

const HOSTILE: Record<string, string> = {
  'benign (for comparison)': offer,
  'extmap id of 100,000 digits': offerWith((n) => `a=extmap:${'9'.repeat(n)}`),
  'extmap id then spaces': offerWith((n) => `a=extmap:1${' '.repeat(n)}`),
  'ssrc-group of 20,000 ssrcs': offerWith((n) => `a=ssrc-group:FID${' 12345'.repeat(n / 6)}`),
  'thousands of ssrc lines': offerWith((n) =>
    Array.from({ length: n / 16 }, (_, i) => `a=ssrc:${i} x`).join('\r\n'),
  ),
  'fmtp for the codec of 100,000 characters': offerWith((n) => `a=fmtp:111 ${'x'.repeat(n)}`),
  'unknown attribute of 100,000 characters': offerWith((n) => `a=x-unknown:${'y'.repeat(n)}`),
};

const packets = (bot: MediaBot, key: string) => bot.received().get(key)?.packets ?? 0;

describe('hostile publish offers through the media plane', () => {
  let harness: MediaHarness;
  let bob: MediaBot;

  beforeAll(async () => {
    harness = new MediaHarness();
    await harness.join('room-innocent', 'alice');
    bob = await harness.join('room-innocent', 'bob', null);
    await waitFor('bob receiving alice’s video', () => packets(bob, 'alice:camera') > 50);
  });

  afterAll(async () => {
    await harness.close();
  });

  it('answers or refuses each within a bound, and the meeting alongside keeps its video', async () => {
    const slow: string[] = [];
    let index = 0;
    const start = performance.now();
    const before = packets(bob, 'alice:camera');
    for (const [name, sdp] of Object.entries(HOSTILE)) {
      const id = `mallory-${index++}`;
      harness.plane.addParticipant('room-hostile', id);
      const began = performance.now();
      await harness.plane
        .publish('room-hostile', id, sdp, [
          { mid: '0', source: 'mic' },
          { mid: '1', source: 'camera' },
        ])
        .catch((error: Error) => error);
      const elapsed = performance.now() - began;
      // A benign offer takes a few ms (more on a loaded machine); the quadratic parser took about
      // 30 s on the first of these.
      if (elapsed > 1000) slow.push(`${name}: ${elapsed.toFixed(0)} ms`);
      if (process.env.MEDIA_TEST_FIGURES) console.info(`${name}: ${elapsed.toFixed(1)} ms`);
      harness.plane.removeParticipant('room-hostile', id);
    }
    expect(slow).toEqual([]);
    const seconds = (performance.now() - start) / 1000;
    // Alice sends 150 video packets a second; the attack stalled nothing for long.
    await waitFor(
      'more of alice’s video at bob',
      () => packets(bob, 'alice:camera') > before + 150 * seconds,
    );
    expect(harness.errors).toEqual([]);
  });
});
