/**
 * Property-based fuzzing of the signaling protocol over real sockets: messages generated from the
 * protocol's zod schemas (valid ones and mutated ones) and raw junk go to a running server, which must
 * answer every one — ok, or an error with a known code — and never close the socket except for the
 * documented reasons, while a real meeting next to it (bots over DTLS-SRTP) keeps its media flowing.
 */

import { MediaBot } from '@parley/media-bot';
import { ClientMessage, CloseCode, ErrorCode, ServerMessage } from '@parley/protocol';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realMedia } from '../support/real-media.js';
import { mutated, valid } from '../support/schema-arbitrary.js';
import { waitFor } from '../support/wait-for.js';
import { SignalingClient, startTestServer } from './harness.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
let hostCookie: string;
let fuzzerCookie: string;

beforeAll(async () => {
  server = await startTestServer(realMedia, { PARLEY_TRUST_PROXY: '1' });
  hostCookie = await server.signedInCookie('fuzz-bystander');
  fuzzerCookie = await server.signedInCookie('fuzz-host');
});
afterAll(async () => {
  await server.close();
});

/** A participant with real media, as in bots.test.ts. */
async function participant(room: string, name: string, cookie?: string) {
  const client = await SignalingClient.connect(server.wsUrl, {
    'x-forwarded-for': '192.0.2.1',
    ...(cookie ? { cookie } : {}),
  });
  const ask = async (request: Parameters<SignalingClient['send']>[0]) => {
    const reply = await client.send(request);
    if (!reply.ok) throw new Error(reply.error.message);
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
  expect((await client.join(room, name)).ok).toBe(true);
  const self = (await client.waitForEvent('joined')).self;
  await bot.startSubscribing();
  await bot.startPublishing({ audio: true, video: true });
  return { client, bot, id: self.id };
}

/** Why a fuzzed socket may be closed by the server: each comes with its explaining reply or event. */
const EXPECTED_CLOSES: ReadonlySet<number> = new Set([
  CloseCode.unsupportedVersion,
  CloseCode.meetingEnded,
  CloseCode.removed,
  CloseCode.turnedAway,
  CloseCode.replaced,
]);

const errorCodes: ReadonlySet<string> = new Set(ErrorCode.options);

/**
 * Sockets for the fuzzer: a fresh one every few messages (so the message rate never answers in place
 * of the request), every other one signed in and hosting a meeting of its own, the others not joined.
 */
class Sockets {
  private client: SignalingClient | null = null;
  private sent = 0;
  private opened = 0;

  async current(): Promise<SignalingClient> {
    if (this.client && this.client.closeCode === null && this.sent < 40) return this.client;
    await this.client?.close();
    this.opened++;
    const signedIn = this.opened % 2 === 0;
    const client = await SignalingClient.connect(server.wsUrl, {
      'x-forwarded-for': `198.51.100.${(this.opened % 200) + 1}`,
      ...(signedIn ? { cookie: fuzzerCookie } : {}),
    });
    if (signedIn) await client.join(`fuzz-${this.opened}`, 'Fuzzer');
    this.client = client;
    this.sent = 0;
    return client;
  }

  /** Sends one frame and resolves with what came of it: a response, or the close code. */
  async exchange(frame: string | Buffer, id: number | null): Promise<ServerMessage | number> {
    const client = await this.current();
    this.sent++;
    const closed = client.waitForClose(5000);
    let answered: Promise<ServerMessage>;
    if (id === null) {
      client.socket.send(frame);
      answered = client.nextErrorWithoutId(5000);
    } else {
      answered = client.sendRaw(frame, id);
    }
    const outcome = await Promise.race([answered, closed]);
    closed.catch(() => {});
    answered.catch(() => {});
    return outcome;
  }

  async close(): Promise<void> {
    await this.client?.close();
  }
}

/** The server's answer is a well-formed response to this request: ok, or a known error with a message. */
function expectAnswer(outcome: ServerMessage | number, id: number | null): void {
  if (typeof outcome === 'number') {
    expect(EXPECTED_CLOSES.has(outcome), `closed with ${outcome}`).toBe(true);
    return;
  }
  expect(ServerMessage.safeParse(outcome).success).toBe(true);
  expect(outcome.type).toBe('response');
  if (outcome.type !== 'response') return;
  expect(outcome.id).toBe(id);
  if (!outcome.ok) {
    expect(errorCodes.has(outcome.error.code), outcome.error.code).toBe(true);
    expect(outcome.error.message.length).toBeGreaterThan(0);
    expect(outcome.error.message).not.toMatch(/libdatachannel|stack|at .*\.js/i);
  }
}

describe('signaling fuzzing (fast-check, messages from the zod schemas)', () => {
  it('answers every generated message and keeps the meeting next door going', async () => {
    const room = `fuzz-bystanders-${Date.now().toString(36)}`;
    const a = await participant(room, 'Ada', hostCookie);
    const b = await participant(room, 'Bob');
    const received = () => b.bot.received().get(`${a.id}:camera`)?.packets ?? 0;
    await waitFor('video a→b', () => received() > 10, { timeoutMs: 10_000 });
    // The bystanders' video rate before the fuzzing, in the same process and under the same machine load.
    const baselineStart = Date.now();
    const baselineFrom = received();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const baseline = (received() - baselineFrom) / ((Date.now() - baselineStart) / 1000);
    const started = Date.now();
    const before = received();

    const sockets = new Sockets();

    let nextId = 1;
    const withId = (message: Record<string, unknown>) => ({ ...message, id: nextId++ });

    // Valid messages of every request type: each gets its response (ok or a clear refusal).
    await fc.assert(
      fc.asyncProperty(valid(ClientMessage), async (message) => {
        const request = withId(message);
        expectAnswer(await sockets.exchange(JSON.stringify(request), request.id), request.id);
      }),
      { numRuns: 200 },
    );
    // Mutated ones: a clear error, never a crash; with a usable id it is answered under that id.
    await fc.assert(
      fc.asyncProperty(mutated(ClientMessage), async (message) => {
        const request = withId(message);
        const outcome = await sockets.exchange(JSON.stringify(request), request.id);
        expectAnswer(outcome, request.id);
      }),
      { numRuns: 200 },
    );
    // Junk: not JSON, JSON of the wrong shape, a message without a usable id, binary frames.
    const junk = fc.oneof(
      fc.string({ maxLength: 300 }).filter((text) => {
        try {
          const parsed = JSON.parse(text) as { id?: unknown } | null;
          return typeof parsed?.id !== 'number';
        } catch {
          return true;
        }
      }),
      valid(ClientMessage).map((message) => JSON.stringify(message).slice(0, -1)),
      fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value) ?? 'null'),
      valid(ClientMessage).map((message) => JSON.stringify({ ...message, id: -1 })),
      fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
    );
    await fc.assert(
      fc.asyncProperty(junk, async (frame) => {
        if (typeof frame === 'string' && /"id":\s*\d/.test(frame)) return; // may carry a usable id
        const outcome = await sockets.exchange(frame, null);
        if (typeof outcome === 'number') {
          expect(EXPECTED_CLOSES.has(outcome)).toBe(true);
          return;
        }
        expect(outcome).toMatchObject({ type: 'response', id: null, ok: false });
      }),
      { numRuns: 200 },
    );
    await sockets.close();

    // The meeting next door: media kept flowing, signaling answers. The fuzzer, the server, the SFU and
    // the bots share this one thread, so the fuzzer's own work slows the bots too: the rate must stay
    // above half the baseline (the soak, with the server in a process of its own, is stricter).
    const seconds = (Date.now() - started) / 1000;
    const rate = (received() - before) / seconds;
    expect(
      rate,
      `video packets/s during ${seconds.toFixed(1)} s of fuzzing (before: ${baseline.toFixed(0)}/s)`,
    ).toBeGreaterThan(baseline / 2);
    expect(await b.client.send({ type: 'set-hand', raised: true })).toMatchObject({ ok: true });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    for (const p of [a, b]) {
      await p.client.close();
      await p.bot.close();
    }
  }, 30_000);
});
