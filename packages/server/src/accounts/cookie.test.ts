import { describe, expect, it } from 'vitest';
import { readCookie, serializeCookie } from './cookie.js';

describe('readCookie', () => {
  it('finds a cookie among others, trimming spaces and quotes', () => {
    expect(readCookie('a=1; parley_session=abc_-9; b=2', 'parley_session')).toBe('abc_-9');
    expect(readCookie('parley_session="quoted"', 'parley_session')).toBe('quoted');
    expect(readCookie(' a = 1 ;b=x=y', 'b')).toBe('x=y');
    expect(readCookie('a=1', 'a')).toBe('1');
  });

  it('takes the first occurrence and ignores names that only share a prefix or suffix', () => {
    expect(
      readCookie('x_parley_session=no; parley_session=yes; parley_session=later', 'parley_session'),
    ).toBe('yes');
    expect(readCookie('parley_session_old=no', 'parley_session')).toBeUndefined();
  });

  it('answers undefined for missing headers, missing cookies and valueless pairs', () => {
    expect(readCookie(undefined, 'a')).toBeUndefined();
    expect(readCookie('', 'a')).toBeUndefined();
    expect(readCookie('b=2', 'a')).toBeUndefined();
    expect(readCookie('a; b=2', 'a')).toBeUndefined();
    expect(readCookie('a=', 'a')).toBe('');
  });
});

describe('serializeCookie', () => {
  it('writes every attribute asked for', () => {
    expect(
      serializeCookie('parley_session', 'tok-en_1', {
        maxAge: 604800,
        path: '/',
        httpOnly: true,
        secure: true,
        sameSite: 'Strict',
      }),
    ).toBe('parley_session=tok-en_1; Max-Age=604800; Path=/; HttpOnly; Secure; SameSite=Strict');
    expect(serializeCookie('a', '', { maxAge: 0 })).toBe('a=; Max-Age=0');
  });

  it('round-trips through readCookie', () => {
    const header = serializeCookie('parley_session', 'AbC-_09', { maxAge: 1 }).split(';')[0];
    expect(readCookie(header, 'parley_session')).toBe('AbC-_09');
  });

  it('refuses names, values and lifetimes that would corrupt the header', () => {
    expect(() => serializeCookie('a b', 'x', { maxAge: 1 })).toThrow(TypeError);
    expect(() => serializeCookie('a', 'x;y', { maxAge: 1 })).toThrow(TypeError);
    expect(() => serializeCookie('a', 'x y', { maxAge: 1 })).toThrow(TypeError);
    expect(() => serializeCookie('a', 'x"', { maxAge: 1 })).toThrow(TypeError);
    expect(() => serializeCookie('a', 'x\\', { maxAge: 1 })).toThrow(TypeError);
    expect(() => serializeCookie('a', 'x,', { maxAge: 1 })).toThrow(TypeError);
    expect(() => serializeCookie('a', 'x', { maxAge: -1 })).toThrow(TypeError);
    expect(() => serializeCookie('a', 'x', { maxAge: 1.5 })).toThrow(TypeError);
  });
});
