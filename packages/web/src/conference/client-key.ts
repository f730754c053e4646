/**
 * A random key this browser sends with every join, so the server recognises a participant it removed
 * when they come back (it keeps the key only for the life of the meeting). It says nothing about the
 * person: 32 random characters, made here, kept in this browser's storage.
 */

const STORAGE_KEY = 'parley.clientKey';
const LENGTH = 32;
/** 64 symbols, so each random byte maps to one symbol without bias (byte & 63). */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const VALID_KEY = /^[A-Za-z0-9_-]{32}$/;

/** The part of `Storage` used here, so tests can pass a plain object. */
export type KeyStorage = Pick<Storage, 'getItem' | 'setItem'>;

export function newClientKey(
  fillRandom: (bytes: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b),
): string {
  const bytes = fillRandom(new Uint8Array(LENGTH));
  let key = '';
  for (const byte of bytes) key += ALPHABET[byte & 63];
  return key;
}

/** Used when storage is disabled: the same key for every join from this page at least. */
let pageKey: string | null = null;

/** This browser's client key: the stored one, or a new one that is stored for next time. */
export function clientKey(storage: KeyStorage | null = browserStorage()): string {
  try {
    const stored = storage?.getItem(STORAGE_KEY);
    if (stored && VALID_KEY.test(stored)) return stored;
    const key = newClientKey();
    storage?.setItem(STORAGE_KEY, key);
    if (storage) return key;
  } catch {
    // Storage may be disabled or full; fall back to a key for this page.
  }
  pageKey ??= newClientKey();
  return pageKey;
}

function browserStorage(): KeyStorage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}
