// Privacy: keeps nothing personal (builds SDP m-line descriptions; ids are pseudonymous).

import ndc, { type Audio, type Video } from 'node-datachannel';
import type { TrackKind, TrackSource } from '../api/types.js';
import { PacketCache } from '../rtp/packet-cache.js';
import { locateRedPrimary, OUTGOING_RED_PAYLOAD_TYPE, type RedPrimary, writeRedPrimary } from '../rtp/red.js';
import type { VideoCodec } from '../rtp/video-codec.js';
import { TRANSPORT_CC_URI } from '../transport/transport-cc.js';
import { SUBSCRIBER_TRANSPORT_CC_ID } from '../transport/transport-sends.js';
import { OUTGOING_PAYLOAD_TYPE, type PublicationView } from './publication-view.js';
import { RtxStream } from './rtx-stream.js';

/** Opus as Chromium offers it: in-band FEC on, 10 ms minimum packet time. */
const OPUS_FORMAT = 'minptime=10;useinbandfec=1';

/**
 * One subscription's m-line: what the SFU offers (createSubscriptionMedia) and what the subscriber's
 * answer kept of it (RTX, RED, audio NACK).
 */
export class NegotiatedMedia {
  /** Audio: RED was offered (the publisher sends it), and the subscriber's answer kept it. */
  private redOffered = false;
  redAccepted = false;
  /**
   * Audio: RED held back from this subscriber for now (plain Opus instead) because its bandwidth is
   * short: the redundancy nearly doubles the audio's bitrate (Subscriber.applyEstimate).
   */
  redWithheld = false;
  /** RFC 4588 towards the subscriber: NACK answers and probe padding, once its answer accepted RTX. */
  readonly rtx: RtxStream;
  /** A RED primary resent as plain Opus is written here (allocated at the first one). */
  private plainPacket: Buffer | null = null;

  constructor(
    private readonly publication: PublicationView,
    /** m-line id on the subscribe connection, the SSRC the subscriber sees, and its RTX SSRC (0: none). */
    readonly mid: string,
    readonly ssrc: number,
    readonly rtxSsrc: number,
    /** Offer transport-cc (the subscribe connection estimates its bandwidth). */
    private readonly transportCc: boolean,
  ) {
    this.rtx = new RtxStream(rtxSsrc, publication.codec.rtxPayloadType);
  }

  /** The m-line description: the codec the SFU forwards and the SSRC, grouped by publishing participant. */
  create(): Video | Audio {
    const { kind, codec, formatParameters, participantId, source, red } = this.publication;
    this.redOffered = kind === 'audio' && red.payloadType !== 0;
    const { mid, ssrc, rtxSsrc, transportCc } = this;
    return createSubscriptionMedia({
      kind,
      codec,
      formatParameters,
      participantId,
      source,
      mid,
      ssrc,
      rtxSsrc,
      transportCc,
      red: this.redOffered,
    });
  }

  /**
   * The subscriber's answer lists these payload types on this m-line: RTX is used when it kept the
   * RTX payload type the offer paired with the video (RFC 4588 §8.6), RED when it kept RED.
   */
  acceptFormats(payloadTypes: readonly number[]): void {
    this.rtx.accepted = this.rtxSsrc !== 0 && payloadTypes.includes(this.publication.codec.rtxPayloadType);
    this.redAccepted = this.redOffered && payloadTypes.includes(OUTGOING_RED_PAYLOAD_TYPE);
  }

  /** RED packets go to this subscriber whole (else their primary block as plain Opus). */
  get sendsRed(): boolean {
    return this.redAccepted && !this.redWithheld;
  }

  /** A cached RED packet's primary block as plain Opus (for a subscriber without RED), or null. */
  plainPrimary(packet: Buffer): Buffer | null {
    const primary: RedPrimary = { start: -1, end: -1 };
    if (!locateRedPrimary(packet, OUTGOING_PAYLOAD_TYPE.audio, primary)) return null;
    this.plainPacket ??= Buffer.allocUnsafe(PacketCache.SLOT_SIZE + 2);
    return writeRedPrimary(packet, primary, OUTGOING_PAYLOAD_TYPE.audio, this.plainPacket);
  }

  /**
   * The `rtcp-fb` values (`<pt> <feedback>`) the subscriber's answer kept on this m-line: for audio,
   * `nack` on Opus makes the publication keep its packets, and the subscriber's NACKs are answered.
   */
  acceptFeedback(feedback: readonly string[]): void {
    const audioNack = feedback.includes(`${OUTGOING_PAYLOAD_TYPE.audio} nack`);
    if (this.publication.kind === 'audio' && audioNack) this.publication.enableAudioRetransmissions();
  }
}

/** One subscription's m-line as the SFU offers it. */
export interface SubscriptionMedia {
  kind: TrackKind;
  /** Video: the publication's codec and the publisher's `a=fmtp` parameters of it. */
  codec: VideoCodec;
  formatParameters: string;
  participantId: string;
  source: TrackSource;
  mid: string;
  /** The SSRC the subscriber sees, and (video) its RTX SSRC (0: no RTX offered). */
  ssrc: number;
  rtxSsrc: number;
  /** Offer transport-cc (the subscribe connection estimates its bandwidth). */
  transportCc: boolean;
  /** Audio: offer RED (the publisher sends it). */
  red: boolean;
}

/**
 * The m-line description (SendOnly): the codec the SFU forwards and the SSRC, grouped by publishing
 * participant.
 */
export function createSubscriptionMedia(media: SubscriptionMedia): Video | Audio {
  const stream = streamId(media.participantId, media.source);
  const trackId = `${stream}-${media.source}`;
  const cname = streamId(media.participantId, 'cname');
  if (media.kind === 'video') {
    const video = new ndc.Video(media.mid, 'SendOnly');
    const codec = media.codec;
    offerVideoCodec(video, codec, media.formatParameters);
    if (media.transportCc) negotiateTransportCc(video, codec.payloadType);
    video.addSSRC(media.ssrc, cname, stream, trackId);
    if (media.rtxSsrc !== 0) offerRtx(video, codec, media.ssrc, media.rtxSsrc, cname);
    return video;
  }
  const audio = new ndc.Audio(media.mid, 'SendOnly');
  audio.addOpusCodec(OUTGOING_PAYLOAD_TYPE.audio, OPUS_FORMAT);
  // Audio NACK: used only if the subscriber's answer keeps it (no browser here offers it; see README).
  audio.parseSdpLine(`a=rtcp-fb:${OUTGOING_PAYLOAD_TYPE.audio} nack`);
  // RFC 2198, when the publisher sends RED: both blocks Opus (`111/111`), as Chromium offers it.
  if (media.red) {
    const opus = OUTGOING_PAYLOAD_TYPE.audio;
    audio.addAudioCodec(OUTGOING_RED_PAYLOAD_TYPE, 'red', `${opus}/${opus}`);
  }
  if (media.transportCc) negotiateTransportCc(audio, OUTGOING_PAYLOAD_TYPE.audio);
  audio.addSSRC(media.ssrc, cname, stream, trackId);
  return audio;
}

/** Offer the transport-wide sequence number extension and transport-cc feedback on an m-line. */
function negotiateTransportCc(media: Video | Audio, payloadType: number): void {
  media.parseSdpLine(`a=extmap:${SUBSCRIBER_TRANSPORT_CC_ID} ${TRANSPORT_CC_URI}`);
  media.parseSdpLine(`a=rtcp-fb:${payloadType} transport-cc`);
}

/**
 * Offer the publication's codec under the SFU's payload type for it, with the publisher's format
 * parameters (an H.264 profile, for one): the subscriber decodes exactly what the publisher sends.
 * libdatachannel adds the feedback every video gets (nack, nack pli, goog-remb).
 */
function offerVideoCodec(video: Video, codec: VideoCodec, formatParameters: string): void {
  const name = { vp8: 'VP8', vp9: 'VP9', h264: 'H264', av1: 'AV1' }[codec.name];
  if (formatParameters === '') video.addVideoCodec(codec.payloadType, name);
  else video.addVideoCodec(codec.payloadType, name, formatParameters);
}

/**
 * Offer RFC 4588 retransmissions on a video m-line: the RTX payload type paired with the codec
 * (`apt`), and the RTX SSRC (with the video's cname) grouped with the video's (`a=ssrc-group:FID media rtx`).
 */
function offerRtx(video: Video, codec: VideoCodec, ssrc: number, rtxSsrc: number, cname: string): void {
  video.addRTXCodec(codec.rtxPayloadType, codec.payloadType, 90000);
  // cname only: a second `a=msid` line for the same track would repeat the media one.
  video.addSSRC(rtxSsrc, cname);
  video.parseSdpLine(`a=ssrc-group:FID ${ssrc} ${rtxSsrc}`);
}

/**
 * msid stream id: a participant's microphone and camera form one stream (the browser lip-syncs them),
 * its screen share and screen audio another. Restricted to the characters msid allows.
 */
function streamId(participantId: string, part: string): string {
  const group =
    part === 'screen' || part === 'screen-audio' ? 'screen' : part === 'cname' ? 'cname' : 'camera';
  return `${participantId.replace(/[^A-Za-z0-9_.-]/g, '_')}-${group}`;
}
