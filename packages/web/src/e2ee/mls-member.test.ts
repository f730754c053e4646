import { describe, expect, it } from 'vitest';
import { meetingCode } from './meeting-code';
import { DuplicateMemberError, MlsMember } from './mls-member';

/** Creates a group of `size` members the way the delivery service drives it: one creator commits all adds. */
async function group(size: number): Promise<MlsMember[]> {
  const members = Array.from({ length: size }, (_, i) => new MlsMember(`p${i}`));
  const packages = await Promise.all(members.map((m) => m.createKeyPackage()));
  const [creator, ...others] = members as [MlsMember, ...MlsMember[]];
  await creator.createGroup({ off: ['p0'] });
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
      const received = await (rest[0] as MlsMember).decrypt(ciphertext);
      expect(new TextDecoder().decode(received.plaintext)).toBe('hello group');
      expect(received.sender).toBe('late');
      await expect(leaver.decrypt(ciphertext)).rejects.toThrow();
    }, 120_000);
  }

  it('refuses a key package whose credential names someone else', async () => {
    const [creator] = await group(1);
    const impostor = new MlsMember('mallory');
    const keyPackage = await impostor.createKeyPackage();
    await expect(creator?.commit([{ participantId: 'alice', keyPackage }], [])).rejects.toThrow(/credential/);
  });

  it('refuses a second leaf under an id already in the group (the invisible listener)', async () => {
    const [alice, bob] = await group(2);
    const ghost = new MlsMember('p1');
    const keyPackage = await ghost.createKeyPackage();
    await expect(alice?.commit([{ participantId: 'p1', keyPackage }], [])).rejects.toThrow(
      DuplicateMemberError,
    );
    // Twice in one commit is refused the same way.
    const carol = new MlsMember('carol');
    const carolPackage = await carol.createKeyPackage();
    const carolAgain = await new MlsMember('carol').createKeyPackage();
    await expect(
      bob?.commit(
        [
          { participantId: 'carol', keyPackage: carolPackage },
          { participantId: 'carol', keyPackage: carolAgain },
        ],
        [],
      ),
    ).rejects.toThrow(DuplicateMemberError);
  });

  it('lets a receiver refuse a roster before moving into it', async () => {
    const [alice, bob] = (await group(2)) as [MlsMember, MlsMember];
    const carol = new MlsMember('carol');
    const pending = await alice.commit(
      [{ participantId: 'carol', keyPackage: await carol.createKeyPackage() }],
      [],
    );
    pending.apply();
    const epoch = bob.epoch;
    await expect(
      bob.applyCommit(pending.commit as string, () => {
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(bob.epoch).toBe(epoch);
    await expect(
      carol.join(pending.welcome as string, () => {
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(carol.inGroup).toBe(false);
    // Refusing changed nothing: the same commit can still be applied.
    await bob.applyCommit(pending.commit as string);
    expect(bob.epoch).toBe(epoch + 1);
  });

  it('carries the switch-off policy in the group id, the same for every member', async () => {
    const members = await group(3);
    for (const member of members) expect(member.policy()).toEqual({ off: ['p0'] });
  });

  it('seals a private message to one member: the others in the group cannot open it', async () => {
    const [alice, bob, carol] = (await group(3)) as [MlsMember, MlsMember, MlsMember];
    const box = await alice.sealTo('p1', new TextEncoder().encode('for bob only'));
    expect(new TextDecoder().decode(await bob.openFrom('p0', box))).toBe('for bob only');
    await expect(carol.openFrom('p0', box)).rejects.toThrow();
    // Bound to its sender: it does not open as a box from someone else.
    await expect(bob.openFrom('p2', box)).rejects.toThrow();
  });

  it('the meeting code covers the roster: the same authenticator with a ghost gives another code', async () => {
    const [alice] = (await group(2)) as [MlsMember, MlsMember];
    const roster = alice.members().map((m) => m.participantId);
    const honest = await meetingCode(alice.epochAuthenticator(), roster);
    expect(await meetingCode(alice.epochAuthenticator(), roster)).toEqual(honest);
    expect(await meetingCode(alice.epochAuthenticator(), [...roster, 'p1'])).not.toEqual(honest);
  });
});
