import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerSecurityHeaders } from '../../src/http/security-headers.js';
import { startPrivacyServer } from './in-process-server.js';

/** The policy's directives by name. */
function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter((words) => words[0])
      .map(([name, ...values]) => [name!, values]),
  );
}

describe('security headers on every answer', () => {
  let server: Awaited<ReturnType<typeof startPrivacyServer>>;

  beforeAll(async () => {
    server = await startPrivacyServer();
  });

  afterAll(async () => {
    await server?.close();
  });

  it.each([
    '/',
    '/login',
    '/privacy',
    '/room/some-room',
    '/api/privacy',
    '/api/session',
    '/healthz',
    '/no/such/page',
  ])('%s', async (url) => {
    const response = await fetch(`${server.url}${url}`);
    const csp = directives(response.headers.get('content-security-policy') ?? '');
    expect(csp.get('default-src')).toEqual(["'self'"]);
    // Parley's own scripts, and compiling its own WebAssembly (noise suppression, background
    // segmentation); no JavaScript eval.
    expect(csp.get('script-src')).toEqual(["'self'", "'wasm-unsafe-eval'"]);
    expect(csp.get('style-src')).toEqual(["'self'"]);
    expect(csp.get('connect-src')).toEqual(["'self'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    for (const [name, values] of csp) {
      expect(values, name).not.toContain("'unsafe-inline'");
      expect(values, name).not.toContain("'unsafe-eval'");
      // Only Parley's own origin and browser-local schemes, never another host.
      for (const value of values)
        expect(value, name).toMatch(/^('self'|'none'|'wasm-unsafe-eval'|data:|blob:|mediastream:)$/);
      if (name !== 'script-src') expect(values, name).not.toContain("'wasm-unsafe-eval'");
    }
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const permissions = response.headers.get('permissions-policy') ?? '';
    const allowed = permissions
      .split(',')
      .map((part) => part.trim())
      .filter((part) => !part.endsWith('=()'));
    expect(allowed.sort()).toEqual(['camera=(self)', 'display-capture=(self)', 'microphone=(self)']);
    // Plain HTTP: no HSTS (it would be ignored, and would break a later plain-HTTP test setup).
    expect(response.headers.get('strict-transport-security')).toBeNull();
  });

  it('sends HSTS when a trusted TLS-terminating proxy says the browser came over HTTPS', async () => {
    const response = await fetch(`${server.url}/`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(response.headers.get('strict-transport-security')).toBe('max-age=31536000');
  });

  it('sends HSTS when Parley serves HTTPS itself', async () => {
    const app = Fastify();
    registerSecurityHeaders(app, true);
    app.get('/', async () => 'ok');
    const response = await app.inject({ method: 'GET', url: '/' });
    expect(response.headers['strict-transport-security']).toBe('max-age=31536000');
    await app.close();
  });
});
