import { readFile } from 'node:fs/promises';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import type { AccountService } from '../accounts/account-service.js';
import { registerAccountRoutes, sessionUserFromCookieHeader } from '../accounts/routes.js';
import type { InstanceSettingsStore } from '../admin/instance-settings.js';
import { adminPageAccess, registerAdminRoutes } from '../admin/routes.js';
import type { Config } from '../config.js';
import type { KeptRoomStore } from '../kept-rooms/kept-room-store.js';
import { registerKeptRoomRoutes } from '../kept-rooms/routes.js';
import type { PasswordDirectory } from '../ldap/ldap-service.js';
import type { Logger } from '../logger.js';
import type { Meetings } from '../meeting/meetings.js';
import type { OidcService } from '../oidc/oidc-service.js';
import { registerOidcRoutes } from '../oidc/routes.js';
import type { IpHasher } from '../privacy/ip-hasher.js';
import type { RateLimiter } from '../privacy/rate-limiter.js';
import { registerPrivacyRoutes } from '../privacy/routes.js';
import { registerSignaling, type SignalingRouter } from '../signaling/route.js';
import { type OperationsOptions, registerOperations } from './operations.js';
import { registerPages } from './pages.js';
import { registerSecurityHeaders } from './security-headers.js';

export interface AppDeps {
  config: Config;
  logger: Logger;
  accounts: AccountService;
  meetings: Meetings;
  loginLimiter: RateLimiter;
  /** Sign-in attempts per username (all addresses together). */
  usernameLimiter?: RateLimiter | undefined;
  /** The one-time token /api/setup asks for (see createParley). */
  setupToken: string;
  /** Keyed hashing of client addresses (signaling keeps only the hash, for password throttling and removals). */
  ipHasher: IpHasher;
  /** The settings administrators change on /admin (who may start meetings). */
  settings: InstanceSettingsStore;
  /** Changes through the admin API per client address (ADMIN_RATE_LIMIT). */
  adminLimiter: RateLimiter;
  /** Rooms that keep their settings (/api/kept-rooms); without it those routes do not exist. */
  keptRooms?: KeptRoomStore | undefined;
  keptRoomLimiter?: RateLimiter | undefined;
  roomScheduleLimiter?: RateLimiter | undefined;
  /** Single sign-on (/api/oidc/*); without it those routes do not exist. */
  oidc?: OidcService | undefined;
  /** An LDAP directory that checks passwords at /api/login beside local accounts. */
  ldap?: PasswordDirectory | undefined;
  /** Cluster only (PARLEY_REDIS_URL): routes signaling connections to the node hosting their meeting. */
  signalingRouter?: SignalingRouter | undefined;
  /** Readiness checks (/readyz) and the metrics registry (/metrics); without them neither route exists. */
  operations?: Pick<OperationsOptions, 'readinessChecks' | 'metrics'>;
}

/** Builds the control plane's HTTP server: pages, JSON API, signaling WebSocket. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, logger } = deps;
  const https =
    config.tlsCert && config.tlsKey
      ? { cert: await readFile(config.tlsCert), key: await readFile(config.tlsKey) }
      : null;
  const app = Fastify({
    loggerInstance: logger,
    // Fastify's own request log would write URLs (room names) and addresses; we log our own line.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: config.trustProxy,
    bodyLimit: 16 * 1024,
    ...(https ? { https } : {}),
  }) as unknown as FastifyInstance;

  app.addHook('onResponse', async (request, reply) => {
    logger.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? '(no route)',
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'http',
    );
  });

  registerSecurityHeaders(app, https !== null);
  app.get('/healthz', async () => ({ status: 'ok' }));
  if (deps.operations) {
    registerOperations(app, { ...deps.operations, metricsToken: config.metricsToken, logger });
  }

  registerAccountRoutes(app, {
    accounts: deps.accounts,
    config,
    loginLimiter: deps.loginLimiter,
    usernameLimiter: deps.usernameLimiter,
    setupToken: deps.setupToken,
    directory: deps.ldap,
  });
  if (deps.oidc) {
    registerOidcRoutes(app, {
      oidc: deps.oidc,
      accounts: deps.accounts,
      config,
      loginLimiter: deps.loginLimiter,
    });
  }
  registerAdminRoutes(app, {
    accounts: deps.accounts,
    settings: deps.settings,
    changeLimiter: deps.adminLimiter,
  });
  if (deps.keptRooms && deps.keptRoomLimiter && deps.roomScheduleLimiter) {
    registerKeptRoomRoutes(app, {
      accounts: deps.accounts,
      keptRooms: deps.keptRooms,
      changeLimiter: deps.keptRoomLimiter,
      lookupLimiter: deps.roomScheduleLimiter,
    });
  }
  registerPrivacyRoutes(app, config);
  await registerSignaling(app, {
    meetings: deps.meetings,
    logger,
    addressHasher: deps.ipHasher,
    limits: {
      joinDeadlineMs: config.joinDeadlineSeconds * 1000,
      maxConnectionsPerAddress: config.maxConnectionsPerAddress,
    },
    ...(deps.signalingRouter && { router: deps.signalingRouter }),
    userOf: async (request) => {
      const user = await sessionUserFromCookieHeader(deps.accounts, request.headers.cookie);
      if (!user) return null;
      // Read at every connection, so a change on /admin applies to the next meeting anyone opens.
      return (await deps.settings.mayStartMeetings(user.role))
        ? { id: user.id }
        : { id: user.id, mayOpen: false };
    },
  });
  await registerPages(app, {
    webRoot: config.webRoot,
    setupNeeded: async () => !(await deps.accounts.hasAnyUser()),
    adminAccess: (request) => adminPageAccess(deps.accounts, request),
  });
  app.setNotFoundHandler(async (_request, reply) =>
    reply.code(404).send({ error: 'not-found', message: 'There is nothing here.' }),
  );
  return app;
}
