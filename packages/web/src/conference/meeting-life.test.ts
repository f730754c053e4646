import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MeetingLife, REACTION_SHOWN_MS } from './meeting-life';

function setUp() {
  const notices: unknown[] = [];
  const announced: string[] = [];
  const requests: unknown[] = [];
  const life = new MeetingLife(
    async (type, payload) => {
      requests.push({ type, ...payload });
      return {} as never;
    },
    {
      selfId: () => 'me',
      nameOf: (id) => ({ ann: 'Ann', ben: 'Ben' })[id] ?? null,
      notify: (key, params, announce) => notices.push({ key, params, announce }),
      announce: (text) => announced.push(text),
      translate: (key, params) => `${key}${params ? JSON.stringify(params) : ''}`,
    },
  );
  return { life, notices, announced, requests };
}

describe('MeetingLife', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('tells about each newly raised hand once, and about a hand a moderator lowered', () => {
    const { life, notices, announced } = setUp();
    life.handsUpdated({ type: 'hands-updated', queue: ['ben'] });
    life.handsUpdated({ type: 'hands-updated', queue: ['ben', 'me', 'ann'] });
    expect(notices).toEqual([
      { key: 'hand.raisedAnnouncement', params: { name: 'Ben' }, announce: true },
      { key: 'hand.raisedAnnouncement', params: { name: 'Ann' }, announce: true },
    ]);
    expect(announced).toEqual(['hand.raisedSelf']);
    expect(life.handRaised).toBe(true);
    life.handsUpdated({ type: 'hands-updated', queue: ['ben', 'ann'], loweredByModerator: 'me' });
    expect(notices.at(-1)).toEqual({ key: 'hand.lowered', params: undefined, announce: true });
    expect(life.handRaised).toBe(false);
    expect(life.state.get().hands).toEqual(['ben', 'ann']);
  });

  it('toggles one’s own hand through the server', async () => {
    const { life, requests } = setUp();
    await life.toggleHand();
    life.handsUpdated({ type: 'hands-updated', queue: ['me'] });
    await life.toggleHand();
    expect(requests).toEqual([
      { type: 'set-hand', raised: true },
      { type: 'set-hand', raised: false },
    ]);
  });

  it('shows a reaction for a few seconds and reads out who reacted', () => {
    const { life, announced } = setUp();
    life.reacted({ type: 'reaction', participantId: 'ann', reaction: 'clap' });
    expect(life.state.get().reactions).toMatchObject([{ participantId: 'ann', reaction: 'clap' }]);
    expect(announced).toEqual(['reaction.announce{"name":"Ann","reaction":"reaction.clap"}']);
    vi.advanceTimersByTime(REACTION_SHOWN_MS);
    expect(life.state.get().reactions).toEqual([]);
  });
});
