/**
 * Just enough of RFC 6265 for one session cookie: read a named cookie from a `Cookie` header, and
 * write a `Set-Cookie` value. Cookie values Parley writes are base64url, so no escaping is needed;
 * values that are not cookie-octets are refused rather than encoded.
 */

/** The value of cookie `name` in a `Cookie` request header, or undefined. The first occurrence wins. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined || header === '') return undefined;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq === -1) continue;
    if (pair.slice(0, eq).trim() !== name) continue;
    let value = pair.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    return value;
  }
  return undefined;
}

export interface CookieOptions {
  /** Seconds until the browser drops the cookie; 0 deletes it now. */
  maxAge: number;
  path?: string;
  httpOnly?: boolean;
  secure?: boolean;
  sameSite?: 'Strict' | 'Lax' | 'None';
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const COOKIE_VALUE = /^[!#-+\--:<-[\]-~]*$/;

/** A `Set-Cookie` header value. */
export function serializeCookie(name: string, value: string, options: CookieOptions): string {
  if (!TOKEN.test(name)) throw new TypeError('Invalid cookie name.');
  if (!COOKIE_VALUE.test(value)) throw new TypeError('Invalid cookie value.');
  if (!Number.isInteger(options.maxAge) || options.maxAge < 0) throw new TypeError('Invalid cookie Max-Age.');
  const parts = [`${name}=${value}`, `Max-Age=${options.maxAge}`];
  if (options.path !== undefined) parts.push(`Path=${options.path}`);
  if (options.httpOnly) parts.push('HttpOnly');
  if (options.secure) parts.push('Secure');
  if (options.sameSite !== undefined) parts.push(`SameSite=${options.sameSite}`);
  return parts.join('; ');
}
