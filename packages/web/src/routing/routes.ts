/**
 * The app's pages, recognised from the location's path. Pure functions, so they can be tested
 * without a browser.
 */

export type Route =
  | { page: 'home' }
  | { page: 'login'; next: string }
  | { page: 'setup' }
  | { page: 'privacy' }
  | { page: 'admin' }
  /** `invitation`: the token of an invitation link (`?invite=`). */
  | { page: 'room'; roomName: string; invitation?: string }
  | { page: 'not-found' };

const ROOM_PREFIX = '/room/';

export function parseRoute(pathname: string, search = ''): Route {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  if (path === '/' || path === '') return { page: 'home' };
  if (path === '/login')
    return { page: 'login', next: safeNextPath(new URLSearchParams(search).get('next')) };
  if (path === '/setup') return { page: 'setup' };
  if (path === '/privacy') return { page: 'privacy' };
  if (path === '/admin') return { page: 'admin' };
  if (path.startsWith(ROOM_PREFIX)) {
    const raw = path.slice(ROOM_PREFIX.length);
    // An empty or nested name is not a room; anything else is passed on and validated by the room page.
    if (raw !== '' && !raw.includes('/')) {
      const invitation = new URLSearchParams(search).get('invite');
      const roomName = decodeSegment(raw);
      return invitation ? { page: 'room', roomName, invitation } : { page: 'room', roomName };
    }
  }
  return { page: 'not-found' };
}

export function roomPath(roomName: string): string {
  return ROOM_PREFIX + encodeURIComponent(roomName);
}

export function loginPath(next: string): string {
  return next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`;
}

/**
 * Where to go after signing in: only a path on this site. `//host` and `/\host` are rejected because
 * browsers treat them as addresses on another host.
 */
export function safeNextPath(next: string | null | undefined): string {
  if (!next?.startsWith('/')) return '/';
  if (next.startsWith('//') || next.startsWith('/\\')) return '/';
  return next;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
