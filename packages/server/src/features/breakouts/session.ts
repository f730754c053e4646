import type { ServerEvent } from '@parley/protocol';
import type { Participant } from '../../meeting/participant.js';
import type { Room } from '../../meeting/room.js';

/** One breakout room of a session. */
export interface BreakoutRoom {
  /** Short random id the clients name it by. */
  id: string;
  /** The name people see ("Room 1" or the moderator's). */
  name: string;
  /** The registry name of its meeting: the main room's name and an unguessable suffix. */
  roomName: string;
}

/** A main room's breakout rooms: who goes where, whether they are open, when they close. */
export interface Session {
  main: Room;
  rooms: BreakoutRoom[];
  /** Lineage → breakout room id. */
  assigned: Map<string, string>;
  open: boolean;
  allowChoice: boolean;
  endsAt: number | null;
  timers: NodeJS.Timeout[];
}

/** Where a room stands: the main room of a session, or one of its breakout rooms. */
export interface Place {
  session: Session;
  breakout: BreakoutRoom | null;
}

/** What one participant sees of a session: moderators also who is assigned and present where. */
export function breakoutState(
  session: Session,
  participant: Participant,
  here: BreakoutRoom | null,
  find: (roomName: string) => Room | undefined,
): ServerEvent {
  const moderator = participant.isModerator;
  return {
    type: 'breakout-state',
    rooms: session.rooms.map((breakout) => ({
      id: breakout.id,
      name: breakout.name,
      assigned: moderator
        ? [...session.main.participants.values()]
            .filter((p) => session.assigned.get(p.lineage) === breakout.id)
            .map((p) => p.id)
        : [],
      present: moderator
        ? [...(find(breakout.roomName)?.participants.values() ?? [])].map((p) => p.displayName)
        : [],
    })),
    open: session.open,
    allowChoice: session.allowChoice,
    endsAt: session.endsAt,
    here: here ? { id: here.id, name: here.name } : null,
    mine: session.assigned.get(participant.lineage) ?? null,
  };
}

/** What everyone sees once the breakout rooms are closed. */
export const CLOSED_STATE: ServerEvent = {
  type: 'breakout-state',
  rooms: null,
  open: false,
  allowChoice: false,
  endsAt: null,
  here: null,
  mine: null,
};
