/**
 * The video codecs a publishing bot can offer besides VP8 (`videoCodec` option), and the well-formed
 * payloads of one frame in each, shaped where the SFU reads them (packages/sfu/src/rtp/video-codec.ts):
 * - VP9: K-SVC like Chromium's L3T1 (three spatial layers in one stream, 180p/360p/720p), a
 *   non-flexible payload descriptor with a 15-bit picture id, layer indices and TL0PICIDX, and the
 *   scalability structure (sizes of the layers) on each key picture;
 * - H.264 (packetization-mode 1): a key frame is a STAP-A with an SPS (640×480) and a PPS, then an IDR
 *   slice in FU-A fragments; other frames a non-IDR slice in FU-A fragments;
 * - AV1: an aggregation header per packet (Z/Y continuation bits, W = 1, N = 1 on a key frame's first
 *   packet) before opaque OBU bytes.
 * Everything past those headers is filler (`FILL`), so a test can tell these packets from crafted ones.
 */

export type BotVideoCodec = 'vp8' | 'vp9' | 'h264' | 'av1';

/** Chromium's payload types for the codecs (VP8's comes from the bot's `payloadTypes`). */
export const CODEC_PAYLOAD_TYPE = { vp9: 98, h264: 102, av1: 45 } as const;

/** The filler byte after the codec headers of the bot's own frames. */
export const FILL = 0xa5;

/** VP9 spatial layers' sizes in the scalability structure, lowest first. */
export const VP9_LAYER_SIZES: readonly (readonly [number, number])[] = [
  [320, 180],
  [640, 360],
  [1280, 720],
];

/** A constrained-baseline SPS for 640×480 (NAL header 0x67) and a PPS, as a key frame carries them. */
const SPS = [0x67, 0x42, 0xc0, 0x1f, 0xda, 0x02, 0x80, 0xf6, 0x40];
const PPS = [0x68, 0xce, 0x3c, 0x80];

/** Per-stream numbering the codec headers carry (picture id and TL0PICIDX of VP9). */
export interface CodecFrameState {
  pictureId: number;
  tl0: number;
}

export function newCodecFrameState(): CodecFrameState {
  return { pictureId: Math.floor(Math.random() * 0x8000), tl0: Math.floor(Math.random() * 256) };
}

/**
 * The RTP payloads of one frame (`packets` of about `bytes` each; the last one ends the picture and
 * carries the marker bit). VP8 is not built here (media-packets.ts).
 */
export function framePayloads(
  codec: Exclude<BotVideoCodec, 'vp8'>,
  keyframe: boolean,
  packets: number,
  bytes: number,
  state: CodecFrameState,
): Buffer[] {
  if (codec === 'vp9') return vp9Picture(keyframe, packets, bytes, state);
  if (codec === 'h264') return h264Frame(keyframe, packets, bytes);
  return av1Frame(keyframe, packets, bytes);
}

/** One VP9 picture of three spatial layers: 1/6, 1/3 and the rest of the packets (at least one each). */
function vp9Picture(keyframe: boolean, packets: number, bytes: number, state: CodecFrameState): Buffer[] {
  const low = Math.max(1, Math.floor(packets / 6));
  const mid = Math.max(1, Math.floor(packets / 3));
  const counts = [low, mid, Math.max(1, packets - low - mid)];
  const payloads: Buffer[] = [];
  counts.forEach((count, spatial) => {
    for (let i = 0; i < count; i++) {
      const layerStart = i === 0;
      const scalability = keyframe && spatial === 0 && layerStart;
      payloads.push(
        vp9Payload(
          {
            pictureId: state.pictureId,
            tl0: state.tl0,
            spatial,
            temporal: 0,
            interPicture: !keyframe,
            layerStart,
            layerEnd: i === count - 1,
            scalability,
          },
          bytes,
        ),
      );
    }
  });
  state.pictureId = (state.pictureId + 1) & 0x7fff;
  state.tl0 = (state.tl0 + 1) & 0xff;
  return payloads;
}

/** What a VP9 payload descriptor (RFC 9628 §4.2, non-flexible, I and L set) says. */
export interface Vp9Fields {
  pictureId: number;
  tl0: number;
  spatial: number;
  temporal: number;
  interPicture: boolean;
  layerStart: boolean;
  layerEnd: boolean;
  /** V: a scalability structure with VP9_LAYER_SIZES follows. */
  scalability: boolean;
}

/** A well-formed VP9 payload: descriptor, then `bytes` of filler. */
export function vp9Payload(fields: Vp9Fields, bytes: number): Buffer {
  const ss = fields.scalability ? 1 + 4 * VP9_LAYER_SIZES.length : 0;
  const payload = Buffer.alloc(5 + ss + bytes, FILL);
  payload[0] =
    0x80 | // I
    (fields.interPicture ? 0x40 : 0) |
    0x20 | // L
    (fields.layerStart ? 0x08 : 0) |
    (fields.layerEnd ? 0x04 : 0) |
    (fields.scalability ? 0x02 : 0);
  payload.writeUInt16BE(0x8000 | fields.pictureId, 1);
  // TID | U | SID | D: upper layers of a key picture depend on the layer below.
  const dependsOnLower = !fields.interPicture && fields.spatial > 0 ? 1 : 0;
  payload[3] = (fields.temporal << 5) | (fields.spatial << 1) | dependsOnLower;
  payload[4] = fields.tl0;
  if (fields.scalability) {
    payload[5] = ((VP9_LAYER_SIZES.length - 1) << 5) | 0x10; // N_S, Y (sizes), G = 0
    VP9_LAYER_SIZES.forEach(([width, height], layer) => {
      payload.writeUInt16BE(width, 6 + layer * 4);
      payload.writeUInt16BE(height, 8 + layer * 4);
    });
  }
  return payload;
}

/** An H.264 frame (RFC 6184, mode 1): key frames start with a STAP-A of SPS and PPS. */
function h264Frame(keyframe: boolean, packets: number, bytes: number): Buffer[] {
  const payloads: Buffer[] = [];
  if (keyframe) payloads.push(h264StapA([SPS, PPS]));
  const slices = Math.max(1, packets - payloads.length);
  const nalHeader = keyframe ? 0x65 : 0x41; // IDR slice (NRI 3) or non-IDR slice (NRI 2)
  for (let i = 0; i < slices; i++) {
    const payload = Buffer.alloc(2 + bytes, FILL);
    payload[0] = (nalHeader & 0xe0) | 28; // FU indicator: the NAL's F and NRI, type FU-A
    const start = i === 0 ? 0x80 : 0;
    const end = i === slices - 1 ? 0x40 : 0;
    payload[1] = start | end | (nalHeader & 0x1f);
    payloads.push(payload);
  }
  return payloads;
}

/** A STAP-A (type 24) aggregating these NAL units, each behind its 16-bit size. */
export function h264StapA(units: readonly (readonly number[])[]): Buffer {
  const bytes = [0x78];
  for (const unit of units) bytes.push(unit.length >> 8, unit.length & 0xff, ...unit);
  return Buffer.from(bytes);
}

/** The SPS and PPS of the bot's H.264 key frames (NAL header byte included). */
export const H264_PARAMETER_SETS = { sps: SPS, pps: PPS } as const;

/**
 * An AV1 frame (RTP payload format for AV1, §4.4): one OBU element per packet, fragmented across the
 * frame's packets (Z: continues one from the packet before, Y: continues in the next).
 */
function av1Frame(keyframe: boolean, packets: number, bytes: number): Buffer[] {
  const payloads: Buffer[] = [];
  for (let i = 0; i < packets; i++) {
    const payload = Buffer.alloc(1 + bytes, FILL);
    const z = i > 0 ? 0x80 : 0;
    const y = i < packets - 1 ? 0x40 : 0;
    const n = keyframe && i === 0 ? 0x08 : 0;
    payload[0] = z | y | 0x10 | n; // W = 1: one OBU element, no length field
    if (i === 0) payload[1] = 6 << 3; // OBU header: OBU_FRAME, no extension, no size field
    payloads.push(payload);
  }
  return payloads;
}
