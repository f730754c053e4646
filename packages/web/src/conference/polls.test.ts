import type { PollMessage } from '@parley/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type PollPath, Polls } from './polls';

interface Sent {
  message: PollMessage;
  to: string | undefined;
}

function client(self: string, leaders: string[] = ['host'], members = ['host', 'ann', 'ben', 'self']) {
  const sent: Sent[] = [];
  const notices: string[] = [];
  const polls = new Polls({
    selfId: () => self,
    nameOf: (id) => id.toUpperCase(),
    isMember: (id, path: PollPath) => path === 'e2ee' || members.includes(id),
    mayLead: (id) => leaders.includes(id),
    send: async (message, to) => {
      sent.push({ message, to });
    },
    notify: (key) => notices.push(key),
  });
  return { polls, sent, notices };
}

const spec = {
  question: 'Lunch?',
  options: ['Pizza', 'Soup', 'Salad'],
  multiple: false,
  anonymous: false,
  results: 'live' as 'live' | 'close',
};

function opened(id = 'poll-000001', extra: Partial<typeof spec> = {}): PollMessage {
  return { kind: 'poll-open', poll: { id, ...spec, ...extra }, again: false };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('polls on one client', () => {
  it('accepts a poll only from a leader, tallies public votes and shows them live', () => {
    const { polls, notices } = client('self');
    polls.receive('ann', opened(), 'e2ee');
    expect(polls.state.get().polls).toEqual([]);
    polls.receive('host', opened(), 'e2ee');
    expect(notices).toEqual(['poll.opened']);
    polls.receive('ann', { kind: 'poll-vote', pollId: 'poll-000001', choices: [1] }, 'e2ee');
    polls.receive('ben', { kind: 'poll-vote', pollId: 'poll-000001', choices: [1] }, 'e2ee');
    polls.receive('ben', { kind: 'poll-vote', pollId: 'poll-000001', choices: [2] }, 'e2ee');
    polls.receive('ben', { kind: 'poll-vote', pollId: 'poll-000001', choices: [0, 1] }, 'e2ee');
    polls.receive('ann', { kind: 'poll-vote', pollId: 'unknown-poll', choices: [0] }, 'e2ee');
    // Not a member (server path): ignored.
    polls.receive('mallory', { kind: 'poll-vote', pollId: 'poll-000001', choices: [0] }, 'server');
    const [view] = polls.state.get().polls;
    expect(view?.counts).toEqual([0, 1, 1]);
    expect(view?.voters).toBe(2);
  });

  it('ignores counts and closes from anyone but the creator, and garbage', () => {
    const { polls } = client('self', ['host', 'other-mod']);
    polls.receive('host', opened(), 'e2ee');
    polls.receive('ann', { kind: 'poll-vote', pollId: 'poll-000001', choices: [0] }, 'e2ee');
    polls.receive(
      'other-mod',
      { kind: 'poll-close', pollId: 'poll-000001', counts: [9, 9, 9], voters: 9 },
      'e2ee',
    );
    polls.receive('host', { kind: 'poll-close', pollId: 'poll-000001', counts: [9, 9], voters: 9 }, 'e2ee');
    polls.receive('host', { kind: 'nonsense' }, 'e2ee');
    expect(polls.state.get().polls[0]?.state).toBe('open');
    polls.receive(
      'host',
      { kind: 'poll-close', pollId: 'poll-000001', counts: [1, 0, 0], voters: 1 },
      'e2ee',
    );
    expect(polls.state.get().polls[0]?.state).toBe('closed');
    // A vote after the close does not count.
    polls.receive('ben', { kind: 'poll-vote', pollId: 'poll-000001', choices: [2] }, 'e2ee');
    expect(polls.state.get().polls[0]?.counts).toEqual([1, 0, 0]);
  });

  it('hides counts until the close when results come at the close', () => {
    const { polls } = client('self');
    polls.receive('host', opened('poll-000002', { results: 'close' }), 'e2ee');
    polls.receive('ann', { kind: 'poll-vote', pollId: 'poll-000002', choices: [2] }, 'e2ee');
    expect(polls.state.get().polls[0]?.counts).toBeNull();
    polls.receive(
      'host',
      { kind: 'poll-close', pollId: 'poll-000002', counts: [0, 0, 1], voters: 1 },
      'e2ee',
    );
    expect(polls.state.get().polls[0]?.counts).toEqual([0, 0, 1]);
  });

  it('anonymous: a vote goes to the creator only; others ignore votes and show the creator’s counts', async () => {
    vi.useFakeTimers();
    const voter = client('ann');
    voter.polls.receive('host', opened('poll-000003', { anonymous: true }), 'e2ee');
    await voter.polls.vote('poll-000003', [1]);
    expect(voter.sent).toEqual([
      { message: { kind: 'poll-vote', pollId: 'poll-000003', choices: [1] }, to: 'host' },
    ]);
    // A vote some client broadcast by mistake does not count on a non-creator's screen.
    voter.polls.receive('ben', { kind: 'poll-vote', pollId: 'poll-000003', choices: [0] }, 'e2ee');
    expect(voter.polls.state.get().polls[0]?.counts).toBeNull();

    const creator = client('host');
    await creator.polls.start({ ...spec, anonymous: true });
    const id = creator.polls.state.get().polls[0]?.spec.id ?? '';
    creator.polls.receive('ann', { kind: 'poll-vote', pollId: id, choices: [1] }, 'e2ee');
    creator.polls.receive('ben', { kind: 'poll-vote', pollId: id, choices: [1] }, 'e2ee');
    expect(creator.polls.state.get().polls[0]?.counts).toEqual([0, 2, 0]);
    await vi.advanceTimersByTimeAsync(1100);
    const published = creator.sent.map((s) => s.message).filter((m) => m.kind === 'poll-tally');
    // Counts only: nothing in what the creator publishes says who voted what.
    expect(published).toEqual([{ kind: 'poll-tally', pollId: id, counts: [0, 2, 0], voters: 2 }]);
    expect(JSON.stringify(creator.sent)).not.toMatch(/ann|ben/);

    voter.polls.receive(
      'host',
      { kind: 'poll-tally', pollId: 'poll-000003', counts: [0, 2, 0], voters: 2 },
      'e2ee',
    );
    expect(voter.polls.state.get().polls[0]?.counts).toEqual([0, 2, 0]);
  });

  it('a late joiner shows the creator’s count; the creator re-announces open polls', async () => {
    const creator = client('host');
    await creator.polls.start(spec);
    creator.sent.length = 0;
    creator.polls.announce();
    expect(creator.sent[0]?.message).toMatchObject({ kind: 'poll-open', again: true });
    const late = client('late');
    const again = creator.sent[0]?.message;
    late.polls.receive('host', again, 'e2ee');
    const id = late.polls.state.get().polls[0]?.spec.id ?? '';
    // Votes it missed are in the creator's count, which it shows rather than its own partial one.
    late.polls.receive('ann', { kind: 'poll-vote', pollId: id, choices: [0] }, 'e2ee');
    late.polls.receive('host', { kind: 'poll-tally', pollId: id, counts: [3, 1, 0], voters: 4 }, 'e2ee');
    expect(late.polls.state.get().polls[0]?.counts).toEqual([3, 1, 0]);
  });

  it('the creator’s own vote goes to everyone in a public poll, to nobody in an anonymous one', async () => {
    const creator = client('host');
    await creator.polls.start(spec);
    await creator.polls.start({ ...spec, anonymous: true });
    const [open, anonymous] = creator.polls.state.get().polls;
    creator.sent.length = 0;
    await creator.polls.vote(open?.spec.id ?? '', [2]);
    await creator.polls.vote(anonymous?.spec.id ?? '', [1]);
    expect(creator.sent).toEqual([
      { message: { kind: 'poll-vote', pollId: open?.spec.id, choices: [2] }, to: undefined },
    ]);
    expect(creator.polls.state.get().polls.map((p) => p.counts)).toEqual([
      [0, 0, 1],
      [0, 1, 0],
    ]);
  });

  it('a poll whose creator left ends', () => {
    const { polls } = client('self');
    polls.receive('host', opened(), 'e2ee');
    polls.left('host');
    expect(polls.state.get().polls[0]?.state).toBe('closed');
  });
});
