import { ConfigError, loadConfig } from './config.js';
import { stopWhenLauncherDies } from './launcher-watch.js';
import { createLogger } from './logger.js';
import { startMediaPlane } from './media/index.js';
import { createParley } from './parley.js';

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
  const media = await startMediaPlane(
    {
      publicIp: config.publicIp,
      bindAddress: config.host,
      rtcPort: config.rtcPort,
      lastN: config.lastN,
      audibleSpeakers: config.audibleSpeakers,
    },
    logger,
    config.mediaWorkers,
  );
  const parley = await createParley(config, logger, media, {
    accounts: { onSweepError: (err) => logger.warn({ err }, 'session sweep failed') },
  });
  const { app } = parley;
  await app.listen({ port: config.port, host: config.host });
  const scheme = config.tlsCert ? 'https' : 'http';
  logger.info(
    { port: config.port, rtcPort: config.rtcPort, mediaWorkers: config.mediaWorkers },
    'parley is listening',
  );
  const origin = `${scheme}://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
  console.log(`Parley is ready: ${origin}`);
  if (!(await parley.accounts.hasAnyUser())) {
    // On the console only, never in the log: whoever holds it can become administrator, until
    // someone does (then it opens nothing). The operator's PARLEY_SETUP_TOKEN is not repeated.
    console.log(
      config.setupToken
        ? 'No account yet: create the first administrator at /setup with PARLEY_SETUP_TOKEN.'
        : `No account yet: create the first administrator at /setup?token=${parley.setupToken} (one-time setup token: ${parley.setupToken})`,
    );
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    if (parley.cluster) {
      // Cluster: hand the meetings on (the apps resume on other nodes), then stop, in bounded time.
      const timeoutMs = config.drainTimeoutSeconds * 1000;
      setTimeout(() => process.exit(1), timeoutMs + 2000).unref();
      // Refuse new connections from now on: the proxy in front tries the next node at once.
      parley.app.server.close();
      await parley.cluster.drain(timeoutMs);
    }
    await parley.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  stopWhenLauncherDies(() => void stop('launcher-gone'));
}

main().catch((error) => {
  console.error('parley: failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
