import { createHmac, timingSafeEqual } from 'node:crypto';

/** The request header a node adds when it forwards a browser's signaling connection to another node. */
export const FORWARDED_HEADER = 'x-parley-forwarded';

/** A forwarded connection must be opened this soon after it was signed (clocks of one cluster agree). */
const MAX_AGE_MS = 30_000;

/** What the hosting node needs to know about a browser whose connection reached another node first. */
export interface ForwardedClient {
  /** The browser's address as the first node saw it (request.ip); only hashed by the host, never kept. */
  address: string;
  /** The Host and scheme the browser used, for the same-origin check and invitation links. */
  host: string;
  protocol: 'http' | 'https';
  /** How many nodes forwarded the connection so far (guards against forwarding in circles). */
  hops: number;
}

interface Signed extends ForwardedClient {
  at: number;
}

function mac(secret: Buffer, payload: string): Buffer {
  return createHmac('sha256', secret).update(`forwarded:${payload}`).digest();
}

/**
 * The header value: the facts, base64url JSON, and an HMAC over them under the cluster secret. Only
 * a node of the cluster can make one, so a browser cannot claim another address or origin.
 */
export function signForwardedClient(secret: Buffer, client: ForwardedClient, now = Date.now()): string {
  const payload = Buffer.from(JSON.stringify({ ...client, at: now } satisfies Signed)).toString('base64url');
  return `${payload}.${mac(secret, payload).toString('base64url')}`;
}

/** The forwarded client, when the header is genuine and fresh; null otherwise. */
export function verifyForwardedClient(
  secret: Buffer,
  header: string | string[] | undefined,
  now = Date.now(),
): ForwardedClient | null {
  if (typeof header !== 'string') return null;
  const [payload, signature, extra] = header.split('.');
  if (!payload || !signature || extra !== undefined) return null;
  const expected = mac(secret, payload);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const value = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Signed;
    if (typeof value.at !== 'number' || Math.abs(now - value.at) > MAX_AGE_MS) return null;
    if (typeof value.address !== 'string' || typeof value.host !== 'string') return null;
    if (value.protocol !== 'http' && value.protocol !== 'https') return null;
    if (!Number.isInteger(value.hops) || value.hops < 1) return null;
    return { address: value.address, host: value.host, protocol: value.protocol, hops: value.hops };
  } catch {
    return null;
  }
}
