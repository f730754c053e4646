import type { EventOf, LobbyEntry, ParticipantInfo, RoomSettings } from '@parley/protocol';
import { type MessageKey, t } from '../i18n';
import type { Params } from '../i18n/translate';
import { Store } from '../state/store';
import type { PausedVideo } from './bandwidth-pause';
import { newArrivals } from './lobby';
import type { MediaProblem } from './local-media';
import type { SignalingErrorCode } from './signaling';
import type { RemoteTracks, UnplayableVideo } from './subscriber';

export type MeetingPhase =
  /** Opening the connection and asking to join. */
  | 'connecting'
  /** Accepted, but the room opens only when a signed-in host arrives; `joined` follows by itself. */
  | 'waiting-for-host'
  /** Knocking: a moderator admits (`joined` follows) or turns us away (`failed`, reason `denied`). */
  | 'lobby'
  | 'joined'
  /** Joining failed or the connection closed before joining; see `failure`. */
  | 'failed'
  /** This participant left. */
  | 'left'
  /** The room was closed for everyone, or a moderator removed us; see `endReason`. */
  | 'ended';

/**
 * Why joining failed: the server's error code, `unreachable` when no connection could be made, or
 * `ended-while-waiting` when the meeting ended while we knocked.
 */
export type JoinFailure = SignalingErrorCode | 'unreachable' | 'ended-while-waiting';

export type EndReason = EventOf<'room-closed'>['reason'] | 'removed';

/** What the person brings to the door besides their name. */
export interface JoinOptions {
  /** The room password, once the server asked for one. */
  password?: string;
  /** The token of an invitation link. */
  invitation?: string;
  /** This browser's random key (see client-key.ts). */
  clientKey?: string;
}

/** A short visible message (toast) about something that happened to us or needs a moderator. */
export interface Notice {
  id: number;
  key: MessageKey;
  params?: Params;
}

export interface Announcement {
  id: number;
  text: string;
}

export interface MeetingState {
  phase: MeetingPhase;
  failure: { reason: JoinFailure; message: string; retryAfterSeconds?: number } | null;
  endReason: EndReason | null;
  /** We ended the meeting ourselves (as a moderator). */
  endedBySelf: boolean;
  self: ParticipantInfo | null;
  /** The other participants, in the order they joined. */
  participants: readonly ParticipantInfo[];
  remoteTracks: RemoteTracks;
  /** Others' video this browser cannot decode (the codec it is forwarded in), shown on their tiles. */
  unplayableVideo: UnplayableVideo;
  /** Others' video the server holds back because our connection is too slow for it, on their tiles. */
  pausedVideo: PausedVideo;
  /** Our own screen share while it runs. */
  screenTrack: MediaStreamTrack | null;
  /**
   * `ok`; `reconnecting` while the app gets back in on its own after the connection dropped; or
   * which connection broke for good after joining (the person may rejoin).
   */
  connection: 'ok' | 'reconnecting' | 'signaling-lost' | 'media-lost';
  /** The latest screen-reader announcement (joins and leaves, knocks, chat, moderation). */
  announcement: Announcement | null;
  /** Toasts still on screen, oldest first. */
  notices: readonly Notice[];
  settings: RoomSettings;
  /** The people knocking (moderators only), in arrival order. */
  lobby: readonly LobbyEntry[];
  /** A device that failed during the meeting (e.g. screen sharing refused). */
  mediaProblem: { device: 'mic' | 'camera' | 'screen'; problem: MediaProblem } | null;
}

const MAX_NOTICES = 3;

/**
 * What the meeting screen shows, and the small changes everyone makes to it: toasts, screen-reader
 * announcements, the lobby, a device problem. Owned by `Meeting`; its parts write through this.
 */
export class MeetingScreen {
  readonly store = new Store<MeetingState>({
    phase: 'connecting',
    failure: null,
    endReason: null,
    endedBySelf: false,
    self: null,
    participants: [],
    remoteTracks: new Map(),
    unplayableVideo: new Map(),
    pausedVideo: new Map(),
    screenTrack: null,
    connection: 'ok',
    announcement: null,
    mediaProblem: null,
    notices: [],
    settings: { passwordSet: false, lobbyEnabled: false, locked: false, chatHistory: false },
    lobby: [],
  });
  private announcementId = 0;
  private noticeId = 0;

  get current(): MeetingState {
    return this.store.get();
  }

  /** A call rather than a property, so TypeScript does not narrow it across awaits. */
  phase(): MeetingPhase {
    return this.store.get().phase;
  }

  patch(change: Partial<MeetingState>): void {
    this.store.update((state) => ({ ...state, ...change }));
  }

  /** The name of a participant on screen now, or null. */
  nameOf(id: string): string | null {
    return this.current.participants.find((p) => p.id === id)?.displayName ?? null;
  }

  announce(text: string): void {
    this.patch({ announcement: { id: ++this.announcementId, text } });
  }

  /** Shows a toast; `announce` also reads it out to screen-reader users. */
  notify(key: MessageKey, params?: Params, announce = false): void {
    const notice: Notice = params ? { id: ++this.noticeId, key, params } : { id: ++this.noticeId, key };
    this.patch({ notices: [...this.current.notices, notice].slice(-MAX_NOTICES) });
    if (announce) this.announce(t(key, params));
  }

  dismissNotice(id: number): void {
    this.patch({ notices: this.current.notices.filter((notice) => notice.id !== id) });
  }

  /** The lobby as it is now; moderators hear about each person who started knocking. */
  lobbyIs(entries: readonly LobbyEntry[]): void {
    const arrivals = newArrivals(this.current.lobby, entries);
    this.patch({ lobby: entries });
    if (arrivals.length === 1) this.notify('lobby.knocking', { name: arrivals[0]?.displayName ?? '' }, true);
    else if (arrivals.length > 1) this.notify('lobby.knockingMany', { count: arrivals.length }, true);
  }

  reportProblem(device: 'mic' | 'camera' | 'screen', problem: MediaProblem | null): void {
    if (problem) this.patch({ mediaProblem: { device, problem } });
    else if (this.current.mediaProblem?.device === device) this.patch({ mediaProblem: null });
  }
}
