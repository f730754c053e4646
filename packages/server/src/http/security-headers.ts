import type { FastifyInstance } from 'fastify';

/**
 * Headers on every answer: the app loads nothing from third parties (CSP 'self' only), leaks no
 * referrer (room names are in paths), and may use camera, microphone and screen capture itself only.
 */
export function registerSecurityHeaders(app: FastifyInstance, https: boolean): void {
  const csp = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
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
  app.addHook('onSend', async (_request, reply) => {
    reply.header('content-security-policy', csp);
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-content-type-options', 'nosniff');
    reply.header('cross-origin-opener-policy', 'same-origin');
    reply.header(
      'permissions-policy',
      'camera=(self), microphone=(self), display-capture=(self), geolocation=()',
    );
    if (https) reply.header('strict-transport-security', 'max-age=31536000');
  });
}
