import type { EventOf } from '@parley/protocol';
import type { CodeReason, E2eeAlarm, E2eeHost, E2eeState } from './e2ee-state';
import { defaultPolicy } from './group-policy';
import { type MeetingCode, meetingCode } from './meeting-code';
import type { GroupMember, MlsMember } from './mls-member';
import type { RosterView } from './roster-view';
import type { ToWorker } from './worker-messages';

/**
 * A member not present in the meeting (a leaver, or a ghost the server never showed) may hold the
 * keys in use at most this long: then this client stops sending with them on its own, whatever the
 * server says (docs/e2ee.md, _Leavers_).
 */
const ABSENT_DEADLINE_MS = 5000;
/** Installed keys are switched to after this long even if the server never says `e2ee-execute`. */
const EXECUTE_DEADLINE_MS = 4000;
/** A client that lost the group asks to be added again at most this often. */
const REJOIN_INTERVAL_MS = 3000;
/** A key package not answered with a welcome by then is sent again (the server may have dropped it). */
const KEY_PACKAGE_RETRY_MS = 20_000;

/** A roster this client will not move into. */
class RosterRefused extends Error {
  constructor(readonly alarm: E2eeAlarm) {
    super(alarm.kind);
  }
}

/** What we know of an installed epoch until our senders switch to it. */
interface EpochInfo {
  members: string[];
  code: MeetingCode;
  reason: CodeReason;
}

/** What the group needs of the E2EE session it belongs to. */
export interface GroupSession {
  state(): E2eeState;
  patch(change: Partial<E2eeState>): void;
  post(message: ToWorker): void;
  /** MLS work runs one step at a time (E2eeSession.enqueue). */
  enqueue(step: () => Promise<void>): void;
  /** Who is present, their names, and the roster alarms. */
  people: RosterView;
  /** The meeting is encrypted as far as this page is concerned. */
  encrypted(): boolean;
  /** An authenticated switch-off waits for the user's answer. */
  offHeld(): boolean;
  closed(): boolean;
  /** Keys, members or absences changed: the worker's modes and the UI state follow. */
  modesChanged(): void;
  /** Our senders encrypt from now on: this tab never sends plaintext in this meeting again. */
  encryptedNow(): void;
}

/**
 * This client's side of the meeting's MLS group (docs/e2ee.md), with the server as delivery service:
 * key package, commits asked of us and received, welcomes, each epoch's keys to the worker and the
 * switch to them; rosters are checked against who is present before moving into them, and members
 * absent too long get our media held.
 */
export class GroupSync {
  member: MlsMember | null = null;
  /** The epoch our senders seal with; null until the first execute. */
  sendEpoch: number | null = null;
  private readonly epochInfo = new Map<number, EpochInfo>();
  private executeTimer: ReturnType<typeof setTimeout> | null = null;
  /** Members of the keys in use who are not present, and when we first saw them absent. */
  private readonly absent = new Map<string, ReturnType<typeof setTimeout>>();
  /** Absent members past the deadline: while any, our media is held. */
  private readonly overdue = new Set<string>();
  private lastRejoin = 0;

  constructor(
    private readonly host: E2eeHost,
    private readonly session: GroupSession,
  ) {}

  /** We are in the group, switched to its keys, and nobody absent holds them. */
  get keysUsable(): boolean {
    return this.sendEpoch !== null && this.member?.inGroup === true && this.overdue.size === 0;
  }

  forgetEpochs(): void {
    this.epochInfo.clear();
  }

  /** Out of the group: its keys and epochs forgotten (timers stay; see clearTimers). */
  leave(): void {
    this.member?.leaveGroup();
    this.member = null;
    this.sendEpoch = null;
    this.epochInfo.clear();
  }

  async sendKeyPackage(): Promise<void> {
    const self = this.host.self();
    if (!self || this.member || !this.session.encrypted() || this.session.offHeld()) return;
    // ts-mls loads only when a meeting is encrypted, not with every page.
    const { MlsMember } = await import('./mls-member');
    if (this.member || !this.session.encrypted()) return;
    const member = new MlsMember(self.id);
    const keyPackage = await member.createKeyPackage();
    this.member = member;
    await this.host.request('e2ee-key-package', { keyPackage });
    setTimeout(() => {
      if (this.session.closed() || this.member !== member || member.inGroup) return;
      this.member = null;
      this.session.enqueue(() => this.sendKeyPackage());
    }, KEY_PACKAGE_RETRY_MS);
  }

  async commitRequested(event: EventOf<'e2ee-commit-request'>): Promise<void> {
    const member = this.member;
    const self = this.host.self();
    if (!member || !self) return;
    this.session.people.remember();
    const present = this.session.people.presentIds();
    if (event.create) {
      // A member is never asked to start over: that would split it from the group it is in.
      if (member.inGroup) return;
      const moderators = [self, ...this.host.participants()]
        .filter((p) => p.role === 'moderator')
        .map((p) => p.id);
      await member.createGroup(defaultPolicy(self.id, moderators));
    } else if (!member.inGroup || member.epoch !== event.epoch) {
      return;
    }
    const before = this.membersNow();
    // Never remove someone still in the meeting, unless they come back in this same commit (they lost the group).
    const readded = new Set(event.add.map((entry) => entry.participantId));
    const refusedRemovals = event.remove.filter((id) => present.has(id) && !readded.has(id));
    if (refusedRemovals.length > 0)
      this.session.people.raise({
        kind: 'removed-present',
        names: refusedRemovals.map((id) => this.session.people.nameOf(id)),
      });
    const remove = event.remove.filter((id) => !refusedRemovals.includes(id));
    // Only people present may be added, and each only once (a second leaf under an id is a ghost).
    const staying = new Set(before.filter((id) => !remove.includes(id)));
    const add: typeof event.add = [];
    const duplicates: string[] = [];
    for (const entry of event.add) {
      if (!present.has(entry.participantId)) continue;
      if (staying.has(entry.participantId)) duplicates.push(entry.participantId);
      else {
        staying.add(entry.participantId);
        add.push(entry);
      }
    }
    if (duplicates.length > 0)
      this.session.people.raise({
        kind: 'duplicate',
        names: duplicates.map((id) => this.session.people.nameOf(id)),
      });
    const pending = await member.commit(add, remove);
    const { accepted } = await this.host.request('e2ee-commit', {
      epoch: event.epoch,
      ...(pending.commit !== undefined && { commit: pending.commit }),
      ...(pending.welcome !== undefined && { welcome: pending.welcome }),
    });
    if (!accepted) {
      if (event.create) member.leaveGroup();
      return;
    }
    pending.apply();
    await this.installEpoch(event.create ? null : before);
  }

  async commitReceived(epoch: number, commit: string): Promise<void> {
    const member = this.member;
    if (!member?.inGroup || member.epoch !== epoch) return;
    const before = this.membersNow();
    try {
      await member.applyCommit(commit, (after) => this.checkRoster(before, after));
    } catch (error) {
      if (error instanceof RosterRefused) {
        this.session.people.raise(error.alarm);
        return;
      }
      this.lostGroup();
      return;
    }
    await this.installEpoch(before);
  }

  /**
   * A commit we could not process (garbage from the server or a member): we cannot follow the group
   * any more. Leave it and ask to be added again as a newcomer; meanwhile our media is held.
   */
  lostGroup(): void {
    this.session.people.raise({ kind: 'commit-failed', names: [] });
    const now = Date.now();
    if (now - this.lastRejoin < REJOIN_INTERVAL_MS) return;
    this.lastRejoin = now;
    this.member?.leaveGroup();
    this.member = null;
    this.sendEpoch = null;
    this.epochInfo.clear();
    this.session.modesChanged();
    this.session.enqueue(() => this.sendKeyPackage());
  }

  async welcomed(welcome: string): Promise<void> {
    const member = this.member;
    if (!member || member.inGroup) return;
    try {
      await member.join(welcome, (after) => this.checkRoster(null, after));
    } catch (error) {
      if (error instanceof RosterRefused) this.session.people.raise(error.alarm);
      return;
    }
    await this.installEpoch(null);
  }

  /**
   * The roster a commit or welcome leads to must be exactly the people present: each identity once,
   * nobody added who is not here, nobody present removed. (A member who just left may still be in
   * it; the absence deadline covers them.)
   */
  private checkRoster(before: string[] | null, after: GroupMember[]): void {
    this.session.people.remember();
    const ids = after.map((m) => m.participantId);
    const seen = new Set<string>();
    const duplicates = new Set<string>();
    for (const id of ids) {
      if (seen.has(id)) duplicates.add(id);
      seen.add(id);
    }
    if (duplicates.size > 0)
      throw new RosterRefused({
        kind: 'duplicate',
        names: [...duplicates].map((id) => this.session.people.nameOf(id)),
      });
    const present = this.session.people.presentIds();
    if (before !== null) {
      const added = ids.filter((id) => !before.includes(id) && !present.has(id));
      if (added.length > 0)
        throw new RosterRefused({
          kind: 'not-present',
          names: added.map((id) => this.session.people.nameOf(id)),
        });
      const removed = before.filter((id) => !seen.has(id) && present.has(id));
      if (removed.length > 0)
        throw new RosterRefused({
          kind: 'removed-present',
          names: removed.map((id) => this.session.people.nameOf(id)),
        });
    }
    const self = this.host.self();
    if (self && !seen.has(self.id))
      throw new RosterRefused({ kind: 'removed-present', names: [self.displayName] });
  }

  private membersNow(): string[] {
    return this.member?.inGroup ? this.member.members().map((m) => m.participantId) : [];
  }

  /** The new epoch's keys go to the worker (receive at once, send on execute); then we report ready. */
  private async installEpoch(before: string[] | null): Promise<void> {
    const member = this.member;
    if (!member?.inGroup) return;
    const epoch = member.epoch;
    const baseKey = await member.sframeBaseKey();
    const roster = member.members();
    this.session.post({ type: 'epoch', epoch, baseKey, leaf: member.leaf, roster });
    const members = roster.map((m) => m.participantId);
    const code = await meetingCode(member.epochAuthenticator(), members);
    this.epochInfo.set(epoch, { members, code, reason: this.reason(before, members) });
    const self = this.host.self();
    const policy = member.policy();
    this.session.patch({
      mayDisable: self !== null && policy.off.includes(self.id),
      offPolicy: policy.off.map((id) => this.session.people.nameOf(id)),
    });
    this.session.people.clear('commit-failed');
    // Whether or not the server says `execute`, we switch to keys we hold within the deadline.
    if (this.executeTimer) clearTimeout(this.executeTimer);
    this.executeTimer = setTimeout(
      () => this.session.enqueue(async () => this.execute(epoch)),
      EXECUTE_DEADLINE_MS,
    );
    await this.host.request('e2ee-ready', { epoch });
  }

  private reason(before: string[] | null, after: string[]): CodeReason {
    if (before === null || before.length === 0) return { kind: 'started' };
    const names = (ids: string[]) => ids.map((id) => this.session.people.nameOf(id));
    const joined = after.filter((id) => !before.includes(id));
    const left = before.filter((id) => !after.includes(id));
    if (joined.length > 0) return { kind: 'joined', names: names(joined) };
    if (left.length > 0) return { kind: 'left', names: names(left) };
    return { kind: 'changed' };
  }

  /** Our senders switch to `epoch`'s key: the code and roster shown are those of the keys in use. */
  execute(epoch: number): void {
    const member = this.member;
    if (!member?.inGroup || member.epoch < epoch) return;
    if (this.sendEpoch !== null && this.sendEpoch >= epoch) return;
    if (member.epoch === epoch && this.executeTimer) {
      clearTimeout(this.executeTimer);
      this.executeTimer = null;
    }
    this.sendEpoch = epoch;
    this.session.post({ type: 'send-epoch', epoch });
    this.session.encryptedNow();
    const info = this.epochInfo.get(epoch);
    for (const old of this.epochInfo.keys()) if (old < epoch) this.epochInfo.delete(old);
    if (info) this.session.patch({ members: info.members, code: info.code, codeReason: info.reason });
    this.checkAbsent();
    this.session.modesChanged();
  }

  /**
   * Members of the keys in use who are not in the meeting: each gets ABSENT_DEADLINE_MS to be
   * removed by a commit we switch to. After that our media is held and the alarm names them.
   */
  checkAbsent(): void {
    const present = this.session.people.presentIds();
    const { members } = this.session.state();
    const inUse = this.sendEpoch !== null ? members : [];
    for (const [id, timer] of this.absent) {
      if (!inUse.includes(id) || present.has(id)) {
        clearTimeout(timer);
        this.absent.delete(id);
        this.overdue.delete(id);
      }
    }
    for (const id of inUse) {
      if (present.has(id) || this.absent.has(id)) continue;
      this.absent.set(
        id,
        setTimeout(() => this.session.enqueue(async () => this.absentTooLong(id)), ABSENT_DEADLINE_MS),
      );
    }
    if (this.overdue.size === 0) this.session.people.clear('rekey-overdue');
    else
      this.session.people.raise({
        kind: 'rekey-overdue',
        names: [...this.overdue].map((id) => this.session.people.nameOf(id)),
      });
    this.session.modesChanged();
  }

  absentTooLong(id: string): void {
    if (!this.absent.has(id)) return;
    // Keys without them are installed but the server never said switch: switch now.
    const member = this.member;
    if (member?.inGroup && this.sendEpoch !== null && member.epoch > this.sendEpoch) {
      const info = this.epochInfo.get(member.epoch);
      if (info && !info.members.includes(id)) {
        this.execute(member.epoch);
        return;
      }
    }
    this.overdue.add(id);
    this.checkAbsent();
  }

  clearTimers(): void {
    if (this.executeTimer) clearTimeout(this.executeTimer);
    this.executeTimer = null;
    for (const timer of this.absent.values()) clearTimeout(timer);
    this.absent.clear();
    this.overdue.clear();
  }
}
