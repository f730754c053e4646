import type { MediaBot } from '@parley/media-bot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaHarness } from '../support/media-harness.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Issue 13, silencing everyone with forged audio levels: the SFU forwards the 3 loudest microphones,
 * ranked by the RFC 6464 level each client claims. Scripted participants over real DTLS-SRTP claim the
 * loudest level there is; a real speaker must still be heard, and holding or muting them frees the
 * slots they took.
 */
const ROOM = 'room-forged-levels';
const FORGERS = ['f1', 'f2', 'f3'];
const SILENT = 127;

const packets = (bot: MediaBot, key: string) => bot.received().get(key)?.packets ?? 0;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Microphones whose packets reached `listener` in a second (an audible one sends 50, a left-out one none). */
async function audibleAt(listener: MediaBot, ids: string[]): Promise<string[]> {
  const before = ids.map((id) => packets(listener, `${id}:mic`));
  await sleep(1000);
  return ids.filter((id, i) => packets(listener, `${id}:mic`) > before[i]! + 20);
}

describe('speaker ranking against forged audio levels', () => {
  let harness: MediaHarness;
  const events: string[][] = [];
  const forgers: MediaBot[] = [];
  let alice: MediaBot;
  let bob: MediaBot;
  let carol: MediaBot;
  let dave: MediaBot;
  const audio = { audio: true, video: false };

  beforeAll(async () => {
    harness = new MediaHarness();
    harness.plane.on('active-speakers', ({ roomId, participantIds }) => {
      if (roomId === ROOM) events.push(participantIds);
    });
    dave = await harness.join(ROOM, 'dave', null);
    // The forgers claim 0 dBov, the loudest level there is, on every packet, from the start.
    for (const id of FORGERS) forgers.push(await harness.join(ROOM, id, audio, { audioLevel: 0 }));
    alice = await harness.join(ROOM, 'alice', audio, { audioLevel: SILENT });
    bob = await harness.join(ROOM, 'bob', audio, { audioLevel: SILENT });
    carol = await harness.join(ROOM, 'carol', audio, { audioLevel: SILENT });
    await waitFor('dave receiving audio', () => FORGERS.some((id) => packets(dave, `${id}:mic`) > 20));
  });

  afterAll(async () => {
    await harness.close();
  });

  it('three microphones claiming the loudest level cannot silence a real speaker', async () => {
    alice.setAudioLevel(20);
    await waitFor('alice announced as the speaker', () => events.at(-1)?.[0] === 'alice');
    // Sustained full-scale claims are not believed: the forgers are not even listed as speaking.
    expect(events.at(-1)!.filter((id) => FORGERS.includes(id))).toEqual([]);
    const heard = await audibleAt(dave, ['alice', ...FORGERS]);
    expect(heard).toContain('alice');
  });

  it('keeps a slot for a speaking moderator against believable loud claims, and holding or muting the forgers frees theirs', async () => {
    // Now the forgers claim a loud but believable level, louder than everyone else.
    for (const forger of forgers) forger.setAudioLevel(12);
    bob.setAudioLevel(30);
    carol.setAudioLevel(30);
    harness.plane.setSpeakerState(ROOM, 'alice', { muted: false, moderator: true });
    await waitFor('the forgers believed again', () => FORGERS.every((id) => events.at(-1)?.includes(id)), {
      timeoutMs: 8000,
    });
    const loud = await audibleAt(dave, ['alice', 'bob', 'carol', ...FORGERS]);
    // Two slots go to the loudest claims, the kept one to the moderator.
    expect(loud).toContain('alice');
    expect(loud.filter((id) => FORGERS.includes(id))).toHaveLength(2);
    expect(loud).not.toContain('bob');

    // A moderator holds two of them; the third mutes (the control plane says so).
    harness.plane.setAudioHeld(ROOM, 'f1', true);
    harness.plane.setAudioHeld(ROOM, 'f2', true);
    harness.plane.setSpeakerState(ROOM, 'f3', { muted: true, moderator: false });
    await waitFor('no forger listed as speaking', () => !events.at(-1)?.some((id) => FORGERS.includes(id)));
    const after = await audibleAt(dave, ['alice', 'bob', 'carol', ...FORGERS]);
    expect(after.sort()).toEqual(['alice', 'bob', 'carol']);
    expect(harness.errors).toEqual([]);
  });
});
