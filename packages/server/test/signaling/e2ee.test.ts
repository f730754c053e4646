import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupIdOf, keyPackageFrame, privateFrame, welcomeFrame } from '../support/mls-frames.js';
import type { SignalingClient } from './harness.js';
import { type MeetingServer, startMeetingServer } from './meeting-fixture.js';

let m: MeetingServer;

beforeAll(async () => {
  m = await startMeetingServer();
});
afterAll(async () => {
  await m.close();
});

/** Stand-ins for anything the delivery service relays without looking (it only checks framing). */
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
    // A key package must name its sender.
    expect(
      await host.client.send({ type: 'e2ee-key-package', keyPackage: keyPackageFrame(ann.id) }),
    ).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    await ok(host.client, { type: 'e2ee-key-package', keyPackage: keyPackageFrame(host.id) });
    await ok(ann.client, { type: 'e2ee-key-package', keyPackage: keyPackageFrame(ann.id) });
    // Ann's group: the policy in its id lets only the host switch it off.
    const groupId = groupIdOf([host.id]);
    const commit = (epoch: number, label = 'c') => privateFrame(groupId, epoch, 'commit', label);
    const app = (epoch: number, label = 'a') => privateFrame(groupId, epoch, 'application', label);

    // The one who switched it on creates the group and adds the others.
    const create = await ann.client.waitForEvent('e2ee-commit-request');
    expect(create).toMatchObject({ create: true, epoch: 0, remove: [] });
    expect(create.add).toEqual([{ participantId: host.id, keyPackage: keyPackageFrame(host.id) }]);
    expect(
      await ok(host.client, { type: 'e2ee-commit', epoch: 0, commit: commit(0), welcome: welcomeFrame() }),
    ).toEqual({ accepted: false });
    expect(
      await ok(ann.client, { type: 'e2ee-commit', epoch: 0, commit: commit(0), welcome: welcomeFrame('w1') }),
    ).toEqual({ accepted: true });
    expect(await host.client.waitForEvent('e2ee-welcome')).toMatchObject({
      epoch: 1,
      welcome: welcomeFrame('w1'),
    });

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
    await ok(ben.client, { type: 'e2ee-key-package', keyPackage: keyPackageFrame(ben.id) });
    const add = await ann.client.waitForEvent('e2ee-commit-request', (e) => !e.create);
    expect(add).toMatchObject({ epoch: 1, add: [{ participantId: ben.id }], remove: [] });
    expect(await ok(ann.client, { type: 'e2ee-commit', epoch: 0, commit: commit(0, 'old') })).toEqual({
      accepted: false,
    });
    expect(
      await ok(ann.client, {
        type: 'e2ee-commit',
        epoch: 1,
        commit: commit(1, 'c1'),
        welcome: welcomeFrame(),
      }),
    ).toEqual({ accepted: true });
    expect(await host.client.waitForEvent('e2ee-commit')).toMatchObject({
      epoch: 1,
      commit: commit(1, 'c1'),
    });
    expect(await ben.client.waitForEvent('e2ee-welcome')).toMatchObject({ epoch: 2 });
    for (const { client } of [host, ann, ben]) await ok(client, { type: 'e2ee-ready', epoch: 2 });
    await ben.client.waitForEvent('e2ee-execute', (e) => e.epoch === 2);

    // Encrypted chat: relayed as is, deletable, never kept for late joiners.
    expect(await ben.client.send({ type: 'e2ee-chat-send', ciphertext: blob('not mls') })).toMatchObject({
      ok: false,
      error: { code: 'bad-request' },
    });
    const { messageId } = (await ok(ben.client, {
      type: 'e2ee-chat-send',
      ciphertext: app(2, 'secret'),
    })) as {
      messageId: string;
    };
    const relayed = await host.client.waitForEvent('e2ee-chat-message');
    expect(relayed.message).toMatchObject({
      id: messageId,
      from: ben.id,
      to: null,
      ciphertext: app(2, 'secret'),
    });
    expect(m.snapshot(name)?.history).toEqual([]);
    await ok(ben.client, { type: 'chat-delete', messageId });
    await host.client.waitForEvent('chat-deleted', (e) => e.messageId === messageId);

    // A leaver is removed by the next commit.
    await ben.client.close();
    const removal = await ann.client.waitForEvent('e2ee-commit-request', (e) => e.remove.length > 0);
    expect(removal).toMatchObject({ epoch: 2, add: [], remove: [ben.id] });

    // Only an explicit, signed act of a member the group's policy names switches it off; everyone
    // gets the signed act to check.
    expect(await ann.client.send({ type: 'e2ee-disable', proof: app(2, 'off') })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    expect(await host.client.send({ type: 'e2ee-disable', proof: blob('garbage') })).toMatchObject({
      ok: false,
      error: { code: 'bad-request' },
    });
    await ok(host.client, { type: 'e2ee-disable', proof: app(2, 'off') });
    const off = await ann.client.waitForEvent('e2ee-state', (e) => e.state === 'off');
    expect(off).toMatchObject({ by: host.id, proof: app(2, 'off') });
    expect(await ann.client.send({ type: 'e2ee-chat-send', ciphertext: app(2) })).toMatchObject({
      ok: false,
      error: { code: 'bad-request' },
    });
  });

  it('passes over a committer that sends garbage, and re-adds a member that lost the group', async () => {
    const name = m.room();
    const host = await m.host(name);
    const ann = await m.participant(name, 'Ann', { e2ee: true });
    /** The next commit request to `client`, not one it already had. */
    const nextRequest = (client: SignalingClient) => {
      const seen = new Set<unknown>(m.eventsOf(client, 'e2ee-commit-request'));
      return client.waitForEvent('e2ee-commit-request', (e) => !seen.has(e));
    };
    const first = nextRequest(host.client);
    await ok(host.client, { type: 'e2ee-enable' });
    await ok(host.client, { type: 'e2ee-key-package', keyPackage: keyPackageFrame(host.id) });
    await ok(ann.client, { type: 'e2ee-key-package', keyPackage: keyPackageFrame(ann.id) });
    const groupId = groupIdOf([host.id]);
    expect((await first).create).toBe(true);
    // Not a commit at all: refused, never relayed, and the committer is passed over.
    const second = nextRequest(ann.client);
    expect(
      await ok(host.client, {
        type: 'e2ee-commit',
        epoch: 0,
        commit: blob('garbage'),
        welcome: welcomeFrame(),
      }),
    ).toEqual({ accepted: false });
    // A group id without a switch-off policy is refused the same way.
    expect((await second).create).toBe(true);
    expect(
      await ok(ann.client, {
        type: 'e2ee-commit',
        epoch: 0,
        commit: privateFrame(new TextEncoder().encode('no policy'), 0, 'commit'),
      }),
    ).toEqual({ accepted: false });
    expect(m.eventsOf(host.client, 'e2ee-welcome')).toEqual([]);
    // Honest from here on: the host creates the group and adds Ann.
    const honest = nextRequest(host.client);
    await ok(host.client, { type: 'e2ee-key-package', keyPackage: keyPackageFrame(host.id) });
    await ok(ann.client, { type: 'e2ee-key-package', keyPackage: keyPackageFrame(ann.id) });
    const request = await honest;
    expect(request).toMatchObject({ create: true, add: [{ participantId: ann.id }] });
    expect(
      await ok(host.client, {
        type: 'e2ee-commit',
        epoch: 0,
        commit: privateFrame(groupId, 0, 'commit'),
        welcome: welcomeFrame(),
      }),
    ).toEqual({ accepted: true });
    await ann.client.waitForEvent('e2ee-welcome');
    for (const { client } of [host, ann]) await ok(client, { type: 'e2ee-ready', epoch: 1 });
    await ann.client.waitForEvent('e2ee-execute', (e) => e.epoch === 1);
    // Ann could not process something and sends a fresh key package: her old leaf goes and the new
    // one comes in one commit.
    const readd = nextRequest(host.client);
    await ok(ann.client, { type: 'e2ee-key-package', keyPackage: keyPackageFrame(ann.id) });
    expect(await readd).toMatchObject({ epoch: 1, add: [{ participantId: ann.id }], remove: [ann.id] });
  });

  it('refuses a flood of switching on and off after a small burst', async () => {
    const name = m.room();
    const solo = await m.host(name);
    const refused: string[] = [];
    for (let round = 0; round < 10 && refused.length === 0; round++) {
      const seen = new Set<unknown>(m.eventsOf(solo.client, 'e2ee-commit-request'));
      const enabled = await solo.client.send({ type: 'e2ee-enable' });
      if (!enabled.ok) {
        refused.push(enabled.error.code);
        break;
      }
      await ok(solo.client, { type: 'e2ee-key-package', keyPackage: keyPackageFrame(solo.id) });
      await solo.client.waitForEvent('e2ee-commit-request', (e) => !seen.has(e));
      await ok(solo.client, { type: 'e2ee-commit', epoch: 0 });
      const proof = privateFrame(groupIdOf([solo.id], `round${round}`), 0, 'application');
      const disabled = await solo.client.send({ type: 'e2ee-disable', proof });
      if (!disabled.ok) refused.push(disabled.error.code);
    }
    expect(refused).toEqual(['rate-limited']);
  });
});
