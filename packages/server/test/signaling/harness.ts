import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type ClientMessage, PROTOCOL_VERSION, type ServerEvent, ServerMessage } from '@parley/protocol';
import type { MediaPlane } from '@parley/sfu';
import pino from 'pino';
import { WebSocket } from 'ws';
import { loadConfig } from '../../src/config.js';
import type { MeetingsOptions } from '../../src/meeting/meetings.js';
import { createParley } from '../../src/parley.js';

/** A whole Parley control plane in this process, on a random port, with its own data directory. */
export async function startTestServer(
  createMedia: () => MediaPlane,
  env: Record<string, string> = {},
  options: {
    meetings?: MeetingsOptions;
    /** Collects every log line the server writes (at trace level), to check what it never logs. */
    logLines?: string[];
  } = {},
) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'parley-signaling-'));
  const webRoot = path.join(dataDir, 'web');
  await mkdir(path.join(webRoot, 'assets'), { recursive: true });
  await writeFile(path.join(webRoot, 'index.html'), '<!doctype html><title>Parley</title>');
  const config = { ...loadConfig({ PARLEY_DATA_DIR: dataDir, ...env }), webRoot, port: 0 };
  const scheme = config.tlsCert ? 'https' : 'http';
  const logLines = options.logLines;
  const logger = logLines
    ? pino({ level: 'trace' }, { write: (line: string) => void logLines.push(line) })
    : pino({ level: 'silent' });
  const media = createMedia();
  const parley = await createParley(config, logger, media, {
    accounts: { sweepIntervalMs: 0 },
    ...(options.meetings && { meetings: options.meetings }),
  });
  const { app, accounts, meetings, ipHasher } = parley;
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    wsUrl: `${scheme === 'https' ? 'wss' : 'ws'}://127.0.0.1:${port}/ws`,
    accounts,
    meetings,
    media,
    ipHasher,
    /** Creates an account and returns a Cookie header value of a fresh session for it. */
    async signedInCookie(username: string): Promise<string> {
      const user = await accounts.createUser(username, 'a password of length', 'user');
      const token = await accounts.createSession(user.id);
      return `parley_session=${token}`;
    },
    async close() {
      await parley.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

type Request = ClientMessage extends infer M ? (M extends { id: number } ? Omit<M, 'id'> : never) : never;

/** A signaling client speaking the protocol over a real WebSocket, as the web app does. */
export class SignalingClient {
  readonly events: ServerEvent[] = [];
  private nextId = 1;
  private readonly pending = new Map<number, (message: ServerMessage) => void>();
  private readonly waiters: Array<() => void> = [];
  private readonly eventHandlers: Array<(event: ServerEvent) => void> = [];
  readonly errorsWithoutId: ServerMessage[] = [];
  /** The close code once the server (or we) closed the socket. */
  closeCode: number | null = null;
  /** The lobby queue as a moderator's app holds it: the last `lobby-updated`, changed by each `lobby-changed`. */
  lobby: Array<{ id: string; displayName: string }> = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('close', (code) => {
      this.closeCode = code;
      for (const wake of this.waiters.splice(0)) wake();
    });
    socket.on('message', (data) => {
      const message = ServerMessage.parse(JSON.parse(String(data)));
      if (message.type === 'event') {
        this.events.push(message.event);
        // The queue after each change is recorded as a `lobby-updated` (tests read the queue that way);
        // the wire's `lobby-changed` stays in `events` too.
        if (message.event.type === 'lobby-updated') this.lobby = [...message.event.entries];
        if (message.event.type === 'lobby-changed') {
          const gone = new Set(message.event.removed);
          this.lobby = [...this.lobby.filter((e) => !gone.has(e.id)), ...message.event.added];
          this.events.push({ type: 'lobby-updated', entries: [...this.lobby] });
        }
        for (const handler of this.eventHandlers) handler(message.event);
      } else if (message.id !== null) this.pending.get(message.id)?.(message);
      else this.errorsWithoutId.push(message);
      if (message.type === 'response' && message.id !== null) this.pending.delete(message.id);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  static async connect(url: string, headers: Record<string, string> = {}): Promise<SignalingClient> {
    const socket = new WebSocket(url, { headers });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
      socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    return new SignalingClient(socket);
  }

  /** Calls `handler` for every event from now on. */
  onEvent(handler: (event: ServerEvent) => void): void {
    this.eventHandlers.push(handler);
  }

  /** Sends a request and resolves with the whole response (ok or not). */
  send(request: Request): Promise<Extract<ServerMessage, { type: 'response' }>> {
    const id = this.nextId++;
    return this.sendRaw(JSON.stringify({ ...request, id }), id);
  }

  sendRaw(text: string | Buffer, id: number): Promise<Extract<ServerMessage, { type: 'response' }>> {
    return new Promise((resolve) => {
      this.pending.set(id, (message) => resolve(message as Extract<ServerMessage, { type: 'response' }>));
      this.socket.send(text);
    });
  }

  join(
    room: string,
    displayName: string,
    extra: {
      password?: string;
      invitation?: string;
      clientKey?: string;
      resume?: string;
      e2ee?: boolean;
      grant?: string;
    } = {},
  ) {
    return this.send({ type: 'join', protocolVersion: PROTOCOL_VERSION, room, displayName, ...extra });
  }

  /** Resolves with the close code once the socket is closed. */
  async waitForClose(timeoutMs = 5000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.closeCode === null) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`socket not closed within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.closeCode;
  }

  /** Resolves with the first event (already received or coming) that matches. */
  async waitForEvent<T extends ServerEvent['type']>(
    type: T,
    match: (event: Extract<ServerEvent, { type: T }>) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<Extract<ServerEvent, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find((e) => e.type === type && match(e as Extract<ServerEvent, { type: T }>));
      if (found) return found as Extract<ServerEvent, { type: T }>;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${type} event within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Resolves with the next error that had no request id (unparseable or oversized messages). */
  async nextErrorWithoutId(timeoutMs = 5000): Promise<ServerMessage> {
    const deadline = Date.now() + timeoutMs;
    while (this.errorsWithoutId.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no error reply');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.errorsWithoutId.shift()!;
  }

  close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }
}
