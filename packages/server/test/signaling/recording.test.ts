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

describe('recording consent', () => {
  it('asks everyone but the recorder, tracks answers and announces who declined', async () => {
    const name = m.room();
    const host = await m.host(name, 'Hana');
    const ann = await m.participant(name, 'Ann Secretname');
    const ben = await m.participant(name, 'Ben');

    expect(await host.client.send({ type: 'recording-start' })).toMatchObject({ ok: true });
    for (const client of [ann.client, ben.client]) {
      const asked = await client.waitForEvent('recording-consent-requested');
      expect(asked.recorderId).toBe(host.id);
    }
    await m.settle(host.client);
    expect(m.eventsOf(host.client, 'recording-consent-requested')).toEqual([]);
    const started = await ben.client.waitForEvent('recording-state', (e) => e.recording !== null);
    // Only the recorder is in it until others say yes.
    expect(started.recording).toMatchObject({ recorderId: host.id, consented: [host.id], declined: [] });

    expect(await ann.client.send({ type: 'recording-consent', accept: true })).toMatchObject({ ok: true });
    expect(await ben.client.send({ type: 'recording-consent', accept: false })).toMatchObject({ ok: true });
    const declined = await host.client.waitForEvent('recording-state', (e) => e.declined === ben.id);
    expect(declined.recording).toMatchObject({ consented: [host.id, ann.id], declined: [ben.id] });
    await ann.client.waitForEvent('recording-state', (e) => e.declined === ben.id);

    // Ben changes his mind: he is in from now on.
    await ben.client.send({ type: 'recording-consent', accept: true });
    const all = await host.client.waitForEvent(
      'recording-state',
      (e) => e.recording?.consented.includes(ben.id) === true,
    );
    expect(all.recording?.declined).toEqual([]);
    // The recorder cannot leave themselves out.
    expect(await host.client.send({ type: 'recording-consent', accept: false })).toMatchObject({
      error: { code: 'forbidden' },
    });

    expect(await host.client.send({ type: 'recording-stop' })).toMatchObject({ ok: true });
    const stopped = await ann.client.waitForEvent('recording-state', (e) => e.ended === 'stopped');
    expect(stopped.recording).toBeNull();
    expect(await ann.client.send({ type: 'recording-consent', accept: true })).toMatchObject({
      error: { code: 'not-found' },
    });
    // Nothing with a name in the log.
    expect(m.logLines.join('\n')).not.toContain('Secretname');
  });

  it('tells a joiner on entry and asks them; they are left out until they accept', async () => {
    const name = m.room();
    const host = await m.host(name);
    await host.client.send({ type: 'recording-start' });
    const late = await m.participant(name, 'Late');
    const state = await late.client.waitForEvent('recording-state');
    expect(state.recording).toMatchObject({ recorderId: host.id, consented: [host.id], declined: [] });
    expect((await late.client.waitForEvent('recording-consent-requested')).recorderId).toBe(host.id);
    await late.client.send({ type: 'recording-consent', accept: true });
    await host.client.waitForEvent(
      'recording-state',
      (e) => e.recording?.consented.includes(late.id) === true,
    );
  });

  it('ends the recording for everyone when the recorder leaves', async () => {
    const name = m.room();
    const host = await m.host(name);
    const ann = await m.participant(name, 'Ann');
    await host.client.send({ type: 'set-role', participantId: ann.id, role: 'moderator' });
    expect(await ann.client.send({ type: 'recording-start' })).toMatchObject({ ok: true });
    // One recording at a time.
    expect(await host.client.send({ type: 'recording-start' })).toMatchObject({
      error: { code: 'forbidden', message: expect.stringMatching(/already/) },
    });
    await ann.client.close();
    const ended = await host.client.waitForEvent('recording-state', (e) => e.ended === 'recorder-left');
    expect(ended.recording).toBeNull();
    // A new one may start now.
    expect(await host.client.send({ type: 'recording-start' })).toMatchObject({ ok: true });
  });

  it('lets guests start only when a moderator allows them; only the recorder or a moderator stops', async () => {
    const name = m.room();
    const host = await m.host(name);
    const ann = await m.participant(name, 'Ann');
    const ben = await m.participant(name, 'Ben');
    expect(await ann.client.send({ type: 'recording-start' })).toMatchObject({
      error: { code: 'forbidden' },
    });
    expect(
      await ann.client.send({ type: 'recording-permit', participantId: ann.id, allowed: true }),
    ).toMatchObject({
      error: { code: 'forbidden' },
    });
    await m.settle(host.client, ben.client);
    expect(m.eventsOf(ben.client, 'recording-state')).toEqual([]);

    expect(
      await host.client.send({ type: 'recording-permit', participantId: ann.id, allowed: true }),
    ).toMatchObject({
      ok: true,
    });
    const permitted = await ann.client.waitForEvent('recording-state', (e) => e.permitted.includes(ann.id));
    expect(permitted.recording).toBeNull();
    expect(await ann.client.send({ type: 'recording-start' })).toMatchObject({ ok: true });
    await host.client.waitForEvent('recording-consent-requested');
    expect(await ben.client.send({ type: 'recording-stop' })).toMatchObject({ error: { code: 'forbidden' } });
    expect(await ann.client.send({ type: 'recording-stop' })).toMatchObject({ ok: true });

    // Permission taken back: no more recordings from Ann; a moderator stops anyone's.
    await host.client.send({ type: 'recording-permit', participantId: ann.id, allowed: false });
    await ann.client.waitForEvent('recording-state', (e) => e.recording === null && e.permitted.length === 0);
    expect(await ann.client.send({ type: 'recording-start' })).toMatchObject({
      error: { code: 'forbidden' },
    });
    await host.client.send({ type: 'recording-permit', participantId: ben.id, allowed: true });
    await ben.client.waitForEvent('recording-state', (e) => e.permitted.includes(ben.id));
    expect(await ben.client.send({ type: 'recording-start' })).toMatchObject({ ok: true });
    expect(await host.client.send({ type: 'recording-stop' })).toMatchObject({ ok: true });
    await ben.client.waitForEvent('recording-state', (e) => e.ended === 'stopped');
  });

  it('limits how often one participant starts or changes an answer', async () => {
    const name = m.room();
    const host = await m.host(name);
    m.freezeClock();
    let refused = 0;
    for (let i = 0; i < 10; i++) {
      const start = await host.client.send({ type: 'recording-start' });
      if (!start.ok) {
        expect(start.error.code).toBe('rate-limited');
        refused++;
        continue;
      }
      await host.client.send({ type: 'recording-stop' });
    }
    expect(refused).toBe(4);
  });
});
