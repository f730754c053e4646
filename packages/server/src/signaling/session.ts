import {
  ClientMessage,
  type ErrorCode,
  MAX_MESSAGE_BYTES,
  PROTOCOL_VERSION,
  type ServerEvent,
  type ServerMessage,
} from '@parley/protocol';
import type { WebSocket } from 'ws';
import type { Logger } from '../logger.js';
import { MeetingError, type Meetings, type Membership } from '../rooms/meetings.js';
import type { ParticipantChannel } from '../rooms/participant.js';
import { MessageRate } from './message-rate.js';

/** Past this many bytes queued for a client that does not read, the socket is closed. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

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
}

/**
 * One participant's signaling WebSocket: parses and validates every message at the boundary, answers
 * each request, and forwards room events to the client. A bad message gets an error reply and harms
 * nobody else.
 */
export class SignalingSession implements ParticipantChannel {
  private membership: Membership | null = null;
  private closed = false;
  private readonly rate = new MessageRate(20, 60);
  /**
   * Subscriber offers held back while the `subscribe` request is answered: the client must have the
   * answer to its own offer before the SFU's first re-offer arrives.
   */
  private heldOffers: ServerEvent[] | null = null;

  constructor(
    private readonly socket: WebSocket,
    private readonly meetings: Meetings,
    private readonly user: SocketUser | null,
    private readonly logger: Logger,
  ) {
    socket.on('message', (data, isBinary) => {
      void this.receive(data as Buffer | Buffer[] | ArrayBuffer, isBinary);
    });
    socket.on('close', () => this.disconnected());
    socket.on('error', () => this.disconnected());
  }

  send(event: ServerEvent): void {
    if (this.heldOffers && event.type === 'subscriber-offer') this.heldOffers.push(event);
    else this.write({ type: 'event', event });
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.socket.close(code, reason);
  }

  private write(message: ServerMessage): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    if (this.socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.socket.terminate();
      return;
    }
    this.socket.send(JSON.stringify(message));
  }

  private replyError(id: number | null, code: ErrorCode, message: string): void {
    this.write({ type: 'response', id, ok: false, error: { code, message } });
  }

  private async receive(data: Buffer | Buffer[] | ArrayBuffer, isBinary: boolean): Promise<void> {
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    if (bytes.length > MAX_MESSAGE_BYTES) {
      this.replyError(null, 'too-large', `Messages are limited to ${MAX_MESSAGE_BYTES} bytes.`);
      return;
    }
    if (!this.rate.take()) {
      this.replyError(null, 'rate-limited', 'Too many messages; slow down.');
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
      if (error instanceof RequestError || error instanceof MeetingError) {
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

  private async handle(message: ClientMessage): Promise<unknown> {
    switch (message.type) {
      case 'join': {
        if (message.protocolVersion !== PROTOCOL_VERSION) {
          setImmediate(() => this.close(4002, 'unsupported protocol version'));
          throw new RequestError(
            'unsupported-version',
            `This server speaks protocol version ${PROTOCOL_VERSION}; please reload the page.`,
          );
        }
        if (this.membership) throw new RequestError('already-joined', 'This connection has already joined.');
        if (this.closed) throw new RequestError('not-joined', 'The connection is closing.');
        const { membership, outcome } = this.meetings.join(
          message.room,
          { displayName: message.displayName, accountId: this.user?.id ?? null },
          this,
        );
        this.membership = membership;
        return { status: outcome };
      }
      case 'publish':
        return { sdp: await this.meetings.publish(this.participantId(), message.sdp, message.tracks) };
      case 'subscribe':
        return { sdp: await this.meetings.subscribe(this.participantId(), message.sdp) };
      case 'subscriber-answer':
        await this.meetings.subscriberAnswer(this.participantId(), message.sdp);
        return {};
      case 'set-muted':
        this.meetings.setMuted(this.participantId(), message.source, message.muted);
        return {};
      case 'leave':
        if (this.membership) this.meetings.leave(this.membership.participant.id);
        this.membership = null;
        return {};
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
