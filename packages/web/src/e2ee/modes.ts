import type { E2eeRoomState } from '@parley/protocol';
import type { E2eeUiState } from './e2ee-state';
import type { ReceiveMode, SendMode } from './worker-messages';

/** What the frame modes and the shown state depend on. */
export interface ModeFacts {
  /** This tab has sent encrypted media in this meeting. */
  wasEncrypted: boolean;
  /** An authenticated switch-off waits for the user's answer. */
  offHeld: boolean;
  /** What the server last said. */
  roomState: E2eeRoomState;
  /** The epoch our senders seal with; null until the first execute. */
  sendEpoch: number | null;
  /** In the group, switched to its keys, and nobody absent holds them. */
  keysUsable: boolean;
}

/** What the worker does with frames. Once we have encrypted, never plaintext in either direction. */
export function workerModes(facts: ModeFacts): { send: SendMode; receive: ReceiveMode } {
  if (facts.wasEncrypted || facts.offHeld)
    return { send: facts.keysUsable && !facts.offHeld ? 'encrypt' : 'hold', receive: 'strict' };
  // Switching on for the first time: others may still send in the clear for a moment.
  if (facts.roomState === 'pending')
    return { send: facts.sendEpoch === null ? 'clear' : 'encrypt', receive: 'mixed' };
  // Never plaintext into an encrypted meeting: hold our frames until we have the keys.
  if (facts.roomState === 'on') return { send: facts.keysUsable ? 'encrypt' : 'hold', receive: 'strict' };
  return { send: 'clear', receive: 'clear' };
}

/** What the screen shows: `pending` until we encrypt with the group's keys, `on` from then on. */
export function uiState(facts: ModeFacts): E2eeUiState {
  const encrypted = facts.wasEncrypted || facts.offHeld || facts.roomState !== 'off';
  if (facts.offHeld || !encrypted) return 'off';
  return facts.keysUsable ? 'on' : 'pending';
}
