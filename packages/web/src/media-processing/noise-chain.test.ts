import { describe, expect, it } from 'vitest';
import { NoiseChain, type Suppressor } from './noise-chain';

const track = (id: string) => ({ id }) as MediaStreamTrack;

/** A suppressor factory that records what it built; `gate` holds a start until released. */
function factory(options: { fail?: boolean } = {}) {
  const built: { input: MediaStreamTrack; output: MediaStreamTrack; closed: boolean }[] = [];
  let release: (() => void) | null = null;
  let gate: Promise<void> | null = null;
  return {
    built,
    hold() {
      gate = new Promise((resolve) => {
        release = resolve;
      });
    },
    release() {
      release?.();
      gate = null;
    },
    start: async (input: MediaStreamTrack): Promise<Suppressor> => {
      if (gate) await gate;
      if (options.fail) throw new Error('no AudioWorklet');
      const entry = { input, output: track(`clean-${input.id}`), closed: false };
      built.push(entry);
      const close = () => {
        entry.closed = true;
      };
      return { input, output: entry.output, close };
    },
  };
}

describe('the noise suppression chain', () => {
  it('sends the cleaned track when on, and builds it once per microphone track', async () => {
    const f = factory();
    const chain = new NoiseChain(f.start, true);
    const raw = track('mic');
    expect((await chain.output(raw)).id).toBe('clean-mic');
    expect((await chain.output(raw)).id).toBe('clean-mic');
    expect(f.built).toHaveLength(1);
    expect(chain.state.get()).toEqual({ wanted: true, running: true, unavailable: false });
  });

  it('sends the raw track and runs nothing when off', async () => {
    const f = factory();
    const chain = new NoiseChain(f.start, false);
    const raw = track('mic');
    expect(await chain.output(raw)).toBe(raw);
    expect(f.built).toHaveLength(0);
    expect(chain.state.get().running).toBe(false);
  });

  it('switches in the room: off stops the suppressor and gives the raw track, on builds a new one', async () => {
    const f = factory();
    const chain = new NoiseChain(f.start, true);
    const raw = track('mic');
    await chain.output(raw);
    expect(await chain.setWanted(false)).toBe(raw);
    expect(f.built[0]?.closed).toBe(true);
    expect(chain.state.get()).toMatchObject({ wanted: false, running: false });
    expect((await chain.setWanted(true))?.id).toBe('clean-mic');
    expect(f.built).toHaveLength(2);
    expect(f.built[1]?.closed).toBe(false);
  });

  it('only remembers the choice before anything is sent (pre-join screen)', async () => {
    const f = factory();
    const chain = new NoiseChain(f.start, true);
    expect(await chain.setWanted(false)).toBeNull();
    expect(await chain.setWanted(true)).toBeNull();
    expect(f.built).toHaveLength(0);
    expect(chain.wanted).toBe(true);
  });

  it('ends in the last state chosen after quick clicks during a slow start', async () => {
    const f = factory();
    const chain = new NoiseChain(f.start, true);
    const raw = track('mic');
    f.hold();
    const first = chain.output(raw);
    const off = chain.setWanted(false);
    const on = chain.setWanted(true);
    const offAgain = chain.setWanted(false);
    f.release();
    expect((await first).id).toBe('clean-mic');
    expect(await off).toBe(raw);
    expect((await on)?.id).toBe('clean-mic');
    expect(await offAgain).toBe(raw);
    expect(f.built.every((entry) => entry.closed)).toBe(true);
    expect(chain.state.get().running).toBe(false);
  });

  it('rebuilds for a new microphone and stops the old suppressor', async () => {
    const f = factory();
    const chain = new NoiseChain(f.start, true);
    await chain.output(track('a'));
    expect((await chain.output(track('b'))).id).toBe('clean-b');
    expect(f.built.map((entry) => entry.closed)).toEqual([true, false]);
  });

  it('falls back to the raw track and says so when the browser cannot run it', async () => {
    const f = factory({ fail: true });
    const chain = new NoiseChain(f.start, true);
    const raw = track('mic');
    expect(await chain.output(raw)).toBe(raw);
    expect(chain.state.get()).toEqual({ wanted: true, running: false, unavailable: true });
    // Switching again tries once more.
    await chain.setWanted(false);
    expect(chain.state.get().unavailable).toBe(false);
  });

  it('stops everything when closed, also a suppressor that finishes starting afterwards', async () => {
    const f = factory();
    const chain = new NoiseChain(f.start, true);
    f.hold();
    const pending = chain.output(track('mic'));
    chain.close();
    f.release();
    expect((await pending).id).toBe('mic');
    expect(f.built.every((entry) => entry.closed)).toBe(true);
    expect(chain.state.get().running).toBe(false);
  });
});
