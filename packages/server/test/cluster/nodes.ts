import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../src/config.js';
import { createParley, type Parley } from '../../src/parley.js';
import { fakeMedia } from '../signaling/fake-media.js';
import { realMedia } from '../support/real-media.js';

export interface TestNode {
  parley: Parley;
  url: string;
  wsUrl: string;
  nodeId: string;
  /** Everything the node logged (trace level), to check what it never logs. */
  logLines: string[];
  /** Like a kill -9 as far as others can tell: no more heartbeats, no clean hand-over, sockets cut. */
  crash(): Promise<void>;
  close(): Promise<void>;
}

/**
 * One cluster node in this process: its own data directory and port, the shared PostgreSQL and
 * Redis. Real media for bot tests, the fake media plane otherwise.
 */
export async function startNode(
  shared: { databaseUrl: string; redisUrl: string; clusterSecret?: string },
  media: 'real' | 'fake' = 'fake',
): Promise<TestNode> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'parley-cluster-'));
  const webRoot = path.join(dataDir, 'web');
  await mkdir(path.join(webRoot, 'assets'), { recursive: true });
  await writeFile(path.join(webRoot, 'index.html'), '<!doctype html><title>Parley</title>');
  const config = {
    ...loadConfig({
      PARLEY_DATA_DIR: dataDir,
      PARLEY_DATABASE_URL: shared.databaseUrl,
      PARLEY_REDIS_URL: shared.redisUrl,
      ...(shared.clusterSecret && { PARLEY_CLUSTER_SECRET: shared.clusterSecret }),
    }),
    webRoot,
    port: 0,
  };
  const logLines: string[] = [];
  const logger = pino({ level: 'trace' }, { write: (line: string) => void logLines.push(line) });
  const parley = await createParley(config, logger, media === 'real' ? realMedia() : fakeMedia().media, {
    accounts: { sweepIntervalMs: 0 },
  });
  await parley.app.listen({ port: 0, host: '127.0.0.1' });
  const address = parley.app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const cluster = parley.cluster;
  if (!cluster) throw new Error('PARLEY_REDIS_URL did not make a cluster node');
  let closed = false;
  return {
    parley,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    nodeId: cluster.nodeId,
    logLines,
    async crash() {
      // Redis first: nothing this node does from now on reaches the cluster (no release, no delete).
      cluster.redis.disconnect();
      parley.app.server.close();
      for (const client of parley.app.websocketServer.clients) client.terminate();
    },
    async close() {
      if (closed) return;
      closed = true;
      await parley.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
