/**
 * The little of an MLS message (RFC 9420 §6) the delivery service can check without any key: the
 * outer framing. A commit is a PrivateMessage whose clear header names the group, the epoch and
 * the content type; a key package names its credential in the clear; a welcome is at least a
 * welcome. Garbage is refused here, before it reaches a member — so a malicious committer cannot
 * wedge the group with bytes that are not even a commit. (A well-framed commit that fails inside
 * is the members' to catch: they rejoin, docs/e2ee.md.)
 */

const MLS10 = 1;
const WIRE_PRIVATE_MESSAGE = 2;
const WIRE_WELCOME = 3;
const WIRE_KEY_PACKAGE = 5;
const CONTENT_APPLICATION = 1;
const CONTENT_COMMIT = 3;
const CREDENTIAL_BASIC = 1;
/** The one suite Parley's clients use (MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519). */
const CIPHERSUITE = 1;

class Reader {
  private offset = 0;
  constructor(private readonly bytes: Uint8Array) {}

  u8(): number {
    if (this.offset + 1 > this.bytes.length) throw new Error('short');
    return this.bytes[this.offset++] as number;
  }

  u16(): number {
    return (this.u8() << 8) | this.u8();
  }

  u64(): bigint {
    let value = 0n;
    for (let i = 0; i < 8; i++) value = (value << 8n) | BigInt(this.u8());
    return value;
  }

  /** RFC 9420 §2.1.2 variable-length vector: 1, 2 or 4 byte length prefix. */
  vector(): Uint8Array {
    const first = this.u8();
    const prefix = first >> 6;
    let length = first & 0x3f;
    if (prefix === 1) length = (length << 8) | this.u8();
    else if (prefix === 2) {
      for (let i = 0; i < 3; i++) length = length * 256 + this.u8();
    } else if (prefix !== 0) throw new Error('bad length');
    if (this.offset + length > this.bytes.length) throw new Error('short');
    const value = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }

  get done(): boolean {
    return this.offset === this.bytes.length;
  }
}

function decode(base64: string): Reader | null {
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length < 4) return null;
  const reader = new Reader(new Uint8Array(bytes));
  return reader.u16() === MLS10 ? reader : null;
}

export interface PrivateMessageHeader {
  groupId: string;
  epoch: bigint;
  contentType: 'application' | 'commit' | 'other';
}

/** The clear header of a PrivateMessage (group id as hex), or null when it is not one. */
export function privateMessageHeader(base64: string): PrivateMessageHeader | null {
  try {
    const reader = decode(base64);
    if (!reader || reader.u16() !== WIRE_PRIVATE_MESSAGE) return null;
    const groupId = Buffer.from(reader.vector()).toString('hex');
    const epoch = reader.u64();
    const type = reader.u8();
    reader.vector(); // authenticated_data
    reader.vector(); // encrypted_sender_data
    reader.vector(); // ciphertext
    if (!reader.done) return null;
    const contentType =
      type === CONTENT_COMMIT ? 'commit' : type === CONTENT_APPLICATION ? 'application' : 'other';
    return { groupId, epoch, contentType };
  } catch {
    return null;
  }
}

/** Whether the blob is framed as an MLS 1.0 welcome for Parley's suite. */
export function isWelcome(base64: string): boolean {
  try {
    const reader = decode(base64);
    if (!reader || reader.u16() !== WIRE_WELCOME || reader.u16() !== CIPHERSUITE) return false;
    reader.vector(); // secrets
    reader.vector(); // encrypted_group_info
    return reader.done;
  } catch {
    return false;
  }
}

/** The basic credential's identity (the participant id) a key package names, or null. */
export function keyPackageIdentity(base64: string): string | null {
  try {
    const reader = decode(base64);
    if (!reader || reader.u16() !== WIRE_KEY_PACKAGE) return null;
    if (reader.u16() !== MLS10 || reader.u16() !== CIPHERSUITE) return null;
    reader.vector(); // init_key
    reader.vector(); // leaf node: encryption_key
    reader.vector(); // signature_key
    if (reader.u16() !== CREDENTIAL_BASIC) return null;
    return new TextDecoder('utf-8', { fatal: true }).decode(reader.vector());
  } catch {
    return null;
  }
}

/** The switch-off policy a group id carries (clients: packages/web/src/e2ee/group-policy.ts). */
export function offPolicyOf(groupIdHex: string): string[] | null {
  try {
    const parsed = JSON.parse(Buffer.from(groupIdHex, 'hex').toString('utf8')) as {
      v?: unknown;
      off?: unknown;
    };
    if (parsed.v !== 1 || !Array.isArray(parsed.off)) return null;
    return parsed.off.filter((id): id is string => typeof id === 'string');
  } catch {
    return null;
  }
}
