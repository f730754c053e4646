/**
 * Malformed video payloads (codec headers included, no RTP header) an attacking publisher sends in
 * malformed-codecs.test.ts, by codec, each set named for the failure message. Crafted packets end in
 * CRAFTED (never the bot's own filler), so a subscriber can tell whether one reached it.
 */
import { H264_PARAMETER_SETS, h264StapA, VP9_LAYER_SIZES, vp9Payload } from '@parley/media-bot';

export const CRAFTED = 0xee;
/** The filler of well-formed packets crafted for the good/bad alternation (the bot's own use FILL). */
export const GOOD = 0xa6;

const crafted = (bytes: readonly number[], tail = 8): Buffer =>
  Buffer.from([...bytes, ...new Array<number>(tail).fill(CRAFTED)]);

/** `packet` cut after each of its first `packet.length` lengths: 0 (empty payload), 1, … length - 1. */
function truncations(packet: Buffer): Buffer[] {
  return Array.from({ length: packet.length }, (_, length) => packet.subarray(0, length));
}

/** A VP9 key picture's first packet: descriptor with I (15 bits), L, TL0PICIDX and the full SS. */
export function vp9KeyStart(pictureId: number): Buffer {
  const fields = { pictureId, tl0: 0, spatial: 0, temporal: 0, interPicture: false };
  return vp9Payload({ ...fields, layerStart: true, layerEnd: false, scalability: true }, 0);
}

/**
 * VP9 (RFC 9628 §4.2) descriptors the SFU cannot read: cut at every length inside a key picture's
 * descriptor (18 bytes) and a flexible-mode one with three reference indices; flags announcing fields
 * the packet does not hold.
 */
export function vp9Unreadable(): Buffer[] {
  const flexible = Buffer.from([0xf8, 0x80 | 0x12, 0x34, 0x40, 0x03, 0x05, 0x06]); // I P L F B, 3 P_DIFF
  return [
    ...truncations(vp9KeyStart(0x1234)),
    ...truncations(flexible),
    Buffer.from([0xff]), // every flag, nothing behind
    Buffer.from([0x80, 0x80]), // I with a 15-bit picture id, one byte of it
    Buffer.from([0xa0, 0x01]), // I and L, the layer byte missing
    Buffer.from([0x22, 0x00, 0x00]), // L and V, the SS header missing
    Buffer.from([0x02, 0xf0, 0, 0x10, 0, 0x20]), // SS of 8 layers with sizes, one and a half given
    Buffer.from([0x52, 0x01]), // P F V: a reference index announcing another, then nothing
  ];
}

/** A VP9 descriptor in every field: flags, picture id, layers (TID U SID D), TL0PICIDX, then `rest`. */
const vp9 = (flags: number, layers: number, rest: readonly number[] = []) =>
  crafted([flags | 0xa0, 0x80 | 0x55, 0x55, layers, 7, ...rest]);

/**
 * VP9 descriptors that can be read but say absurd things: spatial and temporal ids beyond the three
 * layers announced, key-picture flags (P = 0, B, V) on packets that do not start a picture.
 */
export function vp9AbsurdLayers(): Buffer[] {
  return [
    vp9(0x4c, (7 << 5) | (7 << 1)), // TID 7, SID 7, whole layer frame
    vp9(0x48, (0 << 5) | (5 << 1) | 1), // SID 5, depends on the layer below
    vp9(0x44, (6 << 5) | 0x10 | (3 << 1)), // TID 6 switching-up point, SID 3
    vp9(0x08, 7 << 1), // P = 0 and B on SID 7: a key frame flag above the base
    vp9(0x04, 0), // P = 0, not B: key picture flags in the middle of a layer frame
    vp9(0x06, 2 << 1, [0x10, 0, 16, 0, 9]), // SS of one layer on a non-first packet of SID 2
  ];
}

/** SS (RFC 9628 §4.2.1) header: N_S - 1 | Y | G | reserved. */
const ss = (layers: number, sizes: boolean, groups: boolean) =>
  ((layers - 1) << 5) | (sizes ? 0x10 : 0) | (groups ? 0x08 : 0);

/**
 * Key pictures (B, P = 0, SID 0) whose scalability structure is absurd: eight layers of 65535×65535,
 * eight of 0×0, a picture group of 255 entries with nothing behind, one layer (SVC off), no sizes.
 * Each changes what the SFU believes the stream's layers are; the attacker's own stream only.
 */
export function vp9AbsurdStructures(): Buffer[] {
  const key = (structure: readonly number[]) => crafted([0xaa, 0x80 | 0x66, 0x66, 0, 9, ...structure]);
  const sizes = (width: number, height: number, count: number) =>
    Array.from({ length: count }, () => [width >> 8, width & 0xff, height >> 8, height & 0xff]).flat();
  return [
    key([ss(8, true, false), ...sizes(65535, 65535, 8)]),
    key([ss(8, true, false), ...sizes(0, 0, 8)]),
    key([ss(3, true, true), ...sizes(320, 180, 3), 255]), // N_G 255, no picture group
    key([ss(8, false, true), 255, 0xff, 0xff]), // no sizes, a group that overruns
    key([ss(1, true, false), ...sizes(1, 1, 1)]), // one layer: not SVC any more
  ];
}

/**
 * A well-formed packet in `codec` ending in GOOD (for the good/bad alternation): VP9 a whole
 * predicted layer frame of `spatial`, H.264 a non-IDR slice as one NAL unit, AV1 one whole OBU.
 */
export function goodPayload(codec: 'vp9' | 'h264' | 'av1', index: number, spatial: number): Buffer {
  if (codec === 'h264') return crafted([0x41], 200).fill(GOOD, 1);
  if (codec === 'av1') return crafted([0x10, 6 << 3], 200).fill(GOOD, 2);
  const fields = { pictureId: 0x100 + index, tl0: 0, spatial, temporal: 0, interPicture: true };
  const payload = vp9Payload({ ...fields, layerStart: true, layerEnd: true, scalability: false }, 200);
  return payload.fill(GOOD, payload.length - 200);
}

export const VP9_LAYERS = VP9_LAYER_SIZES.length;

const { sps, pps } = H264_PARAMETER_SETS;
/** The STAP-A (SPS, PPS) that opens each of the bot's H.264 key frames: its own, without FILL. */
export const H264_PARAMETER_STAP = h264StapA([sps, pps]);

/**
 * H.264 (RFC 6184) payloads: STAP-As whose NAL sizes run past the packet or are zero, FU-A start
 * fragments without their FU header, SPSs of garbage, of absurd sizes and with Exp-Golomb codes that
 * run past their end; reserved NAL types, empty payloads.
 */
export function h264Malformed(): Buffer[] {
  const stap = h264StapA([sps, pps]);
  const huge = [0x67, 0x42, 0xc0, 0x1f, 0xf0, 0x00, 0x00, 0x01, 0xff, 0xff, 0xff, 0xff]; // 2^31-sized fields
  return [
    Buffer.alloc(0),
    Buffer.from([0x78]), // STAP-A, nothing aggregated
    Buffer.from([0x78, 0xff, 0xff, ...sps]), // first size 65535
    Buffer.from([...stap, 0x40, 0x00, 0x65]), // a third unit of 16384 bytes, one given
    Buffer.from([0x78, 0, 0, 0, 0, 0, 0]), // zero-length units
    Buffer.from([0x78, 0, 0, 0, sps.length, ...sps]), // a zero-length unit before an SPS
    Buffer.from([0x78, 0, 1]), // a size, its unit missing
    Buffer.from([0x7c]), // FU-A without its FU header
    Buffer.from([0x7c, 0x85]), // FU-A start of an IDR, no data
    Buffer.from([0x7c, 0xc5, ...new Array<number>(4).fill(CRAFTED)]), // start and end bit at once
    crafted([0x67]), // SPS NAL header, garbage after it
    crafted([0x67, 0x64, 0, 0x28, 0xff]), // high profile, fields cut off
    Buffer.from(huge),
    Buffer.from([0x67, 0x42, 0xc0, 0x1f, 0x00, 0x00, 0x00, 0x00, 0x00]), // all-zero Exp-Golomb: overrun
    h264StapA([[0x67, 0x42, 0xc0, 0x1f, 0x88, 0x00, 0x03, 0x00, 0x03], pps]), // escapes, nothing else
    crafted([0x1f]), // reserved type 31
    crafted([0x00]), // type 0, forbidden bit clear
    crafted([0x80 | 0x65]), // forbidden bit set on an IDR slice
  ];
}

/**
 * AV1 aggregation headers (RTP payload format for AV1 §4.4) with bogus Z/Y/W/N combinations and OBU
 * element sizes (LEB128) that run past the packet or never end; empty payloads.
 */
export function av1Malformed(): Buffer[] {
  return [
    Buffer.alloc(0),
    Buffer.from([0xf8]), // Z Y W=3 N, nothing behind
    Buffer.from([0x08]), // N on an empty aggregate
    crafted([0x20, 0xff, 0xff, 0xff, 0xff, 0x0f]), // W=2: first element of 2^32-1 bytes
    crafted([0x00, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80]), // W=0: a LEB128 that never ends
    crafted([0x30, 0x05, 0x30, 0x00]), // W=3, second element's size runs past the end
    Buffer.from([0x00, 0x00]), // W=0, an element of size 0 and nothing else
    crafted([0xc8, 0x30]), // Z and Y with N (a new sequence inside a fragment)
    crafted([0x18, 0x78]), // N with an OBU header of a reserved type
  ];
}
