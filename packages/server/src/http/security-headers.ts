import type { FastifyInstance } from 'fastify';

/**
 * The Content-Security-Policy of every answer: everything from Parley's own origin, nothing inline
 * (scripts and style sheets come from files; the app sets styles through the DOM only), no frames.
 * `blob:` serves media elements and workers the app creates itself, `mediastream:` local previews.
 * `'wasm-unsafe-eval'` lets the app compile its own WebAssembly (noise suppression, the background
 * effect's segmentation; files Parley serves itself); it admits no JavaScript eval (`'unsafe-eval'`
 * stays out).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob: mediastream:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

/** Powerful features: camera, microphone and screen capture for Parley itself, the rest for nobody. */
export const PERMISSIONS_POLICY =
  'camera=(self), microphone=(self), display-capture=(self), geolocation=(), payment=(), usb=()';

/**
 * Headers on every answer: the app loads nothing from third parties (CSP 'self' only), leaks no
 * referrer (room names are in paths), may use camera, microphone and screen capture itself only,
 * cannot be framed, and insists on HTTPS once reached over HTTPS (directly, or through a trusted
 * TLS-terminating proxy that says so).
 */
export function registerSecurityHeaders(app: FastifyInstance, https: boolean): void {
  app.addHook('onSend', async (request, reply) => {
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    reply.header('cross-origin-opener-policy', 'same-origin');
    reply.header('cross-origin-resource-policy', 'same-origin');
    reply.header('permissions-policy', PERMISSIONS_POLICY);
    if (https || request.protocol === 'https') {
      reply.header('strict-transport-security', 'max-age=31536000');
    }
  });
}
