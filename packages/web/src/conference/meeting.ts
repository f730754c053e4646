import {
  type EventOf,
  type IceServer,
  type ParticipantInfo,
  PROTOCOL_VERSION,
  type TrackSource,
} from '@parley/protocol';
import { t } from '../i18n';
import { Store } from '../state/store';
import { connectionConfig, generateCertificate } from './certificate';
import { captureScreen, type LocalMedia, type MediaProblem } from './local-media';
import { Publisher } from './publisher';
import { SignalingClient, SignalingError, type SignalingErrorCode } from './signaling';
import { type RemoteTracks, Subscriber } from './subscriber';

export type MeetingPhase =
  /** Opening the connection and asking to join. */
  | 'connecting'
  /** Accepted, but the room opens only when a signed-in host arrives; `joined` follows by itself. */
  | 'waiting-for-host'
  | 'joined'
  /** Joining failed or the connection closed before joining; see `failure`. */
  | 'failed'
  /** This participant left. */
  | 'left'
  /** The room was closed for everyone; see `endReason`. */
  | 'ended';

/** Why joining failed: the server's error code, or `unreachable` when no connection could be made. */
export type JoinFailure = SignalingErrorCode | 'unreachable';

export interface Announcement {
  id: number;
  text: string;
}

export interface MeetingState {
  phase: MeetingPhase;
  failure: { reason: JoinFailure; message: string } | null;
  endReason: EventOf<'room-closed'>['reason'] | null;
  self: ParticipantInfo | null;
  /** The other participants, in the order they joined. */
  participants: readonly ParticipantInfo[];
  remoteTracks: RemoteTracks;
  /** Our own screen share while it runs. */
  screenTrack: MediaStreamTrack | null;
  /** `ok`, or which connection broke after joining. */
  connection: 'ok' | 'signaling-lost' | 'media-lost';
  /** The latest screen-reader announcement (joins and leaves). */
  announcement: Announcement | null;
  /** A device that failed during the meeting (e.g. screen sharing refused). */
  mediaProblem: { device: 'mic' | 'camera' | 'screen'; problem: MediaProblem } | null;
}

const LEAVE_TIMEOUT_MS = 1000;

/**
 * One participation in one room: the signaling connection, the publish and subscribe connections
 * and the state the meeting screen shows. Created when the user clicks "Join"; done after leave.
 */
export class Meeting {
  readonly state = new Store<MeetingState>({
    phase: 'connecting',
    failure: null,
    endReason: null,
    self: null,
    participants: [],
    remoteTracks: new Map(),
    screenTrack: null,
    connection: 'ok',
    announcement: null,
    mediaProblem: null,
  });

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

  constructor(
    readonly room: string,
    readonly displayName: string,
    readonly local: LocalMedia,
  ) {}

  private get current(): MeetingState {
    return this.state.get();
  }

  /** A call rather than a property, so TypeScript does not narrow it across awaits. */
  private phase(): MeetingPhase {
    return this.state.get().phase;
  }

  private patch(change: Partial<MeetingState>): void {
    this.state.update((state) => ({ ...state, ...change }));
  }

  /**
   * Connects and asks to join. Resolves once the server accepted (`joined` or `waiting-for-host`);
   * on failure the phase becomes `failed` with a reason.
   */
  async join(): Promise<void> {
    // Made while the socket opens, so the connections can start the moment we are admitted.
    this.certificate = generateCertificate();
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
      const { status } = await signaling.request('join', {
        protocolVersion: PROTOCOL_VERSION,
        room: this.room,
        displayName: this.displayName,
      });
      if (status === 'waiting-for-host' && this.phase() === 'connecting')
        this.patch({ phase: 'waiting-for-host' });
    } catch (error) {
      if (this.phase() === 'joined') return;
      const failure = error instanceof SignalingError ? error : new SignalingError('internal', '');
      this.fail(failure.code === 'disconnected' ? 'unreachable' : failure.code, failure.message);
    }
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

  /** Gives up joining (e.g. stops waiting for the host) but keeps the devices for the pre-join screen. */
  abort(): void {
    this.patch({ phase: 'left' });
    this.closeConnections();
  }

  /** Frees everything without telling the server (it notices the closed socket). */
  dispose(): void {
    this.local.stop();
    this.closeConnections();
  }

  toggleMic(): void {
    const on = !this.local.mic.on;
    void this.local.setMicOn(on).then((track) => {
      this.reportProblem('mic', on && !track ? this.local.mic.problem : null);
      this.enqueueMedia(async () => {
        const publisher = this.publisher;
        if (!publisher || !track) return;
        if (publisher.isPublished('mic')) {
          await this.setMuted('mic', !this.local.mic.on);
        } else if (on) {
          if (publisher.publish('mic', track, this.local.stream)) await publisher.negotiate();
        }
      });
    });
  }

  toggleCamera(): void {
    const on = !this.local.camera.on;
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
    signaling.on('joined', (event) => void this.handleJoined(event));
    signaling.on('participant-joined', ({ participant }) => {
      if (participant.id === this.current.self?.id) return;
      const others = this.current.participants.filter((p) => p.id !== participant.id);
      this.patch({ participants: [...others, participant] });
      this.announce(t('meeting.joinedAnnouncement', { name: participant.displayName }));
    });
    signaling.on('participant-updated', ({ participant }) => {
      if (participant.id === this.current.self?.id) {
        this.patch({ self: participant });
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
      this.announce(t('meeting.leftAnnouncement', { name: leaving.displayName }));
    });
    signaling.on('subscriber-offer', (event) => {
      if (this.subscriber) this.subscriber.handleOffer(event).catch(() => this.mediaLost());
      else this.earlyOffers.push(event);
    });
    signaling.on('room-closed', ({ reason }) => {
      this.patch({ phase: 'ended', endReason: reason });
      this.dispose();
    });
    signaling.onClose(() => {
      const phase = this.phase();
      if (phase === 'joined') this.patch({ connection: 'signaling-lost' });
      else if (phase === 'connecting' || phase === 'waiting-for-host') this.fail('unreachable', '');
    });
  }

  private async handleJoined(event: EventOf<'joined'>): Promise<void> {
    const signaling = this.signaling;
    if (!signaling || (this.phase() !== 'connecting' && this.phase() !== 'waiting-for-host')) return;
    this.patch({ phase: 'joined', self: event.self, participants: event.participants });
    const certificate = await this.certificate;
    const subscriber = await this.preparedSubscriber;
    if (!subscriber || this.phase() !== 'joined' || this.signaling !== signaling) return;
    const iceServers = event.iceServers.map(toRtcIceServer);
    // Receiving first: the subscribe connection needs nothing from the local devices.
    this.subscriber = subscriber;
    this.unstartedSubscriber = null;
    subscriber.start(iceServers).catch(() => this.mediaLost());
    for (const offer of this.earlyOffers.splice(0))
      this.subscriber.handleOffer(offer).catch(() => this.mediaLost());
    this.publisher = new Publisher(signaling, connectionConfig(iceServers, certificate), {
      onFailed: () => this.mediaLost(),
    });
    this.enqueueMedia(() => this.publishInitial());
  }

  private prepareSubscriber(
    signaling: SignalingClient,
    certificate: RTCCertificate | null,
  ): Subscriber | null {
    if (this.signaling !== signaling) return null;
    const subscriber = new Subscriber(signaling, connectionConfig([], certificate), {
      onTracks: (remoteTracks) => this.patch({ remoteTracks }),
      onFailed: () => this.mediaLost(),
    });
    subscriber.prepare();
    this.unstartedSubscriber = subscriber;
    return subscriber;
  }

  /** Publishes the microphone (muted or not) and the camera (if on) once the devices answered. */
  private async publishInitial(): Promise<void> {
    await this.local.ready;
    const publisher = this.publisher;
    if (!publisher) return;
    const { mic, camera } = this.local;
    let changed = false;
    if (mic.track) changed = publisher.publish('mic', mic.track, this.local.stream) || changed;
    if (camera.track && camera.on)
      changed = publisher.publish('camera', camera.track, this.local.stream) || changed;
    if (!changed) return;
    // The offer says which sources start muted, so nobody sees a muted microphone as open.
    await publisher.negotiate();
  }

  private async setMuted(source: TrackSource, muted: boolean): Promise<void> {
    await this.signaling?.request('set-muted', { source, muted });
  }

  private enqueueMedia(step: () => Promise<void>): void {
    this.mediaQueue = this.mediaQueue
      .then(() => (this.phase() === 'joined' ? step() : undefined))
      .catch(() => {
        // A failed negotiation leaves the publish connection unusable; treat it as a lost connection.
        if (this.phase() === 'joined' && this.signaling?.isOpen) this.mediaLost();
      });
  }

  private mediaLost(): void {
    if (this.phase() === 'joined' && this.current.connection === 'ok')
      this.patch({ connection: 'media-lost' });
  }

  private reportProblem(device: 'mic' | 'camera' | 'screen', problem: MediaProblem | null): void {
    if (problem) this.patch({ mediaProblem: { device, problem } });
    else if (this.current.mediaProblem?.device === device) this.patch({ mediaProblem: null });
  }

  private announce(text: string): void {
    this.patch({ announcement: { id: ++this.announcementId, text } });
  }

  /** Joining did not work out; the local devices stay on for the pre-join screen's next try. */
  private fail(reason: JoinFailure, message: string): void {
    const phase = this.phase();
    if (phase !== 'connecting' && phase !== 'waiting-for-host') return;
    this.patch({ phase: 'failed', failure: { reason, message } });
    this.closeConnections();
  }

  private closeConnections(): void {
    for (const track of this.screenStream?.getTracks() ?? []) track.stop();
    this.screenStream = null;
    this.publisher?.close();
    this.subscriber?.close();
    this.unstartedSubscriber?.close();
    this.unstartedSubscriber = null;
    this.signaling?.close();
    this.publisher = null;
    this.subscriber = null;
    this.signaling = null;
  }
}

function toRtcIceServer(server: IceServer): RTCIceServer {
  const result: RTCIceServer = { urls: server.urls };
  if (server.username !== undefined) result.username = server.username;
  if (server.credential !== undefined) result.credential = server.credential;
  return result;
}
