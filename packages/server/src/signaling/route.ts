import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from '../logger.js';
import type { Meetings } from '../rooms/meetings.js';
import { SignalingSession, type SocketUser } from './session.js';

/** Host header values we are willing to put into invitation links: a name or address and a port. */
const HOST_PATTERN = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/** Hard cap of one WebSocket frame; messages above MAX_MESSAGE_BYTES but below this get an error reply. */
const MAX_FRAME_BYTES = 1024 * 1024;

export interface SignalingDeps {
  meetings: Meetings;
  logger: Logger;
  /** The signed-in account behind the request's session cookie, if any. */
  userOf(request: FastifyRequest): Promise<SocketUser | null>;
  /** Turns the client address into its keyed hash (IpHasher), so only the hash is kept. */
  addressHasher: { hash(address: string): string };
}

/**
 * The origin the browser used (`request.protocol` and `request.host` honour PARLEY_TRUST_PROXY's
 * forwarded headers), for invitation links; null when the Host header looks odd.
 */
export function originOf(request: FastifyRequest): string | null {
  const host = request.host;
  if (typeof host !== 'string' || !HOST_PATTERN.test(host)) return null;
  return `${request.protocol === 'https' ? 'https' : 'http'}://${host}`;
}

/**
 * A browser always sends Origin on a WebSocket; it must be this server's own, so another site cannot
 * open a signaling connection with the visitor's session cookie. Clients without Origin (bots, CLI)
 * carry no ambient cookie and are allowed.
 */
export function isSameOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true;
  if (host === undefined) return false;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

export async function registerSignaling(app: FastifyInstance, deps: SignalingDeps): Promise<void> {
  await app.register(websocket, { options: { maxPayload: MAX_FRAME_BYTES } });
  app.register(async (scope) => {
    scope.get(
      '/ws',
      {
        websocket: true,
        preValidation: async (request, reply) => {
          if (!isSameOrigin(request.headers.origin, request.headers.host)) {
            await reply
              .code(403)
              .send({ error: 'forbidden-origin', message: 'Cross-site connection refused.' });
          }
        },
      },
      async (socket, request) => {
        const user = await deps.userOf(request);
        // request.ip honours PARLEY_TRUST_PROXY; only its keyed hash is kept, never the address.
        const addressKey = request.ip ? deps.addressHasher.hash(request.ip) : null;
        new SignalingSession(
          socket,
          deps.meetings,
          { user, addressKey, origin: originOf(request) },
          deps.logger,
        );
      },
    );
  });
}
