import type { ClientMessage, ClientRequestType, ResultOf } from '@parley/protocol';
import type { Meetings } from './meetings.js';

/** Every request of a joined participant (join and leave are the connection's own: signaling/session.ts). */
export type RequestType = Exclude<ClientRequestType, 'join' | 'leave'>;

/** What a request handler is given: the meetings, who asks, and the origin their browser used. */
export interface RequestContext {
  meetings: Meetings;
  /** The asking participant's id. */
  me: string;
  /** For invitation links; null if unknown. */
  origin: string | null;
}

/**
 * Handlers for some request types, one each; the value returned is the request's result, checked at
 * compile time against the result schema its feature declares in packages/protocol. Each feature
 * exports its own (features/<name>/handlers.ts), typed by the protocol feature's request keys;
 * signaling/request-table.ts joins them into one table that must cover every request type.
 */
export type RequestHandlers<T extends RequestType> = {
  [K in T]: (
    context: RequestContext,
    message: Extract<ClientMessage, { type: K }>,
  ) => ResultOf<K> | Promise<ResultOf<K>>;
};
