import { describe, expect, it } from 'vitest';
// The real client code makes the messages: the parser must read what browsers send.
import { MlsMember } from '../../../../web/src/e2ee/mls-member';
import { isWelcome, keyPackageIdentity, offPolicyOf, privateMessageHeader } from './mls-framing.js';

describe('MLS framing the delivery service reads without keys', () => {
  it('reads key packages, commits, welcomes and application messages made by ts-mls', async () => {
    const alice = new MlsMember('alice-id');
    const bob = new MlsMember('bob-id');
    const aliceKp = await alice.createKeyPackage();
    const bobKp = await bob.createKeyPackage();
    expect(keyPackageIdentity(aliceKp)).toBe('alice-id');
    expect(keyPackageIdentity(bobKp)).toBe('bob-id');

    await alice.createGroup({ off: ['alice-id'] });
    const pending = await alice.commit([{ participantId: 'bob-id', keyPackage: bobKp }], []);
    pending.apply();
    const header = privateMessageHeader(pending.commit as string);
    expect(header).toMatchObject({ contentType: 'commit', epoch: 0n });
    expect(offPolicyOf(header?.groupId as string)).toEqual(['alice-id']);
    expect(isWelcome(pending.welcome as string)).toBe(true);
    expect(isWelcome(pending.commit as string)).toBe(false);

    await bob.join(pending.welcome as string);
    const chat = await bob.encrypt(new TextEncoder().encode('hi'));
    expect(privateMessageHeader(chat)).toEqual({
      groupId: header?.groupId,
      epoch: 1n,
      contentType: 'application',
    });
  });

  it('refuses garbage and truncated messages', () => {
    expect(privateMessageHeader(Buffer.from('garbage').toString('base64'))).toBeNull();
    expect(keyPackageIdentity(Buffer.from([0, 1, 0, 5, 0, 1]).toString('base64'))).toBeNull();
    expect(isWelcome('')).toBe(false);
    // A length prefix pointing past the end.
    expect(privateMessageHeader(Buffer.from([0, 1, 0, 2, 0x7f, 1, 2]).toString('base64'))).toBeNull();
    expect(offPolicyOf(Buffer.from('not json').toString('hex'))).toBeNull();
  });
});
