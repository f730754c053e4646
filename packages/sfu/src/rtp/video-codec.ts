import type { VideoCodecName } from '../api/types.js';
import { h264KeyframeHeight, isH264KeyframeStart } from './h264.js';
import { isVp8KeyframeStart, locateVp8Descriptor, rtpPayloadOffset, vp8KeyframeHeight } from './rtp.js';
import { emptyVp9Descriptor, isVp9KeyframeStart, readVp9Descriptor } from './vp9.js';

export type { VideoCodecName };
/** The video codecs the SFU forwards. */
export const VIDEO_CODECS: readonly VideoCodecName[] = ['vp8', 'vp9', 'h264', 'av1'];

/**
 * What forwarding needs to know of one video codec: how it is named in SDP, the payload types the SFU
 * uses for it towards subscribers, and how to read the few payload bytes it acts on. Everything else
 * in a payload is opaque to the SFU (and, under end-to-end encryption, unreadable to it).
 */
export interface VideoCodec {
  readonly name: VideoCodecName;
  /** The `a=rtpmap` encoding name, lower case, with its clock rate. */
  readonly encoding: string;
  /**
   * Payload types towards subscribers. One per codec across every m-line: m-lines bundled on one
   * transport must not give one payload type two meanings (RFC 8843 §9.1; Chromium rejects that).
   */
  readonly payloadType: number;
  /** RFC 4588 retransmissions of this codec (`apt=` payloadType). */
  readonly rtxPayloadType: number;
  /** True when this packet starts a key frame: where a subscriber's decoder can begin. */
  isKeyframeStart(packet: Buffer): boolean;
  /** The picture height a key frame announces in this packet, or 0. */
  keyframeHeight(packet: Buffer): number;
  /**
   * Where the picture id and TL0PICIDX sit, written into `out` as in locateVp8Descriptor (-1 where
   * absent): the fields the SFU renumbers when a subscriber changes simulcast layer. Codecs without
   * them (H.264, AV1) write -1 twice.
   */
  locatePictureFields(packet: Buffer, out: Int32Array): void;
  /**
   * Whether a publisher's `a=fmtp` parameters for this codec describe a stream the SFU can forward and
   * subscribers can be offered as-is (e.g. H.264 packetization-mode 1 only).
   */
  acceptsParameters(parameters: string): boolean;
}

/** Reused by the VP9 readers (one packet at a time per worker thread). */
const vp9Scratch = emptyVp9Descriptor();

function noPictureFields(_packet: Buffer, out: Int32Array): void {
  out[0] = -1;
  out[1] = -1;
}

/** `name=value;…` parameters of an `a=fmtp` line, names lower-cased. */
export function formatParameters(parameters: string): Map<string, string> {
  const result = new Map<string, string>();
  for (const pair of parameters.split(';', 16)) {
    const [name = '', value = ''] = pair.split('=', 2);
    if (name.trim() !== '') result.set(name.trim().toLowerCase(), value.trim());
  }
  return result;
}

const VP8: VideoCodec = {
  name: 'vp8',
  encoding: 'vp8/90000',
  payloadType: 96,
  rtxPayloadType: 97,
  isKeyframeStart: isVp8KeyframeStart,
  keyframeHeight: vp8KeyframeHeight,
  locatePictureFields: locateVp8Descriptor,
  acceptsParameters: () => true,
};

const VP9: VideoCodec = {
  name: 'vp9',
  encoding: 'vp9/90000',
  payloadType: 98,
  rtxPayloadType: 99,
  isKeyframeStart: (packet) => isVp9KeyframeStart(packet, vp9Scratch),
  keyframeHeight: (packet) => (readVp9Descriptor(packet, vp9Scratch) ? vp9Scratch.height : 0),
  locatePictureFields(packet, out) {
    const ok = readVp9Descriptor(packet, vp9Scratch);
    out[0] = ok ? vp9Scratch.pictureIdAt : -1;
    out[1] = ok ? vp9Scratch.tl0PicIdxAt : -1;
  },
  // Profile 0 (8-bit 4:2:0) is what every browser decodes; others are offered only to some.
  acceptsParameters: (parameters) => (formatParameters(parameters).get('profile-id') ?? '0') === '0',
};

const H264: VideoCodec = {
  name: 'h264',
  encoding: 'h264/90000',
  payloadType: 102,
  rtxPayloadType: 103,
  isKeyframeStart: isH264KeyframeStart,
  keyframeHeight: h264KeyframeHeight,
  locatePictureFields: noPictureFields,
  // Mode 1 (FU-A and STAP-A) is what browsers send and decode; mode 0 cannot carry large NAL units.
  acceptsParameters: (parameters) => formatParameters(parameters).get('packetization-mode') === '1',
};

/** AV1 RTP aggregation header (first payload byte) Z|Y|W W|N|-|-|-: N starts a coded video sequence. */
function isAv1KeyframeStart(packet: Buffer): boolean {
  const offset = rtpPayloadOffset(packet);
  return offset >= 0 && offset < packet.length && (packet[offset]! & 0x08) !== 0;
}

const AV1: VideoCodec = {
  name: 'av1',
  encoding: 'av1/90000',
  payloadType: 45,
  rtxPayloadType: 46,
  isKeyframeStart: isAv1KeyframeStart,
  // The size sits in the sequence header OBU; simulcast layers of AV1 keep the offer's order.
  keyframeHeight: () => 0,
  locatePictureFields: noPictureFields,
  acceptsParameters: (parameters) => (formatParameters(parameters).get('profile') ?? '0') === '0',
};

export const VIDEO_CODEC: Readonly<Record<VideoCodecName, VideoCodec>> = {
  vp8: VP8,
  vp9: VP9,
  h264: H264,
  av1: AV1,
};

/** The codec with this `a=rtpmap` encoding (any case), or undefined. */
export function codecOfEncoding(encoding: string): VideoCodec | undefined {
  const wanted = encoding.trim().toLowerCase();
  return VIDEO_CODECS.map((name) => VIDEO_CODEC[name]).find((codec) => codec.encoding === wanted);
}
