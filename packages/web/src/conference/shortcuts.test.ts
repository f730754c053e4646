import { describe, expect, it } from 'vitest';
import { shortcutFor } from './shortcuts';

const press = (key: string, target: object | null = null, extra: object = {}) =>
  shortcutFor({
    key,
    ctrlKey: false,
    altKey: false,
    metaKey: false,
    target: target as EventTarget,
    ...extra,
  });

describe('shortcutFor', () => {
  it('maps the letters, in either case, and the question mark', () => {
    expect(press('m')).toBe('mic');
    expect(press('V')).toBe('camera');
    expect(press('s')).toBe('screen');
    expect(press('h')).toBe('hand');
    expect(press('c')).toBe('chat');
    expect(press('?')).toBe('help');
    expect(press('x')).toBeNull();
    expect(press('Enter')).toBeNull();
  });

  it('stays out of the way while typing or with modifier keys', () => {
    expect(press('m', { tagName: 'INPUT', type: 'text' })).toBeNull();
    expect(press('m', { tagName: 'textarea' })).toBeNull();
    expect(press('m', { tagName: 'SELECT' })).toBeNull();
    expect(press('m', { tagName: 'DIV', isContentEditable: true })).toBeNull();
    expect(press('m', { tagName: 'INPUT', type: 'checkbox' })).toBe('mic');
    expect(press('m', { tagName: 'BUTTON' })).toBe('mic');
    expect(press('c', null, { ctrlKey: true })).toBeNull();
    expect(press('m', null, { metaKey: true })).toBeNull();
    expect(press('m', null, { repeat: true })).toBeNull();
  });
});
