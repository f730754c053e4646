import { describe, expect, it } from 'vitest';
import { MIN_VOICE_PAYLOAD, SpeakerDetector } from './speaker-detector.js';

/** One 300 ms interval of 15 packets per microphone: [level, payload bytes]. */
function interval(detector: SpeakerDetector, packets: Record<string, [number, number] | null>): void {
  for (const [id, packet] of Object.entries(packets)) {
    const activity = detector.activity(id);
    for (let i = 0; packet && i < 15; i++) activity.add(packet[0], packet[1]);
  }
  detector.update();
}

const VOICE = 80;

describe('SpeakerDetector', () => {
  it('does not count loud claims on silence-sized (DTX, comfort noise) packets', () => {
    const detector = new SpeakerDetector(1);
    for (let i = 0; i < 5; i++) interval(detector, { real: [30, VOICE], dtx: [0, MIN_VOICE_PAYLOAD - 1] });
    expect(detector.ranking().speaking).toEqual(['real']);
    expect([...detector.ranking().audible]).toEqual(['real']);
  });

  it('counts a missing packet as silence: one loud packet per interval is not speech', () => {
    const detector = new SpeakerDetector(1);
    for (let i = 0; i < 5; i++) {
      interval(detector, { real: [40, VOICE], sparse: null });
      detector.activity('sparse').add(10, VOICE);
    }
    expect(detector.ranking().audible.has('real')).toBe(true);
  });

  it('demotes sustained full-scale claims below every believable speaker', () => {
    const detector = new SpeakerDetector(2);
    for (let i = 0; i < 8; i++) interval(detector, { f1: [0, VOICE], f2: [0, VOICE], quiet: [45, VOICE] });
    expect(detector.ranking().speaking).toEqual(['quiet']);
    expect(detector.ranking().audible.has('quiet')).toBe(true);
  });

  it('never ranks a held or muted microphone, and keeps a slot for a speaking moderator', () => {
    const detector = new SpeakerDetector(2);
    const loud = { a: [15, VOICE], b: [15, VOICE], c: [15, VOICE] } as Record<string, [number, number]>;
    for (let i = 0; i < 3; i++) interval(detector, { ...loud, mod: [35, VOICE] });
    expect(detector.ranking().audible.has('mod')).toBe(false);
    detector.activity('mod').moderator = true;
    interval(detector, { ...loud, mod: [35, VOICE] });
    expect(detector.ranking().audible.has('mod')).toBe(true);
    detector.activity('a').held = true;
    detector.activity('b').muted = true;
    interval(detector, { ...loud, mod: [35, VOICE] });
    const { audible, speaking } = detector.ranking();
    expect([...audible].sort()).toEqual(['c', 'mod']);
    expect(speaking).not.toContain('a');
    expect(speaking).not.toContain('b');
  });
});
