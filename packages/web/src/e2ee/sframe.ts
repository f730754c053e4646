/**
 * SFrame-style frame encryption (RFC 9605 key schedule and header, AES-128-GCM, suite 0x0004) with
 * the codec bytes the SFU and the depacketizers need left in clear. Runs in the transform worker and
 * in Node tests; only WebCrypto.
 *
 * Frame on the wire:
 *   clear prefix (P bytes) | ciphertext + 16-byte tag | SFrame header | u8 P | u8 header length | 0xE2 0xEE
 * AAD = "E2EEv2" | u8 source | u8 sender id length | sender participant id (UTF-8) | u8 P | clear prefix | SFrame header
 * The prefix and its length are authenticated, and so are who sent the frame and from which source:
 * a frame shown in another tile, or as another source, fails to decrypt (docs/e2ee.md, _Frame format_).
 */

export const CIPHER_SUITE = 0x0004;
const MAGIC = [0xe2, 0xee] as const;
const TRAILER_BYTES = 4;
/** v2 added the sender and the source; a v1 frame never decrypts under it. */
const AAD_LABEL = new TextEncoder().encode('E2EEv2');

/** The media sources a frame can carry; each has its own code in the AAD. */
export type FrameSource = 'mic' | 'camera' | 'screen' | 'screen-audio';
const SOURCE_CODES: Record<FrameSource, number> = { mic: 1, camera: 2, screen: 3, 'screen-audio': 4 };

/** Whose frame it is and from which of their sources: bound into every frame's AAD. */
export interface FrameContext {
  /** The sending participant's id (their MLS credential). */
  sender: string;
  source: FrameSource;
}
/** KID = leaf << EPOCH_BITS | epoch mod 2^EPOCH_BITS (RFC 9605 §5.2 MLS scheme, no context bits). */
export const EPOCH_BITS = 8;

export interface FrameKey {
  key: CryptoKey;
  salt: Uint8Array;
}

export function keyId(leaf: number, epoch: number): number {
  return leaf * 2 ** EPOCH_BITS + (epoch % 2 ** EPOCH_BITS);
}

export function epochBitsOf(kid: number): number {
  return kid % 2 ** EPOCH_BITS;
}

export function leafOf(kid: number): number {
  return Math.floor(kid / 2 ** EPOCH_BITS);
}

function bigEndian(value: number, bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  let rest = BigInt(value);
  for (let i = bytes - 1; i >= 0; i--) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** RFC 9605 §4.4.2: key and salt for one KID from the epoch's base key (HKDF-SHA256, empty salt). */
export async function deriveFrameKey(baseKey: Uint8Array, kid: number): Promise<FrameKey> {
  const secret = await crypto.subtle.importKey('raw', baseKey as BufferSource, 'HKDF', false, ['deriveBits']);
  const context = concat(bigEndian(kid, 8), bigEndian(CIPHER_SUITE, 2));
  const expand = (label: string, bytes: number) =>
    crypto.subtle.deriveBits(
      {
        name: 'HKDF',
        hash: 'SHA-256',
        salt: new Uint8Array(0),
        info: concat(new TextEncoder().encode(label), context) as BufferSource,
      },
      secret,
      bytes * 8,
    );
  const [rawKey, salt] = await Promise.all([
    expand('SFrame 1.0 Secret key ', 16),
    expand('SFrame 1.0 Secret salt ', 12),
  ]);
  const key = await crypto.subtle.importKey('raw', rawKey, 'AES-GCM', false, ['encrypt', 'decrypt']);
  return { key, salt: new Uint8Array(salt) };
}

/** The smallest big-endian encoding of a value (at least one byte), as the SFrame header uses. */
function minimal(value: number): Uint8Array {
  let bytes = 1;
  while (bytes < 8 && value >= 2 ** (8 * bytes)) bytes++;
  return bigEndian(value, bytes);
}

/** RFC 9605 §4.3 header: |X|K(3)|Y|C(3)| then the long KID and CTR, if any. */
export function encodeHeader(kid: number, ctr: number): Uint8Array {
  let config = 0;
  const parts: Uint8Array[] = [];
  if (kid < 8) config |= kid << 4;
  else {
    const bytes = minimal(kid);
    config |= 0x80 | ((bytes.length - 1) << 4);
    parts.push(bytes);
  }
  if (ctr < 8) config |= ctr;
  else {
    const bytes = minimal(ctr);
    config |= 0x08 | (bytes.length - 1);
    parts.push(bytes);
  }
  return concat(Uint8Array.of(config), ...parts);
}

export function decodeHeader(header: Uint8Array): { kid: number; ctr: number } | null {
  const config = header[0];
  if (config === undefined) return null;
  let offset = 1;
  const read = (length: number): number | null => {
    if (offset + length > header.length) return null;
    let value = 0;
    for (let i = 0; i < length; i++) value = value * 256 + (header[offset + i] as number);
    offset += length;
    // Beyond 2^53 a JS number loses bits: such a KID or counter is never ours.
    return Number.isSafeInteger(value) ? value : null;
  };
  const kid = config & 0x80 ? read(((config >> 4) & 0x07) + 1) : (config >> 4) & 0x07;
  const ctr = config & 0x08 ? read((config & 0x07) + 1) : config & 0x07;
  if (kid === null || ctr === null || offset !== header.length) return null;
  return { kid, ctr };
}

function nonce(salt: Uint8Array, ctr: number): Uint8Array {
  const out = new Uint8Array(salt);
  const counter = bigEndian(ctr, 8);
  for (let i = 0; i < 8; i++) out[4 + i] = (out[4 + i] as number) ^ (counter[i] as number);
  return out;
}

function additionalData(context: FrameContext, prefix: Uint8Array, header: Uint8Array): Uint8Array {
  const sender = new TextEncoder().encode(context.sender);
  if (sender.length > 255) throw new Error('participant id too long for the frame AAD');
  return concat(
    AAD_LABEL,
    Uint8Array.of(SOURCE_CODES[context.source], sender.length),
    sender,
    Uint8Array.of(prefix.length),
    prefix,
    header,
  );
}

/** Whether a frame ends in our trailer (it may still fail to decrypt). */
export function looksEncrypted(frame: Uint8Array): boolean {
  const n = frame.length;
  return n >= TRAILER_BYTES + 17 && frame[n - 2] === MAGIC[0] && frame[n - 1] === MAGIC[1];
}

export async function encryptFrame(
  frame: Uint8Array,
  prefixLength: number,
  key: FrameKey,
  kid: number,
  ctr: number,
  context: FrameContext,
): Promise<Uint8Array> {
  const prefix = frame.subarray(0, Math.min(prefixLength, frame.length));
  const header = encodeHeader(kid, ctr);
  const ciphertext = await crypto.subtle.encrypt(
    {
      name: 'AES-GCM',
      iv: nonce(key.salt, ctr) as BufferSource,
      additionalData: additionalData(context, prefix, header) as BufferSource,
    },
    key.key,
    frame.subarray(prefix.length) as BufferSource,
  );
  return concat(
    prefix,
    new Uint8Array(ciphertext),
    header,
    Uint8Array.of(prefix.length, header.length, ...MAGIC),
  );
}

/** The KID and counter of an encrypted frame, without decrypting it (null: not one of ours or malformed). */
export function frameHeader(frame: Uint8Array): { kid: number; ctr: number } | null {
  const parsed = parseFrame(frame);
  return parsed ? { kid: parsed.kid, ctr: parsed.ctr } : null;
}

interface ParsedFrame {
  prefix: Uint8Array;
  body: Uint8Array;
  header: Uint8Array;
  kid: number;
  ctr: number;
}

function parseFrame(frame: Uint8Array): ParsedFrame | null {
  if (!looksEncrypted(frame)) return null;
  const n = frame.length;
  const prefixLength = frame[n - 4] as number;
  const headerLength = frame[n - 3] as number;
  const headerStart = n - TRAILER_BYTES - headerLength;
  // Bounds first: every length comes from the network.
  if (headerLength < 1 || headerLength > 17 || headerStart - prefixLength < 16) return null;
  const header = frame.subarray(headerStart, n - TRAILER_BYTES);
  const parsed = decodeHeader(header);
  if (!parsed) return null;
  return {
    prefix: frame.subarray(0, prefixLength),
    body: frame.subarray(prefixLength, headerStart),
    header,
    ...parsed,
  };
}

/**
 * Decrypts a frame with the key `lookup` finds for its KID. Null when it is not ours, no key is
 * known, or authentication fails: such a frame must be dropped, never handed to the decoder.
 */
export async function decryptFrame(
  frame: Uint8Array,
  lookup: (kid: number) => Promise<FrameKey | null> | FrameKey | null,
  context: FrameContext,
): Promise<{ frame: Uint8Array; kid: number; ctr: number } | null> {
  const parsed = parseFrame(frame);
  if (!parsed) return null;
  const key = await lookup(parsed.kid);
  if (!key) return null;
  try {
    const plaintext = await crypto.subtle.decrypt(
      {
        name: 'AES-GCM',
        iv: nonce(key.salt, parsed.ctr) as BufferSource,
        additionalData: additionalData(context, parsed.prefix, parsed.header) as BufferSource,
      },
      key.key,
      parsed.body as BufferSource,
    );
    return { frame: concat(parsed.prefix, new Uint8Array(plaintext)), kid: parsed.kid, ctr: parsed.ctr };
  } catch {
    return null;
  }
}

/** Bytes left in clear: VP8 keeps its payload header (10 bytes on keyframes, 1 otherwise), Opus none. */
export function clearPrefixLength(kind: 'audio' | 'video', frame: Uint8Array): number {
  if (kind === 'audio') return 0;
  const first = frame[0];
  if (first === undefined) return 0;
  // VP8 payload header: the P bit (bit 0) is 0 on a keyframe.
  return (first & 0x01) === 0 ? Math.min(10, frame.length) : 1;
}
