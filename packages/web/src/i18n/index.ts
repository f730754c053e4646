import { type Catalogue, en, type MessageKey } from './en';
import { formatMessage, type Params } from './translate';

export type { MessageKey } from './en';

/** The active language. Only English exists so far; a later catalogue plugs in through `setLanguage`. */
let current: { locale: string; catalogue: Catalogue } = { locale: 'en', catalogue: en };

export function setLanguage(locale: string, catalogue: Catalogue): void {
  current = { locale, catalogue };
  document.documentElement.lang = locale;
}

export function language(): string {
  return current.locale;
}

/** The message `key` of the active catalogue, with `{placeholders}` filled from `params`. */
export function t(key: MessageKey, params?: Params): string {
  return formatMessage(current.locale, current.catalogue[key], params);
}
