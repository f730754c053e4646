/**
 * The soak: a built Parley server in a child process, a meeting that runs throughout (a host and a
 * bystander, real media bots), and `cycles` guests who each join with real media, receive the host's
 * video and leave — with floods in between (message floods, oversized frames, half-sent huge frames,
 * sockets that never join, garbage). Fails when the server's resident memory, open file descriptors
 * (/proc/<pid>/fd) or threads (/proc/<pid>/task) grew past the stated margins between a warm-up
 * baseline and the end, or when the meeting's media or /healthz suffered.
 *
 *   npm run soak                      # 200 cycles (SOAK_CYCLES=n to change)
 *   a short run (20 cycles) is part of `npm test` (soak.test.ts)
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MediaBot } from '@parley/media-bot';
import { SignalingClient } from '../signaling/harness.js';
import { waitFor } from '../support/wait-for.js';

/** How much the server may grow between the warm-up baseline and the end. */
export const SOAK_MARGINS = { rssMiB: 64, fds: 8, threads: 2 };

const SERVER_DIR = path.resolve(import.meta.dirname, '../..');
const MAIN = path.join(SERVER_DIR, 'dist/main.js');
const CLI = path.join(SERVER_DIR, 'dist/cli.js');

export interface ServerSample {
  rssMiB: number;
  fds: number;
  threads: number;
  /** The main thread's JavaScript heap in use (from /metrics), for reading the figures; not a margin. */
  heapUsedMiB?: number;
}

/** The main thread's heap in use, from the Prometheus metrics. */
async function heapUsedMiB(base: string): Promise<number | undefined> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('nodejs_heap_size_used_bytes '));
  return line ? Math.round((Number(line.split(' ')[1]) / 1024 / 1024) * 10) / 10 : undefined;
}

export interface SoakReport {
  cycles: number;
  floods: number;
  seconds: number;
  baseline: ServerSample;
  end: ServerSample;
  peak: ServerSample;
  /** The host's video as the bystander received it, packets per second over the whole run. */
  bystanderVideoRate: number;
  /** The same over 2 s of the warm-up, before any cycle or flood: what this machine manages now. */
  bystanderVideoRateBefore: number;
  /** What the floods ran into: close codes seen, counted. */
  floodCloses: Record<string, number>;
  /** Margins broken (empty: passed). */
  failures: string[];
}

function sample(pid: number): ServerSample {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return {
    rssMiB: Math.round((rssKiB / 1024) * 10) / 10,
    fds: readdirSync(`/proc/${pid}/fd`).length,
    threads: readdirSync(`/proc/${pid}/task`).length,
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A participant with real media over real signaling. */
async function participant(wsUrl: string, room: string, name: string, cookie?: string) {
  const client = await SignalingClient.connect(wsUrl, cookie ? { cookie } : {});
  const ask = async (request: Parameters<SignalingClient['send']>[0]) => {
    const reply = await client.send(request);
    if (!reply.ok) throw new Error(`${request.type}: ${reply.error.message}`);
    return reply.result as { sdp: string };
  };
  const bot = new MediaBot({
    publish: async (sdp, tracks) => (await ask({ type: 'publish', sdp, tracks })).sdp,
    subscribe: async (sdp) => (await ask({ type: 'subscribe', sdp })).sdp,
    subscriberAnswer: async (sdp) => {
      await ask({ type: 'subscriber-answer', sdp });
    },
  });
  client.onEvent((event) => {
    if (event.type === 'subscriber-offer') void bot.handleSubscriberOffer(event.sdp, event.tracks);
  });
  const joined = await client.join(room, name);
  if (!joined.ok) throw new Error(`join: ${joined.error.message}`);
  const self = (await client.waitForEvent('joined')).self;
  await bot.startSubscribing();
  await bot.startPublishing({ audio: true, video: true });
  return {
    client,
    bot,
    id: self.id,
    async leave() {
      await client.close();
      await bot.close();
    },
  };
}

/** Floods of one round; each returns the close code the server ended the socket with. */
async function floodRound(wsUrl: string, port: number, room: string, count: (code: string) => void) {
  // A joined guest sends thousands of messages as fast as it can: closed as a flooder (4010).
  const flooder = await SignalingClient.connect(wsUrl);
  await flooder.join(room, 'Flooder');
  const request = JSON.stringify({ type: 'chat-delete', id: 1, messageId: 'none' });
  for (let i = 0; i < 3000; i++) flooder.socket.send(request);
  count(`flood:${await flooder.waitForClose(10_000)}`);

  // A joined guest sends a message over the 256 KiB cap (1009), another garbage and oversized ones.
  const big = await SignalingClient.connect(wsUrl);
  await big.join(room, 'Big');
  for (let i = 0; i < 20; i++) big.socket.send(randomBytes(64).toString('latin1'));
  big.socket.send(JSON.stringify({ type: 'leave', id: 2, junk: 'x'.repeat(200_000) }));
  big.socket.send('x'.repeat(300 * 1024));
  count(`oversized:${await big.waitForClose(10_000)}`);

  // Half-sent huge frames before joining: cut off once 32 KiB have arrived.
  for (let i = 0; i < 5; i++) {
    const raw = connect(port, '127.0.0.1');
    raw.on('error', () => {});
    await new Promise<void>((resolve) => raw.once('connect', () => resolve()));
    raw.write(
      'GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    await new Promise<void>((resolve) => raw.once('data', () => resolve()));
    const header = Buffer.alloc(14);
    header[0] = 0x81;
    header[1] = 0xff;
    header.writeBigUInt64BE(200n * 1024n, 2);
    raw.write(header);
    raw.write(Buffer.alloc(40 * 1024, 0x61));
    await new Promise<void>((resolve) => (raw.destroyed ? resolve() : raw.once('close', () => resolve())));
    count('half-frame:cut');
  }

  // Sockets that never join, more than one address may hold: refused past the cap, closed at the deadline.
  const idle = await Promise.all(
    Array.from({ length: 120 }, () => SignalingClient.connect(wsUrl).catch(() => null)),
  );
  for (const socket of idle) {
    count(`idle:${socket ? await socket.waitForClose(15_000) : 'refused'}`);
  }
}

export async function runSoak(
  options: { cycles: number; floodEvery?: number; log?: (line: string) => void } = { cycles: 200 },
): Promise<SoakReport> {
  const log = options.log ?? (() => {});
  const floodEvery = options.floodEvery ?? 10;
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build:server first.`);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-soak-'));
  const port = await freePort();
  const env = {
    PATH: process.env.PATH,
    PARLEY_DATA_DIR: dataDir,
    PORT: String(port),
    PARLEY_RTC_PORT: String(42000 + Math.floor(Math.random() * 18000)),
    PARLEY_MEDIA_WORKERS: '1',
    PARLEY_JOIN_DEADLINE_S: '2',
    LOG_LEVEL: 'warn',
  };
  const added = spawnSync(process.execPath, [CLI, 'user', 'add', 'soak-host'], {
    env: { ...env, PARLEY_PASSWORD: 'soak host password' },
    encoding: 'utf8',
  });
  if (added.status !== 0) throw new Error(`creating the host account failed: ${added.stderr}`);
  const server = spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  server.stdout.on('data', (chunk) => {
    output = (output + String(chunk)).slice(-20_000);
  });
  server.stderr.on('data', (chunk) => {
    output = (output + String(chunk)).slice(-20_000);
  });
  const exited = new Promise<number | string>((resolve) =>
    server.once('exit', (code, signal) => resolve(code ?? String(signal))),
  );
  const base = `http://127.0.0.1:${port}`;
  const wsUrl = `ws://127.0.0.1:${port}/ws`;
  const pid = server.pid ?? 0;
  const people: Array<{ leave(): Promise<void> }> = [];
  const floodCloses: Record<string, number> = {};
  const count = (code: string) => {
    floodCloses[code] = (floodCloses[code] ?? 0) + 1;
  };
  try {
    await waitFor('server ready', () => fetch(`${base}/healthz`).then((r) => r.ok), { timeoutMs: 30_000 });
    const login = await fetch(`${base}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: base },
      body: JSON.stringify({ username: 'soak-host', password: 'soak host password' }),
    });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    if (!cookie.startsWith('parley_session=')) throw new Error(`login failed: ${login.status}`);

    const room = 'soak';
    const host = await participant(wsUrl, room, 'Host', cookie);
    people.push(host);
    const bystander = await participant(wsUrl, room, 'Bystander');
    people.push(bystander);
    const hostVideo = () => bystander.bot.received().get(`${host.id}:camera`)?.packets ?? 0;
    await waitFor('host video at the bystander', () => hostVideo() > 20, { timeoutMs: 20_000 });

    const cycle = async (i: number) => {
      const guest = await participant(wsUrl, room, `Guest ${i}`);
      await waitFor(
        `guest ${i} receives the host's video`,
        () => (guest.bot.received().get(`${host.id}:camera`)?.packets ?? 0) > 5,
        { timeoutMs: 20_000 },
      );
      await guest.leave();
    };
    const settle = async () => {
      // Let closed connections and timers wind down, then sample once the figures stop moving.
      let last = sample(pid);
      for (let i = 0; i < 10; i++) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        const now = sample(pid);
        if (now.fds === last.fds && now.threads === last.threads) break;
        last = now;
      }
      return { ...sample(pid), heapUsedMiB: await heapUsedMiB(base) };
    };

    // Warm-up: the first cycles and a flood round allocate what stays (JIT, pools, caches).
    for (let i = 0; i < 5; i++) await cycle(-i - 1);
    await floodRound(wsUrl, port, room, () => {});
    const quietFrom = [Date.now(), hostVideo()] as const;
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const bystanderVideoRateBefore = Math.round(
      (hostVideo() - quietFrom[1]) / ((Date.now() - quietFrom[0]) / 1000),
    );
    const baseline = await settle();
    log(`baseline: ${JSON.stringify(baseline)}`);
    const peak = { ...baseline };
    const started = Date.now();
    const videoBefore = hostVideo();
    let floods = 0;
    for (let i = 1; i <= options.cycles; i++) {
      await cycle(i);
      if (i % floodEvery === 0) {
        await floodRound(wsUrl, port, room, count);
        floods++;
        const now = sample(pid);
        peak.rssMiB = Math.max(peak.rssMiB, now.rssMiB);
        peak.fds = Math.max(peak.fds, now.fds);
        peak.threads = Math.max(peak.threads, now.threads);
        log(`cycle ${i}: ${JSON.stringify(now)}`);
      }
      const health = await fetch(`${base}/healthz`);
      if (!health.ok) throw new Error(`/healthz answered ${health.status} after cycle ${i}`);
    }
    const seconds = (Date.now() - started) / 1000;
    const bystanderVideoRate = Math.round((hostVideo() - videoBefore) / seconds);
    const end = await settle();
    log(`end: ${JSON.stringify(end)}`);
    const failures: string[] = [];
    if (end.rssMiB - baseline.rssMiB > SOAK_MARGINS.rssMiB) {
      failures.push(`resident memory grew by ${(end.rssMiB - baseline.rssMiB).toFixed(1)} MiB`);
    }
    if (end.fds - baseline.fds > SOAK_MARGINS.fds)
      failures.push(`file descriptors grew by ${end.fds - baseline.fds}`);
    if (end.threads - baseline.threads > SOAK_MARGINS.threads) {
      failures.push(`threads grew by ${end.threads - baseline.threads}`);
    }
    return {
      cycles: options.cycles,
      floods,
      seconds: Math.round(seconds),
      baseline,
      end,
      peak,
      bystanderVideoRate,
      bystanderVideoRateBefore,
      floodCloses,
      failures,
    };
  } catch (error) {
    log(`server output (tail):\n${output.slice(-3000)}`);
    throw error;
  } finally {
    // Bounded: a bot's native teardown must not keep the server (and this run) alive.
    const leaving = Promise.all(people.map((person) => person.leave().catch(() => {})));
    await Promise.race([leaving, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    server.kill('SIGTERM');
    const code = await Promise.race([
      exited,
      new Promise((resolve) => setTimeout(() => resolve('timeout'), 15_000)),
    ]);
    if (code === 'timeout') server.kill('SIGKILL');
    log(`server exit: ${String(code)}`);
    rmSync(dataDir, { recursive: true, force: true });
  }
}
