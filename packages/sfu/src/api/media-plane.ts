import type { PublishedTrack, SubscribedTrack, TrackSource, VideoReceptionMode } from '../api/types.js';

/**
 * The narrow command/event interface between the control plane (rooms, signaling) and the SFU.
 * Every argument and event payload is plain data, so the implementation can move into a
 * worker thread later without changing callers.
 *
 * Identity: a room is a random `roomId` chosen by the control plane (never the room's name);
 * a participant is a `participantId` unique within the server.
 *
 * How calls fail, the same in Sfu and MediaWorkerPool: the negotiations (publish, subscribe,
 * subscriberAnswer) reject with a MediaError. Commands that return void throw a MediaError at once for
 * what is known at once (`closed` after close(); `wrong-state` for a participant of another room);
 * a failure while carrying one out (in a worker, later) is logged by the plane, never thrown.
 * closeRoom() and removeParticipant() of unknown ids, or after close(), do nothing.
 */
export interface MediaPlane {
  /** Prepare forwarding state for a room. Idempotent. */
  openRoom(roomId: string): void;
  /** Close every connection of the room and free all its resources. */
  closeRoom(roomId: string): void;

  /** Register a participant. Its publish/subscribe connections are created by publish()/subscribe(). */
  addParticipant(roomId: string, participantId: string): void;
  /**
   * Close both of the participant's connections, stop forwarding its tracks and remove them from every
   * other subscriber (renegotiating them). Frees every timer, listener and peer connection it owned.
   */
  removeParticipant(roomId: string, participantId: string): void;

  /**
   * Apply the browser's offer for its publish connection (first or renegotiation) and return the answer.
   * `tracks` is the complete list of tracks published after this offer (mid → source); tracks that
   * disappear from the list stop being forwarded and are removed from subscribers.
   */
  publish(roomId: string, participantId: string, offerSdp: string, tracks: PublishedTrack[]): Promise<string>;

  /**
   * Apply the browser's first offer on its subscribe connection (a data channel only) and return the
   * answer. From then on the media plane offers every track of the other participants to it through
   * `subscriber-offer` events, one negotiation at a time. The first such event comes on a later turn of
   * the event loop than the answer, so a response sent when the promise resolves goes out first.
   *
   * publish(), subscribe() and subscriberAnswer() reject with a MediaError (code and a message safe
   * to show) when the SDP or the state is wrong; nothing else in the room is affected.
   */
  subscribe(roomId: string, participantId: string, offerSdp: string): Promise<string>;

  /** The browser's answer to the last `subscriber-offer`. */
  subscriberAnswer(roomId: string, participantId: string, answerSdp: string): Promise<void>;

  /**
   * Hold (true) or release (false) the participant's audio: held, their microphone (and any other
   * audio track) is forwarded to nobody — a moderator muted them. The hold lasts across renegotiations
   * and a newly published microphone track until released. Unknown participants are ignored.
   */
  setAudioHeld(roomId: string, participantId: string, held: boolean): void;

  /**
   * What the speaker ranking needs to know beyond the audio levels (issue 13): whether the participant
   * muted their microphone (a muted microphone never takes one of the audible slots, whatever levels
   * its packets claim) and whether they moderate the meeting (one audible slot is kept for a speaking
   * moderator). Unknown participants are ignored.
   */
  setSpeakerState(roomId: string, participantId: string, state: SpeakerState): void;

  /**
   * The size (device pixels) at which `subscriberId` shows `participantId`'s video `source` now
   * (client request `video-size`); 0 × 0 when not shown. Chooses the simulcast layer forwarded to it.
   * Unknown ids are ignored.
   */
  /**
   * Ask every video publisher of the room for a key frame (after end-to-end keys changed, so nobody
   * waits for the next periodic one). Throttled per track like any keyframe request.
   */
  requestKeyframes(roomId: string): void;

  setVideoSize(
    roomId: string,
    subscriberId: string,
    participantId: string,
    source: TrackSource,
    width: number,
    height: number,
  ): void;

  /**
   * How much of the others' video `participantId` receives (client request `video-reception`):
   * `full`, `low` (at most the lowest simulcast layer) or `off` (no video forwarded at all; audio
   * flows on). Kept for the participant until changed, also for tracks published later. Unknown ids
   * are ignored.
   */
  setVideoReception(roomId: string, participantId: string, mode: VideoReceptionMode): void;

  on<E extends keyof MediaPlaneEvents>(event: E, listener: (payload: MediaPlaneEvents[E]) => void): void;
  off<E extends keyof MediaPlaneEvents>(event: E, listener: (payload: MediaPlaneEvents[E]) => void): void;

  /** Counters used by tests and metrics (aggregate only). */
  stats(): MediaPlaneStats;

  /** Close everything (server shutdown). */
  close(): Promise<void>;
}

export interface SpeakerState {
  muted: boolean;
  moderator: boolean;
}

export interface MediaPlaneEvents {
  /** Send this offer to the participant's browser; its answer comes back through subscriberAnswer(). */
  'subscriber-offer': { roomId: string; participantId: string; sdp: string; tracks: SubscribedTrack[] };
  /**
   * A connection failed or closed on its own (ICE/DTLS failure, browser went away). A subscribe
   * connection is reported at once (its data channel notices); a publish connection only when ICE
   * consent expires, about 30 s after the browser vanished. The participant stays registered.
   */
  'connection-closed': { roomId: string; participantId: string; direction: 'publish' | 'subscribe' };
  /**
   * Who is speaking in the room now, loudest first (empty: nobody), from the audio levels of their
   * microphones; emitted when the list changes (at most every SPEAKER_INTERVAL_MS, 300 ms).
   */
  'active-speakers': { roomId: string; participantIds: string[] };
  /**
   * The video `source` of `participantId` that `subscriberId` receives paused because the subscriber's
   * bandwidth estimate (transport-cc, `subscriberBandwidthEstimation`) cannot carry even its lowest
   * layer (`paused: true`; its audio goes on), or resumed (`false`). Only changes are emitted, and
   * only for this reason: not when last-N or the subscriber's own choice (`setVideoReception`) holds
   * the video back — a pause reported ends (`false`) when one of those takes over or the track goes.
   */
  'video-bandwidth-pause': {
    roomId: string;
    subscriberId: string;
    participantId: string;
    source: TrackSource;
    paused: boolean;
  };
  /**
   * To the publisher alone (`pauseUnusedLayers`): send only these simulcast layers of its video
   * `source` — `active[i]` for its i-th layer in its own order (SIM group or RIDs, lowest first) — as
   * no subscriber takes the others. The lowest stays on while anyone takes the video; with no taker
   * every layer may be off. Emitted when the set changes: a needed layer at once, an unneeded one
   * after a few seconds (LAYER_PAUSE_AFTER_MS). A publisher that ignores it just sends for nothing.
   */
  'simulcast-layers': { roomId: string; participantId: string; source: TrackSource; active: boolean[] };
  /**
   * The media of these rooms is gone: the media worker they lived on failed (MediaWorkerPool). The
   * rooms and their participants are no longer known to the media plane; the control plane opens them
   * again (they land on a healthy worker) and has every participant publish and subscribe anew.
   */
  'rooms-lost': { roomIds: string[] };
}

export interface MediaPlaneStats {
  rooms: number;
  participants: number;
  peerConnections: number;
  /** Tracks being received from publishers. */
  publishedTracks: number;
  /** Forwarding relations publisher track → subscriber. */
  subscriptions: number;
  /** Pending timers owned by the media plane (must be 0 once everything is closed). */
  timers: number;
  packetsForwarded: number;
  bytesForwarded: number;
  /**
   * Per media worker (MediaWorkerPool only), in worker order. A replaced worker's counters start
   * again from 0; the totals above keep counting.
   */
  workers?: Array<{ rooms: number; participants: number; packetsForwarded: number }>;
}

export interface MediaPlaneOptions {
  /** Address announced in ICE candidates. */
  publicIp: string;
  /** Address to bind the UDP socket on. */
  bindAddress: string;
  /** UDP port shared by all connections (ICE UDP mux). */
  rtcPort: number;
  /**
   * Last-N: each subscriber receives the camera video of the N most recent speakers only (others are
   * paused until they speak). 0 or absent: every camera is forwarded.
   */
  lastN?: number;
  /** Microphones forwarded in a room: the loudest few (default 3); everyone's when there are no more. */
  audibleSpeakers?: number;
  /**
   * Retransmissions (NACK answers) to a subscriber may add at most this percentage of the bytes and
   * packets forwarded to it (default 50; see budgets.ts).
   */
  retransmitPercent?: number;
  /**
   * Estimate each subscriber's bandwidth from its transport-cc feedback and choose its layers (and
   * pause its video) by it (default false: display size and REMB only, as before issue 18).
   */
  subscriberBandwidthEstimation?: boolean;
  /**
   * Offer subscribers RTX (RFC 4588) for video and answer their NACKs on it (default false: plain
   * retransmissions on the media SSRC). Off until layer choice on REMB holds with it: with RTX
   * negotiated, Chromium's wide viewer in e2e/bandwidth.test.ts stayed at 180p (2 of 2 runs).
   */
  subscriberRtx?: boolean;
  /**
   * Ask each simulcast publisher to pause the layers no subscriber takes (`simulcast-layers` events;
   * "dynacast"): saves its CPU and uplink and the SFU's receive path. Default false (library users
   * and bot tests opt in); the server turns it on unless PARLEY_PAUSE_UNUSED_LAYERS=0.
   */
  pauseUnusedLayers?: boolean;
}
