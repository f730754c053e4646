import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignalingClient } from './harness.js';
import { type MeetingServer, startMeetingServer } from './meeting-fixture.js';

let m: MeetingServer;

beforeAll(async () => {
  m = await startMeetingServer();
});
afterAll(async () => {
  await m.close();
});

/** Stand-ins for MLS blobs: the delivery service relays them without parsing. */
const blob = (text: string) => Buffer.from(text).toString('base64');

async function ok(
  client: SignalingClient,
  request: Parameters<SignalingClient['send']>[0],
): Promise<unknown> {
  const reply = await client.send(request);
  if (!reply.ok) throw new Error(`${reply.error.code}: ${reply.error.message}`);
  return reply.result;
}

describe('E2EE delivery service', () => {
  it('creates the group, orders commits, adds a joiner, removes a leaver and switches everyone together', async () => {
    const name = m.room();
    const host = await m.host(name);
    const ann = await m.participant(name, 'Ann');

    await ok(ann.client, { type: 'e2ee-enable' });
    for (const { client } of [host, ann]) {
      const event = await client.waitForEvent('e2ee-state', (e) => e.state === 'pending');
      expect(event.by).toBe(ann.id);
    }
    await ok(host.client, { type: 'e2ee-key-package', keyPackage: blob('kp-host') });
    await ok(ann.client, { type: 'e2ee-key-package', keyPackage: blob('kp-ann') });

    // The one who switched it on creates the group and adds the others.
    const create = await ann.client.waitForEvent('e2ee-commit-request');
    expect(create).toMatchObject({ create: true, epoch: 0, remove: [] });
    expect(create.add).toEqual([{ participantId: host.id, keyPackage: blob('kp-host') }]);
    expect(
      await ok(host.client, { type: 'e2ee-commit', epoch: 0, commit: blob('c'), welcome: blob('w') }),
    ).toEqual({ accepted: false });
    expect(
      await ok(ann.client, { type: 'e2ee-commit', epoch: 0, commit: blob('c0'), welcome: blob('w1') }),
    ).toEqual({ accepted: true });
    expect(await host.client.waitForEvent('e2ee-welcome')).toMatchObject({ epoch: 1, welcome: blob('w1') });

    await ok(ann.client, { type: 'e2ee-ready', epoch: 1 });
    await m.settle(host.client);
    expect(m.eventsOf(host.client, 'e2ee-execute')).toEqual([]);
    await ok(host.client, { type: 'e2ee-ready', epoch: 1 });
    for (const { client } of [host, ann]) {
      await client.waitForEvent('e2ee-state', (e) => e.state === 'on');
      expect(await client.waitForEvent('e2ee-execute')).toMatchObject({ epoch: 1 });
    }
    // Right after the switch the SFU asks the publishers for key frames, so nobody waits for video.
    await expect.poll(() => m.mediaCalls.filter((call) => call.startsWith('keyframes ')).length).toBe(1);

    // A joiner learns it is encrypted, sends a key package, the first member commits the add.
    // A browser that cannot encrypt is refused; one that can gets in.
    const refused = await (await m.connect()).join(name, 'Old');
    expect(refused).toMatchObject({ ok: false, error: { code: 'e2ee-unsupported' } });
    const ben = await m.participant(name, 'Ben', { e2ee: true });
    await ben.client.waitForEvent('e2ee-state', (e) => e.state === 'on');
    await ok(ben.client, { type: 'e2ee-key-package', keyPackage: blob('kp-ben') });
    const add = await ann.client.waitForEvent('e2ee-commit-request', (e) => !e.create);
    expect(add).toMatchObject({ epoch: 1, add: [{ participantId: ben.id }], remove: [] });
    expect(await ok(ann.client, { type: 'e2ee-commit', epoch: 0, commit: blob('old') })).toEqual({
      accepted: false,
    });
    expect(
      await ok(ann.client, { type: 'e2ee-commit', epoch: 1, commit: blob('c1'), welcome: blob('w2') }),
    ).toEqual({ accepted: true });
    expect(await host.client.waitForEvent('e2ee-commit')).toMatchObject({ epoch: 1, commit: blob('c1') });
    expect(await ben.client.waitForEvent('e2ee-welcome')).toMatchObject({ epoch: 2 });
    for (const { client } of [host, ann, ben]) await ok(client, { type: 'e2ee-ready', epoch: 2 });
    await ben.client.waitForEvent('e2ee-execute', (e) => e.epoch === 2);

    // Encrypted chat: relayed as is, deletable, never kept for late joiners.
    const { messageId } = (await ok(ben.client, { type: 'e2ee-chat-send', ciphertext: blob('secret') })) as {
      messageId: string;
    };
    const relayed = await host.client.waitForEvent('e2ee-chat-message');
    expect(relayed.message).toMatchObject({
      id: messageId,
      from: ben.id,
      to: null,
      ciphertext: blob('secret'),
    });
    expect(m.snapshot(name)?.history).toEqual([]);
    await ok(ben.client, { type: 'chat-delete', messageId });
    await host.client.waitForEvent('chat-deleted', (e) => e.messageId === messageId);

    // A leaver is removed by the next commit.
    await ben.client.close();
    const removal = await ann.client.waitForEvent('e2ee-commit-request', (e) => e.remove.length > 0);
    expect(removal).toMatchObject({ epoch: 2, add: [], remove: [ben.id] });

    // Only an explicit act switches it off, and everyone is told who.
    await ok(host.client, { type: 'e2ee-disable' });
    const off = await ann.client.waitForEvent('e2ee-state', (e) => e.state === 'off');
    expect(off.by).toBe(host.id);
    expect(await ann.client.send({ type: 'e2ee-chat-send', ciphertext: blob('x') })).toMatchObject({
      ok: false,
      error: { code: 'bad-request' },
    });
  });
});
