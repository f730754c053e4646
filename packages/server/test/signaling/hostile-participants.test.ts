import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type MeetingServer, startMeetingServer } from './meeting-fixture.js';

// Issue #13: what a hostile participant or guest tries against meetings, through real sockets.
let m: MeetingServer;

beforeAll(async () => {
  m = await startMeetingServer();
});
afterAll(async () => {
  await m.close();
});
afterEach(() => m.releaseClock());

describe('room-password guessing in parallel', () => {
  it('checks one guess at a time per address (IPv6 by /64), each counted before the check', async () => {
    const name = m.room();
    const host = await m.host(name);
    await host.client.send({ type: 'set-password', password: 'right one' });
    m.freezeClock();
    // 12 sockets from one /64, each with a different interface id, all guessing at once.
    const guessers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => m.connect({ address: `2001:db8:77:1::${(i + 1).toString(16)}` })),
    );
    const replies = await Promise.all(
      guessers.map((g, i) => g.join(name, 'Guesser', { password: `guess ${i}` })),
    );
    const checked = replies.filter((r) => r.ok === false && r.error.code === 'wrong-password');
    const refused = replies.filter((r) => r.ok === false && r.error.code === 'rate-limited');
    expect(checked.length).toBeGreaterThanOrEqual(1);
    expect(checked.length + refused.length).toBe(12);
    // Sequential guesses would get 5 free attempts; in parallel no more get checked than that either.
    expect(checked.length).toBeLessThanOrEqual(5);
    // Another meeting on the same server takes its own password at once.
    const other = m.room();
    const otherHost = await m.host(other);
    await otherHost.client.send({ type: 'set-password', password: 'other' });
    const guest = await m.connect({ address: '2001:db8:78:1::1' });
    expect(await guest.join(other, 'Guest', { password: 'other' })).toMatchObject({ ok: true });
  });

  it('still counts every sequential guess from a /64 together', async () => {
    const name = m.room();
    const host = await m.host(name);
    await host.client.send({ type: 'set-password', password: 'right one' });
    m.freezeClock();
    for (let i = 1; i <= 5; i++) {
      const guesser = await m.connect({ address: `2001:db8:99:2:${i}::1` });
      await guesser.join(name, 'Guesser', { password: `guess ${i}` });
    }
    const rotated = await m.connect({ address: '2001:db8:99:2:ffff:1:2:3' });
    expect(await rotated.join(name, 'Guesser', { password: 'right one' })).toMatchObject({
      ok: false,
      error: { code: 'rate-limited' },
    });
  });
});
