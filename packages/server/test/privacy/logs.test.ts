import { randomBytes } from 'node:crypto';
import { PROTOCOL_VERSION } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { scrubAddresses } from '../../src/privacy/log-redaction.js';
import { SignalingClient } from '../signaling/harness.js';
import { startPrivacyServer } from './in-process-server.js';

const tag = randomBytes(4).toString('hex');
const MARK = {
  room: `RoomMarker${tag}`,
  hostName: `HostMarker ${tag}`,
  guestName: `GuestMarker ${tag}`,
  username: `usermarker-${tag}`,
  password: `PasswordMarker${tag}`,
  roomPassword: `RoomPasswordMarker${tag}`,
  chat: `ChatMarker ${tag}`,
  clientKey: `clientkeymarker-${tag}-0000`,
  userAgent: `UserAgentMarker/${tag}`,
  clientIp: '203.0.113.77',
};

describe('the log, at level trace, during a whole meeting', () => {
  let server: Awaited<ReturnType<typeof startPrivacyServer>>;
  let token: string;

  beforeAll(async () => {
    server = await startPrivacyServer();
  });

  afterAll(async () => {
    await server?.close();
  });

  const headers = { 'user-agent': MARK.userAgent, 'x-forwarded-for': MARK.clientIp };

  it('runs the requests and the meeting', async () => {
    // Pages and the JSON API, with the markers in paths, query strings, bodies and headers.
    expect((await fetch(`${server.url}/room/${MARK.room}`, { headers })).status).toBe(200);
    await fetch(`${server.url}/room/${MARK.room}?name=${encodeURIComponent(MARK.guestName)}`, { headers });
    await fetch(`${server.url}/nothing/${MARK.room}`, { headers });
    const wrong = await fetch(`${server.url}/api/login`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ username: MARK.username, password: MARK.password }),
    });
    expect(wrong.status).toBe(401);
    const malformed = await fetch(`${server.url}/api/login`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: `{"username": "${MARK.username}", "password": ${MARK.password}`,
    });
    expect(malformed.status).toBe(400);
    const cookie = await server.signedInCookie(MARK.username);
    token = cookie.split('=')[1]!;
    const session = await fetch(`${server.url}/api/session`, { headers: { ...headers, cookie } });
    expect(((await session.json()) as { user: { username: string } }).user.username).toBe(MARK.username);
    expect((await fetch(`${server.url}/api/me/data`, { headers: { ...headers, cookie } })).status).toBe(200);

    // A meeting over the signaling WebSocket: host, password, guest, chat, removal, end.
    const host = await SignalingClient.connect(server.wsUrl, { ...headers, cookie });
    const joinedHost = await host.send({
      type: 'join',
      protocolVersion: PROTOCOL_VERSION,
      room: MARK.room,
      displayName: MARK.hostName,
    });
    expect(joinedHost).toMatchObject({ ok: true, result: { status: 'joined' } });
    expect((await host.send({ type: 'set-password', password: MARK.roomPassword })).ok).toBe(true);

    const guest = await SignalingClient.connect(server.wsUrl, headers);
    const join = { type: 'join', protocolVersion: PROTOCOL_VERSION, room: MARK.room } as const;
    const refused = await guest.send({
      ...join,
      displayName: MARK.guestName,
      password: `${MARK.roomPassword}-wrong`,
      clientKey: MARK.clientKey,
    });
    expect(refused.ok).toBe(false);
    const admitted = await guest.send({
      ...join,
      displayName: MARK.guestName,
      password: MARK.roomPassword,
      clientKey: MARK.clientKey,
    });
    expect(admitted).toMatchObject({ ok: true, result: { status: 'joined' } });

    const sent = await guest.send({ type: 'chat-send', text: MARK.chat });
    expect(sent, JSON.stringify(sent)).toMatchObject({ ok: true });
    const message = await host.waitForEvent('chat-message');
    expect(message.message.text).toBe(MARK.chat);
    const guestId = message.message.from;

    // Malformed and invalid messages carrying markers.
    const stranger = await SignalingClient.connect(server.wsUrl, headers);
    stranger.socket.send(`not json ${MARK.chat}`);
    await stranger.nextErrorWithoutId();
    const invalid = await stranger.send({
      ...join,
      room: `${MARK.room} !`,
      displayName: MARK.guestName,
    });
    expect(invalid.ok).toBe(false);
    const tooLong = await stranger.send({ ...join, displayName: `${MARK.guestName}${'x'.repeat(80)}` });
    expect(tooLong.ok).toBe(false);

    expect((await host.send({ type: 'kick', participantId: guestId })).ok).toBe(true);
    // Ending the meeting closes every connection, the moderator's too.
    const hostClosed = new Promise((resolve) => host.socket.once('close', resolve));
    void host.send({ type: 'end-meeting' });
    await hostClosed;
    expect(server.meetings.counts()).toEqual({ rooms: 0, participants: 0 });
    await Promise.all([guest.close(), stranger.close()]);
  });

  it('logged requests by method, route pattern, status and duration', () => {
    const lines = server
      .log()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const http = lines.filter((line) => line.msg === 'http');
    expect(http.map((line) => line.route)).toEqual(
      expect.arrayContaining(['/room/:name', '(no route)', '/api/login', '/api/session', '/api/me/data']),
    );
    for (const line of http) {
      expect(Object.keys(line).sort()).toEqual(['level', 'method', 'ms', 'msg', 'route', 'status', 'time']);
    }
  });

  it('contains no marker, token, address or address hash', () => {
    const log = server.log();
    expect(log.length).toBeGreaterThan(0);
    const forbidden = {
      ...MARK,
      token,
      loopback: '127.0.0.1',
      addressHash: server.ipHasher.hash(MARK.clientIp),
    };
    for (const [what, value] of Object.entries(forbidden)) {
      expect(log.includes(value), `${what} (${value}) in the log`).toBe(false);
    }
    // Display names and chat are tested in parts too (a log could write just the tag).
    expect(log).not.toContain(tag);
  });
});

describe('the logger’s second nets', () => {
  function capture(write: (logger: ReturnType<typeof createLogger>) => void): string {
    const lines: string[] = [];
    write(createLogger('trace', { write: (line: string) => lines.push(line) }));
    return lines.join('');
  }

  it('scrubs addresses from every line, whatever the level or field', () => {
    const log = capture((logger) => {
      logger.debug('rtc::impl::IceTransport: candidate 192.0.2.10:51234 typ host, [2001:db8::7]:3478');
      logger.warn({ err: new Error('connect ECONNREFUSED 198.51.100.3:443') }, 'failed');
      logger.info({ peer: 'fe80::1ff:fe23:4567:890a' }, 'peer');
    });
    for (const address of ['192.0.2.10', '2001:db8::7', '198.51.100.3', 'fe80::1ff:fe23:4567:890a']) {
      expect(log).not.toContain(address);
    }
    expect(log).toContain('rtc::impl::IceTransport');
    expect(log.match(/\[address\]/g)?.length).toBeGreaterThanOrEqual(4);
    for (const line of log.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
  });

  it('leaves ordinary log lines alone', () => {
    const line = '{"level":30,"time":1764198000000,"roomId":"a1:b2","ms":12,"msg":"media: room opened 3.5"}';
    expect(scrubAddresses(line)).toBe(line);
  });

  it('redacts fields that must never be logged, also one level down', () => {
    const log = capture((logger) => {
      logger.info({ displayName: MARK.guestName, room: MARK.room }, 'top');
      logger.info({ participant: { displayName: MARK.hostName, text: MARK.chat } }, 'nested');
      logger.info({ req: { url: `/room/${MARK.room}`, headers: { 'user-agent': MARK.userAgent } } }, 'req');
    });
    for (const value of [MARK.guestName, MARK.room, MARK.hostName, MARK.chat, MARK.userAgent]) {
      expect(log).not.toContain(value);
    }
    expect(log).toContain('[redacted]');
  });
});
