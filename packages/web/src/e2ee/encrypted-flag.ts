/**
 * sessionStorage: this tab has sent encrypted media in this meeting (survives reloads and
 * reconnects). From then on it never sends or accepts plaintext there (docs/e2ee.md).
 */
const ENCRYPTED_FLAG = 'parley-e2ee-encrypted:';

function sessionFlag(key: string): boolean {
  try {
    return sessionStorage.getItem(key) === '1';
  } catch {
    return false;
  }
}

function setSessionFlag(key: string, on: boolean): void {
  try {
    if (on) sessionStorage.setItem(key, '1');
    else sessionStorage.removeItem(key);
  } catch {
    // storage unavailable: the fact lives in memory for this page
  }
}

/** The "was encrypted" fact of the room this tab is in. */
export class EncryptedFlag {
  private key: string;
  value: boolean;

  constructor(room: string) {
    this.key = `${ENCRYPTED_FLAG}${room}`;
    this.value = sessionFlag(this.key);
  }

  set(value: boolean): void {
    this.value = value;
    setSessionFlag(this.key, value);
  }

  /** We move to another room: the fact follows us there (its breakout rooms are encrypted too). */
  moveTo(room: string): void {
    this.key = `${ENCRYPTED_FLAG}${room}`;
    if (this.value) setSessionFlag(this.key, true);
  }
}
