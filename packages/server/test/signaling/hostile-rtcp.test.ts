import { MediaBot } from '@parley/media-bot';
import type { MediaWorkerPool } from '@parley/sfu';
import { buildSenderReport } from '@parley/sfu/rtp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cameraPackets, type MediaParticipant, mediaParticipant } from '../support/media-participant.js';
import { startMediaWorkerPool } from '../support/media-worker-pool.js';
import { waitFor } from '../support/wait-for.js';
import { startTestServer } from './harness.js';

/**
 * Issue #13, point 1: one 12-byte RTCP SDES packet whose item runs past the packet's end made
 * libdatachannel's receive thread loop forever (PeerConnection::dispatchMedia, fixed by
 * scripts/patch-libdatachannel.mjs). An admitted participant sends it, over its real DTLS-SRTP
 * connections, to a media worker that also carries another meeting.
 */
const SSRC = 0x1234_5678;
/** V=2, one chunk, PT 202, length 2 (12 bytes): SSRC, then a CNAME item claiming 10 bytes of text. */
const malformedSdes = Buffer.from([0x81, 0xca, 0x00, 0x02, 0x12, 0x34, 0x56, 0x78, 0x01, 0x0a, 0x00, 0x00]);
/** The same chunk done right: CNAME "bots", end of items, padding (16 bytes). */
const validSdes = Buffer.from([
  0x81, 0xca, 0x00, 0x03, 0x12, 0x34, 0x56, 0x78, 0x01, 0x04, 0x62, 0x6f, 0x74, 0x73, 0x00, 0x00,
]);
/** A compound packet as browsers send them: a Sender Report first, then the malformed SDES. */
const compound = Buffer.concat([buildSenderReport(SSRC, 1, 0, 0), malformedSdes]);

let pool: MediaWorkerPool;
let server: Awaited<ReturnType<typeof startTestServer>>;
let hostCookie: string;

beforeAll(async () => {
  // One media worker: both meetings share it, so a stuck worker would show in the innocent one.
  pool = await startMediaWorkerPool(1);
  server = await startTestServer(() => pool);
  hostCookie = await server.signedInCookie('rtcp-host');
}, 60_000);
afterAll(async () => {
  await server?.close();
  await MediaBot.releaseNative();
});

/** /healthz answers 200 within a second. */
async function healthy(): Promise<boolean> {
  const response = await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(1000) });
  return response.status === 200;
}

/** Camera packets `receiver` gets from `sender` over the next `ms`. */
async function rate(receiver: MediaParticipant, sender: MediaParticipant, ms = 1000): Promise<number> {
  const before = cameraPackets(receiver, sender);
  await new Promise((resolve) => setTimeout(resolve, ms));
  return cameraPackets(receiver, sender) - before;
}

describe('a participant sending hostile RTCP over DTLS-SRTP', () => {
  it('cannot stop another meeting on the same worker, /healthz, or its own meeting', async () => {
    const suffix = Date.now().toString(36);
    const attacker = await mediaParticipant(server.wsUrl, `rtcp-a-${suffix}`, 'Mallory', hostCookie);
    const victim = await mediaParticipant(server.wsUrl, `rtcp-a-${suffix}`, 'Victor');
    const c = await mediaParticipant(server.wsUrl, `rtcp-b-${suffix}`, 'Cy', hostCookie);
    const d = await mediaParticipant(server.wsUrl, `rtcp-b-${suffix}`, 'Di');
    // The attacker's subscribe connection carries two tracks (libdatachannel reads RTCP of a connection
    // with one track without looking inside, and the loop was in that inspection).
    for (const [receiver, sender] of [
      [attacker, victim],
      [victim, attacker],
      [d, c],
    ] as const) {
      await waitFor(`video ${sender.id} → ${receiver.id}`, () => cameraPackets(receiver, sender) > 20, {
        timeoutMs: 10_000,
      });
    }
    const rateBefore = await rate(d, c);
    const rssBefore = process.memoryUsage().rss;

    let sent = 0;
    for (let i = 0; i < 20; i++) {
      for (const packet of [malformedSdes, validSdes, compound]) {
        if (attacker.bot!.sendRawRtcp('publish', packet)) sent++;
        if (attacker.bot!.sendRawRtcp('subscribe', packet)) sent++;
      }
    }
    expect(sent).toBe(120);

    // The other meeting keeps its rate (its bots send 150 video packets/s), /healthz answers, and so
    // does the attacker's own meeting.
    const rateAfter = await rate(d, c);
    expect(rateAfter).toBeGreaterThan(Math.min(100, rateBefore * 0.7));
    expect(await healthy()).toBe(true);
    expect(await rate(victim, attacker, 500)).toBeGreaterThan(30);
    expect(await rate(attacker, victim, 500)).toBeGreaterThan(30);
    // A spinning libdatachannel thread logged (and queued) a line per turn: ≈250 MB/s.
    const grownMiB = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
    expect(grownMiB).toBeLessThan(100);
    expect([attacker, victim, c, d].map((p) => p.restarts)).toEqual([0, 0, 0, 0]);

    for (const p of [attacker, victim, c, d]) await p.bot?.close();
    for (const p of [attacker, victim, c, d]) await p.client.close();
  }, 40_000);
});
