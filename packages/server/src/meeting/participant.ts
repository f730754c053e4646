// Privacy: keeps each participant's display name, account id (if signed in), browser-chosen random key,
// keyed address hash, published sources and mute state, in memory, until they leave or the meeting ends.
import type { ParticipantInfo, Role, ServerEvent, TrackInfo, TrackSource } from '@parley/protocol';
import { kindOfSource } from '@parley/protocol';
import { CONTRACT } from '../privacy/legal-bases.js';
import { defineStore } from '../privacy/memory-stores.js';
import { ChatRate } from './chat-rate.js';

/** The data inventory's entry for what this module keeps (privacy/memory-inventory.ts lists it). */
export const PARTICIPANTS_STORE = defineStore({
  id: 'participants',
  name: 'Participants',
  data: 'For each person in a meeting: a random participant id, the display name they chose, their role (moderator or participant), the account id when signed in (a signed-in host opens the meeting), the client key their browser sent, a keyed hash of their network address, and their state in the meeting (what they publish — microphone, camera, screen — and whether it is muted).',
  purpose: 'Running the meeting: showing who is there, forwarding media, moderation.',
  legalBasis: CONTRACT,
  retention: (facts) =>
    `Until the person leaves the meeting, at the latest until it ends; never written to disk. The address hash can be linked to nothing once the hashing key is replaced (at most ${facts.ipRetentionSeconds} seconds).`,
  personal: true,
});

/** How the room reaches one participant's client; the signaling session implements it. */
export interface ParticipantChannel {
  send(event: ServerEvent): void;
  /** End the participant's connection (e.g. the meeting ended). */
  close(code: number, reason: string): void;
}

/**
 * Who a participant is as far as the meeting cares: a display name, whether they signed in, and the
 * marks that recognise a removed person who comes back.
 */
export interface Identity {
  displayName: string;
  /** Set when the participant is signed in with an account; such a participant may open the meeting. */
  accountId: string | null;
  /**
   * False when the account may not open a meeting that is not running (an administrator allowed only
   * administrators to start meetings, on /admin): it then waits for a host like a guest. Unset: may.
   */
  mayOpen?: boolean;
  /** A random id the browser keeps and sends with `join` (never shown to anyone else). */
  clientKey: string | null;
  /** Keyed hash of the connection's address (IpHasher), never the address itself. */
  addressKey: string | null;
}

/** Someone in a meeting (or knocking, or waiting for its host). Lives in memory only, for the meeting's life. */
export class Participant {
  role: Role = 'participant';
  /** Muted by a moderator with "ask to unmute": no audio is forwarded until a moderator allows it. */
  hardMuted = false;
  unmuteRequested = false;
  /** A moderator muted this participant: the media plane forwards none of their mic audio until they unmute. */
  audioHeld = false;
  readonly chatRate: ChatRate;
  /**
   * The person's random id across resumes (resume tokens carry it): their standing in the meeting
   * (role, hard mute, removal) is kept under it. A fresh join starts a new lineage.
   */
  lineage: string;
  /**
   * Set while waiting for a host with a valid resume token of this meeting (it had emptied): when a
   * moderator reopens it, they come straight back in, like any resume.
   */
  returningTo: string | null = null;
  private readonly tracks = new Map<TrackSource, TrackInfo>();

  constructor(
    readonly id: string,
    readonly identity: Identity,
    readonly channel: ParticipantChannel,
    now: () => number = Date.now,
    lineage: string = id,
  ) {
    this.chatRate = new ChatRate(2.5, 10, now);
    this.lineage = lineage;
  }

  get displayName(): string {
    return this.identity.displayName;
  }

  get isAccountHolder(): boolean {
    return this.identity.accountId !== null;
  }

  get isModerator(): boolean {
    return this.role === 'moderator';
  }

  /** The mute state of the published microphone, or null when none is published. */
  get micMuted(): boolean | null {
    return this.tracks.get('mic')?.muted ?? null;
  }

  /**
   * Replace the set of published sources (after a publish negotiation). A mute state given with a
   * source wins; otherwise a known source keeps its state and a new one starts unmuted.
   */
  setPublishedSources(sources: Iterable<{ source: TrackSource; muted?: boolean | undefined }>): void {
    const next = new Map<TrackSource, TrackInfo>();
    for (const { source, muted } of sources) {
      const known = this.tracks.get(source);
      next.set(source, { source, kind: kindOfSource(source), muted: muted ?? known?.muted ?? false });
    }
    this.tracks.clear();
    for (const [source, info] of next) this.tracks.set(source, info);
  }

  /** Returns false when the participant publishes no such source. */
  setMuted(source: TrackSource, muted: boolean): boolean {
    const track = this.tracks.get(source);
    if (!track) return false;
    this.tracks.set(source, { ...track, muted });
    return true;
  }

  info(): ParticipantInfo {
    return {
      id: this.id,
      displayName: this.displayName,
      role: this.role,
      tracks: [...this.tracks.values()],
      hardMuted: this.hardMuted,
      unmuteRequested: this.unmuteRequested,
    };
  }
}
