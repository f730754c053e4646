import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { CloseCode } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRE_JOIN_BYTES } from '../../src/signaling/connection-limits.js';
import { waitFor } from '../support/wait-for.js';
import { type MeetingServer, startMeetingServer } from './meeting-fixture.js';

let m: MeetingServer;

beforeAll(async () => {
  m = await startMeetingServer({ PARLEY_JOIN_DEADLINE_S: '1', PARLEY_MAX_CONNECTIONS_PER_ADDRESS: '3' });
});
afterAll(async () => {
  await m.close();
});

/** A meeting of two that must stay unharmed by whatever a test does next to it. */
async function bystanders() {
  const name = m.room();
  const host = await m.host(name);
  const guest = await m.participant(name, 'Gus');
  return {
    async stillWorking() {
      expect(await guest.client.send({ type: 'set-hand', raised: true })).toMatchObject({ ok: true });
      await host.client.waitForEvent('hands-updated', (e) => e.queue.length > 0);
      expect((await fetch(`${m.server.url}/healthz`)).status).toBe(200);
    },
  };
}

/**
 * A raw TCP connection that has done the WebSocket handshake, for frames ws will not send: a frame
 * header announcing more than is ever sent. Resolves once the server switched protocols.
 */
async function rawWebSocket(address: string): Promise<Socket> {
  const { port } = new URL(m.server.url);
  const socket = connect(Number(port), '127.0.0.1');
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(
    'GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n` +
      `X-Forwarded-For: ${address}\r\n\r\n`,
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('data', (data) =>
      String(data).startsWith('HTTP/1.1 101') ? resolve() : reject(new Error(String(data))),
    );
  });
  return socket;
}

/** A masked text frame header announcing `length` payload bytes (64-bit length form). */
function frameHeader(length: number): Buffer {
  const header = Buffer.alloc(14);
  header[0] = 0x81;
  header[1] = 0x80 | 127;
  header.writeBigUInt64BE(BigInt(length), 2);
  randomBytes(4).copy(header, 10);
  return header;
}

const closed = (socket: Socket) =>
  new Promise<void>((resolve) => {
    if (socket.destroyed) resolve();
    else socket.once('close', () => resolve());
  });

describe('signaling connections that do not join', () => {
  it('closes a socket that never asks to join after the join deadline', async () => {
    const meeting = await bystanders();
    const idle = await m.connect();
    const started = Date.now();
    expect(await idle.waitForClose(5000)).toBe(CloseCode.joinDeadline);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    await meeting.stillWorking();
  });

  it('keeps a socket that joined, and closes it once it left and idles', async () => {
    const name = m.room();
    const host = await m.host(name);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // past the deadline: it must stay
    expect(host.client.closeCode).toBeNull();
    expect(await host.client.send({ type: 'set-hand', raised: true })).toMatchObject({ ok: true });
    expect(await host.client.send({ type: 'leave' })).toMatchObject({ ok: true });
    expect(await host.client.waitForClose(5000)).toBe(CloseCode.joinDeadline);
  });

  it('does not extend the deadline for other requests or refused joins', async () => {
    const name = m.room();
    const host = await m.host(name);
    expect(await host.client.send({ type: 'set-password', password: 'right one' })).toMatchObject({
      ok: true,
    });
    const client = await m.connect();
    const started = Date.now();
    const gone = client.waitForClose(5000);
    while (client.closeCode === null && Date.now() < started + 3000) {
      await Promise.race([client.send({ type: 'set-hand', raised: true }), gone]);
      await Promise.race([client.join(name, 'Guesser', { password: 'wrong one' }), gone]);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await gone;
    expect(client.closeCode).toBe(CloseCode.joinDeadline);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('cuts off a socket that sends more than PRE_JOIN_BYTES before joining, even within one frame', async () => {
    const meeting = await bystanders();
    const raw = await rawWebSocket('10.9.9.9');
    const gone = closed(raw);
    // A frame announced at 200 KiB (below the 256 KiB cap for joined sockets), sent in part only.
    raw.write(frameHeader(200 * 1024));
    raw.write(Buffer.alloc(PRE_JOIN_BYTES + 1024, 0x61));
    await gone;
    await meeting.stillWorking();
  });

  it('allows a few connections per network, counting IPv6 by /64', async () => {
    const sockets = [
      await m.connect({ address: '2001:db8:5:6::1' }),
      await m.connect({ address: '2001:db8:5:6:ffff::2' }),
      await m.connect({ address: '2001:db8:5:6:1:2:3:4' }),
    ];
    const fourth = await m.connect({ address: '2001:db8:5:6:abcd::9' });
    expect(await fourth.waitForClose()).toBe(CloseCode.tooManyConnections);
    const neighbour = await m.connect({ address: '2001:db8:5:7::1' });
    expect(neighbour.closeCode).toBeNull();
    await sockets[0]!.close();
    const again = await m.connect({ address: '2001:db8:5:6::42' });
    expect(await again.send({ type: 'leave' })).toMatchObject({ ok: true });
    for (const socket of [...sockets, neighbour, again]) await socket.close();
  });
});

describe('floods from a joined socket', () => {
  it('counts oversized messages against the rate, by size', async () => {
    const meeting = await bystanders();
    const name = m.room();
    await m.host(name, 'Other host');
    const sender = await m.participant(name, 'Big');
    const big = JSON.stringify({ type: 'leave', id: 1, junk: 'x'.repeat(200_000) });
    for (let i = 0; i < 12; i++) sender.client.socket.send(big);
    const codes: string[] = [];
    for (let i = 0; i < 12; i++) {
      const reply = await sender.client.nextErrorWithoutId();
      codes.push(reply.type === 'response' && !reply.ok ? reply.error.code : 'ok');
    }
    // 1 MiB of burst lets five 200 KB messages through to their "too-large" answer; then the rate holds.
    expect(codes.slice(0, 5)).toEqual(Array(5).fill('too-large'));
    expect(codes.slice(5)).toEqual(Array(7).fill('rate-limited'));
    await meeting.stillWorking();
  });

  it('answers a flood a few times, then closes the socket', async () => {
    const meeting = await bystanders();
    const name = m.room();
    await m.host(name, 'Flood host');
    const flooder = await m.participant(name, 'Flo');
    const request = JSON.stringify({ type: 'chat-delete', id: 1, messageId: 'nothing' });
    for (let i = 0; i < 1500; i++) flooder.client.socket.send(request);
    expect(await flooder.client.waitForClose()).toBe(CloseCode.flooding);
    // Answered: the 60 of the burst, and "rate-limited" a few times — not 1,440 times.
    const limited = flooder.client.errorsWithoutId.filter((r) => r.type === 'response' && !r.ok);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited.length).toBeLessThan(50);
    await meeting.stillWorking();
  });
});

describe('malformed frames', () => {
  it('closes the socket without an error-level log line, a stack trace or the frame content', async () => {
    const meeting = await bystanders();
    const before = m.logLines.length;
    for (let i = 0; i < 30; i++) {
      const raw = await rawWebSocket(`10.8.0.${i + 1}`);
      const gone = closed(raw);
      // A masked text frame whose payload is not UTF-8.
      const payload = Buffer.from([0xc3, 0x28, 0x73, 0x65, 0x63, 0x72, 0x65, 0x74]);
      const mask = randomBytes(4);
      const masked = Buffer.from(payload.map((byte, j) => byte ^ mask[j % 4]!));
      raw.write(Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]));
      await gone;
    }
    const lines = m.logLines.slice(before).map((line) => JSON.parse(line) as Record<string, unknown>);
    const socketLines = lines.filter((line) => String(line.msg).startsWith('signaling socket'));
    expect(socketLines.length).toBeGreaterThan(0);
    expect(lines.filter((line) => (line.level as number) >= 50)).toEqual([]);
    expect(socketLines.filter((line) => line.level === 40).length).toBeLessThanOrEqual(1);
    expect(JSON.stringify(socketLines)).not.toMatch(/stack|\(s?ecret|UTF-8 sequence/);
    await meeting.stillWorking();
  });
});

describe('negotiation failures', () => {
  it('answers in Parley’s words, not the media library’s', async () => {
    const name = m.room();
    const host = await m.host(name);
    // The fake media plane throws a plain Error with its own wording, as a native exception would.
    const reply = await host.client.send({
      type: 'publish',
      sdp: 'garbage',
      tracks: [{ mid: '0', source: 'mic' }],
    });
    expect(reply).toMatchObject({ ok: false, error: { code: 'negotiation-failed' } });
    expect(reply.ok === false && reply.error.message).toBe(
      'The media connection could not be set up. Please try again, or reload the page.',
    );
  });
});

describe('shutdown', () => {
  it('tells every client "going away" (1001)', async () => {
    const own = await startMeetingServer();
    const name = own.room();
    const host = await own.host(name);
    const idle = await own.connect();
    await own.server.close();
    await waitFor('both closed', () => host.client.closeCode !== null && idle.closeCode !== null);
    expect([host.client.closeCode, idle.closeCode]).toEqual([1001, 1001]);
  });
});
