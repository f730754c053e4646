import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signForwardedClient, verifyForwardedClient } from './forwarded-client.js';

const secret = randomBytes(32);
const client = { address: '198.51.100.7', host: 'meet.example.org', protocol: 'https' as const, hops: 1 };

describe('forwarded-client header', () => {
  it('carries the browser’s address and origin to the hosting node', () => {
    expect(verifyForwardedClient(secret, signForwardedClient(secret, client))).toEqual(client);
  });

  it('is refused when forged, altered, signed with another secret, stale or malformed', () => {
    const header = signForwardedClient(secret, client, 1_000_000);
    expect(verifyForwardedClient(secret, header, 1_000_000 + 29_000)).toEqual(client);
    expect(verifyForwardedClient(secret, header, 1_000_000 + 31_000)).toBeNull();
    const [payload, signature] = header.split('.') as [string, string];
    const altered = Buffer.from(
      Buffer.from(payload, 'base64url').toString().replace('198.51.100.7', '203.0.113.9'),
    ).toString('base64url');
    expect(verifyForwardedClient(secret, `${altered}.${signature}`, 1_000_000)).toBeNull();
    expect(verifyForwardedClient(randomBytes(32), header, 1_000_000)).toBeNull();
    for (const bad of [undefined, '', 'x', 'a.b.c', [header, header]]) {
      expect(verifyForwardedClient(secret, bad, 1_000_000)).toBeNull();
    }
  });
});
