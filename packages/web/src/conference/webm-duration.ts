/**
 * MediaRecorder writes WebM as a live stream: its Segment has no Duration, so players report
 * "Infinity" and cannot seek. This writes the recorded duration into the Segment's Info element
 * (EBML), the way a finished file carries it. Only the head of the file is parsed and rewritten; the
 * clusters are kept as they are (a Blob slice, not copied).
 */

const EBML_ID = 0x1a45dfa3;
const SEGMENT_ID = 0x18538067;
const INFO_ID = 0x1549a966;
const DURATION_ID = 0x4489;
const TIMECODE_SCALE_ID = 0x2ad7b1;
/** How far into the file the Info element is looked for. */
const HEAD_BYTES = 64 * 1024;

interface Element {
  id: number;
  /** Where the element's header starts. */
  start: number;
  /** Where its content starts. */
  dataStart: number;
  /** Content size; null when unknown (live streams). */
  size: number | null;
}

/** Reads an EBML variable-length integer at `at`: its value (null for "unknown") and length. */
function readVint(
  bytes: Uint8Array,
  at: number,
  keepMarker: boolean,
): { value: number | null; length: number } | null {
  const first = bytes[at];
  if (first === undefined || first === 0) return null;
  let length = 1;
  while (length <= 8 && !(first & (0x80 >> (length - 1)))) length++;
  if (at + length > bytes.length) return null;
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i++) {
    const byte = bytes[at + i] ?? 0;
    if (byte !== 0xff) allOnes = false;
    value = value * 256 + byte;
  }
  return { value: !keepMarker && allOnes ? null : value, length };
}

function readElement(bytes: Uint8Array, at: number): Element | null {
  const id = readVint(bytes, at, true);
  if (!id || id.value === null) return null;
  const size = readVint(bytes, at + id.length, false);
  if (!size) return null;
  return { id: id.value, start: at, dataStart: at + id.length + size.length, size: size.value };
}

/** The children of [from, to). Stops at anything it cannot read. */
function children(bytes: Uint8Array, from: number, to: number): Element[] {
  const found: Element[] = [];
  let at = from;
  while (at < to) {
    const element = readElement(bytes, at);
    if (!element || element.size === null) break;
    found.push(element);
    at = element.dataStart + element.size;
  }
  return found;
}

function idBytes(id: number): number[] {
  const out: number[] = [];
  for (let v = id; v > 0; v = Math.floor(v / 256)) out.unshift(v % 256);
  return out;
}

/** An 8-byte EBML size (always this long, so the header's length is known in advance). */
function size8(size: number): number[] {
  const out = [0x01];
  for (let i = 6; i >= 0; i--) out.push(Math.floor(size / 2 ** (8 * i)) % 256);
  return out;
}

function readUint(bytes: Uint8Array, from: number, length: number): number {
  let value = 0;
  for (let i = 0; i < length; i++) value = value * 256 + (bytes[from + i] ?? 0);
  return value;
}

/**
 * The WebM `head` (its first bytes) with Duration set to `durationMs`, and how many bytes of the
 * original head it replaces. Null when the file does not look like WebM with an Info element.
 */
export function withDuration(
  head: Uint8Array,
  durationMs: number,
): { bytes: Uint8Array<ArrayBuffer>; replaced: number } | null {
  const ebml = readElement(head, 0);
  if (!ebml || ebml.id !== EBML_ID || ebml.size === null) return null;
  const segment = readElement(head, ebml.dataStart + ebml.size);
  // A recorder that knew the size would have written the duration as well.
  if (!segment || segment.id !== SEGMENT_ID || segment.size !== null) return null;
  const segmentEnd = head.length;
  const info = children(head, segment.dataStart, segmentEnd).find((e) => e.id === INFO_ID);
  if (!info || info.size === null || info.dataStart + info.size > head.length) return null;
  const infoEnd = info.dataStart + info.size;
  const kept: number[] = [];
  let scale = 1_000_000;
  for (const child of children(head, info.dataStart, infoEnd)) {
    if (child.size === null) return null;
    if (child.id === TIMECODE_SCALE_ID) scale = readUint(head, child.dataStart, child.size) || scale;
    if (child.id === DURATION_ID) continue;
    kept.push(...head.subarray(child.start, child.dataStart + child.size));
  }
  const duration = new Uint8Array(8);
  new DataView(duration.buffer).setFloat64(0, (durationMs * 1_000_000) / scale);
  const content = [...kept, ...idBytes(DURATION_ID), 0x88, ...duration];
  const infoBytes = [...idBytes(INFO_ID), ...size8(content.length), ...content];
  const out = new Uint8Array(info.start + infoBytes.length);
  out.set(head.subarray(0, info.start));
  out.set(infoBytes, info.start);
  return { bytes: out, replaced: infoEnd };
}

const CLUSTER_ID = 0x1f43b675;
const CLUSTER_TIMECODE_ID = 0xe7;
const SIMPLE_BLOCK_ID = 0xa3;

/**
 * The time of the last block in a live WebM file (Segment and Clusters of unknown size), in
 * timecode-scale units (milliseconds for MediaRecorder); -1 when there is none or the file cannot
 * be walked.
 */
export function lastBlockTime(bytes: Uint8Array): number {
  let at = 0;
  let cluster = 0;
  let last = -1;
  while (at < bytes.length) {
    const element = readElement(bytes, at);
    if (!element) break;
    if (element.id === SEGMENT_ID || element.id === CLUSTER_ID) {
      at = element.dataStart;
      continue;
    }
    if (element.size === null) break;
    if (element.id === CLUSTER_TIMECODE_ID) cluster = readUint(bytes, element.dataStart, element.size);
    else if (element.id === SIMPLE_BLOCK_ID) {
      const track = readVint(bytes, element.dataStart, false);
      const offset = element.dataStart + (track?.length ?? 1);
      if (offset + 2 <= bytes.length) {
        const relative = new DataView(bytes.buffer, bytes.byteOffset + offset, 2).getInt16(0);
        last = Math.max(last, cluster + relative);
      }
    }
    at = element.dataStart + element.size;
  }
  return last;
}

/** One frame of the recorder's 25 per second: the last frame lasts this long after its start. */
const LAST_FRAME_MS = 40;

/**
 * The recording with its duration written in: the time of its last block plus one frame (what is
 * really in the file), or `fallbackMs` (measured while recording) when the blocks cannot be read.
 * Unchanged when it cannot be parsed at all.
 */
export async function fixWebmDuration(blob: Blob, fallbackMs: number): Promise<Blob> {
  const last = lastBlockTime(new Uint8Array(await blob.arrayBuffer()));
  const durationMs = last >= 0 ? last + LAST_FRAME_MS : fallbackMs;
  const head = new Uint8Array(await blob.slice(0, HEAD_BYTES).arrayBuffer());
  const fixed = withDuration(head, durationMs);
  if (!fixed) return blob;
  return new Blob([fixed.bytes, blob.slice(fixed.replaced)], { type: blob.type || 'video/webm' });
}
