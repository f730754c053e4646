import path from 'node:path';
import { startMediaPlane } from '@parley/sfu';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createParley } from '../../src/parley.js';
import { commandHostileSfu, HostileSfuCommand, hostileSfuReport, installHostileSfu } from './hostile-sfu.js';

/**
 * The browser tests' server (e2e/support/server.ts, `startServer(env, { testServer: true })`): the
 * same wiring as main.ts, run from source with tsx, never built into dist/ and never an operator
 * feature. It differs from production in three ways only:
 * - it serves the test build of the web app (packages/web/dist-test, `npm run build:test -w @parley/web`),
 *   which carries the E2EE frame tap;
 * - its SFU runs in this process (no media workers), with the hostile SFU installed but idle;
 * - `POST /__test/sfu` (loopback only) scripts the hostile SFU; `GET /__test/sfu` reports what it did.
 */
async function main(): Promise<void> {
  const config = {
    ...loadConfig(),
    webRoot: path.resolve(import.meta.dirname, '../../../web/dist-test'),
    mediaWorkers: 0,
  };
  const logger = createLogger(config.logLevel);
  installHostileSfu();
  const media = await startMediaPlane(
    {
      publicIp: config.publicIp,
      bindAddress: config.host,
      rtcPort: config.rtcPort,
      lastN: config.lastN,
      audibleSpeakers: config.audibleSpeakers,
    },
    logger,
    0,
  );
  const parley = await createParley(config, logger, media);
  const { app } = parley;
  app.post('/__test/sfu', async (request, reply) => {
    const command = HostileSfuCommand.safeParse(request.body);
    if (!command.success) return reply.code(400).send({ error: command.error.message });
    return commandHostileSfu(command.data);
  });
  app.get('/__test/sfu', async () => hostileSfuReport());
  await app.listen({ port: config.port, host: config.host });
  console.log(`Parley test server is ready: http://${config.host}:${config.port}`);
  const stop = async () => {
    await parley.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((error) => {
  console.error('parley test server: failed to start:', error);
  process.exit(1);
});
