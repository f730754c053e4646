import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { waitFor } from './support/browser.js';
import { enter, tile } from './support/meeting.js';
import { meetingSuite } from './support/suite.js';

/**
 * How busy the room page keeps one browser tab in a 9-person meeting with every camera on: the
 * renderer's main-thread task time per second of wall time (Chrome DevTools `Performance` metrics).
 * Heavy (nine browser profiles with fake cameras), so only on request:
 * `PARLEY_PERF=1 npx vitest run --project e2e e2e/room-cpu.test.ts`.
 */
const suite = meetingSuite({ username: 'cpu-host', password: 'cpu password 12345' });
const PEOPLE = 9;
const MEASURE_MS = 10_000;

/**
 * Reads the renderer's accumulated main-thread task time (s). One CDP session for the whole
 * measurement: the counters start when `Performance.enable` is sent on a session.
 */
async function mainThreadClock(page: Page): Promise<() => Promise<number>> {
  const session = await page.context().newCDPSession(page);
  await session.send('Performance.enable');
  return async () => {
    const { metrics } = await session.send('Performance.getMetrics');
    return metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0;
  };
}

describe.runIf(process.env.PARLEY_PERF === '1')('room page CPU', () => {
  it(`measures the main thread of one tab in a ${PEOPLE}-person room`, async () => {
    const room = `cpu-${Date.now().toString(36)}`;
    const host = await suite.people.open();
    await suite.people.signIn(host, suite.host.username, suite.host.password);
    await enter(host, room, 'P0');
    for (let i = 1; i < PEOPLE; i++) await enter(await suite.people.open(), room, `P${i}`);
    for (let i = 1; i < PEOPLE; i++) await host.locator(tile(`P${i}`)).waitFor();
    await waitFor(
      () => host.locator('[data-testid="tile"] video').count(),
      (count) => count === PEOPLE,
      'every camera shown',
      60_000,
    );
    const taskSeconds = await mainThreadClock(host);
    const before = await taskSeconds();
    const started = Date.now();
    await new Promise((resolve) => setTimeout(resolve, MEASURE_MS));
    const busy = (await taskSeconds()) - before;
    const share = busy / ((Date.now() - started) / 1000);
    console.log(
      `room page main thread in a ${PEOPLE}-person room: ${(share * 100).toFixed(1)} % of one core`,
    );
    expect(share).toBeGreaterThan(0);
  }, 240_000);
});
