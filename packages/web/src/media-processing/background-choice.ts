import hillsUrl from './backgrounds/hills.svg?url';
import lakeUrl from './backgrounds/lake.svg?url';
import roomUrl from './backgrounds/room.svg?url';

/**
 * What a person chose for their camera's background: nothing, blur, one of the pictures Parley
 * ships (drawn by packages/web/scripts/draw-backgrounds.mjs), or a picture of their own, which
 * stays on their device (localStorage) and is never uploaded.
 */
export const SHIPPED_BACKGROUNDS = { hills: hillsUrl, lake: lakeUrl, room: roomUrl } as const;
export type ShippedBackground = keyof typeof SHIPPED_BACKGROUNDS;
export type BackgroundChoice = 'off' | 'blur' | ShippedBackground | 'custom';

export const BACKGROUND_CHOICES: readonly BackgroundChoice[] = [
  'off',
  'blur',
  'hills',
  'lake',
  'room',
  'custom',
];

export const BACKGROUND_STORAGE_KEY = 'parley.background';
export const BACKGROUND_IMAGE_STORAGE_KEY = 'parley.backgroundImage';

/** Pictures of one's own are scaled down to at most this size (and stored as JPEG). */
export const CUSTOM_IMAGE_MAX = { width: 1280, height: 720 };
/** Larger stored pictures are ignored (localStorage holds a few MB per site). */
export const MAX_STORED_IMAGE_CHARS = 3_000_000;

export function isBackgroundChoice(value: unknown): value is BackgroundChoice {
  return typeof value === 'string' && (BACKGROUND_CHOICES as readonly string[]).includes(value);
}

/** Where a choice's picture comes from: a URL of Parley's, the stored picture, or none. */
export function pictureOf(choice: BackgroundChoice, storedImage: string | null): string | null {
  if (choice === 'off' || choice === 'blur') return null;
  if (choice === 'custom') return storedImage;
  return SHIPPED_BACKGROUNDS[choice];
}

/** A stored picture worth using: a JPEG or PNG data URL of sane size (anything else is ignored). */
export function validStoredImage(value: string | null): string | null {
  if (value === null || value.length > MAX_STORED_IMAGE_CHARS) return null;
  return value.startsWith('data:image/jpeg;base64,') || value.startsWith('data:image/png;base64,')
    ? value
    : null;
}

/** The size a picture of `width`×`height` is stored at: fits CUSTOM_IMAGE_MAX, never enlarged. */
export function storedSize(width: number, height: number): { width: number; height: number } {
  const scale = Math.min(1, CUSTOM_IMAGE_MAX.width / width, CUSTOM_IMAGE_MAX.height / height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null; // storage blocked by the browser
  }
}

/** The choice remembered on this device; 'off' when none (or a custom one without its picture). */
export function loadBackgroundChoice(store: Storage | null = storage()): BackgroundChoice {
  const value = store?.getItem(BACKGROUND_STORAGE_KEY) ?? null;
  if (!isBackgroundChoice(value)) return 'off';
  if (value === 'custom' && loadBackgroundImage(store) === null) return 'off';
  return value;
}

export function saveBackgroundChoice(choice: BackgroundChoice, store: Storage | null = storage()): void {
  try {
    store?.setItem(BACKGROUND_STORAGE_KEY, choice);
  } catch {
    // Full or blocked: the choice still holds for this page.
  }
}

export function loadBackgroundImage(store: Storage | null = storage()): string | null {
  return validStoredImage(store?.getItem(BACKGROUND_IMAGE_STORAGE_KEY) ?? null);
}

/** Keeps the person's own picture on this device; false when the browser refused (too large). */
export function saveBackgroundImage(dataUrl: string, store: Storage | null = storage()): boolean {
  if (validStoredImage(dataUrl) === null) return false;
  try {
    store?.setItem(BACKGROUND_IMAGE_STORAGE_KEY, dataUrl);
    return store !== null;
  } catch {
    return false;
  }
}

/** Reads a picked file, scales it down and returns it as a JPEG data URL; null when not a picture. */
export async function pictureFromFile(file: File): Promise<string | null> {
  if (!file.type.startsWith('image/')) return null;
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    return null;
  }
  const size = storedSize(bitmap.width, bitmap.height);
  const canvas = document.createElement('canvas');
  canvas.width = size.width;
  canvas.height = size.height;
  canvas.getContext('2d')?.drawImage(bitmap, 0, 0, size.width, size.height);
  bitmap.close();
  return canvas.toDataURL('image/jpeg', 0.85);
}

/** Loads a picture (Parley's or the stored one) ready for drawing. */
export function loadPicture(url: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.decoding = 'async';
    image.onload = () => resolve(image);
    image.onerror = () => reject(new Error('background picture failed to load'));
    image.src = url;
  });
}
