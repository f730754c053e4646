import websocket from '@fastify/websocket';
import { CloseCode } from '@parley/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { Arrival } from '../cluster/arrival.js';
import { FORWARDED_HEADER, type ForwardedClient } from '../cluster/forwarded-client.js';
import type { Logger } from '../logger.js';
import type { Meetings } from '../meeting/meetings.js';
import { ConnectionCounter, type ConnectionLimits, JoinGuard } from './connection-limits.js';
import { SignalingSession, type SocketUser } from './session.js';
import { SocketErrorLog } from './socket-error-log.js';

/** Host header values we are willing to put into invitation links: a name or address and a port. */
const HOST_PATTERN = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * Hard cap of one WebSocket message (all its frames together), so that an unfinished message holds at
 * most this much memory; messages above MAX_MESSAGE_BYTES but below this get an error reply, larger
 * ones close the connection (1009). Before a connection joins, PRE_JOIN_BYTES caps it far lower.
 */
const MAX_FRAME_BYTES = 256 * 1024;

/** Defaults of ConnectionLimits (PARLEY_JOIN_DEADLINE_S, PARLEY_MAX_CONNECTIONS_PER_ADDRESS). */
export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  joinDeadlineMs: 10_000,
  maxConnectionsPerAddress: 100,
};

export interface SignalingDeps {
  meetings: Meetings;
  logger: Logger;
  /** The signed-in account behind the request's session cookie, if any. */
  userOf(request: FastifyRequest): Promise<SocketUser | null>;
  /** Turns the client address into its keyed hash (IpHasher), so only the hash is kept. */
  addressHasher: { hash(address: string): string };
  /** Cluster only: serves a connection here or forwards it to the node hosting its meeting. */
  router?: SignalingRouter;
  /** Join deadline and connections per address; DEFAULT_CONNECTION_LIMITS when left out. */
  limits?: ConnectionLimits;
}

/** What the cluster offers signaling (cluster/cluster.ts implements it; docs/cluster.md). */
export interface SignalingRouter {
  /** The browser behind a connection another node forwarded (its signature checked), or null. */
  forwardedFrom(header: string | string[] | undefined): ForwardedClient | null;
  /**
   * Holds the connection's messages until the first names a room; then calls `open` and replays them
   * to the session it starts, or forwards the connection to the node hosting that meeting (and then
   * calls `handedOver`: that node's limits apply to it from then on).
   */
  route(socket: WebSocket, arrival: Arrival, open: () => Promise<() => void>, handedOver?: () => void): void;
}

/**
 * The origin the browser used (`request.protocol` and `request.host` honour PARLEY_TRUST_PROXY's
 * forwarded headers), for invitation links; null when the Host header looks odd.
 */
export function originOf(request: FastifyRequest): string | null {
  return originFrom(request.protocol, request.host);
}

function originFrom(protocol: string, host: string | undefined): string | null {
  if (typeof host !== 'string' || !HOST_PATTERN.test(host)) return null;
  return `${protocol === 'https' ? 'https' : 'http'}://${host}`;
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
  const limits = deps.limits ?? DEFAULT_CONNECTION_LIMITS;
  const connections = new ConnectionCounter(limits.maxConnectionsPerAddress);
  const socketErrors = new SocketErrorLog(deps.logger);
  await app.register(websocket, {
    options: { maxPayload: MAX_FRAME_BYTES },
    // A malformed frame is the client's fault, not ours: a bounded warning, never its content.
    errorHandler: (error, socket) => {
      socketErrors.record(error);
      socket.terminate();
    },
    // On shutdown every client hears "going away" (1001) rather than a close without a code (1005);
    // connections already closing (a cluster drain's 4007, a meeting's end) keep their own code.
    preClose(done) {
      for (const client of this.websocketServer.clients) {
        if (client.readyState === client.OPEN) {
          client.close(CloseCode.goingAway, 'server shutting down');
        }
      }
      this.websocketServer.close();
      done();
    },
  });
  app.register(async (scope) => {
    scope.get(
      '/ws',
      {
        websocket: true,
        preValidation: async (request, reply) => {
          // A connection forwarded by another node carries the Host the browser used, signed.
          const forwarded = deps.router?.forwardedFrom(request.headers[FORWARDED_HEADER]);
          if (!isSameOrigin(request.headers.origin, forwarded ? forwarded.host : request.headers.host)) {
            await reply
              .code(403)
              .send({ error: 'forbidden-origin', message: 'Cross-site connection refused.' });
          }
        },
      },
      async (socket, request) => {
        const forwarded = deps.router?.forwardedFrom(request.headers[FORWARDED_HEADER]) ?? null;
        // request.ip honours PARLEY_TRUST_PROXY; only its keyed hash is kept, never the address.
        // A forwarded connection's address is the browser's, as the node it reached first saw it.
        const address = forwarded ? forwarded.address : request.ip;
        const release = connections.open(address ?? '');
        if (!release) {
          socket.close(CloseCode.tooManyConnections, 'too many connections');
          return;
        }
        socket.once('close', release);
        const guard = new JoinGuard(socket, request.raw.socket, limits.joinDeadlineMs);
        const open = async () => {
          const user = await deps.userOf(request);
          const addressKey = address ? deps.addressHasher.hash(address) : null;
          const origin = forwarded ? originFrom(forwarded.protocol, forwarded.host) : originOf(request);
          return () => {
            new SignalingSession(socket, deps.meetings, { user, addressKey, origin }, deps.logger, guard);
          };
        };
        if (!deps.router) {
          (await open())();
          return;
        }
        deps.router.route(
          socket,
          {
            address,
            host: forwarded ? forwarded.host : request.headers.host,
            protocol: forwarded ? forwarded.protocol : request.protocol === 'https' ? 'https' : 'http',
            cookie: request.headers.cookie,
            origin: request.headers.origin,
            hops: forwarded?.hops ?? 0,
          },
          open,
          () => guard.handedOver(),
        );
      },
    );
  });
}
