import { describe, expect, it } from 'vitest';
import { clientKey, type KeyStorage, newClientKey } from './client-key';

function memoryStorage(initial: Record<string, string> = {}): KeyStorage & { data: Record<string, string> } {
  const data = { ...initial };
  return {
    data,
    getItem: (key) => data[key] ?? null,
    setItem: (key, value) => {
      data[key] = value;
    },
  };
}

describe('client key', () => {
  it('is 32 characters from the URL-safe alphabet, using every random byte', () => {
    const key = newClientKey((bytes) => bytes.map((_, i) => i * 9));
    expect(key).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(newClientKey()).not.toBe(newClientKey());
  });

  it('is made once and then read back from storage', () => {
    const storage = memoryStorage();
    const first = clientKey(storage);
    expect(storage.data['parley.clientKey']).toBe(first);
    expect(clientKey(storage)).toBe(first);
  });

  it('replaces a stored value that is not a key', () => {
    const storage = memoryStorage({ 'parley.clientKey': '<script>' });
    const key = clientKey(storage);
    expect(key).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(storage.data['parley.clientKey']).toBe(key);
  });

  it('keeps one key for the page when storage is unavailable', () => {
    const broken: KeyStorage = {
      getItem: () => {
        throw new Error('disabled');
      },
      setItem: () => {
        throw new Error('disabled');
      },
    };
    expect(clientKey(broken)).toBe(clientKey(null));
  });
});
