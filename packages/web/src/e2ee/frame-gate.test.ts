import { describe, expect, it } from 'vitest';
import { FrameGate } from './frame-gate';
import { deriveFrameKey, encryptFrame, keyId } from './sframe';

/**
 * The frame gate as a hostile SFU meets it: every frame below is one the SFU could deliver (a real
 * frame of a member, replayed, moved to another tile or source, or made up), and the test asserts
 * what reaches the decoder.
 */

const EPOCH = 3;
const BASE = new Uint8Array(16).fill(42);
const ROSTER = [
  { participantId: 'alice', leaf: 0 },
  { participantId: 'bob', leaf: 1 },
  { participantId: 'carol', leaf: 2 },
];
const noTimers = () => undefined;

/** A member's gate in an encrypted meeting at EPOCH (keys installed, sending). */
function member(leaf: number): FrameGate {
  const gate = new FrameGate();
  gate.installEpoch(EPOCH, BASE, leaf, ROSTER);
  gate.setMode('hold', 'strict');
  gate.useSendEpoch(EPOCH, noTimers);
  return gate;
}

/** Bob's page: one receiver per remote source, bound as the subscribe offer says. */
function bob(): FrameGate {
  const gate = member(1);
  gate.bind('alice-cam', { participantId: 'alice', source: 'camera' });
  gate.bind('alice-screen', { participantId: 'alice', source: 'screen' });
  gate.bind('carol-cam', { participantId: 'carol', source: 'camera' });
  return gate;
}

/** A VP8 delta frame (first byte odd) with recognisable content. */
function videoFrame(n: number): Uint8Array {
  return Uint8Array.of(0x01, ...new Array(200).fill(n & 0xff));
}

describe('frame gate: frames bind to their sender', () => {
  it("passes a member's frame on its own tile and drops it on another participant's tile", async () => {
    const alice = member(0);
    const receiver = bob();
    const sealed = (await alice.seal(videoFrame(1), 'video', 'camera')) as Uint8Array;
    expect(await receiver.open(sealed.slice(), 'carol-cam')).toBeNull();
    expect(receiver.stats.drops.foreign).toBe(1);
    expect(await receiver.open(sealed.slice(), 'alice-cam')).toEqual(videoFrame(1));
  });

  it('drops a frame sealed for one source when delivered as another (AAD names the source)', async () => {
    const alice = member(0);
    const receiver = bob();
    const screen = (await alice.seal(videoFrame(2), 'video', 'screen')) as Uint8Array;
    expect(await receiver.open(screen.slice(), 'alice-cam')).toBeNull();
    expect(receiver.stats.drops.undecryptable).toBe(1);
    expect(await receiver.open(screen.slice(), 'alice-screen')).toEqual(videoFrame(2));
  });

  it('drops a replayed frame, also when both copies are decrypted side by side', async () => {
    const alice = member(0);
    const receiver = bob();
    const first = (await alice.seal(videoFrame(3), 'video', 'camera')) as Uint8Array;
    expect(await receiver.open(first.slice(), 'alice-cam')).not.toBeNull();
    expect(await receiver.open(first.slice(), 'alice-cam')).toBeNull();
    const second = (await alice.seal(videoFrame(4), 'video', 'camera')) as Uint8Array;
    const both = await Promise.all([
      receiver.open(second.slice(), 'alice-cam'),
      receiver.open(second.slice(), 'alice-cam'),
    ]);
    expect(both.filter((frame) => frame !== null)).toHaveLength(1);
    expect(receiver.stats.drops.replayed).toBe(2);
  });

  it('drops a genuine frame whose counter is older than the replay window', async () => {
    const receiver = bob();
    const kid = keyId(0, EPOCH);
    const key = await deriveFrameKey(BASE, kid);
    const seal = (ctr: number) =>
      encryptFrame(videoFrame(ctr), 1, key, kid, ctr, { sender: 'alice', source: 'camera' });
    const old = await seal(5);
    expect(await receiver.open(await seal(10_000), 'alice-cam')).not.toBeNull();
    // Never seen before, authentic, but 9995 counters behind the newest (window: 8192).
    expect(await receiver.open(old, 'alice-cam')).toBeNull();
    expect(receiver.stats.drops.replayed).toBe(1);
    // Within the window and out of order: fine.
    expect(await receiver.open(await seal(9_000), 'alice-cam')).not.toBeNull();
  });

  it('derives no key for random key ids, however many arrive', async () => {
    const receiver = bob();
    const alice = member(0);
    expect(
      await receiver.open((await alice.seal(videoFrame(6), 'video', 'camera')) as Uint8Array, 'alice-cam'),
    ).not.toBeNull();
    const before = receiver.derivedKeys();
    const junkKey = await deriveFrameKey(new Uint8Array(16).fill(1), 0);
    for (let i = 0; i < 2000; i++) {
      // Random leaf and epoch: what a hostile SFU could make up to make receivers derive keys.
      const kid = keyId(Math.floor(Math.random() * 65536), Math.floor(Math.random() * 256));
      const junk = await encryptFrame(videoFrame(i), 1, junkKey, kid, i, { sender: 'x', source: 'camera' });
      expect(await receiver.open(junk, i % 2 ? 'alice-cam' : 'carol-cam')).toBeNull();
    }
    expect(receiver.derivedKeys()).toBe(before);
    expect(receiver.derivedKeys()).toBeLessThanOrEqual(ROSTER.length);
  });

  it('keeps at most a bounded number of epochs however many the page installs', () => {
    const gate = member(1);
    for (let epoch = 4; epoch < 200; epoch++) gate.installEpoch(epoch, BASE, 1, ROSTER);
    expect((gate as unknown as { epochs: Map<number, unknown> }).epochs.size).toBeLessThanOrEqual(16);
  });

  it('never emits an undecryptable frame, in any mode', async () => {
    const alice = member(0);
    const sealed = (await alice.seal(videoFrame(7), 'video', 'camera')) as Uint8Array;
    const tampered = sealed.slice();
    tampered[5] = (tampered[5] as number) ^ 0xff;
    const wrongKey = await encryptFrame(
      videoFrame(8),
      1,
      await deriveFrameKey(new Uint8Array(16), keyId(0, EPOCH)),
      keyId(0, EPOCH),
      1,
      {
        sender: 'alice',
        source: 'camera',
      },
    );
    for (const [send, receive] of [
      ['clear', 'clear'],
      ['clear', 'mixed'],
      ['encrypt', 'mixed'],
      ['hold', 'strict'],
      ['encrypt', 'strict'],
    ] as const) {
      // A page switching on: keys for EPOCH, not (necessarily) sending yet.
      const gate = new FrameGate();
      gate.installEpoch(EPOCH, BASE, 1, ROSTER);
      gate.bind('alice-cam', { participantId: 'alice', source: 'camera' });
      gate.setMode(send, receive);
      expect(await gate.open(tampered.slice(), 'alice-cam'), `${send}/${receive}`).toBeNull();
      expect(await gate.open(wrongKey.slice(), 'alice-cam'), `${send}/${receive}`).toBeNull();
      // Our trailer on a frame no key of ours opens (before any keys, too).
      const fresh = new FrameGate();
      fresh.setMode(send, receive);
      fresh.bind('alice-cam', { participantId: 'alice', source: 'camera' });
      expect(await fresh.open(sealed.slice(), 'alice-cam'), `no keys ${send}/${receive}`).toBeNull();
    }
  });
});

describe('frame gate: no plaintext once encrypted', () => {
  it('passes plaintext while switching on, and never again once the meeting was encrypted', async () => {
    const gate = new FrameGate();
    gate.setMode('clear', 'mixed');
    expect(await gate.open(videoFrame(9), 'alice-cam')).toEqual(videoFrame(9));
    expect(await gate.seal(videoFrame(9), 'video', 'camera')).toEqual(videoFrame(9));
    gate.setMode('hold', 'strict');
    // What a server message (`e2ee-state pending`, then `off`) makes the page ask for next:
    for (const [send, receive] of [
      ['encrypt', 'mixed'],
      ['clear', 'mixed'],
      ['clear', 'clear'],
    ] as const) {
      gate.setMode(send, receive);
      expect(gate.modes).toEqual({ send: 'hold', receive: 'strict' });
      expect(await gate.open(videoFrame(10), 'alice-cam')).toBeNull();
      expect(await gate.seal(videoFrame(10), 'video', 'camera')).toBeNull();
    }
    gate.reset();
    expect(await gate.open(videoFrame(11), 'alice-cam')).toBeNull();
    expect(await gate.seal(videoFrame(11), 'video', 'camera')).toBeNull();
    // Only the explicit, separate confirmation lets plaintext flow again.
    gate.offConfirmed();
    gate.setMode('clear', 'clear');
    expect(await gate.open(videoFrame(12), 'alice-cam')).toEqual(videoFrame(12));
    expect(await gate.seal(videoFrame(12), 'video', 'camera')).toEqual(videoFrame(12));
  });

  it('a send epoch alone latches: execute during pending makes receiving strict', async () => {
    const gate = new FrameGate();
    gate.installEpoch(EPOCH, BASE, 1, ROSTER);
    gate.setMode('clear', 'mixed');
    gate.useSendEpoch(EPOCH, noTimers);
    gate.setMode('encrypt', 'mixed');
    expect(gate.modes).toEqual({ send: 'encrypt', receive: 'strict' });
    expect(await gate.open(videoFrame(13), 'alice-cam')).toBeNull();
  });

  it('drops frames of a participant who holds two leaves (a ghost under their name)', async () => {
    const gate = new FrameGate();
    gate.installEpoch(EPOCH, BASE, 1, [...ROSTER, { participantId: 'alice', leaf: 3 }]);
    gate.setMode('hold', 'strict');
    gate.bind('alice-cam', { participantId: 'alice', source: 'camera' });
    const alice = member(0);
    const sealed = (await alice.seal(videoFrame(14), 'video', 'camera')) as Uint8Array;
    expect(await gate.open(sealed, 'alice-cam')).toBeNull();
    expect(gate.stats.drops.foreign).toBe(1);
  });
});
