/** What the page tells the frame transform worker, and what it hears back. */
import type { FrameSource } from './sframe';

/** `clear`: frames pass untouched. `hold`: outgoing frames are dropped (no keys yet in an encrypted meeting). `encrypt`: sealed with the send epoch's key. */
export type SendMode = 'clear' | 'hold' | 'encrypt';
/** `clear`: frames pass. `mixed`: ciphertext is decrypted, clear frames still pass (switching on). `strict`: only frames that decrypt pass. */
export type ReceiveMode = 'clear' | 'mixed' | 'strict';

/** One leaf of an epoch's MLS tree: whose frames carry KIDs of this leaf. */
export interface RosterEntry {
  participantId: string;
  leaf: number;
}

/**
 * The worker's one rule about plaintext (frame-gate.ts): once it has been told the meeting is
 * encrypted — a `mode` with `receive: 'strict'` or `send: 'hold'`, or a `send-epoch` — it never again
 * hands a decoder a frame that did not decrypt, nor sends a frame in clear. Later `mode` messages
 * can only choose between `hold` and `encrypt`; `reset` forgets the keys but keeps frames held. The
 * only way back to plaintext is `off-confirmed`, which the page sends only after an MLS-verified
 * switch-off that its user accepted (never on a bare server message such as `e2ee-state off`).
 */
export type ToWorker =
  /** The keys of one epoch: its SFrame base key, our own leaf in it and its roster (participant → leaf). */
  | { type: 'epoch'; epoch: number; baseKey: Uint8Array; leaf: number; roster: RosterEntry[] }
  /** Start sealing with `epoch`'s key; older epochs are forgotten after the retention time. */
  | { type: 'send-epoch'; epoch: number }
  | { type: 'mode'; send: SendMode; receive: ReceiveMode }
  /** We left the group: forget every key. Frames stay held if the meeting was encrypted. */
  | { type: 'reset' }
  /**
   * Sent only by E2eeSession, only after an MLS-verified switch-off the user chose to continue from
   * (or made themselves): the one message that lets a worker that has been encrypting go back to
   * `clear` (forgetting every key). Without it, `mode`/`reset` never make the worker send or accept
   * plaintext again.
   */
  | { type: 'off-confirmed' }
  /**
   * Which participant and source receiver transform `id` carries now (from the subscribe offer's
   * m-line list), or null when its m-line carries nothing. Frames whose KID is not that participant's
   * leaf, or that were sealed for another source, are dropped.
   */
  | { type: 'bind'; id: string; participantId: string; source: FrameSource }
  | { type: 'unbind'; id: string }
  | { type: 'stats' }
  /** Test builds only (compiled out of production, see E2eeSession): keep samples of sent plaintext and received frames. */
  | { type: 'tap' };

export interface TransformOptions {
  direction: 'send' | 'receive';
  kind: 'audio' | 'video';
  /** The transceiver's identity on this page, for "waiting for keys" reports and `bind`. */
  id: string;
  /** Senders: the source this sender carries (it goes into every frame's AAD). */
  source?: FrameSource;
}

/**
 * Why an incoming frame was dropped. `undecryptable`: no key or authentication failed (wrong key,
 * other source, tampered); `foreign`: its key id is not the leaf of the participant the receiver is
 * bound to; `replayed`: its counter was seen or is too old; `clear`: no trailer in an encrypted
 * meeting (or an outgoing frame held); `unbound`: the receiver carries nobody known.
 */
export type DropReason = 'undecryptable' | 'foreign' | 'replayed' | 'clear' | 'unbound';

export interface FrameStats {
  encrypted: number;
  decrypted: number;
  passed: number;
  dropped: number;
  drops: Record<DropReason, number>;
}

export type FromWorker =
  /** A receiver started or stopped dropping frames for want of a key. */
  | { type: 'receiver'; id: string; waiting: boolean }
  | { type: 'stats'; stats: FrameStats; tap: FrameTap | null };

/**
 * The proof tap (test builds only): pieces of the plaintext video frames this page sent, and the
 * video frames exactly as the SFU forwarded them to this page, before decryption.
 */
export interface FrameTap {
  /** 24-byte windows from the encrypted part of sent plaintext frames, hex. */
  sentPlaintext: string[];
  /** Whole received frames before decryption, hex. */
  received: string[];
}
