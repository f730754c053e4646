import { describe, expect, it } from 'vitest';
import { MlsMember } from './mls-member';

/** Creates a group of `size` members the way the delivery service drives it: one creator commits all adds. */
async function group(size: number): Promise<MlsMember[]> {
  const members = Array.from({ length: size }, (_, i) => new MlsMember(`p${i}`));
  const packages = await Promise.all(members.map((m) => m.createKeyPackage()));
  const [creator, ...others] = members as [MlsMember, ...MlsMember[]];
  await creator.createGroup('room');
  const pending = await creator.commit(
    others.map((m, i) => ({ participantId: m.participantId, keyPackage: packages[i + 1] as string })),
    [],
  );
  pending.apply();
  for (const member of others) await member.join(pending.welcome as string);
  return members;
}

async function expectAgreement(members: MlsMember[]): Promise<void> {
  const epochs = new Set(members.map((m) => m.epoch));
  expect(epochs.size).toBe(1);
  const bases = await Promise.all(members.map(async (m) => Array.from(await m.sframeBaseKey()).join(',')));
  expect(new Set(bases).size).toBe(1);
  const codes = new Set(members.map((m) => Array.from(m.epochAuthenticator()).join(',')));
  expect(codes.size).toBe(1);
}

describe('MLS flows (ts-mls, suite 1)', () => {
  for (const size of [2, 10, 50]) {
    it(`creates a group of ${size}, agrees on keys, adds a joiner and removes a leaver`, async () => {
      const members = await group(size);
      await expectAgreement(members);
      expect(members[0]?.members().map((m) => m.participantId)).toEqual(members.map((m) => m.participantId));
      const firstBase = await members[0]?.sframeBaseKey();

      // A joiner: a new epoch whose key differs from the one before.
      const joiner = new MlsMember('late');
      const keyPackage = await joiner.createKeyPackage();
      const committer = members[size - 1] as MlsMember;
      const add = await committer.commit([{ participantId: 'late', keyPackage }], []);
      add.apply();
      for (const member of members) if (member !== committer) await member.applyCommit(add.commit as string);
      await joiner.join(add.welcome as string);
      const withJoiner = [...members, joiner];
      await expectAgreement(withJoiner);
      expect(await joiner.sframeBaseKey()).not.toEqual(firstBase);

      // A leaver: removed by another member; the rest move on without them.
      const leaver = members[0] as MlsMember;
      const remove = await joiner.commit([], [leaver.participantId]);
      remove.apply();
      const rest = withJoiner.filter((m) => m !== leaver);
      for (const member of rest) if (member !== joiner) await member.applyCommit(remove.commit as string);
      await expectAgreement(rest);
      expect(joiner.members().map((m) => m.participantId)).not.toContain(leaver.participantId);
      expect(leaver.epoch).toBeLessThan(joiner.epoch);

      // Chat as application messages.
      const text = new TextEncoder().encode('hello group');
      const ciphertext = await joiner.encrypt(text);
      expect(new TextDecoder().decode(await (rest[0] as MlsMember).decrypt(ciphertext))).toBe('hello group');
      await expect(leaver.decrypt(ciphertext)).rejects.toThrow();
    }, 120_000);
  }

  it('refuses a key package whose credential names someone else', async () => {
    const [creator] = await group(1);
    const impostor = new MlsMember('mallory');
    const keyPackage = await impostor.createKeyPackage();
    await expect(creator?.commit([{ participantId: 'alice', keyPackage }], [])).rejects.toThrow(/credential/);
  });
});
