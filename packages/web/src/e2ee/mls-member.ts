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
import { decryptWithLabel, encryptWithLabel } from 'ts-mls/crypto/hpke.js';
import { decryptSenderData } from 'ts-mls/privateMessage.js';
import { type GroupPolicy, groupIdFor, policyOf } from './group-policy.js';

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

/** Decides whether a roster is acceptable before this member moves into it (throws to refuse). */
export type RosterCheck = (members: GroupMember[]) => void;

/** An application message and the member who sent it, by the leaf MLS verified its signature with. */
export interface Received {
  plaintext: Uint8Array;
  sender: string;
}

/** HPKE label (RFC 9420 EncryptWithLabel) for private chat sealed to one member's leaf key. */
const PRIVATE_LABEL = 'Parley private message';

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

  /**
   * Starts a new group with ourselves as its only member (epoch 0). The group id carries the
   * meeting's switch-off policy, so every member reads the same policy from the authenticated group
   * context (group-policy.ts).
   */
  async createGroup(policy: GroupPolicy): Promise<void> {
    const own = this.requireKeyPackage();
    const cs = await ciphersuite();
    this.state = await createGroup(groupIdFor(policy), own.publicPackage, own.privatePackage, [], cs);
  }

  /** The policy the group was created with (who may switch encryption off). */
  policy(): GroupPolicy {
    return policyOf(this.requireState().groupContext.groupId);
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
    const members = this.members();
    const staying = new Set(
      members.filter((m) => !remove.includes(m.participantId)).map((m) => m.participantId),
    );
    for (const entry of add) {
      // One leaf per person: a second key package under an id already in the group is a ghost.
      if (staying.has(entry.participantId)) throw new DuplicateMemberError(entry.participantId);
      staying.add(entry.participantId);
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

  /**
   * Enters the group from a welcome (the ratchet tree rides in the welcome's extension), unless
   * `check` refuses its roster: then we stay outside.
   */
  async join(welcome: string, check: RosterCheck = () => undefined): Promise<void> {
    const own = this.requireKeyPackage();
    const cs = await ciphersuite();
    const message = decodeMlsMessage(fromBase64(welcome), 0)?.[0];
    if (message?.wireformat !== 'mls_welcome') throw new Error('not a welcome');
    const state = await joinGroup(message.welcome, own.publicPackage, own.privatePackage, emptyPskIndex, cs);
    policyOf(state.groupContext.groupId);
    check(membersOf(state));
    this.state = state;
  }

  /**
   * Applies a commit another member made (moves to the next epoch), unless `check` refuses the
   * roster it leads to: then we stay in the current epoch.
   */
  async applyCommit(commit: string, check: RosterCheck = () => undefined): Promise<void> {
    const state = this.requireState();
    const cs = await ciphersuite();
    const message = decodeMlsMessage(fromBase64(commit), 0)?.[0];
    if (message?.wireformat !== 'mls_private_message') throw new Error('not a private message');
    if (message.privateMessage.contentType !== 'commit') throw new Error('not a commit');
    const result = await processPrivateMessage(state, message.privateMessage, emptyPskIndex, cs);
    if (result.kind !== 'newState') throw new Error('expected a commit');
    check(membersOf(result.newState));
    this.state = result.newState;
  }

  /** The members in the current epoch's tree, by leaf index. */
  members(): GroupMember[] {
    return membersOf(this.requireState());
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

  /**
   * Decrypts an application message and names its sender: the leaf found in the message's sender
   * data, whose signature key MLS then verifies the content with — never what the server says.
   */
  async decrypt(ciphertext: string): Promise<Received> {
    const state = this.requireState();
    const cs = await ciphersuite();
    const message = decodeMlsMessage(fromBase64(ciphertext), 0)?.[0];
    if (message?.wireformat !== 'mls_private_message') throw new Error('not a private message');
    if (message.privateMessage.contentType !== 'application') throw new Error('not an application message');
    const senderData = await decryptSenderData(
      message.privateMessage,
      state.keySchedule.senderDataSecret,
      cs,
    );
    const result = await processPrivateMessage(state, message.privateMessage, emptyPskIndex, cs);
    if (result.kind !== 'applicationMessage') throw new Error('expected an application message');
    const sender = membersOf(state).find((m) => m.leaf === senderData?.leafIndex);
    if (!sender) throw new Error('unknown sender');
    this.state = result.newState;
    return { plaintext: result.message, sender: sender.participantId };
  }

  /**
   * Seals `plaintext` to one member alone: HPKE to the public key of their leaf in this epoch. The
   * context binds sender, recipient and epoch, so the box cannot be replayed as someone else's.
   */
  async sealTo(recipient: string, plaintext: Uint8Array): Promise<{ enc: string; ct: string }> {
    const state = this.requireState();
    const cs = await ciphersuite();
    const leaf = leafNodeOf(state, recipient);
    if (!leaf) throw new Error('recipient is not in the encrypted group');
    const publicKey = await cs.hpke.importPublicKey(leaf.hpkePublicKey);
    const sealed = await encryptWithLabel(
      publicKey,
      PRIVATE_LABEL,
      this.privateContext(this.participantId, recipient),
      plaintext,
      cs.hpke,
    );
    return { enc: toBase64(sealed.enc), ct: toBase64(sealed.ct) };
  }

  /** Opens a box `sealTo` made for us (throws if it was not). */
  async openFrom(sender: string, box: { enc: string; ct: string }): Promise<Uint8Array> {
    const state = this.requireState();
    const cs = await ciphersuite();
    const own = state.privatePath.privateKeys[2 * state.privatePath.leafIndex];
    if (!own) throw new Error('no leaf key');
    const privateKey = await cs.hpke.importPrivateKey(own);
    return decryptWithLabel(
      privateKey,
      PRIVATE_LABEL,
      this.privateContext(sender, this.participantId),
      fromBase64(box.enc),
      fromBase64(box.ct),
      cs.hpke,
    );
  }

  private privateContext(sender: string, recipient: string): Uint8Array {
    return encoder.encode(JSON.stringify([sender, recipient, this.epoch]));
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

/** The key package named someone who already has a leaf in the group. */
export class DuplicateMemberError extends Error {
  constructor(readonly participantId: string) {
    super(`${participantId} is already in the group`);
  }
}

function membersOf(state: ClientState): GroupMember[] {
  const members: GroupMember[] = [];
  state.ratchetTree.forEach((node, index) => {
    if (index % 2 !== 0 || node?.nodeType !== 'leaf') return;
    const credential = node.leaf.credential;
    if (credential.credentialType !== 'basic') return;
    members.push({ leaf: index / 2, participantId: decoder.decode(credential.identity) });
  });
  return members;
}

function leafNodeOf(state: ClientState, participantId: string) {
  for (let index = 0; index < state.ratchetTree.length; index += 2) {
    const node = state.ratchetTree[index];
    if (node?.nodeType !== 'leaf' || node.leaf.credential.credentialType !== 'basic') continue;
    if (decoder.decode(node.leaf.credential.identity) === participantId) return node.leaf;
  }
  return null;
}
