// Privacy: keeps nothing personal (types and constants).

import type { TrackKind, TrackSource } from '../api/types.js';
import type { RedAudio } from '../rtp/red.js';
import type { VideoCodec } from '../rtp/video-codec.js';
import type { SimulcastLayers } from '../simulcast/layer-meter.js';
import type { ForwardedPacket } from './forwarded-packet.js';

/** Payload types the SFU uses towards every subscriber (video: VP8's; each codec has its own, video-codec.ts). */
export const OUTGOING_PAYLOAD_TYPE: Record<TrackKind, number> = { video: 96, audio: 111 };

/** At most one key frame request per publisher track in this interval (ms). */
export const KEYFRAME_REQUEST_INTERVAL_MS = 1000;

/**
 * What a Subscription reads and asks of the Publication it forwards (publication.ts implements it).
 * The publication calls its subscriptions, not the other way round: this keeps the two modules
 * from importing each other.
 */
export interface PublicationView {
  readonly participantId: string;
  readonly source: TrackSource;
  readonly kind: TrackKind;
  /** Video: the codec it is published in, and the publisher's `a=fmtp` parameters of it. */
  readonly codec: VideoCodec;
  readonly formatParameters: string;
  /** Opus RED (RFC 2198) from the publisher: the packet being forwarded, whole or its primary block. */
  readonly red: RedAudio;
  /** Simulcast layer metering (bitrates, heights, which layers are sent, their order by size). */
  readonly simulcast: SimulcastLayers;
  /** VP9 SVC: each spatial layer's height from the last key picture; empty without SVC. */
  readonly svcHeights: readonly number[];
  /** Number of layers a subscriber can choose from (1 without simulcast). */
  readonly layerCount: number;
  /** The packet being fanned out (valid during the fan-out; its buffer is that of the last one). */
  readonly forwarded: ForwardedPacket;
  /** Ask the publisher for a key frame (throttled per track). */
  requestKeyframe(): void;
  /** A subscriber accepted NACK for this microphone: keep its packets (audio). */
  enableAudioRetransmissions(): void;
  /** A packet of `layer` still cached for NACK answers, by the publication's sequence number. */
  cachedPacket(layer: number, sequence: number): Buffer | undefined;
}
