import { randomBytes } from 'node:crypto';
import type { MediaPlane } from '@parley/sfu';
import { turnIceServers } from '@parley/sfu';
import type { FastifyInstance } from 'fastify';
import { AccountService, type AccountServiceOptions } from './accounts/account-service.js';
import { InstanceSettingsStore } from './admin/instance-settings.js';
import { ADMIN_RATE_LIMIT } from './admin/routes.js';
import { Cluster } from './cluster/cluster.js';
import type { Config } from './config.js';
import { buildApp } from './http/app.js';
import { createMetrics } from './http/metrics.js';
import type { ReadinessCheck } from './http/operations.js';
import { KeptRoomStore } from './kept-rooms/kept-room-store.js';
import { KEPT_ROOM_RATE_LIMIT, ROOM_SCHEDULE_RATE_LIMIT } from './kept-rooms/routes.js';
import { KeptRoomSweep } from './kept-rooms/sweep.js';
import type { LdapDirectoryOptions } from './ldap/ldap-directory.js';
import { LdapService } from './ldap/ldap-service.js';
import type { Logger } from './logger.js';
import { Meetings, type MeetingsOptions } from './meeting/meetings.js';
import { loadResumeKey } from './meeting/resume-tokens.js';
import { OidcService, type OidcServiceOptions } from './oidc/oidc-service.js';
import { IpHasher } from './privacy/ip-hasher.js';
import { LOGIN_RATE_LIMIT, RateLimiter, USERNAME_LOGIN_WINDOW_MS } from './privacy/rate-limiter.js';
import { closeDatabase, openDatabase, pingDatabase } from './store/database.js';

export interface ParleyOptions {
  accounts?: AccountServiceOptions;
  meetings?: MeetingsOptions;
  oidc?: OidcServiceOptions;
  /** Timeouts of the LDAP directory's connections (PARLEY_LDAP_*), for tests. */
  ldap?: LdapDirectoryOptions;
  /** More for /readyz to check, besides the database (e.g. Redis in a cluster). */
  readinessChecks?: ReadinessCheck[];
}

/** One Parley server, assembled: the services and the HTTP app, not yet listening. */
export interface Parley {
  app: FastifyInstance;
  accounts: AccountService;
  meetings: Meetings;
  media: MediaPlane;
  ipHasher: IpHasher;
  /** This node's part in a cluster (PARLEY_REDIS_URL), or null when it runs alone. */
  cluster: Cluster | null;
  /** The one-time token /setup asks for while no account exists (PARLEY_SETUP_TOKEN or random). */
  setupToken: string;
  /** Ends every meeting and frees everything, in dependency order. */
  close(): Promise<void>;
}

/**
 * The composition root: builds every service of the control plane around a media plane. Used by
 * `main.ts` and by the integration tests, so both run the same wiring and shut down the same way.
 */
export async function createParley(
  config: Config,
  logger: Logger,
  media: MediaPlane,
  options: ParleyOptions = {},
): Promise<Parley> {
  const db = await openDatabase(config);
  const accounts = new AccountService(db, options.accounts);
  const ipHasher = new IpHasher(config.ipRetentionSeconds);
  const loginLimiter = new RateLimiter(ipHasher, LOGIN_RATE_LIMIT);
  const adminLimiter = new RateLimiter(ipHasher, ADMIN_RATE_LIMIT);
  const keptRoomLimiter = new RateLimiter(ipHasher, KEPT_ROOM_RATE_LIMIT);
  const roomScheduleLimiter = new RateLimiter(ipHasher, ROOM_SCHEDULE_RATE_LIMIT);
  const keptRooms = new KeptRoomStore(db);
  const oidc = new OidcService(
    config.oidc ?? { providers: [], redirectUri: undefined },
    accounts,
    options.oidc,
  );
  const ldap = config.ldap ? new LdapService(config.ldap, accounts, logger, options.ldap) : undefined;
  const keptRoomSweep = new KeptRoomSweep(keptRooms, config.keptRoomDays, logger);
  const usernameLimiter = new RateLimiter(ipHasher, {
    limit: config.loginAttemptsPerUser,
    windowMs: USERNAME_LOGIN_WINDOW_MS,
    maxKeys: 10_000,
  });
  // Kept in memory only; main.ts prints it while no account exists (never into the log).
  const setupToken = config.setupToken ?? randomBytes(18).toString('base64url');
  const cluster = config.redisUrl
    ? await Cluster.connect({ redisUrl: config.redisUrl, secret: config.clusterSecret, logger })
    : null;
  const iceServers = turnIceServers(
    config.turnSecret === undefined ? undefined : { urls: config.turnUrls, secret: config.turnSecret },
  );
  const meetings = new Meetings(media, logger, iceServers, {
    addressKeys: ipHasher,
    // Resume tokens outlive a restart of this server (a cluster passes its shared key instead).
    signingKey: cluster ? cluster.signingKey : loadResumeKey(config.dataDir),
    ...(cluster && { mayReopen: cluster.mayReopen, roomState: cluster.roomState }),
    ...(config.iceRelayOnly && { iceTransportPolicy: 'relay' }),
    videoCodec: config.videoCodec,
    limits: config.meetingLimits,
    keptRooms,
    ...options.meetings,
  });
  const app = await buildApp({
    config,
    logger,
    accounts,
    meetings,
    loginLimiter,
    usernameLimiter,
    setupToken,
    ipHasher,
    settings: new InstanceSettingsStore(db),
    adminLimiter,
    keptRooms,
    keptRoomLimiter,
    roomScheduleLimiter,
    oidc,
    ldap,
    signalingRouter: cluster ?? undefined,
    operations: {
      readinessChecks: [
        { name: 'database', check: () => pingDatabase(db) },
        ...(cluster ? [cluster.readiness] : []),
        ...(options.readinessChecks ?? []),
      ],
      metrics: createMetrics({ meetings, media }),
    },
  });
  if (cluster) {
    // The node announces itself once others can reach it, at the address it really listens on.
    app.addHook('onListen', async () =>
      cluster.attach(meetings, config.nodeUrl ?? listeningUrl(app, config)),
    );
  }
  return {
    app,
    accounts,
    meetings,
    media,
    ipHasher,
    cluster,
    setupToken,
    async close() {
      await cluster?.close();
      meetings.closeAll();
      await app.close();
      await media.close();
      accounts.close();
      loginLimiter.close();
      usernameLimiter.close();
      adminLimiter.close();
      keptRoomLimiter.close();
      roomScheduleLimiter.close();
      await keptRoomSweep.close();
      ipHasher.close();
      await closeDatabase(db);
    },
  };
}

/** http(s)://address:port this server listens on; a wildcard address is reached over loopback. */
function listeningUrl(app: FastifyInstance, config: Config): string {
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host === '::' ? '::1' : config.host;
  return `${config.tlsCert ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
