import type { ClientMessage, ResultOf, ResultSchemas } from '@parley/protocol';
import type { Meetings } from './meetings.js';

/** Every request of a joined participant (join and leave are the connection's own: signaling/session.ts). */
export type RequestType = Exclude<ClientMessage['type'], 'join' | 'leave'>;

/** What a request handler is given: the meetings, who asks, and the origin their browser used. */
export interface RequestContext {
  meetings: Meetings;
  /** The asking participant's id. */
  me: string;
  /** For invitation links; null if unknown. */
  origin: string | null;
}

/** What a request of type K answers: its result schema's type (packages/protocol), checked at compile time. */
export type RequestResult<K extends RequestType> = K extends keyof typeof ResultSchemas ? ResultOf<K> : never;

/**
 * Handlers for some request types, one each; the value returned is the request's result. Each feature
 * exports its own (features/<name>/handlers.ts); signaling/request-table.ts joins them into one table
 * that must cover every request type.
 */
export type RequestHandlers<T extends RequestType> = {
  [K in T]: (
    context: RequestContext,
    message: Extract<ClientMessage, { type: K }>,
  ) => RequestResult<K> | Promise<RequestResult<K>>;
};
