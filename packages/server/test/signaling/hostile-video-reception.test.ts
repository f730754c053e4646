import { CloseCode } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cameraPackets, type MediaParticipant, mediaParticipant } from '../support/media-participant.js';
import { realMedia } from '../support/real-media.js';
import { waitFor } from '../support/wait-for.js';
import { startTestServer } from './harness.js';

// Issue 15, point 4: `video-reception` over real signaling and real DTLS-SRTP, and what an attacker
// gets out of it. Switching video back on asks the publisher for a key frame, so a participant who
// toggles audio-only as fast as it may must not make a publisher send key frames without end (which
// everyone would pay for in bandwidth), and a flood of the message must cost nobody else anything.
let server: Awaited<ReturnType<typeof startTestServer>>;
let alice: MediaParticipant;
let bob: MediaParticipant;
let mallory: MediaParticipant;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const plis = (who: MediaParticipant) => who.bot?.pliReceived() ?? 0;

beforeAll(async () => {
  server = await startTestServer(realMedia);
  const room = `reception-${Date.now().toString(36)}`;
  alice = await mediaParticipant(server.wsUrl, room, 'Alice', await server.signedInCookie('alice-host'));
  bob = await mediaParticipant(server.wsUrl, room, 'Bob');
  mallory = await mediaParticipant(server.wsUrl, room, 'Mallory');
  await waitFor(
    'bob and mallory see alice',
    () => cameraPackets(bob, alice) > 50 && cameraPackets(mallory, alice) > 50,
  );
});

afterAll(async () => {
  for (const who of [alice, bob, mallory]) {
    await who?.bot?.close();
    await who?.client.close();
  }
  await server.close();
});

describe('video-reception over signaling (real media)', () => {
  it('is validated: an unknown mode is refused with bad-request; it only ever changes what the sender receives', async () => {
    const reply = await mallory.client.sendRaw(
      JSON.stringify({ type: 'video-reception', id: 900, mode: 'none' }),
      900,
    );
    expect(reply.ok).toBe(false);
    if (!reply.ok) expect(reply.error.code).toBe('bad-request');
    const extra = await mallory.client.sendRaw(
      JSON.stringify({ type: 'video-reception', id: 901, mode: 'off', participantId: bob.id }),
      901,
    );
    // Unknown fields are ignored: the choice is always the sender's own.
    expect(extra.ok).toBe(true);
    await waitFor('mallory’s video stops', async () => {
      const before = cameraPackets(mallory, alice);
      await pause(300);
      return cameraPackets(mallory, alice) === before;
    });
    const bobBefore = cameraPackets(bob, alice);
    await pause(500);
    expect(cameraPackets(bob, alice)).toBeGreaterThan(bobBefore + 20);
    expect((await mallory.client.send({ type: 'video-reception', mode: 'full' })).ok).toBe(true);
    await waitFor('mallory’s video resumes', () => cameraPackets(mallory, alice) > 0);
  });

  it('a toggle storm within the message rate asks the publisher for at most one key frame a second', async () => {
    const plisBefore = plis(alice);
    const started = Date.now();
    const bobSeen: number[] = [];
    // 15 switches a second for four seconds, each answered before the next (under the 20/s rate).
    for (let i = 0; i < 60; i++) {
      const reply = await mallory.client.send({
        type: 'video-reception',
        mode: i % 2 === 0 ? 'off' : 'full',
      });
      expect(reply.ok).toBe(true);
      if (i % 15 === 14) bobSeen.push(cameraPackets(bob, alice));
      await pause(1000 / 15);
    }
    const seconds = (Date.now() - started) / 1000;
    // Without the per-track throttle this would be ~30 key frame requests; with it, one a second.
    expect(plis(alice) - plisBefore).toBeLessThanOrEqual(Math.ceil(seconds) + 2);
    // Bob's video went on all along: every second of the storm brought him more of it.
    for (let i = 1; i < bobSeen.length; i++) expect(bobSeen[i]!).toBeGreaterThan(bobSeen[i - 1]! + 20);
  });

  it('a flood of the message is cut off (rate-limited, then disconnected) and Bob sees nothing of it', async () => {
    const plisBefore = plis(alice);
    const bobBefore = cameraPackets(bob, alice);
    const socket = mallory.client.socket;
    for (let i = 0; i < 2000 && socket.readyState === socket.OPEN; i++) {
      socket.send(
        JSON.stringify({ type: 'video-reception', id: 10_000 + i, mode: i % 2 === 0 ? 'off' : 'full' }),
      );
    }
    expect(await mallory.client.waitForClose(10_000)).toBe(CloseCode.flooding);
    expect(
      mallory.client.errorsWithoutId.some(
        (m) => m.type === 'response' && !m.ok && m.error.code === 'rate-limited',
      ),
    ).toBe(true);
    await pause(1500);
    expect(cameraPackets(bob, alice)).toBeGreaterThan(bobBefore + 50);
    // At most the burst of accepted messages reached the SFU: still one key frame request a second.
    expect(plis(alice) - plisBefore).toBeLessThanOrEqual(4);
    // Bob is still in the meeting and can choose for himself.
    expect((await bob.client.send({ type: 'video-reception', mode: 'low' })).ok).toBe(true);
  });
});
