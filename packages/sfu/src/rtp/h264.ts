import { rtpPayloadOffset } from './rtp.js';

/**
 * H.264 over RTP (RFC 6184, packetization-mode 1 as browsers send it): what the SFU needs to forward
 * it — where a key frame starts (to switch a subscriber onto a stream) and the picture's height (to
 * order simulcast layers). The SFU never decodes; it reads the first bytes of a payload and, on a key
 * frame, the sequence parameter set. Packets it cannot read are "not a key frame", never an error.
 *
 * NAL unit header (one byte): F(1) | NRI(2) | type(5).
 */

const NAL_IDR = 5;
const NAL_SPS = 7;
const STAP_A = 24;
const FU_A = 28;

/**
 * True when this packet starts an H.264 key frame: it carries an IDR slice (type 5) or a sequence
 * parameter set (type 7, which libwebrtc sends first in every key frame), as a single NAL unit, inside
 * a STAP-A aggregate, or as the start fragment (S bit) of an FU-A. A key frame whose SPS and IDR travel
 * in different packets marks both; the first is where a subscriber can start.
 */
export function isH264KeyframeStart(packet: Buffer): boolean {
  const offset = rtpPayloadOffset(packet);
  if (offset < 0 || offset >= packet.length) return false;
  const type = packet[offset]! & 0x1f;
  if (type === NAL_IDR || type === NAL_SPS) return true;
  if (type === FU_A) {
    if (offset + 1 >= packet.length) return false;
    const header = packet[offset + 1]!;
    return (header & 0x80) !== 0 && (header & 0x1f) === NAL_IDR;
  }
  return type === STAP_A && findInStapA(packet, offset, NAL_IDR, NAL_SPS) >= 0;
}

/**
 * In the STAP-A whose header is at `offset` ([16-bit size][NAL unit] repeated after it): where the first
 * NAL unit of type `a` or `b` starts (its header byte; its size is the two bytes before), or -1 when
 * there is none or a size runs past the packet.
 */
function findInStapA(packet: Buffer, offset: number, a: number, b: number): number {
  let at = offset + 1;
  while (at + 2 < packet.length) {
    const size = packet.readUInt16BE(at);
    if (size === 0 || at + 2 + size > packet.length) return -1;
    const type = packet[at + 2]! & 0x1f;
    if (type === a || type === b) return at + 2;
    at += 2 + size;
  }
  return -1;
}

/**
 * Height in pixels of the picture whose sequence parameter set this packet carries (as a single NAL
 * unit or inside a STAP-A), or 0 when it carries none or the SPS cannot be read.
 */
export function h264KeyframeHeight(packet: Buffer): number {
  const offset = rtpPayloadOffset(packet);
  if (offset < 0 || offset >= packet.length) return 0;
  const type = packet[offset]! & 0x1f;
  if (type === NAL_SPS) return readSpsSize(packet.subarray(offset + 1))?.height ?? 0;
  const sps = type === STAP_A ? findInStapA(packet, offset, NAL_SPS, NAL_SPS) : -1;
  if (sps < 0) return 0;
  return readSpsSize(packet.subarray(sps + 1, sps + packet.readUInt16BE(sps - 2)))?.height ?? 0;
}

/** Profiles whose SPS carries chroma format and bit depths (ITU-T H.264 §7.3.2.1.1). */
const HIGH_PROFILES: readonly number[] = [100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135];

/**
 * The coded picture size from an SPS's RBSP (the NAL unit after its header byte), after cropping; null
 * when it is truncated or malformed. Follows ITU-T H.264 §7.3.2.1.1 up to frame_cropping.
 */
export function readSpsSize(sps: Uint8Array): { width: number; height: number } | null {
  const bits = new RbspReader(sps);
  const profile = bits.read(8);
  bits.read(16); // constraint flags, level_idc
  bits.unsigned(); // seq_parameter_set_id
  let chromaFormat = 1;
  if (HIGH_PROFILES.includes(profile)) {
    chromaFormat = bits.unsigned();
    if (chromaFormat === 3) bits.read(1); // separate_colour_plane_flag
    bits.unsigned(); // bit_depth_luma_minus8
    bits.unsigned(); // bit_depth_chroma_minus8
    bits.read(1); // qpprime_y_zero_transform_bypass_flag
    if (bits.read(1)) {
      // seq_scaling_matrix_present_flag: skip each scaling list that is present.
      const lists = chromaFormat === 3 ? 12 : 8;
      for (let list = 0; list < lists; list++) {
        if (bits.read(1)) skipScalingList(bits, list < 6 ? 16 : 64);
      }
    }
  }
  bits.unsigned(); // log2_max_frame_num_minus4
  const pocType = bits.unsigned();
  if (pocType === 0) bits.unsigned();
  else if (pocType === 1) {
    bits.read(1);
    bits.signed();
    bits.signed();
    const cycle = bits.unsigned();
    if (cycle > 255) return null;
    for (let index = 0; index < cycle; index++) bits.signed();
  }
  bits.unsigned(); // max_num_ref_frames
  bits.read(1); // gaps_in_frame_num_value_allowed_flag
  const widthInMbs = bits.unsigned() + 1;
  const heightInMapUnits = bits.unsigned() + 1;
  const frameMbsOnly = bits.read(1);
  if (!frameMbsOnly) bits.read(1); // mb_adaptive_frame_field_flag
  bits.read(1); // direct_8x8_inference_flag
  let [left, right, top, bottom] = [0, 0, 0, 0];
  if (bits.read(1))
    [left, right, top, bottom] = [bits.unsigned(), bits.unsigned(), bits.unsigned(), bits.unsigned()];
  if (bits.overrun) return null;
  // Crop units (§7.4.2.1.1): 4:2:0 halves both ways, 4:2:2 only horizontally, 4:4:4 and monochrome not.
  const subWidth = chromaFormat === 1 || chromaFormat === 2 ? 2 : 1;
  const subHeight = chromaFormat === 1 ? 2 : 1;
  const width = widthInMbs * 16 - subWidth * (left + right);
  const height = (2 - frameMbsOnly) * heightInMapUnits * 16 - subHeight * (2 - frameMbsOnly) * (top + bottom);
  return width > 0 && height > 0 && width <= 16384 && height <= 16384 ? { width, height } : null;
}

function skipScalingList(bits: RbspReader, size: number): void {
  let last = 8;
  let next = 8;
  for (let index = 0; index < size && !bits.overrun; index++) {
    if (next !== 0) next = (last + bits.signed() + 256) % 256;
    last = next === 0 ? last : next;
  }
}

/**
 * Bits of an H.264 RBSP, skipping emulation prevention bytes (00 00 03 → 00 00). Reading past the end
 * yields zeros and sets `overrun`, so a truncated SPS is detected once at the end, not at every field.
 */
class RbspReader {
  private byte = 0;
  private bit = 0;
  private zeros = 0;
  overrun = false;

  constructor(private readonly data: Uint8Array) {}

  read(count: number): number {
    let value = 0;
    for (let index = 0; index < count; index++) value = value * 2 + this.nextBit();
    return value;
  }

  /** ue(v): Exp-Golomb, at most 31 leading zeros (larger is malformed and reads as overrun). */
  unsigned(): number {
    let leadingZeros = 0;
    while (this.nextBit() === 0) {
      if (this.overrun || ++leadingZeros > 31) {
        this.overrun = true;
        return 0;
      }
    }
    return 2 ** leadingZeros - 1 + this.read(leadingZeros);
  }

  /** se(v). */
  signed(): number {
    const code = this.unsigned();
    return code % 2 === 1 ? (code + 1) / 2 : -code / 2;
  }

  private nextBit(): number {
    if (this.bit === 0) {
      // An emulation prevention byte follows two zero bytes; it is not part of the RBSP.
      if (this.zeros >= 2 && this.data[this.byte] === 3) {
        this.byte += 1;
        this.zeros = 0;
      }
      if (this.byte >= this.data.length) {
        this.overrun = true;
        return 0;
      }
      this.zeros = this.data[this.byte] === 0 ? this.zeros + 1 : 0;
    }
    const value = (this.data[this.byte]! >> (7 - this.bit)) & 1;
    this.bit += 1;
    if (this.bit === 8) {
      this.bit = 0;
      this.byte += 1;
    }
    return value;
  }
}
