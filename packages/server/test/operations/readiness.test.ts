import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import pg from 'pg';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { type ReadinessCheck, registerOperations } from '../../src/http/operations.js';
import { createParley, type Parley } from '../../src/parley.js';
import { closeDatabase, openDatabase, pingDatabase } from '../../src/store/database.js';
import { fakeMedia } from '../signaling/fake-media.js';
import { waitFor } from '../support/wait-for.js';

let tmp: string;
let logLines: string[];
const logger = () => pino({ level: 'trace' }, { write: (line: string) => void logLines.push(line) });

beforeEach(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'parley-readyz-'));
  logLines = [];
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A whole Parley (fake media), not listening: requests go through inject(). */
async function parleyWith(
  env: Record<string, string>,
  readinessChecks: ReadinessCheck[] = [],
): Promise<Parley> {
  const webRoot = path.join(tmp, 'web');
  await mkdir(webRoot, { recursive: true });
  await writeFile(path.join(webRoot, 'index.html'), '<!doctype html><title>Parley</title>');
  const config = { ...loadConfig({ PARLEY_DATA_DIR: path.join(tmp, 'data'), ...env }), webRoot };
  return createParley(config, logger(), fakeMedia().media, {
    accounts: { sweepIntervalMs: 0 },
    readinessChecks,
  });
}

describe('GET /readyz', () => {
  it('is ready when the database answers, and names a failing extra check without its error', async () => {
    let redisUp = true;
    const parley = await parleyWith({}, [
      {
        name: 'redis',
        check: async () => {
          if (!redisUp)
            throw Object.assign(new Error('connect ECONNREFUSED redis://:hunter2@10.0.0.9'), {
              code: 'ECONNREFUSED',
            });
        },
      },
    ]);
    try {
      const ready = await parley.app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toEqual({ ready: true });
      expect(ready.headers['cache-control']).toBe('no-store');

      redisUp = false;
      const notReady = await parley.app.inject({ method: 'GET', url: '/readyz' });
      expect(notReady.statusCode).toBe(503);
      expect(notReady.json()).toEqual({ ready: false, failed: ['redis'] });
      await parley.app.inject({ method: 'GET', url: '/readyz' });
      redisUp = true;
      expect((await parley.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);

      // One line when the check starts failing, one when it recovers; never the error's message.
      const log = logLines.join('');
      expect(log.match(/readiness check failing/g)).toHaveLength(1);
      expect(log).toContain('"code":"ECONNREFUSED"');
      expect(log.match(/readiness check passing again/g)).toHaveLength(1);
      expect(log).not.toContain('hunter2');
    } finally {
      await parley.close();
    }
  });

  it('answers 503 for a closed database, and for a check that hangs, in bounded time', async () => {
    const db = await openDatabase({ dataDir: path.join(tmp, 'data'), databaseUrl: undefined });
    const app = Fastify();
    registerOperations(app, {
      readinessChecks: [
        { name: 'database', check: () => pingDatabase(db) },
        { name: 'hangs', check: () => new Promise(() => {}) },
      ],
      metrics: new Registry(),
      metricsToken: undefined,
      logger: logger(),
      readinessTimeoutMs: 100,
    });
    try {
      const hanging = await app.inject({ method: 'GET', url: '/readyz' });
      expect(hanging.statusCode).toBe(503);
      expect(hanging.json()).toEqual({ ready: false, failed: ['hangs'] });
      await closeDatabase(db);
      const closed = await app.inject({ method: 'GET', url: '/readyz' });
      expect(closed.json()).toEqual({ ready: false, failed: ['database', 'hangs'] });
    } finally {
      await app.close();
    }
  });

  it('follows a PostgreSQL database that stops and starts accepting connections', async () => {
    // A database of its own, so that closing it to connections touches no other test.
    const serverUrl = inject('postgresUrl');
    if (!serverUrl) throw new Error(inject('postgresUnavailable'));
    const name = `readyz_${process.pid}_${Date.now()}`;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    const parley = await parleyWith({ PARLEY_DATABASE_URL: url.toString() });
    const readyz = async () => (await parley.app.inject({ method: 'GET', url: '/readyz' })).statusCode;
    try {
      expect(await readyz()).toBe(200);
      await admin.query(`alter database ${name} allow_connections false`);
      await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [name]);
      expect(await readyz()).toBe(503);
      await admin.query(`alter database ${name} allow_connections true`);
      // The pool opens a new connection by itself.
      await waitFor('ready again', async () => (await readyz()) === 200);
      expect(logLines.join('')).not.toContain(url.toString());
    } finally {
      await parley.close();
      await admin.query(`drop database ${name} with (force)`);
      await admin.end();
    }
  });
});

describe('GET /metrics with PARLEY_METRICS_TOKEN', () => {
  it('wants the bearer token, and is open without one configured', async () => {
    const guarded = await parleyWith({ PARLEY_METRICS_TOKEN: 'scrape-secret' });
    try {
      const missing = await guarded.app.inject({ method: 'GET', url: '/metrics' });
      expect(missing.statusCode).toBe(401);
      expect(missing.headers['www-authenticate']).toBe('Bearer');
      const wrong = await guarded.app.inject({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: 'Bearer scrape-secreT' },
      });
      expect(wrong.statusCode).toBe(401);
      const right = await guarded.app.inject({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: 'Bearer scrape-secret' },
      });
      expect(right.statusCode).toBe(200);
      expect(right.body).toContain('parley_meetings 0');
      // Readiness stays open to load balancers.
      expect((await guarded.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    } finally {
      await guarded.close();
    }
    const open = await parleyWith({});
    try {
      expect((await open.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
    } finally {
      await open.close();
    }
  });
});
