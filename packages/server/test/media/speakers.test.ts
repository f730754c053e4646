import type { MediaBot } from '@parley/media-bot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaHarness } from '../support/media-harness.js';
import { waitFor } from '../support/wait-for.js';

const ROOM = 'room-speakers';
const SPEAKING = 20;
const SILENT = 127;

const packets = (bot: MediaBot, key: string) => bot.received().get(key)?.packets ?? 0;

describe('speakers: active-speaker events, last-N video and the loudest microphones', () => {
  // Last-N 1: each subscriber gets the camera of its most recent speaker only; 2 audible microphones.
  let harness: MediaHarness;
  const events: string[][] = [];
  let alice: MediaBot;
  let bob: MediaBot;
  let dave: MediaBot;

  beforeAll(async () => {
    harness = new MediaHarness(undefined, { lastN: 1, audibleSpeakers: 2 });
    harness.plane.on('active-speakers', ({ roomId, participantIds }) => {
      if (roomId === ROOM) events.push(participantIds);
    });
    alice = await harness.join(ROOM, 'alice', undefined, { audioLevel: SPEAKING });
    bob = await harness.join(ROOM, 'bob', undefined, { audioLevel: SILENT });
    await harness.join(ROOM, 'carol', undefined, { audioLevel: SILENT });
    dave = await harness.join(ROOM, 'dave', null);
  });

  afterAll(async () => {
    await harness.close();
  });

  it('announces the speaker and forwards only her camera to the others', async () => {
    await waitFor('alice announced as the only speaker', () => events.at(-1)?.join() === 'alice');
    await waitFor('dave receiving alice’s camera', () => packets(dave, 'alice:camera') > 50);
    // Bob and carol are subscribed (their m-lines were offered) but their cameras are paused for dave.
    expect(dave.subscribedTracks().filter((t) => t.source === 'camera')).toHaveLength(3);
    const bobBefore = packets(dave, 'bob:camera');
    const aliceBefore = packets(dave, 'alice:camera');
    await waitFor('more of alice’s video', () => packets(dave, 'alice:camera') > aliceBefore + 100);
    expect(packets(dave, 'bob:camera')).toBe(bobBefore);
    // Alice herself gets the camera of the most recent speaker other than her (bob joined first).
    await waitFor('alice receiving bob’s camera', () => packets(alice, 'bob:camera') > 50);
  });

  it('forwards the microphones of the two loudest only', async () => {
    const mics = ['alice', 'bob', 'carol'].map((id) => `${id}:mic`);
    const before = mics.map((key) => packets(dave, key));
    await waitFor('more of alice’s audio', () => packets(dave, 'alice:mic') > before[0]! + 50);
    // 50 packets/s each: in that second an audible microphone sent dozens, a held one none.
    const grew = mics.filter((key, i) => packets(dave, key) > before[i]! + 5);
    expect(grew).toHaveLength(2);
    expect(grew).toContain('alice:mic');
  });

  it('sends no Sender Reports for the microphones and cameras it leaves out', async () => {
    const reports = (key: string) => dave.received().get(key)?.senderReports ?? 0;
    const keys = ['alice:mic', 'bob:mic', 'carol:mic', 'alice:camera', 'bob:camera', 'carol:camera'];
    const before = keys.map(reports);
    // One report per stream each second: three more of alice's show three seconds went by.
    await waitFor('three more reports of alice’s camera', () => reports('alice:camera') >= before[3]! + 3);
    const grew = keys.filter((key, i) => reports(key) > before[i]!);
    expect(grew).toContain('alice:mic');
    expect(grew).not.toContain('bob:camera');
    expect(grew).not.toContain('carol:camera');
    // Two of the three microphones are audible; the third one's reports stay away too.
    expect(grew.filter((key) => key.endsWith(':mic'))).toHaveLength(2);
  });

  it('switches the forwarded camera when someone else speaks, without a sequence gap', async () => {
    alice.setAudioLevel(SILENT);
    bob.setAudioLevel(SPEAKING);
    await waitFor('bob announced', () => events.at(-1)?.[0] === 'bob');
    await waitFor('dave receiving bob’s camera', () => packets(dave, 'bob:camera') > 100);
    // Bob's video resumed at a key frame, with sequence numbers continuing: dave saw no loss to NACK.
    expect(dave.received().get('bob:camera')!.keyframes).toBeGreaterThan(0);
    expect(dave.nackStats().sent).toBe(0);
    const aliceBefore = packets(dave, 'alice:camera');
    const bobBefore = packets(dave, 'bob:camera');
    await waitFor('more of bob’s video', () => packets(dave, 'bob:camera') > bobBefore + 100);
    expect(packets(dave, 'alice:camera')).toBeLessThanOrEqual(aliceBefore + 50);
    expect(harness.errors).toEqual([]);
  });
});
