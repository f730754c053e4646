import type { ParticipantInfo, Role, ServerEvent, TrackInfo, TrackSource } from '@parley/protocol';
import { kindOfSource } from '@parley/protocol';

/** How the room reaches one participant's client; the signaling session implements it. */
export interface ParticipantChannel {
  send(event: ServerEvent): void;
  /** End the participant's connection (e.g. the meeting ended). */
  close(code: number, reason: string): void;
}

/** Who a participant is as far as the meeting cares: a display name, and whether they signed in. */
export interface Identity {
  displayName: string;
  /** Set when the participant is signed in with an account; such a participant may open the meeting. */
  accountId: string | null;
}

/** Someone in a meeting (or waiting for its host). Lives in memory only, for the meeting's life. */
export class Participant {
  role: Role = 'participant';
  /** Muted by a moderator with "ask to unmute": no audio is forwarded until a moderator allows it. */
  hardMuted = false;
  unmuteRequested = false;
  private readonly tracks = new Map<TrackSource, TrackInfo>();

  constructor(
    readonly id: string,
    readonly identity: Identity,
    readonly channel: ParticipantChannel,
  ) {}

  get displayName(): string {
    return this.identity.displayName;
  }

  get isAccountHolder(): boolean {
    return this.identity.accountId !== null;
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
