import { describe, expect, it } from 'vitest';
import { de } from './de';
import { en } from './en';
import { pickLanguage } from './index';
import type { Message } from './translate';

function placeholders(message: Message): string[] {
  const texts: string[] = typeof message === 'string' ? [message] : Object.values(message);
  const names = texts.flatMap((text) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1] ?? ''));
  return [...new Set(names)].sort();
}

describe('the German catalogue', () => {
  it('has exactly the keys of the English one', () => {
    const missing = Object.keys(en).filter((key) => !Object.hasOwn(de, key));
    const extra = Object.keys(de).filter((key) => !Object.hasOwn(en, key));
    expect({ missing, extra }).toEqual({ missing: [], extra: [] });
  });

  it('uses the same placeholders as English in every message', () => {
    const differing = (Object.keys(en) as (keyof typeof en)[]).filter(
      (key) => de[key] !== undefined && placeholders(de[key]).join() !== placeholders(en[key]).join(),
    );
    expect(differing).toEqual([]);
  });

  it('keeps plural messages plural', () => {
    const mismatched = (Object.keys(en) as (keyof typeof en)[]).filter(
      (key) => typeof en[key] !== typeof de[key],
    );
    expect(mismatched).toEqual([]);
  });
});

describe('pickLanguage', () => {
  it('prefers the stored choice, then the browser languages, then English', () => {
    expect(pickLanguage('de', ['en-US'])).toBe('de');
    expect(pickLanguage(null, ['fr-FR', 'de-AT', 'en'])).toBe('de');
    expect(pickLanguage('xx', ['en-GB'])).toBe('en');
    expect(pickLanguage(null, ['fr'])).toBe('en');
  });
});
