/** What the page tells the frame transform worker, and what it hears back. */

/** `clear`: frames pass untouched. `hold`: outgoing frames are dropped (no keys yet in an encrypted meeting). `encrypt`: sealed with the send epoch's key. */
export type SendMode = 'clear' | 'hold' | 'encrypt';
/** `clear`: frames pass. `mixed`: ciphertext is decrypted, clear frames still pass (switching on). `strict`: only frames that decrypt pass. */
export type ReceiveMode = 'clear' | 'mixed' | 'strict';

export type ToWorker =
  /** The keys of one epoch: its SFrame base key and our own leaf in it. */
  | { type: 'epoch'; epoch: number; baseKey: Uint8Array; leaf: number }
  /** Start sealing with `epoch`'s key; older epochs are forgotten after the retention time. */
  | { type: 'send-epoch'; epoch: number }
  | { type: 'mode'; send: SendMode; receive: ReceiveMode }
  /** E2EE off: forget every key. */
  | { type: 'reset' }
  /**
   * Sent only by E2eeSession, only after an MLS-verified switch-off the user chose to continue from
   * (or made themselves): the one message that lets a worker that has been encrypting go back to
   * `clear`. Without it, `mode`/`reset` must never make the worker send or accept plaintext again.
   */
  | { type: 'off-confirmed' }
  | { type: 'stats' }
  /** Test builds only (see E2eeSession): start keeping samples of sent plaintext and received frames. */
  | { type: 'tap' };

export interface TransformOptions {
  direction: 'send' | 'receive';
  kind: 'audio' | 'video';
  /** The transceiver's identity on this page, for "waiting for keys" reports. */
  id: string;
}

export interface FrameStats {
  encrypted: number;
  decrypted: number;
  passed: number;
  dropped: number;
}

export type FromWorker =
  /** A receiver started or stopped dropping frames for want of a key. */
  | { type: 'receiver'; id: string; waiting: boolean }
  | { type: 'stats'; stats: FrameStats; tap: FrameTap | null };

/**
 * The proof tap (tests only): pieces of the plaintext video frames this page sent, and the video
 * frames exactly as the SFU forwarded them to this page, before decryption.
 */
export interface FrameTap {
  /** 24-byte windows from the encrypted part of sent plaintext frames, hex. */
  sentPlaintext: string[];
  /** Whole received frames before decryption, hex. */
  received: string[];
}
