// A small client of Janus's HTTP API (https://janus.conf.meetecho.com/docs/rest.html), enough to drive
// the VideoRoom plugin for the forwarding benchmark: a session, plugin handles, synchronous requests
// and asynchronous ones whose answer (an event, often with a JSEP) arrives on the session's long poll.
import { randomUUID } from 'node:crypto';

export interface Jsep {
  type: 'offer' | 'answer';
  sdp: string;
}

interface JanusMessage {
  janus: string;
  transaction?: string;
  sender?: number;
  data?: { id: number };
  error?: { code: number; reason: string };
  plugindata?: { plugin: string; data: Record<string, unknown> };
  jsep?: Jsep;
}

export interface PluginEvent {
  data: Record<string, unknown>;
  jsep?: Jsep;
}

export class JanusSession {
  private readonly waiting = new Map<string, { resolve(e: PluginEvent): void; reject(e: Error): void }>();
  private polling = true;
  private readonly poller: Promise<void>;

  private constructor(
    private readonly base: string,
    readonly id: number,
  ) {
    this.poller = this.poll();
  }

  /** Create a session on the Janus at `base` (e.g. http://127.0.1.1:8088/janus). */
  static async create(base: string): Promise<JanusSession> {
    const reply = await post(base, { janus: 'create' });
    return new JanusSession(base, reply.data!.id);
  }

  /** Attach a handle of `plugin` to this session. */
  async attach(plugin: string): Promise<JanusHandle> {
    const reply = await post(`${this.base}/${this.id}`, { janus: 'attach', plugin });
    return new JanusHandle(this, reply.data!.id);
  }

  /** A plugin request answered in the HTTP reply itself (e.g. VideoRoom's `create`). */
  async request(handle: number, body: object): Promise<Record<string, unknown>> {
    const reply = await post(`${this.base}/${this.id}/${handle}`, { janus: 'message', body });
    const data = reply.plugindata?.data;
    if (!data) throw new Error(`janus: no plugin data in ${JSON.stringify(reply)}`);
    if (data.error) throw new Error(`janus: ${String(data.error)}`);
    return data;
  }

  /** A plugin request acknowledged at once and answered by an event on the long poll. */
  async message(handle: number, body: object, jsep?: Jsep): Promise<PluginEvent> {
    const transaction = randomUUID();
    const answered = new Promise<PluginEvent>((resolve, reject) =>
      this.waiting.set(transaction, { resolve, reject }),
    );
    await post(`${this.base}/${this.id}/${handle}`, { janus: 'message', body, jsep }, transaction);
    const event = await answered;
    if (event.data.error) throw new Error(`janus: ${String(event.data.error)}`);
    return event;
  }

  private async poll(): Promise<void> {
    while (this.polling) {
      let events: JanusMessage[];
      try {
        const response = await fetch(`${this.base}/${this.id}?maxev=20`);
        const body = (await response.json()) as JanusMessage | JanusMessage[];
        events = Array.isArray(body) ? body : [body];
      } catch (error) {
        if (!this.polling) return;
        for (const waiting of this.waiting.values()) waiting.reject(error as Error);
        this.waiting.clear();
        return;
      }
      for (const event of events) {
        if (event.janus !== 'event' || !event.transaction) continue;
        const waiting = this.waiting.get(event.transaction);
        if (!waiting) continue;
        this.waiting.delete(event.transaction);
        waiting.resolve({ data: event.plugindata?.data ?? {}, jsep: event.jsep });
      }
    }
  }

  async destroy(): Promise<void> {
    this.polling = false;
    await post(`${this.base}/${this.id}`, { janus: 'destroy' }).catch(() => {});
    await this.poller;
  }
}

export class JanusHandle {
  constructor(
    readonly session: JanusSession,
    readonly id: number,
  ) {}

  request(body: object): Promise<Record<string, unknown>> {
    return this.session.request(this.id, body);
  }

  message(body: object, jsep?: Jsep): Promise<PluginEvent> {
    return this.session.message(this.id, body, jsep);
  }
}

async function post(url: string, message: object, transaction: string = randomUUID()): Promise<JanusMessage> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...message, transaction }),
  });
  const reply = (await response.json()) as JanusMessage;
  if (reply.janus === 'error') throw new Error(`janus: ${reply.error?.reason ?? JSON.stringify(reply)}`);
  return reply;
}
