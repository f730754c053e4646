/**
 * Whether this device wants noise suppression on the microphone. Kept in the browser's
 * localStorage only (declared in the privacy inventory as `parley.noiseSuppression`); on unless the
 * person switched it off here.
 */
export const NOISE_SUPPRESSION_KEY = 'parley.noiseSuppression';

/** The part of `Storage` this module needs (tests pass a map). */
export interface SettingStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export function loadNoiseSuppression(storage: SettingStorage | null = browserStorage()): boolean {
  try {
    return storage?.getItem(NOISE_SUPPRESSION_KEY) !== 'off';
  } catch {
    return true; // storage blocked: the default
  }
}

export function saveNoiseSuppression(on: boolean, storage: SettingStorage | null = browserStorage()): void {
  try {
    storage?.setItem(NOISE_SUPPRESSION_KEY, on ? 'on' : 'off');
  } catch {
    // Storage full or blocked: the choice holds for this page only.
  }
}

function browserStorage(): SettingStorage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}
