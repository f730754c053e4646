import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { keyedHash, RedisKeys } from '../packages/server/src/cluster/redis-keys.js';
import { type PostgresServer, startPostgres } from '../packages/server/test/support/postgres.js';
import { type RunningRedis, startRedis } from '../packages/server/test/support/redis.js';
import { framesShown, LIGHT_CAPTURE_FPS, launchBrowser, videoKeepsPlaying } from './support/browser.js';
import { explainFailures } from './support/diagnostics.js';
import { enter, People, tile } from './support/meeting.js';
import { type RunningNginx, startNginx } from './support/nginx.js';
import { type RunningServer, startServer } from './support/server.js';

const ADMIN = { username: 'cluster-admin', password: 'correct horse battery' };

let redis: RunningRedis;
let postgres: PostgresServer;
const nodes: RunningServer[] = [];
let nginx: RunningNginx | undefined;
let browser: Browser;
const pages: Page[] = [];

/** A node of the cluster: its own port, data directory and RTC port; the shared Redis and PostgreSQL. */
function startNode(port?: number): Promise<RunningServer> {
  return startServer({
    PARLEY_DATABASE_URL: postgres.url,
    PARLEY_REDIS_URL: redis.url,
    PARLEY_PUBLIC_IP: '127.0.0.1',
    ...(port !== undefined && { PORT: String(port) }),
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** The port of a third node, started later: nginx knows it from the start, as an operator's would. */
let sparePort: number;

beforeAll(async () => {
  [redis, postgres] = await Promise.all([startRedis(), startPostgres()]);
  // One after the other: the first node migrates the shared database.
  nodes.push(await startNode());
  nodes.push(await startNode());
  await nodes[0]!.addUser(ADMIN.username, ADMIN.password, true);
  sparePort = await freePort();
  browser = await launchBrowser({ captureFps: LIGHT_CAPTURE_FPS });
});

afterEach(async () => {
  for (const page of pages.splice(0))
    await page
      .context()
      .close()
      .catch(() => {});
});

explainFailures(
  () => pages,
  () => nodes[0],
);

afterAll(async () => {
  await browser?.close();
  await nginx?.stop();
  for (const node of nodes) await node.stop();
  await redis?.stop();
  await postgres?.stop();
});

async function personAt(server: { url: string }): Promise<{ page: Page; people: People }> {
  const people = new People(browser, server as RunningServer);
  const page = await people.open();
  pages.push(page);
  return { page, people };
}

/** The node hosting the room now, from its claim in Redis (the room known by its keyed hash only). */
async function hostingNode(room: string): Promise<RunningServer> {
  const reader = new Redis(redis.url);
  try {
    const secret = Buffer.from((await reader.get(RedisKeys.clusterSecret)) ?? '', 'base64url');
    const nodeId = await reader.get(RedisKeys.claim(keyedHash(secret, 'room', room)));
    if (nodeId === null) throw new Error('nobody hosts the meeting');
    const heartbeat = JSON.parse((await reader.get(RedisKeys.node(nodeId))) ?? '{}') as { url?: string };
    const node = nodes.find((n) => n.url === heartbeat.url);
    if (!node) throw new Error(`no node at ${heartbeat.url}`);
    return node;
  } finally {
    reader.disconnect();
  }
}

/**
 * Resolves once the tile's video, which stopped, plays again: frames must first stall (or the
 * video go away), then at least 10 new frames be shown. Counts restart when a new <video> replaces the old.
 */
async function videoComesBack(page: Page, selector: string, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = await framesShown(page, selector);
  let stalledAt: number | null = null;
  let stillSince = Date.now();
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const now = await framesShown(page, selector).catch(() => 0);
    if (stalledAt === null) {
      if (now < last || now === 0) stalledAt = 0;
      else if (now === last && Date.now() - stillSince >= 500) stalledAt = now;
      else if (now !== last) stillSince = Date.now();
      last = now;
      continue;
    }
    if (now < stalledAt) stalledAt = 0;
    if (now >= stalledAt + 10) return;
  }
  throw new Error(`video in ${selector} did not come back within ${timeoutMs} ms`);
}

describe('two nodes, one meeting', () => {
  it('shows a host on node A and a guest on node B each other’s video', async () => {
    const room = `cluster-${Date.now().toString(36)}`;
    const [a, b] = nodes as [RunningServer, RunningServer];
    const host = await personAt(a);
    await host.people.signIn(host.page, ADMIN.username, ADMIN.password);
    await enter(host.page, room, 'Host Hana');
    await host.page.locator(tile('Host Hana')).waitFor();
    const guest = await personAt(b);
    await enter(guest.page, room, 'Guest Gina');

    await videoKeepsPlaying(host.page, tile('Guest Gina'));
    await videoKeepsPlaying(guest.page, tile('Host Hana'));
    expect((await hostingNode(room)).url).toBe(a.url);
  });

  it('goes on behind nginx after the hosting node is killed', async () => {
    nginx = await startNginx([...nodes.map((node) => new URL(node.url).host), `127.0.0.1:${sparePort}`]);
    const room = `failover-${Date.now().toString(36)}`;
    const host = await personAt(nginx);
    await host.people.signIn(host.page, ADMIN.username, ADMIN.password);
    await enter(host.page, room, 'Host Hana');
    await host.page.locator(tile('Host Hana')).waitFor();
    const guest = await personAt(nginx);
    await enter(guest.page, room, 'Guest Gina');
    await videoKeepsPlaying(host.page, tile('Guest Gina'));
    await videoKeepsPlaying(guest.page, tile('Host Hana'));

    const doomed = await hostingNode(room);
    const killedAt = Date.now();
    await doomed.kill('SIGKILL');
    await Promise.all([
      videoComesBack(host.page, tile('Guest Gina')),
      videoComesBack(guest.page, tile('Host Hana')),
    ]);
    const failoverMs = Date.now() - killedAt;
    console.log(`cluster failover, kill -9 to video back in both browsers: ${failoverMs} ms`);
    const survivor = await hostingNode(room);
    expect(survivor).not.toBe(doomed);
    expect(failoverMs).toBeLessThan(30_000);
  });

  it('moves a meeting off a node that gets SIGTERM (drain), and the node exits in time', async () => {
    if (!nginx) throw new Error('runs after the nginx test');
    nodes.push(await startNode(sparePort));
    const room = `drain-${Date.now().toString(36)}`;
    const host = await personAt(nginx);
    await host.people.signIn(host.page, ADMIN.username, ADMIN.password);
    await enter(host.page, room, 'Host Hana');
    await host.page.locator(tile('Host Hana')).waitFor();
    const guest = await personAt(nginx);
    await enter(guest.page, room, 'Guest Gina');
    await videoKeepsPlaying(host.page, tile('Guest Gina'));
    await videoKeepsPlaying(guest.page, tile('Host Hana'));

    const draining = await hostingNode(room);
    const signalledAt = Date.now();
    const back = Promise.all([
      videoComesBack(host.page, tile('Guest Gina')),
      videoComesBack(guest.page, tile('Host Hana')),
    ]);
    await draining.kill('SIGTERM');
    const exitMs = Date.now() - signalledAt;
    await back;
    const movedMs = Date.now() - signalledAt;
    console.log(
      `cluster drain: node exited after ${exitMs} ms, video back in both browsers after ${movedMs} ms`,
    );
    expect(exitMs).toBeLessThan(12_000);
    expect(draining.output()).toContain('cluster: drained');
    expect(await hostingNode(room)).not.toBe(draining);
  });
});
