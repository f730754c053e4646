import { describe, expect, it } from 'vitest';
import { loginPath, parseRoute, roomPath, safeNextPath } from './routes';

describe('parseRoute', () => {
  it('recognises the fixed pages', () => {
    expect(parseRoute('/')).toEqual({ page: 'home' });
    expect(parseRoute('/setup')).toEqual({ page: 'setup' });
    expect(parseRoute('/privacy/')).toEqual({ page: 'privacy' });
    expect(parseRoute('/admin')).toEqual({ page: 'admin' });
    expect(parseRoute('/admin/')).toEqual({ page: 'admin' });
    expect(parseRoute('/login', '?next=%2Froom%2Fabc')).toEqual({ page: 'login', next: '/room/abc' });
  });

  it('reads the room name from /room/<name>, decoded', () => {
    expect(parseRoute('/room/team-weekly')).toEqual({ page: 'room', roomName: 'team-weekly' });
    expect(parseRoute('/room/a%20b')).toEqual({ page: 'room', roomName: 'a b' });
    // Broken percent-encoding is handed on as is; the room page then reports an invalid name.
    expect(parseRoute('/room/%E0%A4%A')).toEqual({ page: 'room', roomName: '%E0%A4%A' });
  });

  it('reads the token of an invitation link', () => {
    expect(parseRoute('/room/team', '?invite=abc.def-1')).toStrictEqual({
      page: 'room',
      roomName: 'team',
      invitation: 'abc.def-1',
    });
    expect(parseRoute('/room/team', '?invite=')).toStrictEqual({ page: 'room', roomName: 'team' });
  });

  it('sends anything else to not-found', () => {
    expect(parseRoute('/room/')).toEqual({ page: 'not-found' });
    expect(parseRoute('/room/a/b')).toEqual({ page: 'not-found' });
    expect(parseRoute('/rooms')).toEqual({ page: 'not-found' });
  });

  it('round-trips room paths', () => {
    const path = roomPath('x_y-9');
    expect(path).toBe('/room/x_y-9');
    expect(parseRoute(path)).toEqual({ page: 'room', roomName: 'x_y-9' });
  });
});

describe('safeNextPath', () => {
  it('keeps paths on this site', () => {
    expect(safeNextPath('/room/abc?x=1')).toBe('/room/abc?x=1');
  });

  it('refuses other sites and missing values', () => {
    expect(safeNextPath(null)).toBe('/');
    expect(safeNextPath('')).toBe('/');
    expect(safeNextPath('https://evil.example/')).toBe('/');
    expect(safeNextPath('//evil.example/')).toBe('/');
    expect(safeNextPath('/\\evil.example/')).toBe('/');
    expect(parseRoute('/login', '?next=//evil.example')).toEqual({ page: 'login', next: '/' });
  });

  it('builds login links that come back', () => {
    expect(loginPath('/')).toBe('/login');
    const link = new URL(loginPath('/room/abc'), 'http://parley.test');
    expect(parseRoute(link.pathname, link.search)).toEqual({ page: 'login', next: '/room/abc' });
  });
});
