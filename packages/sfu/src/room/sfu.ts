import { EventEmitter } from 'node:events';
import type { Logger } from '../api/logger.js';
import { MediaError } from '../api/media-error.js';
import type {
  MediaPlane,
  MediaPlaneEvents,
  MediaPlaneOptions,
  MediaPlaneStats,
  SpeakerState,
} from '../api/media-plane.js';
import { keepsStore } from '../api/memory.js';
import type { PublishedTrack, TrackSource, VideoReceptionMode } from '../api/types.js';
import { releaseNative } from '../transport/native-handles.js';
import { installNativeLogger } from '../transport/native-log.js';
import { releaseUdpPort, reserveUdpPort } from '../transport/port-reservation.js';
import { FEEDBACK_INTERVAL_MS } from '../transport/transport-cc.js';
import { type MediaContext, MediaCounters } from './media-context.js';
import { RoomRouter } from './room-router.js';
import { Timers } from './timers.js';

keepsStore('connection-addresses');

/** How often speakers are ranked and last-N applied (ms). */
export const SPEAKER_INTERVAL_MS = 300;

/** Media planes alive in this process; libdatachannel's global state is released with the last one. */
let openPlanes = 0;

/**
 * Parley's SFU in this process: rooms of participants whose publish connections are forwarded to the
 * subscribe connections of the others, all over node-datachannel on one UDP port.
 */
export class Sfu implements MediaPlane {
  private readonly rooms = new Map<string, RoomRouter>();
  /** participantId → roomId: a participant id is unique within the server. */
  private readonly roomOfParticipant = new Map<string, string>();
  private readonly events = new EventEmitter();
  private readonly context: MediaContext;
  /**
   * The plane's clock for speaker ranking in every room. Not one of context.timers: it runs for the
   * plane's whole life (those count what rooms and participants leave pending).
   */
  private readonly speakerClock: NodeJS.Timeout;
  /**
   * The plane's clock for transport-cc feedback to every publisher that negotiated it (transport-cc.ts,
   * every FEEDBACK_INTERVAL_MS). Like speakerClock, not one of context.timers: a publisher's feedback
   * runs as long as it publishes, and would keep `stats().timers` from ever showing what is pending.
   */
  private readonly feedbackClock: NodeJS.Timeout;
  private closed = false;

  private readonly holdsPort: boolean;

  /**
   * Binds the UDP port at once (see port-reservation.ts) and throws if it cannot. `holdPort: false`
   * (media workers): do not; libdatachannel then binds it with the first connection and frees it with
   * the last, so a failed worker's port can be bound again by its replacement.
   */
  constructor(options: MediaPlaneOptions, logger: Logger, { holdPort = true }: { holdPort?: boolean } = {}) {
    const mediaLogger = logger.child({ module: 'media' });
    if (!Number.isInteger(options.rtcPort) || options.rtcPort < 1 || options.rtcPort > 65535) {
      // Port 0 would bind a random port that libdatachannel does not tell us, so we could not announce it.
      throw new Error(`The media plane needs a fixed UDP port from 1 to 65535, got ${options.rtcPort}.`);
    }
    installNativeLogger(logger);
    this.holdsPort = holdPort;
    if (holdPort) reserveUdpPort(options.rtcPort, options.bindAddress);
    this.context = { options, timers: new Timers(), counters: new MediaCounters(), logger: mediaLogger };
    openPlanes++;
    this.speakerClock = setInterval(() => {
      for (const room of this.rooms.values()) {
        try {
          room.updateSpeakers(SPEAKER_INTERVAL_MS / 1000);
        } catch (error) {
          mediaLogger.error({ err: error }, 'media: speaker update failed');
        }
      }
    }, SPEAKER_INTERVAL_MS);
    this.speakerClock.unref();
    this.feedbackClock = setInterval(() => {
      for (const room of this.rooms.values()) {
        try {
          room.sendTransportFeedback();
        } catch (error) {
          mediaLogger.error({ err: error }, 'media: transport feedback failed');
        }
      }
    }, FEEDBACK_INTERVAL_MS);
    this.feedbackClock.unref();
    mediaLogger.info({ rtcPort: options.rtcPort }, 'media: plane started');
  }

  openRoom(roomId: string): void {
    this.room(roomId, true);
  }

  closeRoom(roomId: string): void {
    const room = this.rooms.get(roomId);
    if (!room) return;
    this.rooms.delete(roomId);
    for (const [participantId, ofRoom] of this.roomOfParticipant) {
      if (ofRoom === roomId) this.roomOfParticipant.delete(participantId);
    }
    room.close();
    this.context.logger.info({ roomId }, 'media: room closed');
  }

  addParticipant(roomId: string, participantId: string): void {
    const current = this.roomOfParticipant.get(participantId);
    if (current !== undefined && current !== roomId) {
      throw new MediaError('wrong-state', 'The participant is already in another room.');
    }
    this.room(roomId, true)!.add(participantId);
    this.roomOfParticipant.set(participantId, roomId);
  }

  removeParticipant(roomId: string, participantId: string): void {
    const room = this.rooms.get(roomId);
    if (!room?.has(participantId)) return;
    this.roomOfParticipant.delete(participantId);
    room.remove(participantId);
    this.context.logger.debug({ roomId, participantId }, 'media: participant removed');
  }

  async publish(
    roomId: string,
    participantId: string,
    offerSdp: string,
    tracks: PublishedTrack[],
  ): Promise<string> {
    const answer = this.existingRoom(roomId).publish(participantId, offerSdp, tracks);
    this.context.logger.debug({ roomId, participantId, tracks: tracks.length }, 'media: published');
    return answer;
  }

  async subscribe(roomId: string, participantId: string, offerSdp: string): Promise<string> {
    const answer = this.existingRoom(roomId).subscribe(participantId, offerSdp);
    this.context.logger.debug({ roomId, participantId }, 'media: subscribed');
    return answer;
  }

  async subscriberAnswer(roomId: string, participantId: string, answerSdp: string): Promise<void> {
    this.existingRoom(roomId).subscriberAnswer(participantId, answerSdp);
  }

  on<E extends keyof MediaPlaneEvents>(event: E, listener: (payload: MediaPlaneEvents[E]) => void): void {
    this.events.on(event, listener);
  }

  off<E extends keyof MediaPlaneEvents>(event: E, listener: (payload: MediaPlaneEvents[E]) => void): void {
    this.events.off(event, listener);
  }

  stats(): MediaPlaneStats {
    let participants = 0;
    let peerConnections = 0;
    let publishedTracks = 0;
    let subscriptions = 0;
    for (const room of this.rooms.values()) {
      participants += room.participantCount;
      const census = room.census();
      peerConnections += census.peerConnections;
      publishedTracks += census.publishedTracks;
      subscriptions += census.subscriptions;
    }
    const { counters, timers } = this.context;
    return {
      rooms: this.rooms.size,
      participants,
      peerConnections,
      publishedTracks,
      subscriptions,
      timers: timers.size,
      packetsForwarded: counters.packetsForwarded,
      bytesForwarded: counters.bytesForwarded,
    };
  }

  /** Counters beyond MediaPlaneStats, for tests and metrics. */
  feedbackStats(): {
    keyframeRequestsSent: number;
    retransmissions: number;
    retransmittedBytes: number;
    retransmissionsRefused: number;
    feedbackDropped: number;
    publisherNacks: number;
    publisherRtxRecovered: number;
    publisherPaddingDropped: number;
    publisherRtxDropped: number;
    subscriberFeedbackRead: number;
    subscriberFeedbackRefused: number;
    videoUnreadable: number;
  } {
    const { keyframeRequestsSent, retransmissions, retransmittedBytes, retransmissionsRefused } =
      this.context.counters;
    const { feedbackDropped, publisherNacks } = this.context.counters;
    const { publisherRtxRecovered, publisherPaddingDropped, publisherRtxDropped } = this.context.counters;
    return {
      keyframeRequestsSent,
      retransmissions,
      retransmittedBytes,
      retransmissionsRefused,
      feedbackDropped,
      publisherNacks,
      publisherRtxRecovered,
      publisherPaddingDropped,
      publisherRtxDropped,
      subscriberFeedbackRead: this.context.counters.subscriberFeedbackRead,
      subscriberFeedbackRefused: this.context.counters.subscriberFeedbackRefused,
      videoUnreadable: this.context.counters.videoUnreadable,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.speakerClock);
    clearInterval(this.feedbackClock);
    for (const roomId of [...this.rooms.keys()]) this.closeRoom(roomId);
    this.context.timers.cancelAll();
    this.events.removeAllListeners();
    if (this.holdsPort) releaseUdpPort(this.context.options.rtcPort);
    openPlanes--;
    // libdatachannel keeps threads (and Node's event loop) alive until its global cleanup.
    if (openPlanes === 0) await releaseNative();
    this.context.logger.info('media: plane closed');
  }

  private room(roomId: string, create: boolean): RoomRouter | undefined {
    if (this.closed) throw new MediaError('closed', 'The media plane is closed.');
    let room = this.rooms.get(roomId);
    if (!room && create) {
      room = new RoomRouter(roomId, this.context, {
        subscriberOffer: (participantId, sdp, tracks) =>
          this.events.emit('subscriber-offer', { roomId, participantId, sdp, tracks }),
        connectionClosed: (participantId, direction) => {
          this.context.logger.info({ roomId, participantId, direction }, 'media: connection closed');
          this.events.emit('connection-closed', { roomId, participantId, direction });
        },
        activeSpeakers: (participantIds) => this.events.emit('active-speakers', { roomId, participantIds }),
        bandwidthPause: (subscriberId, participantId, source, paused) =>
          this.events.emit('video-bandwidth-pause', { roomId, subscriberId, participantId, source, paused }),
        simulcastLayers: (participantId, source, active) =>
          this.events.emit('simulcast-layers', { roomId, participantId, source, active }),
      });
      this.rooms.set(roomId, room);
      this.context.logger.info({ roomId }, 'media: room opened');
    }
    return room;
  }

  private existingRoom(roomId: string): RoomRouter {
    const room = this.room(roomId, false);
    if (!room) throw new MediaError('unknown-participant', 'The room is not open.');
    return room;
  }

  /**
   * Ask every publisher of the room for a key frame (e.g. after end-to-end keys changed, so that
   * receivers can decode again at once). Audio tracks ignore it; requests are throttled per track.
   */
  requestKeyframes(roomId: string): void {
    this.carryOut('requestKeyframes', roomId, (room) => room.requestKeyframes());
  }

  setVideoSize(
    roomId: string,
    subscriberId: string,
    participantId: string,
    source: TrackSource,
    width: number,
    height: number,
  ): void {
    // Height decides (layers keep the aspect ratio); a hidden video (0 × 0) gets the lowest layer.
    this.carryOut('setVideoSize', roomId, (room) =>
      room.setVideoSize(subscriberId, participantId, source, width === 0 ? 0 : height),
    );
  }

  setVideoReception(roomId: string, participantId: string, mode: VideoReceptionMode): void {
    this.carryOut('setVideoReception', roomId, (room) => room.setVideoReception(participantId, mode));
  }

  setAudioHeld(roomId: string, participantId: string, held: boolean): void {
    this.carryOut('setAudioHeld', roomId, (room) => room.setAudioHeld(participantId, held));
  }

  setSpeakerState(roomId: string, participantId: string, state: SpeakerState): void {
    this.carryOut('setSpeakerState', roomId, (room) =>
      room.setSpeakerState(participantId, {
        muted: state.muted,
        moderator: state.moderator,
      }),
    );
  }

  /**
   * A command nobody waits for (MediaPlane: "commands that return void"): MediaError `closed` at once
   * after close(); a failure while carrying it out is logged, not thrown, the way MediaWorkerPool
   * reports one from its worker, so that both implementations fail the same way.
   */
  private carryOut(command: string, roomId: string, apply: (room: RoomRouter) => void): void {
    const room = this.room(roomId, false);
    if (!room) return;
    try {
      apply(room);
    } catch (error) {
      const code = error instanceof MediaError ? error.code : 'error';
      this.context.logger.warn({ command, code }, 'media: command failed');
    }
  }
}
