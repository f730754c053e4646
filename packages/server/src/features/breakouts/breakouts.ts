// Privacy: keeps, per meeting with breakout rooms and in memory only, the rooms' names and random
// registry names, who is assigned where (by the random participant lineage) and the short-lived move
// grants; all of it goes when the rooms close or the meeting ends. Room names are never logged.
import { randomInt } from 'node:crypto';
import { BREAKOUT_WARNING_SECONDS, type Role, type ServerEvent } from '@parley/protocol';
import { ChatRate } from '../../meeting/chat-rate.js';
import type { MeetingAccess } from '../../meeting/meeting-access.js';
import { MeetingError } from '../../meeting/meeting-error.js';
import type { Identity, Participant } from '../../meeting/participant.js';
import type { Room } from '../../meeting/room.js';
import { randomId } from '../../meeting/room-registry.js';
import { declareStore } from '../../privacy/memory-stores.js';
import { GRANT_MS, GRANT_REFUSED, MoveGrants } from './move-grants.js';
import { type BreakoutRoom, breakoutState, CLOSED_STATE, type Place, type Session } from './session.js';

declareStore('breakout-rooms');

/** What breakout rooms need of the meetings besides the common access (filled in by meetings.ts). */
export interface BreakoutAccess extends MeetingAccess {
  /** The room a name leads to now, if any. */
  find(roomName: string): Room | undefined;
  isEncrypted(room: Room): boolean;
  /** A breakout room of an encrypted meeting is encrypted from its start. */
  startEncrypted(room: Room): void;
  forgetIfUnused(room: Room): void;
  end(room: Room): void;
}

/** After closing, people still in a breakout room this long later are ended out of it. */
const CLOSE_GRACE_MS = 20_000;
/** Help requests: a burst of 2, then one every 10 seconds. */
const HELP_PER_SECOND = 0.1;
const HELP_BURST = 2;

/**
 * Breakout rooms (docs/protocol.md): each breakout room is a meeting of its own in the registry,
 * named from the main room with a random suffix. People move with one-time grants bound to who they
 * are and where they go; the main meeting is kept (its encryption state too) while the rooms are
 * open, even with nobody in it.
 */
export class Breakouts {
  /** Main room name or breakout registry name → its session. */
  private readonly places = new Map<string, Place>();
  private readonly grants: MoveGrants;
  private readonly helpRates = new WeakMap<Participant, ChatRate>();

  constructor(
    private readonly access: BreakoutAccess,
    private readonly now: () => number,
  ) {
    this.grants = new MoveGrants(now);
  }

  /** Whether a registry name is an open breakout room (plain joins to it are refused). */
  isBreakout(roomName: string): boolean {
    return Boolean(this.places.get(roomName)?.breakout);
  }

  /**
   * Whether an emptied room must stay: the main room or a breakout room of open rooms, or a room
   * somebody holds a grant for right now.
   */
  keeps(room: Room): boolean {
    const place = this.places.get(room.name);
    if (place && (place.breakout !== null || place.session.main === room) && place.session.open) return true;
    return this.grants.leadTo([room.name]);
  }

  /** The breakout room a meeting is, with its session; null for any other meeting. */
  private placeOf(room: Room): Place | null {
    const place = this.places.get(room.name);
    if (!place) return null;
    if (place.breakout === null && place.session.main !== room) return null;
    return place;
  }

  /** The session a moderator manages: of their main room, or of the breakout room they visit. */
  private managed(actorId: string): Session {
    const { room } = this.access.moderator(actorId);
    const place = this.placeOf(room);
    if (!place) throw new MeetingError('not-found', 'There are no breakout rooms in this meeting.');
    return place.session;
  }

  create(actorId: string, count: number, names: readonly string[] = []): void {
    const { room } = this.access.moderator(actorId);
    const place = this.placeOf(room);
    if (place?.breakout) throw new MeetingError('forbidden', 'A breakout room cannot have breakout rooms.');
    if (place?.session.open)
      throw new MeetingError('bad-request', 'Close the open breakout rooms before creating new ones.');
    if (place) this.forget(place.session);
    const session: Session = {
      main: room,
      rooms: [],
      assigned: new Map(),
      open: false,
      allowChoice: false,
      endsAt: null,
      timers: [],
    };
    const prefix = room.name.slice(0, 40);
    for (let i = 0; i < count; i++) {
      const breakout = {
        id: randomId(6),
        name: names[i] ?? `Room ${i + 1}`,
        roomName: `${prefix}_${randomId(12)}`,
      };
      session.rooms.push(breakout);
      this.places.set(breakout.roomName, { session, breakout });
    }
    this.places.set(room.name, { session, breakout: null });
    this.sendState(session);
  }

  assign(actorId: string, assignments: readonly { participantId: string; roomId: string | null }[]): void {
    const session = this.managed(actorId);
    this.mustBeClosed(session);
    for (const { participantId, roomId } of assignments) {
      const participant = session.main.participants.get(participantId);
      if (!participant) throw new MeetingError('not-found', 'That participant is not in the main room.');
      if (roomId !== null && !session.rooms.some((r) => r.id === roomId))
        throw new MeetingError('not-found', 'There is no such breakout room.');
    }
    for (const { participantId, roomId } of assignments) {
      const lineage = session.main.participants.get(participantId)?.lineage;
      if (lineage === undefined) continue;
      if (roomId === null) session.assigned.delete(lineage);
      else session.assigned.set(lineage, roomId);
    }
    this.sendState(session);
  }

  /** Everyone in the main room but the moderators, shuffled, dealt out over the rooms in turn. */
  assignRandom(actorId: string): void {
    const session = this.managed(actorId);
    this.mustBeClosed(session);
    const people = [...session.main.participants.values()].filter((p) => !p.isModerator);
    for (let i = people.length - 1; i > 0; i--) {
      const j = randomInt(i + 1);
      [people[i], people[j]] = [people[j] as Participant, people[i] as Participant];
    }
    session.assigned.clear();
    people.forEach((person, i) => {
      const target = session.rooms[i % session.rooms.length];
      if (target) session.assigned.set(person.lineage, target.id);
    });
    this.sendState(session);
  }

  allowChoice(actorId: string, allowed: boolean): void {
    const session = this.managed(actorId);
    session.allowChoice = allowed;
    this.sendState(session);
  }

  /** Someone picks their room, when the moderators allow it; while the rooms are open they move at once. */
  choose(actorId: string, roomId: string | null): void {
    const { room, participant } = this.access.inMeeting(actorId);
    const place = this.placeOf(room);
    if (!place) throw new MeetingError('not-found', 'There are no breakout rooms in this meeting.');
    const { session } = place;
    if (!session.allowChoice) throw new MeetingError('forbidden', 'The moderators assign the rooms.');
    const target = roomId === null ? null : session.rooms.find((r) => r.id === roomId);
    if (target === undefined) throw new MeetingError('not-found', 'There is no such breakout room.');
    if (target === null) session.assigned.delete(participant.lineage);
    else session.assigned.set(participant.lineage, target.id);
    if (session.open && place.breakout?.id !== target?.id) this.move(participant, target, session);
    else this.sendState(session);
  }

  open(actorId: string, seconds: number | undefined): void {
    const session = this.managed(actorId);
    this.mustBeClosed(session);
    session.open = true;
    if (seconds !== undefined) this.setTimer(session, seconds);
    for (const participant of [...session.main.participants.values()]) {
      const roomId = session.assigned.get(participant.lineage);
      const target = session.rooms.find((r) => r.id === roomId);
      if (target) this.move(participant, target, session);
    }
    this.sendState(session);
  }

  timer(actorId: string, seconds: number | null): void {
    const session = this.managed(actorId);
    if (!session.open) throw new MeetingError('bad-request', 'The breakout rooms are not open.');
    this.setTimer(session, seconds);
    this.sendState(session);
  }

  close(actorId: string): void {
    const session = this.managed(actorId);
    if (!session.open) throw new MeetingError('bad-request', 'The breakout rooms are not open.');
    this.closeSession(session);
  }

  broadcast(actorId: string, text: string): void {
    const session = this.managed(actorId);
    const { participant } = this.access.moderator(actorId);
    const event: ServerEvent = { type: 'breakout-message', text, from: participant.displayName };
    for (const room of this.roomsOf(session)) room.broadcast(event);
  }

  /** A moderator goes to a breakout room, or back to the main room (null). */
  visit(actorId: string, roomId: string | null): void {
    const session = this.managed(actorId);
    if (!session.open) throw new MeetingError('bad-request', 'The breakout rooms are not open.');
    const { room, participant } = this.access.moderator(actorId);
    const target = roomId === null ? null : session.rooms.find((r) => r.id === roomId);
    if (target === undefined) throw new MeetingError('not-found', 'There is no such breakout room.');
    const here = this.placeOf(room)?.breakout ?? null;
    if (here?.id === target?.id) return;
    this.move(participant, target, session);
  }

  /** Someone in a breakout room asks the moderators for help. */
  help(actorId: string): void {
    const { room, participant } = this.access.inMeeting(actorId);
    const place = this.placeOf(room);
    if (!place?.breakout || !place.session.open)
      throw new MeetingError('bad-request', 'Help can be asked for from a breakout room.');
    let rate = this.helpRates.get(participant);
    if (!rate) {
      rate = new ChatRate(HELP_PER_SECOND, HELP_BURST, this.now);
      this.helpRates.set(participant, rate);
    }
    const wait = rate.take();
    if (wait > 0)
      throw new MeetingError(
        'rate-limited',
        `You asked for help just now. Please wait ${wait} seconds.`,
        wait,
      );
    const event: ServerEvent = {
      type: 'breakout-help',
      roomId: place.breakout.id,
      roomName: place.breakout.name,
      from: participant.displayName,
    };
    // The moderators in the main room; when none is there (all visiting), every moderator.
    const inMain = place.session.main.moderators();
    const moderators =
      inMain.length > 0 ? inMain : this.roomsOf(place.session).flatMap((each) => each.moderators());
    for (const moderator of moderators) moderator.channel.send(event);
  }

  /**
   * A join with a move grant: the grant is used up, and must be unexpired, for this room and for
   * this person (account, browser key and name as when it was given). Returns who they are there.
   */
  redeem(token: string, roomName: string, identity: Identity): { lineage: string; role: Role } {
    const grant = this.grants.redeem(token, roomName, identity);
    if (grant.breakout && (!grant.breakout.session.open || !this.places.has(grant.roomName)))
      throw new MeetingError('forbidden', GRANT_REFUSED);
    return { lineage: grant.lineage, role: grant.role };
  }

  /**
   * A breakout room's meeting starts (its first mover arrives): with E2EE on in the main room it is
   * encrypted from the start, with a group of its own.
   */
  prepare(room: Room): void {
    const place = this.placeOf(room);
    if (!place?.breakout) return;
    if (this.access.isEncrypted(place.session.main)) this.access.startEncrypted(room);
  }

  /** Someone entered a room: they learn about its breakout rooms (if any). */
  welcome(room: Room, participant: Participant): void {
    const place = this.placeOf(room);
    if (!place) return;
    // Moderators see who is in which breakout room: everyone's view is refreshed when one fills.
    if (place.breakout) this.sendState(place.session);
    else participant.channel.send(breakoutState(place.session, participant, null, this.access.find));
  }

  /**
   * A room of a session emptied: when nobody is left in the main room or any breakout room and no
   * move is under way a grant's life later, the session is forgotten and its rooms with it.
   */
  emptied(room: Room): void {
    const place = this.placeOf(room);
    if (!place) return;
    const { session } = place;
    const timer = setTimeout(() => {
      if (this.places.get(session.main.name)?.session !== session) return;
      const rooms = this.roomsOf(session);
      if (rooms.some((each) => each.participants.size > 0)) return;
      if (this.grants.leadTo(rooms.map((each) => each.name))) return;
      this.forget(session);
      for (const each of rooms) this.access.forgetIfUnused(each);
    }, GRANT_MS + 1000);
    timer.unref();
  }

  /** The main meeting ended for everyone: its breakout rooms end too. */
  ended(room: Room): void {
    const place = this.placeOf(room);
    if (!place || place.breakout) return;
    const { session } = place;
    const rooms = this.roomsOf(session).filter((each) => each !== session.main);
    this.forget(session);
    for (const each of rooms) this.access.end(each);
  }

  private mustBeClosed(session: Session): void {
    if (session.open) throw new MeetingError('bad-request', 'The breakout rooms are open already.');
  }

  private setTimer(session: Session, seconds: number | null): void {
    for (const timer of session.timers) clearTimeout(timer);
    session.timers = [];
    session.endsAt = null;
    if (seconds === null) return;
    session.endsAt = this.now() + seconds * 1000;
    const warnIn = (seconds - BREAKOUT_WARNING_SECONDS) * 1000;
    const warn = setTimeout(
      () => {
        const event: ServerEvent = {
          type: 'breakout-warning',
          secondsLeft: Math.min(seconds, BREAKOUT_WARNING_SECONDS),
        };
        for (const room of this.roomsOf(session)) room.broadcast(event);
      },
      Math.max(0, warnIn),
    );
    const close = setTimeout(() => {
      if (session.open) this.closeSession(session);
    }, seconds * 1000);
    warn.unref();
    close.unref();
    session.timers.push(warn, close);
  }

  /** Everyone in a breakout room goes back to the main room; the breakout rooms end. */
  private closeSession(session: Session): void {
    const breakoutRooms = this.roomsOf(session).filter((room) => room !== session.main);
    for (const room of breakoutRooms) {
      for (const participant of [...room.participants.values()]) this.move(participant, null, session);
    }
    this.forget(session);
    session.main.broadcast(CLOSED_STATE);
    // Nobody came back (every app closed): the emptied main meeting goes once the grants have expired.
    setTimeout(() => this.access.forgetIfUnused(session.main), GRANT_MS + 1000).unref();
    // Anyone who did not go (their app did not answer) is ended out of the room a little later.
    const timer = setTimeout(() => {
      for (const room of breakoutRooms)
        if (this.access.find(room.name) === room && !room.isEmpty) this.access.end(room);
    }, CLOSE_GRACE_MS);
    timer.unref();
  }

  private forget(session: Session): void {
    for (const timer of session.timers) clearTimeout(timer);
    session.timers = [];
    session.open = false;
    for (const breakout of session.rooms) this.places.delete(breakout.roomName);
    if (this.places.get(session.main.name)?.session === session) this.places.delete(session.main.name);
  }

  /** Give a participant a grant for `target` (null: the main room) and tell them to move. */
  private move(participant: Participant, target: BreakoutRoom | null, session: Session): void {
    const roomName = target?.roomName ?? session.main.name;
    const token = this.grants.give(participant, roomName, target ? { session, room: target } : null);
    participant.channel.send({
      type: 'breakout-move',
      room: roomName,
      grant: token,
      breakout: target ? { id: target.id, name: target.name } : null,
    });
  }

  /** The main room and every breakout room that has a meeting now. */
  private roomsOf(session: Session): Room[] {
    const rooms = [session.main];
    for (const breakout of session.rooms) {
      const room = this.access.find(breakout.roomName);
      if (room) rooms.push(room);
    }
    return rooms;
  }

  private sendState(session: Session): void {
    for (const room of this.roomsOf(session)) {
      const here = room === session.main ? null : (this.placeOf(room)?.breakout ?? null);
      for (const participant of room.participants.values())
        participant.channel.send(breakoutState(session, participant, here, this.access.find));
    }
  }
}
