import { AccountService } from './accounts/account-service.js';
import { ConfigError, loadConfig } from './config.js';
import { buildApp } from './http/app.js';
import { createLogger } from './logger.js';
import { createMediaPlane } from './media/index.js';
import { IpHasher } from './privacy/ip-hasher.js';
import { LOGIN_RATE_LIMIT, RateLimiter } from './privacy/rate-limiter.js';
import { Meetings } from './rooms/meetings.js';
import { closeDatabase, openDatabase } from './store/database.js';

/** Starts Parley: one process, SQLite by default. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`parley: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const db = await openDatabase(config);
  const accounts = new AccountService(db, {
    onSweepError: (err) => logger.warn({ err }, 'session sweep failed'),
  });
  const ipHasher = new IpHasher(config.ipRetentionSeconds);
  const loginLimiter = new RateLimiter(ipHasher, LOGIN_RATE_LIMIT);
  const media = createMediaPlane(
    { publicIp: config.publicIp, bindAddress: config.host, rtcPort: config.rtcPort },
    logger,
  );
  const meetings = new Meetings(media, logger, () => [], { addressKeys: ipHasher });
  const app = await buildApp({ config, logger, accounts, meetings, loginLimiter, ipHasher });
  await app.listen({ port: config.port, host: config.host });
  const scheme = config.tlsCert ? 'https' : 'http';
  logger.info({ port: config.port, rtcPort: config.rtcPort }, 'parley is listening');
  console.log(
    `Parley is ready: ${scheme}://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`,
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    meetings.closeAll();
    await app.close();
    await media.close();
    accounts.close();
    loginLimiter.close();
    ipHasher.close();
    await closeDatabase(db);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error) => {
  console.error('parley: failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
