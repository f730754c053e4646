import type { BreakoutRoomInfo, EventOf } from '@parley/protocol';
import { Store } from '../state/store';
import type { Requester } from './signaling';

export interface BreakoutMessage {
  id: number;
  from: string;
  text: string;
}

export interface HelpRequest {
  id: number;
  roomId: string;
  roomName: string;
  from: string;
}

export interface BreakoutState {
  /** null: no breakout rooms. */
  rooms: readonly BreakoutRoomInfo[] | null;
  open: boolean;
  allowChoice: boolean;
  endsAt: number | null;
  /** The breakout room we are in now; null in the main room. */
  here: { id: string; name: string } | null;
  mine: string | null;
  /** Seconds left when the last warning came; null without one. */
  warning: number | null;
  /** Broadcasts from the moderators, newest last. */
  messages: readonly BreakoutMessage[];
  /** Help requests (moderators), newest last. */
  help: readonly HelpRequest[];
}

const MAX_KEPT = 5;

/** Breakout rooms as this participant sees and (as a moderator) runs them (docs/protocol.md). */
export class Breakouts {
  readonly state = new Store<BreakoutState>({
    rooms: null,
    open: false,
    allowChoice: false,
    endsAt: null,
    here: null,
    mine: null,
    warning: null,
    messages: [],
    help: [],
  });
  private nextId = 0;

  constructor(private readonly request: Requester) {}

  handle(
    event:
      | EventOf<'breakout-state'>
      | EventOf<'breakout-message'>
      | EventOf<'breakout-warning'>
      | EventOf<'breakout-help'>,
  ): void {
    const state = this.state.get();
    switch (event.type) {
      case 'breakout-state':
        this.state.set({
          ...state,
          rooms: event.rooms,
          open: event.open,
          allowChoice: event.allowChoice,
          endsAt: event.endsAt,
          here: event.here,
          mine: event.mine,
          ...(event.rooms === null && { warning: null, help: [] }),
        });
        break;
      case 'breakout-message':
        this.state.set({
          ...state,
          messages: [...state.messages, { id: ++this.nextId, from: event.from, text: event.text }].slice(
            -MAX_KEPT,
          ),
        });
        break;
      case 'breakout-warning':
        this.state.set({ ...state, warning: event.secondsLeft });
        break;
      case 'breakout-help':
        this.state.set({
          ...state,
          help: [
            ...state.help,
            { id: ++this.nextId, roomId: event.roomId, roomName: event.roomName, from: event.from },
          ].slice(-MAX_KEPT),
        });
        break;
    }
  }

  /** We are moving: the room we go to is shown at once (null: back to the main room). */
  moving(breakout: { id: string; name: string } | null): void {
    this.state.set({ ...this.state.get(), here: breakout, ...(breakout === null && { warning: null }) });
  }

  dismissMessage(id: number): void {
    const state = this.state.get();
    this.state.set({ ...state, messages: state.messages.filter((m) => m.id !== id) });
  }

  dismissHelp(id: number): void {
    const state = this.state.get();
    this.state.set({ ...state, help: state.help.filter((h) => h.id !== id) });
  }

  create(count: number, names?: string[]): Promise<unknown> {
    return this.request('breakout-create', names && names.length > 0 ? { count, names } : { count });
  }
  assign(participantId: string, roomId: string | null): Promise<unknown> {
    return this.request('breakout-assign', { assignments: [{ participantId, roomId }] });
  }
  assignRandom(): Promise<unknown> {
    return this.request('breakout-assign-random', {});
  }
  allowChoice(allowed: boolean): Promise<unknown> {
    return this.request('breakout-allow-choice', { allowed });
  }
  open(seconds?: number): Promise<unknown> {
    return this.request('breakout-open', seconds === undefined ? {} : { seconds });
  }
  close(): Promise<unknown> {
    return this.request('breakout-close', {});
  }
  broadcast(text: string): Promise<unknown> {
    return this.request('breakout-broadcast', { text });
  }
  visit(roomId: string | null): Promise<unknown> {
    return this.request('breakout-visit', { roomId });
  }
  choose(roomId: string | null): Promise<unknown> {
    return this.request('breakout-choose', { roomId });
  }
  askForHelp(): Promise<unknown> {
    return this.request('breakout-help', {});
  }
}
