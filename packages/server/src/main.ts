import { type MediaPlane, startMediaPlane } from '@parley/sfu';
import { type Config, loadConfig } from './config.js';
import { ConfigError } from './config-error.js';
import { stopWhenLauncherDies } from './launcher-watch.js';
import { createLogger, type Logger } from './logger.js';
import { declareSfuStores } from './media-bridge/sfu-stores.js';
import { createParley, type Parley } from './parley.js';

/**
 * How long a stop may take before the process exits anyway (status 1). Covers a media worker that
 * does not answer; the cluster drain has its own, longer, bound.
 */
const STOP_DEADLINE_MS = 20_000;

/** What is running, so that every way out (signal, failed start) closes it before the process exits. */
const running: { media?: MediaPlane; parley?: Parley } = {};
/** Settles when main() has finished starting (either way). */
let started: Promise<void> = Promise.resolve();

/**
 * Close what runs, media workers last (through parley.close or alone). Exiting while a media worker
 * still holds its libdatachannel makes the process abort (SIGABRT, status 134) in native teardown:
 * the addon's log callback outlives the worker's environment. Each worker's close() ends with
 * node-datachannel's cleanup(), which releases it.
 */
async function closeRunning(): Promise<void> {
  const { parley, media } = running;
  running.parley = undefined;
  running.media = undefined;
  try {
    if (parley) await parley.close();
  } finally {
    // parley.close() closes the media plane itself; again here (a no-op then) in case it threw first.
    await media?.close();
  }
}

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
  installStopHandlers(logger, config);
  declareSfuStores();
  const media = await startMediaPlane(
    {
      publicIp: config.publicIp,
      bindAddress: config.mediaBindAddress,
      rtcPort: config.rtcPort,
      lastN: config.lastN,
      audibleSpeakers: config.audibleSpeakers,
      retransmitPercent: config.retransmitPercent,
      subscriberBandwidthEstimation: config.subscriberBandwidthEstimation,
      subscriberRtx: config.subscriberRtx,
      pauseUnusedLayers: config.pauseUnusedLayers,
    },
    logger,
    config.mediaWorkers,
  );
  running.media = media;
  const parley = await createParley(config, logger, media, {
    accounts: { onSweepError: (err) => logger.warn({ err }, 'session sweep failed') },
  });
  running.parley = parley;
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
}

/**
 * SIGINT, SIGTERM (and npm going away under `npm start`): close everything, then exit 0. Installed
 * before anything starts, so a signal during start also ends in an orderly stop.
 */
function installStopHandlers(logger: Logger, config: Config): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(
      () => {
        console.error(`parley: stopping took longer than ${STOP_DEADLINE_MS / 1000} s; exiting anyway`);
        process.exit(1);
      },
      STOP_DEADLINE_MS + config.drainTimeoutSeconds * 1000,
    ).unref();
    await started;
    const parley = running.parley;
    if (parley?.cluster) {
      // Cluster: hand the meetings on (the apps resume on other nodes), then stop, in bounded time.
      // Refuse new connections from now on: the proxy in front tries the next node at once.
      parley.app.server.close();
      await parley.cluster.drain(config.drainTimeoutSeconds * 1000);
    }
    try {
      await closeRunning();
    } catch (error) {
      console.error('parley: error while stopping:', error instanceof Error ? error.message : error);
      process.exit(1);
    }
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  stopWhenLauncherDies(() => void stop('launcher-gone'));
}

started = main().catch(async (error) => {
  console.error('parley: failed to start:', error instanceof Error ? error.message : error);
  // Media workers may already run (e.g. the HTTP port was taken): close them before exiting.
  await closeRunning().catch(() => {});
  process.exit(1);
});
