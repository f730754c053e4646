// Privacy: keeps nothing personal — per room, in memory, random participant ids, their public MLS key
// packages (whose credential is that random id) until they are added, and the group id (a nonce and
// the random ids allowed to switch off); never a key, never chat text.
import type { E2eeRoomState, ServerEvent } from '@parley/protocol';
import { ChatRate } from '../../meeting/chat-rate.js';
import type { MeetingAccess } from '../../meeting/meeting-access.js';
import { MeetingError } from '../../meeting/meeting-error.js';
import type { Room } from '../../meeting/room.js';
import { EncryptedChat } from './encrypted-chat.js';
import { activeMembers, type Group, newGroup, restartGroup, wellFramed } from './group.js';
import { keyPackageIdentity, offPolicyOf, privateMessageHeader } from './mls-framing.js';

/** Joins and leaves arriving this close together go into one commit. */
const BATCH_MS = 150;
/** A committer that does not answer in time is passed over (and its seat in the group removed). */
const COMMIT_TIMEOUT_MS = 8000;
/** Members that are not ready by then are not waited for: senders switch anyway. */
const READY_TIMEOUT_MS = 3000;
/** Delay between `e2ee-execute` and the key frame requests: long enough for senders to switch. */
const KEYFRAME_AFTER_SWITCH_MS = 150;
/** Switches (on or off) per room: a burst of this many, then one per second — never 20 a second. */
const SWITCH_BURST = 4;
const SWITCHES_PER_SECOND = 1;

/** What E2EE delivery needs of the meetings besides the common access (filled in by meetings.ts). */
export interface E2eeAccess extends MeetingAccess {
  /** The meeting's breakout rooms are open (its group must outlive a moment with nobody in it). */
  keepsBreakouts(room: Room): boolean;
  /** Ask the room's video publishers for key frames (the keys changed). */
  requestKeyframes(room: Room): void;
}

/**
 * The MLS delivery service (docs/e2ee.md): it keeps the order of commits (one commit in flight at a
 * time, first valid one per epoch wins), asks a member to add joiners and remove leavers, relays
 * welcomes, commits and encrypted chat, and runs the prepare → ready → execute switch. It never holds
 * or sees a key: key packages are public, commits and chat are MLS ciphertext it does not parse.
 */
export class E2eeDelivery {
  private readonly groups = new WeakMap<Room, Group>();
  /** Each room's budget of switches on and off. */
  private readonly switches = new WeakMap<Room, ChatRate>();

  private readonly chat: EncryptedChat;

  constructor(
    private readonly access: E2eeAccess,
    private readonly now: () => number,
  ) {
    this.chat = new EncryptedChat(access, (room) => this.requireGroup(room), now);
  }

  /** The room's state for clients: `off` unless someone switched it on. */
  stateOf(room: Room): E2eeRoomState {
    return this.groups.get(room)?.state ?? 'off';
  }

  enable(actorId: string): void {
    const { room } = this.access.inMeeting(actorId);
    if (this.groups.has(room)) return;
    this.takeSwitch(room);
    this.groups.set(room, newGroup(actorId));
    room.broadcast({ type: 'e2ee-state', state: 'pending', by: actorId });
  }

  /**
   * A breakout room of an encrypted meeting starts encrypted (Breakouts): a group of its own, made by
   * the first of its members to send a key package; nobody else's keys are in it.
   */
  startEncrypted(room: Room): void {
    if (this.groups.has(room)) return;
    this.groups.set(room, newGroup(null));
  }

  /**
   * Only an explicit act of a member the group's policy allows switches encryption off. The proof
   * (the member's MLS-signed switch-off) goes to everyone, who check it themselves; this service
   * checks what it can read without a key — the clear header and the policy in the group id — so an
   * honest server never drops a group its clients would keep.
   */
  disable(actorId: string, proof: string): void {
    const { room } = this.access.inMeeting(actorId);
    const group = this.groups.get(room);
    if (!group) return;
    if (!group.members.has(actorId))
      throw new MeetingError('forbidden', 'Only a member of the encrypted group can switch it off.');
    const header = privateMessageHeader(proof);
    // A group of one has made no commit yet: its id is first seen here.
    if (group.groupId === null && group.members.size === 1 && header) group.groupId = header.groupId;
    if (
      header?.contentType !== 'application' ||
      header.groupId !== group.groupId ||
      header.epoch !== BigInt(group.epoch)
    )
      throw new MeetingError('bad-request', 'The switch-off is not a message of the current group.');
    const policy = group.groupId === null ? null : offPolicyOf(group.groupId);
    if (!policy?.includes(actorId))
      throw new MeetingError('forbidden', 'This meeting lets only its moderators switch encryption off.');
    this.takeSwitch(room);
    this.drop(room, group);
    for (const id of room.participants.keys())
      if (id !== actorId) this.sendTo(room, id, { type: 'e2ee-state', state: 'off', by: actorId, proof });
  }

  /**
   * A key package from a participant waiting to be added — or from a member that lost the group
   * (it could not process a commit): then its old leaf goes and the new one comes in one commit.
   */
  keyPackage(actorId: string, keyPackage: string): void {
    const { room } = this.access.inMeeting(actorId);
    const group = this.requireGroup(room);
    if (keyPackageIdentity(keyPackage) !== actorId)
      throw new MeetingError('bad-request', 'A key package must name its sender.');
    group.keyPackages.set(actorId, keyPackage);
    if (group.members.has(actorId)) {
      group.removals.add(actorId);
      // It was the last member who could commit: the group starts over with the next package holder.
      if (activeMembers(group).length === 0 && !group.inflight) restartGroup(group);
    }
    this.schedule(room, group);
  }

  commit(actorId: string, epoch: number, commit: string | undefined, welcome: string | undefined): boolean {
    const { room } = this.access.inMeeting(actorId);
    const group = this.requireGroup(room);
    const inflight = group.inflight;
    if (!inflight || inflight.committer !== actorId || inflight.epoch !== epoch || group.epoch !== epoch) {
      return false;
    }
    const changes = inflight.add.length + inflight.remove.length;
    if (changes > 0 && commit === undefined) return false;
    if (inflight.add.length > 0 && welcome === undefined) return false;
    if (!wellFramed(group, inflight, commit, welcome)) {
      // Not even a commit: never relayed. The committer is passed over as if it had not answered.
      clearTimeout(inflight.timer);
      this.commitTimedOut(room, group);
      return false;
    }
    if (commit !== undefined && group.groupId === null)
      group.groupId = privateMessageHeader(commit)?.groupId ?? null;
    clearTimeout(inflight.timer);
    group.inflight = null;
    const before = new Set(group.members);
    if (inflight.create) group.members.add(actorId);
    if (commit !== undefined) {
      group.epoch += 1;
      for (const id of before) {
        if (id !== actorId && !inflight.remove.includes(id))
          this.sendTo(room, id, { type: 'e2ee-commit', epoch, commit });
      }
    }
    for (const id of inflight.remove) {
      group.members.delete(id);
      group.removals.delete(id);
    }
    for (const id of inflight.add) {
      group.keyPackages.delete(id);
      group.members.add(id);
      if (welcome !== undefined) this.sendTo(room, id, { type: 'e2ee-welcome', epoch: group.epoch, welcome });
    }
    group.keyPackages.delete(actorId);
    // Someone who left while the commit was built is still in the tree: remove them next.
    for (const id of group.members) if (!room.participants.has(id)) group.removals.add(id);
    this.awaitReady(room, group);
    return true;
  }

  ready(actorId: string, epoch: number): void {
    const { room } = this.access.inMeeting(actorId);
    const group = this.groups.get(room);
    if (!group?.ready || epoch !== group.epoch || !group.members.has(actorId)) return;
    group.ready.add(actorId);
    if (activeMembers(group).every((id) => group.ready?.has(id))) this.execute(room, group);
  }

  /** Encrypted chat: relayed, never read (encrypted-chat.ts). */
  chatSend(actorId: string, ciphertext: string, to: string | undefined): { messageId: string } {
    return this.chat.send(actorId, ciphertext, to);
  }

  /** A participant entered the meeting proper: tell them whether it is encrypted (after `joined`). */
  joined(room: Room, participantId: string): void {
    const group = this.groups.get(room);
    if (group) this.sendTo(room, participantId, { type: 'e2ee-state', state: group.state, by: null });
  }

  /** A participant left: their seat in the tree goes with the next commit. */
  left(room: Room, participantId: string): void {
    const group = this.groups.get(room);
    if (!group) return;
    if (room.participants.size === 0) {
      if (this.access.keepsBreakouts(room)) {
        // Everyone went to breakout rooms: the meeting stays encrypted, and the first of those who
        // come back makes its group anew (no key of the old one is left anywhere).
        this.drop(room, group);
        this.groups.set(room, { ...group, members: new Set(), removals: new Set(), keyPackages: new Map() });
        const kept = this.groups.get(room) as Group;
        kept.creator = null;
        restartGroup(kept);
        kept.batchTimer = null;
        return;
      }
      this.drop(room, group);
      return;
    }
    group.keyPackages.delete(participantId);
    if (group.members.has(participantId)) group.removals.add(participantId);
    if (group.creator === participantId) group.creator = null;
    if (group.inflight?.committer === participantId) {
      clearTimeout(group.inflight.timer);
      group.inflight = null;
    }
    if (activeMembers(group).length === 0) restartGroup(group);
    else if (group.ready && activeMembers(group).every((id) => group.ready?.has(id)))
      this.execute(room, group);
    this.schedule(room, group);
  }

  /** Takes one switch (on or off) from the room's budget, or refuses. */
  private takeSwitch(room: Room): void {
    let budget = this.switches.get(room);
    if (!budget) {
      budget = new ChatRate(SWITCHES_PER_SECOND, SWITCH_BURST, this.now);
      this.switches.set(room, budget);
    }
    const wait = budget.take();
    if (wait > 0)
      throw new MeetingError(
        'rate-limited',
        `Encryption was just switched. Please wait ${wait} seconds.`,
        wait,
      );
  }

  private requireGroup(room: Room): Group {
    const group = this.groups.get(room);
    if (!group) throw new MeetingError('bad-request', 'End-to-end encryption is off in this meeting.');
    return group;
  }

  private schedule(room: Room, group: Group): void {
    if (group.batchTimer || group.inflight || group.ready) return;
    group.batchTimer = setTimeout(() => {
      group.batchTimer = null;
      if (this.groups.get(room) === group) this.dispatch(room, group);
    }, BATCH_MS);
    group.batchTimer.unref();
  }

  /** Asks one member (or the creator of a new group) for the next commit. */
  private dispatch(room: Room, group: Group): void {
    if (group.inflight || group.ready) return;
    let committer: string | undefined;
    const create = activeMembers(group).length === 0;
    if (create) {
      committer =
        group.creator !== null && group.keyPackages.has(group.creator)
          ? group.creator
          : group.keyPackages.keys().next().value;
    } else {
      committer = activeMembers(group)[0];
    }
    if (committer === undefined) return;
    const add = [...group.keyPackages.keys()].filter((id) => id !== committer && room.participants.has(id));
    const remove = create ? [] : [...group.removals];
    if (!create && add.length === 0 && remove.length === 0) return;
    const timer = setTimeout(() => this.commitTimedOut(room, group), COMMIT_TIMEOUT_MS);
    timer.unref();
    group.inflight = { committer, epoch: group.epoch, create, add, remove, timer };
    this.sendTo(room, committer, {
      type: 'e2ee-commit-request',
      epoch: group.epoch,
      create,
      add: add.map((participantId) => ({
        participantId,
        keyPackage: group.keyPackages.get(participantId) ?? '',
      })),
      remove,
    });
  }

  /**
   * The committer did not answer: a creator's package is dropped; joiners' packages are dropped (the
   * committer may have refused them); a committer of removals only is itself removed.
   */
  private commitTimedOut(room: Room, group: Group): void {
    const inflight = group.inflight;
    if (!inflight || this.groups.get(room) !== group) return;
    group.inflight = null;
    if (inflight.create) {
      group.keyPackages.delete(inflight.committer);
      if (group.creator === inflight.committer) group.creator = null;
    } else if (inflight.add.length > 0) {
      // Most likely a key package the committer refused (e.g. a credential naming someone else):
      // drop the joiners' packages rather than the committer.
      for (const id of inflight.add) group.keyPackages.delete(id);
    } else {
      group.removals.add(inflight.committer);
      if (activeMembers(group).length === 0) restartGroup(group);
    }
    this.schedule(room, group);
  }

  private awaitReady(room: Room, group: Group): void {
    group.ready = new Set();
    group.readyTimer = setTimeout(() => this.execute(room, group), READY_TIMEOUT_MS);
    group.readyTimer.unref();
  }

  /** Everyone can decrypt the new epoch: senders switch to it together. */
  private execute(room: Room, group: Group): void {
    if (this.groups.get(room) !== group || !group.ready) return;
    if (group.readyTimer) clearTimeout(group.readyTimer);
    group.ready = null;
    group.readyTimer = null;
    if (group.state === 'pending') {
      group.state = 'on';
      room.broadcast({ type: 'e2ee-state', state: 'on', by: null });
    }
    room.broadcast({ type: 'e2ee-execute', epoch: group.epoch });
    // Senders switch keys on this event; a key frame shortly after lets every receiver decode the new
    // epoch at once instead of waiting for the next periodic key frame.
    setTimeout(() => this.access.requestKeyframes(room), KEYFRAME_AFTER_SWITCH_MS).unref();
    this.schedule(room, group);
  }

  private drop(room: Room, group: Group): void {
    if (group.inflight) clearTimeout(group.inflight.timer);
    if (group.readyTimer) clearTimeout(group.readyTimer);
    if (group.batchTimer) clearTimeout(group.batchTimer);
    this.groups.delete(room);
  }

  private sendTo(room: Room, participantId: string, event: ServerEvent): void {
    room.participants.get(participantId)?.channel.send(event);
  }
}
