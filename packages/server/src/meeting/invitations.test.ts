import { MAX_INVITATION_SECONDS } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { DEFAULT_INVITATION_SECONDS, Invitations, invitationProblem } from './invitations.js';

function clock() {
  let now = 1_700_000_000_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('Invitations', () => {
  it('issues a signed token for a room that is valid there for 24 h by default', () => {
    const time = clock();
    const invitations = new Invitations(time.now);
    const invitation = invitations.create('team-room');
    expect(invitation.expiresAt).toBe(time.now() + DEFAULT_INVITATION_SECONDS * 1000);
    expect(invitation.singleUse).toBe(false);
    expect(invitation.token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(invitation.token).not.toContain('team-room');
    expect(invitations.check(invitation.token, 'team-room')).toMatchObject({ valid: true });
    expect(invitations.check(invitation.token, 'other-room')).toEqual({ valid: false, reason: 'other-room' });
    time.advance(DEFAULT_INVITATION_SECONDS * 1000 - 1);
    expect(invitations.check(invitation.token, 'team-room').valid).toBe(true);
    time.advance(1);
    expect(invitations.check(invitation.token, 'team-room')).toEqual({ valid: false, reason: 'expired' });
  });

  it('refuses altered tokens and tokens of another server', () => {
    const invitations = new Invitations();
    const { token } = invitations.create('r');
    const [payload, signature] = token.split('.') as [string, string];
    const flipped = signature.startsWith('A') ? `B${signature.slice(1)}` : `A${signature.slice(1)}`;
    for (const bad of [
      `${payload}.${flipped}`,
      `${payload}x.${signature}`,
      payload,
      `${token}.extra`,
      '',
      '..',
      new Invitations().create('r').token,
    ]) {
      expect(invitations.check(bad, 'r')).toEqual({ valid: false, reason: 'tampered' });
    }
  });

  it('lets a one-use invitation in once, and remembers that only until it expires', () => {
    const time = clock();
    const invitations = new Invitations(time.now);
    const invitation = invitations.create('r', { singleUse: true, expiresInSeconds: 3600 });
    const check = invitations.check(invitation.token, 'r');
    expect(check).toMatchObject({ valid: true, singleUse: true });
    if (!check.valid) throw new Error('unreachable');
    invitations.consume(check);
    expect(invitations.check(invitation.token, 'r')).toEqual({ valid: false, reason: 'used' });
    expect(invitations.size.used).toBe(1);
    time.advance(3600 * 1000 + 60_000);
    expect(invitations.check(invitation.token, 'r')).toEqual({ valid: false, reason: 'expired' });
    expect(invitations.size.used).toBe(0);
  });

  it('revokes every invitation issued so far for one room, but not later ones or other rooms', () => {
    const time = clock();
    const invitations = new Invitations(time.now);
    const before = invitations.create('r');
    const elsewhere = invitations.create('s');
    invitations.revokeAll('r');
    // issued in the same millisecond as the revocation, but after it
    const after = invitations.create('r');
    expect(invitations.check(before.token, 'r')).toEqual({ valid: false, reason: 'revoked' });
    expect(invitations.check(after.token, 'r').valid).toBe(true);
    expect(invitations.check(elsewhere.token, 's').valid).toBe(true);
    // the revocation is forgotten once no token issued before it can be valid any more
    time.advance(MAX_INVITATION_SECONDS * 1000 + 120_000);
    invitations.check(after.token, 'r');
    expect(invitations.size.revocations).toBe(0);
  });

  it('has a readable message for every problem', () => {
    for (const reason of ['tampered', 'other-room', 'expired', 'revoked', 'used'] as const) {
      expect(invitationProblem(reason)).toMatch(/invitation/);
    }
  });
});
