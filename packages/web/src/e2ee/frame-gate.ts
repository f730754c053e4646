import { ReplayWindow } from './replay-window';
import {
  clearPrefixLength,
  decryptFrame,
  deriveFrameKey,
  EPOCH_BITS,
  encryptFrame,
  type FrameKey,
  type FrameSource,
  frameHeader,
  keyId,
  leafOf,
} from './sframe';
import type { DropReason, FrameStats, ReceiveMode, RosterEntry, SendMode } from './worker-messages';

/**
 * What the frame transform worker decides for every frame, without the worker around it (so Node
 * tests can drive it): seal outgoing frames with our key of the send epoch, and let an incoming frame
 * reach the decoder only if it decrypts with the key of the participant whose tile it is bound for,
 * under the source it is bound for, with a counter not seen before.
 *
 * Once told that the meeting is encrypted, the gate never lets plaintext in or out again until the
 * page says `offConfirmed()` (see worker-messages.ts): a server message can change the page's modes,
 * but not this.
 */

/** Receive keys of a replaced epoch stay this long, for frames still in flight (research pitfall 4). */
export const OLD_KEY_RETENTION_MS = 10_000;
/** At most this many epochs are kept (the send epoch is never the one dropped). */
export const MAX_EPOCHS = 16;

/** Who the frames of one receiver come from, as the subscribe offer names them. */
export interface ReceiverBinding {
  participantId: string;
  source: FrameSource;
}

interface Epoch {
  epoch: number;
  baseKey: Uint8Array;
  /** Our own leaf in this epoch. */
  leaf: number;
  /** Our own participant id (credential of our leaf). */
  self: string | null;
  /** Participant id → leaf; -1 when a participant holds more than one leaf (never trusted). */
  leaves: Map<string, number>;
  /** Derived keys, at most one per roster leaf: KIDs of other leaves are never derived. */
  keys: Map<number, Promise<FrameKey>>;
  replay: Map<number, ReplayWindow>;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

export class FrameGate {
  private readonly epochs = new Map<number, Epoch>();
  private sendEpoch: Epoch | null = null;
  private sendMode: SendMode = 'clear';
  private receiveMode: ReceiveMode = 'clear';
  /** The meeting has been encrypted for this page: no plaintext in or out until `offConfirmed`. */
  private encrypted = false;
  /** One counter per sending KID, shared by all our senders so a (key, CTR) pair never repeats. */
  private readonly counters = new Map<number, number>();
  private readonly bindings = new Map<string, ReceiverBinding>();
  readonly stats: FrameStats = {
    encrypted: 0,
    decrypted: 0,
    passed: 0,
    dropped: 0,
    drops: { undecryptable: 0, foreign: 0, replayed: 0, clear: 0, unbound: 0 },
  };

  constructor(private readonly now: () => number = Date.now) {}

  /** Whether the gate holds the encrypted latch (tests). */
  get latched(): boolean {
    return this.encrypted;
  }

  get modes(): { send: SendMode; receive: ReceiveMode } {
    return { send: this.sendMode, receive: this.receiveMode };
  }

  /** The keys and roster of one epoch. Installing the same epoch with the same key again changes nothing. */
  installEpoch(epoch: number, baseKey: Uint8Array, leaf: number, roster: readonly RosterEntry[]): void {
    const slot = epoch % 2 ** EPOCH_BITS;
    const existing = this.epochs.get(slot);
    if (existing && existing.epoch === epoch && sameBytes(existing.baseKey, baseKey)) return;
    const leaves = new Map<string, number>();
    for (const entry of roster)
      leaves.set(entry.participantId, leaves.has(entry.participantId) ? -1 : entry.leaf);
    const self = roster.find((entry) => entry.leaf === leaf)?.participantId ?? null;
    this.epochs.set(slot, { epoch, baseKey, leaf, self, leaves, keys: new Map(), replay: new Map() });
    this.trimEpochs();
  }

  /** Start sealing with `epoch`'s key; older epochs are forgotten after the retention time. */
  useSendEpoch(epoch: number, schedule: (run: () => void, ms: number) => void = setTimeout): void {
    const next = this.epochs.get(epoch % 2 ** EPOCH_BITS);
    if (!next || next.epoch !== epoch) return;
    this.sendEpoch = next;
    this.encrypted = true;
    this.sendMode = 'encrypt';
    this.receiveMode = 'strict';
    schedule(() => {
      if (this.sendEpoch !== next) return;
      for (const [slot, old] of this.epochs) if (old.epoch < next.epoch) this.epochs.delete(slot);
    }, OLD_KEY_RETENTION_MS);
  }

  /**
   * The modes the page asks for. Before the meeting was ever encrypted they apply as asked; once it
   * was, receiving stays strict and sending never goes back to clear (hold instead).
   */
  setMode(send: SendMode, receive: ReceiveMode): void {
    if (receive === 'strict' || send === 'hold') this.encrypted = true;
    if (this.encrypted) {
      this.receiveMode = 'strict';
      this.sendMode = send === 'encrypt' && this.sendEpoch ? 'encrypt' : 'hold';
      return;
    }
    this.receiveMode = receive;
    this.sendMode = send === 'encrypt' && !this.sendEpoch ? 'hold' : send;
  }

  /** Forget every key (we left the group). If the meeting was encrypted, frames stay held. */
  reset(): void {
    this.epochs.clear();
    this.counters.clear();
    this.sendEpoch = null;
    this.sendMode = this.encrypted ? 'hold' : 'clear';
    this.receiveMode = this.encrypted ? 'strict' : 'clear';
  }

  /** The page confirmed an authenticated switch-off: forget every key and let plaintext pass again. */
  offConfirmed(): void {
    this.encrypted = false;
    this.reset();
  }

  /** Which participant and source the frames of receiver `id` must come from (null: nobody for now). */
  bind(id: string, binding: ReceiverBinding | null): void {
    if (binding) this.bindings.set(id, binding);
    else this.bindings.delete(id);
  }

  /** Seals an outgoing frame; null: drop it. `data` is returned unchanged when it may go in clear. */
  async seal(data: Uint8Array, kind: 'audio' | 'video', source: FrameSource): Promise<Uint8Array | null> {
    if (this.sendMode === 'clear' && !this.encrypted) {
      this.stats.passed++;
      return data;
    }
    const epoch = this.sendEpoch;
    if (this.sendMode !== 'encrypt' || !epoch || epoch.self === null) return this.drop('clear');
    // Empty frames carry nothing to protect.
    if (data.length === 0) return data;
    const kid = keyId(epoch.leaf, epoch.epoch);
    const ctr = this.counters.get(kid) ?? 0;
    this.counters.set(kid, ctr + 1);
    const key = await this.keyFor(epoch, kid);
    const sealed = await encryptFrame(data, clearPrefixLength(kind, data), key, kid, ctr, {
      sender: epoch.self,
      source,
    });
    this.stats.encrypted++;
    return sealed;
  }

  /** Opens a frame received on receiver `id`; null: it must not reach the decoder. */
  async open(data: Uint8Array, id: string): Promise<Uint8Array | null> {
    if (data.length === 0) return data;
    const header = frameHeader(data);
    if (!header) {
      // No trailer: plaintext, let in only as long as this page never encrypted in this meeting.
      if (this.encrypted) return this.drop('clear');
      this.stats.passed++;
      return data;
    }
    // A frame with our trailer reaches the decoder only decrypted, whatever the mode.
    const binding = this.bindings.get(id);
    if (!binding) return this.drop('unbound');
    const epoch = this.epochs.get(header.kid % 2 ** EPOCH_BITS);
    if (!epoch) return this.drop('undecryptable');
    // The key id must be the leaf of the participant whose tile this receiver feeds.
    const leaf = epoch.leaves.get(binding.participantId);
    if (leaf === undefined || leaf < 0 || leaf !== leafOf(header.kid) || leaf === epoch.leaf)
      return this.drop('foreign');
    if (epoch.replay.get(header.kid)?.fresh(header.ctr) === false) return this.drop('replayed');
    const opened = await decryptFrame(data, (kid) => this.keyFor(epoch, kid), {
      sender: binding.participantId,
      source: binding.source,
    });
    if (!opened) return this.drop('undecryptable');
    // Checked again after the await: two copies decrypted side by side must not both pass.
    let window = epoch.replay.get(opened.kid);
    if (!window) {
      window = new ReplayWindow();
      epoch.replay.set(opened.kid, window);
    }
    if (!window.accept(opened.ctr)) return this.drop('replayed');
    this.stats.decrypted++;
    return opened.frame;
  }

  /** How many frame keys are derived and kept, over all epochs (tests: stays bounded). */
  derivedKeys(): number {
    let n = 0;
    for (const epoch of this.epochs.values()) n += epoch.keys.size;
    return n;
  }

  private keyFor(epoch: Epoch, kid: number): Promise<FrameKey> {
    let key = epoch.keys.get(kid);
    if (!key) {
      key = deriveFrameKey(epoch.baseKey, kid);
      epoch.keys.set(kid, key);
    }
    return key;
  }

  private drop(reason: DropReason): null {
    this.stats.dropped++;
    this.stats.drops[reason]++;
    return null;
  }

  private trimEpochs(): void {
    while (this.epochs.size > MAX_EPOCHS) {
      let oldest: [number, Epoch] | null = null;
      for (const entry of this.epochs)
        if (entry[1] !== this.sendEpoch && (!oldest || entry[1].epoch < oldest[1].epoch)) oldest = entry;
      if (!oldest) return;
      this.epochs.delete(oldest[0]);
    }
  }
}
