import { type EventOf, PROTOCOL_VERSION } from '@parley/protocol';
import type { E2eeSession } from '../e2ee/e2ee-session';
import type { Breakouts } from './breakouts';
import type { Chat } from './chat';
import type { LocalMedia } from './local-media';
import { listenToServer } from './meeting-events';
import { MeetingFeatures } from './meeting-features';
import type { MeetingLife } from './meeting-life';
import { MeetingMedia } from './meeting-media';
import { type EndReason, type JoinFailure, type JoinOptions, MeetingScreen } from './meeting-state';
import type { Moderation } from './moderation';
import type { Polls } from './polls';
import { simulcastMode } from './publisher';
import type { MeetingRecording } from './recording';
import { Rejoin } from './rejoin';
import { type Requester, SignalingClient, SignalingError } from './signaling';
import type { VideoReception } from './video-reception';
import type { VideoSizes } from './video-sizes';

export type {
  Announcement,
  EndReason,
  JoinFailure,
  JoinOptions,
  MeetingPhase,
  MeetingState,
  Notice,
} from './meeting-state';

const LEAVE_TIMEOUT_MS = 1000;

/**
 * One participation in one room: the signaling connection, the publish and subscribe connections
 * and the state the meeting screen shows. Created when the user clicks "Join"; done after leave.
 */
export class Meeting {
  private readonly screen = new MeetingScreen();
  readonly state = this.screen.store;
  private readonly media: MeetingMedia;
  private readonly features: MeetingFeatures;
  readonly chat: Chat;
  readonly moderation: Moderation;
  /** End-to-end encryption of media and chat (docs/e2ee.md). */
  readonly e2ee: E2eeSession;
  /** Raised hands and reactions. */
  readonly life: MeetingLife;
  /** Polls: kept and tallied in this browser only (conference/polls.ts). */
  readonly polls: Polls;
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

  private signaling: SignalingClient | null = null;
  private endingBySelf = false;
  /** Lets us back in after a dropped connection (from `joined`, renewed by `resume-token`). */
  private resumeToken: string | null = null;
  private readonly rejoin: Rejoin;

  constructor(
    readonly room: string,
    readonly displayName: string,
    readonly local: LocalMedia,
    private readonly options: JoinOptions = {},
  ) {
    const request = this.request;
    this.currentRoom = room;
    this.media = new MeetingMedia(local, this.screen, {
      signaling: () => this.signaling,
      e2ee: () => this.e2ee,
      mediaLost: () => this.rejoin.mediaLost(),
      requestUnmute: () => this.requestUnmute(),
      receptionStarted: () => this.videoReception.started(),
    });
    const features = new MeetingFeatures({
      room,
      request,
      local,
      screen: this.screen,
      leave: () => this.leave(),
      refuseMedia: () => this.media.refuse(),
    });
    this.features = features;
    ({
      chat: this.chat,
      moderation: this.moderation,
      e2ee: this.e2ee,
      life: this.life,
      polls: this.polls,
      breakouts: this.breakouts,
      recording: this.recording,
      videoSizes: this.videoSizes,
      videoReception: this.videoReception,
    } = features);
    this.rejoin = new Rejoin({
      screen: this.screen,
      features,
      currentRoom: () => this.currentRoom,
      signaling: () => this.signaling,
      use: (signaling) => {
        this.signaling = signaling;
        this.listen(signaling);
        this.media.prepare(signaling);
      },
      comeBackRequest: () => {
        const resume = this.resumeToken;
        const grant = this.moveGrant;
        this.moveGrant = null;
        return { ...this.joinRequest(), ...(grant !== null ? { grant } : resume !== null && { resume }) };
      },
      hasResumeToken: () => this.resumeToken !== null,
      dropConnections: () => this.dropConnections(),
    });
  }

  /**
   * Connects and asks to join. Resolves once the server answered (`joined`, `waiting-for-host` or
   * `lobby`); on failure the phase becomes `failed` with a reason.
   */
  async join(): Promise<void> {
    // Made while the socket opens, so the connections can start the moment we are admitted.
    this.media.newCertificate();
    // The simulcast feature check, answered before the first publish needs it.
    void simulcastMode();
    let signaling: SignalingClient;
    try {
      signaling = await SignalingClient.connect();
    } catch {
      this.fail('unreachable', '');
      return;
    }
    if (this.screen.phase() !== 'connecting') {
      signaling.close();
      return;
    }
    this.signaling = signaling;
    this.listen(signaling);
    this.media.prepare(signaling);
    try {
      const { password, invitation } = this.options;
      const { status } = await signaling.request('join', {
        ...this.joinRequest(),
        ...(password !== undefined && { password }),
        ...(invitation !== undefined && { invitation }),
      });
      if (status !== 'joined' && this.screen.phase() === 'connecting') this.screen.patch({ phase: status });
    } catch (error) {
      if (this.screen.phase() === 'joined') return;
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
   * The server's media for this meeting restarted (`media-restart`): both media connections are
   * made again and everything published again; signaling, role and meeting state stay as they are.
   */
  private restartMedia(signaling: SignalingClient): void {
    if (this.screen.phase() !== 'joined' || this.signaling !== signaling || this.rejoin.isRunning) return;
    this.media.close();
    this.screen.patch({ remoteTracks: new Map(), unplayableVideo: new Map(), pausedVideo: new Map() });
    this.media.prepare(signaling);
    void this.media.start(signaling);
  }

  /** Leaves the meeting and frees camera, microphone and connections. */
  leave(): void {
    const phase = this.screen.phase();
    if (phase === 'left' || phase === 'ended' || phase === 'failed') return;
    this.screen.patch({ phase: 'left' });
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
    this.screen.patch({ phase: 'left' });
    this.closeConnections();
  }

  /** Frees everything without telling the server (it notices the closed socket). */
  dispose(): void {
    this.features.dispose();
    this.media.dispose();
    this.local.stop();
    this.closeConnections();
  }

  /** Statistics of the connection that receives everyone's media; null before it exists. */
  receiveStats(): Promise<RTCStatsReport | null> {
    return this.media.receiveStats();
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
    const self = this.screen.current.self;
    if (self?.hardMuted) this.screen.patch({ self: { ...self, unmuteRequested: true } });
    this.screen.notify('moderation.unmuteRequested', undefined, true);
  }

  dismissNotice(id: number): void {
    this.screen.dismissNotice(id);
  }

  toggleMic(): void {
    this.media.toggleMic();
  }

  /** Noise suppression on or off; a microphone being sent is swapped in place (no renegotiation). */
  setNoiseSuppression(on: boolean): void {
    this.media.setNoiseSuppression(on);
  }

  toggleCamera(): void {
    this.media.toggleCamera();
  }

  toggleScreen(): void {
    this.media.toggleScreen();
  }

  dismissMediaProblem(): void {
    this.screen.patch({ mediaProblem: null });
  }

  private listen(signaling: SignalingClient): void {
    listenToServer(signaling, {
      features: this.features,
      screen: this.screen,
      media: this.media,
      isCurrent: (current) => this.signaling === current,
      joined: (event) => void this.handleJoined(event),
      fail: (reason, message) => this.fail(reason, message),
      close: (reason) => this.close(reason),
      hasResumeToken: () => this.resumeToken !== null,
      setResumeToken: (token) => {
        this.resumeToken = token;
      },
      restartMedia: (current) => this.restartMedia(current),
      move: (current, event) => this.move(current, event),
      reconnect: () => void this.rejoin.reconnect(),
    });
  }

  /**
   * Move to a breakout room or back (`breakout-move`): leave this room and join the other as a new
   * participant with the grant, the way a dropped connection comes back (devices stay on, media
   * connect anew, E2EE joins that room's own group). The chat starts empty: each room has its own.
   */
  private move(signaling: SignalingClient, event: EventOf<'breakout-move'>): void {
    if (this.signaling !== signaling || this.screen.phase() !== 'joined' || this.rejoin.isRunning) return;
    this.currentRoom = event.room;
    this.moveGrant = event.grant;
    this.resumeToken = null;
    this.breakouts.moving(event.breakout);
    this.chat.start([]);
    this.screen.patch({ participants: [], lobby: [] });
    void this.rejoin.reconnect(true);
  }

  private async handleJoined(event: EventOf<'joined'>): Promise<void> {
    const signaling = this.signaling;
    const phase = this.screen.phase();
    const entering = phase === 'connecting' || phase === 'waiting-for-host' || phase === 'lobby';
    const returning = phase === 'joined' && this.rejoin.isRunning;
    if (!signaling || !(entering || returning)) return;
    this.resumeToken = event.resumeToken;
    this.media.admitted(event);
    // Coming back we are a new participant: the others' ids may have changed too (they are told
    // about us as a newcomer). The chat on screen stays.
    for (const participant of this.screen.current.participants) this.videoSizes.forget(participant.id);
    this.screen.patch({
      phase: 'joined',
      self: event.self,
      participants: event.participants,
      settings: event.settings,
    });
    if (entering) this.chat.start(event.chatHistory);
    await this.media.start(signaling);
  }

  /** A request on the signaling connection; rejects with `disconnected` when there is none. */
  private request: Requester = (type, payload) => {
    const signaling = this.signaling;
    if (!signaling) return Promise.reject(new SignalingError('disconnected', ''));
    return signaling.request(type, payload);
  };

  /** Joining did not work out; the local devices stay on for the pre-join screen's next try. */
  private fail(reason: JoinFailure, message: string, retryAfterSeconds?: number): void {
    const phase = this.screen.phase();
    if (phase !== 'connecting' && phase !== 'waiting-for-host' && phase !== 'lobby') return;
    const failure =
      retryAfterSeconds === undefined ? { reason, message } : { reason, message, retryAfterSeconds };
    this.screen.patch({ phase: 'failed', failure });
    this.closeConnections();
  }

  /** The meeting is over for us: ended for everyone, or a moderator removed us. */
  private close(reason: EndReason): void {
    const phase = this.screen.phase();
    if (phase === 'left' || phase === 'ended' || phase === 'failed') return;
    this.screen.patch({
      phase: 'ended',
      endReason: reason,
      endedBySelf: reason === 'ended' && this.endingBySelf,
    });
    this.dispose();
  }

  private closeConnections(): void {
    // Leaving (or put out) while recording: the file is finished and saved on this device.
    this.recording.dispose();
    this.e2ee.close();
    this.media.dropScreen();
    this.dropConnections();
  }

  /** Closes the signaling and both media connections; devices, screen share and E2EE worker stay. */
  private dropConnections(): void {
    this.media.close();
    const signaling = this.signaling;
    this.signaling = null;
    signaling?.close();
  }
}
