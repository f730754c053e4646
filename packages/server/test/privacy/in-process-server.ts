import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AccountService } from '../../src/accounts/account-service.js';
import { InstanceSettingsStore } from '../../src/admin/instance-settings.js';
import { loadConfig } from '../../src/config.js';
import { buildApp } from '../../src/http/app.js';
import { createLogger } from '../../src/logger.js';
import { Meetings } from '../../src/meeting/meetings.js';
import { IpHasher } from '../../src/privacy/ip-hasher.js';
import { LOGIN_RATE_LIMIT, RateLimiter } from '../../src/privacy/rate-limiter.js';
import { closeDatabase, openDatabase, SQLITE_FILE_NAME } from '../../src/store/database.js';
import { fakeMedia } from '../signaling/fake-media.js';

/**
 * A Parley control plane wired as main.ts wires it, in this process, with the real logger at level
 * `trace` writing into memory, and a trusted proxy in front (so tests choose the client address
 * with X-Forwarded-For). The media plane is a fake: these tests are about the control plane.
 */
export async function startPrivacyServer() {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'parley-privacy-'));
  const webRoot = path.join(dataDir, 'web');
  await mkdir(path.join(webRoot, 'assets'), { recursive: true });
  await writeFile(path.join(webRoot, 'index.html'), '<!doctype html><title>Parley</title>');
  const config = {
    ...loadConfig({ PARLEY_DATA_DIR: path.join(dataDir, 'data'), PARLEY_TRUST_PROXY: '1' }),
    webRoot,
    port: 0,
  };
  const lines: string[] = [];
  const logger = createLogger('trace', { write: (line: string) => lines.push(line) });
  const db = await openDatabase(config);
  const accounts = new AccountService(db, { sweepIntervalMs: 0 });
  const ipHasher = new IpHasher(config.ipRetentionSeconds);
  const loginLimiter = new RateLimiter(ipHasher, LOGIN_RATE_LIMIT);
  const { media } = fakeMedia();
  const meetings = new Meetings(media, logger, () => [], { addressKeys: ipHasher });
  const setupToken = 'privacy-test-setup-token';
  const app = await buildApp({
    config,
    logger,
    accounts,
    meetings,
    loginLimiter,
    ipHasher,
    setupToken,
    settings: new InstanceSettingsStore(db),
    adminLimiter: loginLimiter,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    accounts,
    meetings,
    ipHasher,
    setupToken,
    /** The SQLite file in the data directory. */
    databaseFile: () => path.join(config.dataDir, SQLITE_FILE_NAME),
    /** Everything logged so far, one JSON object per line. */
    log: () => lines.join(''),
    /** Creates an account and returns a Cookie header value of a fresh session for it. */
    async signedInCookie(username: string): Promise<string> {
      const user = await accounts.createUser(username, 'a password of length', 'user');
      return `parley_session=${await accounts.createSession(user.id)}`;
    },
    async close() {
      meetings.closeAll();
      await app.close();
      accounts.close();
      loginLimiter.close();
      ipHasher.close();
      await closeDatabase(db);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
