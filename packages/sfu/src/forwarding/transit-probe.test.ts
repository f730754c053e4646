import { describe, expect, it } from 'vitest';
import { TransitProbe } from './transit-probe.js';

describe('TransitProbe', () => {
  it('is off until started', () => {
    expect(new TransitProbe().enabled).toBe(false);
  });

  it('reports percentiles at microsecond resolution and the exact maximum', () => {
    const probe = new TransitProbe();
    probe.start();
    // 990 packets at 0.1 ms, 9 at 1.5 ms, one at 40 ms (beyond the histogram's last bin).
    for (let i = 0; i < 990; i++) probe.record(0.1);
    for (let i = 0; i < 9; i++) probe.record(1.5);
    probe.record(40);
    const snapshot = probe.snapshot();
    expect(snapshot.packets).toBe(1000);
    expect(snapshot.p50Ms).toBeCloseTo(0.101, 6);
    expect(snapshot.p99Ms).toBeCloseTo(0.101, 6);
    expect(snapshot.p999Ms).toBeCloseTo(1.501, 6);
    expect(snapshot.maxMs).toBe(40);
  });

  it('starts from an empty histogram and stops recording when stopped', () => {
    const probe = new TransitProbe();
    probe.start();
    probe.record(5);
    probe.start();
    probe.record(0.002);
    probe.stop();
    expect(probe.enabled).toBe(false);
    expect(probe.snapshot()).toEqual({ packets: 1, p50Ms: 0.002, p99Ms: 0.002, p999Ms: 0.002, maxMs: 0.002 });
  });
});
