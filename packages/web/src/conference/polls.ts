import { MAX_POLL_OPTIONS, PollMessage, type PollSpec } from '@parley/protocol';
import type { MessageKey } from '../i18n';
import type { Params } from '../i18n/translate';
import { Store } from '../state/store';
import { Tally } from './poll-tally';

/** The creator's count goes out at most this often while votes come in. */
const TALLY_INTERVAL_MS = 1000;
/** Closed polls kept on screen (the newest ones); everything goes with the meeting. */
const KEPT_CLOSED = 3;

/** How a poll message reached us: MLS-authenticated under E2EE, or relayed by the server. */
export type PollPath = 'e2ee' | 'server';

/** One poll as this screen shows it. */
export interface PollView {
  spec: PollSpec;
  creator: string;
  creatorName: string;
  state: 'open' | 'closed';
  /** Our own choice (0-based option indexes). */
  mine: readonly number[];
  /** Votes per option, or null while results are not shown (at the close, or not counted yet). */
  counts: readonly number[] | null;
  voters: number | null;
  /** We created it: we close it and publish its count. */
  own: boolean;
}

export interface PollsState {
  polls: readonly PollView[];
}

/** What Polls needs from the meeting around it. */
export interface PollsHost {
  selfId(): string | null;
  nameOf(participantId: string): string | null;
  /** A member of the meeting (server path) or of the MLS group (authenticated by decryption). */
  isMember(participantId: string, path: PollPath): boolean;
  /** May run polls: a moderator (server path) or one the MLS group's policy names (E2EE path). */
  mayLead(participantId: string, path: PollPath): boolean;
  /** Sends a poll message to everyone, or (a vote) to one participant only. */
  send(message: PollMessage, to?: string): Promise<void>;
  notify(key: MessageKey, params: Params | undefined, announce: boolean): void;
}

interface PollRecord {
  spec: PollSpec;
  creator: string;
  state: 'open' | 'closed';
  tally: Tally;
  /** We saw it opened (not re-announced): our own tally has every vote. */
  complete: boolean;
  mine: number[];
  /** The creator's latest authenticated count (tally or close). */
  creatorCount: { counts: number[]; voters: number } | null;
}

function randomPollId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The meeting's polls as this client keeps them (docs/e2ee.md, _Polls_): in memory only, gone with
 * the meeting. The same logic runs with and without end-to-end encryption; only the path the
 * messages take differs (PollsHost.send). Each client tallies the votes it receives; the creator's
 * client also counts anonymous votes (sent to it alone) and publishes counts — never who voted what.
 */
export class Polls {
  readonly state = new Store<PollsState>({ polls: [] });
  private readonly records = new Map<string, PollRecord>();
  private readonly tallyTimers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(private readonly host: PollsHost) {}

  /** Moderator: open a poll. */
  async start(poll: Omit<PollSpec, 'id'>): Promise<void> {
    const self = this.host.selfId();
    if (!self) throw new Error('not in the meeting');
    const spec: PollSpec = {
      ...poll,
      id: randomPollId(),
      question: poll.question.trim(),
      options: poll.options.map((o) => o.trim()),
    };
    const message = PollMessage.parse({ kind: 'poll-open', poll: spec, again: false });
    await this.host.send(message);
    this.add(spec, self, true);
  }

  /** Vote (again): single choice replaces, multiple choice sends the whole set. */
  async vote(pollId: string, choices: number[]): Promise<void> {
    const record = this.records.get(pollId);
    const self = this.host.selfId();
    if (record?.state !== 'open' || !self) return;
    const valid = Tally.valid(choices, record.spec.options.length, record.spec.multiple);
    if (!valid) return;
    const message: PollMessage = { kind: 'poll-vote', pollId, choices: valid };
    // Anonymous: to the creator alone (HPKE-sealed under E2EE), nothing when we are the creator;
    // otherwise to everyone, who each count it.
    if (!record.spec.anonymous) await this.host.send(message);
    else if (record.creator !== self) await this.host.send(message, record.creator);
    record.mine = valid;
    record.tally.vote(self, valid, () => true);
    if (record.creator === self) this.scheduleTally(record);
    this.publish();
  }

  /** The creator closes the poll and publishes the final count. */
  async close(pollId: string): Promise<void> {
    const record = this.records.get(pollId);
    const self = this.host.selfId();
    if (record?.state !== 'open' || record.creator !== self) return;
    const counts = record.tally.counts();
    await this.host.send({ kind: 'poll-close', pollId, counts, voters: record.tally.voters });
    this.clearTimer(pollId);
    record.state = 'closed';
    record.creatorCount = { counts, voters: record.tally.voters };
    this.publish();
  }

  /** Someone new can read our messages now: our open polls (and live counts) again, for them. */
  announce(): void {
    const self = this.host.selfId();
    for (const record of this.records.values()) {
      if (record.creator !== self || record.state !== 'open') continue;
      this.host.send({ kind: 'poll-open', poll: record.spec, again: true }).catch(() => undefined);
      if (record.spec.results === 'live') this.scheduleTally(record);
    }
  }

  /** A poll message from `sender` (authenticated by MLS, or by the server without E2EE). */
  receive(sender: string, raw: unknown, path: PollPath): void {
    const parsed = PollMessage.safeParse(raw);
    const self = this.host.selfId();
    if (!parsed.success || !self || sender === self) return;
    const message = parsed.data;
    if (message.kind === 'poll-open') {
      if (!this.host.mayLead(sender, path) || this.records.has(message.poll.id)) return;
      this.add(message.poll, sender, !message.again);
      this.host.notify('poll.opened', { name: this.host.nameOf(sender) ?? '' }, true);
      return;
    }
    const record = this.records.get(message.pollId);
    if (!record) return;
    if (message.kind === 'poll-vote') {
      if (record.state !== 'open') return;
      // An anonymous poll's votes are counted by its creator only.
      if (record.spec.anonymous && record.creator !== self) return;
      if (!record.tally.vote(sender, message.choices, (id) => this.host.isMember(id, path))) return;
      if (record.creator === self) this.scheduleTally(record);
      this.publish();
      return;
    }
    // Counts and the close come from the poll's creator only.
    if (sender !== record.creator || message.counts.length !== record.spec.options.length) return;
    if (message.kind === 'poll-tally' && record.state === 'closed') return;
    record.creatorCount = { counts: message.counts, voters: message.voters };
    if (message.kind === 'poll-close') record.state = 'closed';
    this.publish();
  }

  /** A participant left: a poll whose creator left cannot be counted any more and ends. */
  left(participantId: string): void {
    let changed = false;
    for (const record of this.records.values()) {
      if (record.creator === participantId && record.state === 'open') {
        record.state = 'closed';
        changed = true;
      }
    }
    if (changed) this.publish();
  }

  dispose(): void {
    for (const timer of this.tallyTimers.values()) clearTimeout(timer);
    this.tallyTimers.clear();
    this.records.clear();
  }

  private add(spec: PollSpec, creator: string, complete: boolean): void {
    this.records.set(spec.id, {
      spec,
      creator,
      state: 'open',
      tally: new Tally(Math.min(spec.options.length, MAX_POLL_OPTIONS), spec.multiple),
      complete,
      mine: [],
      creatorCount: null,
    });
    // Forget the oldest closed polls beyond the few kept on screen.
    const closed = [...this.records.values()].filter((r) => r.state === 'closed');
    for (const old of closed.slice(0, Math.max(0, closed.length - KEPT_CLOSED)))
      this.records.delete(old.spec.id);
    this.publish();
  }

  /** The creator publishes its count (live results), at most once a second. */
  private scheduleTally(record: PollRecord): void {
    if (record.spec.results !== 'live' || this.tallyTimers.has(record.spec.id)) return;
    const timer = setTimeout(() => {
      this.tallyTimers.delete(record.spec.id);
      if (record.state !== 'open') return;
      this.host
        .send({
          kind: 'poll-tally',
          pollId: record.spec.id,
          counts: record.tally.counts(),
          voters: record.tally.voters,
        })
        .catch(() => undefined);
    }, TALLY_INTERVAL_MS);
    this.tallyTimers.set(record.spec.id, timer);
  }

  private clearTimer(pollId: string): void {
    const timer = this.tallyTimers.get(pollId);
    if (timer) clearTimeout(timer);
    this.tallyTimers.delete(pollId);
  }

  private publish(): void {
    const self = this.host.selfId();
    const polls = [...this.records.values()].map((record): PollView => {
      const own = record.creator === self;
      const showable = record.state === 'closed' || record.spec.results === 'live';
      // Our own tally has every vote when we created the poll, or saw it opened and its votes are
      // public; otherwise (anonymous, or we came later) the creator's authenticated count is shown.
      const ownTally = own || (record.complete && !record.spec.anonymous);
      let counts: number[] | null = null;
      let voters: number | null = null;
      if (showable && ownTally) {
        counts = record.tally.counts();
        voters = record.tally.voters;
      } else if (showable && record.creatorCount) {
        ({ counts, voters } = record.creatorCount);
      }
      return {
        spec: record.spec,
        creator: record.creator,
        creatorName: this.host.nameOf(record.creator) ?? '',
        state: record.state,
        mine: record.mine,
        counts,
        voters,
        own,
      };
    });
    this.state.set({ polls });
  }
}
