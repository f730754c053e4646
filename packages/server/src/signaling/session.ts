// Privacy: keeps, per open signaling connection, the signed-in account id, the keyed hash of the client's
// address (never the address) and the origin the browser used, in memory, until the connection closes.
import {
  ClientMessage,
  CloseCode,
  type ErrorCode,
  MAX_MESSAGE_BYTES,
  PROTOCOL_VERSION,
  type ServerEvent,
  type ServerMessage,
} from '@parley/protocol';
import type { WebSocket } from 'ws';
import type { Logger } from '../logger.js';
import { MeetingError, type Meetings, type Membership } from '../meeting/meetings.js';
import type { ParticipantChannel } from '../meeting/participant.js';
import { CONTRACT } from '../privacy/legal-bases.js';
import { defineStore } from '../privacy/memory-stores.js';
import type { JoinWatch } from './connection-limits.js';
import { keepAlive } from './keep-alive.js';
import { MessageRate } from './message-rate.js';
import { dispatch } from './request-table.js';

/** The data inventory's entry for what this module keeps (privacy/memory-inventory.ts lists it). */
export const CONNECTION_ADDRESSES_STORE = defineStore({
  id: 'connection-addresses',
  name: 'Addresses of open connections',
  data: 'The network address (IP and port) of each open connection: the page and signaling connection, and the media connection (learnt from its ICE checks); for the signaling connection also a keyed hash of the address (for throttling and removals, see above), and the number of open signaling connections per address (IPv6: per /64 network), to cap them.',
  purpose: 'Delivering pages, signaling and audio and video to the person.',
  legalBasis: CONTRACT,
  retention: 'While the connection is open; never logged, never written, and not stored with the meeting.',
  personal: true,
});

/** Past this many bytes queued for a client that does not read, the socket is closed. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/** Over-rate messages answered with `rate-limited` in a row; later ones are dropped without a reply. */
const RATE_LIMITED_REPLIES = 10;

/** An error reply for the client; anything else thrown is an internal error. */
class RequestError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The account behind a signed-in socket, if any. */
export interface SocketUser {
  id: string;
  /** False when this account may not start a meeting (instance setting on /admin). Unset: it may. */
  mayOpen?: boolean;
}

/** What the server learnt about the connection at the WebSocket upgrade. */
export interface SocketContext {
  user: SocketUser | null;
  /** Keyed hash of the client's address (IpHasher); the address itself is never kept. */
  addressKey: string | null;
  /** The origin the browser reached us by (`https://host:port`), for invitation links; null if unknown. */
  origin: string | null;
}

/**
 * One participant's signaling WebSocket: parses and validates every message at the boundary, answers
 * each request, and forwards room events to the client. A bad message gets an error reply and harms
 * nobody else.
 */
export class SignalingSession implements ParticipantChannel {
  private membership: Membership | null = null;
  private joining = false;
  private closed = false;
  private readonly rate = new MessageRate();
  /** Messages refused for rate since the last one accepted. */
  private overRate = 0;
  /**
   * Subscriber offers held back while the `subscribe` request is answered: the client must have the
   * answer to its own offer before the SFU's first re-offer arrives.
   */
  private heldOffers: ServerEvent[] | null = null;

  constructor(
    private readonly socket: WebSocket,
    private readonly meetings: Meetings,
    private readonly context: SocketContext,
    private readonly logger: Logger,
    /** Told when the connection joins or leaves, so it is closed if it idles outside a meeting. */
    private readonly joinWatch: JoinWatch | null = null,
  ) {
    socket.on('message', (data, isBinary) => {
      void this.receive(data as Buffer | Buffer[] | ArrayBuffer, isBinary);
    });
    socket.on('close', () => this.disconnected());
    socket.on('error', () => this.disconnected());
    keepAlive(socket);
  }

  send(event: ServerEvent): void {
    if (this.heldOffers && event.type === 'subscriber-offer') this.heldOffers.push(event);
    else this.write({ type: 'event', event });
  }

  /**
   * Closes the socket right after the current turn of the event loop, so that a response being
   * written (e.g. to the moderator who ended the meeting) still goes out first.
   */
  close(code: number, reason: string): void {
    if (this.closed) return;
    setImmediate(() => this.socket.close(code, reason));
  }

  private write(message: ServerMessage): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    if (this.socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.socket.terminate();
      return;
    }
    this.socket.send(JSON.stringify(message));
  }

  private replyError(id: number | null, code: ErrorCode, message: string, retryAfterSeconds?: number): void {
    const error = retryAfterSeconds === undefined ? { code, message } : { code, message, retryAfterSeconds };
    this.write({ type: 'response', id, ok: false, error });
  }

  private async receive(data: Buffer | Buffer[] | ArrayBuffer, isBinary: boolean): Promise<void> {
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    // Every frame counts against the rate, by number and by size, before anything else is done with it.
    if (!this.rate.take(bytes.length)) {
      this.overRate++;
      if (!this.rate.tolerate()) this.close(CloseCode.flooding, 'too many messages');
      else if (this.overRate <= RATE_LIMITED_REPLIES) {
        this.replyError(null, 'rate-limited', 'Too many messages; slow down.', 1);
      }
      return;
    }
    this.overRate = 0;
    if (bytes.length > MAX_MESSAGE_BYTES) {
      this.replyError(null, 'too-large', `Messages are limited to ${MAX_MESSAGE_BYTES} bytes.`);
      return;
    }
    let json: unknown;
    try {
      if (isBinary) throw new Error('binary');
      json = JSON.parse(bytes.toString('utf8'));
    } catch {
      this.replyError(null, 'bad-request', 'Messages must be JSON text.');
      return;
    }
    const rawId = (json as { id?: unknown } | null)?.id;
    const id = typeof rawId === 'number' && Number.isSafeInteger(rawId) && rawId >= 0 ? rawId : null;
    const parsed = ClientMessage.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path[0];
      const code: ErrorCode =
        field === 'room'
          ? 'invalid-room-name'
          : field === 'displayName'
            ? 'invalid-display-name'
            : 'bad-request';
      const where = issue && issue.path.length > 0 ? ` (${issue.path.join('.')})` : '';
      this.replyError(
        id,
        code,
        `${issue?.message ?? 'Invalid message.'}${code === 'bad-request' ? where : ''}`,
      );
      return;
    }
    const message = parsed.data;
    if (message.type === 'subscribe') this.heldOffers ??= [];
    try {
      const result = await this.handle(message);
      this.write({ type: 'response', id: message.id, ok: true, result });
    } catch (error) {
      if (error instanceof MeetingError) {
        this.replyError(message.id, error.code, error.message, error.retryAfterSeconds);
      } else if (error instanceof RequestError) {
        this.replyError(message.id, error.code, error.message);
      } else {
        this.logger.error({ err: error, request: message.type }, 'signaling request failed');
        this.replyError(message.id, 'internal', 'Something went wrong on the server.');
      }
    } finally {
      if (message.type === 'subscribe') this.releaseHeldOffers();
    }
  }

  private releaseHeldOffers(): void {
    const held = this.heldOffers ?? [];
    this.heldOffers = null;
    for (const event of held) this.write({ type: 'event', event });
  }

  /**
   * One request: join and leave are this connection's own; every other goes through the request
   * table (request-table.ts), which also refuses a moderator-only request from anyone else.
   */
  private async handle(message: ClientMessage): Promise<unknown> {
    if (message.type === 'join') return this.join(message);
    if (message.type === 'leave') {
      if (this.membership) {
        this.meetings.leave(this.membership.participant.id);
        this.joinWatch?.left();
      }
      this.membership = null;
      return {};
    }
    return dispatch(
      { meetings: this.meetings, me: this.participantId(), origin: this.context.origin },
      message,
    );
  }

  private async join(message: Extract<ClientMessage, { type: 'join' }>): Promise<unknown> {
    if (message.protocolVersion !== PROTOCOL_VERSION) {
      this.close(CloseCode.unsupportedVersion, 'unsupported protocol version');
      throw new RequestError(
        'unsupported-version',
        `This server speaks protocol version ${PROTOCOL_VERSION}; please reload the page.`,
      );
    }
    if (this.membership || this.joining) {
      throw new RequestError('already-joined', 'This connection has already joined.');
    }
    if (this.closed) throw new RequestError('not-joined', 'The connection is closing.');
    this.joining = true;
    this.joinWatch?.joining();
    let joined = false;
    try {
      const { membership, outcome } = await this.meetings.join(
        message.room,
        {
          displayName: message.displayName,
          accountId: this.context.user?.id ?? null,
          ...(this.context.user?.mayOpen === false && { mayOpen: false }),
          clientKey: message.clientKey ?? null,
          addressKey: this.context.addressKey,
        },
        this,
        {
          password: message.password,
          invitation: message.invitation,
          e2ee: message.e2ee,
          resume: message.resume,
          grant: message.grant,
        },
      );
      if (this.closed) {
        // The socket went away while the password was checked.
        this.meetings.leave(membership.participant.id);
      } else {
        this.membership = membership;
        joined = true;
      }
      return { status: outcome };
    } finally {
      this.joining = false;
      if (!joined) this.joinWatch?.joinFailed();
    }
  }

  private participantId(): string {
    if (!this.membership) throw new RequestError('not-joined', 'Join the meeting first.');
    return this.membership.participant.id;
  }

  private disconnected(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.membership) this.meetings.leave(this.membership.participant.id);
    this.membership = null;
  }
}
