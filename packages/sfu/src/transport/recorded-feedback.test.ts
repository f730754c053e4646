import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SubscriberBandwidth } from './subscriber-bandwidth.js';

/**
 * Transport-cc feedback recorded from Chromium (testdata/twcc-*.json, see their `note`), replayed into
 * the SFU's estimator with the send records it answered: what the estimate did on a real browser's
 * feedback, not on a model of it. Probes are not replayed (their padding is in the sends, untagged).
 */
interface Recording {
  sends: [number, number][];
  feedback: [number, string][];
}

function replay(name: string): { atMs: number; estimate: number; lost: number }[] {
  const recording = JSON.parse(
    readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8'),
  ) as Recording;
  const bandwidth = new SubscriberBandwidth(0);
  const samples: { atMs: number; estimate: number; lost: number }[] = [];
  let sendAt = 0;
  let next = 0;
  for (const [at, hex] of recording.feedback) {
    const atMs = at / 100;
    // Every packet sent before this feedback arrived, in transport-wide order.
    while (next < recording.sends.length && sendAt + recording.sends[next]![0] / 100 <= atMs) {
      sendAt += recording.sends[next]![0] / 100;
      bandwidth.sends.sent(recording.sends[next]![1], sendAt);
      next++;
    }
    const message = Buffer.from(hex, 'hex');
    bandwidth.receiveFeedback(message, 0, message.length, atMs);
    samples.push({ atMs, estimate: bandwidth.estimate, lost: bandwidth.sends.results.lost });
  }
  expect(bandwidth.feedbackMalformed).toBe(0);
  return samples;
}

describe('the estimator on transport-cc feedback recorded from Chromium', () => {
  it('capped at 300 kbit/s: near the link within 0.5 s of the first loss, and there until the end', () => {
    const samples = replay('twcc-capped-viewer.json');
    const firstLoss = samples.find((sample) => sample.lost > 0)!;
    expect(samples[0]!.estimate).toBeGreaterThan(2_000_000); // before the cap: the start estimate
    const settled = samples.find((sample) => sample.estimate < 340_000)!;
    expect(settled.atMs - firstLoss.atMs).toBeLessThanOrEqual(500);
    // Recorded: 221–361 kbit/s, never the ~470 kbit/s the 360p layer would need (1.15 × 353 + audio).
    const after = samples.filter((sample) => sample.atMs >= firstLoss.atMs + 2000);
    expect(after.length).toBeGreaterThan(100);
    for (const sample of after) {
      expect(sample.estimate).toBeGreaterThan(180_000);
      expect(sample.estimate).toBeLessThan(400_000);
    }
  });

  it('a busy receiver on an unshaped path (both cores loaded): no overuse read into its late arrivals', () => {
    const samples = replay('twcc-busy-viewer.json');
    expect(samples.length).toBeGreaterThan(350);
    // 720p at ~770 kbit/s and two microphones need ~850 kbit/s; the estimate never came near.
    for (const sample of samples) expect(sample.estimate).toBeGreaterThan(1_500_000);
  });
});
