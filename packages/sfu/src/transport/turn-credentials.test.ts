import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TURN_CREDENTIAL_LIFETIME_S, turnCredential, turnIceServers } from './turn-credentials.js';

describe('turnCredential (coturn use-auth-secret)', () => {
  it('matches HMAC-SHA1 values computed by openssl', () => {
    // printf '%s' '1700000000:abc' | openssl dgst -sha1 -hmac 'north-wind-7' -binary | base64
    expect(turnCredential('north-wind-7', 1_700_000_000, 'abc')).toEqual({
      username: '1700000000:abc',
      credential: '0yUNs5LkbgIdn3tnAKIrjHUuj6w=',
    });
    expect(turnCredential('north-wind-7', 1_700_000_000)).toEqual({
      username: '1700000000',
      credential: 'bc6iPM/ZtVlbEY67Qen8/xkyYSI=',
    });
  });
});

describe('turnIceServers', () => {
  const now = () => Date.UTC(2026, 0, 1, 12, 0, 0, 500);
  const nowSeconds = Date.UTC(2026, 0, 1, 12, 0, 0) / 1000;

  it('hands out no servers without TURN URLs', () => {
    expect(turnIceServers(undefined)()).toEqual([]);
    expect(turnIceServers({ urls: [], secret: 's' })()).toEqual([]);
  });

  it('gives every URL a credential that expires after the lifetime and verifies like coturn', () => {
    const issue = turnIceServers({ urls: ['turn:a:3478', 'turns:a:5349'], secret: 'north-wind-7', now });
    const [server, ...rest] = issue();
    expect(rest).toEqual([]);
    expect(server?.urls).toEqual(['turn:a:3478', 'turns:a:5349']);
    const username = server?.username ?? '';
    const [expiry, opaque, extra] = username.split(':');
    expect(Number(expiry)).toBe(nowSeconds + TURN_CREDENTIAL_LIFETIME_S);
    expect(TURN_CREDENTIAL_LIFETIME_S).toBeGreaterThanOrEqual(60 * 60);
    expect(TURN_CREDENTIAL_LIFETIME_S).toBeLessThanOrEqual(24 * 60 * 60);
    expect(opaque).toMatch(/^[A-Za-z0-9_-]{8,}$/);
    expect(extra).toBeUndefined();
    // What coturn does on an Allocate: recompute the HMAC from its own copy of the secret.
    const expected = createHmac('sha1', 'north-wind-7').update(username).digest('base64');
    expect(server?.credential).toBe(expected);
  });

  it('makes fresh credentials for each join', () => {
    const issue = turnIceServers({ urls: ['turn:a:3478'], secret: 's', now });
    const first = issue()[0];
    const second = issue()[0];
    expect(first?.username).not.toBe(second?.username);
    expect(first?.credential).not.toBe(second?.credential);
  });

  it('honours a custom lifetime', () => {
    const [server] = turnIceServers({ urls: ['turn:a'], secret: 's', now, lifetimeSeconds: 60 })();
    expect(server?.username?.startsWith(`${nowSeconds + 60}:`)).toBe(true);
  });
});
