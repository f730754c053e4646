import type { ServerEvent } from '@parley/protocol';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeMedia } from '../../test/signaling/fake-media.js';
import { Meetings } from './meetings.js';
import { RESUME_REISSUE_MS, RESUME_TOKEN_MS, ResumeTokens } from './resume-tokens.js';

const claim = {
  meetingId: 'meeting-1',
  participantId: 'p-1',
  lineage: 'lineage-1',
  role: 'moderator' as const,
  accountId: null,
  clientKey: 'client-key-0123456789',
};

describe('ResumeTokens', () => {
  it('gives back what it signed, for the right room, until it expires', () => {
    let now = 1_000_000;
    const tokens = new ResumeTokens({ now: () => now });
    const token = tokens.issue('team-room', claim);
    expect(token).not.toContain('team-room');
    expect(tokens.verify(token, 'team-room')).toEqual({ ...claim, expiresAt: 1_000_000 + RESUME_TOKEN_MS });
    expect(tokens.verify(token, 'other-room')).toBeNull();
    now += RESUME_TOKEN_MS;
    expect(tokens.verify(token, 'team-room')).toBeNull();
  });

  it('refuses a token signed with another key, or altered anywhere', () => {
    const key = Buffer.alloc(32, 7);
    const tokens = new ResumeTokens({ key: () => key });
    const token = tokens.issue('team-room', claim);
    expect(new ResumeTokens({ key: () => Buffer.alloc(32, 8) }).verify(token, 'team-room')).toBeNull();
    // A node with the same key (a cluster) accepts it.
    expect(new ResumeTokens({ key: () => Buffer.alloc(32, 7) }).verify(token, 'team-room')).not.toBeNull();
    const [payload, signature] = token.split('.') as [string, string];
    const promoted = Buffer.from(
      Buffer.from(payload, 'base64url').toString().replace('participant', 'moderator').replace('p-1', 'p-2'),
    ).toString('base64url');
    for (const forged of [`${promoted}.${signature}`, `${payload}.`, payload, `${token}.x`, ''])
      expect(tokens.verify(forged, 'team-room')).toBeNull();
  });
});

describe('Meetings renews resume tokens', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends everyone in a meeting a fresh token every few minutes', async () => {
    vi.useFakeTimers();
    const meetings = new Meetings(fakeMedia().media, pino({ level: 'silent' }), () => []);
    const events: ServerEvent[] = [];
    await meetings.join(
      'team-room',
      { displayName: 'Hana', accountId: 'account-1', clientKey: null, addressKey: null },
      { send: (event) => events.push(event), close: () => {} },
    );
    expect(events.filter((e) => e.type === 'resume-token')).toHaveLength(0);
    vi.advanceTimersByTime(RESUME_REISSUE_MS);
    const renewed = events.filter((e) => e.type === 'resume-token');
    expect(renewed).toHaveLength(1);
    const token = renewed[0]?.type === 'resume-token' ? renewed[0].token : '';
    expect(meetings.resumeTokens.verify(token, 'team-room')).toMatchObject({ role: 'moderator' });
    meetings.closeAll();
  });
});
