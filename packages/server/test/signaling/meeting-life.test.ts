import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type MeetingServer, startMeetingServer } from './meeting-fixture.js';

let m: MeetingServer;

beforeAll(async () => {
  m = await startMeetingServer();
});
afterAll(async () => {
  await m.close();
});
afterEach(() => m.releaseClock());

describe('raised hands', () => {
  it('keeps one ordered queue, shown to everyone and to joiners', async () => {
    const name = m.room();
    const host = await m.host(name);
    const ann = await m.participant(name, 'Ann');
    const ben = await m.participant(name, 'Ben');

    expect(await ben.client.send({ type: 'set-hand', raised: true })).toMatchObject({ ok: true });
    expect(await ann.client.send({ type: 'set-hand', raised: true })).toMatchObject({ ok: true });
    // Raising again keeps Ben's place.
    expect(await ben.client.send({ type: 'set-hand', raised: true })).toMatchObject({ ok: true });
    for (const client of [host.client, ann.client, ben.client]) {
      await client.waitForEvent('hands-updated', (e) => e.queue.length === 2);
    }
    await m.settle(host.client);
    const updates = m.eventsOf(host.client, 'hands-updated').map((e) => e.queue);
    expect(updates).toEqual([[ben.id], [ben.id, ann.id]]);

    const late = await m.participant(name, 'Cleo');
    const welcome = await late.client.waitForEvent('hands-updated');
    expect(welcome.queue).toEqual([ben.id, ann.id]);

    await ben.client.send({ type: 'set-hand', raised: false });
    const after = await host.client.waitForEvent('hands-updated', (e) => !e.queue.includes(ben.id));
    expect(after.queue).toEqual([ann.id]);
    expect(after.loweredByModerator).toBeUndefined();
  });

  it('lets a moderator lower a hand, and nobody else', async () => {
    const name = m.room();
    const host = await m.host(name);
    const ann = await m.participant(name, 'Ann');
    const ben = await m.participant(name, 'Ben');
    await ann.client.send({ type: 'set-hand', raised: true });

    const refused = await ben.client.send({ type: 'lower-hand', participantId: ann.id });
    expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden' } });

    expect(await host.client.send({ type: 'lower-hand', participantId: ann.id })).toMatchObject({ ok: true });
    const lowered = await ann.client.waitForEvent('hands-updated', (e) => e.queue.length === 0);
    expect(lowered.loweredByModerator).toBe(ann.id);
    expect(await host.client.send({ type: 'lower-hand', participantId: 'nobody' })).toMatchObject({
      error: { code: 'not-found' },
    });
  });

  it('drops the hand of someone who leaves', async () => {
    const name = m.room();
    const host = await m.host(name);
    const ann = await m.participant(name, 'Ann');
    await ann.client.send({ type: 'set-hand', raised: true });
    await host.client.waitForEvent('hands-updated', (e) => e.queue.includes(ann.id));
    await ann.client.close();
    await host.client.waitForEvent('participant-left', (e) => e.participantId === ann.id);
    const after = await host.client.waitForEvent('hands-updated', (e) => e.queue.length === 0);
    expect(after.queue).toEqual([]);
  });
});

describe('reactions', () => {
  it('relays a fixed set of reactions to everyone, rate-limited', async () => {
    const name = m.room();
    const host = await m.host(name);
    const ann = await m.participant(name, 'Ann');
    m.freezeClock();
    for (let i = 0; i < 5; i++) {
      expect(await ann.client.send({ type: 'send-reaction', reaction: 'clap' })).toMatchObject({ ok: true });
    }
    const limited = await ann.client.send({ type: 'send-reaction', reaction: 'clap' });
    expect(limited).toMatchObject({ ok: false, error: { code: 'rate-limited', retryAfterSeconds: 1 } });
    m.advanceClock(1000);
    expect(await ann.client.send({ type: 'send-reaction', reaction: 'heart' })).toMatchObject({ ok: true });
    await host.client.waitForEvent('reaction', (e) => e.reaction === 'heart');
    await m.settle(host.client);
    const seen = m.eventsOf(host.client, 'reaction');
    expect(seen).toHaveLength(6);
    expect(seen.every((e) => e.participantId === ann.id)).toBe(true);

    const unknown = await ann.client.send({ type: 'send-reaction', reaction: 'poo' } as never);
    expect(unknown).toMatchObject({ ok: false, error: { code: 'bad-request' } });
  });
});
