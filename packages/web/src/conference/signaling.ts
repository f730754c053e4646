import {
  type ClientMessage,
  type ClientRequestType,
  CloseCode,
  type ErrorCode,
  type EventOf,
  Requests,
  type ResultOf,
  type ServerEvent,
  type ServerEventType,
  ServerMessage,
} from '@parley/protocol';

/** The fields of request `T` that the caller supplies (`type` and `id` are added here). */
export type RequestPayload<T extends ClientRequestType> = Omit<
  Extract<ClientMessage, { type: T }>,
  'type' | 'id'
>;

/** Sends one request and resolves with its result; what Meeting hands to the parts that only make requests. */
export type Requester = <T extends ClientRequestType>(
  type: T,
  payload: RequestPayload<T>,
) => Promise<ResultOf<T>>;

/** Why a request failed: a protocol error code from the server, or `disconnected` when the socket went away. */
export type SignalingErrorCode = ErrorCode | 'disconnected' | 'bad-response';

export class SignalingError extends Error {
  constructor(
    readonly code: SignalingErrorCode,
    message: string,
    /** For `rate-limited` (and throttled passwords): seconds before trying again is worthwhile. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'SignalingError';
  }
}

export interface CloseInfo {
  code: number;
  reason: string;
}

interface PendingRequest {
  type: ClientRequestType;
  resolve: (result: unknown) => void;
  reject: (error: SignalingError) => void;
}

const CONNECT_TIMEOUT_MS = 10_000;

/** The signaling WebSocket of this page: same origin, path /ws. */
export function signalingUrl(): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/ws`;
}

/**
 * A typed request/response and event channel over one WebSocket. Every incoming message is checked
 * against the protocol's `ServerMessage` schema; anything else is ignored.
 */
export class SignalingClient {
  private nextId = 1;
  private readonly pending = new Map<number, PendingRequest>();
  private readonly handlers = new Map<ServerEventType, Set<(event: ServerEvent) => void>>();
  private readonly closeHandlers = new Set<(info: CloseInfo) => void>();
  private closed = false;

  private constructor(private readonly socket: WebSocket) {
    socket.addEventListener('message', (message) => this.receive(message.data));
    socket.addEventListener('close', (event) => this.handleClose({ code: event.code, reason: event.reason }));
  }

  /** Opens the socket; rejects when it cannot be opened (server unreachable). */
  static connect(url: string = signalingUrl(), timeoutMs = CONNECT_TIMEOUT_MS): Promise<SignalingClient> {
    return new Promise((resolve, reject) => {
      let socket: WebSocket;
      try {
        socket = new WebSocket(url);
      } catch {
        reject(new SignalingError('disconnected', 'The signaling address is not valid.'));
        return;
      }
      const fail = () => {
        clearTimeout(timer);
        socket.close();
        reject(new SignalingError('disconnected', 'The signaling connection could not be opened.'));
      };
      const timer = setTimeout(fail, timeoutMs);
      socket.addEventListener('error', fail, { once: true });
      socket.addEventListener('close', fail, { once: true });
      socket.addEventListener(
        'open',
        () => {
          clearTimeout(timer);
          socket.removeEventListener('error', fail);
          socket.removeEventListener('close', fail);
          resolve(new SignalingClient(socket));
        },
        { once: true },
      );
    });
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  request<T extends ClientRequestType>(type: T, payload: RequestPayload<T>): Promise<ResultOf<T>> {
    if (this.closed) return Promise.reject(new SignalingError('disconnected', 'The connection is closed.'));
    const id = this.nextId++;
    return new Promise<ResultOf<T>>((resolve, reject) => {
      this.pending.set(id, { type, resolve: resolve as (result: unknown) => void, reject });
      this.socket.send(JSON.stringify({ ...payload, type, id }));
    });
  }

  /** Calls `handler` for every event of `type`; returns a function that stops it. */
  on<T extends ServerEventType>(type: T, handler: (event: EventOf<T>) => void): () => void {
    let set = this.handlers.get(type);
    if (!set) {
      set = new Set();
      this.handlers.set(type, set);
    }
    const listener = handler as (event: ServerEvent) => void;
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Called once when the socket closes for any reason other than `close()`. */
  onClose(handler: (info: CloseInfo) => void): () => void {
    this.closeHandlers.add(handler);
    return () => this.closeHandlers.delete(handler);
  }

  close(): void {
    if (this.closed) return;
    this.closeHandlers.clear();
    this.socket.close(CloseCode.normal);
    this.handleClose({ code: CloseCode.normal, reason: '' });
  }

  private receive(data: unknown): void {
    if (typeof data !== 'string') return;
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return;
    }
    const parsed = ServerMessage.safeParse(json);
    if (!parsed.success) return;
    const message = parsed.data;
    if (message.type === 'event') {
      for (const handler of [...(this.handlers.get(message.event.type) ?? [])]) handler(message.event);
      return;
    }
    if (message.id === null) return;
    const request = this.pending.get(message.id);
    if (!request) return;
    this.pending.delete(message.id);
    if (!message.ok) {
      const { code, message: text, retryAfterSeconds } = message.error;
      request.reject(new SignalingError(code, text, retryAfterSeconds));
      return;
    }
    const result = Requests[request.type].result.safeParse(message.result);
    if (result.success) request.resolve(result.data);
    else request.reject(new SignalingError('bad-response', 'The server sent an unexpected answer.'));
  }

  private handleClose(info: CloseInfo): void {
    if (this.closed) return;
    this.closed = true;
    for (const request of this.pending.values()) {
      request.reject(new SignalingError('disconnected', 'The connection closed.'));
    }
    this.pending.clear();
    for (const handler of [...this.closeHandlers]) handler(info);
    this.closeHandlers.clear();
  }
}
