import { describe, expect, it } from 'vitest';
import {
  BACKGROUND_IMAGE_STORAGE_KEY,
  BACKGROUND_STORAGE_KEY,
  isBackgroundChoice,
  loadBackgroundChoice,
  loadBackgroundImage,
  MAX_STORED_IMAGE_CHARS,
  pictureOf,
  SHIPPED_BACKGROUNDS,
  saveBackgroundChoice,
  saveBackgroundImage,
  storedSize,
  validStoredImage,
} from './background-choice';

/** A Storage in memory; `full` makes every write fail as a full quota does. */
function memoryStorage(full = false): Storage {
  const items = new Map<string, string>();
  return {
    get length() {
      return items.size;
    },
    clear: () => items.clear(),
    getItem: (key) => items.get(key) ?? null,
    key: (index) => [...items.keys()][index] ?? null,
    removeItem: (key) => void items.delete(key),
    setItem: (key, value) => {
      if (full) throw new DOMException('quota', 'QuotaExceededError');
      items.set(key, value);
    },
  };
}

const JPEG = 'data:image/jpeg;base64,/9j/4AAQSkZJRg==';

describe('background choice', () => {
  it('remembers the choice on this device and falls back to off for anything else', () => {
    const store = memoryStorage();
    expect(loadBackgroundChoice(store)).toBe('off');
    saveBackgroundChoice('blur', store);
    expect(store.getItem(BACKGROUND_STORAGE_KEY)).toBe('blur');
    expect(loadBackgroundChoice(store)).toBe('blur');
    store.setItem(BACKGROUND_STORAGE_KEY, 'javascript:alert(1)');
    expect(loadBackgroundChoice(store)).toBe('off');
    expect(loadBackgroundChoice(null)).toBe('off');
  });

  it('takes "your picture" only while a picture is stored', () => {
    const store = memoryStorage();
    saveBackgroundChoice('custom', store);
    expect(loadBackgroundChoice(store)).toBe('off');
    expect(saveBackgroundImage(JPEG, store)).toBe(true);
    expect(loadBackgroundChoice(store)).toBe('custom');
    expect(pictureOf('custom', loadBackgroundImage(store))).toBe(JPEG);
  });

  it('keeps only JPEG or PNG data URLs of sane size as one’s own picture', () => {
    const store = memoryStorage();
    expect(saveBackgroundImage('https://tracker.example/picture.jpg', store)).toBe(false);
    expect(saveBackgroundImage('data:image/svg+xml;base64,PHN2Zz4=', store)).toBe(false);
    expect(store.getItem(BACKGROUND_IMAGE_STORAGE_KEY)).toBeNull();
    expect(validStoredImage(`data:image/png;base64,${'A'.repeat(MAX_STORED_IMAGE_CHARS)}`)).toBeNull();
    store.setItem(BACKGROUND_IMAGE_STORAGE_KEY, 'blob:http://evil/1');
    expect(loadBackgroundImage(store)).toBeNull();
  });

  it('says so when the browser refuses to keep the picture (quota)', () => {
    expect(saveBackgroundImage(JPEG, memoryStorage(true))).toBe(false);
    expect(saveBackgroundImage(JPEG, null)).toBe(false);
    expect(() => saveBackgroundChoice('blur', memoryStorage(true))).not.toThrow();
  });

  it('maps every choice to its picture: none for off and blur, Parley’s own files for the rest', () => {
    expect(pictureOf('off', JPEG)).toBeNull();
    expect(pictureOf('blur', JPEG)).toBeNull();
    expect(pictureOf('lake', null)).toBe(SHIPPED_BACKGROUNDS.lake);
    expect(isBackgroundChoice('hills')).toBe(true);
    expect(isBackgroundChoice('pick')).toBe(false);
    expect(isBackgroundChoice(3)).toBe(false);
  });

  it('scales a picked picture down to 1280×720 at most, never up', () => {
    expect(storedSize(4000, 3000)).toEqual({ width: 960, height: 720 });
    expect(storedSize(3840, 1080)).toEqual({ width: 1280, height: 360 });
    expect(storedSize(640, 480)).toEqual({ width: 640, height: 480 });
  });
});
