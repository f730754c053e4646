import {
  type CiphersuiteImpl,
  type ClientState,
  createApplicationMessage,
  createCommit,
  createGroup,
  decodeMlsMessage,
  defaultCapabilities,
  defaultLifetime,
  emptyPskIndex,
  encodeMlsMessage,
  generateKeyPackage,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  joinGroup,
  type KeyPackage,
  mlsExporter,
  type PrivateKeyPackage,
  type Proposal,
  processPrivateMessage,
} from 'ts-mls';

/**
 * RFC 9420's mandatory suite: X25519, AES-128-GCM, SHA-256, Ed25519 — all native WebCrypto in
 * Chromium ≥ 137 and Node 20, so no JavaScript fallback crypto is loaded.
 */
export const CIPHERSUITE = 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519';
/** RFC 9605 §5.2: the SFrame base key every member exports from each epoch. */
const SFRAME_EXPORTER_LABEL = 'SFrame 1.0 Base Key';

let suite: Promise<CiphersuiteImpl> | null = null;
function ciphersuite(): Promise<CiphersuiteImpl> {
  suite ??= getCiphersuiteImpl(getCiphersuiteFromName(CIPHERSUITE));
  return suite;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function toBase64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

export function fromBase64(text: string): Uint8Array {
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

/** A commit built on top of the current epoch, not yet applied: the delivery service decides. */
export interface PendingCommit {
  commit: string | undefined;
  welcome: string | undefined;
  apply(): void;
}

/** A group member as the MLS tree knows it: leaf index and credential (the participant id). */
export interface GroupMember {
  leaf: number;
  participantId: string;
}

/**
 * This client's side of the meeting's MLS group (ts-mls): a key package to be added with, the group
 * state once welcomed or created, commits for the changes the delivery service asks for, the epoch's
 * exported SFrame base key and authenticator, and application messages (encrypted chat).
 * The credential is the participant id the server gave us; verification (the meeting code) is what
 * makes the server's say-so checkable.
 */
export class MlsMember {
  private state: ClientState | null = null;
  private keyPackage: { publicPackage: KeyPackage; privatePackage: PrivateKeyPackage } | null = null;

  constructor(readonly participantId: string) {}

  get inGroup(): boolean {
    return this.state !== null;
  }

  get epoch(): number {
    return this.state ? Number(this.state.groupContext.epoch) : -1;
  }

  get leaf(): number {
    return this.state?.privatePath.leafIndex ?? -1;
  }

  /** A fresh key package (base64 MLS message) for the delivery service; replaces any earlier one. */
  async createKeyPackage(): Promise<string> {
    const cs = await ciphersuite();
    const credential = { credentialType: 'basic' as const, identity: encoder.encode(this.participantId) };
    this.keyPackage = await generateKeyPackage(credential, defaultCapabilities(), defaultLifetime, [], cs);
    return toBase64(
      encodeMlsMessage({
        keyPackage: this.keyPackage.publicPackage,
        wireformat: 'mls_key_package',
        version: 'mls10',
      }),
    );
  }

  /** Starts a new group with ourselves as its only member (epoch 0). */
  async createGroup(groupId: string): Promise<void> {
    const own = this.requireKeyPackage();
    const cs = await ciphersuite();
    this.state = await createGroup(encoder.encode(groupId), own.publicPackage, own.privatePackage, [], cs);
  }

  /**
   * Builds a commit adding and removing members. `add` are base64 key packages whose credential must
   * name the participant the server says they are; `remove` are participant ids.
   */
  async commit(
    add: { participantId: string; keyPackage: string }[],
    remove: string[],
  ): Promise<PendingCommit> {
    const state = this.requireState();
    const cs = await ciphersuite();
    const proposals: Proposal[] = [];
    for (const entry of add) {
      const message = decodeMlsMessage(fromBase64(entry.keyPackage), 0)?.[0];
      if (message?.wireformat !== 'mls_key_package') throw new Error('not a key package');
      const credential = message.keyPackage.leafNode.credential;
      if (
        credential.credentialType !== 'basic' ||
        decoder.decode(credential.identity) !== entry.participantId
      ) {
        throw new Error('key package credential does not match the participant');
      }
      proposals.push({ proposalType: 'add', add: { keyPackage: message.keyPackage } });
    }
    const members = this.members();
    for (const participantId of remove) {
      const member = members.find((m) => m.participantId === participantId);
      if (member) proposals.push({ proposalType: 'remove', remove: { removed: member.leaf } });
    }
    if (proposals.length === 0) return { commit: undefined, welcome: undefined, apply: () => undefined };
    const result = await createCommit(
      { state, cipherSuite: cs },
      { extraProposals: proposals, ratchetTreeExtension: true },
    );
    return {
      commit: toBase64(encodeMlsMessage(result.commit)),
      welcome: result.welcome
        ? toBase64(encodeMlsMessage({ welcome: result.welcome, wireformat: 'mls_welcome', version: 'mls10' }))
        : undefined,
      apply: () => {
        this.state = result.newState;
      },
    };
  }

  /** Enters the group from a welcome (the ratchet tree rides in the welcome's extension). */
  async join(welcome: string): Promise<void> {
    const own = this.requireKeyPackage();
    const cs = await ciphersuite();
    const message = decodeMlsMessage(fromBase64(welcome), 0)?.[0];
    if (message?.wireformat !== 'mls_welcome') throw new Error('not a welcome');
    this.state = await joinGroup(message.welcome, own.publicPackage, own.privatePackage, emptyPskIndex, cs);
  }

  /** Applies a commit another member made (moves to the next epoch). */
  async applyCommit(commit: string): Promise<void> {
    const state = this.requireState();
    const cs = await ciphersuite();
    const message = decodeMlsMessage(fromBase64(commit), 0)?.[0];
    if (message?.wireformat !== 'mls_private_message') throw new Error('not a private message');
    const result = await processPrivateMessage(state, message.privateMessage, emptyPskIndex, cs);
    if (result.kind !== 'newState') throw new Error('expected a commit');
    this.state = result.newState;
  }

  /** The members in the current epoch's tree, by leaf index. */
  members(): GroupMember[] {
    const state = this.requireState();
    const members: GroupMember[] = [];
    state.ratchetTree.forEach((node, index) => {
      if (index % 2 !== 0 || node?.nodeType !== 'leaf') return;
      const credential = node.leaf.credential;
      if (credential.credentialType !== 'basic') return;
      members.push({ leaf: index / 2, participantId: decoder.decode(credential.identity) });
    });
    return members;
  }

  /** The SFrame base key of the current epoch (RFC 9605 §5.2), 16 bytes. */
  async sframeBaseKey(): Promise<Uint8Array> {
    const state = this.requireState();
    const cs = await ciphersuite();
    return mlsExporter(state.keySchedule.exporterSecret, SFRAME_EXPORTER_LABEL, new Uint8Array(0), 16, cs);
  }

  /** RFC 9420 epoch authenticator: identical for every member of the epoch; the meeting code is made from it. */
  epochAuthenticator(): Uint8Array {
    return this.requireState().keySchedule.epochAuthenticator;
  }

  /** Encrypts an application message (chat) for the group. */
  async encrypt(plaintext: Uint8Array): Promise<string> {
    const state = this.requireState();
    const cs = await ciphersuite();
    const result = await createApplicationMessage(state, plaintext, cs);
    this.state = result.newState;
    return toBase64(
      encodeMlsMessage({
        privateMessage: result.privateMessage,
        wireformat: 'mls_private_message',
        version: 'mls10',
      }),
    );
  }

  /** Decrypts an application message; also returns the sender's participant id from its leaf. */
  async decrypt(ciphertext: string): Promise<Uint8Array> {
    const state = this.requireState();
    const cs = await ciphersuite();
    const message = decodeMlsMessage(fromBase64(ciphertext), 0)?.[0];
    if (message?.wireformat !== 'mls_private_message') throw new Error('not a private message');
    const result = await processPrivateMessage(state, message.privateMessage, emptyPskIndex, cs);
    this.state = result.newState;
    if (result.kind !== 'applicationMessage') throw new Error('expected an application message');
    return result.message;
  }

  /** Forget the group (E2EE switched off, or a fresh group starts). */
  leaveGroup(): void {
    this.state = null;
  }

  private requireState(): ClientState {
    if (!this.state) throw new Error('not in the group');
    return this.state;
  }

  private requireKeyPackage(): { publicPackage: KeyPackage; privatePackage: PrivateKeyPackage } {
    if (!this.keyPackage) throw new Error('no key package');
    return this.keyPackage;
  }
}
