import { MAX_CHAT_TEXT_BYTES } from '@parley/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SignalingClient } from './harness.js';
import { type MeetingServer, startMeetingServer } from './meeting-fixture.js';

let m: MeetingServer;

beforeAll(async () => {
  m = await startMeetingServer();
});
afterAll(async () => {
  await m.close();
});
afterEach(() => m.releaseClock());

async function say(client: SignalingClient, text: string, to?: string): Promise<string> {
  const reply = await client.send({ type: 'chat-send', text, ...(to ? { to } : {}) });
  if (!reply.ok) throw new Error(`${reply.error.code}: ${reply.error.message}`);
  return (reply.result as { messageId: string }).messageId;
}

const texts = (client: SignalingClient) =>
  client.events.flatMap((e) => (e.type === 'chat-message' ? [e.message.text] : []));

describe('chat', () => {
  it('relays a message to everyone, and a private one to its recipient only', async () => {
    const name = m.room();
    const host = await m.host(name);
    const ann = await m.participant(name, 'Ann');
    const ben = await m.participant(name, 'Ben');

    const publicId = await say(ann.client, '  hello all  ');
    for (const client of [host.client, ann.client, ben.client]) {
      const event = await client.waitForEvent('chat-message', (e) => e.message.id === publicId);
      expect(event.message).toMatchObject({ from: ann.id, fromName: 'Ann', to: null, text: 'hello all' });
      expect(event.message.sentAt).toBeGreaterThan(0);
    }

    const privateId = await say(ann.client, 'just for you, Ben', ben.id);
    for (const client of [ann.client, ben.client]) {
      const event = await client.waitForEvent('chat-message', (e) => e.message.id === privateId);
      expect(event.message.to).toBe(ben.id);
    }
    await m.settle(host.client);
    expect(texts(host.client)).toEqual(['hello all']);
    expect(publicId).not.toBe(privateId);
    expect(publicId).toMatch(/^[A-Za-z0-9_-]{16}$/);

    expect(await ann.client.send({ type: 'chat-send', text: 'hi', to: 'nobody' })).toMatchObject({
      error: { code: 'not-found' },
    });
    expect(await ann.client.send({ type: 'chat-send', text: 'hi', to: ann.id })).toMatchObject({
      error: { code: 'bad-request' },
    });
    const empty = await ann.client.send({ type: 'chat-send', text: '   ' });
    expect(empty).toMatchObject({ error: { code: 'bad-request' } });
    expect(empty.ok === false && empty.error.message).toMatch(/cannot be empty/);
  });

  it('limits a message to 4096 bytes', async () => {
    const name = m.room();
    const host = await m.host(name);
    const longest = `${'€'.repeat(1365)}a`; // 3 bytes each: 4095 + 1
    expect(Buffer.byteLength(longest)).toBe(MAX_CHAT_TEXT_BYTES);
    expect(await host.client.send({ type: 'chat-send', text: longest })).toMatchObject({ ok: true });
    const tooLong = await host.client.send({ type: 'chat-send', text: `${longest}b` });
    expect(tooLong).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(tooLong.ok === false && tooLong.error.message).toMatch(/at most 4096 bytes/);
  });

  it('limits how fast one participant sends, with a readable error', async () => {
    const name = m.room();
    const host = await m.host(name);
    const other = await m.participant(name, 'Olga');
    m.freezeClock();
    for (let i = 0; i < 10; i++) await say(host.client, `burst ${i}`);
    const limited = await host.client.send({ type: 'chat-send', text: 'one too many' });
    expect(limited).toMatchObject({ ok: false, error: { code: 'rate-limited', retryAfterSeconds: 1 } });
    expect(limited.ok === false && limited.error.message).toMatch(/too quickly/);
    // Others are not limited by it.
    await say(other.client, 'still fine');
    m.advanceClock(400); // one message's worth at 2.5 per second
    await say(host.client, 'after a pause');
    expect(await host.client.send({ type: 'chat-send', text: 'and again' })).toMatchObject({
      error: { code: 'rate-limited' },
    });
  });

  it('lets an author delete their message on every screen, a moderator any, nobody else', async () => {
    const name = m.room();
    const host = await m.host(name);
    const ann = await m.participant(name, 'Ann');
    const ben = await m.participant(name, 'Ben');
    const everyone = [host.client, ann.client, ben.client];

    const annsMessage = await say(ann.client, 'oops');
    const bensMessage = await say(ben.client, 'rude');
    const privateMessage = await say(ann.client, 'psst', ben.id);
    await m.settle(...everyone);

    expect(await ben.client.send({ type: 'chat-delete', messageId: annsMessage })).toMatchObject({
      error: { code: 'forbidden' },
    });
    expect(await ann.client.send({ type: 'chat-delete', messageId: annsMessage })).toMatchObject({
      ok: true,
    });
    expect(await host.client.send({ type: 'chat-delete', messageId: bensMessage })).toMatchObject({
      ok: true,
    });
    for (const client of everyone) {
      await client.waitForEvent('chat-deleted', (e) => e.messageId === annsMessage);
      await client.waitForEvent('chat-deleted', (e) => e.messageId === bensMessage);
    }
    expect(await ann.client.send({ type: 'chat-delete', messageId: annsMessage })).toMatchObject({
      error: { code: 'not-found' },
    });

    // A private message's deletion reaches only the two who saw it.
    await ann.client.send({ type: 'chat-delete', messageId: privateMessage });
    await ben.client.waitForEvent('chat-deleted', (e) => e.messageId === privateMessage);
    await m.settle(host.client);
    expect(m.eventsOf(host.client, 'chat-deleted').map((e) => e.messageId)).not.toContain(privateMessage);
  });

  it('gives late joiners no earlier messages unless a moderator keeps a history', async () => {
    const name = m.room();
    const host = await m.host(name);
    const ann = await m.participant(name, 'Ann');
    await say(ann.client, 'before history');
    const late = await m.participant(name, 'Late');
    expect((await late.client.waitForEvent('joined')).chatHistory).toEqual([]);

    expect(await host.client.send({ type: 'set-chat-history', enabled: true })).toMatchObject({ ok: true });
    await ann.client.waitForEvent('settings-updated', (e) => e.settings.chatHistory);
    const kept = await say(ann.client, 'kept for later');
    const deleted = await say(ann.client, 'deleted before anyone came');
    await say(ann.client, 'private, never kept', host.id);
    await ann.client.send({ type: 'chat-delete', messageId: deleted });

    const later = await m.participant(name, 'Later');
    const joined = await later.client.waitForEvent('joined');
    expect(joined.settings.chatHistory).toBe(true);
    expect(joined.chatHistory.map((msg) => [msg.id, msg.text, msg.fromName])).toEqual([
      [kept, 'kept for later', 'Ann'],
    ]);

    // Clearing empties every screen and the history.
    expect(await host.client.send({ type: 'chat-clear' })).toMatchObject({ ok: true });
    for (const client of [host.client, ann.client, later.client]) await client.waitForEvent('chat-cleared');
    expect(m.snapshot(name)?.history).toEqual([]);
    expect(await ann.client.send({ type: 'chat-delete', messageId: kept })).toMatchObject({
      error: { code: 'not-found' },
    });

    // Switching history off forgets what was kept.
    await say(ann.client, 'kept until history goes off');
    expect(m.snapshot(name)?.history).toHaveLength(1);
    await host.client.send({ type: 'set-chat-history', enabled: false });
    expect(m.snapshot(name)?.history).toEqual([]);
    const last = await m.participant(name, 'Last');
    expect((await last.client.waitForEvent('joined')).chatHistory).toEqual([]);
  });

  it('refuses chat from someone not in the meeting, and logs no chat text or names', async () => {
    const name = m.room();
    const host = await m.host(name, 'Marker-Host-7Q');
    await host.client.send({ type: 'set-lobby', enabled: true });
    const knocker = await m.connect();
    await knocker.join(name, 'Marker-Knocker-7Q');
    expect(await knocker.send({ type: 'chat-send', text: 'let me in' })).toMatchObject({
      error: { code: 'not-joined' },
    });
    await say(host.client, 'Marker-Chat-7Q secret words');
    await host.client.send({ type: 'set-password', password: 'Marker-Password-7Q' });
    const everything = m.logLines.join('\n');
    expect(everything).toContain('meeting opened'); // the log is really captured
    // (Random ids in the log may contain any two characters, so only whole markers are looked for.)
    expect(everything).not.toMatch(/Marker-|secret words/);
    expect(everything).not.toContain(name);
  });
});
