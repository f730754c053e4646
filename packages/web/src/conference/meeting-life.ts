import { type EventOf, REACTIONS, type Reaction } from '@parley/protocol';
import type { MessageKey } from '../i18n';
import type { Params } from '../i18n/translate';
import { Store } from '../state/store';
import type { Requester } from './signaling';

/** How long a reaction stays on a tile. */
export const REACTION_SHOWN_MS = 4000;

/** Each reaction's emoji and the message naming it for screen readers. */
export const REACTION_EMOJI: Readonly<Record<Reaction, { emoji: string; label: MessageKey }>> = {
  'thumbs-up': { emoji: '👍', label: 'reaction.thumbsUp' },
  clap: { emoji: '👏', label: 'reaction.clap' },
  laugh: { emoji: '😄', label: 'reaction.laugh' },
  heart: { emoji: '❤️', label: 'reaction.heart' },
  surprised: { emoji: '😮', label: 'reaction.surprised' },
};
export { REACTIONS };

export interface ShownReaction {
  id: number;
  participantId: string;
  reaction: Reaction;
}

export interface MeetingLifeState {
  /** Participant ids with a raised hand, first raised first (the server's queue). */
  hands: readonly string[];
  /** Reactions on screen now. */
  reactions: readonly ShownReaction[];
  /** Who speaks now, loudest first (the SFU's `active-speakers`). */
  speakers: readonly string[];
  /** Who spoke last: stays on the stage of speaker view through pauses. */
  lastSpeaker: string | null;
}

/** What MeetingLife needs from the meeting around it. */
export interface MeetingLifeHost {
  selfId(): string | null;
  nameOf(participantId: string): string | null;
  notify(key: MessageKey, params: Params | undefined, announce: boolean): void;
  announce(text: string): void;
  translate(key: MessageKey, params?: Params): string;
}

/**
 * Raised hands and reactions as this client sees them: follows the server's `hands-updated` and
 * `reaction` events, tells the person when a hand goes up (or a moderator lowered theirs), and
 * sends the person's own hand and reactions.
 */
export class MeetingLife {
  readonly state = new Store<MeetingLifeState>({ hands: [], reactions: [], speakers: [], lastSpeaker: null });
  private reactionId = 0;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(
    private readonly request: Requester,
    private readonly host: MeetingLifeHost,
  ) {}

  get handRaised(): boolean {
    const self = this.host.selfId();
    return self !== null && this.state.get().hands.includes(self);
  }

  /** Raise or lower one's own hand; the queue changes when the server confirms it. */
  async setHand(raised: boolean): Promise<void> {
    await this.request('set-hand', { raised });
  }

  toggleHand(): Promise<void> {
    return this.setHand(!this.handRaised);
  }

  /** Moderator: lower someone's hand. */
  async lowerHand(participantId: string): Promise<void> {
    await this.request('lower-hand', { participantId });
  }

  async react(reaction: Reaction): Promise<void> {
    await this.request('send-reaction', { reaction });
  }

  handsUpdated(event: EventOf<'hands-updated'>): void {
    const before = this.state.get().hands;
    const self = this.host.selfId();
    for (const id of event.queue) {
      if (before.includes(id)) continue;
      if (id === self) {
        this.host.announce(this.host.translate('hand.raisedSelf'));
        continue;
      }
      const name = this.host.nameOf(id);
      if (name !== null) this.host.notify('hand.raisedAnnouncement', { name }, true);
    }
    if (event.loweredByModerator !== undefined && event.loweredByModerator === self) {
      this.host.notify('hand.lowered', undefined, true);
    }
    this.state.update((state) => ({ ...state, hands: event.queue }));
  }

  reacted(event: EventOf<'reaction'>): void {
    const shown: ShownReaction = {
      id: ++this.reactionId,
      participantId: event.participantId,
      reaction: event.reaction,
    };
    this.state.update((state) => ({ ...state, reactions: [...state.reactions, shown].slice(-20) }));
    const name = event.participantId === this.host.selfId() ? null : this.host.nameOf(event.participantId);
    if (name !== null) {
      const reaction = this.host.translate(REACTION_EMOJI[event.reaction].label);
      this.host.announce(this.host.translate('reaction.announce', { name, reaction }));
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.state.update((state) => ({
        ...state,
        reactions: state.reactions.filter((r) => r.id !== shown.id),
      }));
    }, REACTION_SHOWN_MS);
    this.timers.add(timer);
  }

  activeSpeakers(event: EventOf<'active-speakers'>): void {
    this.state.update((state) => ({
      ...state,
      speakers: event.participantIds,
      lastSpeaker: event.participantIds[0] ?? state.lastSpeaker,
    }));
  }

  /** Someone left: their hand is gone (the server sends the new queue too). */
  forget(participantId: string): void {
    this.state.update((state) => ({
      ...state,
      hands: state.hands.filter((id) => id !== participantId),
      speakers: state.speakers.filter((id) => id !== participantId),
      lastSpeaker: state.lastSpeaker === participantId ? null : state.lastSpeaker,
    }));
  }

  dispose(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
