import {
  type EventOf,
  type IceServer,
  type LobbyEntry,
  type ParticipantInfo,
  PROTOCOL_VERSION,
  type RoomSettings,
  type TrackSource,
} from '@parley/protocol';
import { E2eeSession } from '../e2ee/e2ee-session';
import { type MessageKey, t } from '../i18n';
import type { Params } from '../i18n/translate';
import { Store } from '../state/store';
import { Breakouts } from './breakouts';
import { connectionConfig, generateCertificate } from './certificate';
import { Chat } from './chat';
import { newArrivals } from './lobby';
import { captureScreen, type LocalMedia, type MediaProblem } from './local-media';
import { lowData, setLowData } from './low-data';
import { MeetingLife } from './meeting-life';
import { Moderation } from './moderation';
import { Polls } from './polls';
import { Publisher, simulcastMode } from './publisher';
import {
  mayReconnectAfter,
  RECONNECT_ATTEMPT_TIMEOUT_MS,
  RECONNECT_GIVE_UP_MS,
  reconnectDelay,
} from './reconnection';
import { MeetingRecording } from './recording';
import { type Requester, SignalingClient, SignalingError, type SignalingErrorCode } from './signaling';
import { type RemoteTracks, Subscriber } from './subscriber';
import { VideoReception } from './video-reception';
import { VideoSizes } from './video-sizes';

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

const LEAVE_TIMEOUT_MS = 1000;
/** A failed media connection is recovered from by reconnecting at most this often. */
const MEDIA_RECOVERY_INTERVAL_MS = 60_000;
const MAX_NOTICES = 3;
/** Chat text read out when the panel is closed is cut to this many characters. */
const MAX_ANNOUNCED_CHAT = 140;

/**
 * One participation in one room: the signaling connection, the publish and subscribe connections
 * and the state the meeting screen shows. Created when the user clicks "Join"; done after leave.
 */
export class Meeting {
  readonly state = new Store<MeetingState>({
    phase: 'connecting',
    failure: null,
    endReason: null,
    endedBySelf: false,
    self: null,
    participants: [],
    remoteTracks: new Map(),
    screenTrack: null,
    connection: 'ok',
    announcement: null,
    mediaProblem: null,
    notices: [],
    settings: { passwordSet: false, lobbyEnabled: false, locked: false, chatHistory: false },
    lobby: [],
  });
  readonly chat: Chat;
  readonly moderation: Moderation;
  /** End-to-end encryption of media and chat (docs/e2ee.md). */
  readonly e2ee: E2eeSession;
  /** Raised hands and reactions. */
  readonly life: MeetingLife;
  /** Polls: kept and tallied in this browser only (conference/polls.ts). */
  readonly polls: Polls;
  private readonly stopWatchingPollMembers: () => void;
  /** Breakout rooms (conference/breakouts.ts). */
  readonly breakouts: Breakouts;
  /**
   * The room we are in now: `room` (the meeting's own), or one of its breakout rooms. Moves between
   * them go by a one-time grant (`breakout-move`), through the reconnection path.
   */
  private currentRoom: string;
  /** The move grant to use on the next `join` (set by `breakout-move`). */
  private moveGrant: string | null = null;
  /** Recording in this browser, with everyone's consent (recording.ts). */
  readonly recording: MeetingRecording;
  /** The sizes remote videos are shown at, for the SFU's layer choice. */
  readonly videoSizes: VideoSizes;
  /** How much of the others' video the SFU forwards to us (low-data mode, low-data.ts). */
  private readonly videoReception: VideoReception;
  private readonly stopWatchingLowData: () => void;

  private signaling: SignalingClient | null = null;
  private publisher: Publisher | null = null;
  private subscriber: Subscriber | null = null;
  private screenStream: MediaStream | null = null;
  /** Media changes (publish, mute, renegotiate) run one after another. */
  private mediaQueue: Promise<void> = Promise.resolve();
  private announcementId = 0;
  private certificate: Promise<RTCCertificate | null> = Promise.resolve(null);
  /** The subscribe connection, made while the server answers the join; started once admitted. */
  private preparedSubscriber: Promise<Subscriber | null> = Promise.resolve(null);
  /** Closed with the other connections if joining fails before it starts. */
  private unstartedSubscriber: Subscriber | null = null;
  /** Server offers that arrived before the subscribe connection existed; answered once it does. */
  private earlyOffers: EventOf<'subscriber-offer'>[] = [];
  private noticeId = 0;
  private endingBySelf = false;
  /** Lets us back in after a dropped connection (from `joined`, renewed by `resume-token`). */
  private resumeToken: string | null = null;
  /** The ICE servers and policy of the current admission, for restarting the media connections. */
  private ice: { servers: RTCIceServer[]; policy: EventOf<'joined'>['iceTransportPolicy'] } = {
    servers: [],
    policy: undefined,
  };
  /** True while getting back in after the connection dropped. */
  private reconnecting = false;
  /** When a failed media connection was last recovered from by reconnecting (epoch ms). */
  private lastMediaRecovery = 0;

  constructor(
    readonly room: string,
    readonly displayName: string,
    readonly local: LocalMedia,
    private readonly options: JoinOptions = {},
  ) {
    const request = this.request;
    this.currentRoom = room;
    this.breakouts = new Breakouts(request);
    this.chat = new Chat(
      request,
      () => this.current.self,
      (message) => {
        const text =
          message.text.length > MAX_ANNOUNCED_CHAT
            ? `${message.text.slice(0, MAX_ANNOUNCED_CHAT)}…`
            : message.text;
        const key = message.to ? 'chat.announcePrivate' : 'chat.announce';
        this.announce(t(key, { name: message.fromName, text }));
      },
    );
    this.moderation = new Moderation(request, (change) =>
      this.patch({ settings: { ...this.current.settings, ...change } }),
    );
    this.e2ee = new E2eeSession({
      request,
      room,
      leave: () => this.leave(),
      self: () => this.current.self,
      participants: () => this.current.participants,
      chatMessage: (message) => this.chat.receivedEncrypted(message),
      pollMessage: (sender, message) => this.polls.receive(sender, message, 'e2ee'),
      // Never send or show media in the clear in an encrypted meeting: this browser stops its media.
      refuse: () => {
        this.local.stop();
        this.publisher?.close();
        this.subscriber?.close();
      },
    });
    this.chat.encryptWith(() =>
      this.e2ee.chatEncrypted ? (text, to) => this.e2ee.sendChat(text, to) : null,
    );
    this.life = new MeetingLife(request, {
      selfId: () => this.current.self?.id ?? null,
      nameOf: (id) => this.current.participants.find((p) => p.id === id)?.displayName ?? null,
      notify: (key, params, announce) => this.notify(key, params, announce),
      announce: (text) => this.announce(text),
      translate: t,
    });
    this.polls = new Polls({
      selfId: () => this.current.self?.id ?? null,
      nameOf: (id) =>
        id === this.current.self?.id
          ? this.current.self.displayName
          : (this.current.participants.find((p) => p.id === id)?.displayName ?? null),
      // Under E2EE the sender is who MLS authenticated (docs/e2ee.md, _Polls_).
      isMember: (id, path) => path === 'e2ee' || this.current.participants.some((p) => p.id === id),
      // A moderator as the server says, or under E2EE one the group's policy names. Trusting the
      // server's word on roles costs nothing here: a poll reveals nothing, and the sender is still
      // authenticated; it lets a moderator who joined later (a breakout room, a return) run polls.
      mayLead: (id, path) =>
        (id === this.current.self?.id
          ? this.current.self.role === 'moderator'
          : this.current.participants.some((p) => p.id === id && p.role === 'moderator')) ||
        (path === 'e2ee' && this.e2ee.policyNames(id)),
      send: async (message, to) => {
        if (this.e2ee.chatEncrypted) await this.e2ee.sendPoll(message, to);
        else await request('poll-send', to ? { message, to } : { message });
      },
      notify: (key, params, announce) => this.notify(key, params, announce),
    });
    // A new member of the MLS group can read our messages from now on: our open polls again.
    let pollMembers = new Set<string>();
    this.stopWatchingPollMembers = this.e2ee.state.subscribe(() => {
      const members = this.e2ee.state.get().members;
      const added = members.some((id) => !pollMembers.has(id));
      pollMembers = new Set(members);
      if (added) this.polls.announce();
    });
    this.recording = new MeetingRecording(request, {
      room,
      selfId: () => this.current.self?.id ?? null,
      self: () => this.current.self,
      participants: () => this.current.participants,
      remoteTrack: (id, source) => this.current.remoteTracks.get(id)?.[source] ?? null,
      localTrack: (source) =>
        source === 'screen'
          ? this.current.screenTrack
          : source === 'camera'
            ? this.local.camera.on
              ? this.local.camera.track
              : null
            : this.local.mic.track,
      speaker: () => this.life.state.get().speakers[0] ?? this.life.state.get().lastSpeaker,
      nameOf: (id) => this.current.participants.find((p) => p.id === id)?.displayName ?? null,
      notify: (key, params, announce) => this.notify(key, params, announce),
    });
    this.videoSizes = new VideoSizes(request);
    this.videoReception = new VideoReception(request, () => this.phase() === 'joined');
    // "Send no video" switched on during the meeting turns the camera off.
    this.stopWatchingLowData = lowData.subscribe(() => {
      if (!lowData.get().sendVideo && this.local.camera.on && this.phase() === 'joined') this.toggleCamera();
    });
    // Background effect switched on or off while the camera runs: the new picture goes out on the
    // same sender (replaceTrack, no renegotiation; simulcast and E2EE carry on as before).
    local.onCameraReplaced((track) =>
      this.enqueueMedia(async () => {
        if (this.local.camera.track === track && this.publisher?.isPublished('camera'))
          await this.publisher.replaceTrack('camera', track);
      }),
    );
  }

  private get current(): MeetingState {
    return this.state.get();
  }

  /** A call rather than a property, so TypeScript does not narrow it across awaits. */
  private phase(): MeetingPhase {
    return this.state.get().phase;
  }

  /** The lobby as it is now; moderators hear about each person who started knocking. */
  private lobbyIs(entries: readonly LobbyEntry[]): void {
    const arrivals = newArrivals(this.current.lobby, entries);
    this.patch({ lobby: entries });
    if (arrivals.length === 1) this.notify('lobby.knocking', { name: arrivals[0]?.displayName ?? '' }, true);
    else if (arrivals.length > 1) this.notify('lobby.knockingMany', { count: arrivals.length }, true);
  }

  private patch(change: Partial<MeetingState>): void {
    this.state.update((state) => ({ ...state, ...change }));
  }

  /**
   * Connects and asks to join. Resolves once the server answered (`joined`, `waiting-for-host` or
   * `lobby`); on failure the phase becomes `failed` with a reason.
   */
  async join(): Promise<void> {
    // Made while the socket opens, so the connections can start the moment we are admitted.
    this.certificate = generateCertificate();
    // The simulcast feature check, answered before the first publish needs it.
    void simulcastMode();
    let signaling: SignalingClient;
    try {
      signaling = await SignalingClient.connect();
    } catch {
      this.fail('unreachable', '');
      return;
    }
    if (this.phase() !== 'connecting') {
      signaling.close();
      return;
    }
    this.signaling = signaling;
    this.listen(signaling);
    this.preparedSubscriber = this.certificate.then((certificate) =>
      this.prepareSubscriber(signaling, certificate),
    );
    try {
      const { password, invitation } = this.options;
      const { status } = await signaling.request('join', {
        ...this.joinRequest(),
        ...(password !== undefined && { password }),
        ...(invitation !== undefined && { invitation }),
      });
      if (status !== 'joined' && this.phase() === 'connecting') this.patch({ phase: status });
    } catch (error) {
      if (this.phase() === 'joined') return;
      const failure = error instanceof SignalingError ? error : new SignalingError('internal', '');
      this.fail(
        failure.code === 'disconnected' ? 'unreachable' : failure.code,
        failure.message,
        failure.retryAfterSeconds,
      );
    }
  }

  /** What every `join` of this participation says: who we are and what this browser can do. */
  private joinRequest() {
    const { clientKey } = this.options;
    return {
      protocolVersion: PROTOCOL_VERSION,
      room: this.currentRoom,
      displayName: this.displayName,
      ...(clientKey !== undefined && { clientKey }),
      e2ee: this.e2ee.state.get().supported,
    };
  }

  /**
   * The connection dropped while we were in the meeting: get back in on our own. Both media
   * connections close at once; then, backing off (reconnection.ts), a new socket sends `join` with
   * the resume token — straight back in with our role, no password or lobby — and our current
   * microphone, camera and screen are published again. Chat stays on screen; a raised hand is raised
   * again. After RECONNECT_GIVE_UP_MS (or a refusal) the person is offered "Rejoin".
   */
  private async reconnect(moving = false): Promise<void> {
    if (this.reconnecting || this.phase() !== 'joined') return;
    this.reconnecting = true;
    const handRaised = this.life.handRaised && !moving;
    // The banner this shows is a live region of its own: screen readers hear it without an announcement.
    this.patch({ connection: 'reconnecting', remoteTracks: new Map() });
    this.dropConnections();
    if (moving) this.e2ee.moved(this.currentRoom);
    else this.e2ee.rejoin();
    const started = Date.now();
    let outcome: 'joined' | 'retry' | 'refused' | 'left' = 'retry';
    for (let attempt = 0; outcome === 'retry'; attempt++) {
      // A move goes at once; a dropped connection backs off.
      const delay = moving && attempt === 0 ? 0 : reconnectDelay(attempt);
      if (Date.now() - started + delay > RECONNECT_GIVE_UP_MS) break;
      await new Promise((resolve) => setTimeout(resolve, delay));
      outcome = this.phase() === 'joined' ? await this.rejoinOnce() : 'left';
    }
    this.reconnecting = false;
    if (outcome === 'left' || this.phase() !== 'joined') return;
    if (outcome !== 'joined') {
      this.dropConnections();
      this.patch({ connection: 'signaling-lost' });
      return;
    }
    // Dropped again at once (while this attempt was wrapping up): start over.
    if (!this.signaling?.isOpen) {
      void this.reconnect();
      return;
    }
    this.patch({ connection: 'ok' });
    const here = this.breakouts.state.get().here;
    this.announce(
      moving
        ? here
          ? t('breakout.movedTo', { name: here.name })
          : t('breakout.movedBack')
        : t('meeting.reconnected'),
    );
    if (handRaised) this.life.setHand(true).catch(() => undefined);
  }

  /** One attempt to get back in: a new socket, `join` with the resume token. */
  private async rejoinOnce(): Promise<'joined' | 'retry' | 'refused' | 'left'> {
    let signaling: SignalingClient;
    try {
      signaling = await SignalingClient.connect(undefined, RECONNECT_ATTEMPT_TIMEOUT_MS);
    } catch {
      return 'retry';
    }
    if (this.phase() !== 'joined') {
      signaling.close();
      return 'left';
    }
    this.signaling = signaling;
    this.listen(signaling);
    this.preparedSubscriber = this.certificate.then((certificate) =>
      this.prepareSubscriber(signaling, certificate),
    );
    try {
      const resume = this.resumeToken;
      const grant = this.moveGrant;
      this.moveGrant = null;
      const { status } = await signaling.request('join', {
        ...this.joinRequest(),
        ...(grant !== null ? { grant } : resume !== null && { resume }),
      });
      // The `joined` event came before this answer; anything else means the door is shut for us.
      if (status === 'joined' && this.signaling === signaling) return 'joined';
      // Everyone had left (or the server restarted): the meeting waits for a moderator to reopen it,
      // and we come back in with them.
      if (
        status === 'waiting-for-host' &&
        this.signaling === signaling &&
        (await this.admittedLater(signaling))
      )
        return 'joined';
      if (this.signaling === signaling) this.dropConnections();
      return 'refused';
    } catch (error) {
      if (this.signaling === signaling) this.dropConnections();
      const code = error instanceof SignalingError ? error.code : 'internal';
      return code === 'disconnected' || code === 'internal' || code === 'rate-limited' ? 'retry' : 'refused';
    }
  }

  /** Resolves true once `joined` arrives on this socket, false if it closes or too long passes first. */
  private admittedLater(signaling: SignalingClient): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (admitted: boolean) => {
        offJoined();
        offClose();
        clearTimeout(timer);
        resolve(admitted);
      };
      const offJoined = signaling.on('joined', () => done(true));
      const offClose = signaling.onClose(() => done(false));
      const timer = setTimeout(() => done(false), RECONNECT_GIVE_UP_MS);
    });
  }

  /**
   * The server's media for this meeting restarted (`media-restart`): both media connections are
   * made again and everything published again; signaling, role and meeting state stay as they are.
   */
  private restartMedia(signaling: SignalingClient): void {
    if (this.phase() !== 'joined' || this.signaling !== signaling || this.reconnecting) return;
    this.closeMedia();
    this.patch({ remoteTracks: new Map() });
    this.preparedSubscriber = this.certificate.then((certificate) =>
      this.prepareSubscriber(signaling, certificate),
    );
    void this.startMedia(signaling);
  }

  /** Leaves the meeting and frees camera, microphone and connections. */
  leave(): void {
    const phase = this.phase();
    if (phase === 'left' || phase === 'ended' || phase === 'failed') return;
    this.patch({ phase: 'left' });
    const signaling = this.signaling;
    this.signaling = null;
    this.local.stop();
    this.closeConnections();
    if (signaling?.isOpen) {
      const done = () => signaling.close();
      const timer = setTimeout(done, LEAVE_TIMEOUT_MS);
      signaling
        .request('leave', {})
        .catch(() => undefined)
        .finally(() => {
          clearTimeout(timer);
          done();
        });
    }
  }

  /** Gives up joining (stops waiting for the host or knocking) but keeps the devices for the pre-join screen. */
  abort(): void {
    this.patch({ phase: 'left' });
    this.closeConnections();
  }

  /** Frees everything without telling the server (it notices the closed socket). */
  dispose(): void {
    this.life.dispose();
    this.polls.dispose();
    this.stopWatchingPollMembers();
    this.recording.dispose();
    this.videoSizes.dispose();
    this.videoReception.dispose();
    this.stopWatchingLowData();
    this.local.stop();
    this.closeConnections();
  }

  /** Statistics of the connection that receives everyone's media; null before it exists. */
  receiveStats(): Promise<RTCStatsReport | null> {
    return this.subscriber ? this.subscriber.stats() : Promise.resolve(null);
  }

  /** Moderators: ends the meeting for everyone. */
  async endMeeting(): Promise<void> {
    this.endingBySelf = true;
    try {
      await this.request('end-meeting', {});
    } catch (error) {
      this.endingBySelf = false;
      throw error;
    }
    this.close('ended');
  }

  /** While hard-muted: asks the moderators to be allowed to unmute. */
  async requestUnmute(): Promise<void> {
    await this.request('request-unmute', {});
    const self = this.current.self;
    if (self?.hardMuted) this.patch({ self: { ...self, unmuteRequested: true } });
    this.notify('moderation.unmuteRequested', undefined, true);
  }

  dismissNotice(id: number): void {
    this.patch({ notices: this.current.notices.filter((notice) => notice.id !== id) });
  }

  toggleMic(): void {
    const on = !this.local.mic.on;
    // A moderator muted us with "ask to unmute": the microphone button asks instead of unmuting.
    if (on && this.current.self?.hardMuted) {
      if (!this.current.self.unmuteRequested) this.requestUnmute().catch(() => undefined);
      return;
    }
    void this.local.setMicOn(on).then((track) => {
      this.reportProblem('mic', on && !track ? this.local.mic.problem : null);
      this.enqueueMedia(async () => {
        const publisher = this.publisher;
        if (!publisher || !track) return;
        if (publisher.isPublished('mic')) {
          await this.setMuted('mic', !this.local.mic.on);
        } else if (on) {
          const sent = (await this.local.micToSend()) ?? track;
          if (publisher.publish('mic', sent, this.local.stream)) await publisher.negotiate();
        }
      });
    });
  }

  /** Noise suppression on or off; a microphone being sent is swapped in place (no renegotiation). */
  setNoiseSuppression(on: boolean): void {
    // The choice holds even while reconnecting; publishing afterwards sends the right track.
    const next = this.local.setNoiseSuppression(on);
    this.enqueueMedia(async () => {
      const track = await next;
      if (track && this.publisher?.isPublished('mic')) await this.publisher.replaceTrack('mic', track);
    });
  }

  toggleCamera(): void {
    const on = !this.local.camera.on;
    // Switching the camera on ends "send no video" (low-data mode).
    if (on && !lowData.get().sendVideo) setLowData({ sendVideo: true });
    this.enqueueMedia(async () => {
      const publisher = this.publisher;
      if (!on) {
        await this.local.setCameraOn(false);
        if (publisher?.isPublished('camera')) {
          await publisher.replaceTrack('camera', null);
          await this.setMuted('camera', true);
        }
        return;
      }
      const track = await this.local.setCameraOn(true);
      this.reportProblem('camera', track ? null : this.local.camera.problem);
      if (!publisher || !track) return;
      if (publisher.isPublished('camera')) {
        await publisher.replaceTrack('camera', track);
        await this.setMuted('camera', false);
      } else if (publisher.publish('camera', track, this.local.stream)) {
        await publisher.negotiate();
      }
    });
  }

  toggleScreen(): void {
    if (this.current.screenTrack) {
      this.stopScreen();
      return;
    }
    // Asked right away: the browser allows screen capture only close to the click.
    void captureScreen().then(({ stream, problem }) => {
      const video = stream.getVideoTracks()[0];
      if (!video || this.phase() !== 'joined') {
        for (const track of stream.getTracks()) track.stop();
        // Cancelling the browser's picker is not a problem worth a message.
        this.reportProblem('screen', problem === 'denied' || problem === null ? null : problem);
        return;
      }
      this.reportProblem('screen', null);
      this.screenStream = stream;
      this.patch({ screenTrack: video });
      // The browser's own "Stop sharing" button ends the track.
      video.addEventListener('ended', () => {
        if (this.current.screenTrack === video) this.stopScreen();
      });
      const audio = stream.getAudioTracks()[0];
      this.enqueueMedia(async () => {
        const publisher = this.publisher;
        if (!publisher || this.current.screenTrack !== video) return;
        let changed = publisher.publish('screen', video, stream);
        if (audio) changed = publisher.publish('screen-audio', audio, stream) || changed;
        if (changed) await publisher.negotiate();
      });
    });
  }

  dismissMediaProblem(): void {
    this.patch({ mediaProblem: null });
  }

  private stopScreen(): void {
    for (const track of this.screenStream?.getTracks() ?? []) track.stop();
    this.screenStream = null;
    this.patch({ screenTrack: null });
    this.enqueueMedia(async () => {
      const publisher = this.publisher;
      if (!publisher || this.current.screenTrack) return;
      const screen = publisher.unpublish('screen');
      const audio = publisher.unpublish('screen-audio');
      if (screen || audio) await publisher.negotiate();
    });
  }

  private listen(signaling: SignalingClient): void {
    this.e2ee.listen(signaling);
    signaling.on('joined', (event) => {
      // Back in after a dropped connection: a recording we made ended with our old connection; what
      // runs now comes with the next event.
      this.recording.rejoined();
      void this.handleJoined(event);
    });
    signaling.on('participant-joined', ({ participant }) => {
      if (participant.id === this.current.self?.id) return;
      const others = this.current.participants.filter((p) => p.id !== participant.id);
      this.patch({ participants: [...others, participant] });
      this.notify('meeting.joinedAnnouncement', { name: participant.displayName }, true);
      if (!this.e2ee.chatEncrypted) this.polls.announce();
    });
    signaling.on('participant-updated', ({ participant }) => {
      const self = this.current.self;
      if (participant.id === self?.id) {
        this.selfUpdated(self, participant);
        return;
      }
      this.patch({
        participants: this.current.participants.map((p) => (p.id === participant.id ? participant : p)),
      });
    });
    signaling.on('participant-left', ({ participantId }) => {
      const leaving = this.current.participants.find((p) => p.id === participantId);
      if (!leaving) return;
      const remoteTracks = new Map(this.current.remoteTracks);
      remoteTracks.delete(participantId);
      this.patch({
        participants: this.current.participants.filter((p) => p.id !== participantId),
        remoteTracks,
      });
      this.notify('meeting.leftAnnouncement', { name: leaving.displayName }, true);
      this.life.forget(participantId);
      this.polls.left(participantId);
      this.recording.forget(participantId);
      this.videoSizes.forget(participantId);
    });
    signaling.on('subscriber-offer', (event) => {
      if (this.subscriber) this.subscriber.handleOffer(event).catch(() => this.mediaLost());
      else this.earlyOffers.push(event);
    });
    signaling.on('room-closed', ({ reason }) => {
      if (this.phase() === 'lobby') this.fail('ended-while-waiting', '');
      // The server is going down (restart, or its node drains): the socket closes next, and we come
      // back on our own (to it once restarted, or to the node that takes the meeting over).
      else if (reason === 'server-shutdown' && this.phase() === 'joined' && this.resumeToken !== null) return;
      else this.close(reason);
    });
    signaling.on('removed', () => this.close('removed'));
    signaling.on('join-denied', ({ reason }) => {
      this.fail(reason === 'ended' ? 'ended-while-waiting' : reason, '');
    });
    signaling.on('settings-updated', ({ settings }) => this.patch({ settings }));
    signaling.on('lobby-updated', ({ entries }) => this.lobbyIs(entries));
    // The server sends only what changed; the whole queue came with lobby-updated.
    signaling.on('lobby-changed', ({ added, removed }) => {
      const gone = new Set(removed);
      const kept = this.current.lobby.filter((entry) => !gone.has(entry.id));
      const known = new Set(kept.map((entry) => entry.id));
      this.lobbyIs([...kept, ...added.filter((entry) => !known.has(entry.id))]);
    });
    signaling.on('muted-by-moderator', ({ hard }) => this.mutedByModerator(hard));
    signaling.on('unmute-allowed', () => {
      const self = this.current.self;
      if (self) this.patch({ self: { ...self, hardMuted: false, unmuteRequested: false } });
      this.notify('moderation.unmuteAllowed', undefined, true);
    });
    signaling.on('chat-message', (event) => this.chat.handle(event));
    signaling.on('chat-deleted', (event) => this.chat.handle(event));
    signaling.on('chat-cleared', (event) => this.chat.handle(event));
    // Without E2EE only: in an encrypted meeting the server's word on a poll's sender counts for nothing.
    signaling.on('poll-message', (event) => {
      if (!this.e2ee.chatEncrypted) this.polls.receive(event.from, event.message, 'server');
    });
    signaling.on('hands-updated', (event) => this.life.handsUpdated(event));
    signaling.on('reaction', (event) => this.life.reacted(event));
    signaling.on('active-speakers', (event) => this.life.activeSpeakers(event));
    signaling.on('recording-state', (event) => this.recording.stateUpdated(event));
    signaling.on('recording-consent-requested', (event) => this.recording.consentRequested(event));
    signaling.on('resume-token', ({ token }) => {
      this.resumeToken = token;
    });
    signaling.on('media-restart', () => this.restartMedia(signaling));
    signaling.on('breakout-state', (event) => this.breakouts.handle(event));
    signaling.on('breakout-message', (event) => {
      this.breakouts.handle(event);
      this.announce(t('breakout.messageAnnounce', { name: event.from, text: event.text }));
    });
    signaling.on('breakout-warning', (event) => {
      this.breakouts.handle(event);
      this.notify('breakout.warning', { seconds: event.secondsLeft }, true);
    });
    signaling.on('breakout-help', (event) => {
      this.breakouts.handle(event);
      this.notify('breakout.helpAnnounce', { name: event.from, room: event.roomName }, true);
    });
    signaling.on('breakout-move', (event) => this.move(signaling, event));
    signaling.onClose(({ code }) => {
      // A socket we already replaced (or that a reconnection attempt gave up on) says nothing.
      if (this.signaling !== signaling) return;
      const phase = this.phase();
      if (phase === 'joined') {
        if (this.resumeToken !== null && mayReconnectAfter(code)) void this.reconnect();
        else this.patch({ connection: 'signaling-lost' });
      } else if (phase === 'connecting' || phase === 'waiting-for-host' || phase === 'lobby')
        this.fail('unreachable', '');
    });
  }

  /**
   * Move to a breakout room or back (`breakout-move`): leave this room and join the other as a new
   * participant with the grant, the way a dropped connection comes back (devices stay on, media
   * connect anew, E2EE joins that room's own group). The chat starts empty: each room has its own.
   */
  private move(signaling: SignalingClient, event: EventOf<'breakout-move'>): void {
    if (this.signaling !== signaling || this.phase() !== 'joined' || this.reconnecting) return;
    this.currentRoom = event.room;
    this.moveGrant = event.grant;
    this.resumeToken = null;
    this.breakouts.moving(event.breakout);
    this.chat.start([]);
    this.patch({ participants: [], lobby: [] });
    void this.reconnect(true);
  }

  /** Our own participant changed on the server: role, hard mute, unmute request. */
  private selfUpdated(before: ParticipantInfo, after: ParticipantInfo): void {
    this.patch({ self: after, ...(after.role !== 'moderator' && { lobby: [] }) });
    if (before.role !== after.role)
      this.notify(after.role === 'moderator' ? 'moderation.promoted' : 'moderation.demoted', undefined, true);
  }

  /** A moderator muted us: the microphone really goes off here too, not only at the server. */
  private mutedByModerator(hard: boolean): void {
    const self = this.current.self;
    if (hard && self) this.patch({ self: { ...self, hardMuted: true, unmuteRequested: false } });
    void this.local.setMicOn(false);
    this.enqueueMedia(async () => {
      if (this.publisher?.isPublished('mic')) await this.setMuted('mic', true);
    });
    this.notify(hard ? 'moderation.mutedHard' : 'moderation.muted', undefined, true);
  }

  private async handleJoined(event: EventOf<'joined'>): Promise<void> {
    const signaling = this.signaling;
    const phase = this.phase();
    const entering = phase === 'connecting' || phase === 'waiting-for-host' || phase === 'lobby';
    const returning = phase === 'joined' && this.reconnecting;
    if (!signaling || !(entering || returning)) return;
    this.resumeToken = event.resumeToken;
    this.ice = { servers: event.iceServers.map(toRtcIceServer), policy: event.iceTransportPolicy };
    // Coming back we are a new participant: the others' ids may have changed too (they are told
    // about us as a newcomer). The chat on screen stays.
    for (const participant of this.current.participants) this.videoSizes.forget(participant.id);
    this.patch({
      phase: 'joined',
      self: event.self,
      participants: event.participants,
      settings: event.settings,
    });
    if (entering) this.chat.start(event.chatHistory);
    await this.startMedia(signaling);
  }

  /** Starts both media connections of an admission on `signaling` and publishes what is on. */
  private async startMedia(signaling: SignalingClient): Promise<void> {
    const certificate = await this.certificate;
    const subscriber = await this.preparedSubscriber;
    if (!subscriber || this.phase() !== 'joined' || this.signaling !== signaling) return;
    const iceServers = this.ice.servers;
    const policy = this.ice.policy;
    // The low-data choice goes first: the server then forwards no video we do not want.
    this.videoReception.started();
    // Receiving first: the subscribe connection needs nothing from the local devices.
    this.subscriber = subscriber;
    this.unstartedSubscriber = null;
    subscriber.start(iceServers, policy).catch(() => this.mediaLost());
    for (const offer of this.earlyOffers.splice(0))
      this.subscriber.handleOffer(offer).catch(() => this.mediaLost());
    this.publisher = new Publisher(signaling, connectionConfig(iceServers, certificate, policy), {
      onFailed: () => this.mediaLost(),
      attachSender: (sender, kind, source) => this.e2ee.attachSender(sender, kind, source),
    });
    this.enqueueMedia(() => this.publishCurrent());
  }

  private prepareSubscriber(
    signaling: SignalingClient,
    certificate: RTCCertificate | null,
  ): Subscriber | null {
    if (this.signaling !== signaling) return null;
    const subscriber = new Subscriber(signaling, connectionConfig([], certificate), {
      onTracks: (remoteTracks) => this.patch({ remoteTracks }),
      onFailed: () => this.mediaLost(),
      attachReceiver: (receiver) => this.e2ee.attachReceiver(receiver),
      receiverRouted: (receiver, owner) => this.e2ee.receiverRouted(receiver, owner),
    });
    subscriber.prepare();
    this.unstartedSubscriber = subscriber;
    return subscriber;
  }

  /**
   * Publishes the microphone (muted or not), the camera (if on) and a running screen share once the
   * devices answered: at first, and again after a reconnection or a media restart.
   */
  private async publishCurrent(): Promise<void> {
    await this.local.ready;
    // "Send no video" (low-data mode) starts the pre-join camera off (room-page.tsx); switched on
    // there anyway, it was the person's choice: sending video is allowed again.
    if (!lowData.get().sendVideo && this.local.camera.on) setLowData({ sendVideo: true });
    const publisher = this.publisher;
    if (!publisher) return;
    await publisher.prepared();
    if (this.publisher !== publisher) return;
    const { camera } = this.local;
    let changed = false;
    const micTrack = await this.local.micToSend();
    if (this.publisher !== publisher) return;
    if (micTrack) changed = publisher.publish('mic', micTrack, this.local.stream) || changed;
    if (camera.track && camera.on)
      changed = publisher.publish('camera', camera.track, this.local.stream) || changed;
    const screen = this.current.screenTrack;
    const screenStream = this.screenStream;
    if (screen && screenStream) {
      changed = publisher.publish('screen', screen, screenStream) || changed;
      const audio = screenStream.getAudioTracks()[0];
      if (audio) changed = publisher.publish('screen-audio', audio, screenStream) || changed;
    }
    if (!changed) return;
    // The offer says which sources start muted, so nobody sees a muted microphone as open.
    await publisher.negotiate();
  }

  private async setMuted(source: TrackSource, muted: boolean): Promise<void> {
    try {
      await this.signaling?.request('set-muted', { source, muted });
    } catch (error) {
      // Hard-muted in the meantime: stay muted instead of treating it as a broken connection.
      if (error instanceof SignalingError && error.code === 'unmute-not-allowed') {
        void this.local.setMicOn(false);
        const self = this.current.self;
        if (self) this.patch({ self: { ...self, hardMuted: true } });
        return;
      }
      throw error;
    }
  }

  /** A request on the signaling connection; rejects with `disconnected` when there is none. */
  private request: Requester = (type, payload) => {
    const signaling = this.signaling;
    if (!signaling) return Promise.reject(new SignalingError('disconnected', ''));
    return signaling.request(type, payload);
  };

  private enqueueMedia(step: () => Promise<void>): void {
    this.mediaQueue = this.mediaQueue
      .then(() => (this.phase() === 'joined' ? step() : undefined))
      .catch(() => {
        // A failed negotiation leaves the publish connection unusable; treat it as a lost connection.
        if (this.phase() === 'joined' && this.signaling?.isOpen) this.mediaLost();
      });
  }

  /**
   * A media connection failed here (ICE or DTLS, or a negotiation): come back in through a new
   * connection, as after a dropped socket — once a minute at most, so a network that keeps failing
   * (UDP blocked midway) ends with the banner instead of a loop.
   */
  private mediaLost(): void {
    if (this.phase() !== 'joined' || this.current.connection !== 'ok') return;
    const now = Date.now();
    if (this.resumeToken !== null && now - this.lastMediaRecovery > MEDIA_RECOVERY_INTERVAL_MS) {
      this.lastMediaRecovery = now;
      void this.reconnect();
      return;
    }
    this.patch({ connection: 'media-lost' });
  }

  private reportProblem(device: 'mic' | 'camera' | 'screen', problem: MediaProblem | null): void {
    if (problem) this.patch({ mediaProblem: { device, problem } });
    else if (this.current.mediaProblem?.device === device) this.patch({ mediaProblem: null });
  }

  private announce(text: string): void {
    this.patch({ announcement: { id: ++this.announcementId, text } });
  }

  /** Shows a toast; `announce` also reads it out to screen-reader users. */
  private notify(key: MessageKey, params?: Params, announce = false): void {
    const notice: Notice = params ? { id: ++this.noticeId, key, params } : { id: ++this.noticeId, key };
    this.patch({ notices: [...this.current.notices, notice].slice(-MAX_NOTICES) });
    if (announce) this.announce(t(key, params));
  }

  /** Joining did not work out; the local devices stay on for the pre-join screen's next try. */
  private fail(reason: JoinFailure, message: string, retryAfterSeconds?: number): void {
    const phase = this.phase();
    if (phase !== 'connecting' && phase !== 'waiting-for-host' && phase !== 'lobby') return;
    const failure =
      retryAfterSeconds === undefined ? { reason, message } : { reason, message, retryAfterSeconds };
    this.patch({ phase: 'failed', failure });
    this.closeConnections();
  }

  /** The meeting is over for us: ended for everyone, or a moderator removed us. */
  private close(reason: EndReason): void {
    const phase = this.phase();
    if (phase === 'left' || phase === 'ended' || phase === 'failed') return;
    this.patch({ phase: 'ended', endReason: reason, endedBySelf: reason === 'ended' && this.endingBySelf });
    this.dispose();
  }

  private closeConnections(): void {
    // Leaving (or put out) while recording: the file is finished and saved on this device.
    this.recording.dispose();
    this.e2ee.close();
    for (const track of this.screenStream?.getTracks() ?? []) track.stop();
    this.screenStream = null;
    this.dropConnections();
  }

  /** Closes the signaling and both media connections; devices, screen share and E2EE worker stay. */
  private dropConnections(): void {
    this.closeMedia();
    const signaling = this.signaling;
    this.signaling = null;
    signaling?.close();
  }

  private closeMedia(): void {
    this.publisher?.close();
    this.subscriber?.close();
    this.unstartedSubscriber?.close();
    this.unstartedSubscriber = null;
    this.publisher = null;
    this.subscriber = null;
    this.earlyOffers = [];
  }
}

function toRtcIceServer(server: IceServer): RTCIceServer {
  const result: RTCIceServer = { urls: server.urls };
  if (server.username !== undefined) result.username = server.username;
  if (server.credential !== undefined) result.credential = server.credential;
  return result;
}
