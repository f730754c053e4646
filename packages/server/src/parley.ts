import type { FastifyInstance } from 'fastify';
import { AccountService, type AccountServiceOptions } from './accounts/account-service.js';
import type { Config } from './config.js';
import { buildApp } from './http/app.js';
import type { Logger } from './logger.js';
import type { MediaPlane } from './media/media-plane.js';
import { IpHasher } from './privacy/ip-hasher.js';
import { LOGIN_RATE_LIMIT, RateLimiter } from './privacy/rate-limiter.js';
import { Meetings, type MeetingsOptions } from './rooms/meetings.js';
import { closeDatabase, openDatabase } from './store/database.js';

export interface ParleyOptions {
  accounts?: AccountServiceOptions;
  meetings?: MeetingsOptions;
}

/** One Parley server, assembled: the services and the HTTP app, not yet listening. */
export interface Parley {
  app: FastifyInstance;
  accounts: AccountService;
  meetings: Meetings;
  media: MediaPlane;
  ipHasher: IpHasher;
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
  const meetings = new Meetings(media, logger, () => [], { addressKeys: ipHasher, ...options.meetings });
  const app = await buildApp({ config, logger, accounts, meetings, loginLimiter, ipHasher });
  return {
    app,
    accounts,
    meetings,
    media,
    ipHasher,
    async close() {
      meetings.closeAll();
      await app.close();
      await media.close();
      accounts.close();
      loginLimiter.close();
      ipHasher.close();
      await closeDatabase(db);
    },
  };
}
