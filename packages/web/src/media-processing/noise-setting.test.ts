import { describe, expect, it } from 'vitest';
import { loadNoiseSuppression, NOISE_SUPPRESSION_KEY, saveNoiseSuppression } from './noise-setting';

function memory(): Map<string, string> & {
  getItem(k: string): string | null;
  setItem(k: string, v: string): void;
} {
  const map = new Map<string, string>();
  return Object.assign(map, {
    getItem: (key: string) => map.get(key) ?? null,
    setItem: (key: string, value: string) => void map.set(key, value),
  });
}

describe('the noise suppression setting', () => {
  it('is on when nothing was chosen on this device', () => {
    expect(loadNoiseSuppression(memory())).toBe(true);
    expect(loadNoiseSuppression(null)).toBe(true);
  });

  it('remembers off and on', () => {
    const storage = memory();
    saveNoiseSuppression(false, storage);
    expect(storage.get(NOISE_SUPPRESSION_KEY)).toBe('off');
    expect(loadNoiseSuppression(storage)).toBe(false);
    saveNoiseSuppression(true, storage);
    expect(loadNoiseSuppression(storage)).toBe(true);
  });

  it('treats an unknown stored value as the default (on)', () => {
    const storage = memory();
    storage.setItem(NOISE_SUPPRESSION_KEY, 'maybe');
    expect(loadNoiseSuppression(storage)).toBe(true);
  });

  it('survives storage that throws', () => {
    const broken = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    };
    expect(loadNoiseSuppression(broken)).toBe(true);
    expect(() => saveNoiseSuppression(false, broken)).not.toThrow();
  });
});
