import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PrivacyStatement } from '@parley/protocol';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { inventoryColumns, inventoryItems, memoryStoreIds } from '../../src/privacy/inventory.js';
import { registerPrivacyRoutes } from '../../src/privacy/routes.js';
import { closeDatabase, type Database, openDatabase } from '../../src/store/database.js';
import { schemaColumns } from '../support/schema-columns.js';
import { DIALECTS, type TestDatabase } from '../support/test-databases.js';

const FACTS = { ipRetentionSeconds: 600, sessionLifetimeDays: 7 };

describe.each(DIALECTS)('the data inventory against the real database schema ($kind)', (dialect) => {
  let dataDir: string;
  let target: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'parley-inventory-'));
    target = await dialect.create(dataDir);
    db = await openDatabase(target.config);
  });

  afterAll(async () => {
    await closeDatabase(db);
    await target.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('declares every database column, and no column that does not exist', async () => {
    // Every column of every table in the migrated database, Kysely's bookkeeping included.
    const actual = await schemaColumns(db);
    expect(actual.length).toBeGreaterThan(0);
    const declared = inventoryColumns().sort();
    expect(
      actual.filter((column) => !declared.includes(column)),
      'columns missing from the inventory',
    ).toEqual([]);
    expect(
      declared.filter((column) => !actual.includes(column)),
      'inventory columns not in the schema',
    ).toEqual([]);
  });
});

describe('inventory items', () => {
  const items = inventoryItems(FACTS);

  it('have unique ids and every field filled in', () => {
    expect(new Set(items.map((item) => item.id)).size).toBe(items.length);
    for (const item of items) {
      for (const field of ['name', 'data', 'purpose', 'legalBasis', 'retention'] as const) {
        expect(item[field].trim(), `${item.id}.${field}`).not.toBe('');
      }
      if (item.personal) expect(item.legalBasis, item.id).toMatch(/GDPR Art\. 6\(1\)\([a-f]\)/);
    }
  });

  it('cover the cookie, the browser storage keys and the places the issue names', () => {
    const ids = items.map((item) => item.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'cookie:parley_session',
        'storage:parley.displayName',
        'storage:parley.clientKey',
        'database-file',
        'meetings',
        'participants',
        'chat-history',
        'rate-limit-keys',
        'ip-hash-key',
      ]),
    );
    expect(memoryStoreIds()).toContain('kicked-participants');
    expect(memoryStoreIds()).not.toContain('users.id');
  });

  it('state the configured address retention wherever addresses are involved', () => {
    const short = inventoryItems({ ipRetentionSeconds: 42, sessionLifetimeDays: 7 });
    for (const id of ['rate-limit-keys', 'ip-hash-key', 'kicked-participants']) {
      expect(short.find((item) => item.id === id)?.retention, id).toContain('42 seconds');
    }
    expect(short.find((item) => item.id === 'sessions.token_hash')?.retention).toContain('7 days');
  });
});

describe('docs/privacy.md', () => {
  it('describes every inventory item, by id', async () => {
    const doc = await readFile(path.resolve(import.meta.dirname, '../../../../docs/privacy.md'), 'utf8');
    const missing = inventoryItems(FACTS)
      .map((item) => item.id)
      .filter((id) => !doc.includes(`\`${id}\``));
    expect(missing, 'inventory ids not in docs/privacy.md').toEqual([]);
  });
});

describe('GET /api/privacy', () => {
  async function answer(env: Record<string, string>) {
    const app = Fastify();
    registerPrivacyRoutes(app, loadConfig(env));
    const response = await app.inject({ method: 'GET', url: '/api/privacy' });
    await app.close();
    return response;
  }

  it('serves the inventory with the operator as controller and this configuration’s retention', async () => {
    const response = await answer({
      PARLEY_CONTROLLER_NAME: ' Example Association ',
      PARLEY_CONTROLLER_CONTACT: 'privacy@example.org',
      PARLEY_IP_RETENTION_S: '120',
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = response.json();
    expect(body.controller).toEqual({ name: 'Example Association', contact: 'privacy@example.org' });
    expect(body.ipRetentionSeconds).toBe(120);
    expect(body.sessionLifetimeDays).toBe(7);
    expect(body.items).toEqual(inventoryItems({ ipRetentionSeconds: 120, sessionLifetimeDays: 7 }));
    // The shape the /privacy page reads: the one schema in packages/protocol, strictly.
    expect(PrivacyStatement.strict().safeParse(body).error).toBeUndefined();
  });

  it('says so when the operator has not named a controller', async () => {
    const body = (await answer({})).json();
    expect(body.controller).toEqual({ name: null, contact: null });
    expect(body.ipRetentionSeconds).toBe(600);
  });
});

describe('the privacy page', () => {
  it('has a heading for every place the inventory names', async () => {
    // The page files unknown places under "Elsewhere": a new kind of storage must get its own heading.
    const { PLACES } = await import('../../../web/src/privacy/inventory.js');
    const places = new Set(inventoryItems(FACTS).map((item) => item.place));
    for (const place of places) expect(PLACES, place).toContain(place);
  });
});
