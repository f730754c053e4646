import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSoak } from './soak.js';

const built = existsSync(path.resolve(import.meta.dirname, '../../dist/main.js'));

/**
 * The soak's short version (`npm run soak` runs 200 cycles): 20 join/leave cycles with real media and
 * two flood rounds against the built server in a child process (npm test builds it first; without a
 * build this is skipped rather than building in the middle of the unit run).
 */
describe.skipIf(!built)('soak (short)', () => {
  it('keeps memory, file descriptors and threads flat over join/leave cycles and floods', async () => {
    const lines: string[] = [];
    const report = await runSoak({ cycles: 20, floodEvery: 10, log: (line) => lines.push(line) });
    expect(report.failures, lines.join('\n')).toEqual([]);
    // The floods met the limits they test.
    expect(report.floodCloses['flood:4010']).toBe(report.floods);
    expect(report.floodCloses['oversized:1009']).toBe(report.floods);
    expect(report.floodCloses['idle:4009']).toBeGreaterThan(0);
    expect(report.floodCloses['idle:4008']).toBeGreaterThan(0);
    // The meeting that ran throughout kept its video (a bot sends 150 packets/s): the rate over the run
    // stays near the one measured before it. The bots run in this process, so the machine's load (not
    // only the server) sets both figures; the margin allows for that.
    expect(report.bystanderVideoRate).toBeGreaterThan(report.bystanderVideoRateBefore * 0.5);
  }, 240_000);
});
