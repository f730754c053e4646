import { Store } from '../state/store';
import { de } from './de';
import { type Catalogue, en, type MessageKey } from './en';
import { formatMessage, type Params } from './translate';

export type { MessageKey } from './en';

/** The languages the app speaks, by BCP 47 code. */
export const LANGUAGES = { en, de } as const satisfies Record<string, Catalogue>;
export type LanguageCode = keyof typeof LANGUAGES;

/** Where the chosen language is remembered (this device only; listed in the privacy inventory). */
export const LANGUAGE_STORAGE_KEY = 'parley.language';

function isLanguage(code: string | null | undefined): code is LanguageCode {
  return code != null && Object.hasOwn(LANGUAGES, code);
}

/**
 * The language to start with: the one chosen earlier on this device, else the first of the
 * browser's preferred languages that Parley speaks ("de-AT" counts as "de"), else English.
 */
export function pickLanguage(stored: string | null, preferred: readonly string[]): LanguageCode {
  if (isLanguage(stored)) return stored;
  for (const tag of preferred) {
    const base = tag.toLowerCase().split('-')[0];
    if (isLanguage(base)) return base;
  }
  return 'en';
}

/** The active language; the app re-renders when it changes. */
export const languageStore = new Store<LanguageCode>('en');

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null; // storage blocked by the browser
  }
}

/** Picks the starting language from this device and the browser; call once before rendering. */
export function initLanguage(): void {
  const preferred = typeof navigator === 'undefined' ? [] : (navigator.languages ?? [navigator.language]);
  applyLanguage(pickLanguage(storage()?.getItem(LANGUAGE_STORAGE_KEY) ?? null, preferred));
}

/** Switches the language on the user's request and remembers the choice on this device. */
export function setLanguage(code: LanguageCode): void {
  storage()?.setItem(LANGUAGE_STORAGE_KEY, code);
  applyLanguage(code);
}

function applyLanguage(code: LanguageCode): void {
  if (typeof document !== 'undefined') document.documentElement.lang = code;
  languageStore.set(code);
}

export function language(): LanguageCode {
  return languageStore.get();
}

/** The message `key` of the active catalogue, with `{placeholders}` filled from `params`. */
export function t(key: MessageKey, params?: Params): string {
  const code = languageStore.get();
  // A key another module added to English only yet shows in English rather than as a hole.
  const message = LANGUAGES[code][key] ?? en[key];
  return formatMessage(code, message, params);
}
