import type { EventOf, IceServer, TrackSource, VideoCodec } from '@parley/protocol';
import type { E2eeSession } from '../e2ee/e2ee-session';
import { connectionConfig, generateCertificate } from './certificate';
import { type CodecChoice, PLAIN_CODECS, sameCodecs } from './codec-preferences';
import { captureScreen, type LocalMedia } from './local-media';
import { lowData, setLowData } from './low-data';
import type { MeetingScreen } from './meeting-state';
import { Publisher } from './publisher';
import { type SignalingClient, SignalingError } from './signaling';
import { Subscriber } from './subscriber';

/** What the media part needs of its meeting. */
export interface MediaHost {
  /** The signaling connection now; null between connections. */
  signaling(): SignalingClient | null;
  e2ee(): E2eeSession;
  /** A media connection failed (see Meeting.mediaLost). */
  mediaLost(): void;
  /** While hard-muted, the microphone button asks instead. */
  requestUnmute(): Promise<void>;
  /** The subscribe connection starts: the low-data choice goes to the server first. */
  receptionStarted(): void;
}

/**
 * This participant's media in the meeting: the publish and subscribe connections, the microphone,
 * camera and screen share going out (one change at a time), and how they are set up again after a
 * reconnection or a media restart.
 */
export class MeetingMedia {
  private publisher: Publisher | null = null;
  private subscriber: Subscriber | null = null;
  private screenStream: MediaStream | null = null;
  /** Media changes (publish, mute, renegotiate) run one after another. */
  private mediaQueue: Promise<void> = Promise.resolve();
  private certificate: Promise<RTCCertificate | null> = Promise.resolve(null);
  /** The subscribe connection, made while the server answers the join; started once admitted. */
  private preparedSubscriber: Promise<Subscriber | null> = Promise.resolve(null);
  /** Closed with the other connections if joining fails before it starts. */
  private unstartedSubscriber: Subscriber | null = null;
  /** Server offers that arrived before the subscribe connection existed; answered once it does. */
  private earlyOffers: EventOf<'subscriber-offer'>[] = [];
  /** The ICE servers and policy of the current admission, for restarting the media connections. */
  private ice: { servers: RTCIceServer[]; policy: EventOf<'joined'>['iceTransportPolicy'] } = {
    servers: [],
    policy: undefined,
  };
  private readonly stopWatchingLowData: () => void;
  /** The codec the server asks video to be published in (`joined`), when encryption is off. */
  private meetingVideoCodec: VideoCodec = 'vp8';
  private stopWatchingE2ee: (() => void) | null = null;
  /** The codecs last asked of the publisher (followEncryption asks again only when they change). */
  private codecsAsked: CodecChoice = PLAIN_CODECS;

  constructor(
    private readonly local: LocalMedia,
    private readonly screen: MeetingScreen,
    private readonly host: MediaHost,
  ) {
    // "Send no video" switched on during the meeting turns the camera off.
    this.stopWatchingLowData = lowData.subscribe(() => {
      if (!lowData.get().sendVideo && this.local.camera.on && this.screen.phase() === 'joined')
        this.toggleCamera();
    });
    // Background effect switched on or off while the camera runs: the new picture goes out on the
    // same sender (replaceTrack, no renegotiation; simulcast and E2EE carry on as before).
    local.onCameraReplaced((track) =>
      this.enqueue(async () => {
        if (this.local.camera.track === track && this.publisher?.isPublished('camera'))
          await this.publisher.replaceTrack('camera', track);
      }),
    );
  }

  /** Made while the socket opens, so the connections can start the moment we are admitted. */
  newCertificate(): void {
    this.certificate = generateCertificate();
  }

  /** The subscribe connection for `signaling`, made ahead while the server answers. */
  prepare(signaling: SignalingClient): void {
    this.preparedSubscriber = this.certificate.then((certificate) =>
      this.prepareSubscriber(signaling, certificate),
    );
  }

  /** Admitted (`joined`): the ICE servers and policy the media connections use. */
  admitted(event: EventOf<'joined'>): void {
    this.ice = { servers: event.iceServers.map(toRtcIceServer), policy: event.iceTransportPolicy };
    this.meetingVideoCodec = event.videoCodec ?? 'vp8';
  }

  /**
   * The meeting's video codec and redundant audio; VP8 and plain Opus while end-to-end encryption is
   * on or starting (publisher.ts setCodecs).
   */
  private wantedCodecs(): CodecChoice {
    if (this.host.e2ee().state.get().state !== 'off') return PLAIN_CODECS;
    return { video: this.meetingVideoCodec, redundantAudio: true };
  }

  /** Encryption switched on or off: publish in the codecs that go with it. */
  private followEncryption(): void {
    const publisher = this.publisher;
    const wanted = this.wantedCodecs();
    // Most changes of the encryption state (codes, members) leave the codecs as they are.
    if (!publisher || sameCodecs(this.codecsAsked, wanted)) return;
    this.codecsAsked = wanted;
    this.enqueue(async () => {
      if (this.publisher === publisher && publisher.setCodecs(wanted)) await publisher.negotiate();
    });
  }

  /** The server (re)offers the subscribe connection. */
  handleOffer(event: EventOf<'subscriber-offer'>): void {
    if (this.subscriber) this.subscriber.handleOffer(event).catch(() => this.host.mediaLost());
    else this.earlyOffers.push(event);
  }

  /** The SFU's `simulcast-layers`: the camera's layers someone takes (the others pause). */
  setActiveLayers(event: EventOf<'simulcast-layers'>): void {
    void this.publisher?.setActiveLayers(event.source, event.active);
  }

  /** Statistics of the connection that receives everyone's media; null before it exists. */
  receiveStats(): Promise<RTCStatsReport | null> {
    return this.subscriber ? this.subscriber.stats() : Promise.resolve(null);
  }

  /** A moderator muted us: the microphone really goes off here too, not only at the server. */
  silenceMic(): void {
    void this.local.setMicOn(false);
    this.enqueue(async () => {
      if (this.publisher?.isPublished('mic')) await this.setMuted('mic', true);
    });
  }

  /** Never send or show media in the clear in an encrypted meeting: this browser stops its media. */
  refuse(): void {
    this.local.stop();
    this.publisher?.close();
    this.subscriber?.close();
  }

  /** Ends a screen share without telling anyone (the connections are closing). */
  dropScreen(): void {
    for (const track of this.screenStream?.getTracks() ?? []) track.stop();
    this.screenStream = null;
  }

  dispose(): void {
    this.stopWatchingLowData();
    this.stopWatchingE2ee?.();
  }

  toggleMic(): void {
    const on = !this.local.mic.on;
    // A moderator muted us with "ask to unmute": the microphone button asks instead of unmuting.
    if (on && this.screen.current.self?.hardMuted) {
      if (!this.screen.current.self.unmuteRequested) this.host.requestUnmute().catch(() => undefined);
      return;
    }
    void this.local.setMicOn(on).then((track) => {
      this.screen.reportProblem('mic', on && !track ? this.local.mic.problem : null);
      this.enqueue(async () => {
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
    this.enqueue(async () => {
      const track = await next;
      if (track && this.publisher?.isPublished('mic')) await this.publisher.replaceTrack('mic', track);
    });
  }

  toggleCamera(): void {
    const on = !this.local.camera.on;
    // Switching the camera on ends "send no video" (low-data mode).
    if (on && !lowData.get().sendVideo) setLowData({ sendVideo: true });
    this.enqueue(async () => {
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
      this.screen.reportProblem('camera', track ? null : this.local.camera.problem);
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
    if (this.screen.current.screenTrack) {
      this.stopScreen();
      return;
    }
    // Asked right away: the browser allows screen capture only close to the click.
    void captureScreen().then(({ stream, problem }) => {
      const video = stream.getVideoTracks()[0];
      if (!video || this.screen.phase() !== 'joined') {
        for (const track of stream.getTracks()) track.stop();
        // Cancelling the browser's picker is not a problem worth a message.
        this.screen.reportProblem('screen', problem === 'denied' || problem === null ? null : problem);
        return;
      }
      this.screen.reportProblem('screen', null);
      this.screenStream = stream;
      this.screen.patch({ screenTrack: video });
      // The browser's own "Stop sharing" button ends the track.
      video.addEventListener('ended', () => {
        if (this.screen.current.screenTrack === video) this.stopScreen();
      });
      const audio = stream.getAudioTracks()[0];
      this.enqueue(async () => {
        const publisher = this.publisher;
        if (!publisher || this.screen.current.screenTrack !== video) return;
        let changed = publisher.publish('screen', video, stream);
        if (audio) changed = publisher.publish('screen-audio', audio, stream) || changed;
        if (changed) await publisher.negotiate();
      });
    });
  }

  private stopScreen(): void {
    for (const track of this.screenStream?.getTracks() ?? []) track.stop();
    this.screenStream = null;
    this.screen.patch({ screenTrack: null });
    this.enqueue(async () => {
      const publisher = this.publisher;
      if (!publisher || this.screen.current.screenTrack) return;
      const screen = publisher.unpublish('screen');
      const audio = publisher.unpublish('screen-audio');
      if (screen || audio) await publisher.negotiate();
    });
  }

  /** Starts both media connections of an admission on `signaling` and publishes what is on. */
  async start(signaling: SignalingClient): Promise<void> {
    const certificate = await this.certificate;
    const subscriber = await this.preparedSubscriber;
    if (!subscriber || this.screen.phase() !== 'joined' || this.host.signaling() !== signaling) return;
    const iceServers = this.ice.servers;
    const policy = this.ice.policy;
    // The low-data choice goes first: the server then forwards no video we do not want.
    this.host.receptionStarted();
    // Receiving first: the subscribe connection needs nothing from the local devices.
    this.subscriber = subscriber;
    this.unstartedSubscriber = null;
    subscriber.start(iceServers, policy).catch(() => this.host.mediaLost());
    for (const offer of this.earlyOffers.splice(0))
      this.subscriber.handleOffer(offer).catch(() => this.host.mediaLost());
    this.publisher = new Publisher(signaling, connectionConfig(iceServers, certificate, policy), {
      onFailed: () => this.host.mediaLost(),
      attachSender: (sender, kind, source) => this.host.e2ee().frames.attachSender(sender, kind, source),
    });
    this.codecsAsked = this.wantedCodecs();
    this.publisher.setCodecs(this.codecsAsked);
    this.stopWatchingE2ee ??= this.host.e2ee().state.subscribe(() => this.followEncryption());
    this.enqueue(() => this.publishCurrent());
  }

  private prepareSubscriber(
    signaling: SignalingClient,
    certificate: RTCCertificate | null,
  ): Subscriber | null {
    if (this.host.signaling() !== signaling) return null;
    const subscriber = new Subscriber(signaling, connectionConfig([], certificate), {
      onTracks: (remoteTracks) => this.screen.patch({ remoteTracks }),
      onUnplayable: (unplayableVideo) => {
        if (unplayableVideo.size > 0 || this.screen.current.unplayableVideo.size > 0)
          this.screen.patch({ unplayableVideo });
      },
      onFailed: () => this.host.mediaLost(),
      attachReceiver: (receiver) => this.host.e2ee().frames.attachReceiver(receiver),
      receiverRouted: (receiver, owner) => this.host.e2ee().frames.receiverRouted(receiver, owner),
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
    const screen = this.screen.current.screenTrack;
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

  async setMuted(source: TrackSource, muted: boolean): Promise<void> {
    try {
      await this.host.signaling()?.request('set-muted', { source, muted });
    } catch (error) {
      // Hard-muted in the meantime: stay muted instead of treating it as a broken connection.
      if (error instanceof SignalingError && error.code === 'unmute-not-allowed') {
        void this.local.setMicOn(false);
        const self = this.screen.current.self;
        if (self) this.screen.patch({ self: { ...self, hardMuted: true } });
        return;
      }
      throw error;
    }
  }

  enqueue(step: () => Promise<void>): void {
    this.mediaQueue = this.mediaQueue
      .then(() => (this.screen.phase() === 'joined' ? step() : undefined))
      .catch(() => {
        // A failed negotiation leaves the publish connection unusable; treat it as a lost connection.
        if (this.screen.phase() === 'joined' && this.host.signaling()?.isOpen) this.host.mediaLost();
      });
  }

  close(): void {
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
