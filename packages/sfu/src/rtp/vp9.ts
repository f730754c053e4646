import { rtpPayloadOffset } from './rtp.js';

/**
 * The VP9 payload descriptor (RFC 9628 §4.2), read in place: what the SFU needs to forward VP9 — key
 * frames, picture ids to rewrite on a layer switch, and the spatial/temporal layer of each packet so it
 * can drop the layers a subscriber does not get (SVC, e.g. L3T3 from one encoder).
 *
 *      0 1 2 3 4 5 6 7
 *     |I|P|L|F|B|E|V|Z|   I: picture id present, P: inter-picture predicted, L: layer indices present,
 *     |M| PICTURE ID  |   F: flexible mode, B/E: start/end of a layer frame, V: scalability structure,
 *     | PICTURE ID    |   Z: not used as reference by upper spatial layers
 *     |TID|U| SID |D  |   (L) U: switching-up point, D: inter-layer dependency
 *     |   TL0PICIDX   |   (L, non-flexible)
 *     |P_DIFF       |N|   (F and P, up to 3)
 *     | SS ...        |   (V) scalability structure: sizes of the spatial layers
 */

/** What one packet's descriptor says; filled by readVp9Descriptor into a reused object. */
export interface Vp9Descriptor {
  /** Byte offset of the picture id (15 bits when its first byte has the M bit), or -1. */
  pictureIdAt: number;
  /** Byte offset of TL0PICIDX, or -1. */
  tl0PicIdxAt: number;
  /** Temporal layer id (0 without layer indices). */
  temporal: number;
  /** Spatial layer id (0 without layer indices). */
  spatial: number;
  /** U: a subscriber may switch up to this temporal layer here. */
  switchingUp: boolean;
  /** D: this layer frame depends on the spatial layer below in the same picture. */
  interLayer: boolean;
  /** P: predicted from an earlier picture (false on key frames and intra-only layer frames). */
  interPicture: boolean;
  /** B: first packet of a layer frame. */
  layerStart: boolean;
  /** E: last packet of a layer frame. */
  layerEnd: boolean;
  /** Height of the highest spatial layer from the scalability structure, or 0 when absent. */
  height: number;
  /** Heights of each spatial layer from the scalability structure (empty when absent). */
  layerHeights: number[];
}

export function emptyVp9Descriptor(): Vp9Descriptor {
  return {
    pictureIdAt: -1,
    tl0PicIdxAt: -1,
    temporal: 0,
    spatial: 0,
    switchingUp: false,
    interLayer: false,
    interPicture: false,
    layerStart: false,
    layerEnd: false,
    height: 0,
    layerHeights: [],
  };
}

/** Most spatial layers a scalability structure may describe (N_S is 3 bits). */
const MAX_SPATIAL_LAYERS = 8;

/**
 * Read this packet's VP9 payload descriptor into `out` (no allocation unless it carries a scalability
 * structure). Returns false, leaving `out` unspecified, when the payload is too short for what its
 * flags announce.
 */
export function readVp9Descriptor(packet: Buffer, out: Vp9Descriptor): boolean {
  let at = rtpPayloadOffset(packet);
  if (at < 0 || at >= packet.length) return false;
  const flags = packet[at++]!;
  out.interPicture = (flags & 0x40) !== 0;
  out.layerStart = (flags & 0x08) !== 0;
  out.layerEnd = (flags & 0x04) !== 0;
  out.pictureIdAt = -1;
  out.tl0PicIdxAt = -1;
  out.temporal = 0;
  out.spatial = 0;
  out.switchingUp = false;
  out.interLayer = false;
  out.height = 0;
  if (out.layerHeights.length > 0) out.layerHeights = [];
  const flexible = (flags & 0x10) !== 0;
  if (flags & 0x80) {
    if (at >= packet.length) return false;
    out.pictureIdAt = at;
    at += packet[at]! & 0x80 ? 2 : 1;
  }
  if (flags & 0x20) {
    if (at >= packet.length) return false;
    const layers = packet[at++]!;
    out.temporal = layers >> 5;
    out.switchingUp = (layers & 0x10) !== 0;
    out.spatial = (layers >> 1) & 0x07;
    out.interLayer = (layers & 0x01) !== 0;
    if (!flexible) {
      if (at >= packet.length) return false;
      out.tl0PicIdxAt = at++;
    }
  }
  if (flexible && out.interPicture) {
    // Up to three reference indices, each with N (another follows).
    for (let count = 0; count < 3; count++) {
      if (at >= packet.length) return false;
      if ((packet[at++]! & 0x01) === 0) break;
    }
  }
  if (flags & 0x02) return readScalabilityStructure(packet, at, out);
  return at <= packet.length;
}

/** The scalability structure (RFC 9628 §4.2.1): N_S | Y | G | RES, then the layers' sizes. */
function readScalabilityStructure(packet: Buffer, at: number, out: Vp9Descriptor): boolean {
  if (at >= packet.length) return false;
  const header = packet[at++]!;
  const layers = (header >> 5) + 1;
  if (!(header & 0x10)) return true; // no sizes (Y = 0)
  if (layers > MAX_SPATIAL_LAYERS || at + layers * 4 > packet.length) return false;
  const heights: number[] = [];
  for (let layer = 0; layer < layers; layer++) {
    heights.push(packet.readUInt16BE(at + layer * 4 + 2));
  }
  out.layerHeights = heights;
  out.height = Math.max(...heights);
  return true;
}

/**
 * True when this packet starts a VP9 key frame: the first packet (B) of a picture's base spatial layer
 * that is not predicted from an earlier picture (P = 0). RFC 9628 §4.2: P = 0 with SID 0 marks an
 * intra picture a decoder can start from.
 */
export function isVp9KeyframeStart(packet: Buffer, scratch: Vp9Descriptor): boolean {
  return readVp9Descriptor(packet, scratch) && startsVp9Keyframe(scratch);
}

/** isVp9KeyframeStart for a descriptor already read. */
export function startsVp9Keyframe(descriptor: Vp9Descriptor): boolean {
  return descriptor.layerStart && !descriptor.interPicture && descriptor.spatial === 0;
}
