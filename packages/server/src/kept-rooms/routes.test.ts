import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiError, KeptRoom, KeptRoomList, MAX_KEPT_ROOMS, RoomScheduleAnswer } from '@parley/protocol';
import fastify, { type FastifyBaseLogger, type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, type TestDatabase } from '../../test/support/test-databases.js';
import { AccountService } from '../accounts/account-service.js';
import { dataExport } from '../accounts/data-export.js';
import { RoomPassword } from '../meeting/room-password.js';
import { IpHasher } from '../privacy/ip-hasher.js';
import { RateLimiter } from '../privacy/rate-limiter.js';
import { closeDatabase, type Database, openDatabase } from '../store/database.js';
import { DAY_MS, KeptRoomStore } from './kept-room-store.js';
import { KEPT_ROOM_RATE_LIMIT, ROOM_SCHEDULE_RATE_LIMIT, registerKeptRoomRoutes } from './routes.js';
import { KeptRoomSweep } from './sweep.js';

const PASSWORD = 'account-password-never-logged';
const ROOM_PASSWORD = 'room-password-never-stored';
const HOST = 'parley.example:8443';
const ORIGIN = `https://${HOST}`;

let tmp: string;
let target: TestDatabase;
let db: Database;
let now: number;
let accounts: AccountService;
let store: KeptRoomStore;
let hasher: IpHasher;
let changeLimiter: RateLimiter;
let lookupLimiter: RateLimiter;
let app: FastifyInstance;
let aliceCookie: string;
let bobCookie: string;
let aliceId: string;
let bobId: string;

async function account(username: string): Promise<{ id: string; cookie: string }> {
  const user = await accounts.createUser(username, PASSWORD, 'user');
  return { id: user.id, cookie: `parley_session=${await accounts.createSession(user.id)}` };
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

function request(
  method: Method,
  url: string,
  options: { cookie?: string; payload?: unknown; origin?: string } = {},
) {
  const headers: Record<string, string> = { host: HOST };
  if (options.cookie) headers.cookie = options.cookie;
  headers.origin = options.origin ?? ORIGIN;
  return app.inject({
    method,
    url,
    headers,
    remoteAddress: '203.0.113.9',
    ...(options.payload !== undefined && { payload: options.payload as object }),
  });
}

function expectApiError(response: LightMyRequestResponse, status: number, error: string): void {
  expect(response.statusCode, response.body).toBe(status);
  expect(ApiError.parse(response.json()).error).toBe(error);
}

const room = (name: string, extra: object = {}) => ({
  name,
  lobby: true,
  e2ee: true,
  moderators: [],
  ...extra,
});

async function create(cookie: string, body: object): Promise<KeptRoom> {
  const response = await request('POST', '/api/kept-rooms', { cookie, payload: body });
  expect(response.statusCode, response.body).toBe(201);
  return KeptRoom.parse(response.json());
}

describe.each(DIALECTS)('kept rooms on $kind', (dialect) => {
  beforeEach(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-kept-'));
    target = await dialect.create(tmp);
    db = await openDatabase(target.config);
    now = Date.parse('2026-12-01T12:00:00Z');
    accounts = new AccountService(db, { sweepIntervalMs: 0, now: () => now });
    store = new KeptRoomStore(db, () => now);
    hasher = new IpHasher(600);
    changeLimiter = new RateLimiter(hasher, KEPT_ROOM_RATE_LIMIT);
    lookupLimiter = new RateLimiter(hasher, ROOM_SCHEDULE_RATE_LIMIT);
    app = fastify({ loggerInstance: pino({ level: 'silent' }) as FastifyBaseLogger });
    registerKeptRoomRoutes(app, { accounts, keptRooms: store, changeLimiter, lookupLimiter });
    await app.ready();
    ({ id: aliceId, cookie: aliceCookie } = await account('alice'));
    ({ id: bobId, cookie: bobCookie } = await account('bob'));
  });

  afterEach(async () => {
    await app.close();
    changeLimiter.close();
    lookupLimiter.close();
    hasher.close();
    accounts.close();
    await closeDatabase(db);
    await target.drop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('requires a session for every route', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    for (const [method, url, payload] of [
      ['GET', '/api/kept-rooms', undefined],
      ['POST', '/api/kept-rooms', room('team')],
      ['PUT', `/api/kept-rooms/${id}`, room('team')],
      ['DELETE', `/api/kept-rooms/${id}`, undefined],
      ['PUT', `/api/kept-rooms/${id}/schedule`, { schedule: null }],
      ['GET', `/api/kept-rooms/${id}/invitation.ics`, undefined],
    ] as const) {
      expectApiError(await request(method, url, { payload }), 401, 'not-signed-in');
      expectApiError(
        await request(method, url, { payload, cookie: 'parley_session=forged' }),
        401,
        'not-signed-in',
      );
    }
    expect(await store.list(aliceId)).toEqual([]);
  });

  it('keeps a room with its settings; the password only as a hash that a meeting verifies', async () => {
    const kept = await create(
      aliceCookie,
      room('team-weekly', { password: ROOM_PASSWORD, moderators: ['bob'] }),
    );
    expect(kept).toMatchObject({
      name: 'team-weekly',
      passwordSet: true,
      lobby: true,
      e2ee: true,
      moderators: ['bob'],
    });
    const listed = KeptRoomList.parse(
      (await request('GET', '/api/kept-rooms', { cookie: aliceCookie })).json(),
    );
    expect(listed.rooms.map((r) => r.name)).toEqual(['team-weekly']);
    expect(JSON.stringify(listed)).not.toContain(ROOM_PASSWORD);

    const row = await db.selectFrom('kept_rooms').selectAll().executeTakeFirstOrThrow();
    expect(row.password_hash).not.toContain(ROOM_PASSWORD);
    const policy = await store.policyFor('team-weekly');
    expect(policy?.moderatorIds).toEqual(new Set([aliceId, bobId]));
    const password = new RoomPassword();
    password.restore(policy!.password);
    expect(await password.matches(ROOM_PASSWORD)).toBe(true);
    expect(await password.matches('something else')).toBe(false);
    expect(await store.policyFor('Team-weekly')).toBeNull();
  });

  it('updates and deletes only the own rooms: someone else’s is 404', async () => {
    const kept = await create(aliceCookie, room('alices-room'));
    expectApiError(
      await request('PUT', `/api/kept-rooms/${kept.id}`, { cookie: bobCookie, payload: room('stolen') }),
      404,
      'no-such-room',
    );
    expectApiError(
      await request('DELETE', `/api/kept-rooms/${kept.id}`, { cookie: bobCookie }),
      404,
      'no-such-room',
    );
    expectApiError(
      await request('GET', `/api/kept-rooms/${kept.id}/invitation.ics`, { cookie: bobCookie }),
      404,
      'no-such-room',
    );
    const bobs = KeptRoomList.parse((await request('GET', '/api/kept-rooms', { cookie: bobCookie })).json());
    expect(bobs.rooms).toEqual([]);

    const updated = await request('PUT', `/api/kept-rooms/${kept.id}`, {
      cookie: aliceCookie,
      payload: room('alices-room', { lobby: false, e2ee: false }),
    });
    expect(KeptRoom.parse(updated.json())).toMatchObject({ lobby: false, e2ee: false });
    expect((await request('DELETE', `/api/kept-rooms/${kept.id}`, { cookie: aliceCookie })).statusCode).toBe(
      204,
    );
    expect(await store.list(aliceId)).toEqual([]);
  });

  it('refuses changes from another site (CSRF)', async () => {
    expectApiError(
      await request('POST', '/api/kept-rooms', {
        cookie: aliceCookie,
        payload: room('team'),
        origin: 'https://evil.example',
      }),
      403,
      'cross-site',
    );
    expect(await store.list(aliceId)).toEqual([]);
  });

  it('validates input, reserves names and caps rooms and moderators', async () => {
    expectApiError(
      await request('POST', '/api/kept-rooms', { cookie: aliceCookie, payload: room('no spaces') }),
      400,
      'invalid-input',
    );
    expectApiError(
      await request('POST', '/api/kept-rooms', { cookie: aliceCookie, payload: room('x'.repeat(65)) }),
      400,
      'invalid-input',
    );
    expectApiError(
      await request('POST', '/api/kept-rooms', { cookie: aliceCookie, payload: { ...room('ok'), extra: 1 } }),
      400,
      'invalid-input',
    );
    const many = Array.from({ length: 21 }, (_, i) => `user${i}`);
    expectApiError(
      await request('POST', '/api/kept-rooms', {
        cookie: aliceCookie,
        payload: room('ok', { moderators: many }),
      }),
      400,
      'invalid-input',
    );
    expectApiError(
      await request('POST', '/api/kept-rooms', {
        cookie: aliceCookie,
        payload: room('ok', { moderators: ['nobody'] }),
      }),
      400,
      'invalid-input',
    );
    await create(aliceCookie, room('taken'));
    expectApiError(
      await request('POST', '/api/kept-rooms', { cookie: bobCookie, payload: room('taken') }),
      409,
      'name-taken',
    );
    for (let i = 1; i < MAX_KEPT_ROOMS; i++) await store.create(aliceId, room(`room-${i}`));
    expectApiError(
      await request('POST', '/api/kept-rooms', { cookie: aliceCookie, payload: room('one-too-many') }),
      409,
      'too-many-rooms',
    );
  });

  it('schedules a meeting: invitation.ics, and the public start time until the meeting is over', async () => {
    const kept = await create(aliceCookie, room('planning'));
    expectApiError(
      await request('GET', `/api/kept-rooms/${kept.id}/invitation.ics`, { cookie: aliceCookie }),
      409,
      'not-scheduled',
    );
    const start = '2026-12-10T09:30:00.000Z';
    const scheduled = await request('PUT', `/api/kept-rooms/${kept.id}/schedule`, {
      cookie: aliceCookie,
      payload: { schedule: { start, minutes: 45 } },
    });
    expect(KeptRoom.parse(scheduled.json()).schedule).toEqual({ start, minutes: 45 });
    expectApiError(
      await request('PUT', `/api/kept-rooms/${kept.id}/schedule`, {
        cookie: bobCookie,
        payload: { schedule: { start, minutes: 45 } },
      }),
      404,
      'no-such-room',
    );
    expectApiError(
      await request('PUT', `/api/kept-rooms/${kept.id}/schedule`, {
        cookie: aliceCookie,
        payload: { schedule: { start, minutes: 100_000 } },
      }),
      400,
      'invalid-input',
    );

    const ics = await request('GET', `/api/kept-rooms/${kept.id}/invitation.ics`, { cookie: aliceCookie });
    expect(ics.statusCode).toBe(200);
    expect(ics.headers['content-type']).toMatch(/^text\/calendar/);
    const text = ics.body.replace(/\r\n[ \t]/g, '');
    expect(text).toMatch(/^BEGIN:VCALENDAR\r\n/);
    expect(text).toContain('BEGIN:VEVENT');
    expect(text).toContain('DTSTART:20261210T093000Z');
    expect(text).toContain('DTEND:20261210T101500Z');
    expect(text).toContain(`LOCATION:http://${HOST}/room/planning`);

    const answer = await request('GET', '/api/room-schedule/planning');
    expect(RoomScheduleAnswer.parse(answer.json())).toEqual({ schedule: { start, minutes: 45 } });
    expect(Object.keys(answer.json())).toEqual(['schedule']);
    expect(RoomScheduleAnswer.parse((await request('GET', '/api/room-schedule/other')).json())).toEqual({
      schedule: null,
    });
    // Once the meeting is over, the start is nobody's business any more.
    now = Date.parse('2026-12-10T10:16:00Z');
    expect(RoomScheduleAnswer.parse((await request('GET', '/api/room-schedule/planning')).json())).toEqual({
      schedule: null,
    });
    expect((await store.list(aliceId))[0]?.schedule).toBeNull();
  });

  it('deletes rooms nobody opened for the configured days; an opening keeps a room', async () => {
    await store.create(aliceId, room('old'));
    const busy = await store.create(aliceId, room('busy'));
    if ('refused' in busy) throw new Error('refused');
    const sweep = new KeptRoomSweep(store, 30, pino({ level: 'silent' }), 60 * 60 * 1000);
    await sweep.run();
    now += 29 * DAY_MS;
    await store.markOpened(busy.id);
    now += 2 * DAY_MS;
    expect(await sweep.run()).toBe(1);
    expect((await store.list(aliceId)).map((r) => r.name)).toEqual(['busy']);
    now += 31 * DAY_MS;
    expect(await sweep.run()).toBe(1);
    expect(await store.list(aliceId)).toEqual([]);
    await sweep.close();
  });

  it('puts the kept rooms in the own-data export and deletes them with the account', async () => {
    await create(aliceCookie, room('mine', { password: ROOM_PASSWORD, moderators: ['bob'] }));
    const data = await accounts.exportData(aliceId);
    const document = JSON.stringify(dataExport(data!, new Date(now)));
    expect(data?.keptRooms).toEqual([
      expect.objectContaining({
        name: 'mine',
        passwordSet: true,
        lobby: true,
        e2ee: true,
        moderators: ['bob'],
      }),
    ]);
    expect(document).not.toContain(ROOM_PASSWORD);
    // Bob as a listed moderator goes with Bob's account; Alice's room with Alice's.
    expect(await accounts.deleteOwnAccount(bobId)).toBe('deleted');
    expect((await store.list(aliceId))[0]?.moderators).toEqual([]);
    expect(await accounts.deleteOwnAccount(aliceId)).toBe('deleted');
    expect(await db.selectFrom('kept_rooms').selectAll().execute()).toEqual([]);
    expect(await db.selectFrom('kept_room_moderators').selectAll().execute()).toEqual([]);
  });
});
