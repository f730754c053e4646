import { describe, expect, it } from 'vitest';
import type { Publication } from '../forwarding/publication.js';
import { RetransmissionBudget } from '../forwarding/retransmission-budget.js';
import type { Subscription } from '../forwarding/subscription.js';
import { AUDIO_RESERVE_BPS, DownlinkShares } from './downlink-shares.js';

/** Just what DownlinkShares reads and sets of a publication and its subscription. */
function track(kind: 'audio' | 'video', wantedExtra = () => 0) {
  const publication = { kind, held: false, audible: true };
  const subscription = {
    nacks: { budget: new RetransmissionBudget(50) },
    media: { redWithheld: false, rtx: { accepted: true } },
    sharesBandwidth: true,
    isPaused: false,
    padding: kind === 'video' ? { send() {} } : null,
    budget: Number.NaN,
    proven: Number.NaN,
    setEstimatedBudget(bitsPerSecond: number, provenBitsPerSecond: number) {
      this.budget = bitsPerSecond;
      this.proven = provenBitsPerSecond;
    },
    wantedExtra,
  };
  return { publication, subscription };
}

function meeting(...tracks: ReturnType<typeof track>[]): ReadonlyMap<Publication, Subscription> {
  return new Map(tracks.map((t) => [t.publication, t.subscription] as [unknown, unknown])) as ReadonlyMap<
    Publication,
    Subscription
  >;
}

describe('DownlinkShares (one subscriber’s estimate shared out)', () => {
  it('keeps AUDIO_RESERVE_BPS per microphone until the audio is measured, then what it costs', () => {
    const mic1 = track('audio');
    const mic2 = track('audio');
    const camera = track('video');
    const shares = new DownlinkShares();
    const tracks = meeting(mic1, mic2, camera);
    shares.apply(tracks, 1_000_000, 400_000, 0);
    expect(camera.subscription.budget).toBe(1_000_000 - 2 * AUDIO_RESERVE_BPS);
    // What the path has carried is shared out the same way (a step up needs it).
    expect(camera.subscription.proven).toBe(400_000 - 2 * AUDIO_RESERVE_BPS);
    // 60 kbit/s each (RED) over one second.
    for (const mic of [mic1, mic2]) mic.subscription.nacks.budget.earn(7500);
    shares.apply(tracks, 1_000_000, 1_000_000, 1000);
    expect(camera.subscription.budget).toBeCloseTo(1_000_000 - 120_000);
  });

  it('while a video is short: plain Opus instead of RED and fewer retransmissions; RED back after 10 s', () => {
    const mic = track('audio');
    let wanted = 200_000;
    const camera = track('video', () => wanted);
    const shares = new DownlinkShares();
    const tracks = meeting(mic, camera);
    shares.apply(tracks, 300_000, 300_000, 0);
    mic.subscription.nacks.budget.earn(7500); // 60 kbit/s of RED: its redundancy is 9 % of 300 kbit/s
    expect(shares.apply(tracks, 300_000, 300_000, 1000)).toBe(200_000);
    expect(mic.subscription.media.redWithheld).toBe(true);
    // The limited share: 10 % of what is forwarded.
    const budget = camera.subscription.nacks.budget;
    for (let sequence = 0; budget.mayResend(sequence, 100, 1000); sequence++);
    for (let i = 0; i < 11; i++) budget.earn(1000); // at 10 %: 1.1 packets and 1100 bytes of credit
    expect(budget.mayResend(5000, 1000, 1000)).toBe(true);
    expect(budget.mayResend(5001, 1, 1000)).toBe(false);
    wanted = 0;
    shares.apply(tracks, 300_000, 300_000, 5000);
    expect(mic.subscription.media.redWithheld).toBe(true);
    shares.apply(tracks, 300_000, 300_000, 11_000);
    expect(mic.subscription.media.redWithheld).toBe(false);
  });

  it('keeps RED when its redundancy costs little of a large estimate, even with a video short', () => {
    const mic = track('audio');
    const camera = track('video', () => 500_000);
    const shares = new DownlinkShares();
    const tracks = meeting(mic, camera);
    shares.apply(tracks, 3_000_000, 3_000_000, 0);
    mic.subscription.nacks.budget.earn(7500);
    shares.apply(tracks, 3_000_000, 3_000_000, 1000);
    expect(mic.subscription.media.redWithheld).toBe(false);
  });

  it('lets a video paused for bandwidth carry the probe (it has no media of its own to follow)', () => {
    const mic = track('audio');
    const playing = track('video');
    const paused = track('video', () => 150_000);
    const shares = new DownlinkShares();
    const tracks = meeting(mic, playing, paused);
    shares.apply(tracks, 300_000, 300_000, 0);
    expect(shares.probeCarrier).toBeNull();
    paused.subscription.isPaused = true;
    shares.apply(tracks, 300_000, 300_000, 100);
    expect(shares.probeCarrier).toBe(paused.subscription.padding);
    // Without RTX too (its padding then goes in the video's own sequence).
    paused.subscription.media.rtx.accepted = false;
    shares.apply(tracks, 300_000, 300_000, 200);
    expect(shares.probeCarrier).toBe(paused.subscription.padding);
    // Resumed: its own packets carry the padding again.
    paused.subscription.isPaused = false;
    shares.apply(tracks, 300_000, 300_000, 300);
    expect(shares.probeCarrier).toBeNull();
  });
});
